"""Optimizers: the update rules of `keras.optimizers`, one small class each.

Each `step(params, grads)` updates a list of NumPy arrays in place, exactly as Keras updates
its variables (same defaults, same epsilon, same order of operations).
"""

import numpy as np


class SGD:
    """Plain gradient descent; with momentum, a velocity; with Nesterov, a look-ahead."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False):
        self.learning_rate, self.momentum, self.nesterov = learning_rate, momentum, nesterov
        self.velocities = None

    def step(self, params, grads):
        if self.momentum == 0:
            for param, grad in zip(params, grads):
                param -= self.learning_rate * grad
            return
        self.velocities = self.velocities or [np.zeros_like(param) for param in params]
        for param, grad, velocity in zip(params, grads, self.velocities):
            velocity[...] = self.momentum * velocity - self.learning_rate * grad
            param += (
                self.momentum * velocity - self.learning_rate * grad if self.nesterov else velocity
            )


class Adagrad:
    """Each parameter's step shrinks with the sum of its squared gradients so far."""

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7):
        self.learning_rate, self.initial, self.epsilon = (
            learning_rate,
            initial_accumulator_value,
            epsilon,
        )
        self.accumulators = None

    def step(self, params, grads):
        self.accumulators = self.accumulators or [
            np.full_like(param, self.initial) for param in params
        ]
        for param, grad, accumulator in zip(params, grads, self.accumulators):
            accumulator += grad**2
            param -= self.learning_rate * grad / np.sqrt(accumulator + self.epsilon)


class RMSprop:
    """Like Adagrad, with a moving average (rate rho) instead of a sum, so steps don't vanish."""

    def __init__(self, learning_rate=0.001, rho=0.9, epsilon=1e-7):
        self.learning_rate, self.rho, self.epsilon = learning_rate, rho, epsilon
        self.velocities = None

    def step(self, params, grads):
        self.velocities = self.velocities or [np.zeros_like(param) for param in params]
        for param, grad, velocity in zip(params, grads, self.velocities):
            velocity[...] = self.rho * velocity + (1 - self.rho) * grad**2
            param -= self.learning_rate * grad / np.sqrt(velocity + self.epsilon)


class Adadelta:
    """RMSprop whose step size is itself a moving average of past steps."""

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7):
        self.learning_rate, self.rho, self.epsilon = learning_rate, rho, epsilon
        self.squared_grads = self.squared_deltas = None

    def step(self, params, grads):
        self.squared_grads = self.squared_grads or [np.zeros_like(param) for param in params]
        self.squared_deltas = self.squared_deltas or [np.zeros_like(param) for param in params]
        for param, grad, squared_grad, squared_delta in zip(
            params, grads, self.squared_grads, self.squared_deltas
        ):
            squared_grad[...] = self.rho * squared_grad + (1 - self.rho) * grad**2
            delta = (
                -np.sqrt(squared_delta + self.epsilon) * grad / np.sqrt(squared_grad + self.epsilon)
            )
            squared_delta[...] = self.rho * squared_delta + (1 - self.rho) * delta**2
            param += self.learning_rate * delta


class Adam:
    """Momentum (first moment m) and RMSprop (second moment v), with bias correction."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        self.learning_rate, self.beta_1, self.beta_2, self.epsilon = (
            learning_rate,
            beta_1,
            beta_2,
            epsilon,
        )
        self.iterations = 0
        self.m = self.v = None

    def step(self, params, grads):
        self.m = self.m or [np.zeros_like(param) for param in params]
        self.v = self.v or [np.zeros_like(param) for param in params]
        self.iterations += 1
        t = self.iterations
        alpha = self.learning_rate * np.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
        for param, grad, m, v in zip(params, grads, self.m, self.v):
            m += (grad - m) * (1 - self.beta_1)
            v += (grad**2 - v) * (1 - self.beta_2)
            param -= m * alpha / (np.sqrt(v) + self.epsilon)
