"""Each loss equals keras.losses on the same inputs, clipping at probabilities 0 and 1 included."""

import numpy as np
import pytest
from conftest import keras, tf, to_tf

from casestudies.fundamentals import losses as ours

# The same float64 formulas, clipping included, agree to rounding: a looser tolerance would
# let a wrong clip (1e-7 added instead of clipped) pass.
TO_ROUNDING = {"rtol": 1e-12, "atol": 1e-12}


@pytest.fixture
def regression(rng):
    y_true = rng.normal(size=(6, 3)) * 3
    return y_true, y_true + rng.normal(size=(6, 3)) * np.array(
        [0.1, 1.0, 10.0]
    )  # small, medium and outlier errors


@pytest.mark.parametrize("name", ["mean_squared_error", "mean_absolute_error", "huber"])
def test_regression_losses_equal_keras(regression, name):
    y_true, y_pred = regression
    expected = getattr(keras.losses, name)(to_tf(y_true), to_tf(y_pred)).numpy()
    np.testing.assert_allclose(getattr(ours, name)(y_true, y_pred), expected, **TO_ROUNDING)


def test_rmse_equals_keras_metric_and_is_in_the_targets_units(regression):
    y_true, y_pred = regression
    metric = keras.metrics.RootMeanSquaredError(dtype="float64")
    metric.update_state(to_tf(y_true.ravel()), to_tf(y_pred.ravel()))
    all_at_once = ours.root_mean_squared_error(y_true.ravel(), y_pred.ravel())
    np.testing.assert_allclose(all_at_once, float(metric.result()), rtol=1e-12)
    assert ours.root_mean_squared_error(np.zeros(3), np.full(3, 2.0)) == 2.0


def test_huber_switches_from_squared_to_absolute_at_delta():
    y_true, y_pred = np.zeros((1, 4)), np.array([[0.5, 1.0, 2.0, -3.0]])
    np.testing.assert_allclose(
        ours.huber(y_true, y_pred, delta=1.0), [(0.125 + 0.5 + 1.5 + 2.5) / 4]
    )
    np.testing.assert_allclose(
        ours.huber(y_true, y_pred, 1.0),
        keras.losses.huber(to_tf(y_true), to_tf(y_pred), delta=1.0).numpy(),
    )


PROBABILITIES = np.array([[0.0, 1.0, 1e-9, 1 - 1e-9, 0.5, 0.3, 0.99, 1e-7]])
LABELS = np.array([[0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0]])


def test_binary_crossentropy_equals_keras_at_probabilities_0_and_1():
    for y_true, y_pred in [(LABELS, PROBABILITIES), (1 - LABELS, PROBABILITIES)]:
        expected = keras.losses.binary_crossentropy(to_tf(y_true), to_tf(y_pred)).numpy()
        np.testing.assert_allclose(
            ours.binary_crossentropy(y_true, y_pred), expected, **TO_ROUNDING
        )
        assert np.isfinite(ours.binary_crossentropy(y_true, y_pred)).all()


def test_inside_a_model_keras_takes_the_logits_and_does_not_clip():
    # The notebook's claim: a score of 40 on a class-0 row costs 40, not -log(1e-7) ≈ 16.1.
    x_row, y_row = np.array([[40.0]]), np.array([[0.0]])
    model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1, activation="sigmoid")])
    model.layers[0].set_weights([np.array([[1.0]]), np.array([0.0])])
    model.compile(loss="binary_crossentropy")
    probability = model.predict(x_row, verbose=0)
    assert probability[0, 0] == 1.0  # float32 rounds the sigmoid of 40 to 1
    assert float(ours.binary_crossentropy(y_row, probability)[0]) == pytest.approx(16.1, abs=0.2)
    assert model.evaluate(x_row, y_row, verbose=0) == pytest.approx(40.0, rel=1e-5)


def test_categorical_and_sparse_crossentropy_equal_keras_with_certain_and_unnormalised_predictions(
    rng,
):
    probabilities = np.array(
        [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.2, 0.3, 0.5], [0.1, 0.1, 0.1]]
    )  # last row sums to 0.3
    labels = np.array([0, 1, 2, 1])
    one_hot = np.eye(3)[labels]
    np.testing.assert_allclose(
        ours.categorical_crossentropy(one_hot, probabilities),
        keras.losses.categorical_crossentropy(to_tf(one_hot), to_tf(probabilities)).numpy(),
        **TO_ROUNDING,
    )
    np.testing.assert_allclose(
        ours.sparse_categorical_crossentropy(labels, probabilities),
        keras.losses.sparse_categorical_crossentropy(
            tf.constant(labels), to_tf(probabilities)
        ).numpy(),
        **TO_ROUNDING,
    )


@pytest.mark.parametrize(
    "labels", [np.array([[-1.0, 1.0, 1.0, -1.0]]), np.array([[0.0, 1.0, 1.0, 0.0]])]
)
def test_hinge_equals_keras_for_plus_minus_one_and_zero_one_labels(labels):
    scores = np.array([[0.3, -2.0, 1.5, -0.2]])
    np.testing.assert_allclose(
        ours.hinge(labels, scores),
        keras.losses.hinge(to_tf(labels), to_tf(scores)).numpy(),
        **TO_ROUNDING,
    )


@pytest.mark.parametrize(
    "loss, y_true, y_pred",
    [
        ("mean_squared_error", np.array([[1.0, -2.0]]), np.array([[0.5, 3.0]])),
        ("binary_crossentropy", LABELS, PROBABILITIES),
        (
            "sparse_categorical_crossentropy",
            np.array([2, 0]),
            np.array([[0.2, 0.3, 0.5], [0.7, 0.2, 0.1]]),
        ),
    ],
)
def test_loss_gradients_equal_autodiff(loss, y_true, y_pred):
    tensor = to_tf(y_pred)
    target = tf.constant(y_true) if loss.startswith("sparse") else to_tf(y_true)
    with tf.GradientTape() as tape:
        tape.watch(tensor)
        total = tf.reduce_sum(getattr(keras.losses, loss)(target, tensor))
    np.testing.assert_allclose(
        getattr(ours, f"{loss}_gradient")(y_true, y_pred),
        tape.gradient(total, tensor).numpy(),
        **TO_ROUNDING,
    )
