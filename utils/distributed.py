"""Keras Tuner's distributed mode: a chief serves the oracle, workers run the trials.

Keras Tuner reads a process's role from KERASTUNER_TUNER_ID ("chief", or a worker's name),
KERASTUNER_ORACLE_IP and KERASTUNER_ORACLE_PORT. `set_role` sets them from the command line's
`--chief` / `--worker` and `--oracle-address`; `run_local` starts a chief and N workers on
this machine. The oracle is a gRPC server with no authentication: locally it binds to the
loopback address only, so nothing off this machine can reach it; across machines, give the
chief an explicit address on a trusted network or reach it through an SSH tunnel.

It also reads a search folder's `search.json` (`read_search`) and checks `--workers`
(`check_workers`) without TensorFlow, so that bad input is refused before TensorFlow loads.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from utils.errors import KitError

LOOPBACK = "127.0.0.1"
EVERY_INTERFACE = ("0.0.0.0", "::", "[::]")
TUNERS = ("random", "hyperband", "bayesian", "grid")
SEARCH_FILE = "search.json"
# Local workers are whole TensorFlow processes (a few hundred MB each, several seconds to
# start): a fixed cap, the same on every machine, keeps a typo from filling the memory.
MAX_LOCAL_WORKERS = 16
STOP_GRACE_SECONDS = 10  # after SIGTERM, how long a chief or worker gets before SIGKILL

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
    return saved


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
    return None


def check_workers(workers: int | None, trials: int | None) -> None:
    """Refuse more local workers than trials to run, or than MAX_LOCAL_WORKERS."""
    if not workers:
        return
    if workers > MAX_LOCAL_WORKERS:
        raise KitError(
            f"--workers {workers} is too many: at most {MAX_LOCAL_WORKERS} (each is a whole "
            "TensorFlow process; more than this machine's cores only makes trials slower)."
        )
    if trials is not None and workers > trials:
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
        return subprocess.Popen(
            command, env={**os.environ, **oracle_environment(tuner_id, LOOPBACK, port)}
        )

    processes = []
    previous = _stop_on_sigterm()
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
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def _stop_on_sigterm():
    """Make SIGTERM raise KeyboardInterrupt, so `run_local` stops its children; the handler it
    replaced (None where signals can't be handled: off the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _raise_interrupt)


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
