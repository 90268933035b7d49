"""The two pieces of a variational autoencoder that are not ordinary layers, in NumPy.

The encoder of a VAE outputs, for each example, the mean and the log-variance of a Gaussian
q(z | x) = N(mean, diag(exp(log_var))) over the latent space. The loss adds to the
reconstruction error the KL divergence from q to the prior p(z) = N(0, I), which pulls the codes
towards the origin; the decoder reads a code z *sampled* from q. So we need

    kl_closed_form    KL(q || p) per example, as keras-io's vae.py computes it
    kl_monte_carlo    the same KL estimated by sampling, from the log densities written out
    sample            the reparameterisation trick that keeps the sampling differentiable

Arrays have shape (batch, latent): one row per example, one column per latent dimension.

tests/fundamentals/test_variational.py checks the closed form against the Monte Carlo estimate
and against keras-io's formula in TensorFlow, and the trick's gradients with `tf.GradientTape`.
"""

import numpy as np

LOG_2PI = np.log(2 * np.pi)


def kl_closed_form(mean, log_var) -> np.ndarray:
    """KL( N(mean, diag(exp(log_var))) || N(0, I) ) per example, summed over latent dimensions.

    Both Gaussians are diagonal, so the KL is a sum of one-dimensional KLs. In one dimension,
    with q = N(m, s²) and p = N(0, 1), the log densities are

        log q(z) = -½ (log 2π + log s² + (z - m)² / s²)
        log p(z) = -½ (log 2π + z²)

    and KL(q || p) = E_q[log q(z) - log p(z)]. Under q, E[(z - m)²] = s² and
    E[z²] = s² + m², so

        KL = -½ (log s² + 1 - s² - m²) = -½ (1 + log_var - mean² - exp(log_var)),

    keras-io's `kl_loss` (examples/generative/vae.py) before it averages over the batch.
    It is 0 exactly when mean = 0 and log_var = 0 (q is the prior), and positive otherwise.
    """
    mean, log_var = np.asarray(mean, dtype=float), np.asarray(log_var, dtype=float)
    return -0.5 * np.sum(1 + log_var - mean**2 - np.exp(log_var), axis=-1)


def log_density_ratio(z, mean, log_var) -> np.ndarray:
    """log q(z) - log p(z), summed over latent dimensions: the quantity the KL averages over q.

    q = N(mean, diag(exp(log_var))) and p = N(0, I), their log densities written out as in
    `kl_closed_form` (the log 2π terms cancel, and are kept to show both densities whole).
    """
    log_q = -0.5 * (LOG_2PI + log_var + (z - mean) ** 2 / np.exp(log_var))
    log_p = -0.5 * (LOG_2PI + z**2)
    return np.sum(log_q - log_p, axis=-1)


def kl_monte_carlo(mean, log_var, rng, samples) -> np.ndarray:
    """KL(q || p) per example, estimated as the average of log q(z) - log p(z) over z ~ q.

    Each of the `samples` draws is z = `sample(mean, log_var, epsilon)` with epsilon ~ N(0, I)
    from the NumPy generator `rng`. The estimate is unbiased; its standard error is the
    standard deviation of `log_density_ratio` under q divided by sqrt(samples).
    """
    mean, log_var = np.asarray(mean, dtype=float), np.asarray(log_var, dtype=float)
    epsilon = rng.standard_normal((samples, *mean.shape))
    z = sample(mean, log_var, epsilon)
    return np.mean(log_density_ratio(z, mean, log_var), axis=0)


def sample(mean, log_var, epsilon) -> np.ndarray:
    """The reparameterisation trick: z = mean + exp(½ log_var) · epsilon, epsilon ~ N(0, I).

    exp(½ log_var) is the standard deviation, so z ~ N(mean, diag(exp(log_var))). Drawing z
    from q directly would make the randomness depend on mean and log_var, and a draw has no
    derivative with respect to the parameters of its distribution. Here the randomness is all
    in epsilon, drawn beforehand and independent of the parameters, and z is an ordinary
    differentiable function of mean and log_var:

        dz/dmean = 1        dz/dlog_var = ½ exp(½ log_var) · epsilon

    so backpropagation passes through the sample into the encoder. keras-io's `Sampling` layer
    is this line, with epsilon from `keras.random.normal`.
    """
    return mean + np.exp(0.5 * np.asarray(log_var, dtype=float)) * epsilon
