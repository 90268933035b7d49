"""`tune`'s bad input and stopping (issue #13): too many --workers, a damaged search.json, a bad
--oracle-address port, --resume of no search folder, and SIGTERM / SIGINT to a local search."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from utils import distributed

ROOT = Path(__file__).resolve().parent.parent

# A search.json as `tune iris` writes it; the tests below damage one key at a time.
RECORD = {
    "case": "iris",
    "csv": "data/iris.csv",
    "target": "species",
    "tuner": "random",
    "objective": "val_accuracy",
    "max_trials": 3,
    "executions_per_trial": 1,
    "epochs": 2,
    "batch_size": 16,
    "seed": 0,
    "test_size": 0.2,
    "split_seed": 42,
    "space": {"units": [8, 16]},
}


def run_tune(argv, cwd):
    """`main(argv)` in a fresh Python: (exit status, stderr); fails if TensorFlow loaded."""
    code = (
        "import sys\nfrom casestudies.cli import main\n"
        f"status = main({argv!r})\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'imported'\n"
        "sys.exit(status)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )
    assert "imported" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stderr


def files_under(folder: Path) -> dict:
    return {path: path.read_bytes() for path in folder.rglob("*") if path.is_file()}


@pytest.mark.parametrize(
    "argv, expected",
    [
        (
            ["tune", "iris", "--quick", "--workers", "99999"],
            "--workers 99999 is too many: at most 16",
        ),
        (["tune", "iris", "--quick", "--workers", "3"], "more than the search's 2 trials"),
        (["tune", "iris", "--max-trials", "4", "--workers", "5"], "give at most --workers 4"),
        (
            ["tune", "iris", "--chief", "--oracle-address", "127.0.0.1:99999"],
            "the port must be from 1 to 65535, not 99999",
        ),
        (
            ["tune", "iris", "--worker", "--oracle-address", "127.0.0.1:0", "--resume", "x"],
            "the port must be from 1 to 65535, not 0",
        ),
        (["tune", "iris", "--resume", "nodir"], "nodir is not a search folder"),
    ],
)
def test_bad_tune_input_is_one_line_before_tensorflow_loads(tmp_path, argv, expected):
    status, err = run_tune(argv, tmp_path)
    assert status == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1 and expected in err, err
    assert not any(tmp_path.iterdir()), "something was written"


@pytest.mark.parametrize(
    "content, problem",
    [
        ("{}", "no case, csv"),
        ("[]", "a JSON list, not an object"),
        ('"search"', "a JSON str, not an object"),
        ("{not json", "not valid JSON"),
        (json.dumps({**RECORD, "max_trials": "lots"}), 'max_trials is "lots", not a whole number'),
        (json.dumps({**RECORD, "max_trials": True}), "max_trials is true, not a whole number"),
        (json.dumps({**RECORD, "epochs": 0}), "epochs is 0, not at least 1"),
        (json.dumps({**RECORD, "test_size": 7}), "test_size is 7, not between 0 and 1"),
        (json.dumps({**RECORD, "seed": -1}), "seed is -1, not a seed from 0 to 4294967295"),
        (json.dumps({**RECORD, "tuner": "magic"}), "tuner is 'magic', not one of random"),
        (json.dumps({k: v for k, v in RECORD.items() if k != "space"}), "no space"),
    ],
)
def test_a_damaged_search_file_is_one_line_naming_it(tmp_path, content, problem):
    search_dir = tmp_path / "searches" / "iris-random-1"
    search_dir.mkdir(parents=True)
    (search_dir / "search.json").write_text(content)
    before = files_under(tmp_path)
    status, err = run_tune(["tune", "iris", "--resume", str(search_dir)], tmp_path)
    assert status == 2, err
    assert err.count("\n") == 1, err
    assert f"error: {search_dir / 'search.json'} is damaged ({problem}" in err, err
    assert "start a new search" in err
    assert files_under(tmp_path) == before


def test_resuming_with_more_workers_than_the_search_has_trials_is_refused(tmp_path):
    search_dir = tmp_path / "search"
    search_dir.mkdir()
    (search_dir / "search.json").write_text(json.dumps(RECORD))
    status, err = run_tune(
        ["tune", "iris", "--resume", str(search_dir), "--workers", "4"], tmp_path
    )
    assert status == 2 and "more than the search's 3 trials" in err, err


def test_a_valid_search_file_reads_back_as_written(tmp_path):
    (tmp_path / "search.json").write_text(json.dumps(RECORD))
    assert distributed.read_search(tmp_path) == RECORD


def test_stop_kills_a_process_that_ignores_sigterm():
    stubborn = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
            "print('ready', flush=True)\ntime.sleep(120)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert stubborn.stdout.readline() == "ready\n"
    started = time.monotonic()
    distributed.stop([stubborn], grace=1)
    assert stubborn.returncode == -signal.SIGKILL
    assert time.monotonic() - started < 10


def children_of(pid: int) -> set[int]:
    """Running processes whose parent is `pid` (read from /proc; zombies don't count)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_a_local_distributed_search_stops_the_chief_and_workers(tmp_path, signum):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "casestudies", "tune", "iris", "--quick", "--quiet"]
    parent = subprocess.Popen(
        [*command, "--workers", "2"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    children: set[int] = set()
    try:
        deadline = time.monotonic() + 180
        while len(children) < 3 and parent.poll() is None and time.monotonic() < deadline:
            children |= children_of(parent.pid)
            time.sleep(0.2)
        assert len(children) == 3, f"saw {children}; parent exit status {parent.poll()}"
        parent.send_signal(signum)
        parent.wait(timeout=30)
        deadline = time.monotonic() + 30
        while any(running(child) for child in children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [child for child in children if running(child)], "children left running"
        assert parent.returncode == 130
    finally:
        if parent.poll() is None:
            parent.kill()
        for child in children | children_of(parent.pid):
            if running(child):
                os.kill(child, signal.SIGKILL)
