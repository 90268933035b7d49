"""Keras Tuner searches: the four strategies and every case study (in quick mode), resuming,
diverged trials, and the distributed mode. The grid search's tests are in test_grid.py."""

import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from test_bad_input import check_one_line
from test_run_folders import kit_env

from casestudies import CASE_STUDIES, air_quality, load_case
from casestudies.cli import main
from utils.case import GENERATIVE_TASKS
from utils.distributed import TUNERS
from utils.errors import KitError
from utils.experiment import Settings
from utils.loading import load_run


def only(folder, pattern):
    matches = sorted(folder.glob(pattern))
    assert len(matches) == 1, matches
    return matches[0]


# The random search on every case, and each other tuner on one table case, a different one
# each: the tuners' own code is the same for every case, and what differs between cases (task,
# objective, data path) is what the random search covers everywhere. A CNN's trials are slow.
TABLE_CASES = [name for name in CASE_STUDIES if load_case(name).CASE.kind == "table"]
RUNS = [(name, "random") for name in TABLE_CASES]
RUNS += [("air_quality", "hyperband"), ("diabetes", "bayesian"), ("iris", "grid")]
assert {tuner for _, tuner in RUNS} == set(TUNERS), "a tuner without a run here"
RUNS += [
    (name, "random")
    for name in CASE_STUDIES
    if name not in TABLE_CASES and load_case(name).CASE.task not in GENERATIVE_TASKS
]


@pytest.mark.parametrize("name, tuner", RUNS)
def test_every_tuner_runs_on_every_case_and_saves_a_readable_result(
    workdir, name, tuner, capsys, monkeypatch
):
    import utils.tuner

    if tuner == "hyperband":  # a quick search has few trials: count them as many
        monkeypatch.setattr(utils.tuner, "HYPERBAND_MANY_TRIALS", 0)
    assert main(["tune", name, "--tuner", tuner, "--quick", "--quiet"]) == 0
    search_dir = only(workdir / "searches", f"{name}-{tuner}-*")
    trials = pd.read_csv(search_dir / "trials.csv")
    assert len(trials) >= 2 and set(trials["status"]) == {"completed"}
    assert trials["score"].notna().all() and list(trials["rank"]) == list(range(1, len(trials) + 1))
    assert {
        "trial_scores.png",
        "hyperparameters_vs_score.png",
        "trials.json",
        "comparison.json",
    } <= {path.name for path in search_dir.iterdir()}
    load_run(only(search_dir, "best_model-*"))
    out = capsys.readouterr().out
    assert "tuned" in out
    assert ("--epochs 30 makes 90." in out) == (tuner == "hyperband")
    if name not in TABLE_CASES:  # its split is its own: the resume must not pass one as given
        assert main(["tune", name, "--resume", str(search_dir), "--quiet"]) == 0
        assert ", 0 left" in capsys.readouterr().out


def test_same_seed_gives_the_same_trials(workdir):
    for _ in range(2):  # the default seed, 0, which Keras Tuner itself would read as "no seed"
        assert main(["tune", "iris", "--tuner", "random", "--quick", "--quiet"]) == 0
    first, second = (
        pd.read_csv(folder / "trials.csv") for folder in sorted((workdir / "searches").iterdir())
    )
    pd.testing.assert_frame_equal(first, second)


def diverging_build_model(hp):
    """air_quality's model trained by SGD, with a learning rate that sends the loss to infinity."""
    import keras

    model = keras.Sequential([keras.layers.Dense(10, activation="relu"), keras.layers.Dense(1)])
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=hp.Choice("learning_rate", [1e-3, 1e8])),
        loss="mse",
        metrics=["mae"],
    )
    return model


def test_a_diverging_trial_is_reported_and_never_chosen_on_data_with_missing_values(
    workdir, capsys
):
    from utils.tuner import tune

    result = tune(
        air_quality.CASE,
        diverging_build_model,
        Settings(quiet=True),
        kind="grid",
        max_trials=2,
        epochs=3,
    )
    table = result["table"].set_index("learning_rate")
    assert table.loc[1e8, "status"] == "diverged" and pd.isna(table.loc[1e8, "score"])
    assert table.loc[1e-3, "status"] == "completed"
    assert result["best_hyperparameters"]["learning_rate"] == 1e-3
    out = capsys.readouterr().out
    assert "Dropped 42 of 153 rows with missing values" in out
    assert re.search(r"^1 .* diverged$", out, re.MULTILINE)  # the table says why, last


def test_a_search_prints_its_trials_retraining_and_results_within_80_columns(workdir, capsys):
    # A given --max-trials wins over --quick's 2 trials, as a given --epochs does over its 3.
    assert main(["tune", "air_quality", "--quick", "--max-trials", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("default: epoch 3/3  loss ") for line in lines)
    assert "Trials, best val_mae first:" in lines
    assert [line for line in lines if len(line) >= 80] == []
    # Each trial's line ends in its seconds, never wrapped away from their unit.
    assert len([line for line in lines if line.startswith("  trial: ")]) == 3
    unwrapped = re.sub(r"\n +", " ", "\n".join(lines))  # a wrapped line's continuation
    seconds = r"\(\d+\.\d\N{NO-BREAK SPACE}s\)"  # kept whole by the wrapping
    assert len(re.findall(r"-> val_mae \d+\.\d{4} " + seconds, unwrapped)) == 3


def test_the_trials_table_fits_80_columns_with_each_models_layers_in_one_column():
    from utils.report import WIDTH
    from utils.search import print_table
    from utils.trials import on_screen

    def layers(*units):
        return pd.array(units, dtype="Int64")

    table = pd.DataFrame(
        {
            "rank": [1, 2, 3],
            "trial": ["2", "0", "1"],
            "activation": ["relu", "tanh", "relu"],
            "hidden_layers": [3, 1, 2],
            "learning_rate": [1e-4, 1e-3, 1e-2],
            "optimizer": ["rmsprop", "adam", "sgd"],
            "units_1": layers(16, 30, 8),
            "units_2": layers(16, None, 8),
            "units_3": layers(8, None, None),
            "weight_decay": [0.001, 0.03, 0.0],
            "score": [0.56, 0.97, None],
            "status": ["completed", "completed", "diverged"],
        }
    )
    printed = []
    print_table(on_screen(table).rename(columns={"score": "val_loss"}), printed.append)
    lines = printed[0].splitlines()
    assert max(map(len, lines)) <= WIDTH < len(" ".join(table.columns))
    # Long headers stand on two lines: the words of each over its column.
    assert lines[0].split() == ["hidden_", "learning_", "weight_"]
    assert lines[1].split() == [
        "trial", "activation", "layers", "rate", "optimizer", "units", "decay", "val_loss"
    ]  # fmt: skip
    assert lines[3].split()[-5:] == ["16", "16", "8", "0.001", "0.560"]
    assert lines[4].split()[-3:] == ["30", "0.030", "0.970"]
    assert lines[5].split()[-3:] == ["8", "0.000", "diverged"]


def test_a_search_where_every_trial_diverges_ends_in_a_clear_message(workdir):
    from utils.tuner import tune

    def always_diverges(hp):
        hp.Fixed("learning_rate", 1e8)
        return diverging_build_model(hp)

    with pytest.raises(KitError, match="All 1 trials failed or diverged"):
        tune(
            air_quality.CASE,
            always_diverges,
            Settings(quiet=True),
            kind="random",
            max_trials=1,
            epochs=2,
        )


def start_tune_iris(argv: list[str], cwd: Path) -> subprocess.Popen:
    """`tune iris ... --quiet` in a child process, its output and errors as one stream of text."""
    return subprocess.Popen(
        [sys.executable, "-m", "casestudies", "tune", "iris", *argv, "--quiet"],
        cwd=cwd,
        env=kit_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_an_interrupted_search_resumes_where_it_stopped(workdir, capsys):
    # SIGINT lands in the third trial of six: trials to spare if this machine is slow to send it
    process = start_tune_iris(["--max-trials", "6", "--epochs", "2"], workdir)
    finished_trials = 0
    for line in process.stdout:
        finished_trials += line.startswith("  trial:")
        if finished_trials == 2:
            process.send_signal(signal.SIGINT)
            break
    output = process.stdout.read()
    assert process.wait(timeout=120) == 130
    search_dir = only(workdir / "searches", "iris-random-*")
    assert f"--resume {search_dir.relative_to(workdir)}" in output
    assert not (search_dir / "trials.csv").exists()

    assert main(["tune", "iris", "--resume", str(search_dir), "--quiet"]) == 0
    out = capsys.readouterr().out
    done = int(re.search(r"Random search: (\d) trials? done, (\d) left", out).group(1))
    assert "Reloading Tuner" not in out  # Keras Tuner's own line: the kit says it in words
    assert 1 <= done <= 5
    trials = pd.read_csv(search_dir / "trials.csv")
    assert len(trials) == 6 and set(trials["status"]) == {"completed"}


def test_resuming_with_a_changed_search_space_is_refused(workdir, capsys):
    assert main(["tune", "iris", "--quick", "--quiet"]) == 0
    search_dir = only(workdir / "searches", "iris-random-*")
    record = json.loads((search_dir / "search.json").read_text())
    record["space"][0]["max_value"] = 99  # what an edit of build_model's range looks like
    (search_dir / "search.json").write_text(json.dumps(record))
    assert main(["tune", "iris", "--resume", str(search_dir)]) == 2
    assert "search space has changed since the search began" in capsys.readouterr().err
    assert main(["tune", "diabetes", "--resume", str(search_dir)]) == 2
    assert f"{search_dir} is a search of iris, not diabetes" in capsys.readouterr().err


def test_starting_a_search_never_touches_an_earlier_one(workdir, capsys):
    assert main(["tune", "iris", "--quick", "--quiet"]) == 0
    first = only(workdir / "searches", "iris-random-*")
    before = sorted(str(path.relative_to(first)) for path in first.rglob("*"))
    # An earlier search that never reported (stopped), which the new one names.
    stopped = workdir / "searches" / "iris-bayesian-20260101-000000"
    stopped.mkdir()
    shutil.copy(first / "search.json", stopped)
    capsys.readouterr()
    assert main(["tune", "iris", "--quick", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert f"tune iris --resume {Path('searches') / stopped.name})" in out
    assert first.name not in out and out.count("unfinished search") == 1
    assert len(list((workdir / "searches").iterdir())) == 3
    assert sorted(str(path.relative_to(first)) for path in first.rglob("*")) == before


def decode_address(hex_address: str) -> str:
    """/proc/net/tcp{,6} addresses are 32-bit words in host (little-endian) order; IPv4-mapped
    IPv6 shown as IPv4."""
    raw = b"".join(
        struct.pack("<I", int(hex_address[i : i + 8], 16)) for i in range(0, len(hex_address), 8)
    )
    if len(raw) == 4:
        return socket.inet_ntop(socket.AF_INET, raw)
    address = ipaddress.IPv6Address(raw)
    return str(address.ipv4_mapped or address)


def listening_addresses(port: int) -> set[str]:
    """Local addresses of LISTEN sockets on `port`, read from the kernel's tables."""
    addresses = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for line in open(table).read().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if fields[3] == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                addresses.add(decode_address(address))
    return addresses


def test_distributed_search_on_loopback_completes_every_trial(workdir):
    process = start_tune_iris(["--max-trials", "3", "--epochs", "2", "--workers", "2"], workdir)
    lines, seen = [], set()
    for line in process.stdout:
        lines.append(line)
        match = re.search(r"a chief on 127\.0\.0\.1:(\d+)", line)
        if match:
            port = int(match.group(1))
            deadline = time.monotonic() + 180  # as long as a worker waits for the chief
            while not seen and time.monotonic() < deadline:
                seen = listening_addresses(port)
                time.sleep(0.2)
    assert process.wait(timeout=300) == 0, "".join(lines)
    assert seen == {"127.0.0.1"}, f"the oracle listened on {seen}"
    search_dir = only(workdir / "searches", "iris-random-*")
    trials = pd.read_csv(search_dir / "trials.csv")
    assert len(trials) == 3 and set(trials["status"]) == {"completed"}
    assert any(line.startswith("Best: trial ") for line in lines)
    load_run(only(search_dir, "best_model-*"))


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["tune", "iris", "--chief"], "need --oracle-address"),
        (
            ["tune", "iris", "--worker", "--oracle-address", "10.0.0.5:8000"],
            "--worker needs --resume",
        ),
        (["tune", "iris", "--chief", "--oracle-address", "8000"], "HOST:PORT"),
        (["tune", "iris", "--resume", "nowhere"], "not a search folder"),
    ],
)
def test_distributed_options_are_explicit(workdir, argv, expected, capsys):
    assert main(argv) == 2
    check_one_line(capsys, [expected])


def test_a_trial_is_shown_with_only_the_layers_its_model_has_and_numbers_as_typed():
    import keras_tuner

    from utils.search import shown
    from utils.trials import searched_values

    hp = keras_tuner.HyperParameters()
    hp.Int("hidden_layers", 1, 3, default=1)
    for layer in (1, 2, 3):  # Keras Tuner samples every layer's units, used or not
        hp.Int(f"units_{layer}", 2, 64, default=10 * layer)
    hp.values["dropout"] = 0.1 * 3  # 0.30000000000000004
    assert searched_values(hp) == {"hidden_layers": 1, "units_1": 10, "dropout": 0.1 * 3}
    assert shown(searched_values(hp)) == "dropout=0.3 hidden_layers=1 units_1=10"
    hp.values["hidden_layers"] = 2
    assert set(searched_values(hp)) == {"hidden_layers", "units_1", "units_2", "dropout"}


@pytest.mark.parametrize("max_trials, starts", [(10, 3), (5, 2), (30, 10)])
def test_a_bayesian_search_models_its_trials_after_a_third_of_them(tmp_path, max_trials, starts):
    """Keras Tuner's default, 3 random trials per hyperparameter, would make a search of 10
    trials on iris (7 hyperparameters) a random search."""
    from utils.tuner import make_tuner

    record = {"seed": 0, "executions_per_trial": 1, "max_trials": max_trials}
    tuner = make_tuner("bayesian", lambda hp: None, "val_loss", tmp_path, record)
    assert tuner.oracle.num_initial_points == starts
