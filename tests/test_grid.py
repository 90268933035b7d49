"""The grid search: GridSearchCV over a scaler-and-model pipeline, its grid checked against
`build_model` first, the best retrained and tested beside the default."""

import json
import re

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler

import utils.grid
from casestudies import CASE_STUDIES, diabetes, load_case
from casestudies.cli import main
from utils import experiment
from utils.case import GENERATIVE_TASKS, QUICK_FOLDS, QUICK_GRID_POINTS
from utils.experiment import Settings
from utils.loading import load_run

# Unit 4's cases are not searched (the command refuses them: tests/test_generative.py).
SUPERVISED = [name for name in CASE_STUDIES if load_case(name).CASE.task not in GENERATIVE_TASKS]


def only(folder, pattern):
    matches = sorted(folder.glob(pattern))
    assert len(matches) == 1, matches
    return matches[0]


def test_a_quick_grid_search_uses_the_folds_asked_for(workdir, capsys):
    assert main(["grid", "iris", "--quick", "--quiet", "--cv", "3"]) == 0
    out = capsys.readouterr().out
    assert "2 configurations x 3 folds = 6 fits" in out
    # Each fit says when it ends, numbered, so a long search shows its progress.
    assert [line.split(":")[0] for line in out.splitlines() if line.startswith("  fit ")] == [
        f"  fit {done}/6" for done in range(1, 7)
    ]
    # The best and the default retrain as a run trains: its validation rows held back.
    retraining = " ".join(out[out.index("Retraining the best") :].split())
    assert "the default on the 112 training rows (23 held back to choose the epoch" in retraining


@pytest.mark.parametrize("name", SUPERVISED)
def test_grid_search_ranks_configurations_and_tests_the_best_beside_the_default(
    workdir, name, capsys
):
    assert main(["grid", name, "--quick", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "2 configurations x 2 folds = 4 fits" in out
    # The comparison's "grid best" column; a table too wide for 80 columns stacks its header.
    assert re.search(r"grid best|\bgrid\b.*\nmetric .*\bbest\b", out, re.MULTILINE)
    run_dir = only(workdir / "runs", f"{name}-grid-*")
    table = pd.read_csv(run_dir / "grid_results.csv")
    assert sorted(table["rank"]) == [1, 2] and table.filter(like="mean_").notna().all().all()
    # The run folder holds the best configuration, retrained: its metrics are the "best" column
    # of the comparison, and it trained with the top-ranked row's hyperparameters and settings.
    comparison, metrics, config = (
        json.loads((run_dir / file).read_text())
        for file in ("comparison.json", "metrics.json", "config.json")
    )
    assert comparison["best"] == metrics and comparison["default"] != metrics
    best = comparison["best_hyperparameters"]
    assert {name: table.iloc[0][name] for name in best} == best  # the top-ranked row
    assert best.items() <= config["hyperparameters"].items()
    assert comparison["best_fit"] == {name: config[name] for name in ("batch_size", "epochs")}
    load_run(run_dir)  # the best model's folder is a run folder like any other


@pytest.fixture
def scaler_fits(monkeypatch):
    """The mean every StandardScaler of the grid search learned, fit by fit."""
    means = []

    class RecordingScaler(StandardScaler):
        def fit(self, X, y=None, sample_weight=None):
            super().fit(X, y, sample_weight)
            means.append(self.mean_.copy())
            return self

    monkeypatch.setattr(utils.grid, "StandardScaler", RecordingScaler)
    return means


def test_each_fold_fits_its_own_scaler_on_its_own_training_rows(workdir, scaler_fits):
    assert main(["grid", "diabetes", "--quick", "--quiet"]) == 0
    settings = Settings(quick=True)
    plan = experiment.plan(diabetes.CASE, settings)
    data = experiment.split_and_scale(experiment.load(plan), plan)
    X = data.train[data.preprocessor.columns].to_numpy(dtype="float64")
    folds = StratifiedKFold(QUICK_FOLDS, shuffle=True, random_state=settings.seed)
    fold_means = [X[rows].mean(axis=0) for rows, _ in folds.split(X, data.y_train)]
    whole_split_mean = np.asarray(data.preprocessor.mean)

    assert len(scaler_fits) == QUICK_GRID_POINTS * QUICK_FOLDS
    for mean in scaler_fits:
        assert not np.allclose(mean, whole_split_mean, rtol=1e-4, atol=0)
        matches = [np.allclose(mean, fold_mean, rtol=1e-5) for fold_mean in fold_means]
        assert sum(matches) == 1
    for fold_mean in fold_means:  # every configuration, every fold
        matches = [np.allclose(mean, fold_mean, rtol=1e-5) for mean in scaler_fits]
        assert sum(matches) == QUICK_GRID_POINTS
    # The best is retrained on the whole training split, scaled with the whole split's scaler.
    _, preprocessor, _ = load_run(only(workdir / "runs", "diabetes-grid-*"))
    np.testing.assert_allclose(preprocessor.mean, whole_split_mean)


def test_the_course_recipe_searches_unscaled_inputs(workdir, scaler_fits):
    settings = Settings(recipe="course", quick=True, quiet=True)
    result = utils.grid.grid_search(
        diabetes.CASE,
        diabetes.build_model,
        diabetes.GRID,
        settings,
        cv=QUICK_FOLDS,
        say=lambda line: None,
    )
    assert scaler_fits == [] and load_run(result["run_dir"])[1].scale is False


@pytest.mark.parametrize(
    "grid, message",
    [
        (
            [{"unit_1": [8, 16]}],
            "GRID key 'unit_1' is not a hyperparameter of diabetes.build_model (it declares: "
            "activation, weight_decay, hidden_layers, units_1, units_2, optimizer, learning_rate; "
            "the grid may also set batch_size and epochs); did you mean 'units_1'?",
        ),
        (
            [{"units_1": [16, 100]}],
            "GRID value units_1=100 is outside diabetes.build_model's units_1: "
            "a whole number from 4 to 64 in steps of 4.",
        ),
        (
            [{"optimizer": ["adam", "adamw"]}],
            "GRID value optimizer='adamw' is outside diabetes.build_model's optimizer: "
            "one of 'adam', 'rmsprop', 'sgd'.",
        ),
        (
            [{"hidden_layers": [1], "units_2": [8, 16]}],
            "GRID key 'units_2' has no effect with {'hidden_layers': 1}",
        ),
        ([{"units_1": [16], "epochs": [0]}], "GRID value epochs=0 must be a whole number"),
    ],
    ids=["undeclared key", "out of range", "not a choice", "unused key", "bad epochs"],
)
def test_a_grid_that_build_model_does_not_declare_is_refused_before_any_training(
    workdir, monkeypatch, capsys, grid, message
):
    monkeypatch.setattr(diabetes, "GRID", grid)
    assert main(["grid", "diabetes", "--quick", "--quiet"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and message in err
    assert list(workdir.iterdir()) == []  # nothing written


def test_the_grid_search_notebook_searches_the_grid_the_command_line_does():
    """The notebook writes iris's grid out for students to change; it starts as iris.GRID."""
    import ast
    from pathlib import Path

    source = (Path(__file__).parents[1] / "notebooks" / "grid_search.py").read_text()
    (assignment,) = [
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "grid"
    ]
    assert ast.literal_eval(assignment.value) == load_case("iris").GRID
