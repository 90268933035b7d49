"""Split rows into training and test sets, and turn a frame into the numbers a model eats.

The preprocessing is fitted on the training rows only (scaler statistics, categories,
class names) and saved as plain JSON in the run folder, so `predict` rebuilds it exactly
without unpickling anything.
"""

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder, StandardScaler

from utils.data import Dataset, is_text
from utils.errors import KitError

# A network's output starts near zero, at a scale of about one, and Adam moves each weight by
# about its learning rate a step: a regression target whose typical size (root mean square) is
# outside this range trains slowly or not at all unscaled. Inside it, measured on air quality's
# ozone times 0.1 to 1,000, the unscaled target did better (RMSE 3 to 7% lower), so it stays so.
UNSCALED_TARGET_SIZES = (1.0, 1e5)


def split(
    dataset: Dataset, test_size: float, split_seed: int, stratify: bool
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """scikit-learn's `train_test_split(test_size, random_state)`,
    stratified for classifiers if asked."""
    stratify_by = dataset.labels if stratify and dataset.task != "regression" else None
    train, test = train_test_split(
        dataset.frame, test_size=test_size, random_state=split_seed, stratify=stratify_by
    )
    return train.reset_index(drop=True), test.reset_index(drop=True)


def count_test_rows_in_train(train: pd.DataFrame, test: pd.DataFrame) -> int:
    """How many test rows also appear, identical in every column, among the training rows."""
    seen = set(train.itertuples(index=False, name=None))
    return sum(row in seen for row in test.itertuples(index=False, name=None))


@dataclass
class Preprocessor:
    """Column order, categories, scaler statistics and class names,
    all learned from training rows."""

    task: str
    target: str
    columns: list[str]
    categories: dict[str, list] = field(default_factory=dict)
    scale: bool = True
    mean: list[float] | None = None
    std: list[float] | None = None
    classes: list | None = None
    kind: str = "table"
    # A regression target far from UNSCALED_TARGET_SIZES is trained on standardised.
    target_mean: float | None = None
    target_std: float | None = None

    @classmethod
    def fit(cls, train: pd.DataFrame, target: str, task: str, scale: bool) -> "Preprocessor":
        features = train.drop(columns=target)
        categories = {
            column: sorted(features[column].astype(str).unique().tolist())
            for column in features.columns
            if is_text(features[column])
        }
        preprocessor = cls(
            task=task,
            target=target,
            columns=list(features.columns),
            categories=categories,
            scale=scale,
        )
        if scale:
            scaler = StandardScaler().fit(preprocessor._encode(features))
            preprocessor.mean, preprocessor.std = scaler.mean_.tolist(), scaler.scale_.tolist()
        values = train[target].to_numpy(dtype="float64") if task == "regression" else None
        if scale and task == "regression" and values.std() > 0:
            size = float(np.sqrt(np.mean(values**2)))
            if not UNSCALED_TARGET_SIZES[0] <= size <= UNSCALED_TARGET_SIZES[1]:
                preprocessor.target_mean = float(values.mean())
                preprocessor.target_std = float(values.std())
        if task != "regression":
            preprocessor.classes = [
                np.asarray(value).item() for value in LabelEncoder().fit(train[target]).classes_
            ]
        return preprocessor

    @property
    def feature_names(self) -> list[str]:
        """The model's input columns, after one-hot encoding."""
        names = []
        for column in self.columns:
            names += (
                [f"{column}={value}" for value in self.categories[column]]
                if column in self.categories
                else [column]
            )
        return names

    def as_text(self, column: str, values: pd.Series) -> pd.Series:
        """A text column's values as its categories are written. A true/false column read as
        text (one other value in the file makes pandas keep it all as text) matches them too."""
        text = values.astype(str)
        if set(self.categories[column]) <= {"False", "True"}:
            spelled = text.str.strip().str.lower().map({"true": "True", "false": "False"})
            text = spelled.fillna(text)
        return text

    def _encode(self, features: pd.DataFrame) -> np.ndarray:
        blocks = []
        for column in self.columns:
            if column in self.categories:
                text = self.as_text(column, features[column]).to_numpy()
                blocks.append(
                    np.stack([text == value for value in self.categories[column]], axis=1)
                )
            else:
                blocks.append(features[[column]].to_numpy(dtype="float64"))
        return np.hstack(blocks).astype("float64")

    def transform(self, features: pd.DataFrame) -> np.ndarray:
        """Features as float32, scaled with the training rows' mean and standard deviation."""
        encoded = self._encode(features)
        if self.scale:
            # float64, since an edited file's whole numbers beyond int64 would make object arrays
            mean, std = np.asarray(self.mean, "float64"), np.asarray(self.std, "float64")
            encoded = (encoded - mean) / std
        with np.errstate(over="ignore"):
            as_float32 = encoded.astype("float32")
        overflow = ~np.isfinite(as_float32) & ~np.isnan(encoded)
        if overflow.any():
            row, column = np.argwhere(overflow)[0]
            name = self.feature_names[column]
            if name in features.columns:
                raise KitError(
                    f"Feature {name!r} holds {features[name].iloc[row]:g}, too large for the "
                    "model's 32-bit numbers: rescale that column (e.g. divide it or take a log) "
                    "or remove the rows that hold such values."
                )
            raise KitError(  # a one-hot column: only odd scaler statistics can overflow it
                f"Feature {name!r} scales beyond the model's 32-bit numbers: the run's "
                "preprocessing.json holds odd statistics. Use an intact run folder."
            )
        return as_float32

    def unseen_categories(self, features: pd.DataFrame) -> dict[str, list[str]]:
        """Per text column, the values the training rows never had (they encode as all zeros)."""
        unseen = {}
        for column, known in self.categories.items():
            values = self.as_text(column, features[column])
            if new := sorted(set(values) - set(known)):
                unseen[column] = new
        return unseen

    def encode_labels(self, labels: pd.Series) -> np.ndarray:
        if self.task == "regression":
            values = labels.to_numpy(dtype="float64")
            if self.target_mean is not None:
                values = (values - self.target_mean) / self.target_std
            return values.astype("float32")
        encoder = LabelEncoder()
        encoder.classes_ = np.asarray(self.classes)
        return encoder.transform(labels.to_numpy()).astype("int64")

    def decode_labels(self, class_indices: np.ndarray) -> list:
        return [self.classes[index] for index in class_indices]

    @property
    def input_shape(self) -> tuple:
        return (len(self.feature_names),)

    def target_values(self, values):
        """The model's outputs (or encoded targets) in the target's own units."""
        if self.target_mean is None:
            return values
        return np.asarray(values, dtype="float64") * self.target_std + self.target_mean

    def target_note(self) -> str | None:
        """What the learner should know when the target is trained on standardised."""
        if self.target_mean is None:
            return None
        return (
            f"The target {self.target!r} is far from the scale a network's output starts at "
            f"(about 1; its values are {self.target_mean:.4g} ± {self.target_std:.4g}): the "
            "network trains on it standardised (its learning curves are in those units), and "
            "every metric and prediction is in the target's own units."
        )

    @property
    def num_classes(self) -> int:
        return len(self.classes) if self.classes else 0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "Preprocessor":
        return cls(**values)
