"""
Title: GAN: a generator and a discriminator trained against each other
Description: A generator turns 16 random numbers into an 8x8 image; a discriminator learns to
tell its images from real digits; the generator learns to fool it. Neither ever sees a label.

The data are scikit-learn's digits (data/digits.npz), grey levels in [0, 1].

The taught model, after keras-io's dcgan_overriding_train_step.py with dense layers for 8x8
images: generator Dense(128) -> LeakyReLU(0.2) -> Dense(128) -> LeakyReLU(0.2) ->
Dense(64, sigmoid) -> Reshape(8, 8, 1); discriminator Flatten -> Dense(128) -> LeakyReLU(0.2)
-> Dropout(0.3) -> Dense(1) (a logit: real or fake). Each batch takes one step of each, with
binary cross-entropy and an Adam optimizer each (learning rate 1e-3, beta_1 0.5): a
`keras.Model` with its own `train_step` (in generative_models.py), batch 32. The course recipe
is the notebook's plain `fit` for 100 epochs; the kit runs the same `train_step` in its fast
loop for 300 epochs, in less time. A grid of samples from the same 10 codes is kept every
tenth of the run, so the run folder shows the digits emerging from noise.

A GAN's losses do not fall to a minimum as a classifier's do: the two networks pull against
each other, and level losses mean a balance, not a finished model. So every table judges the
samples instead, as `vae`'s: 500 new images beside independent pixels (the baseline), a
Gaussian over 16 PCA components of the training digits (the peer) and the real test digits,
read by a judge trained on real digits; and counts the digits among them, because a collapsed
GAN makes a few digits well and the rest never. Try learning rate 2e-4 (`hp`) to see that.
"""

from utils.case import CaseStudy, Recipe
from utils.generative import (
    SAMPLES,
    SCORES_NOTE,
    Outcome,
    collapse_note,
    judge,
    judge_generation,
    latent_samples,
    outputs,
)

LATENT_SIZE = 16  # the random numbers the generator reads (the default of `hp`)
LEARNING_RATE = 1e-3  # both Adam optimizers' (the default of `hp`)
SNAPSHOTS = 10  # sample grids kept during training, evenly spaced
SNAPSHOT_CODES = 10  # the same codes each time

CASE = CaseStudy(
    name="gan",
    title="GAN (a generator against a discriminator)",
    task="generation",
    kind="images",
    data_file="digits.npz",
    target="new images",
    metric="confident",
    test_size=360 / 1797,  # fixed: the test digits of data/digits.npz
    split_seed=0,
    needs_tensorflow=True,
    course=Recipe(epochs=100, batch_size=32, fast=False),
    kit=Recipe(epochs=300, batch_size=32),
    description="16 random numbers -> a new digit, judged by a classifier; mode collapse counted",
    why_peers_win=(
        "A GAN learns only through its discriminator's gradient; on {n_train} digits and this "
        "few epochs a Gaussian over PCA codes, fitted in one step, can still be the better "
        "sampler."
    ),
    not_learned=(
        "Losing to {naive} means it has not learned to draw digits yet. A GAN's losses do not "
        "fall as it learns (each network's loss is the other's gain), so its samples by epoch "
        "(samples_by_epoch.png) tell more: train it longer (--epochs)."
    ),
)


def build_model(hp):
    """`build_model(keras_tuner.HyperParameters())` is the taught GAN: dense generator and
    discriminator of 128 units, 16 latent numbers, Adam at 1e-3 with beta_1 0.5 for each."""
    from casestudies.generative_models import GAN, keras

    latent_size = hp.Choice("latent_size", [8, 16, 32], default=LATENT_SIZE)
    hidden = hp.Choice("hidden_units", [64, 128, 256], default=128)
    generator = keras.Sequential(
        [
            keras.Input(shape=(latent_size,)),
            keras.layers.Dense(hidden),
            keras.layers.LeakyReLU(negative_slope=0.2),
            keras.layers.Dense(hidden),
            keras.layers.LeakyReLU(negative_slope=0.2),
            keras.layers.Dense(64, activation="sigmoid"),
            keras.layers.Reshape((8, 8, 1)),
        ],
        name="generator",
    )
    discriminator = keras.Sequential(
        [
            keras.Input(shape=(8, 8, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(hidden),
            keras.layers.LeakyReLU(negative_slope=0.2),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(1),
        ],
        name="discriminator",
    )
    learning_rate = hp.Choice("learning_rate", [1e-3, 2e-4], default=LEARNING_RATE)
    model = GAN(generator, discriminator)
    model.compile(
        d_optimizer=keras.optimizers.Adam(learning_rate=learning_rate, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(learning_rate=learning_rate, beta_1=0.5),
    )
    return model


def callbacks(run_plan) -> list:
    """A callback that keeps the generator's images of SNAPSHOT_CODES fixed codes
    SNAPSHOTS times in the run, in `model.snapshots` (epoch -> images)."""
    from utils.keras_setup import import_keras

    keras = import_keras()

    every = max(1, run_plan.recipe.epochs // SNAPSHOTS)

    class Snapshots(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            codes = latent_samples(SNAPSHOT_CODES, self.model.latent_size, run_plan.seed)
            self.model.snapshots = {0: outputs(self.model.generator, codes)}
            self.codes = codes

        def on_epoch_end(self, epoch, logs=None):
            # The kit's fast loop calls back once per point of history, a few epochs each.
            per_point = run_plan.recipe.epochs // self.params["epochs"]
            done = (epoch + 1) * per_point
            if done % every < per_point:
                self.model.snapshots[done] = outputs(self.model.generator, self.codes)

    return [Snapshots()]


def evaluate(model, data, run_plan) -> Outcome:
    """500 new digits judged beside the baselines', and the samples as training went on."""
    from utils import plots

    samples = outputs(model.generator, latent_samples(SAMPLES, model.latent_size, run_plan.seed))
    metrics = judge_generation(
        judge(data.X_train, data.y_train), samples, data, model.latent_size, run_plan.seed
    )
    figures = {
        "samples": plots.sample_grid(samples[:100], f"gan: 100 of {SAMPLES} new digits"),
        "samples_by_epoch": plots.image_rows(
            {f"epoch {epoch}": images for epoch, images in model.snapshots.items()},
            f"gan: the generator's images of the same {SNAPSHOT_CODES} codes as training went on",
            count=SNAPSHOT_CODES,
        ),
    }
    notes = [
        f"{SCORES_NOTE} (a collapsed GAN makes only a few).",
        *collapse_note(metrics),
    ]
    networks = {"model": model.generator, "discriminator": model.discriminator}
    return Outcome(metrics, figures, networks, notes)
