"""Keras Tuner's distributed mode on one machine: a chief oracle and N workers on 127.0.0.1.

Keras Tuner's oracle is a gRPC server with no authentication. Here it binds to the loopback
address only, so nothing off this machine can reach it. Across machines, start the chief with
an explicit address (`tune NAME --chief --oracle-address HOST:PORT`) on a trusted network or
through an SSH tunnel.
"""

import os
import socket
import subprocess
import sys
import time

from utils.errors import KitError

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def wait_for_listener(port: int, chief: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if chief.poll() is not None:
            raise KitError(
                f"The tuning chief stopped before it started listening (exit status {chief.returncode})."
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
        **os.environ,
        "KERASTUNER_TUNER_ID": tuner_id,
        "KERASTUNER_ORACLE_IP": host,
        "KERASTUNER_ORACLE_PORT": str(port),
    }


def run_local(case_name: str, search_dir, workers: int, say=print) -> None:
    """Start a chief and `workers` workers on loopback, all on one search folder; stop them all."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "casestudies",
        "tune",
        case_name,
        "--resume",
        str(search_dir),
        "--quiet",
    ]
    say(f"Distributed search: a chief on {LOOPBACK}:{port} and {workers} workers")
    chief = subprocess.Popen(command, env=oracle_environment("chief", LOOPBACK, port))
    processes = [chief]
    try:
        wait_for_listener(port, chief)
        processes += [
            subprocess.Popen(command, env=oracle_environment(f"tuner{index}", LOOPBACK, port))
            for index in range(workers)
        ]
        failed = [process.args for process in processes[1:] if process.wait() != 0]
        if failed:
            raise KitError(
                f"{len(failed)} of {workers} tuning workers failed; see their messages above. Resume with --resume {search_dir}."
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
