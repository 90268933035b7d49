"""Predictions for new rows from a saved run folder, checked before anything is computed."""

from pathlib import Path

import numpy as np
import pandas as pd

from utils.data import check_stray_text
from utils.errors import KitError, show
from utils.evaluation import to_labels
from utils.loading import check_run, load_model
from utils.reading import read_csv


def predict_csv(run_dir, csv) -> tuple[pd.DataFrame, list[str]]:
    """The CSV's rows with the model's prediction (and probabilities for classifiers) added."""
    preprocessor, _config = check_run(run_dir)
    frame = read_csv(csv)
    notes = []
    missing = [column for column in preprocessor.columns if column not in frame.columns]
    if missing:
        raise KitError(
            f"{csv} lacks the model's column(s): {', '.join(missing)}. "
            "Add them, with the same names as in training."
        )
    extra = [column for column in frame.columns if column not in preprocessor.columns]
    if extra:
        notes.append(
            f"Ignoring {len(extra)} column(s) the model was not trained on: {', '.join(extra)}."
        )
    # Infinite values count as missing, as in training (utils.data.drop_missing).
    features = frame[preprocessor.columns].replace([np.inf, -np.inf], np.nan)
    incomplete = features.isna().any(axis=1)
    if incomplete.any():
        rows = ", ".join(str(index + 2) for index in features.index[incomplete][:5])
        more = "..." if incomplete.sum() > 5 else ""
        raise KitError(
            f"{int(incomplete.sum())} row(s) of {csv} have missing or infinite values "
            f"(file lines {rows}{more}). Fill them in or remove those rows."
        )
    check_stray_text(features.drop(columns=list(preprocessor.categories)), Path(csv).name)
    for column in preprocessor.columns:
        if column not in preprocessor.categories and not pd.api.types.is_numeric_dtype(
            features[column]
        ):
            raise KitError(
                f"Column {column!r} of {csv} should be numeric "
                f"but holds text like {show(features[column].iloc[0])}. Fix those values."
            )
    X = preprocessor.transform(features)  # refuses values too large for the model
    model = load_model(run_dir, preprocessor)  # last: every check above answers without TensorFlow
    outputs = model.predict(X, verbose=0)
    result = frame.copy()
    predictions = to_labels(outputs, preprocessor.task)
    if preprocessor.task == "regression":
        result["prediction"] = predictions
    elif preprocessor.task == "binary":
        result["prediction"] = preprocessor.decode_labels(predictions)
        result[f"probability_{preprocessor.classes[1]}"] = outputs[:, 0]
    else:
        result["prediction"] = preprocessor.decode_labels(predictions)
        for index, name in enumerate(preprocessor.classes):
            result[f"probability_{name}"] = outputs[:, index]
    return result, notes
