"""Opening a run folder that someone gives you: every file checked before anything is trusted.

Only the files a run writes (an allowlist), all of them, the completion marker, intact JSON,
every field of preprocessing.json; then the model, loaded with Keras's `safe_mode` and checked
against the preprocessing (input shape and output units).
"""

import json
import math
from pathlib import Path

from utils.case import TASKS
from utils.errors import KitError
from utils.preprocessing import Preprocessor
from utils.runs import COMPLETE_FILE, MODEL_FILE, PREPROCESSING_FILE, SEARCH_FILE, is_run_file


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
    except RecursionError:  # JSON nested thousands deep: Python's parser gives up
        raise KitError(
            f"{path} is malformed (nested too deep). Use an intact run folder."
        ) from None
    if not isinstance(values, dict):
        raise KitError(f"{path} does not hold a JSON object. Use an intact run folder.")
    return values


class Malformed(Exception):
    """One field of preprocessing.json is wrong: what it is and what it should be."""


# The largest image side a run may describe: far beyond the kit's 28 x 28 Fashion-MNIST.
MAX_IMAGE_SIDE = 1024


def _is_number(value) -> bool:
    """A finite JSON number (not true/false; json reads NaN and Infinity, and huge integers)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def _is_count(value, low: int = 1, high: int | None = None) -> bool:
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and low <= value
        and (high is None or value <= high)
    )


def _texts(values, field: str, minimum: int = 1) -> list[str]:
    if not isinstance(values, list) or len(values) < minimum:
        raise Malformed(f"{field} must be a list of at least {minimum} name(s)")
    if not all(isinstance(value, str) for value in values):
        raise Malformed(f"{field} must hold only text")
    if len(set(values)) != len(values):
        raise Malformed(f"{field} repeats a name")
    return values


def _fields(values: dict, required: set[str], optional: set[str]) -> None:
    if missing := sorted(required - values.keys()):
        raise Malformed(f"no field {missing[0]!r}")
    if extra := sorted(values.keys() - required - optional):
        raise Malformed(f"unexpected field {extra[0]!r}")


def _table(values: dict) -> Preprocessor:
    """A table's preprocessing, each field checked for type, length and finiteness."""
    _fields(
        values,
        {"task", "target", "columns"},
        {"categories", "scale", "mean", "std", "classes", "kind", "target_mean", "target_std"},
    )
    preprocessor = Preprocessor.from_dict(values)
    task = preprocessor.task
    if task not in TASKS:
        raise Malformed(f"task must be one of {', '.join(TASKS)}")
    if not isinstance(preprocessor.target, str):
        raise Malformed("target must be a column name")
    columns = _texts(preprocessor.columns, "columns")
    if preprocessor.target in columns:
        raise Malformed("the target is also a feature column")
    categories = preprocessor.categories
    if not isinstance(categories, dict):
        raise Malformed("categories must map column names to lists of values")
    for column, known in categories.items():
        if column not in columns:
            raise Malformed(f"categories names {column!r}, which is not a column")
        _texts(known, f"categories of {column!r}")
    if not isinstance(preprocessor.scale, bool):
        raise Malformed("scale must be true or false")
    width = len(preprocessor.feature_names)
    if preprocessor.scale:
        for name in ("mean", "std"):
            statistic = getattr(preprocessor, name)
            if not isinstance(statistic, list) or not all(map(_is_number, statistic)):
                raise Malformed(f"{name} must be a list of finite numbers")
            if len(statistic) != width:
                raise Malformed(f"{name} has {len(statistic)} values for {width} input columns")
        if not all(value > 0 for value in preprocessor.std):
            raise Malformed("std must be positive (the scaler divides by it)")
    elif preprocessor.mean is not None or preprocessor.std is not None:
        raise Malformed("mean and std must be null when scale is false")
    classes = preprocessor.classes
    target_scaling = (preprocessor.target_mean, preprocessor.target_std)
    if target_scaling != (None, None) and (
        task != "regression"
        or not all(map(_is_number, target_scaling))
        or not preprocessor.target_std > 0
    ):
        raise Malformed("target_mean and target_std must be null, or numbers for a regression")
    if task == "regression":
        if classes is not None:
            raise Malformed("classes must be null for a regression")
    else:
        plain = isinstance(classes, list) and all(
            isinstance(name, (str, bool)) or _is_number(name) for name in classes
        )
        if not plain or len({json.dumps(name) for name in classes}) != len(classes):
            raise Malformed("classes must be a list of distinct labels (text or numbers)")
        if len(classes) < 2 or (task == "binary" and len(classes) != 2):
            raise Malformed(f"a {task} model cannot have {len(classes)} classes")
    return preprocessor


def _images(values: dict):
    from utils.images import ImagePreprocessor

    _fields(values, {"classes", "height", "width", "kind"}, {"task", "max_level", "latent_size"})
    preprocessor = ImagePreprocessor.from_dict(values)
    _texts(preprocessor.classes, "classes", minimum=2)
    for name in ("height", "width"):
        if not _is_count(getattr(preprocessor, name), 1, MAX_IMAGE_SIDE):
            raise Malformed(f"{name} must be a whole number from 1 to {MAX_IMAGE_SIDE}")
    if not _is_count(preprocessor.max_level, 1, 255):
        raise Malformed("max_level must be a whole number from 1 to 255")
    if preprocessor.task not in IMAGE_TASKS:
        raise Malformed(f"task must be one of {', '.join(IMAGE_TASKS)} for images")
    if (preprocessor.task == "generation") != _is_count(preprocessor.latent_size):
        raise Malformed("latent_size must be a whole number of at least 1 for a generator only")
    return preprocessor


def _series(values: dict):
    from utils.series import SeriesPreprocessor

    optional = {"unit", "task", "classes", "num_classes"}
    _fields(values, {"column", "window", "mean", "std", "kind"}, optional)
    preprocessor = SeriesPreprocessor.from_dict(values)
    if not isinstance(preprocessor.column, str):
        raise Malformed("column must be a column name")
    if not isinstance(preprocessor.unit, str):
        raise Malformed("unit must be text")
    if not _is_count(preprocessor.window):
        raise Malformed("window must be a whole number of at least 1")
    if not (_is_number(preprocessor.mean) and _is_number(preprocessor.std)):
        raise Malformed("mean and std must be finite numbers")
    if not preprocessor.std > 0:
        raise Malformed("std must be positive (the scaler divides by it)")
    fixed = (preprocessor.task, preprocessor.classes, preprocessor.num_classes)
    if fixed != ("regression", None, 0):
        raise Malformed("a series model is a regression: task, classes and num_classes disagree")
    return preprocessor


IMAGE_TASKS = ("multiclass", "reconstruction", "generation")
READERS = {"table": _table, "images": _images, "series": _series}


def load_preprocessor(run_dir: Path):
    """The run's preprocessing (a table's, or utils.images' or utils.series'), every field
    checked, so a damaged or edited file is refused in one line rather than crashing later."""
    values = _read_json(run_dir, PREPROCESSING_FILE)
    kind = values.get("kind", "table")
    try:
        if not isinstance(kind, str) or kind not in READERS:
            raise Malformed(f"kind must be one of {', '.join(READERS)}")
        return READERS[kind](values)
    except Malformed as problem:
        raise KitError(
            f"{run_dir / PREPROCESSING_FILE} is malformed ({problem}). Use an intact run folder."
        ) from None


def output_units(preprocessor) -> int:
    """The units of the model's output layer: one per class for a multiclass model, else 1."""
    return preprocessor.num_classes if preprocessor.task == "multiclass" else 1


def search_folder_message(search_dir: Path) -> str:
    """A `tune` search folder given as a run: say what it is and where its best run is."""
    best = sorted(
        path
        for path in search_dir.glob("best_model-*")
        if path.is_dir() and (path / COMPLETE_FILE).is_file()
    )
    if best:
        return (
            f"{search_dir} is a search folder (written by `tune`), not a run folder: "
            f"its best model's run folder is {best[-1]}. Use --run {best[-1]}."
        )
    return (
        f"{search_dir} is a search folder (written by `tune`), not a run folder, and it holds "
        "no best_model-DATE/ run folder yet: finish the search with `tune NAME --resume "
        f"{search_dir}`, then use the best_model-DATE/ folder it writes."
    )


def check_run(run_dir) -> tuple[Preprocessor, dict]:
    """Check a run folder without loading the model: only the files a run writes (an
    allowlist), all of them, the completion marker, intact JSON."""
    run_dir = Path(run_dir)
    if run_dir.is_file():
        in_a_run = (run_dir.parent / COMPLETE_FILE).is_file()
        raise KitError(
            f"{run_dir} is a file: --run takes "
            + (
                f"the run's folder ({run_dir.parent}), not a file in it."
                if in_a_run
                else 'a run folder (the one `run` or `fit` printed after "Saved to").'
            )
        )
    if not run_dir.is_dir():
        raise KitError(
            f"Run folder not found: {run_dir}. Give a folder under runs/ written by `run` or `fit`."
        )
    if (run_dir / SEARCH_FILE).is_file():
        raise KitError(search_folder_message(run_dir))
    present = sorted(run_dir.iterdir())
    if not (run_dir / COMPLETE_FILE).is_file() and not (run_dir / "config.json").is_file():
        runs = [path.parent for path in run_dir.glob(f"*/{COMPLETE_FILE}")]
        newest = max(runs, key=lambda path: path.stat().st_mtime, default=None)
        hint = f" Did you mean --run {newest}?" if newest else ""
        raise KitError(
            f"{run_dir} is not a run folder (it has no {COMPLETE_FILE} or config.json): --run "
            f"takes one folder that `run` or `fit` wrote, such as runs/diabetes-DATE.{hint}"
        )
    foreign = [
        path.name + ("/" if path.is_dir() else "") for path in present if not is_run_file(path)
    ]
    if foreign:
        raise KitError(
            f"{run_dir} holds {', '.join(foreign)}: not a file a run writes (a run folder holds "
            "only the JSON, CSV, model.keras and PNG files its run wrote; others, e.g. pickles, "
            "can run code when loaded). Refusing to load this folder: move those files out of it."
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
            f"(not in {COMPLETE_FILE}). Refusing to load this folder: move those files out of it."
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
    if preprocessor.task in ("reconstruction", "generation"):
        output_shape = tuple(model.outputs[0].shape[1:]) if model.outputs else None
        if output_shape != preprocessor.image_shape:
            raise KitError(
                f"{model_path} outputs shape {output_shape} but {PREPROCESSING_FILE} describes "
                f"images of {preprocessor.image_shape}: the files come from different runs. "
                "Use an intact run folder."
            )
        return model
    units = model.outputs[0].shape[-1] if model.outputs else None
    if units != output_units(preprocessor):
        described = (
            f"a {preprocessor.task} model with {preprocessor.num_classes} classes"
            if preprocessor.task != "regression"
            else "a regression"
        )
        raise KitError(
            f"{model_path} has {units} output unit(s) but {PREPROCESSING_FILE} describes "
            f"{described} (needing {output_units(preprocessor)}): the files come from different "
            "runs. Use an intact run folder."
        )
    return model


def load_run(run_dir) -> tuple[object, Preprocessor, dict]:
    """Check a run folder and load it safely: (model, preprocessor, config), or a `KitError`."""
    preprocessor, config = check_run(run_dir)
    return load_model(run_dir, preprocessor), preprocessor, config
