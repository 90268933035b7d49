"""Loss functions as `keras.losses` computes them: one value per sample (the mean or sum over
the last axis), probabilities clipped to [1e-7, 1 - 1e-7] before any logarithm.

`mean_squared_error`, `binary_crossentropy` and `sparse_categorical_crossentropy` also have a
`..._gradient`: dL/dprediction, which backpropagation starts from.
"""

import numpy as np

EPSILON = 1e-7  # keras.config.epsilon()


def mean_squared_error(y_true, y_pred):
    return np.mean((np.asarray(y_pred) - y_true) ** 2, axis=-1)


def mean_squared_error_gradient(y_true, y_pred):
    return 2 * (np.asarray(y_pred) - y_true) / np.shape(y_pred)[-1]


def root_mean_squared_error(y_true, y_pred):
    """The square root of the MSE: the same minimum, in the target's own units."""
    return np.sqrt(mean_squared_error(y_true, y_pred))


def mean_absolute_error(y_true, y_pred):
    return np.mean(np.abs(np.asarray(y_pred) - y_true), axis=-1)


def huber(y_true, y_pred, delta=1.0):
    """Squared error for small errors, absolute error for large ones: robust to outliers."""
    error = np.abs(np.asarray(y_pred) - y_true)
    return np.mean(np.where(error <= delta, 0.5 * error**2, delta * (error - 0.5 * delta)), axis=-1)


def hinge(y_true, y_pred):
    """Labels in {-1, 1}; 0/1 labels are turned into -1/1 first, as Keras does."""
    y_true = np.asarray(y_true, dtype=float)
    if np.all(np.isin(y_true, (0, 1))):
        y_true = 2 * y_true - 1
    return np.mean(np.maximum(1 - y_true * y_pred, 0), axis=-1)


def binary_crossentropy(y_true, y_pred):
    p = np.clip(y_pred, EPSILON, 1 - EPSILON)
    return np.mean(-(y_true * np.log(p) + (1 - np.asarray(y_true)) * np.log(1 - p)), axis=-1)


def binary_crossentropy_gradient(y_true, y_pred):
    y_pred = np.asarray(y_pred, dtype=float)
    inside = (y_pred >= EPSILON) & (
        y_pred <= 1 - EPSILON
    )  # clipping stops the gradient outside (bounds included)
    p = np.clip(y_pred, EPSILON, 1 - EPSILON)
    return inside * (-(y_true / p) + (1 - np.asarray(y_true)) / (1 - p)) / y_pred.shape[-1]


def categorical_crossentropy(y_true, y_pred):
    """One-hot targets. Predictions are renormalised to sum to 1, then clipped."""
    p = np.asarray(y_pred, dtype=float)
    p = np.clip(p / p.sum(axis=-1, keepdims=True), EPSILON, 1 - EPSILON)
    return -np.sum(y_true * np.log(p), axis=-1)


def sparse_categorical_crossentropy(y_true, y_pred):
    """Integer targets: the same loss as one-hot categorical cross-entropy, without the one-hot."""
    p = np.clip(y_pred, EPSILON, 1 - EPSILON)
    picked = np.take_along_axis(p, np.asarray(y_true, dtype=int)[..., None], axis=-1)[..., 0]
    return -np.log(picked / p.sum(axis=-1))


def sparse_categorical_crossentropy_gradient(y_true, y_pred):
    y_pred = np.asarray(y_pred, dtype=float)
    inside = (y_pred >= EPSILON) & (y_pred <= 1 - EPSILON)
    p = np.clip(y_pred, EPSILON, 1 - EPSILON)
    one_hot = np.eye(p.shape[-1])[np.asarray(y_true, dtype=int)]
    return inside * (-one_hot / p + 1 / p.sum(axis=-1, keepdims=True))
