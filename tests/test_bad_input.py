"""Issue #13: odd files and options end in one line naming the problem and a fix that exists,
exit status 2, and nothing written; none of them gets as far as training."""

import gzip
import lzma
import pathlib
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from casestudies.cli import COMMANDS, main
from utils.case import DATA_DIR
from utils.data import load_dataset
from utils.errors import KitError
from utils.preprocessing import Preprocessor

ROWS = "a,b,y\n" + "".join(f"{i},{i % 7},{i % 2}\n" for i in range(40))
FIT = ["fit", "--target", "y", "--csv"]


def plain(name, text=ROWS):
    return lambda folder: (folder / name).write_text(text)


def raw(name, data: bytes):
    return lambda folder: (folder / name).write_bytes(data)


def zipped(name):
    def write(folder):
        with zipfile.ZipFile(folder / name, "w") as archive:
            archive.writestr("data.csv", ROWS)

    return write


def iris_with_question_mark(folder):
    frame = pd.read_csv(DATA_DIR / "iris.csv").astype(object)
    frame.loc[7, "petal_width"] = "?"
    frame.to_csv(folder / "iris.csv", index=False)


def iris(folder):
    pd.read_csv(DATA_DIR / "iris.csv").to_csv(folder / "iris.csv", index=False)


LATIN_1 = "a,b,y\n" + "".join(f"{i},caf\xe9,{i % 2}\n" for i in range(20))

# case: (write the input into the folder, argv, words the one stderr line must hold)
CASES = {
    "plain CSV named .csv.gz": (
        plain("data.csv.gz"),
        [*FIT, "data.csv.gz"],
        ["named like a gzip file (.gz) but holds plain text", "rename it to end in .csv."],
    ),
    "plain CSV named .zip": (
        plain("data.zip"),
        [*FIT, "data.zip"],
        ["named like a zip file (.zip) but holds plain text", "rename it to end in .csv."],
    ),
    "plain CSV named .csv.xz": (
        plain("data.csv.xz"),
        [*FIT, "data.csv.xz"],
        ["named like a xz file (.xz) but holds plain text", "rename it to end in .csv."],
    ),
    "gzip data named .csv": (
        raw("data.csv", gzip.compress(ROWS.encode(), mtime=0)),
        [*FIT, "data.csv"],
        ["holds gzip-compressed data", "rename it to end in .csv.gz"],
    ),
    "zip archive named .csv": (
        zipped("data.csv"),
        [*FIT, "data.csv"],
        ["is a zip archive, not a text CSV file", "Unzip it"],
    ),
    "Latin-1 text": (
        raw("data.csv", LATIN_1.encode("latin-1")),
        [*FIT, "data.csv"],
        ["is not UTF-8 text (it holds byte 0xe9: Latin-1", "Save it as 'CSV UTF-8'"],
    ),
    "a huge value in a feature": (
        plain("data.csv", ROWS + "1e308,3,1\n"),
        [*FIT, "data.csv"],
        ["Column 'a'", "holds 1e+308 (row 41 of the data): too large to train on", "Rescale"],
    ),
    "a number beyond 32-bit floats": (
        plain("data.csv", ROWS + "1e39,3,1\n"),
        [*FIT, "data.csv"],
        ["Column 'a'", "holds 1e+39 (row 41 of the data): too large to train on", "up to 1e+38"],
    ),
    "seed beyond 2**32": (
        None,
        ["run", "iris", "--seed", "4294967296"],
        ["--seed: must be a whole number from 0 to 4294967295, not 4294967296"],
    ),
    "split seed beyond 2**32": (
        None,
        ["run", "iris", "--split-seed", "4294967296"],
        ["--split-seed: must be a whole number from 0 to 4294967295"],
    ),
    "predict into a missing folder": (
        plain("rows.csv"),
        ["predict", "--run", "runs/none", "--csv", "rows.csv", "--out", "missing/x.csv"],
        ["The folder missing of --out missing/x.csv does not exist", "Create it first"],
    ),
    "duplicate column names": (
        plain("data.csv", "a,a,y\n" + "1,2,0\n3,4,1\n" * 10),
        [*FIT, "data.csv"],
        ["has more than one column named 'a'", "Rename the columns"],
    ),
    "a case study's task does not fit the target": (
        iris,
        ["run", "diabetes", "--csv", "iris.csv", "--target", "species"],
        [
            "Target 'species' has 3 classes, not 2",
            "use `python -m casestudies fit --csv iris.csv --target species --task multiclass`",
        ],
    ),
    "a measured target for a classifier": (
        iris,
        ["run", "iris", "--csv", "iris.csv", "--target", "petal_length"],
        [
            "Target 'petal_length' holds fractional numbers (e.g. 1.4) in 150 rows",
            "looks like regression, not classes",
            "fit --csv iris.csv --target petal_length --task regression`",
        ],
    ),
    "whole numbers that do not repeat, for a binary classifier": (
        plain("data.csv", "a,y\n" + "".join(f"{i},{i * 7 % 101}\n" for i in range(60))),
        [*FIT, "data.csv", "--task", "binary"],
        ["Target 'y' holds 60 different numbers (e.g. 0) in 60 rows", "--task regression`"],
    ),
    "no header row": (
        plain("data.csv", ROWS.split("\n", 1)[1]),
        ["fit", "--target", "0", "--csv", "data.csv"],
        ["The first line of data.csv (0, 0, 0) looks like data", "add a header row"],
    ),
    "a title line with commas": (
        plain("data.csv", "Patient export,,\n" + ROWS),
        [*FIT, "data.csv"],
        ["its first line names only 'Patient export'", "if it is a title or a note, delete it"],
    ),
    "a column without a name": (
        plain("data.csv", ROWS.replace("a,b,y", "a,,y", 1)),
        [*FIT, "data.csv"],
        ["Column 2 of data.csv has no name in the header (it holds 0 on row 1", "Name it"],
    ),
    "a row with an extra value": (
        plain("data.csv", ROWS.replace("\n3,3,1\n", "\n3,3,1,9\n", 1)),
        [*FIT, "data.csv"],
        ["line 5 has 4 values, but the lines above it have 3", "Remove the extra values"],
    ),
    "one row": (
        plain("data.csv", "a,b,y\n1,2,0\n"),
        [*FIT, "data.csv"],
        ["data.csv has only 1 usable rows; the kit needs at least 10"],
    ),
    "decimal commas": (
        plain("data.csv", "a,b,y\n" + "".join(f'{i},"{i},5",{i % 2}\n' for i in range(20))),
        [*FIT, "data.csv"],
        ["writes its decimals with a comma (e.g. '0,5', row 1 of the data)", "with a point"],
    ),
    "decimal commas with three decimals": (
        plain("data.csv", "a,b,y\n" + "".join(f'{i},"0,{i:03d}",{i % 2}\n' for i in range(20))),
        [*FIT, "data.csv"],
        ["writes its decimals with a comma (e.g. '0,000', row 1 of the data)"],
    ),
    "thousands separators on some rows": (
        plain(
            "data.csv",
            "a,b,y\n"
            + "".join(f'{i},"{i},500",{i % 2}\n' if i % 2 else f"{i},7,0\n" for i in range(20)),
        ),
        [*FIT, "data.csv"],
        ["numbers written as text (e.g. '1,500', row 2 of the data)", "thousands separators"],
    ),
    "no feature varies": (
        plain("data.csv", "a,b,y\n" + "".join(f"1,2,{i % 2}\n" for i in range(20))),
        [*FIT, "data.csv"],
        ["Every feature column of data.csv holds a single value", "Add columns that vary"],
    ),
    "a file for the run folder": (
        plain("rows.csv"),
        ["predict", "--run", "rows.csv", "--csv", "rows.csv"],
        ["rows.csv is a file: --run takes a run folder (the one `run` or `fit` printed"],
    ),
    "an empty file for --out": (
        plain("taken"),
        ["run", "iris", "--out", "taken"],
        ["Can't create the folder taken: a file of that name is in the way.", "give --out"],
    ),
    "an empty target": (
        plain("data.csv", "a,b,y\n" + "".join(f"{i},{i % 7},\n" for i in range(40))),
        [*FIT, "data.csv"],
        ["column 'y' is missing in 40 rows", "The target is empty: fill it in, or choose another"],
    ),
    "an empty feature column": (
        plain("data.csv", "a,b,y\n" + "".join(f"{i},,{i % 2}\n" for i in range(40))),
        [*FIT, "data.csv"],
        ["column 'b' is missing in 40 rows", "That column is empty: drop it"],
    ),
    "a gap in every row, no empty column": (
        plain("data.csv", "a,b,y\n" + "".join(f"{i},,0\n{i},1,\n" for i in range(20))),
        [*FIT, "data.csv"],
        ["missing in 20 rows", "Fill in the missing values: every row lacks at least one."],
    ),
    "a title line above the header": (
        plain("data.csv", "Measurements, 2024\n" + ROWS.replace("a,b,y", "a,b,c,y")),
        [*FIT, "data.csv"],
        ["its first line has 2 value(s), but the rows below have 4", "if it is a title"],
    ),
    "a column missing in nearly every row": (
        plain(
            "data.csv",
            "a,b,y\n" + "".join(f"{i},{i if i < 5 else ''},{i % 2}\n" for i in range(40)),
        ),
        [*FIT, "data.csv"],
        ["Only 5 of 40 rows of data.csv are complete: column 'b' is missing in 35 rows"],
    ),
    "a task for a case study's bench": (
        None,
        ["bench", "iris", "--task", "binary"],
        ["--task goes with `bench --csv FILE --target COLUMN`", "Drop --task."],
    ),
    "a learner's CSV bench without its target": (
        None,
        ["bench", "--csv", str(DATA_DIR / "iris.csv")],
        ["bench --csv FILE needs --target", "bench diabetes --csv FILE"],
    ),
    "a million epochs and more": (
        None,
        ["run", "iris", "--epochs", "99999999999"],
        ["--epochs: must be a whole number from 1 to 1000000, not 99999999999"],
    ),
    "a question mark in a numeric target": (
        iris_with_question_mark,
        ["fit", "--csv", "iris.csv", "--target", "petal_width"],
        ["Column 'petal_width' of iris.csv", "text like '?' (row 8 of the data)", "Fix or remove"],
    ),
    "validation split of 0.99": (
        None,
        ["run", "iris", "--validation-split", "0.99"],
        ["--validation-split: must be from 0 to 0.5", "not 0.99"],
    ),
    "test size of 0.98": (
        None,
        ["run", "iris", "--test-size", "0.98"],
        ["--test-size 0.98 leaves 3 of iris.csv's 150 rows", "smaller --test-size"],
    ),
}


def check_one_line(capsys, words):
    captured = capsys.readouterr()
    assert captured.err.startswith("error: ") and captured.err.count("\n") == 1, captured.err
    for word in words:
        assert word in captured.err
    assert captured.out == ""


@pytest.mark.parametrize("case", sorted(CASES))
def test_odd_input_gives_one_line_exit_2_and_writes_nothing(case, workdir, capsys):
    write, argv, words = CASES[case]
    if write:
        write(workdir)
    before = sorted(workdir.rglob("*"))
    assert main(argv) == 2
    check_one_line(capsys, words)
    assert sorted(workdir.rglob("*")) == before


def test_an_unreadable_file_says_permission_denied(workdir, capsys, monkeypatch):
    path = workdir / "data.csv"
    path.write_text(ROWS)
    path.chmod(0)
    opener = pathlib.Path.open

    def refuse(self, *args, **kwargs):  # root reads anything: refuse as the OS would
        if self.name == "data.csv":
            raise PermissionError(13, "Permission denied")
        return opener(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", refuse)
    assert main([*FIT, "data.csv"]) == 2
    check_one_line(capsys, ["Can't read data.csv (permission denied): check its permissions."])
    assert [p.name for p in workdir.iterdir()] == ["data.csv"]


def test_predict_treats_inf_as_missing_like_training(workdir, capsys, monkeypatch):
    train = pd.DataFrame({"a": [float(i) for i in range(10)], "y": [0, 1] * 5})
    preprocessor = Preprocessor.fit(train, "y", "binary", scale=True)
    monkeypatch.setattr("utils.predicting.check_run", lambda run: (preprocessor, {}))
    monkeypatch.setattr("utils.predicting.load_model", pytest.fail)  # refused before the model
    (workdir / "rows.csv").write_text("a,b\n1,2\ninf,3\n")
    assert main(["predict", "--run", "r", "--csv", "rows.csv"]) == 2
    check_one_line(capsys, ["1 row(s) of rows.csv have missing or infinite values (file lines 3)"])
    assert sorted(p.name for p in workdir.iterdir()) == ["rows.csv"]


def test_values_too_large_for_float32_are_refused_before_training():
    train = pd.DataFrame({"a": [1.0, 2.0, 1e100], "y": [0, 1, 0]})
    preprocessor = Preprocessor.fit(train, "y", "binary", scale=False)
    with pytest.raises(KitError, match="Feature 'a' holds 1e\\+100, too large for the model's"):
        preprocessor.transform(train)


@pytest.mark.parametrize(
    "name, data",
    [
        ("data.csv.gz", gzip.compress(ROWS.encode(), mtime=0)),
        ("data.csv.xz", lzma.compress(ROWS.encode())),
        ("data.csv", ROWS.encode("utf-16")),
        ("data.zip", None),
        ("data.csv", ROWS.encode("utf-8-sig")),
    ],
)
def test_compressed_and_utf16_csvs_that_say_what_they_are_still_load(tmp_path, name, data):
    if data is None:
        zipped(name)(tmp_path)
    else:
        (tmp_path / name).write_bytes(data)
    dataset = load_dataset(tmp_path / name, "y", "auto")
    assert dataset.feature_names == ["a", "b"] and len(dataset.frame) == 40


def notes_for(frame: pd.DataFrame, target: str, tmp_path) -> list[str]:
    frame.to_csv(tmp_path / "data.csv", index=False)
    return load_dataset(tmp_path / "data.csv", target, "auto").notes


def test_a_saved_row_index_is_named_before_training(tmp_path):
    iris = pd.read_csv(DATA_DIR / "iris.csv")
    iris.to_csv(tmp_path / "saved.csv")  # pandas' default: the index as an unnamed column
    notes = load_dataset(tmp_path / "saved.csv", "species").notes
    assert any("column 'Unnamed: 0' looks like a saved row index" in note for note in notes)
    numbered = iris.assign(row=range(1, len(iris) + 1))
    notes = notes_for(numbered, "species", tmp_path)
    assert any("column 'row' looks like a saved row index" in note for note in notes)
    assert not any("'row'" in note and "leak" in note for note in notes)  # said once, not twice


def test_a_comma_at_the_end_of_every_line_adds_no_column(tmp_path):
    path = tmp_path / "trailing.csv"
    path.write_text("".join(line + ",\n" for line in ROWS.splitlines()))
    dataset = load_dataset(path, "y")
    assert list(dataset.frame.columns) == ["a", "b", "y"] and len(dataset.frame) == 40


def test_words_read_as_missing_and_a_costly_column_are_named(tmp_path):
    rows = "".join(f"{i},{['None', 'NA', 'yes', 'no'][i % 4]},{i % 2}\n" for i in range(40))
    path = tmp_path / "words.csv"
    path.write_text("a,smoker,y\n" + rows)
    notes = load_dataset(path, "y").notes
    assert "Dropped 20 of 40 rows with missing values (smoker 20)." in notes
    assert "pandas reads the word(s) 'None', 'NA' as missing values" in notes[2]
    assert "column 'smoker' alone costs 20 of those rows" in notes[1]
    # R's NA in a numeric column is a missing number: nothing to say about words.
    notes = load_dataset(DATA_DIR / "air_quality.csv", "Ozone").notes
    assert not [note for note in notes if "reads the word" in note or "alone costs" in note]


def test_a_feature_that_gives_the_target_away_is_called_a_possible_leak(tmp_path):
    iris = pd.read_csv(DATA_DIR / "iris.csv")
    codes = {"setosa": 1, "versicolor": 5, "virginica": 9}
    leaky = iris.assign(label=iris["species"].str[:3], code=iris["species"].map(codes))
    notes = notes_for(leaky, "species", tmp_path)
    leaks = [note for note in notes if "may be a leak" in note]
    assert len(leaks) == 2 and "'label'" in leaks[0] and "'code'" in leaks[1]
    assert "100.0% accuracy on its own" in leaks[1]
    air = pd.read_csv(DATA_DIR / "air_quality.csv")
    notes = notes_for(air.assign(ozone_ppb=air["Ozone"] * 1000 + 3), "Ozone", tmp_path)
    assert any("'ozone_ppb'" in note and "|correlation| 1.000" in note for note in notes)


def test_a_two_valued_target_given_to_regression_is_pointed_to_a_classifier():
    path = DATA_DIR / "diabetes.csv"
    notes = load_dataset(path, "Outcome", "regression").notes
    expected = "holds only 0 and 1, and regression will predict numbers between them"
    assert [note for note in notes if expected in note and "--task binary`" in note]
    assert not [note for note in load_dataset(path, "Outcome", "binary").notes if expected in note]


@pytest.mark.parametrize(
    "name, target", [("iris", "species"), ("diabetes", "Outcome"), ("air_quality", "Ozone")]
)
def test_the_shipped_data_raises_no_warning(name, target):
    notes = load_dataset(DATA_DIR / f"{name}.csv", target).notes
    assert not [note for note in notes if note.startswith("Warning")]


def one_rare_class(folder):
    text = "a,b,y\n" + "".join(f"{i},{(i * 7) % 11},{'ab'[i % 2]}\n" for i in range(30))
    (folder / "rare.csv").write_text(text + "30,3,c\n")


@pytest.mark.parametrize("options", [["--no-stratify"], ["--recipe", "course"]])
def test_fit_infers_the_task_with_the_split_it_will_make(workdir, capsys, monkeypatch, options):
    one_rare_class(workdir)
    assert main(["fit", "--csv", "rare.csv", "--target", "y"]) == 2  # stratified: refused
    check_one_line(capsys, ["Class 'c' of the target has a single row"])
    seen = {}

    def stop(case, build_model, settings):
        seen.update(task=case.task, stratify=settings.stratify, recipe=settings.recipe)
        raise KitError("stopped before training")

    monkeypatch.setattr("utils.experiment.run_experiment", stop)
    assert main(["fit", "--csv", "rare.csv", "--target", "y", *options]) == 2
    check_one_line(capsys, ["stopped before training"])  # got past task inference
    assert seen["task"] == "multiclass"
    # Unstratified either way: by the option, or by the course recipe's own split.
    expected = (False, "kit") if options == ["--no-stratify"] else (None, "course")
    assert (seen["stratify"], seen["recipe"]) == expected


def test_bad_grid_and_run_input_is_refused_before_tensorflow_loads(tmp_path):
    (tmp_path / "small.csv").write_text(
        "a,b,y\n" + "".join(f"{i},{(i * 5) % 7},{i % 2}\n" for i in range(12))
    )
    requests = {
        "grid iris --csv nofile.csv": "File not found: nofile.csv",
        "grid fashion --split-seed 3": "--split-seed does not apply to fashion",
        "fit --csv small.csv --target y --validation-split 0.5": (
            "--validation-split 0.5 leaves 4 of small.csv's 9 training rows to fit on; "
            "the kit needs at least 6"
        ),
        "run iris --validation-split 1e-20": (
            "--validation-split 1e-20 keeps 0 of iris.csv's 112 training rows for validation"
        ),
        "run iris fashion --split-seed 3": "--split-seed does not apply to fashion",
    }
    code = (
        "import contextlib, io, sys\nfrom casestudies.cli import main\n"
        f"for argv, words in {requests!r}.items():\n"
        "    err = io.StringIO()\n"
        "    with contextlib.redirect_stderr(err):\n"
        "        assert main(argv.split()) == 2, argv\n"
        "    said = err.getvalue()\n"
        "    assert words in said and said.count(chr(10)) == 1, said\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'imported'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["small.csv"]  # nothing written


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["grid", "iris", "--cv", "100"], "smallest class has 37: choose --cv 37 or fewer"),
        (["grid", "air_quality", "--cv", "500"], "needs more than 500 training rows"),
    ],
)
def test_more_folds_than_the_training_rows_allow_is_refused_in_one_line(
    workdir, argv, expected, capsys
):
    from casestudies.cli import main

    assert main(argv) == 2
    err = capsys.readouterr().err
    assert expected in err and len(err.strip().splitlines()) == 1
    assert not (workdir / "runs").exists()


def test_a_working_folder_we_cannot_write_is_refused_before_training(workdir, capsys, monkeypatch):
    import os

    # (The tests may run as root, whom permissions don't stop: the check asks os.access.)
    real_access = os.access

    def access(path, mode):
        return real_access(path, mode) and Path(path).resolve() != workdir.resolve()

    monkeypatch.setattr(os, "access", access)
    monkeypatch.setattr("utils.experiment.run_experiment", pytest.fail)  # refused before training
    assert main(["run", "iris", "--quick"]) == 2
    check_one_line(capsys, ["Can't write runs:", "is not writable", "give --out another folder"])
    assert list(workdir.iterdir()) == []
    # grid has no --out: the fix it is given is the folder to run from, and only that.
    monkeypatch.setattr("utils.grid.grid_search", pytest.fail)
    assert main(["grid", "iris", "--quick"]) == 2
    check_one_line(capsys, ["Can't write runs:", "Run from a folder you can write to."])


def test_a_file_we_may_not_write_is_one_line_not_a_traceback(workdir, capsys, monkeypatch):
    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied", "locked/forecast.csv")

    monkeypatch.setitem(COMMANDS, "list", denied)  # as `predict --out` into a locked folder
    assert main(["list"]) == 2
    check_one_line(capsys, ["Permission denied: locked/forecast.csv", "you can write"])


@pytest.mark.parametrize(
    "argv, folder, fix",
    [
        (["run", "iris", "--quick"], "runs", "give --out another folder"),
        (["grid", "iris", "--quick"], "runs", "run from another folder"),  # grid has no --out
        (["tune", "iris", "--quick"], "searches", "run from another folder"),
    ],
)
def test_a_file_where_the_results_folder_goes_is_refused_before_any_work(
    workdir, capsys, argv, folder, fix
):
    (workdir / folder).write_text("notes\n")
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err == (
        f"error: Can't create the folder {folder}: a file of that name is in the way. "
        f"Move the file, or {fix}.\n"
    )
    assert (workdir / folder).read_text() == "notes\n"


def test_a_folder_the_system_refuses_is_one_sentence(workdir, capsys, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)  # as a read-only disk or a full one would
    assert main(["run", "iris", "--quick", "--out", "new"]) == 2
    check_one_line(
        capsys, ["Can't create the folder new (Permission denied).", "give --out another folder"]
    )
