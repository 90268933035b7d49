"""
Title: Denoising autoencoder: clean digits out of noisy ones
Description: The autoencoder of `autoencoder`, trained to rebuild the clean digit from a noisy
copy. It trains on noisy inputs and clean targets, so it must learn what a digit looks like
rather than copy pixels. (Its validation loss is on clean inputs: Keras turns `GaussianNoise`
off outside training.)

The data are scikit-learn's digits (data/digits.npz), grey levels in [0, 1]. Noise is Gaussian
with standard deviation NOISE = 0.5 (on a scale where full ink is 1): a `GaussianNoise` layer
adds fresh noise to every training batch and none at prediction, and the test digits get one
fixed draw of the same noise.

The taught model: GaussianNoise(0.5) -> Flatten -> Dense(64, relu) -> Dense(32, relu) (the
code) -> Dense(64, relu) -> Dense(64, sigmoid) -> Reshape(8, 8, 1); adam; mean squared error.
The code has 32 numbers, more than the 16 of `autoencoder`: noise is what stops it copying its
input. Its sparse variant (`hp` sparsity, an L1 penalty on the code's activity) stops it
another way, by making most code units 0 for any one digit; every run trains it too and reports
the share of code values near 0 for both. Recipes as `autoencoder`'s: the course's plain fit
for 100 epochs, the kit's fast loop for up to 500 with patience 30.

Every table sets the denoised digits beside the noisy ones (doing nothing: the baseline) and
PCA's denoising (project onto 16 components of the clean training digits, and back), and asks a
judge trained on clean digits to read them all. The honest lesson: it helps at heavy noise, and
at light noise (LIGHT_NOISE = 0.1) it blurs the digits more than the noise did.
"""

import numpy as np

from utils.case import CaseStudy, Recipe
from utils.generative import (
    Outcome,
    accuracy,
    encoder_of,
    judge,
    mse,
    outputs,
    pca,
    pca_reconstruct,
)

IMAGE_SHAPE = (8, 8, 1)
NOISE = 0.5  # the noise it is trained and tested on
LIGHT_NOISE = 0.1  # the light noise it is also tested on
SPARSE = 1e-3  # the L1 penalty of the sparse variant every run trains as well
NEAR_ZERO = 0.01  # a code value below this counts as 0

CASE = CaseStudy(
    name="denoising",
    title="Denoising autoencoder (clean digits out of noisy ones)",
    task="reconstruction",
    kind="images",
    data_file="digits.npz",
    target="the clean image",
    metric="mse",
    test_size=360 / 1797,  # fixed: the test digits of data/digits.npz
    split_seed=0,
    course=Recipe(epochs=100, batch_size=32, fast=False),
    kit=Recipe(epochs=500, batch_size=32, patience=30),
    description=f"digits with noise of σ {NOISE} -> the clean digit, beside PCA denoising",
    why_peers_win=(
        "With {n_train} training digits and noise this strong, projecting onto the main "
        "directions of clean digits (PCA) already removes most of it."
    ),
)


def build_model(hp):
    """A `GaussianNoise` layer, then the autoencoder; the layer named "code" is the bottleneck.

    `build_model(keras_tuner.HyperParameters())` is the taught model: 8x8x1 ->
    GaussianNoise(0.5) -> Flatten -> Dense(64, relu) -> Dense(32, relu) -> Dense(64, relu) ->
    Dense(64, sigmoid) -> 8x8x1, Adam at 1e-3, mean squared error, no sparsity penalty.
    """
    import keras

    sparsity = hp.Choice("sparsity", [0.0, 1e-4, 1e-3, 1e-2], default=0.0)
    model = keras.Sequential(
        [
            keras.Input(shape=IMAGE_SHAPE),
            # Active only in training (`fit`); a prediction sees the input as given.
            keras.layers.GaussianNoise(hp.Choice("noise", [0.1, 0.25, 0.5], default=NOISE)),
            keras.layers.Flatten(),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(
                hp.Choice("code_size", [16, 32, 64], default=32),
                activation="relu",  # so a sparse code is exactly 0, not merely small
                activity_regularizer=keras.regularizers.L1(sparsity) if sparsity else None,
                name="code",
            ),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(64, activation="sigmoid"),
            keras.layers.Reshape(IMAGE_SHAPE),
        ]
    )
    model.compile(optimizer="adam", loss="mse")
    return model


def add_noise(images, sigma: float, seed: int) -> np.ndarray:
    """The test images with one fixed draw of Gaussian noise, as the layer adds it."""
    rng = np.random.default_rng(seed)
    return (images + sigma * rng.standard_normal(images.shape)).astype("float32")


def near_zero(model, images) -> float:
    """The share of code values (every unit, every image) below NEAR_ZERO."""
    codes = outputs(encoder_of(model), images)
    return float(np.mean(np.abs(codes) < NEAR_ZERO))


def evaluate(model, data, run_plan) -> Outcome:
    """Noisy, denoised, sparse-denoised and PCA-denoised test digits: error and the judge's
    accuracy, at the training noise and at light noise."""
    from utils import plots
    from utils.experiment import build_and_train

    X_test, labels, seed = data.X_test, data.y_test, run_plan.seed
    sparse, _used, _training = build_and_train(
        build_model, data, run_plan, {"sparsity": SPARSE}, targets=data.X_train
    )
    linear = pca(data.X_train, 16, seed)
    reader = judge(data.X_train, data.y_train)
    noisy = {
        "": add_noise(X_test, NOISE, seed),
        "_light_noise": add_noise(X_test, LIGHT_NOISE, seed),
    }
    cleaners = {
        "denoising": lambda images: outputs(model, images),
        "sparse": lambda images: outputs(sparse, images),
        "noisy input": lambda images: images,
        "pca": lambda images: pca_reconstruct(linear, images),
    }
    scores = {name: {} for name in cleaners}
    for name, clean in cleaners.items():
        for suffix, images in noisy.items():
            cleaned = clean(images)
            scores[name][f"mse{suffix}"] = mse(cleaned, X_test)
            scores[name][f"accuracy{suffix}"] = accuracy(reader, cleaned, labels)
    scores["denoising"]["near_zero_codes"] = near_zero(model, X_test)
    clean = accuracy(reader, X_test, labels)
    scores["sparse"]["near_zero_codes"] = near_zero(sparse, X_test)
    metrics = {
        **scores["denoising"],
        "noise": NOISE,
        "light_noise": LIGHT_NOISE,
        "variants": {f"sparse (L1 {SPARSE:g})": scores["sparse"]},
        "baseline_name": "noisy input",
        "baseline": scores["noisy input"],
        "peers": {"pca": scores["pca"]},
        "reference": {"clean images": dict.fromkeys(("accuracy", "accuracy_light_noise"), clean)},
    }
    figures = {
        f"denoised{suffix}": plots.image_rows(
            {
                "clean": X_test,
                f"noisy (σ {sigma:g})": images,
                "denoised": cleaners["denoising"](images),
                "sparse": cleaners["sparse"](images),
                "PCA": cleaners["pca"](images),
            },
            f"Test digits with noise of σ {sigma:g}, cleaned three ways",
        )
        for (suffix, images), sigma in zip(noisy.items(), (NOISE, LIGHT_NOISE))
    }
    notes = [
        f"Test digits with Gaussian noise of σ {NOISE} (and {LIGHT_NOISE}: _light_noise). "
        "accuracy: a judge trained on clean digits reads them; near_zero_codes: the share of "
        f"code values below {NEAR_ZERO} (a sparse code is mostly 0)."
    ]
    return Outcome(metrics, figures, {"model": model}, notes)
