"""Plain-text tables, readable on a projector and in a notebook."""

import math
import numbers
import re
import textwrap

WIDTH = 79  # an 80-column terminal; a projector's large font leaves no more


def wrap(text: str) -> str:
    return textwrap.fill(text, width=WIDTH)


def format_value(value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, numbers.Integral) and abs(value) >= 10_000:
        return f"{value:,}"  # 12,000: read at a glance on a projector
    if isinstance(value, float):
        if 1e4 <= abs(value) < 1e6:
            return f"{value:,.0f}"
        if abs(value) >= 1e6:
            return f"{value:.4g}"
        # Three significant digits below 0.01, so that 0.00129 and 0.00148 still differ.
        return f"{value:.3g}" if 0 < abs(value) < 0.01 else f"{value:.3f}"
    return str(value)


def format_table(headers: list[str], rows: list[list]) -> str:
    cells = [[format_value(value) for value in row] for row in rows]
    value_widths = [
        max((len(row[column]) for row in cells), default=0) for column in range(len(headers))
    ]
    heads = [[str(header)] for header in headers]
    if sum(max(len(head[0]), width) + 2 for head, width in zip(heads, value_widths)) - 2 > WIDTH:
        # Too wide for the screen: stack each header's words (learning_ over rate) instead.
        heads = [stack(head[0], width) for head, width in zip(heads, value_widths)]
    widths = [max(width, *map(len, head)) for head, width in zip(heads, value_widths)]
    numeric = [
        all(isinstance(row[column], (int, float)) or row[column] is None for row in rows)
        for column in range(len(headers))
    ]

    def line(row):
        return "  ".join(
            cell.rjust(width) if right else cell.ljust(width)
            for cell, width, right in zip(row, widths, numeric)
        ).rstrip()

    depth = max(map(len, heads))
    head_lines = [[""] * (depth - len(head)) + head for head in heads]  # words sit on the rule
    return "\n".join(
        [line(row) for row in zip(*head_lines)]
        + ["  ".join("-" * width for width in widths)]
        + [line(row) for row in cells]
    )


def stack(header: str, width: int) -> list[str]:
    """A header wider than its column's values, in two lines split after "_" or a space where
    the longer line is shortest (learning_ over rate)."""
    breaks = [match.end() for match in re.finditer(r"[_ ]", header.rstrip("_ "))]
    if len(header) <= width or not breaks:
        return [header]
    split = min(breaks, key=lambda at: max(len(header[:at].rstrip()), len(header[at:])))
    return [header[:split].rstrip(), header[split:]]


def side_by_side(columns: dict[str, dict], metric_keys) -> str:
    """Test metrics, one column per model (n/a where a model has no such number)."""
    rows = [[key, *(values.get(key) for values in columns.values())] for key in metric_keys]
    return format_table(["metric", *columns], rows)


def metrics_table(metrics: dict, metric_keys) -> str:
    """The model's test metrics (and its variants') beside the naive baseline's, the classic
    peers' (if scored) and a reference's (e.g. the real images: the best there is)."""
    baseline = metrics.get("baseline_name", "baseline")
    columns = {
        "model": metrics,
        **metrics.get("variants", {}),
        baseline: metrics["baseline"],
        **metrics.get("peers", {}),
        **metrics.get("reference", {}),
    }
    return side_by_side(columns, [key for key in metric_keys if key in metrics])


WHY_PEERS_WIN = (
    "On {n_train} training rows a simple model is hard to beat: the network has more weights to "
    "fit than the data can pin down, so more rows help it more than epochs."
)
NOT_LEARNED = (
    "Losing to {naive} means it has not learned the task: its learning curves show whether it "
    "needs more epochs (still falling at the end) or a smaller learning rate (jagged or rising)."
)
STILL_IMPROVING = (
    "Its validation loss was lowest at its last epoch ({epochs}), so it was still improving: "
    "train it longer (--epochs) before judging it."
)
LEAKAGE = (
    "{copies} of the {n_test} test rows are copies of training rows, and a forest memorises "
    "rows, so the forest's lead is leakage at work, not skill: compare with --dedupe."
)
# Below this share of the test rows, copies of training rows are too few to credit the leak.
LEAKAGE_SHARE = 0.05


def why_behind(
    metrics: dict, ahead: list[str], naive: str, why: str | None, not_learned: str | None = None
) -> str:
    """Why the network may trail the models in `ahead`: leakage that favours a forest; then, for
    the others, it stopped while still improving, or it never learned (it trails the naive
    baseline: `not_learned`, or NOT_LEARNED), or else `why` (the case's reason, or
    WHY_PEERS_WIN)."""
    reasons = []
    copies = metrics.get("test_rows_in_train") or 0
    if copies and "random forest" in ahead and copies >= LEAKAGE_SHARE * metrics["n_test"]:
        reasons.append(LEAKAGE.format(copies=copies, n_test=metrics["n_test"]))
        ahead = [name for name in ahead if name != "random forest"]
    lowest = metrics.get("lowest_val_loss_epoch")
    still_improving = lowest is not None and lowest == metrics.get("epochs_run")
    if ahead and still_improving:
        reasons.append(STILL_IMPROVING.format(epochs=metrics["epochs_run"]))
    elif naive in ahead:
        reasons.append((not_learned or NOT_LEARNED).format(naive=naive))
    elif ahead:
        reasons.append((why or WHY_PEERS_WIN).format(n_train=metrics["n_train"]))
    return " ".join(reasons)


# How the verdict names a metric, where its key would read badly in a sentence.
METRIC_PHRASES = {
    "mae": "test MAE",
    "mse": "test MSE",
    "rmse": "test RMSE",
    "r2": "test R²",
    "f1": "test F1",
    "f1_macro": "test macro F1",
    "roc_auc": "test ROC AUC",
    "confident": "share of confident digits",  # unit 4's generators: their samples, not test rows
}


def verdict(
    metrics: dict, metric: str, why: str | None = None, not_learned: str | None = None
) -> str:
    """One sentence: does the network beat the numbers that judge it? An equal score is said
    as a tie; if anything scores better, why it may (see `why_behind`)."""
    from utils.evaluation import better

    naive = "the naive baseline"
    if "baseline_name" in metrics:  # a series' naive forecast, or unit 4's own baseline
        kind = " forecast" if metrics["task"] == "regression" else ""
        naive = f"the {metrics['baseline_name']}{kind}"
    rivals = {naive: metrics["baseline"]}
    rivals |= {name.replace("_", " "): values for name, values in metrics.get("peers", {}).items()}
    value = metrics[metric]
    phrase = METRIC_PHRASES.get(metric, f"test {metric}")
    tied = [
        name
        for name, values in rivals.items()
        if None not in (value, values[metric]) and math.isclose(value, values[metric])
    ]
    ahead = [
        name
        for name, values in rivals.items()
        if name not in tied and not better(value, values[metric], metric)
    ]
    beaten = [name for name in rivals if name not in tied + ahead]
    if not ahead:
        if not tied:
            return f"The network beats {' and '.join(rivals)} on {phrase}."
        return f"The network ties {' and '.join(tied)} on {phrase} ({format_value(value)})" + (
            f" and beats {' and '.join(beaten)}." if beaten else "."
        )
    scores = ", ".join(f"{name} {format_value(rivals[name][metric])}" for name in ahead)
    return (
        f"The network's {phrase} ({format_value(value)}) does not beat {scores}"
        + (f"; it ties {' and '.join(tied)}. " if tied else ". ")
        + why_behind(metrics, ahead, naive, why, not_learned)
    )


def run_summary(
    title: str,
    metric: str,
    metrics: dict,
    run_dir,
    why: str | None = None,
    examples="rows",
    not_learned: str | None = None,
) -> str:
    """What `run` and `fit` print at the end: the data and training, the table, the verdict."""
    from utils.evaluation import METRIC_KEYS

    training = f"{metrics['epochs_run']} epochs in {metrics['fit_seconds']:.1f} s"
    if metrics.get("best_epoch") is not None:
        training += f", keeping epoch {metrics['best_epoch']}'s weights (lowest validation loss)"
    return "\n".join(
        [
            "\n"
            + wrap(
                f"{title}: {metrics['n_train']} training {examples}, "
                f"{metrics['n_test']} test {examples}, " + training
            ),
            metrics_table(metrics, METRIC_KEYS[metrics["task"]]),
            *(wrap(note) for note in metrics.get("notes", [])),
            wrap(verdict(metrics, metric, why, not_learned)),
            f"Saved to {run_dir}\n",
        ]
    )
