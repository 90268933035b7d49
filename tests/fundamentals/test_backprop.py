"""The NumPy MLP's gradients equal tf.GradientTape's for the same weights, for each hidden
activation and each loss."""

import numpy as np
import pytest
from conftest import FLOAT64_TOLERANCE, keras, tf, to_tf

from casestudies.fundamentals.backprop import MLP, fit, gradient_norms_per_layer
from casestudies.fundamentals.optimizers import Adam

OUTPUTS = {
    # loss: (output activation, output units, targets for 16 rows)
    "mse": ("linear", 1, lambda rng: rng.normal(size=16)),
    "binary_crossentropy": ("sigmoid", 1, lambda rng: rng.integers(0, 2, 16).astype(float)),
    "sparse_categorical_crossentropy": ("softmax", 3, lambda rng: rng.integers(0, 3, 16)),
}


def tape_gradients(model: MLP, X, y, loss):
    """The same network in TensorFlow ops with Keras's activations and loss, through the tape."""
    variables = [tf.Variable(param) for param in model.params]
    with tf.GradientTape() as tape:
        h = to_tf(X)
        for (W, b), name in zip(zip(variables[0::2], variables[1::2]), model.activations):
            h = getattr(keras.activations, name)(h @ W + b)
        targets = tf.constant(y) if loss.startswith("sparse") else tf.reshape(to_tf(y), h.shape)
        value = tf.reduce_mean(keras.losses.get(loss)(targets, h))
    return float(value), [gradient.numpy() for gradient in tape.gradient(value, variables)]


@pytest.mark.parametrize("hidden", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("loss", sorted(OUTPUTS))
def test_gradients_equal_gradient_tape(rng, hidden, loss):
    output_activation, units, targets = OUTPUTS[loss]
    model = MLP(
        [5, 7, 6, units], hidden_activation=hidden, output_activation=output_activation, seed=1
    )
    model.biases = [rng.normal(size=b.shape) for b in model.biases]  # zeros would hide their use
    X, y = rng.normal(size=(16, 5)) * 2, targets(rng)
    our_loss, our_grads = model.loss_and_gradients(X, y, loss)
    tape_loss, tape_grads = tape_gradients(model, X, y, loss)
    assert our_loss == pytest.approx(tape_loss, abs=FLOAT64_TOLERANCE)
    assert len(our_grads) == len(tape_grads) == 6
    for ours, theirs in zip(our_grads, tape_grads):
        np.testing.assert_allclose(ours, theirs, atol=FLOAT64_TOLERANCE)


def test_training_lowers_the_loss(rng):
    X = rng.normal(size=(200, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(float)  # not linearly separable
    model = MLP([2, 8, 1], hidden_activation="tanh", output_activation="sigmoid", seed=0)
    history = fit(model, X, y, "binary_crossentropy", Adam(0.05), epochs=100, batch_size=32)
    assert history[-1] < 0.5 * history[0]
    assert ((model.predict(X)[:, 0] >= 0.5) == y).mean() > 0.9


def test_deep_sigmoid_gradients_vanish_where_relu_gradients_do_not():
    sigmoid, relu = (
        gradient_norms_per_layer("sigmoid", depth=10),
        gradient_norms_per_layer("relu", depth=10),
    )
    assert (
        sigmoid[0] / sigmoid[-1] < 1e-3
    )  # the first layer learns a thousand times slower than the last
    assert relu[0] / relu[-1] > 1e-2


def test_weight_decay_matches_keras_kernel_regularizer(rng):
    """`MLP(l2=...)` adds what `kernel_regularizer=keras.regularizers.l2(...)` on every layer adds
    to a Keras model's loss, and its gradients follow."""
    model = MLP([5, 7, 1], hidden_activation="tanh", output_activation="sigmoid", seed=1, l2=0.01)
    model.biases = [rng.normal(size=b.shape) for b in model.biases]  # decay must leave them be
    X, y = rng.normal(size=(16, 5)), rng.integers(0, 2, 16).astype(float)
    decay = keras.regularizers.l2(0.01)
    keras_model = keras.Sequential(
        [
            keras.Input(shape=(5,), dtype="float64"),
            keras.layers.Dense(7, "tanh", kernel_regularizer=decay, dtype="float64"),
            keras.layers.Dense(1, "sigmoid", kernel_regularizer=decay, dtype="float64"),
        ]
    )
    keras_model.set_weights(model.params)
    with tf.GradientTape() as tape:
        outputs = keras_model(to_tf(X))
        value = tf.reduce_mean(
            keras.losses.binary_crossentropy(tf.reshape(to_tf(y), (-1, 1)), outputs)
        ) + tf.add_n(keras_model.losses)  # the regularizers' terms
    tape_grads = tape.gradient(value, keras_model.trainable_variables)
    our_loss, our_grads = model.loss_and_gradients(X, y, "binary_crossentropy")
    assert our_loss == pytest.approx(float(value), abs=FLOAT64_TOLERANCE)
    undecayed = MLP([5, 7, 1], "tanh", seed=1)
    undecayed.biases = model.biases
    assert our_loss > undecayed.loss_and_gradients(X, y, "binary_crossentropy")[0]
    for ours, theirs in zip(our_grads, tape_grads, strict=True):
        np.testing.assert_allclose(ours, theirs.numpy(), atol=FLOAT64_TOLERANCE)
