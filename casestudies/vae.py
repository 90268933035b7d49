"""
Title: Variational autoencoder: new digits from two numbers
Description: An encoder maps each digit not to a point but to a small Gaussian cloud in a
2-D latent space, and a decoder draws a digit from any point of it. Because the clouds are
pulled towards N(0, I), a point drawn from N(0, I) decodes to a new digit.

The data are scikit-learn's digits (data/digits.npz), grey levels in [0, 1].

The taught model, after keras-io's vae.py with dense layers for 8x8 images:
encoder Flatten -> Dense(128, relu) -> z_mean (2), z_log_var (2) -> a sample
z = z_mean + exp(z_log_var / 2) * epsilon (the reparameterisation trick;
casestudies/fundamentals/variational.py works it through); decoder Dense(128, relu) ->
Dense(64, sigmoid) -> Reshape(8, 8, 1). Its loss is the reconstruction loss (binary
cross-entropy summed over the 64 pixels) plus the KL divergence of each cloud from N(0, I),
averaged over the batch: two networks and a loss of its own, so it is a `keras.Model` with its
own `train_step` (TensorFlow's `GradientTape`, as keras-io's; in generative_models.py). Adam at
1e-3, batch 32. The course recipe is the notebook's plain `fit` for 100 epochs; the kit runs the
same `train_step` in its fast loop, 200 epochs in a third of the time.

Every table sets 500 new digits beside 500 images of independent pixels (the baseline), 500
drawn from a Gaussian over the training digits' first 2 PCA components (the peer: the same two
numbers, a linear decoder) and the real test digits, all read by a judge trained on real
digits: which share does it recognise with confidence, and how many of the ten digits are
there? Its test reconstructions (decoded from z_mean) are set beside PCA's with 2 components.
"""

import numpy as np

from utils.case import CaseStudy, Recipe
from utils.generative import (
    SAMPLES,
    SCORES_NOTE,
    Outcome,
    collapse_note,
    judge,
    judge_generation,
    latent_samples,
    mse,
    outputs,
    pca,
    pca_reconstruct,
)

IMAGE_SHAPE = (8, 8, 1)
LATENT_SIZE = 2  # two numbers: the latent space can be drawn
MANIFOLD_SIDE, MANIFOLD_LIMIT = 15, 2.5  # the manifold figure: 15 x 15 codes from -2.5 to 2.5

CASE = CaseStudy(
    name="vae",
    title="Variational autoencoder (new digits from two numbers)",
    task="generation",
    kind="images",
    data_file="digits.npz",
    target="new images",
    metric="confident",
    test_size=360 / 1797,  # fixed: the test digits of data/digits.npz
    split_seed=0,
    needs_tensorflow=True,
    course=Recipe(epochs=100, batch_size=32, fast=False),
    kit=Recipe(epochs=200, batch_size=32),
    description="digits -> a 2-D Gaussian latent space -> new digits, judged by a classifier",
    why_peers_win=(
        "Two latent numbers and {n_train} training digits leave the VAE little room: its "
        "decoder must blend neighbouring digits, and blends are what the judge doubts."
    ),
)


def build_model(hp):
    """`build_model(keras_tuner.HyperParameters())` is the taught VAE: dense encoder and decoder
    of 128 relu units around a 2-D latent space, Adam at 1e-3."""
    from casestudies.generative_models import VAE, Sampling, keras

    hidden = hp.Choice("hidden_units", [64, 128, 256], default=128)
    images = keras.Input(shape=IMAGE_SHAPE)
    features = keras.layers.Dense(hidden, activation="relu")(keras.layers.Flatten()(images))
    z_mean = keras.layers.Dense(LATENT_SIZE, name="z_mean")(features)
    z_log_var = keras.layers.Dense(LATENT_SIZE, name="z_log_var")(features)
    z = Sampling()([z_mean, z_log_var])
    encoder = keras.Model(images, [z_mean, z_log_var, z], name="encoder")
    decoder = keras.Sequential(
        [
            keras.Input(shape=(LATENT_SIZE,)),
            keras.layers.Dense(hidden, activation="relu"),
            keras.layers.Dense(64, activation="sigmoid"),
            keras.layers.Reshape(IMAGE_SHAPE),
        ],
        name="decoder",
    )
    model = VAE(encoder, decoder)
    learning_rate = hp.Choice("learning_rate", [1e-2, 1e-3, 1e-4], default=1e-3)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate))
    return model


def manifold_codes() -> np.ndarray:
    """An evenly spaced grid of 2-D codes, row by row from the top (largest second code)."""
    steps = np.linspace(-MANIFOLD_LIMIT, MANIFOLD_LIMIT, MANIFOLD_SIDE)
    return np.array([[x, y] for y in steps[::-1] for x in steps], dtype="float32")


def evaluate(model, data, run_plan) -> Outcome:
    """500 new digits judged beside the baselines', the test losses, and the latent space."""
    from utils import plots

    X_test, seed = data.X_test, run_plan.seed
    samples = outputs(model.decoder, latent_samples(SAMPLES, LATENT_SIZE, seed))
    z_mean = outputs(model.encoder, X_test)[0]
    reconstruction_loss, kl_loss = (float(loss) for loss in model.losses_of(X_test))
    metrics = judge_generation(judge(data.X_train, data.y_train), samples, data, LATENT_SIZE, seed)
    metrics["mse"] = mse(outputs(model.decoder, z_mean), X_test)
    metrics["peers"]["pca_gaussian"]["mse"] = mse(
        pca_reconstruct(pca(data.X_train, LATENT_SIZE, seed), X_test), X_test
    )
    metrics |= {
        "test_loss": reconstruction_loss + kl_loss,
        "test_reconstruction_loss": reconstruction_loss,
        "test_kl_loss": kl_loss,
    }
    figures = {
        "samples": plots.sample_grid(
            samples[:100], f"vae: 100 of {SAMPLES} new digits (codes drawn from N(0, I))"
        ),
        "latent_manifold": plots.latent_manifold(
            outputs(model.decoder, manifold_codes()),
            MANIFOLD_LIMIT,
            "vae: the decoder's digit at each point of the latent space",
        ),
        "latent_codes": plots.codes_2d(
            {"vae: z_mean of each test digit": z_mean},
            data.y_test,
            "Test digits in the latent space, coloured by the digit (never shown to the VAE)",
        ),
    }
    # Rounded first, so that the sum adds up as printed.
    reconstruction, kl = round(reconstruction_loss, 2), round(kl_loss, 2)
    notes = [
        f"Test losses per digit: reconstruction {reconstruction:.2f} (binary "
        f"cross-entropy summed over 64 pixels) + KL {kl:.2f} = "
        f"{reconstruction + kl:.2f}. {SCORES_NOTE}; mse: test digits through the 2-number "
        "code, beside PCA's.",
        *collapse_note(metrics),
    ]
    return Outcome(metrics, figures, {"model": model.decoder, "encoder": model.encoder}, notes)
