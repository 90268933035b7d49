"""Task-appropriate test metrics, with a naive baseline beside them.

A model earns its keep only by beating the baseline: the majority class for classifiers,
the training mean for regression.
"""

import math

import numpy as np
from sklearn import metrics

METRIC_KEYS = {
    "binary": ("accuracy", "precision", "recall", "f1", "roc_auc"),
    "multiclass": ("accuracy", "f1_macro"),
    "regression": ("mae", "mse", "rmse", "r2"),
}


def predict(model, X: np.ndarray, task: str) -> tuple[np.ndarray, np.ndarray]:
    """Predicted labels and the scores behind them (probability of class 1, class probabilities, or values)."""
    import keras

    # One direct call, not `predict`: its per-model setup costs 20 times as much on a test set this small.
    outputs = keras.ops.convert_to_numpy(model(X, training=False))
    if task == "binary":
        scores = outputs[:, 0]
        return (scores >= 0.5).astype("int64"), scores
    if task == "multiclass":
        return outputs.argmax(axis=1), outputs
    return outputs[:, 0], outputs[:, 0]


def baseline_predict(
    task: str, y_train: np.ndarray, rows: int, num_classes: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """The naive predictor: always the training majority class, or always the training mean."""
    if task == "regression":
        values = np.full(rows, float(np.mean(y_train)))
        return values, values
    frequencies = np.bincount(y_train, minlength=max(num_classes, 2)) / len(y_train)
    majority = np.full(rows, int(frequencies.argmax()))
    scores = np.tile(frequencies, (rows, 1))
    return majority, scores[:, 1] if task == "binary" else scores


def score(
    task: str, y_true: np.ndarray, y_pred: np.ndarray, scores: np.ndarray
) -> dict[str, float | None]:
    """The task's test metrics; a metric that can't be computed (one class in the test rows) is None."""
    if task == "regression":
        mse = metrics.mean_squared_error(y_true, y_pred)
        results = {
            "mae": metrics.mean_absolute_error(y_true, y_pred),
            "mse": mse,
            "rmse": math.sqrt(mse),
            "r2": metrics.r2_score(y_true, y_pred),
        }
    elif task == "multiclass":
        results = {
            "accuracy": metrics.accuracy_score(y_true, y_pred),
            "f1_macro": metrics.f1_score(y_true, y_pred, average="macro", zero_division=0),
        }
    else:
        results = {
            "accuracy": metrics.accuracy_score(y_true, y_pred),
            "precision": metrics.precision_score(y_true, y_pred, zero_division=0),
            "recall": metrics.recall_score(y_true, y_pred, zero_division=0),
            "f1": metrics.f1_score(y_true, y_pred, zero_division=0),
            "roc_auc": metrics.roc_auc_score(y_true, scores)
            if len(np.unique(y_true)) == 2
            else None,
        }
    return {
        name: None if value is None or not np.isfinite(value) else float(value)
        for name, value in results.items()
    }
