"""Weight initialisation, as `keras.initializers` samples it.

Why not zeros? Every unit of a layer would compute the same thing and get the same gradient,
forever: symmetry is never broken (see `symmetry_after_training`). Glorot/Xavier keeps the
variance of signals steady for tanh and sigmoid (fan_in + fan_out); He doubles it for ReLU,
which zeroes half its inputs (fan_in only).
"""

import numpy as np

TRUNCATION = 0.87962566103423978  # std of a standard normal truncated at ±2: Keras divides by it


def zeros(shape, rng=None):
    return np.zeros(shape)


def random_normal(shape, rng, stddev=0.05):
    return rng.normal(0.0, stddev, shape)


def random_uniform(shape, rng, limit=0.05):
    return rng.uniform(-limit, limit, shape)


def truncated_normal(shape, rng, stddev):
    """Normal samples, redrawn until within two standard deviations (Keras's truncated normal)."""
    samples = rng.normal(0.0, stddev, shape)
    outside = np.abs(samples) > 2 * stddev
    while outside.any():
        samples[outside] = rng.normal(0.0, stddev, outside.sum())
        outside = np.abs(samples) > 2 * stddev
    return samples


def glorot_uniform(shape, rng):
    """Keras's default kernel initializer: U(-limit, limit), limit = sqrt(6 / (fan_in + fan_out)).

    The one Glorot uniform of the kit: `backprop.MLP` starts its kernels with it too.
    """
    fan_in, fan_out = shape
    limit = np.sqrt(6 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, shape)


def glorot_normal(shape, rng):
    fan_in, fan_out = shape
    return truncated_normal(shape, rng, np.sqrt(2 / (fan_in + fan_out)) / TRUNCATION)


def he_uniform(shape, rng):
    limit = np.sqrt(6 / shape[0])
    return rng.uniform(-limit, limit, shape)


def he_normal(shape, rng):
    return truncated_normal(shape, rng, np.sqrt(2 / shape[0]) / TRUNCATION)


def expected_std(name: str, shape) -> float:
    """The standard deviation each initializer's formula promises."""
    fan_in, fan_out = shape
    return {
        "zeros": 0.0,
        "random_normal": 0.05,
        "random_uniform": 0.05 / np.sqrt(3),
        "glorot_uniform": np.sqrt(2 / (fan_in + fan_out)),
        "glorot_normal": np.sqrt(2 / (fan_in + fan_out)),
        "he_uniform": np.sqrt(2 / fan_in),
        "he_normal": np.sqrt(2 / fan_in),
    }[name]


def symmetry_after_training(initializer, seed=0, epochs=50):
    """Train a 2-8-1 net on the OR gate from the given first-layer weights; return them trained.

    From zeros, the weights move but all 8 hidden units stay identical (the columns of the
    returned matrix are equal). Not XOR: from zeros its four rows' gradients cancel exactly,
    so nothing would move at all.
    """
    from casestudies.fundamentals.backprop import MLP, fit
    from casestudies.fundamentals.optimizers import SGD
    from casestudies.fundamentals.perceptron import GATES, INPUTS

    rng = np.random.default_rng(seed)
    model = MLP([2, 8, 1], hidden_activation="tanh", output_activation="sigmoid", seed=seed)
    model.weights[0] = initializer((2, 8), rng)
    model.weights[1] = np.full((8, 1), 0.1) if initializer is zeros else model.weights[1]
    fit(
        model,
        INPUTS,
        GATES["OR"].astype(float),
        "binary_crossentropy",
        SGD(learning_rate=0.5),
        epochs,
        batch_size=4,
        seed=seed,
    )
    return model.weights[0]
