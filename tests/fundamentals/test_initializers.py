"""Sampled initial weights have the spread their formulas promise, as keras.initializers do."""

import numpy as np
import pytest
from conftest import keras

from casestudies.fundamentals import initializers as ours

SHAPE = (300, 200)
KERAS_NAMES = {
    "random_normal": "RandomNormal",
    "random_uniform": "RandomUniform",
    "glorot_uniform": "GlorotUniform",
    "glorot_normal": "GlorotNormal",
    "he_uniform": "HeUniform",
    "he_normal": "HeNormal",
}


@pytest.mark.parametrize("name", sorted(KERAS_NAMES))
def test_sampled_spread_matches_the_formula_and_keras(rng, name):
    ours_ = getattr(ours, name)(SHAPE, rng)
    theirs = getattr(keras.initializers, KERAS_NAMES[name])(seed=0)(SHAPE).numpy()
    expected = ours.expected_std(name, SHAPE)
    assert abs(ours_.mean()) < 0.05 * expected + 1e-3
    assert ours_.std() == pytest.approx(expected, rel=0.03)
    assert theirs.std() == pytest.approx(expected, rel=0.03)
    assert np.abs(ours_).max() == pytest.approx(
        np.abs(theirs).max(), rel=0.05
    )  # same bounds (uniform) or truncation (normal)


def test_he_is_wider_than_glorot_for_relu_layers(rng):
    assert ours.he_normal(SHAPE, rng).std() > 1.2 * ours.glorot_normal(SHAPE, rng).std()


def test_zeros_never_break_the_symmetry_and_random_weights_do():
    from_zeros = ours.symmetry_after_training(ours.zeros)
    assert np.abs(from_zeros).min() > 0.1  # training moved every weight...
    assert np.allclose(from_zeros, from_zeros[:, :1])  # ...yet all 8 hidden units are identical
    from_glorot = ours.symmetry_after_training(ours.glorot_uniform)
    assert not np.allclose(from_glorot, from_glorot[:, :1])
