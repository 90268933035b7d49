"""Each activation equals keras.activations, and each derivative equals TensorFlow's autodiff."""

import numpy as np
import pytest
from conftest import FLOAT64_TOLERANCE, autodiff, keras, tf, to_tf

from casestudies.fundamentals import activations as ours

ORDINARY = np.concatenate([np.linspace(-6, 6, 49), [-1e-9, 1e-9]])
EXTREME = np.array([-1000.0, -80.0, -30.0, 30.0, 80.0, 1000.0])
INPUTS = np.concatenate([ORDINARY, EXTREME])

KERAS = {
    "linear": keras.activations.linear,
    "sigmoid": keras.activations.sigmoid,
    "tanh": keras.activations.tanh,
    "relu": keras.activations.relu,
    "leaky_relu": keras.activations.leaky_relu,
    "elu": keras.activations.elu,
    "softplus": keras.activations.softplus,
    "swish": keras.activations.swish,
}


# Keras keeps leaky ReLU's slope as a float32 constant (0.2 -> 0.20000000298) even on float64
# inputs; its relative error, 1.5e-8, is 3e-6 absolute at x = -1000. Compared relatively there.
RELATIVE = {"leaky_relu": 1e-7}


@pytest.mark.parametrize("name", sorted(KERAS))
def test_values_equal_keras_even_for_large_inputs(name):
    expected = KERAS[name](to_tf(INPUTS)).numpy()
    atol = 0 if name in RELATIVE else FLOAT64_TOLERANCE
    np.testing.assert_allclose(
        getattr(ours, name)(INPUTS), expected, rtol=RELATIVE.get(name, 1e-12), atol=atol
    )


@pytest.mark.parametrize("name", sorted(KERAS))
def test_derivatives_equal_autodiff(name):
    points = (
        ORDINARY[np.abs(ORDINARY) > 1e-6] if name in ("relu", "leaky_relu", "elu") else INPUTS
    )  # kinks at 0
    np.testing.assert_allclose(
        getattr(ours, f"{name}_derivative")(points),
        autodiff(KERAS[name], points),
        atol=FLOAT64_TOLERANCE,
    )


def test_prelu_with_a_given_alpha_equals_a_keras_prelu_layer():
    layer = keras.layers.PReLU(alpha_initializer=keras.initializers.Constant(0.25), dtype="float64")
    x = INPUTS.reshape(1, -1)
    np.testing.assert_allclose(ours.prelu(x, 0.25), layer(to_tf(x)).numpy(), atol=FLOAT64_TOLERANCE)
    autodiff_slope = autodiff(
        lambda t: tf.maximum(t, 0) + 0.25 * tf.minimum(t, 0), ORDINARY[np.abs(ORDINARY) > 1e-6]
    )
    np.testing.assert_allclose(
        ours.prelu_derivative(ORDINARY[np.abs(ORDINARY) > 1e-6], 0.25), autodiff_slope
    )


def test_step_and_sign_match_tensorflow_and_have_zero_gradient():
    np.testing.assert_array_equal(
        ours.step(INPUTS), tf.cast(to_tf(INPUTS) >= 0, tf.float64).numpy()
    )
    np.testing.assert_array_equal(ours.sign(INPUTS), tf.sign(to_tf(INPUTS)).numpy())
    np.testing.assert_array_equal(ours.step_derivative(INPUTS), autodiff(tf.sign, INPUTS))


@pytest.mark.parametrize("scale", [1.0, 100.0, 1000.0])
def test_softmax_equals_keras_and_stays_finite_for_large_logits(rng, scale):
    logits = rng.normal(size=(5, 4)) * scale
    probabilities = ours.softmax(logits)
    np.testing.assert_allclose(
        probabilities, keras.activations.softmax(to_tf(logits)).numpy(), atol=FLOAT64_TOLERANCE
    )
    assert np.isfinite(probabilities).all() and np.allclose(probabilities.sum(axis=1), 1)


def test_softmax_backward_equals_autodiff(rng):
    logits, upstream = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    tensor = to_tf(logits)
    with tf.GradientTape() as tape:
        tape.watch(tensor)
        total = tf.reduce_sum(keras.activations.softmax(tensor) * upstream)
    np.testing.assert_allclose(
        ours.softmax_vjp(logits, upstream),
        tape.gradient(total, tensor).numpy(),
        atol=FLOAT64_TOLERANCE,
    )


@pytest.mark.parametrize("name", sorted(KERAS))
def test_tails_are_exact_in_relative_terms_and_never_overflow(name):
    # An absolute tolerance can't see sigmoid(-80) = 1.8e-35 come out as 0 (as 1 - sigmoid(80)
    # does in float64), nor an exp() that overflows on its way to a right answer: this can.
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        values = getattr(ours, name)(INPUTS)
        derivatives = getattr(ours, f"{name}_derivative")(INPUTS)
    np.testing.assert_allclose(values, KERAS[name](to_tf(INPUTS)).numpy(), rtol=1e-7, atol=0)
    assert np.isfinite(derivatives).all()


def test_maxout_equals_keras_dense_then_max_and_relu_is_one_maxout(rng):
    x = rng.normal(size=(5, 3))
    weights, biases = rng.normal(size=(3, 2, 4)), rng.normal(size=(2, 4))  # 2 units, 4 pieces
    dense = keras.layers.Dense(8, dtype="float64")
    dense.build((None, 3))
    dense.set_weights([weights.reshape(3, 8), biases.reshape(8)])
    theirs = keras.ops.max(keras.ops.reshape(dense(to_tf(x)), (-1, 2, 4)), axis=-1)
    np.testing.assert_allclose(ours.maxout(x, weights, biases), theirs, atol=FLOAT64_TOLERANCE)
    # max(x, 0): one unit of two pieces, x and the constant 0
    as_maxout = ours.maxout(INPUTS[:, None], np.array([[[1.0, 0.0]]]), np.zeros((1, 2)))
    np.testing.assert_array_equal(as_maxout[:, 0], ours.relu(INPUTS))
