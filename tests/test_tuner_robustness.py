"""`tune`'s bad input and stopping (issue #13): too many --workers, a damaged search.json, a bad
--oracle-address port, --resume of no search folder, and SIGTERM / SIGINT to a local search."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
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
    "dedupe": False,
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
    older = {key: value for key, value in RECORD.items() if key != "dedupe"}
    (tmp_path / "search.json").write_text(json.dumps(older))
    assert distributed.read_search(tmp_path) == RECORD  # before --dedupe: every row kept


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
    distributed.stop([stubborn], grace=1)
    assert stubborn.returncode == -signal.SIGKILL  # killed, long before its sleep would end


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
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a shell gives a command
    )
    children: set[int] = set()
    try:
        deadline = time.monotonic() + 180
        while len(children) < 3 and parent.poll() is None and time.monotonic() < deadline:
            children |= children_of(parent.pid)
            time.sleep(0.2)
        assert len(children) == 3, f"saw {children}; parent exit status {parent.poll()}"
        if signum == signal.SIGINT:  # Ctrl-C in a terminal: to the command's process group
            os.killpg(parent.pid, signum)
        else:  # `kill PID`
            parent.send_signal(signum)
        out, err = parent.communicate(timeout=60)  # the children write to the same streams
        # One way to resume, said once (not by each process), and no traceback.
        assert err.count("Interrupted. Continue where it stopped with") == 1, err
        assert "nothing more was written" not in err and "Traceback" not in err, err
        deadline = time.monotonic() + 30
        while any(running(child) for child in children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [child for child in children if running(child)], "children left running"
        assert parent.returncode == 128 + signum  # as a shell reports the signal
    finally:
        if parent.poll() is None:
            parent.kill()
        for child in children | children_of(parent.pid):
            if running(child):
                os.kill(child, signal.SIGKILL)


# Resume honours or refuses (issue #13): one search at a time, only --max-trials may change, the
# data is found by a path relative to the search folder and checked by its hash, every report is
# kept, and Hyperband's trials bound --workers.

IRIS = ROOT / "data" / "iris.csv"


def search_folder(tmp_path, done: int = 0, **changes) -> Path:
    """A search folder as `tune iris` leaves it: search.json (data path relative to the folder,
    and its hash) and `done` finished trials."""
    search_dir = tmp_path / "searches" / "iris-random-1"
    search_dir.mkdir(parents=True)
    data = tmp_path / "data" / "iris.csv"
    data.parent.mkdir()
    data.write_bytes(IRIS.read_bytes())
    record = {**RECORD, **distributed.data_record(data, search_dir), **changes}
    (search_dir / "search.json").write_text(json.dumps(record))
    for trial in range(done):
        (search_dir / "tuner" / f"trial_{trial}").mkdir(parents=True)
        (search_dir / "tuner" / f"trial_{trial}" / "trial.json").write_text(
            '{"status": "COMPLETED"}'
        )
    return search_dir


def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    return ended.pid


def test_a_second_tune_of_one_search_is_refused_naming_the_first(tmp_path):
    search_dir = search_folder(tmp_path)
    # The first `tune`: the lock it holds while it runs (it releases it on SIGTERM).
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom utils import distributed\n"
            "with distributed.search_lock(sys.argv[1]):\n"
            "    print('locked', flush=True)\n    time.sleep(120)",
            str(search_dir),
        ],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "locked\n"
        before = files_under(search_dir)
        status, err = run_tune(["tune", "iris", "--resume", str(search_dir)], tmp_path)
        assert status == 2 and err.count("\n") == 1, err
        assert f"error: {search_dir} is being searched by another `tune` (process " in err, err
        assert f"{holder.pid})" in err
        assert files_under(search_dir) == before
        holder.send_signal(signal.SIGTERM)
        holder.wait(timeout=30)
        assert not (search_dir / distributed.LOCK_FILE).exists(), "SIGTERM left the lock"
    finally:
        if holder.poll() is None:
            holder.kill()


def test_the_lock_is_not_taken_by_local_workers_nor_twice_by_one_process(tmp_path, monkeypatch):
    lock = tmp_path / distributed.LOCK_FILE
    with distributed.search_lock(tmp_path):
        assert json.loads(lock.read_text())["pid"] == os.getpid()
        with distributed.search_lock(tmp_path):  # the CLI, then `tune`: re-entered
            pass
        assert lock.exists()
    assert not lock.exists()
    monkeypatch.setenv(distributed.LOCK_HELD_BY_PARENT, "1")  # a chief or worker of --workers
    with distributed.search_lock(tmp_path):
        assert not lock.exists()


@pytest.mark.parametrize(
    "argv, done, expected",
    [
        (["--epochs", "5"], 0, "with --epochs 5: the search began with 2"),
        (["--executions-per-trial", "2"], 0, "with --executions-per-trial 2: the search began"),
        (["--tuner", "hyperband"], 0, "with --tuner hyperband: the search began with random"),
        (["--csv", "other.csv"], 0, "with --csv other.csv: the search began with ../../data/"),
        (["--target", "petal_width"], 0, "with --target petal_width: the search began with"),
        (["--test-size", "0.3"], 0, "with --test-size 0.3: the search began with 0.2"),
        (["--split-seed", "1"], 0, "with --split-seed 1: the search began with 42"),
        (["--seed", "7"], 0, "with --seed 7: the search began with 0"),
        (["--seed", "0", "--quick"], 0, "with --quick (which means --epochs 3): the search began"),
        (["--max-trials", "1"], 2, "with --max-trials 1: 2 trials are already done"),
    ],
)
def test_a_change_on_resume_is_refused_in_one_line_with_the_reason(tmp_path, argv, done, expected):
    search_dir = search_folder(tmp_path, done=done)
    before = files_under(tmp_path)
    status, err = run_tune(["tune", "iris", "--resume", str(search_dir), *argv], tmp_path)
    assert status == 2 and err.startswith("error: Can't resume") and err.count("\n") == 1, err
    assert expected in err, err
    assert files_under(tmp_path) == before


def test_only_options_given_count_as_changes_and_more_trials_are_honoured(tmp_path):
    from casestudies.cli import build_parser

    args = build_parser().parse_args(["tune", "iris", "--resume", "x"])
    assert all(getattr(args, key) is None for key in distributed.RESUME_OPTIONS)
    search_dir = search_folder(tmp_path, done=2)
    saved = distributed.read_search(search_dir)
    same = {key: saved[key] for key in distributed.RESUME_OPTIONS}
    same["csv"] = str(tmp_path / "data" / "iris.csv")  # the same file, named another way
    assert distributed.check_resume(search_dir, saved, same) == 3
    assert distributed.check_resume(search_dir, saved, {"max_trials": 7}) == 7
    assert distributed.check_resume(search_dir, saved, {"max_trials": 2}) == 2


def test_the_data_is_found_beside_a_moved_search_and_a_changed_file_is_refused(tmp_path):
    search_dir = search_folder(tmp_path)
    saved = distributed.read_search(search_dir)
    assert saved["csv"] == "../../data/iris.csv"
    moved = tmp_path / "elsewhere"  # the repository copied to another place, or machine
    moved.mkdir()
    for folder in ("searches", "data"):
        (tmp_path / folder).rename(moved / folder)
    moved_search = moved / "searches" / "iris-random-1"
    distributed.check_resume(moved_search, saved, {})  # found, and unchanged
    assert distributed.data_path(moved_search, saved) == str(moved / "data" / "iris.csv")
    (moved / "data" / "iris.csv").write_text(IRIS.read_text().replace("5.1", "5.2", 1))
    status, err = run_tune(["tune", "iris", "--resume", str(moved_search)], tmp_path)
    assert status == 2 and err.count("\n") == 1, err
    assert "the data in" in err and "has changed since the search began" in err, err
    # An older search.json (its path as typed, no hash) still resumes.
    old = {**RECORD, "csv": str(IRIS)}
    assert distributed.check_resume(moved_search, old, {}) == RECORD["max_trials"]
    assert distributed.data_path(moved_search, old) == str(IRIS)


def test_hyperband_trials_are_counted_as_keras_tuners_oracle_runs_them(tmp_path):
    import keras_tuner

    for max_epochs in (3, 10):  # 3: log(3, 3) rounds up in floating point; 10: three brackets
        space = keras_tuner.HyperParameters()
        space.Float("x", 0, 1)
        oracle = keras_tuner.oracles.HyperbandOracle(
            objective=keras_tuner.Objective("score", "max"),
            max_epochs=max_epochs,
            factor=distributed.HYPERBAND_FACTOR,
            hyperband_iterations=1,
            hyperparameters=space,
            seed=0,
        )
        oracle._set_project_dir(str(tmp_path / str(max_epochs)), "search")
        trials = 0
        while (trial := oracle.create_trial("tuner0")).status != "STOPPED":
            trials += 1
            oracle.update_trial(trial.trial_id, {"score": trial.hyperparameters.get("x")})
            trial.status = "COMPLETED"
            oracle.end_trial(trial)
        assert distributed.hyperband_trials(max_epochs) == trials, max_epochs


def test_more_workers_than_hyperbands_trials_is_refused(tmp_path):
    argv = ["tune", "iris", "--tuner", "hyperband", "--quick", "--workers", "7"]
    status, err = run_tune(argv, tmp_path)
    assert status == 2 and "more than the search's 6 trials" in err, err


def test_a_resume_takes_over_a_stale_lock_adds_trials_and_keeps_every_report(
    tmp_path, monkeypatch, capsys
):
    from casestudies.cli import main
    from utils.loading import load_run

    monkeypatch.chdir(tmp_path)
    assert main(["tune", "iris", "--quick", "--quiet"]) == 0
    (search_dir,) = (tmp_path / "searches").iterdir()
    lock = search_dir / distributed.LOCK_FILE
    assert not lock.exists()
    lock.write_text(json.dumps({"pid": dead_pid(), "host": socket.gethostname()}))
    capsys.readouterr()
    assert main(["tune", "iris", "--resume", str(search_dir), "--max-trials", "3", "--quiet"]) == 0
    output = capsys.readouterr()
    assert "which is no longer running" in output.err and "taking the search over" in output.err
    assert "Random search: 2 trials done, 1 left" in output.out
    assert not lock.exists()
    assert json.loads((search_dir / "search.json").read_text())["max_trials"] == 3
    assert len(pd.read_csv(search_dir / "trials.csv")) == 3
    best_models = sorted(search_dir.glob("best_model-*"))
    assert len(best_models) == 2  # one per session, each with the report that chose it
    for best_model in best_models:
        load_run(best_model)
        assert "tuned" in json.loads((best_model / "comparison.json").read_text())
    latest = json.loads((search_dir / "comparison.json").read_text())
    assert latest["best_model"] == best_models[-1].name


def test_a_ctrl_c_while_keras_tuner_saves_a_trial_leaves_the_old_file_whole(tmp_path, monkeypatch):
    import keras_tuner

    from utils import tuner  # noqa: F401  (makes Keras Tuner's saves whole-or-nothing)

    trial = keras_tuner.engine.trial.Trial(keras_tuner.HyperParameters(), trial_id="0")
    fname = tmp_path / "trial.json"
    trial.save(str(fname))
    trial.status = "COMPLETED"

    def interrupted(self, text):
        Path.write_bytes(self, text[:10].encode())
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "write_text", interrupted)
    with pytest.raises(KeyboardInterrupt):
        trial.save(str(fname))
    monkeypatch.undo()
    assert keras_tuner.engine.trial.Trial.load(str(fname)).status == "RUNNING"
    assert [path.name for path in tmp_path.iterdir()] == ["trial.json"]
