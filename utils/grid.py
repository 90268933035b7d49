"""Grid search over a case study's own `build_model(hp)`, with scikit-learn's `GridSearchCV`.

Each configuration is a `Pipeline` of `StandardScaler` and Keras's scikit-learn wrapper, fitted
on the unscaled training rows, so every fold fits its own scaler and its validation rows stay
unseen. The best configuration is then retrained on the whole training split and tested
beside the default model, as after a Keras Tuner search (`utils.search`).
"""

import difflib
from dataclasses import replace

import numpy as np
import pandas as pd
from sklearn.preprocessing import StandardScaler

from utils.case import QUICK_GRID_POINTS, QUICK_SEARCH_EPOCHS
from utils.errors import KitError
from utils.evaluation import to_labels
from utils.hyperparameters import check_value, declared, default_values, fixed_hyperparameters
from utils.keras_setup import import_keras, seed_everything
from utils.search import best_beside_default, prepare, print_table, shown
from utils.training import train

keras = import_keras()

FIT_SETTINGS = ("batch_size", "epochs")  # grid keys that go to training, not to `build_model`


def build_with(X, y, build_model, hyperparameters):
    """The model callable Keras's scikit-learn wrappers call with `X`, `y` and `model_kwargs`."""
    return build_model(fixed_hyperparameters(hyperparameters))


class KitTraining:
    """Fit with the kit's training loop (fast, seeded) instead of a plain `model.fit`, and say
    each fit as it ends (`progress`: `say` and the number of fits, while a search runs here)."""

    progress = None
    fits_done = 0

    def fit(self, X, y):
        from sklearn.utils.validation import validate_data

        X, y = validate_data(self, X, y, allow_nd=True)  # images and series windows too
        y = self._process_target(y, reset=True)
        settings = dict(self.fit_kwargs or {})
        seed_everything(settings.pop("seed", 0))
        self.model_ = self._get_model(X, y)
        X = X.astype("float32")
        training = train(self.model_, X, y, validation_split=0, progress_label=None, **settings)
        self.history_ = training.history
        if KitTraining.progress:
            say, total = KitTraining.progress
            KitTraining.fits_done += 1
            values = self.model_kwargs["hyperparameters"] | {
                name: settings[name] for name in FIT_SETTINGS
            }
            seconds = training.fit_seconds
            say(f"  fit {KitTraining.fits_done}/{total}: {shown(values)} ({seconds:.1f} s)")
        return self

    def predict(self, X):
        from sklearn.utils.validation import check_is_fitted, validate_data

        check_is_fitted(self)
        X = validate_data(self, X, reset=False, allow_nd=True)
        outputs = self.model_.predict(X, verbose=0, batch_size=len(X))
        return self._reverse_process_target(outputs)


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
        task = "binary" if outputs.shape[1] == 1 else "multiclass"
        return self.classes_[to_labels(outputs, task)]


class GridRegressor(KitTraining, keras.wrappers.SKLearnRegressor):
    """Keras's scikit-learn regressor, trained with the kit's loop."""


def expand_grid(grid: list[dict]) -> list[dict]:
    from sklearn.model_selection import ParameterGrid

    return list(ParameterGrid(grid))


def check_grid(grid: list[dict], build_model, owner: str) -> list[dict]:
    """Every configuration of the grid, once each key and value is checked against what
    `build_model` declares; else a `KitError` naming the first key or value it refuses."""
    points = expand_grid(grid)
    default_space = declared(build_model, {})
    for point in points:  # the default path's ranges first: an absurd value may break a build
        for name in point.keys() & default_space.keys():
            check_value(owner, name, point[name], default_space[name])
    spaces = [declared(build_model, point) for point in points]
    everywhere = {name: None for space in [default_space, *spaces] for name in space}
    for point, space in zip(points, spaces):
        for name, value in point.items():
            if name in FIT_SETTINGS:
                if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                    raise KitError(f"GRID value {name}={value!r} must be a whole number >= 1.")
            elif name in space:
                check_value(owner, name, value, space[name])
            elif name in everywhere:
                others = {key: point[key] for key in point if key != name}
                raise KitError(
                    f"GRID key {name!r} has no effect with {others}: {owner} does not ask for "
                    "it there, so each of its values would train the same model."
                )
            else:
                close = difflib.get_close_matches(name, list(everywhere), n=1)
                raise KitError(
                    f"GRID key {name!r} is not a hyperparameter of {owner} (it declares: "
                    f"{', '.join(everywhere)}; the grid may also set batch_size and epochs)"
                    + (f"; did you mean {close[0]!r}?" if close else ".")
                )
    return points


def param_grid(points: list[dict], setup, defaults: dict, quick: bool) -> list[dict]:
    """One scikit-learn grid entry per configuration: the pipeline's model step gets the
    hyperparameters as `model_kwargs` and the training settings as `fit_kwargs`."""
    entries = []
    for point in points:
        hyperparameters = setup.plan.recipe.model_hyperparameters | {
            name: value for name, value in point.items() if name not in FIT_SETTINGS
        }
        fit = {name: point.get(name, defaults[name]) for name in FIT_SETTINGS}
        if quick:
            fit["epochs"] = min(fit["epochs"], QUICK_SEARCH_EPOCHS)
        model_kwargs = {"build_model": setup.build_model, "hyperparameters": hyperparameters}
        fit_kwargs = {**fit, "seed": setup.plan.seed}
        entries.append({"model__model_kwargs": [model_kwargs], "model__fit_kwargs": [fit_kwargs]})
    return entries


def ranked_table(search, points: list[dict], setup, classifier: bool) -> pd.DataFrame:
    """Every configuration with its mean and standard deviation over the folds, best first."""
    sign, score_name = (1, "accuracy") if classifier else (-1, "rmse")
    default_hp = default_values(setup.build_model)  # for a name a configuration doesn't list
    searched = sorted({name for point in points for name in point if name not in FIT_SETTINGS})
    results = search.cv_results_
    rows = []
    for index, params in enumerate(results["params"]):
        used = default_hp | params["model__model_kwargs"]["hyperparameters"]
        values = {name: used.get(name) for name in searched}
        rows.append(
            {
                "rank": int(results["rank_test_score"][index]),
                **values,
                **{name: params["model__fit_kwargs"][name] for name in FIT_SETTINGS},
                f"mean_{score_name}": sign * results["mean_test_score"][index],
                f"std_{score_name}": results["std_test_score"][index],
            }
        )
    return pd.DataFrame(rows).sort_values("rank", kind="stable")


def search_data(setup, folds: int):
    """What the grid search fits on and how it folds it, by kind of data: a table's rows before
    scaling (each fold's pipeline scales its own), shuffled folds (stratified for classifiers);
    images as they are (their scaling is fixed); a series' windows in time order, each fold
    validating on months later than those it fits on (`TimeSeriesSplit`)."""
    from sklearn.model_selection import KFold, StratifiedKFold, TimeSeriesSplit

    data, recipe, kind = setup.data, setup.plan.recipe, setup.plan.case.kind
    classifier = data.preprocessor.task != "regression"
    if kind == "series":
        return data.X_train, "passthrough", TimeSeriesSplit(folds)
    splitter = (StratifiedKFold if classifier else KFold)(
        folds, shuffle=True, random_state=setup.plan.seed
    )
    if kind == "images":
        return data.X_train, "passthrough", splitter
    # The rows before scaling (categories one-hot encoded): each fold's pipeline scales its own.
    X = replace(data.preprocessor, scale=False).transform(data.train)
    return X, StandardScaler() if recipe.scale else "passthrough", splitter  # course: unscaled


def rmse_scorer(preprocessor):
    """Root mean squared error in the target's own units (a series' forecasts are scaled)."""
    from sklearn.metrics import make_scorer, root_mean_squared_error

    def rmse(y_true, y_pred):
        values = preprocessor.target_values
        return root_mean_squared_error(values(y_true), values(y_pred))

    return make_scorer(rmse, greater_is_better=False)


def grid_search(
    case, build_model, grid: list[dict], settings, *, cv: int, n_jobs: int = 1, say=print
) -> dict:
    """`GridSearchCV` over `build_model`, the scaler refitted in every fold: a ranked table,
    then the best retrained on the whole training split and tested beside the default model."""
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import Pipeline

    from utils import runs, saving

    points = check_grid(grid, build_model, f"{case.name}.build_model")
    setup = prepare(case, build_model, settings, say)
    recipe, data = setup.plan.recipe, setup.data
    if settings.quick:
        points = points[:QUICK_GRID_POINTS]
    defaults = {
        "epochs": QUICK_SEARCH_EPOCHS if settings.quick else recipe.epochs,
        "batch_size": recipe.batch_size,
    }
    classifier = data.preprocessor.task != "regression"
    model = (GridClassifier if classifier else GridRegressor)(model=build_with)
    X, scaler, folds = search_data(setup, cv)
    search = GridSearchCV(
        Pipeline([("scale", scaler), ("model", model)]),
        param_grid(points, setup, defaults, settings.quick),
        scoring="accuracy" if classifier else rmse_scorer(data.preprocessor),
        cv=folds,
        n_jobs=n_jobs,
        refit=False,
        error_score=np.nan,
    )
    rows = len(data.y_train)
    say(
        f"Grid search: {len(points)} configurations x {cv} folds = {len(points) * cv} fits "
        f"on {rows} training rows"
    )
    # One line per fit when they run here; in parallel processes, scikit-learn's own count.
    KitTraining.progress, KitTraining.fits_done = (say, len(points) * cv), 0
    try:
        search.fit(X, data.y_train)
    finally:
        KitTraining.progress = None
    table = ranked_table(search, points, setup, classifier)
    print_table(table, say)

    best_params = search.cv_results_["params"][search.best_index_]
    best_hp = best_params["model__model_kwargs"]["hyperparameters"]
    best_fit = {name: best_params["model__fit_kwargs"][name] for name in FIT_SETTINGS}
    best_plan, best, default = best_beside_default(
        case, setup, settings, best_hp, best_fit, defaults, "grid best", say
    )
    comparison = {"default": default.metrics, "best": best.metrics}
    with runs.writing(f"{case.name}-grid", settings.runs_root, settings.out, option=None) as run:
        table.to_csv(run.staging / "grid_results.csv", index=False)
        saving.save_run(
            run.staging,
            case,
            best_plan,
            data,
            best,
            title=f"{case.name} (best)",
            search={"kind": "grid", "cv": cv, "configurations": len(points)},
        )
        runs.write_json(
            run.staging / "comparison.json",
            {**comparison, "best_hyperparameters": best_hp, "best_fit": best_fit},
        )
    run_dir = run.final
    say(f"Saved to {run_dir}")
    return {
        "run_dir": run_dir,
        "table": table,
        "best_hyperparameters": best_hp,
        "best_fit": best_fit,
        **comparison,
    }
