"""End to end through the command line:
a run trains, reports beside a baseline, and writes a complete folder."""

import io
import json

import numpy as np
import pandas as pd
import pytest

from casestudies.cli import main
from utils.case import DATA_DIR
from utils.evaluation import METRIC_KEYS

FIGURES = {
    "diabetes": {"learning_curves", "confusion_matrix", "roc_curve"},
    "iris": {"learning_curves", "confusion_matrix"},
    "air_quality": {"learning_curves", "predicted_vs_actual", "residuals"},
}
BOOKKEEPING = {
    "task",
    "n_train",
    "n_test",
    "seed",
    "fit_seconds",
    "epochs_run",
    "best_epoch",
    "lowest_val_loss_epoch",
    "test_rows_in_train",
    "baseline",
    "peers",
}
PEERS = {"binary": "logistic_regression", "multiclass": "logistic_regression"}


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_run_folder_holds_config_metrics_history_model_preprocessing_and_figures(quick_runs, name):
    folder = quick_runs[name]
    metrics = json.loads((folder / "metrics.json").read_text())
    task = metrics["task"]
    assert set(metrics) == BOOKKEEPING | set(METRIC_KEYS[task])
    assert set(metrics["baseline"]) == set(METRIC_KEYS[task])
    linear = PEERS.get(task, "linear_regression")
    assert set(metrics["peers"]) == {linear, "random_forest"}
    assert all(set(peer) == set(METRIC_KEYS[task]) for peer in metrics["peers"].values())
    assert metrics["epochs_run"] == 3
    history = pd.read_csv(folder / "history.csv")
    assert len(history) == 3 and {"loss", "val_loss"} <= set(history.columns)
    assert {path.stem for path in folder.glob("*.png")} == FIGURES[name]
    assert all(path.stat().st_size > 10_000 for path in folder.glob("*.png"))
    config = json.loads((folder / "config.json").read_text())
    assert config["case"] == name and config["epochs"] == 3 and config["recipe"] == "kit"
    assert (folder / "model.keras").is_file() and (folder / "preprocessing.json").is_file()


def test_run_prints_a_metrics_table_with_the_baseline_and_the_peers(workdir, capsys):
    assert main(["run", "iris", "--epochs", "2", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "metric    model  baseline  logistic_regression  random_forest" in out
    assert "f1_macro" in out and "Saved to runs/iris-" in out
    # The verdict follows the numbers (two epochs leave the network behind logistic regression).
    metrics = json.loads(next((workdir / "runs").glob("iris-*/metrics.json")).read_text())
    behind = metrics["accuracy"] < metrics["peers"]["logistic_regression"]["accuracy"]
    verdict = " ".join(out.split())
    logistic = metrics["peers"]["logistic_regression"]["accuracy"]
    assert behind and "does not beat" in verdict
    assert f"logistic regression {logistic:.3f}" in verdict


def test_a_run_prints_its_progress_and_results_within_80_columns(workdir, capsys):
    assert main(["run", "air_quality", "--epochs", "10"]) == 0
    lines = capsys.readouterr().out.splitlines()
    progress = [line for line in lines if line.startswith("air_quality: epoch ")]
    assert len(progress) == 10 and progress[-1].startswith("air_quality: epoch 10/10  loss ")
    assert "(val " in progress[-1] and "  mae " in progress[-1]
    too_wide = [line for line in lines if len(line) >= 80]
    assert too_wide == [] and any("keeping epoch" in line for line in lines)


def test_a_progress_line_too_wide_drops_the_other_metrics_validation_values_then_them():
    from utils.training import progress_values

    logs = {"loss": 36.18, "kl_loss": 1.82, "reconstruction_loss": 34.36}  # a VAE's
    logs |= {f"val_{name}": value - 0.01 for name, value in logs.items()}
    assert progress_values(logs) == (
        "loss 36.180 (val 36.170)  kl_loss 1.820 (val 1.810)  "
        "reconstruction_loss 34.360 (val 34.350)"
    )
    assert progress_values(logs, room=70) == (
        "loss 36.180 (val 36.170)  kl_loss 1.820  reconstruction_loss 34.360"
    )
    assert progress_values(logs, room=60) == "loss 36.180 (val 36.170)"


@pytest.mark.parametrize("name", ["diabetes", "air_quality"])
def test_the_peers_are_scored_on_the_runs_own_training_and_test_rows(quick_runs, name):
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
    from sklearn.linear_model import LinearRegression, LogisticRegression

    from casestudies import load_case
    from utils import experiment

    case = load_case(name).CASE
    run_plan = experiment.plan(case, experiment.Settings(seed=0))
    data = experiment.split_and_scale(experiment.load(run_plan), run_plan)
    if case.task == "regression":
        linear, forest = LinearRegression(), RandomForestRegressor(random_state=0)
    else:
        linear, forest = LogisticRegression(max_iter=1000), RandomForestClassifier(random_state=0)
    peers = json.loads((quick_runs[name] / "metrics.json").read_text())["peers"]
    for model, saved in zip((linear, forest), peers.values(), strict=True):
        y_pred = model.fit(data.X_train, data.y_train).predict(data.X_test)
        expected = (
            float(np.sqrt(np.mean((y_pred - data.y_test) ** 2)))
            if case.task == "regression"
            else float(np.mean(y_pred == data.y_test))
        )
        assert saved[case.metric] == pytest.approx(expected, rel=1e-6), type(model).__name__


def test_same_seed_gives_identical_metrics_and_every_run_gets_a_new_folder(workdir):
    for _ in range(2):
        assert main(["run", "diabetes", "--epochs", "4", "--seed", "7", "--quiet"]) == 0
    folders = sorted((workdir / "runs").iterdir())
    assert len(folders) == 2
    first, second = (json.loads((folder / "metrics.json").read_text()) for folder in folders)
    first.pop("fit_seconds"), second.pop("fit_seconds")
    assert first == second
    pd.testing.assert_frame_equal(
        pd.read_csv(folders[0] / "history.csv"), pd.read_csv(folders[1] / "history.csv")
    )


def test_a_different_seed_gives_different_weights(workdir):
    for seed in ("1", "2"):
        assert main(["run", "air_quality", "--epochs", "2", "--seed", seed, "--quiet"]) == 0
    first, second = (
        pd.read_csv(folder / "history.csv") for folder in sorted((workdir / "runs").iterdir())
    )
    assert first["loss"].tolist() != second["loss"].tolist()


def test_course_recipe_trains_unscaled_on_a_plain_split(workdir):
    assert (
        main(
            ["run", "diabetes", "--recipe", "course", "--epochs", "2", "--quiet", "--out", "course"]
        )
        == 0
    )
    config = json.loads((workdir / "course" / "config.json").read_text())
    assert (config["scale"], config["stratify"], config["fast"], config["batch_size"]) == (
        False,
        False,
        False,
        32,
    )
    assert json.loads((workdir / "course" / "preprocessing.json").read_text())["mean"] is None
    # ...with the course's model: ReLU units and no weight decay, where the kit's has tanh and L2
    assert config["hyperparameters"]["activation"] == "relu"
    from utils.keras_setup import import_keras

    model = import_keras().saving.load_model(workdir / "course" / "model.keras")
    assert [layer.activation.__name__ for layer in model.layers] == ["relu", "relu", "sigmoid"]
    assert all(layer.kernel_regularizer is None for layer in model.layers)


def test_out_refuses_a_folder_with_earlier_results(workdir, capsys):
    (workdir / "taken").mkdir()
    (workdir / "taken" / "metrics.json").write_text("{}")
    assert main(["run", "iris", "--epochs", "2", "--out", "taken"]) == 2
    assert "not empty" in capsys.readouterr().err
    assert [path.name for path in (workdir / "taken").iterdir()] == ["metrics.json"]


@pytest.mark.parametrize("argv", [["iris"], ["iris", "air_quality"]])
def test_out_inside_a_file_is_refused_before_training(workdir, capsys, argv):
    (workdir / "notes.txt").write_text("mine")
    assert main(["run", *argv, "--epochs", "2", "--out", "notes.txt/run"]) == 2
    assert "inside notes.txt, a file" in capsys.readouterr().err
    assert [path.name for path in workdir.iterdir()] == ["notes.txt"]


def test_learners_kaggle_file_runs_with_a_leakage_warning_and_dedupe_removes_it(
    workdir, kaggle_diabetes, capsys
):
    assert (
        main(
            [
                "run",
                "diabetes",
                "--csv",
                str(kaggle_diabetes),
                "--epochs",
                "2",
                "--quiet",
                "--out",
                "dup",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    leaked = json.loads((workdir / "dup" / "metrics.json").read_text())["test_rows_in_train"]
    assert leaked > 100
    assert f"{leaked} of 400 test rows also appear in the training set" in out and "--dedupe" in out
    assert "Insulin" in json.loads((workdir / "dup" / "preprocessing.json").read_text())["columns"]
    # The forest memorises the duplicated rows and wins: the run names that as leakage.
    assert "a forest memorises rows, so the forest's lead is leakage" in " ".join(out.split())
    assert (
        main(
            [
                "run",
                "diabetes",
                "--csv",
                str(kaggle_diabetes),
                "--dedupe",
                "--epochs",
                "2",
                "--quiet",
                "--out",
                "dedup",
            ]
        )
        == 0
    )
    assert json.loads((workdir / "dedup" / "metrics.json").read_text())["test_rows_in_train"] == 0
    assert "leakage at work" not in " ".join(capsys.readouterr().out.split())  # lines wrap at 79


def test_learners_real_combine_file_runs_through_air_quality(workdir, real_combine, capsys):
    assert (
        main(
            [
                "run",
                "air_quality",
                "--csv",
                str(real_combine),
                "--target",
                "PM 2.5",
                "--epochs",
                "2",
                "--quiet",
                "--out",
                "pm",
            ]
        )
        == 0
    )
    assert "Dropped 1 of 120 rows with missing values" in capsys.readouterr().out
    metrics = json.loads((workdir / "pm" / "metrics.json").read_text())
    assert metrics["task"] == "regression" and metrics["n_train"] + metrics["n_test"] == 119


def test_fit_infers_and_says_the_task_for_any_csv(workdir, real_combine, capsys):
    assert (
        main(
            [
                "fit",
                "--csv",
                str(real_combine),
                "--target",
                "PM 2.5",
                "--epochs",
                "2",
                "--quiet",
                "--out",
                "any",
            ]
        )
        == 0
    )
    assert "Task: regression (the target is numeric" in capsys.readouterr().out
    assert json.loads((workdir / "any" / "config.json").read_text())["task"] == "regression"


def test_fit_trains_a_softmax_for_text_labels(workdir, capsys):
    frame = pd.read_csv(DATA_DIR / "iris.csv")
    frame.to_csv(workdir / "flowers.csv", index=False)
    assert (
        main(
            [
                "fit",
                "--csv",
                "flowers.csv",
                "--target",
                "species",
                "--epochs",
                "2",
                "--quiet",
                "--out",
                "f",
            ]
        )
        == 0
    )
    assert "Task: multiclass" in capsys.readouterr().out
    assert json.loads((workdir / "f" / "preprocessing.json").read_text())["classes"] == [
        "setosa",
        "versicolor",
        "virginica",
    ]


def test_predict_writes_class_names_and_probabilities(quick_runs, tmp_path, capsys):
    def predict(csv, out):
        assert (
            main(
                ["predict", "--run", str(quick_runs["iris"]), "--csv", str(csv), "--out", str(out)]
            )
            == 0
        )
        return pd.read_csv(out)

    predictions = predict(DATA_DIR / "iris.csv", tmp_path / "predictions.csv")
    assert len(predictions) == 150
    classes = ["setosa", "versicolor", "virginica"]
    probabilities = predictions[[f"probability_{name}" for name in classes]]
    assert (probabilities.sum(axis=1) - 1).abs().max() < 1e-4
    assert list(predictions["prediction"]) == [
        classes[i] for i in probabilities.to_numpy().argmax(1)
    ]
    ignored = "Ignoring 1 column(s) the model was not trained on: 'species'."
    assert ignored in capsys.readouterr().err
    # The model's own outputs on the scaled rows; columns are matched by name, not by position.
    from utils.loading import load_run

    model, preprocessor, _ = load_run(quick_runs["iris"])
    frame = pd.read_csv(DATA_DIR / "iris.csv")
    expected = model.predict(preprocessor.transform(frame[preprocessor.columns]), verbose=0)
    np.testing.assert_allclose(probabilities.to_numpy(), expected, rtol=1e-5, atol=1e-6)
    shuffled = tmp_path / "shuffled.csv"
    frame[list(reversed(frame.columns))].to_csv(shuffled, index=False)
    again = predict(shuffled, tmp_path / "again.csv")
    np.testing.assert_allclose(again[probabilities.columns], probabilities, rtol=1e-6)


def test_a_binary_prediction_is_its_probability_at_the_half_threshold(quick_runs, tmp_path):
    out = tmp_path / "predictions.csv"
    run = str(quick_runs["diabetes"])
    assert (
        main(["predict", "--run", run, "--csv", str(DATA_DIR / "diabetes.csv"), "--out", str(out)])
        == 0
    )
    predictions = pd.read_csv(out)
    probability = predictions["probability_1"]
    assert probability.between(0, 1).all() and probability.nunique() > 100  # one per woman
    assert (predictions["prediction"] == (probability >= 0.5).astype(int)).all()


def test_predict_never_overwrites_a_file(quick_runs, tmp_path, capsys):
    out = tmp_path / "kept.csv"
    out.write_text("precious\n")
    assert (
        main(
            [
                "predict",
                "--run",
                str(quick_runs["diabetes"]),
                "--csv",
                str(DATA_DIR / "diabetes.csv"),
                "--out",
                str(out),
            ]
        )
        == 2
    )
    assert out.read_text() == "precious\n"
    error = capsys.readouterr().err
    assert "predict never overwrites a file" in error and error.count("\n") == 1


def test_a_target_in_the_hundreds_of_thousands_is_learned_and_predicted_in_its_units(
    workdir, capsys
):
    """House prices: unscaled, a network whose output starts near 0 can't reach them in a run."""
    rng = np.random.default_rng(0)
    houses = pd.DataFrame({"sqft": rng.uniform(800, 4000, 300)})
    houses["price"] = 50_000 + 150 * houses["sqft"] + rng.normal(0, 20_000, 300)
    houses.to_csv("houses.csv", index=False)
    argv = ["fit", "--csv", "houses.csv", "--target", "price", "--epochs", "20", "--quiet"]
    assert main([*argv, "--out", "h"]) == 0
    assert "The target 'price' is far from the scale" in capsys.readouterr().out
    metrics = json.loads((workdir / "h" / "metrics.json").read_text())
    assert metrics["rmse"] < metrics["baseline"]["rmse"] / 2
    houses[["sqft"]].to_csv("new.csv", index=False)  # one column: all a one-feature model needs
    assert main(["predict", "--run", "h", "--csv", "new.csv", "--out", "p.csv"]) == 0
    predicted = pd.read_csv("p.csv")["prediction"]
    assert np.sqrt(np.mean((predicted - houses["price"]) ** 2)) < houses["price"].std() / 2


def test_predict_keeps_run_folders_as_their_runs_wrote_them(quick_runs, capsys):
    run = quick_runs["iris"]
    inside = run / "predictions.csv"
    argv = ["predict", "--csv", str(DATA_DIR / "iris.csv")]
    assert main([*argv, "--run", str(run), "--out", str(inside)]) == 2
    assert "is inside the run folder" in capsys.readouterr().err and not inside.exists()
    assert main([*argv, "--run", str(run.parent)]) == 2  # the folder of runs, not a run
    err = capsys.readouterr().err
    assert f"{run.parent} is not a run folder" in err and "Did you mean --run " in err


def test_every_training_option_reaches_the_run_and_its_config(workdir):
    options = ["--epochs", "1", "--batch-size", "8", "--test-size", "0.3", "--split-seed", "5"]
    options += ["--validation-split", "0.1", "--no-stratify", "--seed", "3"]
    assert main(["run", "iris", *options, "--quiet", "--out", "o"]) == 0
    config = json.loads((workdir / "o" / "config.json").read_text())
    assert {key: config[key] for key in ("epochs", "batch_size", "test_size", "split_seed")} == {
        "epochs": 1,
        "batch_size": 8,
        "test_size": 0.3,
        "split_seed": 5,
    }
    assert config["validation_split"] == 0.1 and config["stratify"] is False and config["seed"] == 3
    metrics = json.loads((workdir / "o" / "metrics.json").read_text())
    assert (metrics["n_train"], metrics["n_test"], metrics["epochs_run"]) == (105, 45, 1)


def test_predict_prints_six_significant_digits_and_writes_every_digit(quick_runs, tmp_path, capsys):
    run, rows = str(quick_runs["air_quality"]), str(DATA_DIR / "air_quality.csv")
    frame = pd.read_csv(rows).dropna()
    frame.to_csv(tmp_path / "complete.csv", index=False)
    assert main(["predict", "--run", run, "--csv", str(tmp_path / "complete.csv")]) == 0
    printed = capsys.readouterr().out
    assert (
        main(
            [
                "predict",
                "--run",
                run,
                "--csv",
                str(tmp_path / "complete.csv"),
                "--out",
                str(tmp_path / "p.csv"),
            ]
        )
        == 0
    )
    shown, full = pd.read_csv(io.StringIO(printed)), pd.read_csv(tmp_path / "p.csv")

    def significant_digits(value: float) -> int:
        return len(f"{value:.15g}".lstrip("-").replace(".", "").lstrip("0").split("e")[0])

    assert shown["prediction"].map(significant_digits).max() <= 6
    assert full["prediction"].map(significant_digits).max() > 6
    np.testing.assert_allclose(shown["prediction"], full["prediction"], rtol=1e-5)
