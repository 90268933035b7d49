"""One run of a case study, step by step:
data -> split -> scale -> model -> train -> evaluate -> run folder.

The command line calls `run_experiment`; the notebooks call the same steps one at a time.
"""

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from utils.case import QUICK_EPOCHS, CaseStudy, Recipe
from utils.data import Dataset, load_dataset
from utils.errors import KitError
from utils.preprocessing import Preprocessor, count_test_rows_in_train, split
from utils.report import wrap


@dataclass(frozen=True)
class Settings:
    """Everything a run can change; None means the case's or the recipe's own value."""

    recipe: str = "kit"
    epochs: int | None = None
    batch_size: int | None = None
    seed: int = 0
    test_size: float | None = None
    split_seed: int | None = None
    stratify: bool | None = None
    validation_split: float = 0.2
    csv: str | None = None
    target: str | None = None
    task: str | None = None
    dedupe: bool = False
    quick: bool = False
    quiet: bool = False
    out: str | None = None
    runs_root: str = "runs"


@dataclass(frozen=True)
class Plan:
    """The settings resolved against the case: what this run will actually do."""

    case: CaseStudy
    recipe: Recipe
    csv: str
    target: str
    task: str
    test_size: float
    split_seed: int
    seed: int
    validation_split: float
    dedupe: bool
    quick: bool = False  # images: a quick run also takes fewer of them (QUICK_IMAGES)


# Options that mean nothing for a kind of data: its split is fixed, or in time order.
NOT_FOR_KIND = {
    "images": {
        "test_size": "--test-size",
        "split_seed": "--split-seed",
        "stratify": "--no-stratify",
        "dedupe": "--dedupe",
    },
    "series": {"split_seed": "--split-seed", "stratify": "--no-stratify", "dedupe": "--dedupe"},
}
WHY_NOT = {
    "images": "its test images are a fixed set, stored apart from the training images in {data}",
    "series": "its split is in time order (the last months are the test months), with no seed",
}


def check_options(case: CaseStudy, settings: Settings) -> None:
    """Refuse a split option the case's kind of data has no use for, rather than ignore it."""
    for field_name, option in NOT_FOR_KIND.get(case.kind, {}).items():
        if getattr(settings, field_name) != getattr(Settings(), field_name):
            why = WHY_NOT[case.kind].format(data=case.data_file)
            raise KitError(f"{option} does not apply to {case.name}: {why}. Drop {option}.")
    if case.kind == "images" and settings.csv:
        raise KitError(
            f"{case.name} learns from the images in data/{case.data_file}, not a CSV: drop --csv "
            "(`fit --csv` trains on your own table)."
        )


def plan(case: CaseStudy, settings: Settings) -> Plan:
    check_options(case, settings)
    recipe = case.recipe(settings.recipe)
    epochs = settings.epochs or (
        min(recipe.epochs, QUICK_EPOCHS) if settings.quick else recipe.epochs
    )
    stratify = recipe.stratify if settings.stratify is None else settings.stratify
    recipe = replace(
        recipe,
        epochs=epochs,
        batch_size=settings.batch_size or recipe.batch_size,
        stratify=stratify,
    )
    return Plan(
        case=case,
        recipe=recipe,
        csv=settings.csv or str(case.data_path),
        target=settings.target or case.target,
        task=settings.task or case.task,
        test_size=case.test_size if settings.test_size is None else settings.test_size,
        split_seed=case.split_seed if settings.split_seed is None else settings.split_seed,
        seed=settings.seed,
        validation_split=settings.validation_split,
        dedupe=settings.dedupe,
        quick=settings.quick,
    )


def load(plan: Plan) -> Dataset:
    return load_dataset(
        plan.csv,
        plan.target,
        plan.task,
        test_size=plan.test_size,
        stratify=plan.recipe.stratify,
        dedupe=plan.dedupe,
    )


@dataclass
class Split:
    """Training and test rows, raw and as model-ready arrays,
    with the preprocessing that links them."""

    train: pd.DataFrame | None  # the raw rows (a series: its training months; images: None)
    test: pd.DataFrame | None
    preprocessor: Preprocessor  # or utils.images.ImagePreprocessor, utils.series.SeriesPreprocessor
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    test_rows_in_train: int
    # The naive forecast of the test rows, where it is not the majority class or training mean.
    naive: np.ndarray | None = None
    naive_name: str = "baseline"

    def leakage_warning(self, metric: str) -> str | None:
        if not self.test_rows_in_train:
            return None
        return (
            f"{self.test_rows_in_train} of {len(self.y_test)} test rows "
            "also appear in the training set: "
            f"test {metric} will be optimistic; --dedupe drops duplicate rows before splitting."
        )


def data_module(kind: str):
    """The module that reads, splits and judges data that is not a table (utils.images,
    utils.series): its `load_split`, `peers` and `figures`."""
    import importlib

    return importlib.import_module(f"utils.{kind}")


def prepare_data(run_plan: Plan) -> tuple[list[str], Split]:
    """What to tell the learner about the data, and the data split and scaled the case's way."""
    if run_plan.case.kind != "table":
        return data_module(run_plan.case.kind).load_split(run_plan)
    dataset = load(run_plan)
    data = split_and_scale(dataset, run_plan)
    return list(dataset.notes) + list(filter(None, [data.preprocessor.target_note()])), data


def split_and_scale(dataset: Dataset, plan: Plan) -> Split:
    """Split, then fit the preprocessing on the training rows only and apply it to both sets."""
    train, test = split(dataset, plan.test_size, plan.split_seed, plan.recipe.stratify)
    preprocessor = Preprocessor.fit(train, dataset.target, dataset.task, scale=plan.recipe.scale)
    return Split(
        train=train,
        test=test,
        preprocessor=preprocessor,
        X_train=preprocessor.transform(train),
        y_train=preprocessor.encode_labels(train[dataset.target]),
        X_test=preprocessor.transform(test),
        y_test=preprocessor.encode_labels(test[dataset.target]),
        test_rows_in_train=count_test_rows_in_train(train, test),
    )


@dataclass
class Trained:
    """A model trained on the training split and scored on the test rows."""

    model: object
    hyperparameters: dict
    training: object  # utils.training.TrainingResult
    metrics: dict
    y_pred: np.ndarray
    scores: np.ndarray


def build_and_train(
    build_model,
    data: Split,
    run_plan: Plan,
    hyperparameters: dict | None = None,
    targets=None,
    progress_label: str | None = None,
    callbacks: list | None = None,
):
    """Seed, build the case's model (with these values, else the recipe's, else its defaults)
    and train it with the plan's recipe on the training split, to `targets` (default: its labels
    or values; an autoencoder's: the images).
    Returns (model, hyperparameters used, TrainingResult)."""
    from utils.hyperparameters import build
    from utils.keras_setup import seed_everything
    from utils.training import train

    recipe = run_plan.recipe
    seed_everything(run_plan.seed)
    values = recipe.model_hyperparameters | (hyperparameters or {})
    model, used = build(build_model, data.preprocessor, values)
    training = train(
        model,
        data.X_train,
        data.y_train if targets is None else targets,
        epochs=recipe.epochs,
        batch_size=recipe.batch_size,
        fast=recipe.fast,
        validation_split=run_plan.validation_split,
        seed=run_plan.seed,
        patience=recipe.patience,
        callbacks=callbacks,
        progress_label=progress_label,
    )
    return model, used, training


def train_and_evaluate(
    build_model,
    data: Split,
    run_plan: Plan,
    hyperparameters: dict | None = None,
    progress_label: str | None = None,
) -> Trained:
    """Seed, build, train with the plan's recipe, and test:
    the heart of every run, search winner and benchmark fit."""
    from utils.evaluation import evaluate

    model, used, training = build_and_train(
        build_model, data, run_plan, hyperparameters, progress_label=progress_label
    )
    metrics, y_pred, scores = evaluate(model, data)
    metrics.update(
        seed=run_plan.seed,
        fit_seconds=round(training.fit_seconds, 3),
        epochs_run=training.epochs_run,
        best_epoch=training.best_epoch,
        lowest_val_loss_epoch=training.lowest_val_loss_epoch,
        test_rows_in_train=data.test_rows_in_train,
    )
    return Trained(model, used, training, metrics, y_pred, scores)


def score_peers(data: Split, run_plan: Plan) -> dict[str, dict]:
    """The classic models the network must beat, on the same training and test rows: for a
    table, logistic (or linear) regression and a random forest."""
    from utils.evaluation import peers

    if run_plan.case.kind != "table":
        return data_module(run_plan.case.kind).peers(data, run_plan)
    values = data.preprocessor.target_values  # the peers learn the target in its own units
    return peers(
        data.preprocessor.task,
        data.X_train,
        values(data.y_train),
        data.X_test,
        values(data.y_test),
        run_plan.seed,
    )


@dataclass
class RunResult:
    run_dir: Path
    metrics: dict


def run_experiment(case: CaseStudy, build_model, settings: Settings, say=print) -> RunResult:
    """Everything `python -m casestudies run NAME` does,
    with `say` for what the learner should read."""
    from utils import runs, saving

    run_plan = plan(case, settings)
    if settings.out is not None:
        runs.check_out_dir(settings.out)  # refuse before the work, not after it
    data_notes, data = prepare_data(run_plan)
    # Claim the folder before training: a clash is refused now, not after minutes of work, and
    # the folder appears only once complete (an error, Ctrl-C or kill leaves nothing behind).
    with runs.writing(case.name, settings.runs_root, settings.out) as run:
        say(f"== {case.title} ==")  # after the checks: bad input prints its error and nothing else
        notes = data_notes
        if warning := data.leakage_warning(case.metric):
            notes.append(warning)
        for note in notes:
            say(wrap(note))
        trained = train_and_evaluate(
            build_model, data, run_plan, progress_label=None if settings.quiet else case.name
        )
        trained.metrics["peers"] = score_peers(data, run_plan)
        saving.save_run(run.staging, case, run_plan, data, trained, recipe_name=settings.recipe)
    run_dir = run.final
    return RunResult(run_dir=run_dir, metrics=trained.metrics)
