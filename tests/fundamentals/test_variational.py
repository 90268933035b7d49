"""The closed-form KL equals its Monte Carlo estimate and keras-io's formula in TensorFlow, and
the reparameterisation trick lets `tf.GradientTape` differentiate through the sample."""

import numpy as np
import pytest
from conftest import FLOAT64_TOLERANCE, tf, to_tf

from casestudies.fundamentals import variational as ours

NUM_SAMPLES = 200_000
STANDARD_ERRORS = 4  # a correct estimate lands further out about once in 16,000 comparisons


def settings():
    """(name, mean, log_var) pairs, shape (batch, latent)."""
    rng = np.random.default_rng(1)
    return [
        ("shifted mean", np.ones((2, 3)), np.zeros((2, 3))),
        ("wider variance", np.zeros((2, 3)), np.ones((2, 3))),
        ("narrower variance", np.zeros((2, 3)), -np.ones((2, 3))),
        (
            "random mean and log-variance",
            rng.normal(scale=1.5, size=(4, 3)),
            rng.uniform(-2.0, 1.5, size=(4, 3)),
        ),
    ]


def keras_io_kl(z_mean, z_log_var):
    """keras-io's examples/generative/vae.py, in TensorFlow, before its mean over the batch."""
    kl_loss = -0.5 * (1 + z_log_var - tf.square(z_mean) - tf.exp(z_log_var))
    return tf.reduce_sum(kl_loss, axis=1)


@pytest.mark.parametrize("name, mean, log_var", settings(), ids=[s[0] for s in settings()])
def test_closed_form_equals_the_monte_carlo_estimate_within_its_standard_error(name, mean, log_var):
    estimate = ours.kl_monte_carlo(mean, log_var, np.random.default_rng(2), NUM_SAMPLES)
    # The estimator's spread, measured on independent draws of the same distribution.
    epsilon = np.random.default_rng(3).standard_normal((NUM_SAMPLES, *mean.shape))
    ratios = ours.log_density_ratio(ours.sample(mean, log_var, epsilon), mean, log_var)
    standard_error = ratios.std(axis=0) / np.sqrt(NUM_SAMPLES)
    difference = np.abs(ours.kl_closed_form(mean, log_var) - estimate)
    assert (difference <= STANDARD_ERRORS * standard_error).all(), (
        f"{name}: |closed form - Monte Carlo| = {difference}, standard error {standard_error}"
    )


def test_kl_is_exactly_zero_when_q_is_the_prior(rng):
    zeros = np.zeros((3, 4))
    np.testing.assert_array_equal(ours.kl_closed_form(zeros, zeros), np.zeros(3))
    # log q(z) - log p(z) is 0 at every z, so the estimate is exactly 0 too.
    np.testing.assert_array_equal(ours.kl_monte_carlo(zeros, zeros, rng, 1000), np.zeros(3))


def test_kl_is_never_negative(rng):
    mean = rng.normal(scale=3.0, size=(1000, 8))
    log_var = rng.normal(scale=3.0, size=(1000, 8))
    assert (ours.kl_closed_form(mean, log_var) >= 0).all()
    assert (ours.kl_closed_form(mean * 1e-4, log_var * 1e-4) >= 0).all()  # near the prior


def test_closed_form_equals_keras_io_formula_in_tensorflow(rng):
    mean = rng.normal(scale=2.0, size=(16, 5))
    log_var = rng.uniform(-6.0, 4.0, size=(16, 5))
    expected = keras_io_kl(to_tf(mean), to_tf(log_var)).numpy()
    np.testing.assert_allclose(
        ours.kl_closed_form(mean, log_var), expected, rtol=0, atol=FLOAT64_TOLERANCE
    )


def gradients_of_sum_of_squares(draw, mean, log_var):
    """z = draw(mean, log_var) inside a tape; returns z and d sum(z²) / d(mean, log_var)."""
    mean, log_var = to_tf(mean), to_tf(log_var)
    with tf.GradientTape() as tape:
        tape.watch([mean, log_var])
        z = draw(mean, log_var)
        loss = tf.reduce_sum(z**2)
    return (z.numpy(), *tape.gradient(loss, [mean, log_var]))


def analytic_gradients(z, log_var, epsilon):
    """d sum(z²)/dmean = 2z and d sum(z²)/dlog_var = 2z · ½ exp(½ log_var) · epsilon."""
    return 2 * z, 2 * z * 0.5 * np.exp(0.5 * log_var) * epsilon


def test_reparameterised_sample_passes_gradients_to_mean_and_log_var(rng):
    mean, log_var = rng.normal(size=(4, 3)), rng.uniform(-2.0, 1.5, size=(4, 3))
    epsilon = rng.standard_normal((4, 3))

    def keras_io_sampling(z_mean, z_log_var):  # keras-io's Sampling layer, epsilon fixed
        return z_mean + tf.exp(0.5 * z_log_var) * to_tf(epsilon)

    z, d_mean, d_log_var = gradients_of_sum_of_squares(keras_io_sampling, mean, log_var)
    np.testing.assert_allclose(
        ours.sample(mean, log_var, epsilon), z, rtol=0, atol=FLOAT64_TOLERANCE
    )
    assert d_mean is not None and d_log_var is not None
    expected_d_mean, expected_d_log_var = analytic_gradients(z, log_var, epsilon)
    np.testing.assert_allclose(d_mean.numpy(), expected_d_mean, rtol=0, atol=FLOAT64_TOLERANCE)
    np.testing.assert_allclose(
        d_log_var.numpy(), expected_d_log_var, rtol=0, atol=FLOAT64_TOLERANCE
    )


def test_tf_random_normal_is_itself_reparameterised(rng):
    """There is no contrast to draw with `tf.random.normal(shape, mean, stddev)`: TensorFlow
    computes it as a standard normal draw times stddev plus mean (random_ops.random_normal), the
    same trick, so the tape passes gradients to mean and, through stddev = exp(½ log_var), to
    log_var, with epsilon = (z - mean) / stddev. What breaks the gradient is a draw the tape
    cannot see: a sample taken in NumPy from the parameters' values is a constant to TensorFlow,
    and the gradients are None."""
    mean, log_var = rng.normal(size=(4, 3)), rng.uniform(-2.0, 1.5, size=(4, 3))

    def tf_random_normal(z_mean, z_log_var):
        return tf.random.normal((4, 3), z_mean, tf.exp(0.5 * z_log_var), dtype="float64", seed=0)

    z, d_mean, d_log_var = gradients_of_sum_of_squares(tf_random_normal, mean, log_var)
    assert d_mean is not None and d_log_var is not None
    epsilon = (z - mean) / np.exp(0.5 * log_var)
    expected_d_mean, expected_d_log_var = analytic_gradients(z, log_var, epsilon)
    np.testing.assert_allclose(d_mean.numpy(), expected_d_mean, rtol=0, atol=FLOAT64_TOLERANCE)
    np.testing.assert_allclose(
        d_log_var.numpy(), expected_d_log_var, rtol=0, atol=FLOAT64_TOLERANCE
    )

    def numpy_draw(z_mean, z_log_var):
        return to_tf(rng.normal(z_mean.numpy(), np.exp(0.5 * z_log_var.numpy())))

    _, d_mean, d_log_var = gradients_of_sum_of_squares(numpy_draw, mean, log_var)
    assert d_mean is None and d_log_var is None
