"""Predictions for new rows from a saved run folder, checked before anything is computed."""

from pathlib import Path

import numpy as np
import pandas as pd

from utils.data import check_stray_text
from utils.errors import KitError, show
from utils.evaluation import to_labels
from utils.loading import check_run, load_model
from utils.reading import read_csv

USE = (
    "give a table model --csv, an image model or an autoencoder --images, a series model --csv "
    "(--steps N), a generator (vae, gan) --samples N."
)


def predict_csv(run_dir, csv, steps: int | None = None) -> tuple[pd.DataFrame, list[str]]:
    """The CSV's rows with the model's prediction (and probabilities for classifiers) added; for
    a series model, the next `steps` values after the CSV's."""
    preprocessor, _config = check_run(run_dir)
    if preprocessor.kind == "images":
        raise KitError(f"{run_dir} holds {described(preprocessor)}, not a table model: {USE}")
    if preprocessor.kind == "series":
        return forecast_csv(run_dir, csv, steps or 1)
    if steps is not None:
        raise KitError(
            f"--steps is for a series model; {run_dir} holds a table model, which predicts each "
            "row of the CSV: drop --steps."
        )
    frame = read_csv(csv, min_columns=1)  # a model of one feature needs one column
    notes = []
    missing = [column for column in preprocessor.columns if column not in frame.columns]
    if missing:
        by_lower = {str(column).strip().lower(): column for column in frame.columns}
        close = [
            f"{by_lower[name.lower()]!r} for {name!r}"
            for name in missing
            if name.lower() in by_lower
        ]
        raise KitError(
            f"{csv} lacks the model's column(s): {', '.join(map(show, missing))}. "
            "Add them, with the same names as in training"
            + (f" (names are case-sensitive: it has {', '.join(close)})." if close else ".")
        )
    extra = [column for column in frame.columns if column not in preprocessor.columns]
    if extra:
        notes.append(
            f"Ignoring {len(extra)} column(s) the model was not trained on: "
            f"{', '.join(map(show, extra))}."
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
    check_stray_text(
        features.drop(columns=list(preprocessor.categories)), Path(csv).name, "Fix those values."
    )
    for column in preprocessor.columns:
        if column not in preprocessor.categories and not pd.api.types.is_numeric_dtype(
            features[column]
        ):
            raise KitError(
                f"Column {column!r} of {csv} should be numeric "
                f"but holds text like {show(features[column].iloc[0])}. Fix those values."
            )
    # A value training never saw is predicted (as none of the known values: all zeros, like
    # scikit-learn's OneHotEncoder(handle_unknown="ignore")) but named: refusing would block
    # every other row over one new value, and saying nothing would hide a guess.
    for column, values in preprocessor.unseen_categories(features).items():
        text = preprocessor.as_text(column, features[column])
        rows = int((~text.isin(preprocessor.categories[column])).sum())
        shown = ", ".join(map(repr, values[:5])) + (", ..." if len(values) > 5 else "")
        notes.append(
            f"Column {column!r} holds value(s) the training rows never had: {shown} "
            f"({rows} row(s)). The model sees none of its known values "
            f"({', '.join(map(repr, preprocessor.categories[column][:5]))}"
            f"{', ...' if len(preprocessor.categories[column]) > 5 else ''}) there: "
            "treat those predictions with care."
        )
    X = preprocessor.transform(features)  # refuses values too large for the model
    model = load_model(run_dir, preprocessor)  # last: every check above answers without TensorFlow
    outputs = model.predict(X, verbose=0)
    result = frame.copy()
    predictions = to_labels(outputs, preprocessor.task)
    if preprocessor.task == "regression":
        result["prediction"] = preprocessor.target_values(predictions)
    elif preprocessor.task == "binary":
        result["prediction"] = preprocessor.decode_labels(predictions)
        result[f"probability_{preprocessor.classes[1]}"] = outputs[:, 0]
    else:
        result["prediction"] = preprocessor.decode_labels(predictions)
        for index, name in enumerate(preprocessor.classes):
            result[f"probability_{name}"] = outputs[:, index]
    return result, notes


def predict_images(run_dir, paths: list[str]) -> tuple[pd.DataFrame, list[str], dict | None]:
    """Each image's predicted class and its probability, from an image run's model; from an
    autoencoder's, each image's reconstruction error, and the images and reconstructions."""
    from utils.images import read_images

    preprocessor, _config = check_run(run_dir)
    if preprocessor.kind != "images" or preprocessor.task == "generation":
        raise KitError(f"{run_dir} holds {described(preprocessor)}, not an image model: {USE}")
    X, names, notes = read_images(paths, preprocessor)
    model = load_model(run_dir, preprocessor)
    outputs = model.predict(X, verbose=0)
    if preprocessor.task == "reconstruction":
        errors = np.mean((outputs - X) ** 2, axis=(1, 2, 3))
        notes.append(
            "reconstruction_mse: mean squared error per pixel on the [0, 1] scale; an image far "
            "above the test digits' (see the run's metrics.json) is unlike what it learned."
        )
        result = pd.DataFrame({"file": names, "reconstruction_mse": errors.round(5)})
        return result, notes, {"your image": X, "reconstruction": outputs}
    best = outputs.argmax(axis=1)
    result = pd.DataFrame(
        {
            "file": names,
            "prediction": preprocessor.decode_labels(best),
            "probability": outputs[np.arange(len(best)), best].round(4),
        }
    )
    return result, notes, None


def described(preprocessor) -> str:
    """What a run's model is, for a message: "a table model", "an autoencoder", ..."""
    if preprocessor.kind == "images":
        return {"reconstruction": "an autoencoder", "generation": "a generator"}.get(
            preprocessor.task, "an image model"
        )
    return f"a {preprocessor.kind} model"


def generate(run_dir, count: int, seed: int) -> tuple[np.ndarray, list[str]]:
    """`count` new images from a generator's run (a VAE's decoder, a GAN's generator), from
    codes drawn with `seed`: the same seed draws the same images."""
    from utils.generative import latent_samples, outputs

    preprocessor, config = check_run(run_dir)
    if preprocessor.task != "generation":
        raise KitError(
            f"{run_dir} holds {described(preprocessor)}, which does not make new images: "
            f"--samples is for a generator's run (vae, gan): {USE}"
        )
    model = load_model(run_dir, preprocessor)
    images = outputs(model, latent_samples(count, preprocessor.latent_size, seed))
    notes = [
        f"{count} new images from {config.get('case', 'the')} run {Path(run_dir).name}, codes "
        f"drawn from N(0, I) with seed {seed} (the same seed draws the same images)."
    ]
    return images, notes


def forecast_csv(run_dir, csv, steps: int) -> tuple[pd.DataFrame, list[str]]:
    """The next `steps` values of the series in `csv` (its last `window` values are the input)."""
    from utils.series import check_months, forecast, read_values

    preprocessor, _config = check_run(run_dir)
    if preprocessor.kind != "series":
        raise KitError(f"{run_dir} holds {described(preprocessor)}, not a forecaster: {USE}")
    frame, values = read_values(
        csv,
        preprocessor.column,
        minimum=preprocessor.window,
        fix=f"The model forecasts {preprocessor.column!r}: give the file that column.",
    )
    months = next(  # a column of YYYY-MM months, as in training, wherever it is
        (
            column
            for column in frame.columns
            if column != preprocessor.column
            and frame[column].astype(str).str.strip().str.fullmatch(r"\d{4}-\d{2}").all()
        ),
        None,
    )
    if months is not None:  # in order, none missing: the last `window` rows are the last months
        check_months(frame[[months]], csv)
    model = load_model(run_dir, preprocessor)
    forecasts = forecast(model, preprocessor, values, steps)
    result = pd.DataFrame({"step": range(1, steps + 1)})
    if months is not None:  # carry the calendar on from the file's last month
        last = pd.Period(str(frame[months].iloc[-1]).strip(), freq="M")
        result["month"] = [str(last + step) for step in result["step"]]
    result[f"forecast_{preprocessor.column}"] = forecasts.round(3)
    notes = [f"Forecast from the last {preprocessor.window} values of {csv}."]
    if steps > 1:
        notes.append(
            f"Steps 2 to {steps} feed earlier forecasts back in as inputs, so their errors add up: "
            "trust the first step most."
        )
    return result, notes
