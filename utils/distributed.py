"""Keras Tuner's distributed mode: a chief serves the oracle, workers run the trials.

Keras Tuner reads a process's role from KERASTUNER_TUNER_ID ("chief", or a worker's name),
KERASTUNER_ORACLE_IP and KERASTUNER_ORACLE_PORT. `set_role` sets them from the command line's
`--chief` / `--worker` and `--oracle-address`; `run_local` starts a chief and N workers on
this machine. The oracle is a gRPC server with no authentication: locally it binds to the
loopback address only, so nothing off this machine can reach it; across machines, give the
chief an explicit address on a trusted network or reach it through an SSH tunnel.
"""

import os
import socket
import subprocess
import sys
import time

from utils.errors import KitError

LOOPBACK = "127.0.0.1"
EVERY_INTERFACE = ("0.0.0.0", "::", "[::]")


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
    host, _, port = oracle_address.rpartition(":")
    if not host or not port.isdigit():
        raise KitError(
            "--oracle-address must look like HOST:PORT (e.g. 192.168.1.20:8000), "
            f"not {oracle_address!r}."
        )
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
    os.environ.update(oracle_environment(name, host, int(port)))


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
    loopback and as `workers` workers; wait for the workers, then stop them all."""
    port = free_port()
    say(f"Distributed search: a chief on {LOOPBACK}:{port} and {workers} workers")

    def start(tuner_id: str) -> subprocess.Popen:
        return subprocess.Popen(
            command, env={**os.environ, **oracle_environment(tuner_id, LOOPBACK, port)}
        )

    chief = start("chief")
    processes = [chief]
    try:
        wait_for_listener(port, chief)
        processes += [start(f"tuner{index}") for index in range(workers)]
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
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
