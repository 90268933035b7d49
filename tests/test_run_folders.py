"""Run folders are written atomically: claimed at the start, written into a hidden sibling,
renamed into place only when complete; an error or a signal leaves nothing behind, and
`predict` accepts only a complete folder holding the files a run writes."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from casestudies.cli import main
from utils import loading, runs, saving
from utils.case import DATA_DIR
from utils.errors import KitError

REPO = Path(__file__).resolve().parents[1]


def kit_env() -> dict:
    """The environment for a kit command in a child process, without PYTHONUNBUFFERED: the
    kit's own line buffering must bring each progress line through the pipe as it is printed."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "MPLBACKEND": "Agg"}
    env.pop("PYTHONUNBUFFERED", None)
    return env


def start_run(argv: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "casestudies", "run", *argv],
        cwd=cwd,
        env=kit_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def everything_under(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


def test_two_runs_into_one_out_folder_at_once_one_wins_and_the_other_writes_nothing(tmp_path):
    out = tmp_path / "shared"
    argv = ["iris", "--epochs", "2", "--quiet", "--out", str(out)]
    processes = [start_run([*argv, "--seed", seed], tmp_path) for seed in ("1", "2")]
    results = [(process, *process.communicate(timeout=150)) for process in processes]
    codes = sorted(process.returncode for process, _out, _err in results)
    assert codes == [0, 2], [err for _process, _out, err in results]
    (winner, _out, _err), (_loser, _lout, loser_err) = sorted(
        results, key=lambda result: result[0].returncode
    )
    assert loser_err.count("\n") == 1 and loser_err.startswith("error: ")
    assert str(out) in loser_err
    model, preprocessor, config = loading.load_run(out)
    metrics = json.loads((out / "metrics.json").read_text())
    assert config["seed"] == metrics["seed"]  # config and metrics come from the same run
    assert f"--seed {config['seed']}" in " ".join(winner.args)
    listed = json.loads((out / runs.COMPLETE_FILE).read_text())["files"]
    for name, record in listed.items():  # every file is the one its run wrote
        assert (out / name).stat().st_size == record["bytes"], name
    assert everything_under(tmp_path) == [
        "shared",
        *(f"shared/{n}" for n in sorted([*listed, runs.COMPLETE_FILE])),
    ]


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_a_run_stopped_while_it_trains_leaves_nothing_behind(tmp_path, stop):
    # The course's plain `fit` (no early stopping) prints its first progress line after 30 of
    # its 300 epochs: the signal then lands in training, not while Keras is still importing.
    process = start_run(["iris", "--recipe", "course", "--epochs", "300"], tmp_path)
    for line in process.stdout:
        if line.startswith("iris: epoch"):
            break
    else:
        pytest.fail(f"no progress line: {process.communicate()}")
    claims = list((tmp_path / "runs").iterdir())
    assert len(claims) == 1 and claims[0].name.startswith(".iris-")  # hidden until complete
    assert claims[0].name.endswith(".partial")
    process.send_signal(stop)
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 128 + stop, err  # 130 for Ctrl-C, 143 for SIGTERM
    assert "Traceback" not in err
    assert everything_under(tmp_path) == ["runs"]  # no run folder, no temporary


def test_a_failure_while_writing_leaves_no_folder_and_releases_the_claim(tmp_path, monkeypatch):
    def write_half(run_dir, **parts):
        runs.write_json(run_dir / "config.json", parts["config"])
        raise OSError("disk full")

    out = tmp_path / "out"
    monkeypatch.setattr(saving, "write_run", write_half)
    with pytest.raises(OSError, match="disk full"):
        main(["run", "iris", "--epochs", "1", "--quiet", "--out", str(out)])
    assert everything_under(tmp_path) == []
    monkeypatch.undo()  # the claim was released: the same --out works now
    assert main(["run", "iris", "--epochs", "1", "--quiet", "--out", str(out)]) == 0
    loading.load_run(out)


def test_a_held_claim_refuses_a_second_writer_at_once(tmp_path):
    out = tmp_path / "out"
    with runs.writing("x", out=out) as first:
        assert not out.exists() and first.staging.is_dir()
        with pytest.raises(KitError, match="Another run is writing to"):
            with runs.writing("x", out=out):
                pytest.fail("a second writer got the same folder")
        assert first.staging.is_dir()  # the refused writer did not release the first's claim
        (first.staging / "config.json").write_text("{}\n")
    assert everything_under(tmp_path) == ["out", "out/complete.json", "out/config.json"]
    with pytest.raises(KitError, match="already exists and is not empty"):
        with runs.writing("x", out=out):
            pass


def test_two_default_run_folders_in_the_same_second_get_distinct_names(tmp_path):
    with runs.writing("x", tmp_path) as first, runs.writing("x", tmp_path) as second:
        assert first.final != second.final
    assert len(list(tmp_path.iterdir())) == 2


@pytest.fixture
def run_copy(quick_runs, tmp_path):
    return shutil.copytree(quick_runs["iris"], tmp_path / "run")


def predict_refusal(run_dir, capsys) -> str:
    assert main(["predict", "--run", str(run_dir), "--csv", str(DATA_DIR / "iris.csv")]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    return captured.err


def test_predict_refuses_a_folder_without_the_completion_marker(run_copy, capsys):
    (run_copy / runs.COMPLETE_FILE).unlink()
    assert "not a complete run folder" in predict_refusal(run_copy, capsys)


@pytest.mark.parametrize("name", ["extra.sav", "weights.pt", "x.pkl.gz", "notes.txt", "sub/"])
def test_predict_refuses_any_file_a_run_does_not_write(run_copy, capsys, name):
    if name.endswith("/"):
        (run_copy / name).mkdir()
    else:
        (run_copy / name).write_bytes(b"\x80\x04K\x01.")  # a pickle, whatever its name
    err = predict_refusal(run_copy, capsys)
    assert f"holds {name}: not a file a run writes" in err


def test_predict_refuses_an_allowed_name_its_run_did_not_write(run_copy, capsys):
    shutil.copy(run_copy / "learning_curves.png", run_copy / "planted.png")
    assert "planted.png, which its run did not write" in predict_refusal(run_copy, capsys)


def test_predict_refuses_a_folder_missing_a_file_its_marker_lists(run_copy, capsys):
    (run_copy / "learning_curves.png").unlink()
    assert "has no learning_curves.png" in predict_refusal(run_copy, capsys)


def dead_pid() -> int:
    """The id of a process that has ended, as a run killed with `kill -9` leaves."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def partial(folder: Path, name: str, pid: int | None) -> Path:
    staging = folder / f".{name}.partial"
    staging.mkdir(parents=True)
    (staging / "config.json").write_text("{}\n")
    if pid is not None:
        (staging / runs.OWNER_FILE).write_text(f"{socket.gethostname()} {pid}\n")
    return staging


def test_a_partial_left_by_kill_9_is_reclaimed_and_a_live_one_never(tmp_path, capsys):
    root = tmp_path / "runs"
    stale = partial(root, "iris-20250101-000000", dead_pid())
    live = partial(root, "iris-20250101-000001", os.getpid())
    unknown = partial(root, "iris-20250101-000002", None)  # no owner recorded: hands off
    with runs.writing("iris", root) as run:
        (run.staging / "config.json").write_text("{}\n")
    assert capsys.readouterr().err == (
        f"Removed {stale}: left by a run that was killed before it finished.\n"
    )
    assert not stale.exists() and live.is_dir() and unknown.is_dir()
    assert sorted(json.loads((run.final / runs.COMPLETE_FILE).read_text())["files"]) == [
        "config.json"  # the owner record is not part of the finished folder
    ]


def test_the_same_out_folder_is_usable_again_after_a_kill_9(tmp_path, capsys):
    out = tmp_path / "out"
    partial(tmp_path, "out", dead_pid())
    with runs.writing("x", out=out) as run:
        (run.staging / "config.json").write_text("{}\n")
    assert "left by a run that was killed" in capsys.readouterr().err
    assert everything_under(tmp_path) == ["out", "out/complete.json", "out/config.json"]
    partial(tmp_path, "again", os.getpid())
    with pytest.raises(KitError, match="Another run is writing to"):
        with runs.writing("x", out=tmp_path / "again"):
            pytest.fail("a live claim was taken over")


def test_bench_writes_its_folder_atomically(workdir, monkeypatch):
    from casestudies import benchmark

    monkeypatch.setattr(benchmark, "bench", lambda *args, **kwargs: {"cases": {}})
    monkeypatch.setattr(benchmark, "startup_report", lambda quick: {"help_seconds": 0.1})
    assert main(["bench", "iris", "--quick", "--out", "done"]) == 0
    listed = json.loads((workdir / "done" / runs.COMPLETE_FILE).read_text())["files"]
    assert sorted(listed) == ["bench.json"]

    def interrupted(quick):
        raise KeyboardInterrupt

    monkeypatch.setattr(benchmark, "startup_report", interrupted)
    assert main(["bench", "iris", "--quick", "--out", "stopped"]) == 130
    assert everything_under(workdir) == ["done", "done/bench.json", "done/complete.json"]


def test_predict_on_a_search_folder_points_at_its_best_run(run_copy, tmp_path, capsys):
    search = tmp_path / "searches" / "iris-random-20250101-000000"
    (search / "trial_0").mkdir(parents=True)
    (search / "search.json").write_text("{}\n")
    (search / "checkpoint.weights.h5").write_bytes(b"\x89HDF")  # the kit's own, not code
    err = predict_refusal(search, capsys)
    assert "is a search folder (written by `tune`), not a run folder" in err
    assert "--resume" in err and "code" not in err
    best = shutil.copytree(run_copy, search / "best_model-20250101-000100")
    err = predict_refusal(search, capsys)
    assert f"its best model's run folder is {best}. Use --run {best}." in err


@pytest.mark.parametrize(
    "file, name", [("my data.csv", "my_data"), (".hidden.csv", "hidden"), (".csv", "csv")]
)
def test_a_learners_csv_names_a_visible_run_folder(file, name):
    from casestudies.custom import case_for

    assert case_for(file, "y", "binary").name == name
