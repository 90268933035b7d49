"""The closed-form KL equals its Monte Carlo estimate and is the KL the kit's VAE trains on, and
the VAE's sampling layer lets `tf.GradientTape` differentiate through the sample."""

import numpy as np
import pytest
from conftest import tf

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


def test_closed_form_is_the_kl_the_kits_vae_trains_on(rng):
    """The kit's VAE (casestudies/vae.py, with keras-io's formula) adds exactly this KL, averaged
    over the batch, to its loss: the Monte Carlo test above checks the formula, this its use."""
    import keras_tuner

    from casestudies import vae

    model = vae.build_model(keras_tuner.HyperParameters())
    images = rng.uniform(size=(16, *vae.IMAGE_SHAPE)).astype("float32")
    z_mean, z_log_var, _ = model.encoder(images)
    _, kl_loss = model.losses_of(images)
    expected = ours.kl_closed_form(
        np.asarray(z_mean, dtype="float64"), np.asarray(z_log_var, dtype="float64")
    ).mean()
    assert expected > 0.01 and float(kl_loss) == pytest.approx(expected, rel=1e-5)


def analytic_gradients(z, log_var, epsilon):
    """d sum(z²)/dmean = 2z and d sum(z²)/dlog_var = 2z · ½ exp(½ log_var) · epsilon."""
    return 2 * z, 2 * z * 0.5 * np.exp(0.5 * log_var) * epsilon


def test_the_vaes_sampling_layer_passes_gradients_to_mean_and_log_var(rng):
    """The case study's `Sampling` layer draws z = mean + exp(½ log_var) · epsilon inside the
    tape, so the loss's gradients reach z_mean and z_log_var (the reparameterisation trick)."""
    from casestudies.generative_models import Sampling

    mean, log_var = rng.normal(size=(4, 3)), rng.uniform(-2.0, 1.5, size=(4, 3))
    # float32, the dtype the layer draws epsilon in (as in the VAE)
    mean_tensor, log_var_tensor = tf.constant(mean, "float32"), tf.constant(log_var, "float32")
    with tf.GradientTape() as tape:
        tape.watch([mean_tensor, log_var_tensor])
        z = Sampling()([mean_tensor, log_var_tensor])
        loss = tf.reduce_sum(z**2)
    d_mean, d_log_var = tape.gradient(loss, [mean_tensor, log_var_tensor])
    assert d_mean is not None and d_log_var is not None
    mean, log_var = mean_tensor.numpy().astype("float64"), log_var_tensor.numpy().astype("float64")
    z = z.numpy().astype("float64")
    epsilon = (z - mean) / np.exp(0.5 * log_var)  # the draw the layer made
    assert np.abs(epsilon).max() > 0.1  # a real draw, not z = mean
    np.testing.assert_allclose(ours.sample(mean, log_var, epsilon), z, rtol=0, atol=1e-6)
    expected_d_mean, expected_d_log_var = analytic_gradients(z, log_var, epsilon)
    np.testing.assert_allclose(d_mean.numpy(), expected_d_mean, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(d_log_var.numpy(), expected_d_log_var, rtol=1e-5, atol=1e-5)
