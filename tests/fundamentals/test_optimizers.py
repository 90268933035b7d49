"""Each optimizer moves the parameters as keras.optimizers does, on the same gradients, for 100
steps."""

import numpy as np
import pytest
from conftest import keras

from casestudies.fundamentals import optimizers as ours

# Keras keeps hyperparameters such as the learning rate as float32 (0.01 -> 0.00999999978) even
# for float64 variables; over 100 Adam steps that drift reaches ~8e-6, inside the 1e-5.
TRAJECTORY_TOLERANCE = 1e-5
STEPS = 100


def gradient(params):
    """A bumpy, anisotropic function's gradient, so every optimizer has something to adapt to."""
    return np.array(
        [
            4 * params[0] + np.cos(params[1]),
            0.2 * params[1] - np.sin(3 * params[0]),
            2 * params[2] ** 3 - 1,
        ]
    )


CASES = [
    ("SGD", {"learning_rate": 0.05}),
    ("SGD", {"learning_rate": 0.05, "momentum": 0.9}),
    ("SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
    ("Adagrad", {"learning_rate": 0.1}),
    ("RMSprop", {"learning_rate": 0.01, "rho": 0.9}),
    ("Adadelta", {"learning_rate": 1.0, "rho": 0.95}),
    ("Adam", {"learning_rate": 0.01}),
    ("Adam", {"learning_rate": 0.1, "beta_1": 0.8, "beta_2": 0.99}),
]


def keras_trajectory(name, settings, start):
    variable = keras.Variable(start.copy(), dtype="float64")
    optimizer = getattr(keras.optimizers, name)(**settings)
    trajectory = []
    for _ in range(STEPS):
        optimizer.apply_gradients(
            [(keras.ops.convert_to_tensor(gradient(variable.numpy()), dtype="float64"), variable)]
        )
        trajectory.append(variable.numpy().copy())
    return np.array(trajectory)


def our_trajectory(name, settings, start):
    params = [start.copy()]
    optimizer = getattr(ours, name)(**settings)
    trajectory = []
    for _ in range(STEPS):
        optimizer.step(params, [gradient(params[0])])
        trajectory.append(params[0].copy())
    return np.array(trajectory)


@pytest.mark.parametrize(
    "name, settings",
    CASES,
    ids=[f"{name}-{'-'.join(map(str, settings.values()))}" for name, settings in CASES],
)
def test_trajectory_equals_keras_for_100_steps(name, settings):
    start = np.array([1.5, -2.0, 0.7])
    ours_, theirs = our_trajectory(name, settings, start), keras_trajectory(name, settings, start)
    assert np.abs(ours_ - theirs).max() < TRAJECTORY_TOLERANCE
    assert np.abs(ours_[-1] - start).max() > 1e-3  # it actually moved


def test_a_wrong_update_rule_would_be_caught():
    start = np.array([1.5, -2.0, 0.7])
    theirs = keras_trajectory("Adam", {"learning_rate": 0.01}, start)
    wrong = our_trajectory("Adam", {"learning_rate": 0.01, "epsilon": 1e-3}, start)
    assert np.abs(wrong - theirs).max() > TRAJECTORY_TOLERANCE
