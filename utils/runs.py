"""Run folders: a new one for every run, holding data and never code, written atomically.

A run folder holds `config.json`, `metrics.json`, `history.csv`, `preprocessing.json`,
`model.keras`, PNG figures and `complete.json`, the marker written last. Nothing in it is a
pickle, and the model loads with Keras's `safe_mode`, so a folder a classmate sends you can't
run code on your machine. A run writes into a hidden sibling (`.NAME.partial`), claimed with an
exclusive mkdir before any work, and renames it into place only once every file is written: a
crash, Ctrl-C or `kill` leaves nothing behind, and two runs can never share a folder.
"""

import contextlib
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import threading
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from utils.errors import KitError
from utils.preprocessing import Preprocessor

MODEL_FILE = "model.keras"
PREPROCESSING_FILE = "preprocessing.json"
COMPLETE_FILE = "complete.json"
RUN_FILES = {  # every file a run folder may hold, and nothing else
    "config.json",
    "metrics.json",
    "history.csv",
    PREPROCESSING_FILE,
    MODEL_FILE,
    COMPLETE_FILE,
    "grid_results.csv",  # grid search runs
    "comparison.json",  # grid search runs
}
FIGURE_NAME = re.compile(r"[A-Za-z0-9_-]+\.png")


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


class Interrupted(KeyboardInterrupt):
    """SIGTERM (`kill`) while a run folder is being written: handled like Ctrl-C."""


def _holds_anything(path: Path) -> bool:
    return path.is_symlink() or (path.exists() and (not path.is_dir() or any(path.iterdir())))


def _staging(final: Path) -> Path:
    final = Path(os.path.abspath(final))
    return final.parent / f".{final.name}.partial"


def _claim(final: Path) -> Path | None:
    """Exclusively create `final`'s hidden staging sibling, the claim on the name: None if
    another run holds it or `final` already holds something."""
    staging = _staging(final)
    try:
        staging.mkdir()  # atomic: of two runs, exactly one creates it
    except FileExistsError:
        return None
    if _holds_anything(final):  # a run that finished before our claim
        staging.rmdir()
        return None
    return staging


def claim_run_dir(name: str, runs_root="runs", out=None) -> tuple[Path, Path]:
    """Claim a new run folder: (final, staging). `out` if given (new or empty), else
    runs/NAME-DATE-TIME[-N]. Nothing but the hidden staging folder exists until it is complete."""
    if out is not None:
        final = check_out_dir(out)
        _staging(final).parent.mkdir(parents=True, exist_ok=True)
        staging = _claim(final)
        if staging is None:
            check_out_dir(final)  # finished meanwhile: the usual message
            raise KitError(
                f"Another run is writing to {final} ({_staging(final)} exists); two runs never "
                "share a folder. Choose another --out (or delete that folder if no run is)."
            )
        return final, staging
    stem = f"{name}-{datetime.now():%Y%m%d-%H%M%S}"
    root = Path(runs_root)
    root.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, 1000):
        final = root / (stem if attempt == 1 else f"{stem}-{attempt}")
        staging = _claim(final)  # two runs in the same second get -2, -3, ...
        if staging is not None:
            return final, staging
    raise KitError(f"Could not create a new run folder under {root}; clear out old runs.")


def _is_run_file(path: Path) -> bool:
    """The allowlist: a plain file (no folder, no link) with a name a run writes."""
    return (
        not path.is_symlink()
        and path.is_file()
        and (path.name in RUN_FILES or FIGURE_NAME.fullmatch(path.name) is not None)
    )


def _file_record(path: Path) -> dict:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
        os.fsync(handle.fileno())  # on disk before the rename makes the folder visible
    return {"bytes": path.stat().st_size, "sha256": digest.hexdigest()}


def _complete(staging: Path, final: Path) -> None:
    """Mark the staging folder complete, listing every file, then rename it into place."""
    foreign = sorted(path.name for path in staging.iterdir() if not _is_run_file(path))
    if foreign:  # a kit bug: predict would refuse the folder
        raise ValueError(f"a run wrote {', '.join(foreign)}, which RUN_FILES does not allow")
    files = {path.name: _file_record(path) for path in sorted(staging.iterdir())}
    write_json(staging / COMPLETE_FILE, {"complete": True, "files": files})
    _file_record(staging / COMPLETE_FILE)
    try:
        os.rename(staging, final)  # atomic; onto `final` only if it is absent or empty
    except OSError:
        raise KitError(
            f"{final} was filled by something else while this run was being written; "
            "nothing was saved. Choose a new folder for --out."
        ) from None


@contextlib.contextmanager
def _sigterm_raises():
    """While writing, SIGTERM raises `Interrupted` (so the cleanup runs) instead of killing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise Interrupted("terminated (SIGTERM)")

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


@contextlib.contextmanager
def writing(name: str, runs_root="runs", out=None):
    """`with writing(name, runs_root, out) as run:` write into `run.staging`; the folder
    appears at `run.final`, marked complete, only if the block finishes. On any error, Ctrl-C
    or SIGTERM the staging folder and the claim are removed and the error re-raised."""
    final, staging = claim_run_dir(name, runs_root, out)
    run = RunFolder(final=final, staging=staging)
    with _sigterm_raises():
        try:
            yield run
            _complete(staging, final)
        except BaseException:
            main = threading.current_thread() is threading.main_thread()
            stops = {signal.SIGINT, signal.SIGTERM}
            if main:  # a second Ctrl-C must not interrupt the cleanup; it is delivered after
                signal.pthread_sigmask(signal.SIG_BLOCK, stops)
            try:
                shutil.rmtree(staging, ignore_errors=True)
            finally:
                if main:
                    signal.pthread_sigmask(signal.SIG_UNBLOCK, stops)
            raise


@dataclass(frozen=True)
class RunFolder:
    final: Path  # where the run folder appears once complete
    staging: Path  # the hidden folder to write into meanwhile


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
    """Check a run folder without loading the model: only the files a run writes (an
    allowlist), all of them, the completion marker, intact JSON."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise KitError(
            f"Run folder not found: {run_dir}. Give a folder under runs/ written by `run` or `fit`."
        )
    present = sorted(run_dir.iterdir())
    foreign = [
        path.name + ("/" if path.is_dir() else "") for path in present if not _is_run_file(path)
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
