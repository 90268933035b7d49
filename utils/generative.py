"""Unit 4's shared pieces: the numbers that judge an autoencoder or a generator, and the run
that trains one and sets those numbers beside the baselines'.

The data are data/digits.npz: 1,437 training and 360 test digits, 8x8 grey levels 0-16 read
as [0, 1] (utils.images). The models learn from the images alone; the labels only judge them.

- **reconstruction** (autoencoders): the test images' mean squared error per pixel, beside the
  mean training image (the naive baseline: it knows nothing of the test image) and PCA with as
  many components as the code has numbers (the classic peer: the best *linear* encoder and
  decoder); and the accuracy of the judge on the reconstructions: do they keep the digit?
- **generation** (VAE, GAN): of `SAMPLES` new images, the share the judge recognises as a
  digit with probability above `CONFIDENCE` ("confident"), and how many of the ten digits are
  among those at least `DIGIT_SHARE` of the time ("digits": mode collapse shows as missing
  digits). Beside them: images whose every pixel is drawn on its own from that pixel's
  training values (the naive baseline: the right grey levels, no strokes), a Gaussian fitted
  to the training images' PCA codes and decoded by PCA (the classic peer), and the real test
  digits (the reference: what a perfect generator would score).

The judge is a classifier trained on the real digits (test accuracy 0.978), built to doubt
what looks like no digit at all: see `judge`.
"""

import functools
import math
from dataclasses import dataclass, field

import numpy as np

CONFIDENCE = 0.8  # the judge's probability above which a sample counts as a recognisable digit
SAMPLES = 500  # new images drawn to judge a generator
# What a generator's two scores mean, in its notes.
SCORES_NOTE = (
    f"confident: the share of {SAMPLES} new images a judge trained on real digits reads with "
    f"probability above {CONFIDENCE}; digits: how many of the 10 appear among them"
)
DIGIT_SHARE = 0.01  # a digit "appears" in at least this share of the samples (5 of 500)


def encoder_of(model):
    """The first half of a trained autoencoder, up to its layer named "code": image -> code."""
    import keras

    return keras.Model(model.inputs[0], model.get_layer("code").output)


def flat(images) -> np.ndarray:
    """(n, height, width, 1) images as (n, pixels) rows, as scikit-learn takes them."""
    images = np.asarray(images)
    return images.reshape(len(images), -1)


def mse(images, originals) -> float:
    """Mean squared error per pixel, on the [0, 1] scale."""
    return float(np.mean((flat(images) - flat(originals)) ** 2))


def judge(images, labels):
    """The judge, fitted on the real training digits and their labels: logistic regression on
    RBF-kernel features (scikit-learn's Nystroem approximation, gamma as SVC's "scale")."""
    pixels, labels = flat(images), np.asarray(labels)
    return _judge(pixels.tobytes(), pixels.shape, labels.tobytes(), labels.dtype.str)


@functools.lru_cache(maxsize=4)  # one per training set: every run, variant and seed reuses it
def _judge(pixel_bytes, shape, label_bytes, label_dtype):
    from sklearn.kernel_approximation import Nystroem
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    pixels = np.frombuffer(pixel_bytes, dtype="float32").reshape(shape)
    labels = np.frombuffer(label_bytes, dtype=label_dtype)
    # Kernel features fade to 0 far from every training digit, so the judge is unsure of an
    # image like no digit (a linear judge reads 41% of independent-pixel images with
    # confidence; this one 3%), and sure of 89% of the real test digits (accuracy 0.978).
    features = Nystroem(
        gamma=1 / (pixels.shape[1] * pixels.var()), n_components=600, random_state=0
    )
    return make_pipeline(features, LogisticRegression(C=10, max_iter=3000)).fit(pixels, labels)


def accuracy(judge_model, images, labels) -> float:
    """The share of the images the judge reads as their true digit."""
    return float(np.mean(judge_model.predict(flat(images)) == labels))


def recognised(judge_model, images) -> dict:
    """The share of images the judge recognises with confidence, and how many digits they cover."""
    probabilities = judge_model.predict_proba(flat(images))
    confident = probabilities.max(axis=1) > CONFIDENCE
    counts = np.bincount(probabilities.argmax(axis=1)[confident], minlength=10)
    return {
        "confident": float(confident.mean()),
        "digits": int(np.sum(counts >= math.ceil(DIGIT_SHARE * len(images)))),
    }


def pca(images, components: int, seed: int = 0):
    """PCA fitted on the training images: the best linear code of that many numbers."""
    from sklearn.decomposition import PCA

    return PCA(components, random_state=seed).fit(flat(images))


def pca_reconstruct(pca_model, images) -> np.ndarray:
    """Images encoded and decoded by PCA, clipped to [0, 1] as a sigmoid output is."""
    decoded = pca_model.inverse_transform(pca_model.transform(flat(images)))
    return np.clip(decoded, 0, 1).reshape(np.shape(images)).astype("float32")


def latent_samples(count: int, size: int, seed: int) -> np.ndarray:
    """`count` codes drawn from N(0, I): what a VAE's decoder or a GAN's generator reads."""
    return np.random.default_rng(seed).standard_normal((count, size)).astype("float32")


def independent_pixels(images, count: int, seed: int) -> np.ndarray:
    """The naive generator: each pixel of each image copied from that pixel of a training image
    drawn at random, on its own, so every pixel has the right grey levels and no stroke holds."""
    pixels = flat(images)
    rng = np.random.default_rng(seed)
    chosen = rng.integers(0, len(pixels), size=(count, pixels.shape[1]))
    samples = pixels[chosen, np.arange(pixels.shape[1])]
    return samples.reshape(count, *np.shape(images)[1:])


def pca_gaussian(images, components: int, count: int, seed: int) -> np.ndarray:
    """The classic peer: a Gaussian fitted to the training images' PCA codes, sampled and
    decoded by PCA."""
    pca_model = pca(images, components, seed)
    codes = pca_model.transform(flat(images))
    rng = np.random.default_rng(seed)
    drawn = rng.multivariate_normal(
        codes.mean(axis=0), np.atleast_2d(np.cov(codes, rowvar=False)), count
    )
    drawn_images = np.clip(pca_model.inverse_transform(drawn), 0, 1)
    return drawn_images.reshape(count, *np.shape(images)[1:]).astype("float32")


def judge_generation(judge_model, samples, data, components: int, seed: int) -> dict:
    """A generator's samples scored beside the naive and PCA generators and the real digits:
    the metrics, baseline, peers and reference of a generation run."""
    return {
        **recognised(judge_model, samples),
        "baseline_name": "independent pixels",
        "baseline": recognised(judge_model, independent_pixels(data.X_train, SAMPLES, seed)),
        "peers": {
            "pca_gaussian": recognised(
                judge_model, pca_gaussian(data.X_train, components, SAMPLES, seed)
            )
        },
        "reference": {"real test digits": recognised(judge_model, data.X_test)},
    }


def collapse_note(metrics: dict) -> list[str]:
    """A warning when the samples miss digits the real ones show: a high share of confident
    samples means little if they are all one digit."""
    real = metrics["reference"]["real test digits"]["digits"]
    if metrics["digits"] >= real:
        return []
    if metrics["digits"] == 0:
        return [
            f"None of the {real} digits appears among the samples (each at least "
            f"{DIGIT_SHARE:.0%} of them, read with confidence): the model does not draw digits "
            "yet. Train it longer (--epochs)."
        ]
    return [
        f"Only {metrics['digits']} of the {real} digits "
        f"{'appears' if metrics['digits'] == 1 else 'appear'} among the samples (each at least "
        f"{DIGIT_SHARE:.0%} of them, read with confidence): the model rarely or never makes "
        "the others (a GAN's mode collapse, at its worst one digit only; a small VAE's blends "
        "between digits), and its confident share says nothing of them."
    ]


def outputs(network, inputs) -> np.ndarray:
    """A network's outputs as NumPy, in one call (no `predict` loop for a few hundred)."""
    import keras

    return keras.ops.convert_to_numpy(network(inputs, training=False))


@dataclass
class Outcome:
    """What a unit-4 case's `evaluate` returns."""

    metrics: dict  # its numbers, "baseline" (+ "baseline_name"), "peers" and "reference"
    figures: dict  # file name -> figure
    # Networks to save, by file name: "model" is what `predict` runs (an autoencoder, or the
    # network that turns codes into images), others keep the rest ("encoder", "discriminator").
    networks: dict
    notes: list[str] = field(default_factory=list)  # said under the table


def fit_and_judge(module, data, run_plan, label=None) -> tuple[dict, dict, Outcome, object]:
    """Train the case's default model and evaluate it: (metrics, hyperparameters, outcome,
    training); what `run` does before it writes, and `bench` for each seed."""
    from utils.experiment import build_and_train

    callbacks = module.callbacks(run_plan) if hasattr(module, "callbacks") else None
    model, used, training = build_and_train(
        module.build_model, data, run_plan, None, data.X_train, label, callbacks
    )
    outcome = module.evaluate(model, data, run_plan)
    metrics = {
        "task": module.CASE.task,
        "n_train": len(data.X_train),
        "n_test": len(data.X_test),
        **outcome.metrics,
        "seed": run_plan.seed,
        "fit_seconds": round(training.fit_seconds, 3),
        "epochs_run": training.epochs_run,
        "best_epoch": training.best_epoch,
        "lowest_val_loss_epoch": training.lowest_val_loss_epoch,
    }
    if outcome.notes:
        metrics["notes"] = outcome.notes
    return metrics, used, outcome, training


def run_experiment(module, settings, say=print):
    """`python -m casestudies run NAME` for a unit-4 case: train, judge, write the run folder."""
    from dataclasses import asdict

    from utils import plots, runs, saving
    from utils.experiment import RunResult, plan, prepare_data
    from utils.report import wrap

    case = module.CASE
    run_plan = plan(case, settings)
    if settings.out is not None:
        runs.check_out_dir(settings.out)
    notes, data = prepare_data(run_plan)
    with runs.writing(case.name, settings.runs_root, settings.out) as run:
        say(f"== {case.title} ==")
        for note in notes:
            say(wrap(note))
        label = None if settings.quiet else case.name
        metrics, used, outcome, training = fit_and_judge(module, data, run_plan, label)
        if case.task == "generation":  # what the saved generator reads
            data.preprocessor.latent_size = int(outcome.networks["model"].inputs[0].shape[-1])
        config = {
            "case": case.name,
            "data": str(run_plan.csv),
            "task": case.task,
            "recipe": settings.recipe,
            **asdict(run_plan.recipe),
            "seed": run_plan.seed,
            "validation_split": run_plan.validation_split,
            "hyperparameters": used,
            "versions": saving.versions(),
        }
        curves = plots.learning_curves(training.history, case.name, training.best_epoch)
        saving.write_run(
            run.staging,
            config=config,
            metrics=metrics,
            history=training.history,
            networks=outcome.networks,
            preprocessor=data.preprocessor,
            figures={"learning_curves": curves, **outcome.figures},
        )
    return RunResult(run_dir=run.final, metrics=metrics)
