"""Load a CSV, check it is fit to learn from, and say plainly what is wrong when it is not.

Data flows one way: CSV -> `Dataset` (clean rows, a known task) -> split -> preprocessing.
Every problem a learner can fix raises `KitError` with one sentence naming it and the fix.
"""

import difflib
import math
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from utils.case import TASKS
from utils.errors import KitError, show
from utils.reading import missing_words, read_csv

MIN_ROWS = 10
# Rows left for training after the test split: MIN_ROWS at the default test size of 0.2.
MIN_TRAIN_ROWS = MIN_ROWS - math.ceil(0.2 * MIN_ROWS)
# Rows left to fit on after the validation split: MIN_TRAIN_ROWS at the default split of 0.2.
MIN_FIT_ROWS = math.floor(MIN_TRAIN_ROWS * (1 - 0.2))
# A text feature is one-hot encoded when it has at most this many distinct values.
MAX_CATEGORIES = 20
# A whole-number target with at most this many values (and repeats) is taken as classes.
MAX_AUTO_CLASSES = 10


@dataclass
class Dataset:
    """Clean rows ready to split: features, a target, the task, and what was done to get there."""

    frame: pd.DataFrame
    target: str
    task: str
    source: str
    notes: list[str] = field(default_factory=list)

    @property
    def features(self) -> pd.DataFrame:
        return self.frame.drop(columns=self.target)

    @property
    def labels(self) -> pd.Series:
        return self.frame[self.target]

    @property
    def feature_names(self) -> list[str]:
        return [column for column in self.frame.columns if column != self.target]


# A feature (or regression target) beyond this overflows: Keras and scikit-learn's forest read
# numbers as 32-bit floats, whose largest is about 3.4e38.
MAX_MAGNITUDE = 1e38


def check_target(
    frame: pd.DataFrame,
    target: str,
    source: str,
    fix: str = "Name the target with --target COLUMN.",
) -> None:
    if target in frame.columns:
        return
    columns = ", ".join(map(str, frame.columns))
    by_lower = {str(column).lower(): column for column in frame.columns}
    close = difflib.get_close_matches(target.lower(), list(by_lower), n=1, cutoff=0.6)
    hint = f" Did you mean {by_lower[close[0]]!r}?" if close else ""
    raise KitError(
        f"Target column {target!r} is not in {source}. Its columns are: {columns}.{hint} {fix}"
    )


def infer_task(labels: pd.Series) -> tuple[str, str]:
    """Guess the task from the target's values; return the task and the reason, for printing."""
    values = labels.dropna()
    distinct = values.nunique()
    if is_text(values):
        task = "binary" if distinct == 2 else "multiclass"
        return task, f"the target holds {distinct} labels"
    if distinct == 2:
        return "binary", "the target holds 2 distinct values"
    whole = np.all(np.isclose(values, np.round(values)))
    if whole and distinct <= MAX_AUTO_CLASSES and distinct < len(values) / 2:
        return "multiclass", f"the target holds {distinct} whole-number values, each repeated"
    return "regression", f"the target is numeric with {distinct} distinct values"


def drop_missing(
    frame: pd.DataFrame, notes: list[str], source: str, target: str, path=None
) -> pd.DataFrame:
    """Drop rows with a missing (or infinite) value; never train into NaN losses. Say which
    words of a text column pandas read as missing (`path`: the file, to look), and which column
    alone costs most of the rows."""
    infinite = frame.isin([np.inf, -np.inf]).any(axis=None)
    frame = frame.replace([np.inf, -np.inf], np.nan)
    missing_per_column = frame.isna().sum()
    missing_rows = int(frame.isna().any(axis=1).sum())
    if missing_rows == 0:
        return frame
    if missing_rows == len(frame):
        worst = missing_per_column.idxmax()
        if missing_per_column[worst] < len(frame):  # gaps here and there, no empty column
            fix = "Fill in the missing values: every row lacks at least one."
        elif worst == target:
            fix = "The target is empty: fill it in, or choose another --target."
        else:
            fix = "That column is empty: drop it, or fill it in."
        raise KitError(
            f"Every row of {source} has a missing value "
            f"(column {worst!r} is missing in {missing_per_column[worst]} rows). {fix}"
        )
    counts = ", ".join(f"{column} {count}" for column, count in missing_per_column.items() if count)
    # The column without which the most rows would be complete, if it alone costs most of them.
    worst = missing_per_column.idxmax()
    kept = len(frame) - missing_rows
    kept_without_worst = int(frame.drop(columns=worst).notna().all(axis=1).sum())
    costly = worst != target and kept_without_worst >= max(2 * kept, kept + MIN_ROWS)
    if costly and kept < MIN_ROWS:
        raise KitError(
            f"Only {kept} of {len(frame)} rows of {source} are complete: column {worst!r} is "
            f"missing in {missing_per_column[worst]} rows. Drop that column, or fill it in."
        )
    what = "missing or infinite values" if infinite else "missing values"
    notes.append(f"Dropped {missing_rows} of {len(frame)} rows with {what} ({counts}).")
    if costly:
        notes.append(
            f"Warning: column {worst!r} alone costs {kept_without_worst - kept} of those rows: "
            "without it (drop it from the CSV, or fill it in) they would train too."
        )
    text_columns = [
        column for column, count in missing_per_column.items() if count and is_text(frame[column])
    ]
    if path is not None and text_columns:
        for column, words in missing_words(path, frame[text_columns].isna()).items():
            if words:
                notes.append(
                    f"Warning: in column {column!r}, pandas reads the word(s) "
                    f"{', '.join(map(repr, words))} as missing values. If they are categories, "
                    "write them another way (e.g. 'none')."
                )
    frame = frame.dropna()  # keeps each row's original number, for messages
    # A dropped note line (text in one column, the rest empty) left that column's numbers as
    # text: read them as the numbers they are.
    for column in frame.columns:
        if pd.api.types.is_numeric_dtype(frame[column]):
            continue
        numbers = pd.to_numeric(frame[column], errors="coerce")
        if numbers.notna().all():
            frame[column] = numbers
    return frame


LEAVE_EMPTY = (
    "Fix or remove those values (leave a cell empty to mark it missing: such rows are dropped)."
)


def check_stray_text(frame: pd.DataFrame, source: str, fix: str = LEAVE_EMPTY) -> None:
    """A mostly numeric column (feature or target) with a few text cells, like '?', is a typo
    or a missing-value mark: name the column, the value and the row before anything else."""
    for column in frame.columns:
        if pd.api.types.is_numeric_dtype(frame[column]) or pd.api.types.is_bool_dtype(
            frame[column]
        ):
            continue
        as_numbers = pd.to_numeric(frame[column], errors="coerce")
        if as_numbers.notna().mean() >= 0.5:
            first = as_numbers.isna().idxmax()
            raise KitError(
                f"Column {column!r} of {source} should be numeric "
                f"but holds text like {show(frame[column][first])} "
                f"(row {first + 1} of the data). {fix}"
            )


def check_magnitudes(frame: pd.DataFrame, columns: list[str], source: str) -> None:
    """Numbers so large that scaling or the loss overflow turn training into NaN: refuse them."""
    for column in columns:
        values = frame[column]
        if is_text(values):
            continue
        too_large = values.abs() > MAX_MAGNITUDE
        if too_large.any():
            first = too_large.idxmax()
            raise KitError(
                f"Column {column!r} of {source} holds {values[first]:g} "
                f"(row {first + 1} of the data): too large to train on "
                f"(the kit takes values up to {MAX_MAGNITUDE:g}). "
                "Rescale the column (e.g. divide it or take a log) or remove that row."
            )


def is_text(values: pd.Series) -> bool:
    """Text, or true/false: read as labels or categories, never as numbers."""
    return not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)


def numbers_written_as_text(values: pd.Series) -> bool:
    """Text that is numbers once thousands separators, % signs and currency marks go:
    '10,000', '15%', '$3.50'."""
    if pd.api.types.is_bool_dtype(values):
        return False
    stripped = values.astype(str).str.replace(r"[,%$€£\s]", "", regex=True)
    return bool(pd.to_numeric(stripped, errors="coerce").notna().all())


def check_numbers_as_text(frame: pd.DataFrame, source: str) -> None:
    for column in frame.columns:
        values = frame[column]
        if not (is_text(values) and numbers_written_as_text(values)):
            continue
        written = values[pd.to_numeric(values, errors="coerce").isna()].astype(str).str.strip()
        example = f"e.g. {show(written.iloc[0])}, row {written.index[0] + 1} of the data"
        thousands = written.str.fullmatch(r"[-+]?[1-9]\d{0,2}(,\d{3})+").all()  # 1,500
        if written.str.fullmatch(r"[-+]?\d+,\d+").all() and not thousands:  # 26,3 and 0,844
            raise KitError(
                f"Column {column!r} of {source} writes its decimals with a comma ({example}): "
                "write them with a point (26.3), or save the file from a spreadsheet set to "
                "English number format."
            )
        raise KitError(
            f"Column {column!r} of {source} holds numbers written as text ({example}): remove "
            "the thousands separators, % signs or currency marks (in a spreadsheet, format the "
            "column as plain numbers), so they read as numbers."
        )


def check_features(frame: pd.DataFrame, target: str, source: str) -> None:
    """Every feature must be numeric, or text with few enough values to one-hot encode; one at
    least must vary."""
    features = frame.drop(columns=[target, *index_like_columns(frame, target)])
    if len(features.columns) and (features.nunique() <= 1).all():  # a lone index: its warning
        raise KitError(
            f"Every feature column of {source} holds a single value: there is nothing to learn "
            "the target from. Add columns that vary from row to row."
        )
    for column in frame.columns:
        if column == target or not is_text(frame[column]):
            continue
        distinct = frame[column].nunique()
        if distinct > MAX_CATEGORIES or distinct > len(frame) / 2:
            example = frame[column].iloc[0]
            raise KitError(
                f"Column {column!r} of {source} is text (e.g. {show(example)}) "
                f"with {distinct} different values in {len(frame)} rows: "
                "too many to encode as categories. Drop the column, or convert it to numbers."
            )
    check_magnitudes(frame, [column for column in frame.columns if column != target], source)


def check_target_values(labels: pd.Series, task: str, target: str, path) -> None:
    """The target must suit the task. The advice names `fit`, the one command with --task
    (`run`, `grid` and `tune` keep their case study's task)."""
    fit = (
        f"`python -m casestudies fit --csv {shlex.quote(str(path))} --target {shlex.quote(target)}"
    )
    distinct = labels.nunique()
    if task == "regression":
        if is_text(labels):
            raise KitError(
                f"Target {target!r} is not numeric (e.g. {show(labels.iloc[0])}), "
                f"so it can't be a regression target. Use {fit}` (it infers the task)."
            )
        if distinct < 2:
            raise KitError(
                f"Target {target!r} has the same value ({show(labels.iloc[0])}) in every row: "
                "there is nothing to predict."
            )
        check_magnitudes(labels.to_frame(), [target], Path(path).name)
        return
    if distinct < 2:
        raise KitError(
            f"Target {target!r} has only one class ({show(labels.iloc[0])}): "
            "a classifier needs at least two. Add rows of another class."
        )
    numeric = not is_text(labels)
    if numeric and distinct > 2:
        fractional = not np.all(np.isclose(labels, np.round(labels)))
        if fractional or distinct > len(labels) / 2:  # not classes that repeat: measurements
            kind = "fractional numbers" if fractional else f"{distinct} different numbers"
            raise KitError(
                f"Target {target!r} holds {kind} (e.g. {show(labels.iloc[0])}) in "
                f"{len(labels)} rows: that looks like regression, not classes: "
                f"use {fit} --task regression`."
            )
    if task == "binary" and distinct > 2:
        if alike := near_duplicate_labels(labels):
            raise KitError(
                f"Target {target!r} has {distinct} labels, not 2, but some differ only in "
                f"capitals or spaces ({alike}): write each class the same way in the CSV."
            )
        raise KitError(
            f"Target {target!r} has {distinct} classes, not 2: use {fit} --task multiclass`."
        )


def near_duplicate_labels(labels: pd.Series) -> str:
    """Text labels that differ only in capitals or surrounding spaces ('yes', 'Yes ', shown
    as they are), or '' if none do."""
    if not is_text(labels) or pd.api.types.is_bool_dtype(labels):
        return ""
    groups: dict[str, list[str]] = {}
    for value in labels.dropna().unique():
        groups.setdefault(str(value).strip().casefold(), []).append(str(value))
    alike = [sorted(group) for group in groups.values() if len(group) > 1]
    return "; ".join(", ".join(map(repr, group)) for group in alike)


def encoding_notes(frame: pd.DataFrame, target: str, task: str) -> list[str]:
    """What the kit does to text, said once: the one-hot columns, a text target's classes, and
    which of two text classes precision and recall call positive."""
    notes = []
    text = [column for column in frame.columns if column != target and is_text(frame[column])]
    if text:
        shown = ", ".join(f"{column!r} ({frame[column].nunique()} values)" for column in text)
        notes.append(f"One-hot encoding the text column(s) {shown}: one 0/1 input per value.")
    labels = frame[target]
    if task == "regression" or not is_text(labels) or pd.api.types.is_bool_dtype(labels):
        return notes
    if alike := near_duplicate_labels(labels):
        notes.append(
            f"Warning: target {target!r} has labels that differ only in capitals or spaces "
            f"({alike}), and each is a class of its own: if they mean the same, write them the "
            "same way in the CSV."
        )
    classes = sorted(map(str, labels.unique()))
    if task == "binary":
        notes.append(
            f"Classes: {classes[0]!r} = 0 and {classes[1]!r} = 1 (in sorted order): precision, "
            f"recall and ROC AUC treat {classes[1]!r} as the positive class."
        )
    elif len(classes) <= MAX_CATEGORIES:
        notes.append(f"Classes (in sorted order): {', '.join(map(repr, classes))}.")
    return notes


def check_row_count(rows: int, source: str) -> None:
    if rows < MIN_ROWS:
        raise KitError(
            f"{source} has only {rows} usable rows; "
            f"the kit needs at least {MIN_ROWS} to split into training and test rows. Add rows."
        )


def check_enough_rows(
    labels: pd.Series, task: str, test_size: float, stratify: bool, source: str
) -> None:
    """Fewer rows than a train/test split needs is an error,
    not a crash deep inside scikit-learn."""
    rows = len(labels)
    check_row_count(rows, source)
    test_rows = math.ceil(test_size * rows)
    if rows - test_rows < MIN_TRAIN_ROWS:
        raise KitError(
            f"--test-size {test_size} leaves {rows - test_rows} of {source}'s {rows} rows "
            f"for training; the kit needs at least {MIN_TRAIN_ROWS}. "
            "Use a smaller --test-size (e.g. 0.2)."
        )
    if task == "regression":
        return
    counts = labels.value_counts()
    if stratify and counts.min() < 2:
        rare = counts.idxmin()
        raise KitError(
            f"Class {show(rare)} of the target has a single row, "
            "so it can't be in both training and test rows. Add rows of it, or remove it."
        )
    if stratify and (test_rows < len(counts) or rows - test_rows < len(counts)):
        raise KitError(
            f"{rows} rows can't hold all {len(counts)} classes "
            f"in both the training and the test rows at test size {test_size}. "
            "Add rows or change --test-size."
        )


# A single feature that predicts the target this well on its own is probably a leak.
LEAK_ACCURACY = 0.99  # classifiers: accuracy of a per-value lookup or a one-feature tree
LEAK_CORRELATION = 0.99  # regression: |Pearson correlation| with the target
MIN_LEAK_ROWS = 30  # with fewer rows a perfect single-feature fit is too often chance


def index_like_columns(frame: pd.DataFrame, target: str) -> list[str]:
    """Features that look like a saved pandas row index: named `Unnamed: 0` (what `to_csv`
    without `index=False` leaves), or numbering the rows 0..n-1 or 1..n in file order."""
    found = []
    rows = frame.index.to_numpy()  # each row's place in the file, kept when rows are dropped
    for column in frame.columns:
        if column == target:
            continue
        values = frame[column]
        numbered = (
            not is_text(values)
            and len(values) > 2
            and (np.array_equal(values, rows) or np.array_equal(values, rows + 1))
        )
        if str(column).startswith("Unnamed: ") or numbered:
            found.append(column)
    return found


# `id`, `patient_id`, `Patient ID`, `PatientID`, `patientId`: a column named as an identifier.
ID_NAME = re.compile(r"(?:^|[_\s.-])[iI][dD]$|[a-z](?:ID|Id)$")


def identifier_columns(frame: pd.DataFrame, target: str, skip: list[str]) -> list[str]:
    """Numeric features named as identifiers whose every value differs: they name the rows."""
    return [
        column
        for column in frame.columns
        if column != target
        and column not in skip
        and ID_NAME.search(str(column))
        and not is_text(frame[column])
        and frame[column].is_unique
    ]


def single_feature_fit(feature: pd.Series, labels: pd.Series, task: str) -> float:
    """How well one feature alone predicts the target: |correlation| for a regression; for a
    classifier, the accuracy of a per-value lookup (text) or a tree with one leaf per class."""
    if task == "regression":
        if not pd.api.types.is_numeric_dtype(feature) or feature.nunique() < 2:
            return 0.0
        correlation = np.corrcoef(feature.astype("float64"), labels.astype("float64"))[0, 1]
        return 0.0 if np.isnan(correlation) else abs(float(correlation))
    if is_text(feature):
        # Each value's most common class, as a lookup table would answer.
        majority = pd.crosstab(feature.astype(str), labels.astype(str)).max(axis=1).sum()
        return float(majority) / len(labels)
    from sklearn.tree import DecisionTreeClassifier

    tree = DecisionTreeClassifier(max_leaf_nodes=max(2, labels.nunique()), random_state=0)
    X = feature.to_numpy(dtype="float64").reshape(-1, 1)
    return float(tree.fit(X, labels.astype(str)).score(X, labels.astype(str)))


def data_warnings(frame: pd.DataFrame, target: str, task: str) -> list[str]:
    """Columns that would make a model look better than it is: a saved row index, and any
    feature that gives the target away on its own (a leak). Cheap: pandas and one small tree."""
    warnings = []
    index_like = index_like_columns(frame, target)
    for column in index_like:
        warnings.append(
            f"Warning: column {column!r} looks like a saved row index (it numbers the rows, it "
            "does not describe them): drop it from the CSV (in pandas, save with "
            "to_csv(index=False))."
        )
    for column in identifier_columns(frame, target, index_like):
        index_like.append(column)
        warnings.append(
            f"Warning: column {column!r} looks like an identifier (its name says so, and every "
            "row has its own value): it names the rows, it does not describe them, so the "
            "network learns nothing true from it. Drop it from the CSV."
        )
    if len(frame) < MIN_LEAK_ROWS:
        return warnings
    labels = frame[target]
    for column in frame.columns:
        if column == target or column in index_like:
            continue
        fit = single_feature_fit(frame[column], labels, task)
        limit = LEAK_CORRELATION if task == "regression" else LEAK_ACCURACY
        if fit >= limit:
            how = (
                f"|correlation| {fit:.3f} with {target!r}"
                if task == "regression"
                else f"{fit:.1%} accuracy on its own"
            )
            warnings.append(
                f"Warning: column {column!r} predicts the target almost perfectly by itself "
                f"({how}): it may be a leak (a copy of the target, or something known only "
                "after it). Check it, and drop it if it is."
            )
    return warnings


def check_validation_split(
    train_rows: int, validation_split: float, patience: int | None, source: str
) -> None:
    """--validation-split against the training rows: enough left to fit on, and at least one
    validation row when it asks for any (learning curves and early stopping are made on them)."""
    option = f"--validation-split {validation_split:g}"
    fit_rows = math.floor(train_rows * (1.0 - validation_split))  # Keras's own arithmetic
    validation_rows = train_rows - fit_rows
    if fit_rows < MIN_FIT_ROWS:
        raise KitError(
            f"{option} leaves {fit_rows} of {source}'s {train_rows} training rows to fit on; "
            f"the kit needs at least {MIN_FIT_ROWS}. Use a smaller --validation-split "
            "(or 0), or add rows."
        )
    if validation_split > 0 and validation_rows == 0:
        uses = "the learning curves and early stopping" if patience else "the learning curves"
        raise KitError(
            f"{option} keeps 0 of {source}'s {train_rows} training rows for validation, which "
            f"{uses} need: use at least {1 / train_rows:.2g}, or 0 to train without them."
        )


def load_dataset(
    path,
    target: str,
    task: str = "auto",
    *,
    test_size: float = 0.2,
    stratify: bool = True,
    dedupe: bool = False,
) -> Dataset:
    """Read and validate a CSV; return clean rows and the task, or raise `KitError`."""
    source = Path(path).name
    frame = read_csv(path)
    check_target(frame, target, source)
    notes: list[str] = []
    frame = drop_missing(frame, notes, source, target, path)
    check_row_count(len(frame), source)  # before the target's checks: 1 row has 1 class too
    check_numbers_as_text(frame, source)  # first: '1,500' is a number, not stray text
    check_stray_text(frame, source)
    if task == "auto":
        task, reason = infer_task(frame[target])
        notes.append(f"Task: {task} ({reason}; choose another with --task).")
    elif task not in TASKS:
        raise KitError(f"Unknown task {task!r}: choose one of {', '.join(TASKS)} or auto.")
    check_target_values(frame[target], task, target, path)
    if task == "regression" and frame[target].nunique() == 2:
        low, high = sorted(frame[target].unique())
        notes.append(
            f"Warning: target {target!r} holds only {show(low)} and {show(high)}, and regression "
            "will predict numbers between them. If they are two classes, train a classifier: "
            f"`python -m casestudies fit --csv {shlex.quote(str(path))} --target "
            f"{shlex.quote(target)} --task binary`."
        )
    check_features(frame, target, source)
    if dedupe:
        before = len(frame)
        frame = frame.drop_duplicates()
        notes.append(f"Dropped {before - len(frame)} duplicate rows of {before} (--dedupe).")
    check_enough_rows(frame[target], task, test_size, stratify and task != "regression", source)
    notes += encoding_notes(frame, target, task)
    notes += data_warnings(frame, target, task)
    return Dataset(frame=frame, target=target, task=task, source=str(path), notes=notes)
