"""The command line: fast answers without TensorFlow,
and one line with exit status 2 for every bad request."""

import subprocess
import sys

import pytest

from casestudies import CASE_STUDIES, load_case
from casestudies.cli import main


def run_python(code: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, timeout=120
    )


@pytest.mark.parametrize(
    "argv",
    [["list"], ["--help"], ["run", "--help"], ["run", "nope"], ["run", "iris", "--epochs", "0"]],
)
def test_commands_that_need_no_model_do_not_import_tensorflow(argv):
    code = (
        "import sys\nfrom casestudies.cli import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'imported'"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("command", ["grid", "tune"])
def test_search_help_names_only_the_cases_it_searches(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    names = capsys.readouterr().out.split("one of ", 1)[1].split("\n\n", 1)[0]
    assert " ".join(names.split()) == "diabetes, iris, air_quality, fashion, elnino"


def test_list_shows_every_case_with_task_data_and_rows(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for expected in (
        "diabetes",
        "binary",
        "532",
        "iris",
        "multiclass",
        "150",
        "air_quality",
        "regression",
        "153",
    ):
        assert expected in out
    lines = out.splitlines()
    row = next(index for index, line in enumerate(lines) if line.startswith("iris "))
    assert lines[row + 1] == "  " + load_case("iris").CASE.description  # what it learns, below
    assert max(map(len, lines)) < 80


def test_list_shows_a_missing_data_file_as_missing(monkeypatch, capsys):
    from dataclasses import replace

    iris = load_case("iris")
    monkeypatch.setattr(iris, "CASE", replace(iris.CASE, data_file="deleted.csv"))
    assert main(["list"]) == 0
    (row,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith("iris ")]
    assert row.split()[1:4] == ["multiclass", "deleted.csv", "missing"]


BAD_REQUESTS = {
    "unknown case study": (["run", "irsi"], "Did you mean 'iris'?"),
    "epochs out of range": (
        ["run", "iris", "--epochs", "0"],
        "--epochs: must be a whole number from 1 to 1000000, not 0",
    ),
    "test size out of range": (
        ["run", "iris", "--test-size", "1.5"],
        "--test-size: must be a fraction between 0 and 1",
    ),
    "batch size not a number": (
        ["run", "iris", "--batch-size", "big"],
        "--batch-size: must be a whole number",
    ),
    "csv with all": (["run", "all", "--csv", "x.csv"], "not several"),
    "missing csv": (
        ["fit", "--csv", "nowhere.csv", "--target", "y"],
        "File not found: nowhere.csv",
    ),
    "missing target": (["run", "diabetes", "--target", "outcome"], "Did you mean 'Outcome'?"),
    "too few rows for the test size": (
        ["run", "iris", "--test-size", "0.01"],
        "can't hold all 3 classes",
    ),
    "missing run folder": (
        ["predict", "--run", "runs/none", "--csv", "x.csv"],
        "Run folder not found",
    ),
    "missing option": (["fit", "--csv", "x.csv"], "the following arguments are required: --target"),
}


@pytest.mark.parametrize("case", sorted(BAD_REQUESTS))
def test_bad_requests_print_one_line_exit_2_and_write_nothing(case, workdir, capsys):
    argv, expected = BAD_REQUESTS[case]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("error: ") and captured.err.count("\n") == 1
    assert expected in captured.err
    assert list(workdir.iterdir()) == []


def test_a_real_process_exits_2_with_no_traceback(tmp_path):
    (tmp_path / "one_class.csv").write_text("a,y\n" + "1,1\n2,1\n" * 10)
    result = subprocess.run(
        [sys.executable, "-m", "casestudies", "fit", "--csv", "one_class.csv", "--target", "y"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 2
    assert (
        result.stderr
        == "error: Target 'y' has only one class (1): a classifier needs at least two. "
        "Add rows of another class.\n"
    )
    assert result.stdout == "" and sorted(path.name for path in tmp_path.iterdir()) == [
        "one_class.csv"
    ]


def test_predict_into_a_pipe_that_closes_early_ends_without_a_traceback(quick_runs, tmp_path):
    import pandas as pd

    from utils.case import DATA_DIR

    many_rows = tmp_path / "many.csv"  # far more output than a pipe's buffer holds
    pd.concat([pd.read_csv(DATA_DIR / "iris.csv")] * 40).to_csv(many_rows, index=False)
    command = ["-m", "casestudies", "predict", "--run", str(quick_runs["iris"])]
    process = subprocess.Popen(
        [sys.executable, *command, "--csv", str(many_rows)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().startswith("sepal_length,")
    process.stdout.close()  # like `| head -1`
    errors = process.stderr.read()
    process.wait(timeout=120)
    assert "Traceback" not in errors and "BrokenPipeError" not in errors


def test_run_all_on_jax_leaves_out_the_cases_whose_step_needs_tensorflow(
    workdir, monkeypatch, capsys
):
    from utils import experiment, generative

    ran = []
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    # Record what would train instead of training it: the choice of cases is under test.
    monkeypatch.setattr(experiment, "run_experiment", lambda case, *_: ran.append(case.name))
    monkeypatch.setattr(generative, "run_experiment", lambda case, _: ran.append(case.CASE.name))
    monkeypatch.setattr("casestudies.cli.print_result", lambda *_: None)
    assert main(["run", "all", "--quick"]) == 0
    assert ran == [name for name in CASE_STUDIES if name not in ("vae", "gan")]
    assert "leaves out vae and gan" in capsys.readouterr().out


def test_a_named_case_whose_step_needs_tensorflow_is_refused_on_another_backend(
    workdir, monkeypatch, capsys
):
    from casestudies.cli import check_input
    from utils.experiment import Settings

    gan = load_case("gan").CASE
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")
    check_input(gan, Settings(quick=True))  # nothing to refuse
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    assert main(["run", "iris", "gan", "--quick"]) == 2  # refused before iris trains
    assert "gan trains with its own train_step" in capsys.readouterr().err
    assert list(workdir.iterdir()) == []


def test_the_backend_is_read_as_keras_reads_it(tmp_path, monkeypatch):
    from utils.keras_setup import backend_name

    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert backend_name() == "tensorflow"  # no keras.json: Keras's default
    (tmp_path / "keras.json").write_text('{"backend": "jax", "floatx": "float32"}')
    assert backend_name() == "jax"
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    assert backend_name() == "torch"
