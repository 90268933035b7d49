"""Activation functions and their derivatives, as `keras.activations` computes them.

Each `NAME(x)` has a `NAME_derivative(x)`: dφ/dx element by element (softmax's is a Jacobian,
so it offers `softmax_vjp`, the product a backward pass needs).
"""

import numpy as np


def step(x):
    """The threshold logic unit's activation: 1 where x >= 0, else 0."""
    return (np.asarray(x) >= 0).astype(float)


def step_derivative(x):
    return np.zeros_like(
        np.asarray(x, dtype=float)
    )  # flat everywhere: why a perceptron can't use gradients


def sign(x):
    return np.sign(x)


def sign_derivative(x):
    return np.zeros_like(np.asarray(x, dtype=float))


def linear(x):
    return np.asarray(x, dtype=float)


def linear_derivative(x):
    return np.ones_like(np.asarray(x, dtype=float))


def sigmoid(x):
    """1 / (1 + e^-x), computed without overflow for large |x|."""
    x = np.asarray(x, dtype=float)
    exp_of_minus_abs = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + exp_of_minus_abs), exp_of_minus_abs / (1 + exp_of_minus_abs))


def sigmoid_derivative(x):
    s = sigmoid(x)
    return s * (1 - s)  # at most 0.25: stacked sigmoids shrink gradients (vanishing gradients)


def tanh(x):
    return np.tanh(x)


def tanh_derivative(x):
    return 1 - np.tanh(x) ** 2


def relu(x):
    return np.maximum(x, 0.0)


def relu_derivative(x):
    return (np.asarray(x) > 0).astype(
        float
    )  # 0 for x <= 0: a unit stuck there stops learning (dying ReLU)


def leaky_relu(x, negative_slope=0.2):
    """Keras's default slope for negative inputs is 0.2."""
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, x, negative_slope * x)


def leaky_relu_derivative(x, negative_slope=0.2):
    return np.where(np.asarray(x) > 0, 1.0, negative_slope)


def prelu(x, alpha):
    """Parametric ReLU: like leaky ReLU, but the slope `alpha` is learned (here: given)."""
    x = np.asarray(x, dtype=float)
    return np.maximum(x, 0) + alpha * np.minimum(x, 0)


def prelu_derivative(x, alpha):
    return np.where(np.asarray(x) > 0, 1.0, alpha)


def elu(x, alpha=1.0):
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def elu_derivative(x, alpha=1.0):
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0)))


def softplus(x):
    """log(1 + e^x), a smooth ReLU; `logaddexp` keeps it finite for large x."""
    return np.logaddexp(0.0, x)


def softplus_derivative(x):
    return sigmoid(x)


def swish(x):
    """x * sigmoid(x) (Keras also calls it `silu`)."""
    return np.asarray(x, dtype=float) * sigmoid(x)


def swish_derivative(x):
    s = sigmoid(x)
    return s + np.asarray(x, dtype=float) * s * (1 - s)


def maxout(x, weights, biases):
    """A maxout unit: the largest of k linear functions of the input, `max_k(x @ W_k + b_k)`.
    `weights` (features, units, k) and `biases` (units, k) are learned; k pieces make any
    convex function piecewise-linear (ReLU is maxout of x and 0)."""
    pieces = np.einsum("...f,fuk->...uk", np.asarray(x, dtype=float), weights) + biases
    return pieces.max(axis=-1)


def softmax(x, axis=-1):
    """e^x / sum(e^x); subtracting the maximum first changes nothing but prevents overflow."""
    shifted = np.asarray(x, dtype=float) - np.max(x, axis=axis, keepdims=True)
    exps = np.exp(shifted)
    return exps / exps.sum(axis=axis, keepdims=True)


def softmax_vjp(x, upstream, axis=-1):
    """Gradient through softmax: J^T g = s * (g - sum(g * s)), without building the Jacobian J."""
    s = softmax(x, axis)
    return s * (upstream - np.sum(upstream * s, axis=axis, keepdims=True))
