"""Run folders: a new one for every run, holding data and never code, written atomically.

A run folder holds `config.json`, `metrics.json`, `history.csv`, `preprocessing.json`,
`model.keras`, PNG figures and `complete.json`, the marker written last. Nothing in it is a
pickle, and the model loads with Keras's `safe_mode`, so a folder a classmate sends you can't
run code on your machine. A run writes into a hidden sibling (`.NAME.partial`), claimed with an
exclusive mkdir before any work, and renames it into place only once every file is written: a
crash, Ctrl-C or `kill` leaves nothing behind, and two runs can never share a folder. Only
`kill -9` (or a power cut) can leave a `.NAME.partial`: it records its run's host and process
id, so the next run on that machine removes it once that process is gone, and says so.
"""

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import sys
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from utils.errors import KitError

MODEL_FILE = "model.keras"
PREPROCESSING_FILE = "preprocessing.json"
COMPLETE_FILE = "complete.json"
RUN_FILES = {  # every file a run folder may hold, and nothing else
    "config.json",
    "metrics.json",
    "history.csv",
    PREPROCESSING_FILE,
    MODEL_FILE,
    "encoder.keras",  # a two-network model's other half (unit 4), kept beside model.keras
    "discriminator.keras",
    COMPLETE_FILE,
    "grid_results.csv",  # grid search runs
    "comparison.json",  # grid runs, and a search's best_model-DATE/ (the report that chose it)
    "bench.json",  # the benchmark's folder
}
SEARCH_FILE = "search.json"  # marks a `tune` search folder (utils.tuner writes it)
OWNER_FILE = ".owner"  # in a staging folder: "HOST PID" of the run writing it
FIGURE_NAME = re.compile(r"[A-Za-z0-9_-]+\.png")


def check_out_dir(out) -> Path:
    """`--out DIR` may be new or empty, never a folder holding earlier results."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise _file_in_the_way(out, "--out")
    if out.exists() and any(out.iterdir()):
        raise KitError(
            f"{out} already exists and is not empty; a run never overwrites earlier results. "
            "Choose a new folder for --out."
        )
    check_writable(out, "--out")
    return out


def check_writable(folder, option: str | None) -> None:
    """The nearest folder that exists must take a new one, or the run would fail after training.
    `option`: the one that chooses another folder (None: the command has none)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise _file_in_the_way(folder, option)
    existing = folder if folder.is_dir() else next(p for p in folder.parents if p.exists())
    if not existing.is_dir():
        raise KitError(f"{folder} is inside {existing}, a file: {_another_folder(option)}.")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise KitError(
            f"Can't write {folder}: {existing} is not writable. {_writable_fix(option)}."
        )


def _another_folder(option: str | None) -> str:
    return f"give {option} another folder" if option else "run from another folder"


def _writable_fix(option: str | None) -> str:
    return "Run from a folder you can write to" + (
        f", or give {option} another folder" if option else ""
    )


def _file_in_the_way(folder: Path, option: str | None) -> KitError:
    return KitError(
        f"Can't create the folder {folder}: a file of that name is in the way. Move the file, "
        f"or {_another_folder(option)}."
    )


@contextlib.contextmanager
def creating(folder: Path, option: str | None = "--out"):
    """Creating `folder` (or a folder in it): an OS refusal is one sentence, not a traceback.
    `option`: the one that chooses another folder (None: there is none)."""
    try:
        yield
    except FileExistsError:
        raise _file_in_the_way(folder, option) from None
    except OSError as error:
        raise KitError(
            f"Can't create the folder {folder} ({error.strerror or error}). "
            f"{_writable_fix(option)}."
        ) from None


def _first_free(name: str, runs_root, take, option: str | None):
    """The first of runs_root/NAME-DATE-TIME, then -2, -3, ... (two runs in the same second)
    that `take(folder)` claims, and what it returned (None: taken already)."""
    stem = f"{name}-{datetime.now():%Y%m%d-%H%M%S}"
    root = Path(runs_root)
    with creating(root, option):
        root.mkdir(parents=True, exist_ok=True)
        for attempt in range(1, 1000):
            folder = root / (stem if attempt == 1 else f"{stem}-{attempt}")
            if (taken := take(folder)) is not None:
                return folder, taken
    raise KitError(f"Could not create a new run folder under {root}; clear out old runs.")


def new_run_dir(name: str, runs_root="runs") -> Path:
    """Create a new folder, runs_root/NAME-DATE-TIME[-N] (a search's: its trials fill it)."""

    def make(folder: Path) -> bool | None:
        try:
            folder.mkdir()  # fails if it exists
            return True
        except FileExistsError:
            return None

    return _first_free(name, runs_root, make, option=None)[0]


class Interrupted(KeyboardInterrupt):
    """SIGTERM (`kill`) while a run folder is being written: handled like Ctrl-C."""


class SearchInterrupted(KeyboardInterrupt):
    """A stopped search, which has said how to resume it: its finished trials stay."""

    def __init__(self, stop: KeyboardInterrupt):
        super().__init__()
        self.stop = stop


def exit_status(stop: KeyboardInterrupt) -> int:
    """128 + the number of the signal that stopped the command, as a shell reports it: 130 for
    Ctrl-C, 143 for SIGTERM."""
    if isinstance(stop, SearchInterrupted):
        stop = stop.stop
    return 128 + (signal.SIGTERM if isinstance(stop, Interrupted) else signal.SIGINT)


# The signal (SIGINT or SIGTERM) that asked this process to stop, while a handler below is in
# place. Python drops an exception raised inside a garbage-collection callback, such as the one
# JAX installs (TensorFlow imports JAX), so a stop can be lost: training also checks this
# between its compiled calls (`utils.training.StopWhenAsked`) and raises again.
stop_requested: int | None = None


def raise_interrupt(signum, frame):
    """A SIGINT or SIGTERM handler: remember the stop, and raise it as Ctrl-C would."""
    global stop_requested
    stop_requested = signum
    if signum == signal.SIGTERM:
        raise Interrupted("terminated (SIGTERM)")
    raise KeyboardInterrupt


@contextlib.contextmanager
def signals_raise(signals=(signal.SIGINT, signal.SIGTERM)):
    """While in the block, these signals raise (so cleanup runs) and are remembered; SIGTERM no
    longer kills at once. Off the main thread, where handlers can't be set, it does nothing."""
    global stop_requested
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, raise_interrupt) for signum in signals}
    previous_hook = sys.unraisablehook

    def quiet_dropped_stop(unraisable):
        # A stop raised in a GC callback is dropped and printed as "Exception ignored in ...";
        # training raises it again, so the learner needs no traceback.
        if not (isinstance(unraisable.exc_value, KeyboardInterrupt) and stop_requested):
            previous_hook(unraisable)

    sys.unraisablehook = quiet_dropped_stop
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
        sys.unraisablehook = previous_hook
        stop_requested = None


def _holds_anything(path: Path) -> bool:
    return path.is_symlink() or (path.exists() and (not path.is_dir() or any(path.iterdir())))


def _staging(final: Path) -> Path:
    final = Path(os.path.abspath(final))
    return final.parent / f".{final.name}.partial"


def process_gone(host, pid) -> bool:
    """True only if process `pid` was on this machine and has ended (another machine's can't be
    told, so it counts as running)."""
    if host != socket.gethostname() or not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except OSError:  # it exists, under another user
        return False
    return False


def _owner_is_gone(staging: Path) -> bool:
    """True only if the staging folder's run was on this machine and its process has ended;
    a folder without a readable owner (just claimed, or foreign) counts as live."""
    try:
        host, pid = (staging / OWNER_FILE).read_text().split()
        return process_gone(host, int(pid))
    except (OSError, ValueError):
        return False


@contextlib.contextmanager
def _claims_locked(folder: Path):
    """Claims in one folder, one at a time: a stale staging folder is removed and reclaimed
    without another run slipping in between."""
    import fcntl

    handle = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # releases the lock


def reclaim_stale(folder: Path) -> None:
    """Remove the staging folders under `folder` left by runs killed with `kill -9` (their
    process is gone), saying so for each; a live run's is never touched. Call under the lock."""
    for staging in sorted(Path(folder).glob(".*.partial")):
        if staging.is_dir() and not staging.is_symlink() and _owner_is_gone(staging):
            shutil.rmtree(staging, ignore_errors=True)
            print(
                f"Removed {staging}: left by a run that was killed before it finished.",
                file=sys.stderr,
            )


def _claim(final: Path) -> Path | None:
    """Exclusively create `final`'s hidden staging sibling, the claim on the name, recording
    this process as its owner: None if another run holds it or `final` already holds
    something. Stale claims (their run killed) in the same folder are removed first."""
    staging = _staging(final)
    with _claims_locked(staging.parent):
        reclaim_stale(staging.parent)
        try:
            staging.mkdir()  # atomic: of two runs, exactly one creates it
        except FileExistsError:
            return None
        (staging / OWNER_FILE).write_text(f"{socket.gethostname()} {os.getpid()}\n")
    if _holds_anything(final):  # a run that finished before our claim
        shutil.rmtree(staging)
        return None
    return staging


def claim_run_dir(
    name: str, runs_root="runs", out=None, option: str | None = "--out"
) -> tuple[Path, Path]:
    """Claim a new run folder: (final, staging). `out` if given (new or empty), else
    runs/NAME-DATE-TIME[-N]. Nothing but the hidden staging folder exists until it is complete.
    `option`: the command's option for another folder (None: it has none)."""
    if out is not None:
        final = check_out_dir(out)
        with creating(final):
            _staging(final).parent.mkdir(parents=True, exist_ok=True)
            staging = _claim(final)
        if staging is None:
            check_out_dir(final)  # finished meanwhile: the usual message
            raise KitError(
                f"Another run is writing to {final} ({_staging(final)} exists); two runs never "
                "share a folder. Choose another --out (or delete that folder if no run is)."
            )
        return final, staging
    return _first_free(name, runs_root, _claim, option)


def is_run_file(path: Path) -> bool:
    """The allowlist: a plain file (no folder, no link) with a name a run writes."""
    return (
        not path.is_symlink()
        and path.is_file()
        and (path.name in RUN_FILES or FIGURE_NAME.fullmatch(path.name) is not None)
    )


def file_sha256(path, sync: bool = False) -> str:
    """The file's SHA-256; `sync`: also make sure it is on disk (before a rename shows it)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
        if sync:
            os.fsync(handle.fileno())
    return digest.hexdigest()


def _file_record(path: Path) -> dict:
    return {"bytes": path.stat().st_size, "sha256": file_sha256(path, sync=True)}


def _complete(staging: Path, final: Path, out_option: str | None) -> None:
    """Mark the staging folder complete, listing every file, then rename it into place.
    `out_option`: the option that named `final` (None: the kit named it)."""
    (staging / OWNER_FILE).unlink(missing_ok=True)  # the claim's record, not a file of the run
    foreign = sorted(path.name for path in staging.iterdir() if not is_run_file(path))
    if foreign:  # a kit bug: predict would refuse the folder
        raise ValueError(f"a run wrote {', '.join(foreign)}, which RUN_FILES does not allow")
    files = {path.name: _file_record(path) for path in sorted(staging.iterdir())}
    write_json(staging / COMPLETE_FILE, {"complete": True, "files": files})
    file_sha256(staging / COMPLETE_FILE, sync=True)  # on disk before the rename shows it
    try:
        os.rename(staging, final)  # atomic; onto `final` only if it is absent or empty
    except OSError:
        raise KitError(
            f"{final} was filled by something else while this run was being written; "
            "nothing was saved. "
            + (f"Choose a new folder for {out_option}." if out_option else "Run it again.")
        ) from None


@contextlib.contextmanager
def writing(name: str, runs_root="runs", out=None, option: str | None = "--out"):
    """`with writing(name, runs_root, out) as run:` write into `run.staging`; the folder
    appears at `run.final`, marked complete, only if the block finishes. On any error, Ctrl-C
    or SIGTERM the staging folder and the claim are removed and the error re-raised.
    `option`: the command's option for another folder (None: it has none)."""
    final, staging = claim_run_dir(name, runs_root, out, option)
    run = RunFolder(final=final, staging=staging)
    with signals_raise():
        try:
            yield run
            _complete(staging, final, option if out is not None else None)
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
    write_atomically(path, json.dumps(values, indent=2, sort_keys=False, default=str) + "\n")


def write_atomically(path, text: str) -> None:
    """Writes a file whole or not at all: a Ctrl-C mid-write leaves the old file, not an empty
    one that a resumed search cannot read."""
    path = Path(path)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")  # chief and workers apart
    try:
        partial.write_text(text)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
