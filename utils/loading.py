"""Opening a run folder that someone gives you: every file checked before anything is trusted.

Only the files a run writes (an allowlist), all of them, the completion marker, intact JSON;
then the model, loaded with Keras's `safe_mode` and checked against the preprocessing.
"""

import json
import math
from pathlib import Path

from utils.errors import KitError
from utils.preprocessing import Preprocessor
from utils.runs import COMPLETE_FILE, MODEL_FILE, PREPROCESSING_FILE, is_run_file


def _read_json(run_dir: Path, name: str) -> dict:
    path = run_dir / name
    if not path.is_file():
        raise KitError(
            f"{run_dir} has no {name}: it is not a complete run folder. "
            "Point --run at a folder written by `run` or `fit`."
        )
    try:
        values = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise KitError(
            f"{path} is not valid JSON (damaged or edited?). Use an intact run folder."
        ) from None
    if not isinstance(values, dict):
        raise KitError(f"{path} does not hold a JSON object. Use an intact run folder.")
    return values


def load_preprocessor(run_dir: Path) -> Preprocessor:
    values = _read_json(run_dir, PREPROCESSING_FILE)
    if values.get("kind") in ("images", "series"):
        return _load_other_kind(run_dir, values)
    try:
        preprocessor = Preprocessor.from_dict(values)
        widths_agree = preprocessor.mean is None or len(preprocessor.mean) == len(
            preprocessor.std
        ) == len(preprocessor.feature_names)
        valid = (
            isinstance(preprocessor.columns, list)
            and preprocessor.task in ("binary", "multiclass", "regression")
            and widths_agree
        )
        valid = valid and (preprocessor.task == "regression" or bool(preprocessor.classes))
    except (TypeError, KeyError, AttributeError):
        valid = False
    if not valid:
        raise KitError(
            f"{run_dir / PREPROCESSING_FILE} is malformed (missing or inconsistent fields). "
            "Use an intact run folder."
        )
    return preprocessor


def _load_other_kind(run_dir: Path, values: dict):
    """An image or series run's preprocessing, its fields checked like a table's."""
    from utils.images import ImagePreprocessor
    from utils.series import SeriesPreprocessor

    kind = values["kind"]
    try:
        if kind == "images":
            preprocessor = ImagePreprocessor.from_dict(values)
            valid = (
                all(isinstance(name, str) for name in preprocessor.classes)
                and len(preprocessor.classes) >= 2
                and all(isinstance(size, int) and size > 0 for size in preprocessor.input_shape)
            )
        else:
            preprocessor = SeriesPreprocessor.from_dict(values)
            valid = (
                isinstance(preprocessor.window, int)
                and preprocessor.window > 0
                and isinstance(preprocessor.column, str)
                and all(
                    isinstance(number, (int, float)) and math.isfinite(number)
                    for number in (preprocessor.mean, preprocessor.std)
                )
                and preprocessor.std > 0
            )
    except (TypeError, KeyError, AttributeError):
        valid = False
    if not valid:
        raise KitError(
            f"{run_dir / PREPROCESSING_FILE} is malformed (missing or inconsistent fields). "
            "Use an intact run folder."
        )
    return preprocessor


def check_run(run_dir) -> tuple[Preprocessor, dict]:
    """Check a run folder without loading the model: only the files a run writes (an
    allowlist), all of them, the completion marker, intact JSON."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise KitError(
            f"Run folder not found: {run_dir}. Give a folder under runs/ written by `run` or `fit`."
        )
    present = sorted(run_dir.iterdir())
    foreign = [
        path.name + ("/" if path.is_dir() else "") for path in present if not is_run_file(path)
    ]
    if foreign:
        raise KitError(
            f"{run_dir} holds {', '.join(foreign)}: not a file a run writes (a run folder holds "
            "only its JSON, CSV, model.keras and PNG files; others, e.g. pickles, can run code "
            "when loaded). Refusing to load this folder."
        )
    if not (run_dir / COMPLETE_FILE).is_file():
        raise KitError(
            f"{run_dir} is not a complete run folder (no {COMPLETE_FILE}): it was interrupted "
            "or is still being written. Point --run at a finished run."
        )
    listed = _read_json(run_dir, COMPLETE_FILE).get("files")
    if not isinstance(listed, dict):
        raise KitError(f"{run_dir / COMPLETE_FILE} is malformed. Use an intact run folder.")
    names = {path.name for path in present} - {COMPLETE_FILE}
    if missing := sorted(set(listed) - names):
        raise KitError(f"{run_dir} has no {', '.join(missing)}: it is not a complete run folder.")
    if unlisted := sorted(names - set(listed)):
        raise KitError(
            f"{run_dir} holds {', '.join(unlisted)}, which its run did not write "
            f"(not in {COMPLETE_FILE}). Refusing to load this folder."
        )
    config = _read_json(run_dir, "config.json")
    preprocessor = load_preprocessor(run_dir)
    if not (run_dir / MODEL_FILE).is_file():
        raise KitError(f"{run_dir} has no {MODEL_FILE}: it is not a complete run folder.")
    return preprocessor, config


def load_model(run_dir, preprocessor: Preprocessor):
    """The run's model, loaded with `safe_mode` (a Lambda layer is refused)
    and checked against the preprocessing."""
    model_path = Path(run_dir) / MODEL_FILE
    from utils.keras_setup import import_keras

    keras = import_keras()
    try:
        model = keras.saving.load_model(model_path, safe_mode=True, compile=False)
    except ValueError as error:
        if "safe_mode" in str(error) or "Lambda" in str(error):
            raise KitError(
                f"{model_path} holds a Lambda layer, i.e. code that would run on load. "
                "Refusing it; kit models never contain one."
            ) from None
        raise KitError(
            f"{model_path} could not be loaded ({str(error).splitlines()[0][:160]}). "
            "Use an intact run folder."
        ) from None
    except Exception as error:  # a damaged zip, a foreign file renamed .keras, ...
        raise KitError(
            f"{model_path} could not be loaded as a Keras model ({type(error).__name__}). "
            "Use an intact run folder."
        ) from None
    model_shape = tuple(model.inputs[0].shape[1:]) if model.inputs else None
    if model_shape != preprocessor.input_shape:
        raise KitError(
            f"{model_path} expects inputs of shape {model_shape} "
            f"but {PREPROCESSING_FILE} describes {preprocessor.input_shape}: "
            "the files come from different runs. Use an intact run folder."
        )
    return model


def load_run(run_dir) -> tuple[object, Preprocessor, dict]:
    """Check a run folder and load it safely: (model, preprocessor, config), or a `KitError`."""
    preprocessor, config = check_run(run_dir)
    return load_model(run_dir, preprocessor), preprocessor, config
