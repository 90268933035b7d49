"""Metrics per task, and the naive baseline they are read against."""

import re

import numpy as np
import pytest

from utils.evaluation import METRIC_KEYS, baseline_predict, score


def test_binary_metrics_match_a_hand_count():
    y_true = np.array([1, 1, 0, 0, 1])
    y_pred = np.array([1, 0, 0, 1, 1])
    results = score("binary", y_true, y_pred, np.array([0.9, 0.4, 0.2, 0.6, 0.8]))
    assert results["accuracy"] == pytest.approx(3 / 5)
    assert results["precision"] == pytest.approx(2 / 3)
    assert results["recall"] == pytest.approx(2 / 3)
    assert results["roc_auc"] == pytest.approx(5 / 6)
    assert set(results) == set(METRIC_KEYS["binary"])


def test_regression_metrics_match_their_formulas():
    y_true, y_pred = np.array([1.0, 2.0, 4.0]), np.array([2.0, 2.0, 2.0])
    results = score("regression", y_true, y_pred, y_pred)
    assert results["mae"] == pytest.approx(1.0)
    assert results["mse"] == pytest.approx(5 / 3)
    assert results["rmse"] == pytest.approx(np.sqrt(5 / 3))
    assert results["r2"] == pytest.approx(1 - 5 / (14 / 3))


def test_majority_baseline_predicts_the_training_majority_with_chance_auc():
    y_train = np.array([0, 1, 1, 1])
    labels, scores = baseline_predict("binary", y_train, rows=3)
    assert labels.tolist() == [1, 1, 1]
    assert score("binary", np.array([0, 1, 1]), labels, scores)["roc_auc"] == pytest.approx(0.5)


def test_mean_baseline_predicts_the_training_mean():
    labels, _ = baseline_predict("regression", np.array([1.0, 2.0, 6.0]), rows=2)
    assert labels.tolist() == [3.0, 3.0]


def test_auc_is_none_when_the_test_rows_hold_one_class():
    assert (
        score("binary", np.array([1, 1]), np.array([1, 0]), np.array([0.9, 0.1]))["roc_auc"] is None
    )


def test_multiclass_baseline_counts_every_class():
    labels, scores = baseline_predict("multiclass", np.array([2, 2, 0]), rows=2, num_classes=3)
    assert labels.tolist() == [2, 2]
    np.testing.assert_allclose(scores[0], [1 / 3, 0, 2 / 3])


def test_a_diverged_model_ends_in_a_clear_error_not_a_crash():
    from utils.errors import KitError
    from utils.evaluation import predict
    from utils.keras_setup import import_keras

    keras = import_keras()
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
    model.set_weights([np.full((2, 1), np.nan), np.zeros(1)])
    with pytest.raises(KitError, match="Training diverged"):
        predict(model, np.ones((3, 2), dtype="float32"), "binary")


@pytest.mark.parametrize(
    "model, said",
    [
        (0.95, "The network beats the naive baseline and logistic regression and random forest"),
        (
            0.9,
            "The network ties logistic regression on test accuracy (0.900)"
            " and beats the naive baseline and random forest.",
        ),
        (
            0.85,
            "The network's test accuracy (0.850) does not beat logistic regression 0.900;"
            " it ties random forest. On 8 training rows",
        ),
        (
            0.8,
            "The network's test accuracy (0.800) does not beat logistic regression 0.900, random",
        ),
    ],
)
def test_the_verdict_says_beats_ties_or_loses(model, said):
    from utils.report import verdict

    metrics = {
        "task": "binary",
        "accuracy": model,
        "n_train": 8,
        "baseline": {"accuracy": 0.5},
        "peers": {"logistic_regression": {"accuracy": 0.9}, "random_forest": {"accuracy": 0.85}},
    }
    assert verdict(metrics, "accuracy").startswith(said)


def test_the_verdict_names_the_metric_in_words():
    from utils.report import verdict

    regression = {"task": "regression", "rmse": 20.0, "baseline": {"rmse": 30.0}}
    assert verdict(regression, "rmse") == "The network beats the naive baseline on test RMSE."
    generation = {
        "task": "generation",
        "confident": 0.5,
        "baseline_name": "pixel-noise generator",
        "baseline": {"confident": 0.1},
    }
    assert verdict(generation, "confident") == (
        "The network beats the pixel-noise generator on share of confident digits."
    )


@pytest.mark.parametrize(
    "accuracy, more, why",
    [
        (0.8, {}, "On 8 training rows a simple model is hard to beat"),
        (0.4, {}, "Losing to the naive baseline means it has not learned the task"),
        (
            0.4,
            {"lowest_val_loss_epoch": 5, "epochs_run": 5},
            "Its validation loss was lowest at its last epoch (5)",
        ),
        (0.8, {"lowest_val_loss_epoch": 4, "epochs_run": 30}, "On 8 training rows"),
        (0.88, {"test_rows_in_train": 3}, "3 of the 40 test rows are copies of training rows"),
        (0.8, {"test_rows_in_train": 1}, "On 8 training rows"),  # 1 in 40: too few to matter
    ],
)
def test_the_verdict_says_why_the_network_trails(accuracy, more, why):
    """The reason fits the run: still improving, not learned, leakage, or too few rows."""
    from utils.report import verdict

    metrics = {
        "task": "binary",
        "accuracy": accuracy,
        "n_train": 8,
        "n_test": 40,
        "baseline": {"accuracy": 0.5},
        "peers": {"logistic_regression": {"accuracy": 0.86}, "random_forest": {"accuracy": 0.9}},
        **more,
    }
    said = re.split(r"(?<=\d)\. ", verdict(metrics, "accuracy"), maxsplit=1)[1]
    assert said.startswith(why)
    # Leakage explains only the forest's lead; the network (0.88) beats logistic regression.
    assert ("hard to beat" in said) == why.startswith("On 8")


def test_a_results_table_keeps_three_significant_digits_of_small_values():
    from utils.report import format_table

    table = format_table(
        ["metric", "model", "linear_regression"],
        [["mae", 0.00129, 0.00148], ["r2", 0.912, 0.854], ["mse", 2.526e-06, 4.173e-06]],
    )
    assert table.splitlines()[2].split() == ["mae", "0.00129", "0.00148"]
    assert table.splitlines()[3].split() == ["r2", "0.912", "0.854"]
    assert table.splitlines()[4].split() == ["mse", "2.53e-06", "4.17e-06"]
