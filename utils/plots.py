"""The figures of a run (learning curves for every task, then the task's own diagnostics) and
of a Keras Tuner search (the score of every trial, and each hyperparameter against it).

Each function returns a matplotlib Figure (or a dict of them, by file name), shown inline in
a notebook and saved as PNG in the run or search folder.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import ConfusionMatrixDisplay, RocCurveDisplay

FIGURE_SIZE = (6.4, 4.8)


def learning_curves(history: dict[str, list[float]], title: str, best_epoch: int | None = None):
    """Loss (and the compiled metric, if any) per epoch, training beside validation; with early
    stopping, a line marks the epoch whose weights were kept."""
    metrics = sorted(
        (name for name in history if name != "epoch" and not name.startswith("val_")),
        key=lambda name: name != "loss",
    )
    fig, axes = plt.subplots(
        1, len(metrics), figsize=(FIGURE_SIZE[0] * len(metrics), FIGURE_SIZE[1]), squeeze=False
    )
    for axis, name in zip(axes[0], metrics):
        epochs = history["epoch"]
        axis.plot(epochs, history[name], marker="." if len(epochs) < 40 else None, label="training")
        if f"val_{name}" in history:
            axis.plot(epochs, history[f"val_{name}"], label="validation")
        if best_epoch is not None:
            axis.axvline(
                best_epoch, color="grey", linestyle="--", label=f"kept: epoch {best_epoch}"
            )
        axis.set(xlabel="epoch", ylabel=name, title=f"{title}: {name}")
        axis.legend()
        axis.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def confusion_matrix(y_true, y_pred, class_names: list, title: str):
    fig, axis = plt.subplots(figsize=FIGURE_SIZE)
    ConfusionMatrixDisplay.from_predictions(
        y_true,
        y_pred,
        labels=list(range(len(class_names))),
        display_labels=[str(name) for name in class_names],
        ax=axis,
        colorbar=False,
        cmap="Blues",
    )
    axis.set_title(f"{title}: confusion matrix (test rows)")
    fig.tight_layout()
    return fig


def roc_curve(y_true, scores, title: str):
    fig, axis = plt.subplots(figsize=FIGURE_SIZE)
    RocCurveDisplay.from_predictions(y_true, scores, ax=axis, name="model")
    axis.plot([0, 1], [0, 1], linestyle="--", color="grey", label="chance (AUC = 0.5)")
    axis.set_title(f"{title}: ROC curve (test rows)")
    axis.legend(loc="lower right")
    fig.tight_layout()
    return fig


def predicted_vs_actual(y_true, y_pred, title: str):
    fig, axis = plt.subplots(figsize=FIGURE_SIZE)
    axis.scatter(y_true, y_pred, alpha=0.7)
    low, high = (
        float(min(np.min(y_true), np.min(y_pred))),
        float(max(np.max(y_true), np.max(y_pred))),
    )
    axis.plot([low, high], [low, high], linestyle="--", color="grey", label="perfect prediction")
    axis.set(xlabel="actual", ylabel="predicted", title=f"{title}: predicted vs actual (test rows)")
    axis.legend()
    fig.tight_layout()
    return fig


def residuals(y_true, y_pred, title: str):
    fig, axis = plt.subplots(figsize=FIGURE_SIZE)
    axis.scatter(y_pred, np.asarray(y_true) - np.asarray(y_pred), alpha=0.7)
    axis.axhline(0, linestyle="--", color="grey")
    axis.set(
        xlabel="predicted", ylabel="actual - predicted", title=f"{title}: residuals (test rows)"
    )
    fig.tight_layout()
    return fig


def task_figures(
    task: str, history, y_true, y_pred, scores, class_names, title: str, best_epoch=None
) -> dict:
    """All of a run's figures, by file name."""
    figures = {"learning_curves": learning_curves(history, title, best_epoch)}
    if task in ("binary", "multiclass"):
        figures["confusion_matrix"] = confusion_matrix(y_true, y_pred, class_names, title)
    if task == "binary" and len(np.unique(y_true)) == 2:
        figures["roc_curve"] = roc_curve(y_true, scores, title)
    if task == "regression":
        figures["predicted_vs_actual"] = predicted_vs_actual(y_true, y_pred, title)
        figures["residuals"] = residuals(y_true, y_pred, title)
    return figures


def trial_figures(table, objective: str, direction: str) -> dict:
    """A Keras Tuner search's figures, by file name: the score of every trial, and each
    hyperparameter against the score. `table` has a row per trial: `trial`, one column per
    hyperparameter, `score` (missing for a failed trial) and `status`."""
    import pandas as pd

    figures = {}
    fig, axis = plt.subplots(figsize=FIGURE_SIZE)
    completed = table["score"].notna()
    trials = table["trial"].astype(str)
    axis.bar(
        trials[completed].tolist(), table["score"][completed], color="tab:blue", label="completed"
    )
    if (~completed).any():
        failed = trials[~completed].tolist()
        axis.scatter(
            failed,
            np.zeros(len(failed)),
            marker="x",
            color="tab:red",
            s=80,
            label="diverged / failed",
        )
    axis.set(
        xlabel="trial",
        ylabel=objective,
        title=f"Score per trial ({objective}, {direction} is best)",
    )
    axis.legend()
    fig.tight_layout()
    figures["trial_scores"] = fig
    names = [column for column in table.columns if column not in ("trial", "score", "status")]
    if names:
        fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 3.6), squeeze=False)
        for axis, name in zip(axes[0], names):
            shown = completed & table[name].notna()  # a layer's units exist only with that layer
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
