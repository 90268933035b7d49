"""Keras Tuner's distributed mode: a chief serves the oracle, workers run the trials.

Keras Tuner reads a process's role from KERASTUNER_TUNER_ID ("chief", or a worker's name),
KERASTUNER_ORACLE_IP and KERASTUNER_ORACLE_PORT. `set_role` sets them from the command line's
`--chief` / `--worker` and `--oracle-address`; `run_local` starts a chief and N workers on
this machine. The oracle is a gRPC server with no authentication: locally it binds to the
loopback address only, so nothing off this machine can reach it; across machines, give the
chief an explicit address on a trusted network or reach it through an SSH tunnel.

It also reads a search folder's `search.json` (`read_search`), checks what a resume may change
(`check_resume`) and `--workers` (`check_workers`), and locks the folder to one search at a time
(`search_lock`), all without TensorFlow, so that bad input is refused before TensorFlow loads.
"""

import contextlib
import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from utils.errors import KitError
from utils.runs import SEARCH_FILE, file_sha256, process_gone, signals_raise

LOOPBACK = "127.0.0.1"
EVERY_INTERFACE = ("0.0.0.0", "::", "[::]")
TUNERS = ("random", "hyperband", "bayesian", "grid")
# Local workers are whole TensorFlow processes (a few hundred MB each, several seconds to
# start): a fixed cap, the same on every machine, keeps a typo from filling the memory.
MAX_LOCAL_WORKERS = 16
STOP_GRACE_SECONDS = 10  # after SIGTERM, how long a chief or worker gets before SIGKILL
HYPERBAND_FACTOR = 3  # Keras Tuner's default: each round keeps a third of the models
LOCK_FILE = "tune.lock"  # the pid of the `tune` running this search; see `search_lock`
# Set for the chief and workers `run_local` starts: the command that started them holds the lock.
LOCK_HELD_BY_PARENT = "CASESTUDIES_SEARCH_LOCKED_BY"

# What a search.json must hold, and of what type, to be resumed (bool is no number here).
_TEXT, _WHOLE, _NUMBER = (str,), (int,), (int, float)
SEARCH_KEYS = {
    "case": _TEXT,
    "csv": _TEXT,
    "target": _TEXT,
    "tuner": _TEXT,
    "objective": _TEXT,
    "max_trials": _WHOLE,
    "executions_per_trial": _WHOLE,
    "epochs": _WHOLE,
    "batch_size": _WHOLE,
    "seed": _WHOLE,
    "test_size": _NUMBER,
    "split_seed": _WHOLE,
    "space": None,  # any value; compared with the case's search space on resuming
}
# Written since searches record their data by a path relative to the search folder and the
# file's SHA-256; an older search.json has neither marker and a path as it was typed.
DATA_HASH_KEY = "csv_sha256"
_AT_LEAST_ONE = ("max_trials", "executions_per_trial", "epochs", "batch_size")


def read_search(search_dir) -> dict:
    """The record `tune` wrote when a search began, checked so a damaged one is one line."""
    search_dir = Path(search_dir)
    path = search_dir / SEARCH_FILE
    if not path.is_file():
        raise KitError(
            f"{search_dir} is not a search folder (no {SEARCH_FILE}). "
            "Give a folder under searches/ that `tune` created."
        )
    try:
        saved = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        saved, problem = None, "not valid JSON"
    else:
        problem = search_problem(saved)
    if problem:
        raise KitError(
            f"{path} is damaged ({problem}); start a new search instead of resuming this one."
        )
    return {"dedupe": False, **saved}  # a search begun before --dedupe existed kept every row


def search_problem(saved) -> str | None:
    """What is wrong with a search record, or None."""
    if not isinstance(saved, dict):
        return f"a JSON {type(saved).__name__}, not an object"
    missing = [key for key in SEARCH_KEYS if key not in saved]
    if missing:
        return f"no {', '.join(missing)}"
    for key, types in SEARCH_KEYS.items():
        value = saved[key]
        if types and (isinstance(value, bool) or not isinstance(value, types)):
            kind = "text" if types == _TEXT else "a whole number" if types == _WHOLE else "a number"
            return f"{key} is {str(json.dumps(value))[:40]}, not {kind}"
    small = [key for key in _AT_LEAST_ONE if saved[key] < 1]
    if small:
        return f"{small[0]} is {saved[small[0]]}, not at least 1"
    for key in ("seed", "split_seed"):
        if not 0 <= saved[key] < 2**32:
            return f"{key} is {saved[key]}, not a seed from 0 to {2**32 - 1}"
    if not 0 < saved["test_size"] < 1:
        return f"test_size is {saved['test_size']}, not between 0 and 1"
    if saved["tuner"] not in TUNERS:
        return f"tuner is {saved['tuner'][:40]!r}, not one of {', '.join(TUNERS)}"
    if not isinstance(saved.get("dedupe", False), bool):
        return f"dedupe is {str(json.dumps(saved['dedupe']))[:40]}, not true or false"
    if DATA_HASH_KEY in saved and not isinstance(saved[DATA_HASH_KEY], str):
        return f"{DATA_HASH_KEY} is {str(json.dumps(saved[DATA_HASH_KEY]))[:40]}, not text"
    return None


def data_record(csv, search_dir) -> dict:
    """How search.json records the data: its path relative to the search folder where one
    exists (so a copy of the repository elsewhere, or another machine, finds it) and its hash."""
    csv, search_dir = os.path.abspath(csv), os.path.abspath(search_dir)
    try:
        shared = os.path.commonpath([csv, search_dir])
    except ValueError:  # another drive (Windows): no relative path
        shared = None
    # Relative only within a shared folder (the repository), not by way of the root.
    path = csv if shared in (None, os.path.dirname(shared)) else os.path.relpath(csv, search_dir)
    return {"csv": path, DATA_HASH_KEY: file_sha256(csv)}


def data_path(search_dir, saved: dict) -> str:
    """The data file a search record names: relative to its search folder (or absolute); an
    older record's path as it was typed (relative to where `tune` ran)."""
    if DATA_HASH_KEY not in saved or os.path.isabs(saved["csv"]):
        return saved["csv"]
    return os.path.normpath(os.path.join(search_dir, saved["csv"]))


def check_data(search_dir, saved: dict) -> None:
    """Refuse to resume a search whose data file is gone or changed since the search began."""
    if DATA_HASH_KEY not in saved:
        return  # an older search.json: no hash to check
    path = data_path(search_dir, saved)
    if not os.path.isfile(path):
        raise KitError(
            f"Can't resume {search_dir}: its data file {path} is not there (search.json gives "
            f"{saved['csv']} relative to the search folder). Put the CSV back there."
        )
    if file_sha256(path) != saved[DATA_HASH_KEY]:
        raise KitError(
            f"Can't resume {search_dir}: the data in {path} has changed since the search began "
            "(its SHA-256 differs), so its trials would not compare. Start a new search."
        )


def trials_done(search_dir) -> int:
    """Trials Keras Tuner has finished in a search folder (completed, failed or invalid)."""
    done = 0
    for path in Path(search_dir, "tuner").glob("trial_*/trial.json"):
        try:
            done += json.loads(path.read_text()).get("status") in ("COMPLETED", "FAILED", "INVALID")
        except (OSError, ValueError, AttributeError):
            continue  # a trial being written: not done
    return done


# What `tune --resume` may be given again, and the search.json key each one sets.
RESUME_OPTIONS = {
    "tuner": "--tuner",
    "max_trials": "--max-trials",
    "executions_per_trial": "--executions-per-trial",
    "epochs": "--epochs",
    "csv": "--csv",
    "target": "--target",
    "test_size": "--test-size",
    "split_seed": "--split-seed",
    "dedupe": "--dedupe",
    "seed": "--seed",
}


def check_resume(search_dir, saved: dict, given: dict, implied_by: dict | None = None) -> int:
    """What a resume may change: only `--max-trials` (not below the trials done). Any other
    option given (`given`: search.json key -> value, None where not given) must repeat what the
    search began with, and its data must be unchanged. The search's number of trials.
    `implied_by`: key -> the option that set it without being named (`--quick` sets epochs)."""
    check_data(search_dir, saved)
    for key, option in RESUME_OPTIONS.items():
        value = given.get(key)
        if value is None or key == "max_trials" or value == saved[key]:
            continue
        if key == "csv" and os.path.abspath(value) == os.path.abspath(data_path(search_dir, saved)):
            continue
        shown, drop = f"{option} {value}", option
        if key in (implied_by or {}):
            shown, drop = f"{implied_by[key]} (which means {option} {value})", implied_by[key]
        raise KitError(
            f"Can't resume {search_dir} with {shown}: the search began with "
            f"{saved[key]}, and changing it would mix trials that don't compare. Drop {drop} "
            "(only --max-trials may change on resuming), or start a new search."
        )
    max_trials = given.get("max_trials")
    if max_trials is None or max_trials == saved["max_trials"]:
        return saved["max_trials"]
    if saved["tuner"] == "hyperband":
        raise KitError(
            f"Can't resume {search_dir} with --max-trials {max_trials}: Hyperband sets its own "
            "number of trials from --epochs. Drop --max-trials."
        )
    done = trials_done(search_dir)
    if max_trials < done:
        raise KitError(
            f"Can't resume {search_dir} with --max-trials {max_trials}: {done} trials are already "
            f"done. Give at least --max-trials {done}, or drop it to keep {saved['max_trials']}."
        )
    return max_trials


def hyperband_trials(max_epochs: int, factor: int = HYPERBAND_FACTOR) -> int:
    """How many trials one iteration of Keras Tuner's Hyperband runs (at most: it stops early if
    the search space runs out): its oracle's brackets and rounds, with the same arithmetic."""
    brackets, epochs = 0, max_epochs
    while epochs >= 1:  # the oracle's min_epochs
        epochs, brackets = epochs / factor, brackets + 1
    last_round_size = math.ceil(1 + math.log(max_epochs, factor))
    return sum(
        math.ceil(last_round_size / (bracket + 1) * factor ** (bracket - round_number))
        for bracket in range(brackets)
        for round_number in range(bracket + 1)
    )


def search_trials(kind: str, max_trials: int, epochs: int) -> int:
    """The number of trials a search runs: Hyperband's own, or `max_trials`."""
    return hyperband_trials(epochs) if kind == "hyperband" else max_trials


_HELD: dict[str, int] = {}  # the locks this process holds, and how many times it entered each


@contextlib.contextmanager
def search_lock(search_dir):
    """One `tune` at a time on a search folder: LOCK_FILE, created exclusively, holds its pid and
    host, and is removed on exit (an error, Ctrl-C or SIGTERM too). A lock whose process is gone
    (`kill -9`, a crash) is stale and taken over, with a warning. Workers, and the chief started
    by `--workers`, don't lock: the command that started them holds it. Re-entrant in a process."""
    path = os.path.abspath(os.path.join(search_dir, LOCK_FILE))
    if path in _HELD or (role() not in (None, "chief")) or os.environ.get(LOCK_HELD_BY_PARENT):
        _HELD[path] = _HELD.get(path, 0) + 1
        try:
            yield
        finally:
            _HELD[path] -= 1
            if not _HELD[path]:
                del _HELD[path]
        return
    _take_lock(search_dir, path)
    _HELD[path] = 1
    try:
        with signals_raise():  # SIGTERM too runs the `finally`
            yield
    finally:
        del _HELD[path]
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def _take_lock(search_dir, path: str) -> None:
    mine = json.dumps({"pid": os.getpid(), "host": socket.gethostname()})
    for attempt in range(2):
        try:
            descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = _lock_holder(path)
            if attempt == 0 and holder is not None and _stale(holder):
                print(
                    f"warning: {path} was left by process {holder['pid']}, which is no longer "
                    "running (killed?); taking the search over.",
                    file=sys.stderr,
                )
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)
                continue
            raise KitError(_locked_message(search_dir, path, holder)) from None
        with os.fdopen(descriptor, "w") as handle:
            handle.write(mine + "\n")
        return


def _lock_holder(path: str) -> dict | None:
    try:
        holder = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    if isinstance(holder, dict) and isinstance(holder.get("pid"), int):
        return holder
    return None


def _stale(holder: dict) -> bool:
    """A lock left by a process of this machine that is gone (or that reused our pid)."""
    if holder.get("host") != socket.gethostname():
        return False  # another machine's process: can't tell, so never taken over
    return holder["pid"] == os.getpid() or process_gone(holder["host"], holder["pid"])


def _locked_message(search_dir, path: str, holder: dict | None) -> str:
    if holder is None:
        who = "a `tune` whose lock can't be read"
    else:
        host = "" if holder.get("host") == socket.gethostname() else f" on {holder.get('host')}"
        who = f"another `tune` (process {holder['pid']}{host})"
    return (
        f"{search_dir} is being searched by {who}; two at once would run trials twice. Wait "
        f"for it to finish (or stop it), then resume; if no `tune` is running, delete {path}."
    )


def check_workers(workers: int | None, trials: int) -> None:
    """Refuse more local workers than trials to run (see `search_trials`), or than
    MAX_LOCAL_WORKERS."""
    if not workers:
        return
    if workers > MAX_LOCAL_WORKERS:
        raise KitError(
            f"--workers {workers} is too many: at most {MAX_LOCAL_WORKERS} (each is a whole "
            "TensorFlow process; more than this machine's cores only makes trials slower)."
        )
    if workers > trials:
        raise KitError(
            f"--workers {workers} is more than the search's {trials} trials: a worker runs "
            f"one trial at a time, so give at most --workers {trials}."
        )


def role() -> str | None:
    """This process's part in a distributed search: "chief", a worker's name, or None (alone)."""
    return os.environ.get("KERASTUNER_TUNER_ID")


def set_role(chief: bool, worker: bool, oracle_address: str | None, resume) -> None:
    """Make this process the chief (serving the oracle at `oracle_address`) or a worker (of the
    chief there), as Keras Tuner reads it from the environment; neither leaves it alone."""
    if not (chief or worker):
        return
    if not oracle_address:
        raise KitError(
            "--chief and --worker need --oracle-address HOST:PORT (the chief's address; no "
            "default, so nothing listens where you did not ask)."
        )
    host, port = parse_address(oracle_address)
    if chief and host in EVERY_INTERFACE:
        print(
            "warning: the oracle will listen on every network interface of this machine; "
            "it has no authentication.",
            file=sys.stderr,
        )
    if worker and not resume:
        raise KitError(
            "--worker needs --resume DIR: the search folder the chief uses (shared between "
            "the machines)."
        )
    name = "chief" if chief else f"tuner-{os.uname().nodename}-{os.getpid()}"
    os.environ.update(oracle_environment(name, host, port))


def parse_address(oracle_address: str) -> tuple[str, int]:
    """HOST:PORT as (host, port), the port a TCP port (1-65535); else a KitError."""
    host, _, port = oracle_address.rpartition(":")
    if not host or not (port.isascii() and port.isdigit()):
        raise KitError(
            "--oracle-address must look like HOST:PORT (e.g. 192.168.1.20:8000), "
            f"not {oracle_address!r}."
        )
    if not 1 <= int(port) <= 65535:
        raise KitError(
            f"--oracle-address {oracle_address}: the port must be from 1 to 65535, not {port}."
        )
    return host, int(port)


def run_trials(search, search_dir, workers: int, worker_command, say=print) -> bool:
    """Run a search's trials: here by `search()`, or in a local chief and `workers` workers
    started with `worker_command(search_dir)`. True if this process should report the search
    (a chief or a worker leaves that to the process that started the search)."""
    if role() == "chief":
        address = f"{os.environ['KERASTUNER_ORACLE_IP']}:{os.environ['KERASTUNER_ORACLE_PORT']}"
        say(f"Oracle listening on {address} for {search_dir}")
    if workers and role() is None:
        run_local(worker_command(search_dir), search_dir, workers, say)
    else:
        search()
    return role() is None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def wait_for_listener(port: int, chief: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if chief.poll() is not None:
            raise KitError(
                "The tuning chief stopped before it started listening "
                f"(exit status {chief.returncode})."
            )
        try:
            with socket.create_connection((LOOPBACK, port), timeout=1):
                return
        except OSError:
            time.sleep(0.5)
    raise KitError(
        f"The tuning chief did not start listening on {LOOPBACK}:{port} within {timeout:.0f} s."
    )


def oracle_environment(tuner_id: str, host: str, port: int) -> dict:
    return {
        "KERASTUNER_TUNER_ID": tuner_id,
        "KERASTUNER_ORACLE_IP": host,
        "KERASTUNER_ORACLE_PORT": str(port),
    }


def run_local(command: list[str], search_dir, workers: int, say=print) -> None:
    """Run `command` (an argv list that continues the search in `search_dir`) as a chief on
    loopback and as `workers` workers; wait for the workers, then stop them all. SIGTERM to
    this process stops them too (as SIGINT does): it raises KeyboardInterrupt here."""
    port = free_port()
    say(f"Distributed search: a chief on {LOOPBACK}:{port} and {workers} workers")

    def start(tuner_id: str) -> subprocess.Popen:
        environment = {**os.environ, **oracle_environment(tuner_id, LOOPBACK, port)}
        environment[LOCK_HELD_BY_PARENT] = str(os.getpid())
        # Its own process group: Ctrl-C reaches this process alone, which stops them all (one
        # message, not one per process).
        return subprocess.Popen(command, env=environment, process_group=0)

    processes = []
    with signals_raise((signal.SIGTERM,)):  # SIGTERM stops them too, as Ctrl-C does
        try:
            chief = start("chief")
            processes.append(chief)
            wait_for_listener(port, chief)
            for index in range(workers):
                processes.append(start(f"tuner{index}"))
            failed = [process.args for process in processes[1:] if process.wait() != 0]
            if failed:
                raise KitError(
                    f"{len(failed)} of {workers} tuning workers failed; see their messages above. "
                    f"Resume with --resume {search_dir}."
                )
            try:
                chief.wait(timeout=45)  # it exits once every worker has said goodbye
            except subprocess.TimeoutExpired:
                chief.terminate()  # the oracle saved its state after every trial
        finally:
            try:
                stop(processes)
            except KeyboardInterrupt:  # interrupted again while stopping: no more waiting
                for process in processes:
                    if process.poll() is None:
                        process.kill()
                raise


def stop(processes: list[subprocess.Popen], grace: float = STOP_GRACE_SECONDS) -> None:
    """Terminate the processes still running; kill those still running `grace` seconds later."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + grace
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
