"""The figures of a run (learning curves for every task, then the task's own diagnostics) and
of a Keras Tuner search (the score of every trial, and each hyperparameter against it).

Each function returns a matplotlib Figure (or a dict of them, by file name), shown inline in
a notebook and saved as PNG in the run or search folder.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.layout_engine import PlaceHolderLayoutEngine
from matplotlib.ticker import MaxNLocator
from sklearn.metrics import ConfusionMatrixDisplay, RocCurveDisplay

FIGURE_SIZE = (6.4, 4.8)


def save(figure, path) -> None:
    """Write the figure as a PNG to project (120 dpi) and close it. A title too long for the
    figure widens the picture to hold it (`bbox_inches="tight"`, which costs a second drawing,
    so only then: the layout already keeps the rest inside)."""
    titles = [figure.get_suptitle(), *(axis.get_title() for axis in figure.axes)]
    too_long = max(map(len, titles)) * 0.1 > figure.get_figwidth()  # about 0.1 inch a letter
    # `tight_layout` has placed everything already, but leaves a placeholder layout engine that
    # makes `savefig` draw the figure once more first: a quarter of the time, for the same pixels.
    if isinstance(figure.get_layout_engine(), PlaceHolderLayoutEngine):
        figure.set_layout_engine(None)
    figure.savefig(path, dpi=120, bbox_inches="tight" if too_long else None)
    plt.close(figure)


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
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))  # no epoch 1.5
        axis.legend()
        axis.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def confusion_matrix(y_true, y_pred, class_names: list, title: str):
    names = [str(name) for name in class_names]
    crowded = sum(map(len, names)) > 40  # the names would run together under the columns
    fig, axis = plt.subplots(figsize=(8, 7.5) if crowded else FIGURE_SIZE)
    ConfusionMatrixDisplay.from_predictions(
        y_true,
        y_pred,
        labels=list(range(len(names))),
        display_labels=names,
        ax=axis,
        colorbar=False,
        cmap="Blues",
        xticks_rotation=45 if crowded else "horizontal",
    )
    if crowded:
        plt.setp(axis.get_xticklabels(), ha="right", rotation_mode="anchor")
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
        # At most 3 panels a row, all on the objective's scale: readable when projected.
        rows, columns = int(np.ceil(len(names) / 3)), min(3, len(names))
        fig, axes = plt.subplots(
            rows, columns, figsize=(4 * columns, 3.4 * rows), sharey=True, squeeze=False
        )
        for axis in axes.ravel()[len(names) :]:
            axis.set_visible(False)
        for axis, name in zip(axes.ravel(), names):
            shown = completed & table[name].notna()  # a layer's units exist only with that layer
            values = table[name][shown]
            if pd.api.types.is_numeric_dtype(values):
                axis.scatter(values.astype(float), table["score"][shown])
                if name == "learning_rate":
                    axis.set_xscale("log")
                elif (values % 1 == 0).all():
                    axis.xaxis.set_major_locator(MaxNLocator(integer=True))  # layers, units
            else:
                axis.scatter([str(value) for value in values], table["score"][shown])
            axis.set(xlabel=name, ylabel=objective if axis in axes[:, 0] else "")
        fig.suptitle(f"Each hyperparameter against {objective}")
        fig.tight_layout()
        figures["hyperparameters_vs_score"] = fig
    return figures


def _grid_shape(panels: int) -> tuple[int, int]:
    """Rows and columns of the smallest near-square grid that holds `panels` panels."""
    columns = int(np.ceil(np.sqrt(panels)))
    return int(np.ceil(panels / columns)), columns


def _bare(axis):
    """An image panel: no ticks, the frame kept so it can be coloured."""
    axis.set_xticks([])
    axis.set_yticks([])


def image_grid(images, y_true, y_pred, class_names, title: str, count: int = 25):
    """The first `count` test images, each titled "predicted (true)"; a mistake gets a red title
    and a thick red frame, so the eye finds it at once."""
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3:
        raise ValueError(
            f"image_grid expects images shaped (n, height, width) or (n, height, width, 1), "
            f"got {images.shape}; pass one grey channel per image."
        )
    shown = min(count, len(images))
    y_true, y_pred = np.asarray(y_true)[:shown], np.asarray(y_pred)[:shown]
    rows, columns = _grid_shape(shown)
    fig, axes = plt.subplots(rows, columns, figsize=(1.7 * columns, 1.8 * rows + 0.6))
    axes = np.atleast_1d(axes).ravel()
    for index, axis in enumerate(axes):
        if index >= shown:
            axis.axis("off")
            continue
        axis.imshow(images[index], cmap="gray", vmin=0, vmax=1)
        _bare(axis)
        wrong = y_pred[index] != y_true[index]
        colour = "tab:red" if wrong else "black"
        axis.set_title(
            f"{class_names[int(y_pred[index])]} ({class_names[int(y_true[index])]})",
            fontsize=9,
            color=colour,
            fontweight="bold" if wrong else "normal",
        )
        for spine in axis.spines.values():
            spine.set_color(colour if wrong else "tab:green")
            spine.set_linewidth(3 if wrong else 1)
    mistakes = int(np.sum(y_pred != y_true))
    fig.suptitle(
        f"{title}: first {shown} test images, {mistakes} of {shown} wrong (red)\n"
        "each titled predicted (true)"
    )
    fig.tight_layout()
    return fig


def filters(kernel, title: str):
    """A first Conv2D layer's filters, each as a small image; blue is a negative weight, red a
    positive one, on one scale symmetric around 0 so the filters can be compared."""
    kernel = np.asarray(kernel)
    if kernel.ndim != 4 or kernel.shape[2] != 1:
        raise ValueError(
            f"filters expects a first-layer Conv2D kernel shaped (height, width, 1, filters) "
            f"on grey images, got {kernel.shape}; pass `layer.kernel` of the first Conv2D."
        )
    height, width, _, count = kernel.shape
    limit = float(np.max(np.abs(kernel))) or 1.0  # an all-zero kernel still gets a scale
    rows, columns = _grid_shape(count)
    fig, axes = plt.subplots(
        rows, columns, figsize=(1.4 * columns + 1.2, 1.5 * rows + 0.7), squeeze=False
    )
    for index, axis in enumerate(axes.ravel()):
        if index >= count:
            axis.axis("off")
            continue
        image = axis.imshow(kernel[:, :, 0, index], cmap="bwr", vmin=-limit, vmax=limit)
        _bare(axis)
        axis.set_title(f"filter {index}", fontsize=10)
    fig.suptitle(f"{title}: first-layer filters ({count}, each {height}×{width})")
    fig.tight_layout()
    # after the layout, so the colour bar takes its room from the panels instead of fighting it
    fig.colorbar(image, ax=axes.ravel().tolist(), shrink=0.8, label="weight")
    return fig


def feature_maps(image, maps, title: str, count: int = 16):
    """One input image, then the first `count` channels of a layer's output for it, each on its
    own colour scale (bright is a strong response); an all-zero channel is labelled so."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    maps = np.asarray(maps)
    if maps.ndim != 3:
        raise ValueError(
            f"feature_maps expects one image's layer output shaped (height, width, channels), "
            f"got {maps.shape}; take element [0] of the layer's output for a batch of one."
        )
    shown = min(count, maps.shape[-1])
    rows, columns = _grid_shape(1 + shown)
    fig, axes = plt.subplots(rows, columns, figsize=(1.7 * columns, 1.8 * rows + 0.4))
    axes = np.atleast_1d(axes).ravel()
    axes[0].imshow(image, cmap="gray")
    axes[0].set_title("input", fontsize=10, fontweight="bold")
    _bare(axes[0])
    for channel, axis in enumerate(axes[1:]):
        if channel >= shown:
            axis.axis("off")
            continue
        response = maps[:, :, channel]
        axis.imshow(response, cmap="viridis")
        _bare(axis)
        dead = not np.any(response)
        axis.set_title(f"channel {channel}" + (" (all 0)" if dead else ""), fontsize=10)
    fig.suptitle(f"{title}: feature maps ({shown} of {maps.shape[-1]} channels)")
    fig.tight_layout()
    return fig


def _series_styles(names) -> dict:
    """Line colour and style per prediction: the first (the model) solid and thick, the
    baselines thinner and dashed; the colours match between `forecasts` and `error_by_month`."""
    dashes = ["--", ":", "-."]
    return {
        name: {"color": f"C{index}", "linestyle": "-", "linewidth": 2.2}
        if index == 0
        else {"color": f"C{index}", "linestyle": dashes[(index - 1) % 3], "linewidth": 1.4}
        for index, name in enumerate(names)
    }


def _check_lengths(months, actual, predictions: dict):
    for name, predicted in {"months": months, **predictions}.items():
        if len(predicted) != len(actual):
            raise ValueError(
                f"'{name}' has {len(predicted)} values but `actual` has {len(actual)}; "
                "pass one value per test month for every series."
            )


def _month_ticks(months: list[str]) -> tuple[list[int], list[str]]:
    """At most about a dozen "YYYY-MM" tick labels, on months that line up with the year
    (every January, or January and July, ...) so the eye can count the years."""
    indices = [int(month[:4]) * 12 + int(month[5:7]) - 1 for month in months]
    step = next(step for step in (1, 2, 3, 6, 12, 24, 60, 120, 10**9) if len(months) / step <= 13)
    positions = [position for position, index in enumerate(indices) if index % step == 0]
    return positions, [months[position] for position in positions]


def forecasts(months: list[str], actual, predictions: dict, title: str, unit: str = ""):
    """The test months' actual values (black) against each forecast, in `unit` if known; the
    legend gives every forecast's RMSE, so the model can be read against its baselines."""
    actual = np.asarray(actual, dtype=float)
    _check_lengths(months, actual, predictions)
    positions = np.arange(len(months))
    fig, axis = plt.subplots(figsize=(FIGURE_SIZE[0] * 1.6, FIGURE_SIZE[1] * 1.1))
    axis.plot(positions, actual, color="black", linewidth=3, label="actual")
    for name, style in _series_styles(predictions).items():
        predicted = np.asarray(predictions[name], dtype=float)
        rmse = float(np.sqrt(np.mean((predicted - actual) ** 2)))
        shown = f"{rmse:.2f} {unit}".strip()
        axis.plot(positions, predicted, label=f"{name} (RMSE {shown})", **style)
    axis.set_xticks(*_month_ticks(months))
    axis.tick_params(axis="x", labelrotation=45)
    for label in axis.get_xticklabels():
        label.set_horizontalalignment("right")
    axis.set(xlabel="month", ylabel=unit or "value", title=f"{title}: forecasts (test months)")
    axis.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    axis.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def error_by_month(months: list[str], actual, predictions: dict, title: str, unit: str = ""):
    """Mean absolute error by calendar month, one bar per forecast: where in the year each one
    struggles. Only the calendar months present among the test months get a group."""
    actual = np.asarray(actual, dtype=float)
    _check_lengths(months, actual, predictions)
    calendar_months = np.array([int(month.split("-")[1]) for month in months])
    present = sorted(set(calendar_months.tolist()))
    names = list(predictions)
    width = 0.8 / len(names)
    fig, axis = plt.subplots(figsize=(FIGURE_SIZE[0] * 1.6, FIGURE_SIZE[1] * 1.1))
    for index, (name, style) in enumerate(_series_styles(names).items()):
        errors = np.abs(np.asarray(predictions[name], dtype=float) - actual)
        mae = [float(np.mean(errors[calendar_months == month])) for month in present]
        axis.bar(
            np.arange(len(present)) + (index - (len(names) - 1) / 2) * width,
            mae,
            width=width,
            color=style["color"],
            label=name,
        )
    month_names = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
    axis.set_xticks(np.arange(len(present)), [month_names[month - 1] for month in present])
    axis.set(
        xlabel="calendar month",
        ylabel=f"mean absolute error ({unit})" if unit else "mean absolute error",
        title=f"{title}: error by calendar month (test months)",
    )
    axis.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    axis.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def image_rows(rows: dict, title: str, count: int = 10):
    """The same `count` images in each row, a row per version (e.g. originals, then each
    model's reconstructions of them), its name at the left."""
    fig, axes = plt.subplots(
        len(rows), count, figsize=(1.0 * count + 1.2, 1.05 * len(rows) + 0.6), squeeze=False
    )
    for axis_row, (name, images) in zip(axes, rows.items()):
        images = np.asarray(images)[:count].reshape(-1, *np.shape(images)[1:3])
        for axis, image in zip(axis_row, images):
            axis.imshow(image, cmap="gray", vmin=0, vmax=1)
            _bare(axis)
        axis_row[0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=10)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def sample_grid(images, title: str, columns: int = 10):
    """Generated images in a grid, `columns` to a row, no gaps to distract the eye."""
    images = np.asarray(images)
    images = images.reshape(len(images), *images.shape[1:3])
    rows = int(np.ceil(len(images) / columns))
    fig, axes = plt.subplots(
        rows, columns, figsize=(0.6 * columns, 0.6 * rows + 0.5), squeeze=False
    )
    for index, axis in enumerate(axes.ravel()):
        if index < len(images):
            axis.imshow(images[index], cmap="gray", vmin=0, vmax=1)
        axis.axis("off")
    fig.suptitle(title, fontsize=10)
    top = 1 - 0.45 / fig.get_figheight()  # room for the title, and no more
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=top, wspace=0.05, hspace=0.05)
    return fig


def codes_2d(panels: dict, labels, title: str):
    """Two-number codes of the test images, one panel per model, each point coloured by the
    digit it encodes: digits that form their own clusters are what the code has learned."""
    fig, axes = plt.subplots(
        1, len(panels), figsize=(FIGURE_SIZE[0] * len(panels), FIGURE_SIZE[1]), squeeze=False
    )
    for axis, (name, codes) in zip(axes[0], panels.items()):
        codes = np.asarray(codes)
        points = axis.scatter(
            codes[:, 0], codes[:, 1], c=labels, cmap="tab10", s=12, vmin=-0.5, vmax=9.5
        )
        axis.set(title=name, xlabel="code 1", ylabel="code 2")
        axis.grid(alpha=0.3)
    fig.colorbar(points, ax=axes[0].tolist(), ticks=range(10), label="digit")
    fig.suptitle(title)
    return fig


def latent_manifold(images, limit: float, title: str):
    """A decoder's images for an evenly spaced grid of 2-D codes from -limit to +limit, tiled
    into one picture: how the digits morph into one another across the latent space."""
    images = np.asarray(images)
    side = int(round(np.sqrt(len(images))))
    height, width = images.shape[1:3]
    tiles = images.reshape(side, side, height, width).transpose(0, 2, 1, 3)
    fig, axis = plt.subplots(figsize=(6.4, 6.4))
    # Row 0 of the grid is the top: the largest second code, as on a plot's y axis.
    axis.imshow(
        tiles.reshape(side * height, side * width),
        cmap="gray",
        vmin=0,
        vmax=1,
        extent=(-limit, limit, -limit, limit),
    )
    axis.set(xlabel="code 1", ylabel="code 2", title=title)
    return fig
