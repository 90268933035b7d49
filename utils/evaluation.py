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
    # Unit 4 (utils.generative): each case reports the keys it has, in this order.
    "reconstruction": (
        "mse",
        "accuracy",
        "mse_2d",
        "mse_light_noise",
        "accuracy_light_noise",
        "near_zero_codes",
    ),
    "generation": ("confident", "digits", "mse"),
}


LOWER_IS_BETTER = ("mae", "mse", "rmse")
THRESHOLD = 0.5  # a sigmoid output at or above this is class 1


def better(value: float | None, other: float | None, metric: str) -> bool:
    """Whether `value` is a strictly better test score than `other` for this metric."""
    if value is None or other is None:
        return False
    return value < other if metric in LOWER_IS_BETTER else value > other


def to_labels(outputs: np.ndarray, task: str) -> np.ndarray:
    """A model's outputs (rows x units) as predictions: class 1 where the sigmoid is at least
    THRESHOLD, the argmax of a softmax, or the regression value itself."""
    if task == "binary":
        return (outputs[:, 0] >= THRESHOLD).astype("int64")
    if task == "multiclass":
        return outputs.argmax(axis=1)
    return outputs[:, 0]


def predict(model, X: np.ndarray, task: str) -> tuple[np.ndarray, np.ndarray]:
    """Predicted labels and the scores behind them (probability of class 1, class probabilities,
    or values)."""
    import keras

    # One direct call, not `predict`: its per-model setup costs 20 times as much on a test set
    # this small.
    outputs = keras.ops.convert_to_numpy(model(X, training=False))
    if not np.isfinite(outputs).all():
        from utils.errors import KitError

        raise KitError(
            "Training diverged: the model's outputs are NaN or infinite, so there is nothing to "
            "test. Try a smaller learning rate, or look for extreme values in the data."
        )
    scores = outputs if task == "multiclass" else outputs[:, 0]
    return to_labels(outputs, task), scores


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
    """The task's test metrics;
    a metric that can't be computed (one class in the test rows) is None."""
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


def evaluate(model, data) -> tuple[dict, np.ndarray, np.ndarray]:
    """Test metrics beside the baseline's, and the test predictions (labels, scores) behind them,
    in the target's own units.

    `data` is a `utils.experiment.Split`: the scaled training and test rows.
    """
    preprocessor = data.preprocessor
    task = preprocessor.task
    y_pred, scores = predict(model, data.X_test, task)
    y_test = data.y_test
    if task == "regression":
        y_pred = scores = preprocessor.target_values(y_pred)
        y_test = preprocessor.target_values(y_test)
    if data.naive is not None:
        baseline_pred = baseline_scores = data.naive
    else:
        baseline_pred, baseline_scores = baseline_predict(
            task, preprocessor.target_values(data.y_train), len(y_test), preprocessor.num_classes
        )
    metrics = {
        "task": task,
        "n_train": len(data.y_train),
        "n_test": len(y_test),
        **score(task, y_test, y_pred, scores),
        "baseline": score(task, y_test, baseline_pred, baseline_scores),
    }
    if data.naive_name != "baseline":
        metrics["baseline_name"] = data.naive_name
    return metrics, y_pred, scores


def peer_models(task: str, seed: int = 0) -> dict:
    """The classic models a network must beat on tabular data, by name (scikit-learn, defaults)."""
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if task == "regression":
        return {
            "linear_regression": make_pipeline(StandardScaler(), LinearRegression()),
            "random_forest": RandomForestRegressor(n_estimators=100, random_state=seed),
        }
    return {
        # Scaled inside, so the course recipe's unscaled rows converge too.
        "logistic_regression": make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
        "random_forest": RandomForestClassifier(n_estimators=100, random_state=seed),
    }


def peers(task: str, X_train, y_train, X_test, y_test, seed: int = 0) -> dict[str, dict]:
    """Each peer fitted on the training rows and scored on the test rows, like the network."""
    results = {}
    for name, model in peer_models(task, seed).items():
        with np.errstate(over="ignore"):  # scipy's unused residuals overflow on huge targets
            model.fit(X_train, y_train)
        if task == "regression":
            y_pred = scores = model.predict(X_test)
        else:  # one pass over the forest's trees: the labels are the likeliest classes
            probabilities = model.predict_proba(X_test)
            y_pred = model.classes_[probabilities.argmax(axis=1)]
            scores = probabilities[:, 1] if task == "binary" else probabilities
        results[name] = score(task, y_test, y_pred, scores)
    return results
