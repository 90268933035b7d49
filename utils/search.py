"""Hyperparameter search over a case study's own `build_model(hp)`: a grid search and Keras Tuner.

Both searches use the kit's usual data path (validated CSV -> split -> scaler fitted on the
training rows), score configurations on training rows only, then retrain the best one on
the whole training split and test it on the held-out test rows beside the default model.
"""

import warnings
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from utils import experiment
from utils.errors import KitError
from utils.keras_setup import import_keras, seed_everything
from utils.training import hold_out_validation, train

keras = import_keras()
import keras_tuner  # noqa: E402  (after the quiet Keras import)

# Hyperband continues a trial from its parent's weights with a fresh optimizer, as intended.
warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")

FIT_SETTINGS = ("batch_size", "epochs")  # grid keys that go to training, not to `build_model`
QUICK_EPOCHS = 3


def build_with(X, y, build_model, hyperparameters):
    """The model callable Keras's scikit-learn wrappers call with `X`, `y` and `model_kwargs`."""
    return build_model(experiment.fixed_hyperparameters(hyperparameters))


class KitTraining:
    """Fit with the kit's training loop (fast, seeded) instead of a plain `model.fit`."""

    def fit(self, X, y):
        from sklearn.utils.validation import validate_data

        X, y = validate_data(self, X, y)
        y = self._process_target(y, reset=True)
        settings = dict(self.fit_kwargs or {})
        seed_everything(settings.pop("seed", 0))
        self.model_ = self._get_model(X, y)
        self.history_ = train(
            self.model_, X.astype("float32"), y, validation_split=0, progress_label=None, **settings
        ).history
        return self

    def predict(self, X):
        from sklearn.utils.validation import check_is_fitted, validate_data

        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return self._reverse_process_target(self.model_.predict(X, verbose=0, batch_size=len(X)))


class GridClassifier(KitTraining, keras.wrappers.SKLearnClassifier):
    """Keras's scikit-learn classifier for models trained on integer labels.

    The stock wrapper one-hot encodes the target; the case studies' models take integer labels
    (one sigmoid unit, or a softmax with sparse categorical cross-entropy), as the course does.
    """

    def _process_target(self, y, reset=False):
        if reset:
            self.classes_ = np.unique(y)
        return np.searchsorted(self.classes_, y)

    def _reverse_process_target(self, outputs):
        index = (
            (outputs[:, 0] >= 0.5).astype(int) if outputs.shape[1] == 1 else outputs.argmax(axis=1)
        )
        return self.classes_[index]


class GridRegressor(KitTraining, keras.wrappers.SKLearnRegressor):
    """Keras's scikit-learn regressor, trained with the kit's loop."""


def expand_grid(grid: list[dict]) -> list[dict]:
    from sklearn.model_selection import ParameterGrid

    return list(ParameterGrid(grid))


@dataclass
class SearchSetup:
    plan: experiment.Plan
    data: experiment.Split
    build_model: object  # build_model with the data's task and class count filled in


def prepare(case, build_model, settings: experiment.Settings, say=print) -> SearchSetup:
    """The same data path as a run: checks, split, scaler fitted on training rows."""
    run_plan = experiment.plan(case, settings)
    dataset = experiment.load(run_plan)
    data = experiment.split_and_scale(dataset, run_plan)
    for note in dataset.notes + [data.leakage_warning(case.metric)]:
        if note:
            say(note)
    return SearchSetup(run_plan, data, experiment.model_builder(build_model, data.preprocessor))


def with_training(setup: SearchSetup, epochs: int, batch_size: int) -> experiment.Plan:
    """The search's plan with the epochs and batch size a configuration trains with."""
    return replace(
        setup.plan, recipe=replace(setup.plan.recipe, epochs=epochs, batch_size=batch_size)
    )


def comparison_table(metric_keys, default: dict, best: dict, best_label: str) -> str:
    from utils.report import format_table

    rows = [[key, default[key], best[key], default["baseline"][key]] for key in metric_keys]
    return format_table(["metric", "default", best_label, "baseline"], rows)


# --------------------------------------------------------------------------- grid search


def grid_search(
    case,
    build_model,
    grid: list[dict],
    settings: experiment.Settings,
    *,
    cv: int = 3,
    n_jobs: int = 1,
    say=print,
) -> dict:
    """scikit-learn's `GridSearchCV` over `build_model`: ranked table, then the best refit and tested."""
    from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold

    from utils import runs
    from utils.evaluation import METRIC_KEYS
    from utils.report import format_table

    setup = prepare(case, build_model, settings, say)
    recipe = setup.plan.recipe
    points = expand_grid(grid)
    if settings.quick:
        points, cv = points[:2], 2
    defaults = {
        "epochs": QUICK_EPOCHS if settings.quick else recipe.epochs,
        "batch_size": recipe.batch_size,
    }
    task = setup.data.preprocessor.task
    classifier = task != "regression"
    estimator = (GridClassifier if classifier else GridRegressor)(model=build_with)
    param_grid = []
    for point in points:
        hyperparameters = {name: value for name, value in point.items() if name not in FIT_SETTINGS}
        fit = {name: point.get(name, defaults[name]) for name in FIT_SETTINGS}
        if settings.quick:
            fit["epochs"] = min(fit["epochs"], QUICK_EPOCHS)
        param_grid.append(
            {
                "model_kwargs": [
                    {"build_model": setup.build_model, "hyperparameters": hyperparameters}
                ],
                "fit_kwargs": [{**fit, "seed": setup.plan.seed}],
            }
        )
    splitter = (StratifiedKFold if classifier else KFold)(
        n_splits=cv, shuffle=True, random_state=setup.plan.seed
    )
    scoring = "accuracy" if classifier else "neg_root_mean_squared_error"
    say(
        f"Grid search: {len(param_grid)} configurations x {cv} folds = {len(param_grid) * cv} fits on {len(setup.data.y_train)} training rows"
    )
    search = GridSearchCV(
        estimator,
        param_grid,
        scoring=scoring,
        cv=splitter,
        n_jobs=n_jobs,
        refit=False,
        verbose=0,
        error_score=np.nan,
    )
    search.fit(setup.data.X_train, setup.data.y_train)

    sign = 1 if classifier else -1
    score_name = "accuracy" if classifier else "rmse"
    default_hp = experiment.fixed_hyperparameters({})
    setup.build_model(default_hp)  # what a configuration uses for a name its grid doesn't list
    searched = sorted({name for point in points for name in point if name not in FIT_SETTINGS})
    results = []
    for index, params in enumerate(search.cv_results_["params"]):
        values = {name: default_hp.values.get(name) for name in searched} | params["model_kwargs"][
            "hyperparameters"
        ]
        fit = {name: params["fit_kwargs"][name] for name in FIT_SETTINGS}
        results.append(
            {
                "rank": int(search.cv_results_["rank_test_score"][index]),
                **values,
                **fit,
                f"mean_{score_name}": sign * search.cv_results_["mean_test_score"][index],
                f"std_{score_name}": search.cv_results_["std_test_score"][index],
            }
        )
    table = pd.DataFrame(results).sort_values("rank", kind="stable")
    say(
        format_table(
            list(table.columns), table.astype(object).where(table.notna(), None).values.tolist()
        )
    )

    best_params = search.cv_results_["params"][search.best_index_]
    best_hp, best_fit = (
        best_params["model_kwargs"]["hyperparameters"],
        {k: v for k, v in best_params["fit_kwargs"].items() if k != "seed"},
    )
    say(f"Best: {best_hp} {best_fit}; retraining it on all {len(setup.data.y_train)} training rows")
    best_plan = with_training(setup, best_fit["epochs"], best_fit["batch_size"])
    best = experiment.train_and_evaluate(
        setup.build_model,
        setup.data,
        best_plan,
        best_hp,
        None if settings.quiet else f"{case.name} best",
    )
    default_plan = with_training(setup, defaults["epochs"], defaults["batch_size"])
    default = experiment.train_and_evaluate(
        setup.build_model,
        setup.data,
        default_plan,
        None,
        None if settings.quiet else f"{case.name} default",
    )
    say(comparison_table(METRIC_KEYS[task], default.metrics, best.metrics, "grid best"))

    run_dir = runs.new_run_dir(f"{case.name}-grid", settings.runs_root, settings.out)
    table.to_csv(run_dir / "grid_results.csv", index=False)
    experiment.save_run(
        run_dir,
        case,
        best_plan,
        setup.data,
        best,
        title=f"{case.name} (best)",
        search={"kind": "grid", "cv": cv, "configurations": len(param_grid)},
    )
    runs.write_json(
        run_dir / "comparison.json",
        {
            "default": default.metrics,
            "best": best.metrics,
            "best_hyperparameters": best_hp,
            "best_fit": best_fit,
        },
    )
    say(f"Saved to {run_dir}")
    return {
        "run_dir": run_dir,
        "table": table,
        "best_hyperparameters": best_hp,
        "best_fit": best_fit,
        "default": default.metrics,
        "best": best.metrics,
    }


# --------------------------------------------------------------------------- Keras Tuner

TUNERS = ("random", "hyperband", "bayesian", "grid")
SEARCH_FILE = "search.json"
QUICK_TRIALS = 2


class CaseHyperModel(keras_tuner.HyperModel):
    """The case's `build_model(hp)`, trained by the kit's loop; a trial that diverges fails, never wins."""

    def __init__(self, build_model, objective: str, batch_size: int, seed: int, say=print):
        super().__init__(name="case_study")
        self.build_model, self.objective, self.batch_size, self.seed, self.say = (
            build_model,
            objective,
            batch_size,
            seed,
            say,
        )

    def build(self, hp):
        seed_everything(self.seed)  # same seed, same initial weights, same trials
        return self.build_model(hp)

    def fit(
        self,
        hp,
        model,
        x,
        y,
        validation_data=None,
        callbacks=None,
        epochs=1,
        initial_epoch=0,
        **kwargs,
    ):
        training = train(
            model,
            x,
            y,
            epochs=max(1, epochs - initial_epoch),
            batch_size=self.batch_size,
            validation_data=validation_data,
            callbacks=callbacks,
            seed=self.seed,
            progress_label=None,
        )
        history = training.history
        values = {
            name: hp.values[name] for name in sorted(hp.values) if not name.startswith("tuner/")
        }
        shown = " ".join(f"{name}={value}" for name, value in values.items())
        scores = np.asarray(history.get(self.objective) or [np.nan], dtype=float)
        losses = np.asarray(history.get("loss") or [np.nan], dtype=float)
        if not (
            np.isfinite(scores).all() and np.isfinite(losses).all()
        ):  # TerminateOnNaN stops on the first NaN loss
            self.say(
                f"  trial diverged ({shown}): the loss became NaN or infinite; it is marked failed"
            )
            raise keras_tuner.errors.FailedTrialError(
                "diverged: the loss became NaN or infinite (learning rate too high?)"
            )
        best = int(np.argmin(scores) if direction(self.objective) == "min" else np.argmax(scores))
        self.say(
            f"  trial: {shown} -> {self.objective} {scores[best]:.4f} ({training.fit_seconds:.1f} s)"
        )
        return {name: float(series[best]) for name, series in history.items() if name != "epoch"}


def direction(objective: str) -> str:
    return "max" if "accuracy" in objective or "auc" in objective else "min"


def make_tuner(
    kind: str,
    hypermodel,
    objective: str,
    directory,
    max_trials: int,
    executions: int,
    epochs: int,
    seed: int,
):
    common = dict(
        hypermodel=hypermodel,
        objective=keras_tuner.Objective(objective, direction(objective)),
        seed=seed,
        executions_per_trial=executions,
        directory=str(directory),
        project_name="tuner",
        overwrite=False,  # a search folder is only ever added to; --resume continues it
        max_consecutive_failed_trials=max_trials
        + 1,  # diverged trials are results to show, not a reason to stop
    )
    if kind == "hyperband":
        return keras_tuner.Hyperband(max_epochs=epochs, factor=3, hyperband_iterations=1, **common)
    tuner_class = {
        "random": keras_tuner.RandomSearch,
        "bayesian": keras_tuner.BayesianOptimization,
        "grid": keras_tuner.GridSearch,
    }[kind]
    return tuner_class(max_trials=max_trials, **common)


def search_space(build_model) -> list:
    """The default path's search space, to tell whether a resumed search still means the same thing."""
    hp = keras_tuner.HyperParameters()
    build_model(hp)
    return [
        {
            "name": item["config"]["name"],
            "class": item["class_name"],
            **{k: v for k, v in item["config"].items() if k not in ("name", "conditions")},
        }
        for item in hp.get_config()["space"]
    ]


def trial_rows(tuner) -> list[dict]:
    rows = []
    for trial_id, trial in sorted(tuner.oracle.trials.items()):
        values = {
            name: value
            for name, value in trial.hyperparameters.values.items()
            if not name.startswith("tuner/")
        }
        status = (
            trial.status.lower() if isinstance(trial.status, str) else str(trial.status).lower()
        )
        if status == "failed":
            status = "diverged"
        score = trial.score if trial.score is not None and np.isfinite(trial.score) else None
        rows.append({"trial": trial_id, **values, "score": score, "status": status})
    return rows


def trial_figures(table: pd.DataFrame, objective: str):
    import matplotlib.pyplot as plt

    figures = {}
    fig, axis = plt.subplots(figsize=(6.4, 4.8))
    completed = table["score"].notna()
    trials = [str(trial) for trial in table["trial"]]
    axis.bar(
        [trial for trial, done in zip(trials, completed) if done],
        table["score"][completed],
        color="tab:blue",
        label="completed",
    )
    if (~completed).any():
        axis.scatter(
            [trial for trial, done in zip(trials, completed) if not done],
            np.zeros((~completed).sum()),
            marker="x",
            color="tab:red",
            s=80,
            label="diverged / failed",
        )
    axis.set(
        xlabel="trial",
        ylabel=objective,
        title=f"Score per trial ({objective}, {direction(objective)} is best)",
    )
    axis.legend()
    fig.tight_layout()
    figures["trial_scores"] = fig
    names = [column for column in table.columns if column not in ("trial", "score", "status")]
    if names:
        fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 3.6), squeeze=False)
        for axis, name in zip(axes[0], names):
            shown = (
                completed & table[name].notna()
            )  # a layer's units exist only in trials with that layer
            values = table[name][shown]
            if pd.api.types.is_numeric_dtype(values):
                axis.scatter(values.astype(float), table["score"][shown])
                if name == "learning_rate":
                    axis.set_xscale("log")
            else:
                axis.scatter([str(value) for value in values], table["score"][shown])
            axis.set(xlabel=name, ylabel=objective if axis is axes[0][0] else "")
        fig.suptitle(f"Each hyperparameter against {objective}")
        fig.tight_layout()
        figures["hyperparameters_vs_score"] = fig
    return figures


def new_search_dir(name: str, kind: str, root="searches"):
    from utils.runs import new_run_dir

    return new_run_dir(f"{name}-{kind}", root)


def tune(
    case,
    build_model,
    settings: experiment.Settings,
    *,
    kind: str = "random",
    max_trials: int = 10,
    executions: int = 1,
    epochs: int | None = None,
    resume=None,
    workers: int = 0,
    searches_root="searches",
    say=print,
) -> dict | None:
    """A Keras Tuner search in its own folder; a fresh one unless `resume` names an earlier one.

    With `workers`, the trials run in a local chief + workers (see `utils.distributed`).
    Under distributed tuning (KERASTUNER_TUNER_ID set) this process only serves or runs trials;
    the process that started them reports.
    """
    import os
    from dataclasses import replace
    from pathlib import Path

    from utils import runs

    saved = read_search(Path(resume)) if resume is not None else None
    if saved is not None:
        # A resumed search keeps the settings it began with: data, split, seed, tuner, budget.
        if kind is not None and kind != saved["tuner"]:
            raise KitError(
                f"{resume} holds a {saved['tuner']} search, not {kind}. Drop --tuner to resume it, or start a new search."
            )
        kind = saved["tuner"]
        settings = replace(
            settings,
            csv=saved["csv"],
            target=saved["target"],
            test_size=saved["test_size"],
            split_seed=saved["split_seed"],
            seed=saved["seed"],
            quick=False,
        )
    kind = kind or "random"
    if kind not in TUNERS:
        raise KitError(f"Unknown tuner {kind!r}: choose one of {', '.join(TUNERS)}.")
    setup = prepare(case, build_model, settings, say)
    recipe = setup.plan.recipe
    record = {
        "case": case.name,
        "csv": setup.plan.csv,
        "target": setup.plan.target,
        "tuner": kind,
        "objective": case.objective,
        "max_trials": QUICK_TRIALS if settings.quick else max_trials,
        "executions_per_trial": executions,
        "epochs": epochs or (QUICK_EPOCHS if settings.quick else recipe.epochs),
        "batch_size": recipe.batch_size,
        "seed": setup.plan.seed,
        "test_size": setup.plan.test_size,
        "split_seed": setup.plan.split_seed,
        "space": search_space(setup.build_model),
    }
    if saved is None:
        search_dir = new_search_dir(case.name, kind, searches_root)
        runs.write_json(search_dir / SEARCH_FILE, record)
    else:
        search_dir = Path(resume)
        record = check_resumable(search_dir, saved, record)
    (X_fit, y_fit), validation = hold_out_validation(
        setup.data.X_train, setup.data.y_train, setup.plan.validation_split
    )
    hypermodel = CaseHyperModel(
        setup.build_model, case.objective, record["batch_size"], record["seed"], say=say
    )
    tuner = make_tuner(
        kind,
        hypermodel,
        case.objective,
        search_dir,
        record["max_trials"],
        record["executions_per_trial"],
        record["epochs"],
        record["seed"],
    )
    role = os.environ.get("KERASTUNER_TUNER_ID")
    if role is None:
        done = sum(
            trial.status in ("COMPLETED", "FAILED", "INVALID")
            for trial in tuner.oracle.trials.values()
        )
        left = (
            "until Hyperband's schedule ends"
            if kind == "hyperband"
            else f"{max(0, record['max_trials'] - done)} left"
        )
        say(f"Search folder {search_dir}: {kind} search, {done} trials done, {left}")
    elif role == "chief":
        say(
            f"Oracle listening on {os.environ['KERASTUNER_ORACLE_IP']}:{os.environ['KERASTUNER_ORACLE_PORT']} for {search_dir}"
        )
    try:
        if workers and role is None:
            from utils.distributed import run_local

            run_local(case.name, search_dir, workers, say)
            tuner = make_tuner(
                kind,
                hypermodel,
                case.objective,
                search_dir,
                record["max_trials"],
                record["executions_per_trial"],
                record["epochs"],
                record["seed"],
            )
        else:
            tuner.search(
                X_fit, y_fit, validation_data=validation, epochs=record["epochs"], verbose=0
            )
    except KeyboardInterrupt:
        say(
            f"\nInterrupted. Continue where it stopped with: python -m casestudies tune {case.name} --resume {search_dir}"
        )
        raise
    if role is not None:
        return None
    return report(case, setup, tuner, search_dir, record, settings, say)


def read_search(search_dir) -> dict:
    import json

    path = search_dir / SEARCH_FILE
    if not path.is_file():
        raise KitError(
            f"{search_dir} is not a search folder (no {SEARCH_FILE}). Give a folder under searches/ that `tune` created."
        )
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError:
        raise KitError(
            f"{path} is damaged (not valid JSON); start a new search instead of resuming this one."
        ) from None


def check_resumable(search_dir, saved: dict, record: dict) -> dict:
    """A resumed search must mean what it meant when it began: same case and search space."""
    for key in ("case", "objective", "space"):
        if saved.get(key) != record[key]:
            what = "search space" if key == "space" else key
            raise KitError(
                f"Can't resume {search_dir}: its {what} has changed since the search began "
                f"(was {str(saved.get(key))[:80]}, now {str(record[key])[:80]}). Start a new search (without --resume)."
            )
    return saved


def report(case, setup: SearchSetup, tuner, search_dir, record: dict, settings, say) -> dict:
    from utils import runs
    from utils.evaluation import METRIC_KEYS
    from utils.report import format_table

    table = pd.DataFrame(trial_rows(tuner))
    hyperparameters = [
        column for column in table.columns if column not in ("trial", "score", "status")
    ]
    for column in hyperparameters:
        values = table[column].dropna()
        if (
            len(values)
            and all(
                float(value).is_integer() for value in values if isinstance(value, (int, float))
            )
            and pd.api.types.is_numeric_dtype(values)
        ):
            table[column] = table[column].astype(
                "Int64"
            )  # units stay 16, not 16.000, where a trial lacks the layer
    table = table[["trial", *sorted(hyperparameters), "score", "status"]]
    ascending = direction(case.objective) == "min"
    table = table.sort_values(
        "score", ascending=ascending, na_position="last", kind="stable"
    ).reset_index(drop=True)
    table.insert(0, "rank", range(1, len(table) + 1))
    table.to_csv(search_dir / "trials.csv", index=False)
    table.to_json(search_dir / "trials.json", orient="records", indent=2)
    say(
        format_table(
            list(table.columns), table.astype(object).where(table.notna(), None).values.tolist()
        )
    )
    for name, figure in trial_figures(table.drop(columns="rank"), case.objective).items():
        import matplotlib.pyplot as plt

        figure.savefig(search_dir / f"{name}.png", dpi=120)
        plt.close(figure)
    completed = table[table["score"].notna()]
    if completed.empty:
        raise KitError(
            f"All {len(table)} trials failed or diverged, so there is no best model. Try smaller learning rates, or check the data."
        )
    best_trial = tuner.oracle.trials[completed.iloc[0]["trial"]]
    best_hp = {
        name: value
        for name, value in best_trial.hyperparameters.values.items()
        if not name.startswith("tuner/")
    }
    say(
        f"Best trial {best_trial.trial_id}: {best_hp}; retraining it on all {len(setup.data.y_train)} training rows"
    )
    trial_plan = with_training(setup, record["epochs"], record["batch_size"])
    best = experiment.train_and_evaluate(
        setup.build_model,
        setup.data,
        trial_plan,
        best_hp,
        None if settings.quiet else f"{case.name} best",
    )
    default = experiment.train_and_evaluate(
        setup.build_model,
        setup.data,
        trial_plan,
        None,
        None if settings.quiet else f"{case.name} default",
    )
    say(
        comparison_table(
            METRIC_KEYS[setup.data.preprocessor.task], default.metrics, best.metrics, "tuned"
        )
    )
    best_dir = runs.new_run_dir("best_model", search_dir)
    experiment.save_run(
        best_dir,
        case,
        trial_plan,
        setup.data,
        best,
        title=f"{case.name} (best)",
        search={"kind": record["tuner"], "folder": str(search_dir)},
    )
    runs.write_json(
        search_dir / "comparison.json",
        {"default": default.metrics, "tuned": best.metrics, "best_hyperparameters": best_hp},
    )
    say(f"Saved to {search_dir} (best model: {best_dir})")
    return {
        "search_dir": search_dir,
        "best_dir": best_dir,
        "table": table,
        "best_hyperparameters": best_hp,
        "default": default.metrics,
        "tuned": best.metrics,
    }
