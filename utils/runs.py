"""Run folders: a new one for every run, holding data and never code.

A run folder holds `config.json`, `metrics.json`, `history.csv`, `preprocessing.json`,
`model.keras` and PNG figures. Nothing in it is a pickle, and the model loads with Keras's
`safe_mode`, so a folder a classmate sends you can't run code on your machine.
"""

import json
import platform
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from utils.errors import KitError
from utils.preprocessing import Preprocessor

MODEL_FILE = "model.keras"
PREPROCESSING_FILE = "preprocessing.json"
CODE_CARRYING_SUFFIXES = (".pkl", ".pickle", ".joblib", ".dill", ".h5", ".hdf5", ".npy", ".npz")


def check_out_dir(out) -> Path:
    """`--out DIR` may be new or empty, never a folder holding earlier results."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise KitError(
            f"{out} already exists and is not empty; a run never overwrites earlier results. "
            "Choose a new folder for --out."
        )
    return out


def new_run_dir(name: str, runs_root="runs", out=None) -> Path:
    """Create the run's folder: `out` if given (checked empty), else runs/NAME-DATE-TIME[-N]."""
    if out is not None:
        out = check_out_dir(out)
        out.mkdir(parents=True, exist_ok=True)
        return out
    stem = f"{name}-{datetime.now():%Y%m%d-%H%M%S}"
    root = Path(runs_root)
    root.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, 1000):
        run_dir = root / (stem if attempt == 1 else f"{stem}-{attempt}")
        try:
            run_dir.mkdir()  # fails if it exists: two runs in the same second get -2, -3, ...
            return run_dir
        except FileExistsError:
            continue
    raise KitError(f"Could not create a new run folder under {root}; clear out old runs.")


def write_json(path: Path, values: dict) -> None:
    path.write_text(json.dumps(values, indent=2, sort_keys=False, default=str) + "\n")


def write_run(
    run_dir: Path,
    *,
    config: dict,
    metrics: dict,
    history: dict,
    model,
    preprocessor: Preprocessor,
    figures: dict,
) -> None:
    write_json(run_dir / "config.json", config)
    write_json(run_dir / "metrics.json", metrics)
    pd.DataFrame(history).to_csv(run_dir / "history.csv", index=False)
    write_json(run_dir / PREPROCESSING_FILE, preprocessor.to_dict())
    model.save(run_dir / MODEL_FILE)
    import matplotlib.pyplot as plt

    for name, figure in figures.items():
        figure.savefig(run_dir / f"{name}.png", dpi=120)
        plt.close(figure)


def versions() -> dict:
    import keras

    return {
        "python": platform.python_version(),
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "numpy": np.__version__,
    }


def save_run(
    run_dir,
    case,
    run_plan,
    data,
    trained,
    recipe_name: str = "kit",
    title: str | None = None,
    **extra,
) -> None:
    """Write a run folder: config (everything needed to repeat it),
    metrics, history, model, preprocessing, figures."""
    from utils import plots

    task = data.preprocessor.task
    config = {
        "case": case.name,
        "csv": str(Path(run_plan.csv).resolve()),
        "target": run_plan.target,
        "task": task,
        "recipe": recipe_name,
        **asdict(run_plan.recipe),
        "test_size": run_plan.test_size,
        "split_seed": run_plan.split_seed,
        "seed": run_plan.seed,
        "validation_split": run_plan.validation_split,
        "dedupe": run_plan.dedupe,
        "hyperparameters": trained.hyperparameters,
        **extra,
        "versions": versions(),
    }
    figures = plots.task_figures(
        task,
        trained.training.history,
        data.y_test,
        trained.y_pred,
        trained.scores,
        data.preprocessor.classes,
        title or case.name,
        trained.training.best_epoch,
    )
    write_run(
        run_dir,
        config=config,
        metrics=trained.metrics,
        history=trained.training.history,
        model=trained.model,
        preprocessor=data.preprocessor,
        figures=figures,
    )


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


def check_run(run_dir) -> tuple[Preprocessor, dict]:
    """Check a run folder without loading the model: no code-carrying files, intact JSON."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise KitError(
            f"Run folder not found: {run_dir}. Give a folder under runs/ written by `run` or `fit`."
        )
    planted = sorted(
        path.name for path in run_dir.rglob("*") if path.suffix.lower() in CODE_CARRYING_SUFFIXES
    )
    if planted:
        raise KitError(
            f"{run_dir} holds {', '.join(planted)}: files of a kind that can run code when loaded. "
            "Kit run folders never contain them; refusing to load this folder."
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
    model_width = model.inputs[0].shape[-1] if model.inputs else None
    if model_width != len(preprocessor.feature_names):
        raise KitError(
            f"{model_path} expects {model_width} input columns "
            f"but {PREPROCESSING_FILE} describes {len(preprocessor.feature_names)}: "
            "the files come from different runs. Use an intact run folder."
        )
    return model


def load_run(run_dir) -> tuple[object, Preprocessor, dict]:
    """Check a run folder and load it safely: (model, preprocessor, config), or a `KitError`."""
    preprocessor, config = check_run(run_dir)
    return load_model(run_dir, preprocessor), preprocessor, config
