"""Each optimizer moves the parameters as keras.optimizers does, on the same gradients, for 100
steps."""

import numpy as np
import pytest
from conftest import keras

from casestudies.fundamentals import optimizers as ours

# Keras casts its hyperparameters through float32 (0.999 -> 0.9990000128746033), even for
# float64 variables. With values float32 holds exactly, the two trajectories agree to rounding,
# so a tolerance this tight catches even where epsilon goes (see the last test).
TRAJECTORY_TOLERANCE = 1e-12
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
    ("SGD", {"learning_rate": 2**-5}),
    ("SGD", {"learning_rate": 2**-5, "momentum": 0.875}),
    ("SGD", {"learning_rate": 2**-5, "momentum": 0.875, "nesterov": True}),
    ("Adagrad", {"learning_rate": 0.125, "initial_accumulator_value": 0.125}),
    ("RMSprop", {"learning_rate": 2**-7, "rho": 0.875}),
    ("Adadelta", {"learning_rate": 1.0, "rho": 0.9375}),
    ("Adam", {"learning_rate": 2**-7, "beta_1": 0.875, "beta_2": 1 - 2**-10}),
    ("Adam", {"learning_rate": 0.125, "beta_1": 0.75, "beta_2": 1 - 2**-7}),
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


class TextbookAdam(ours.Adam):
    """Adam as often written: epsilon added to the bias-corrected sqrt(v), not to sqrt(v)."""

    def step(self, params, grads):
        self.m = self.m or [np.zeros_like(param) for param in params]
        self.v = self.v or [np.zeros_like(param) for param in params]
        self.iterations += 1
        t = self.iterations
        for param, grad, m, v in zip(params, grads, self.m, self.v):
            m += (grad - m) * (1 - self.beta_1)
            v += (grad**2 - v) * (1 - self.beta_2)
            m_hat, v_hat = m / (1 - self.beta_1**t), v / (1 - self.beta_2**t)
            param -= self.learning_rate * m_hat / (np.sqrt(v_hat) + self.epsilon)


class EpsilonOutsideAdagrad(ours.Adagrad):
    """Adagrad with epsilon outside the square root (Keras puts it inside)."""

    def step(self, params, grads):
        self.accumulators = self.accumulators or [
            np.full_like(param, self.initial) for param in params
        ]
        for param, grad, accumulator in zip(params, grads, self.accumulators):
            accumulator += grad**2
            param -= self.learning_rate * grad / (np.sqrt(accumulator) + self.epsilon)


@pytest.mark.parametrize(
    "name, wrong",
    [("Adam", TextbookAdam), ("Adagrad", EpsilonOutsideAdagrad)],
)
def test_where_epsilon_goes_is_caught(name, wrong, monkeypatch):
    settings = dict(next(settings for each, settings in CASES if each == name))
    start = np.array([1.5, -2.0, 0.7])
    theirs = keras_trajectory(name, settings, start)
    assert np.abs(our_trajectory(name, settings, start) - theirs).max() < TRAJECTORY_TOLERANCE
    monkeypatch.setattr(ours, name, wrong)  # the same maths but for epsilon's place
    assert np.abs(our_trajectory(name, settings, start) - theirs).max() > TRAJECTORY_TOLERANCE
