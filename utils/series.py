"""A time series as a case study's data: one value per month, forecast one month ahead from the
`window` months before it.

The split is chronological: the last `test_size` of the months are the test months, the last
`validation_split` of the rest validate (both later than every month the model fits on), and
nothing is shuffled across them. The scaling (mean and standard deviation) is fitted on the
months before the test months only; forecasts are turned back into the series' own units
before they are scored. The peers a recurrent network must beat are the naive forecasts (last
value, same month last year) and a linear autoregression on the same window.
"""

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from utils.data import MIN_TRAIN_ROWS, check_target
from utils.errors import KitError

SEASON = 12  # months: the seasonal-naive forecast repeats the value of a year before


@dataclass
class SeriesPreprocessor:
    """The window, the value column (and its unit, if known) and the training months' mean and
    standard deviation."""

    column: str
    window: int
    mean: float
    std: float
    unit: str = ""
    kind: str = "series"
    task: str = "regression"
    classes: None = None
    num_classes: int = 0

    @property
    def input_shape(self) -> tuple:
        return (self.window, 1)

    @property
    def feature_names(self) -> list[str]:
        return [f"{self.column}[t-{lag}]" for lag in range(self.window, 0, -1)]

    def scale(self, values) -> np.ndarray:
        return ((np.asarray(values, dtype="float64") - self.mean) / self.std).astype("float32")

    def target_values(self, scaled):
        """Scaled forecasts back in the series' units."""
        return np.asarray(scaled, dtype="float64") * self.std + self.mean

    def windows(self, values) -> np.ndarray:
        """Every run of `window` consecutive values, scaled: (runs, window, 1)."""
        scaled = self.scale(values)
        runs = np.lib.stride_tricks.sliding_window_view(scaled, self.window)
        return np.ascontiguousarray(runs)[..., np.newaxis]

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "SeriesPreprocessor":
        return cls(**values)


def read_values(
    path, column: str, minimum: int, fix: str = "Name the series with --target COLUMN."
) -> tuple[pd.DataFrame, np.ndarray]:
    """The series' values from a CSV, in file order: numeric, complete, at least `minimum`;
    `fix` says what to do when the column is missing."""
    from utils.reading import read_csv

    frame = read_csv(path, min_columns=1)
    check_target(frame, column, str(path), fix)
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() | ~np.isfinite(values.fillna(0))
    if bad.any():
        line = int(np.flatnonzero(bad.to_numpy())[0]) + 2
        raise KitError(
            f"Column {column!r} of {path} has {int(bad.sum())} missing or non-numeric value(s) "
            f"(first on file line {line}): a series needs every month. Fill them in."
        )
    if len(values) < minimum:
        raise KitError(
            f"{path} holds {len(values)} value(s) of {column!r}; at least {minimum} are needed. "
            "Add the months before them to the file."
        )
    return frame, values.to_numpy(dtype="float64")


def check_months(frame: pd.DataFrame, path) -> None:
    """The first column must name each row's month, YYYY-MM, every month once, oldest first:
    the split, the seasonal forecast and the figures read the calendar from it."""
    labels = frame.iloc[:, 0].astype(str).str.strip()
    well_formed = labels.str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])")
    if not well_formed.all():
        index = int(np.flatnonzero(~well_formed.to_numpy())[0])
        raise KitError(
            f"The first column of {path} must give each row's month as YYYY-MM (e.g. 1950-01); "
            f"file line {index + 2} has {labels.iloc[index]!r}. Write the months that way."
        )
    numbers = labels.str[:4].astype(int) * 12 + labels.str[5:].astype(int)
    steps = np.diff(numbers.to_numpy())
    if (steps != 1).any():
        index = int(np.flatnonzero(steps != 1)[0]) + 1
        after, month, line = labels.iloc[index - 1], labels.iloc[index], index + 2
        problem = (
            f"skips from {after} to {month} (file line {line}): a series needs every month. "
            "Fill in the missing months."
            if steps[index - 1] > 1
            else f"has {month} after {after} (file line {line}): sort the rows by month, "
            "oldest first, each month once."
        )
        raise KitError(f"{path} {problem}")


def load_split(plan):
    """Windows of the series, split in time order, scaled with the training months' statistics:
    (notes, a `Split` whose baseline is the last-value forecast)."""
    from utils.experiment import Split

    window = plan.case.window
    frame, values = read_values(plan.csv, plan.target, minimum=window + 10)
    check_months(frame, plan.csv)
    targets = len(values) - window  # each value after the first window is one forecast
    test = max(1, round(targets * plan.test_size))
    first_test = len(values) - test
    if targets - test < MIN_TRAIN_ROWS:
        raise KitError(
            f"--test-size {plan.test_size:g} leaves {targets - test} of {Path(plan.csv).name}'s "
            f"{targets} forecasts for training; the kit needs at least {MIN_TRAIN_ROWS}. Use a "
            "smaller --test-size (e.g. 0.2)."
        )
    train_values = values[:first_test]
    preprocessor = SeriesPreprocessor(
        column=plan.target,
        window=window,
        mean=float(train_values.mean()),
        std=float(train_values.std()),
        unit=plan.case.unit if Path(plan.csv).resolve() == plan.case.data_path.resolve() else "",
    )
    if not preprocessor.std > 0:
        raise KitError(f"{plan.target!r} is constant over the training months: nothing to learn.")
    X = preprocessor.windows(values[:-1])
    y = preprocessor.scale(values[window:])
    split_at = first_test - window
    first, last = frame.iloc[first_test, 0], frame.iloc[-1, 0]
    notes = [
        f"Test: the last {test} of {targets} forecasts ({first} to {last}), in time order.",
        f"The network trains on {plan.target!r} standardised (minus its training mean "
        f"{preprocessor.mean:.3g}, over its standard deviation {preprocessor.std:.3g}): the "
        "progress and the learning curves are in those units, the table in the series' own.",
    ]
    return notes, Split(
        train=frame.iloc[window:first_test].reset_index(drop=True),
        test=frame.iloc[first_test:].reset_index(drop=True),
        preprocessor=preprocessor,
        X_train=X[:split_at],
        y_train=y[:split_at],
        X_test=X[split_at:],
        y_test=y[split_at:],
        test_rows_in_train=0,
        naive=values[first_test - 1 : -1],
        naive_name="last value",
    )


PEERS = ("seasonal_naive", "linear_autoregression")


def forecasts(data, only: str | None = None) -> dict[str, np.ndarray]:
    """The baselines' forecasts of the test months, in the series' units, by name: the last
    value, the same month a year before, and a linear autoregression on the same window."""
    from sklearn.linear_model import LinearRegression

    preprocessor = data.preprocessor
    named = {"last value": data.naive}
    if preprocessor.window >= SEASON and only in (None, "seasonal naive"):
        named["seasonal naive"] = preprocessor.target_values(data.X_test[:, -SEASON, 0])
    if only in (None, "linear autoregression"):
        autoregression = LinearRegression().fit(data.X_train[..., 0], data.y_train)
        linear = autoregression.predict(data.X_test[..., 0])
        named["linear autoregression"] = preprocessor.target_values(linear)
    return named


def peers(data, run_plan, only: str | None = None) -> dict[str, dict]:
    """The seasonal-naive forecast and the linear autoregression, scored on the same test months
    as the network (the last-value forecast is the table's baseline), or the one named `only`."""
    from utils.evaluation import score

    actual = data.preprocessor.target_values(data.y_test)
    named = forecasts(data, only=None if only is None else only.replace("_", " "))
    return {
        name.replace(" ", "_"): score("regression", actual, values, values)
        for name, values in named.items()
        if name != "last value"
    }


def figures(model, data, trained, title: str) -> dict:
    """Forecast against actual over the test months, the baselines drawn too, and the error by
    calendar month."""
    from utils import plots

    months = [str(month) for month in data.test.iloc[:, 0]]
    actual = data.preprocessor.target_values(data.y_test)
    named = {"network": trained.y_pred, **forecasts(data)}
    unit = data.preprocessor.unit
    return {
        "forecast": plots.forecasts(months, actual, named, title, unit),
        "error_by_month": plots.error_by_month(months, actual, named, title, unit),
    }


def forecast(model, preprocessor: SeriesPreprocessor, values: np.ndarray, steps: int) -> np.ndarray:
    """The next `steps` values after `values`: each forecast is fed back as the newest input."""
    import keras

    history = list(values[-preprocessor.window :])
    for _ in range(steps):
        inputs = preprocessor.windows(np.asarray(history[-preprocessor.window :]))
        scaled = keras.ops.convert_to_numpy(model(inputs, training=False))[0, 0]
        history.append(float(preprocessor.target_values(scaled)))
    return np.asarray(history[preprocessor.window :])
