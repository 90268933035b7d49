"""One run of a case study, step by step: data -> split -> scale -> model -> train -> evaluate -> run folder.

The command line calls `run_experiment`; the notebooks call the same steps one at a time.
"""

import functools
import inspect
import platform
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from utils.case import CaseStudy, Recipe
from utils.data import Dataset, load_dataset
from utils.preprocessing import Preprocessor, count_test_rows_in_train, split

QUICK_EPOCHS = 5


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


def plan(case: CaseStudy, settings: Settings) -> Plan:
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
    """Training and test rows, raw and as model-ready arrays, with the preprocessing that links them."""

    train: pd.DataFrame
    test: pd.DataFrame
    preprocessor: Preprocessor
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    test_rows_in_train: int

    def leakage_warning(self, metric: str) -> str | None:
        if not self.test_rows_in_train:
            return None
        return (
            f"{self.test_rows_in_train} of {len(self.test)} test rows also appear in the training set: "
            f"test {metric} will be optimistic; --dedupe drops duplicate rows before splitting."
        )


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


def model_builder(build_model, preprocessor: Preprocessor):
    """`build_model(hp)`, with the data's `num_features`, `task` and `num_classes` filled in where it asks."""
    wanted = inspect.signature(build_model).parameters
    given = {
        "num_features": len(preprocessor.feature_names),
        "task": preprocessor.task,
        "num_classes": preprocessor.num_classes,
    }
    return functools.partial(
        build_model, **{name: value for name, value in given.items() if name in wanted}
    )


def fixed_hyperparameters(values: dict):
    """A `HyperParameters` whose named values are fixed; the rest keep `build_model`'s defaults."""
    import keras_tuner

    hp = keras_tuner.HyperParameters()
    for name, value in values.items():
        hp.Fixed(name, value)
    return hp


def build(build_model, preprocessor: Preprocessor, hyperparameters: dict | None = None):
    """The case's `build_model(hp)`, with these values or the defaults; returns the model and every value used."""
    hp = fixed_hyperparameters(hyperparameters or {})
    model = model_builder(build_model, preprocessor)(hp)
    return model, dict(hp.values)


def evaluate(model, data: Split) -> tuple[dict, np.ndarray, np.ndarray]:
    """Test metrics beside the baseline's, and the test predictions (labels, scores) behind them."""
    from utils import evaluation

    task = data.preprocessor.task
    y_pred, scores = evaluation.predict(model, data.X_test, task)
    baseline_pred, baseline_scores = evaluation.baseline_predict(
        task, data.y_train, len(data.y_test), data.preprocessor.num_classes
    )
    metrics = {
        "task": task,
        "n_train": len(data.y_train),
        "n_test": len(data.y_test),
        **evaluation.score(task, data.y_test, y_pred, scores),
        "baseline": evaluation.score(task, data.y_test, baseline_pred, baseline_scores),
    }
    return metrics, y_pred, scores


def versions() -> dict:
    import keras

    return {
        "python": platform.python_version(),
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "numpy": np.__version__,
    }


@dataclass
class Trained:
    """A model trained on the training split and scored on the test rows."""

    model: object
    hyperparameters: dict
    training: object  # utils.training.TrainingResult
    metrics: dict
    y_pred: np.ndarray
    scores: np.ndarray


def train_and_evaluate(
    build_model,
    data: Split,
    run_plan: Plan,
    hyperparameters: dict | None = None,
    progress_label: str | None = None,
) -> Trained:
    """Seed, build, train with the plan's recipe, and test: the heart of every run, search winner and benchmark fit."""
    from utils.keras_setup import seed_everything
    from utils.training import train

    seed_everything(run_plan.seed)
    model, used = build(build_model, data.preprocessor, hyperparameters)
    recipe = run_plan.recipe
    training = train(
        model,
        data.X_train,
        data.y_train,
        epochs=recipe.epochs,
        batch_size=recipe.batch_size,
        fast=recipe.fast,
        validation_split=run_plan.validation_split,
        seed=run_plan.seed,
        progress_label=progress_label,
    )
    metrics, y_pred, scores = evaluate(model, data)
    metrics.update(
        seed=run_plan.seed,
        fit_seconds=round(training.fit_seconds, 3),
        epochs_run=training.epochs_run,
        test_rows_in_train=data.test_rows_in_train,
    )
    return Trained(model, used, training, metrics, y_pred, scores)


def save_run(
    run_dir,
    case: CaseStudy,
    run_plan: Plan,
    data: Split,
    trained: Trained,
    recipe_name: str = "kit",
    title: str | None = None,
    **extra,
) -> None:
    """Write a run folder: config (everything needed to repeat it), metrics, history, model, preprocessing, figures."""
    from utils import plots, runs

    task = data.preprocessor.task
    config = {
        "case": case.name,
        "csv": str(Path(run_plan.csv).resolve()),
        "target": run_plan.target,
        "task": task,
        "recipe": recipe_name,
        **asdict(run_plan.recipe),
        "test_size": run_plan.test_size,
        "split_seed": run_plan.split_seed,
        "seed": run_plan.seed,
        "validation_split": run_plan.validation_split,
        "dedupe": run_plan.dedupe,
        "hyperparameters": trained.hyperparameters,
        **extra,
        "versions": versions(),
    }
    figures = plots.task_figures(
        task,
        trained.training.history,
        data.y_test,
        trained.y_pred,
        trained.scores,
        data.preprocessor.classes,
        title or case.name,
    )
    runs.write_run(
        run_dir,
        config=config,
        metrics=trained.metrics,
        history=trained.training.history,
        model=trained.model,
        preprocessor=data.preprocessor,
        figures=figures,
    )


@dataclass
class RunResult:
    run_dir: Path
    metrics: dict
    notes: list[str]


def run_experiment(case: CaseStudy, build_model, settings: Settings, say=print) -> RunResult:
    """Everything `python -m casestudies run NAME` does, with `say` for what the learner should read."""
    from utils import runs

    run_plan = plan(case, settings)
    if settings.out is not None:
        runs.check_out_dir(settings.out)  # refuse before the work, not after it
    dataset = load(run_plan)
    data = split_and_scale(dataset, run_plan)
    say(f"== {case.title} ==")  # after the checks: bad input prints its error and nothing else
    notes = list(dataset.notes)
    if warning := data.leakage_warning(case.metric):
        notes.append(warning)
    for note in notes:
        say(note)
    trained = train_and_evaluate(
        build_model, data, run_plan, progress_label=None if settings.quiet else case.name
    )
    run_dir = runs.new_run_dir(case.name, settings.runs_root, settings.out)
    save_run(run_dir, case, run_plan, data, trained, recipe_name=settings.recipe)
    return RunResult(run_dir=run_dir, metrics=trained.metrics, notes=notes)
