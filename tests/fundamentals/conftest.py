"""Helpers for checking the from-scratch NumPy code against Keras and TensorFlow, in float64."""

import numpy as np
import pytest

from utils.keras_setup import import_keras

keras = import_keras()
import tensorflow as tf  # noqa: E402  (the kit's reference backend for these comparisons)

FLOAT64_TOLERANCE = 1e-6  # the tolerance for forward values and gradients


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def to_tf(x):
    return tf.constant(np.asarray(x, dtype="float64"))


def autodiff(function, x):
    """d function(x) / dx, element by element, by TensorFlow's GradientTape."""
    tensor = to_tf(x)
    with tf.GradientTape() as tape:
        tape.watch(tensor)
        total = tf.reduce_sum(function(tensor))
    return tape.gradient(total, tensor).numpy()
