"""Run folders hold data, not code:
anything that could run code on load is refused before it loads."""

import json
import pickle
import shutil

import pandas as pd
import pytest

from casestudies.cli import main
from utils.case import DATA_DIR
from utils.errors import KitError
from utils.loading import load_run


@pytest.fixture
def run_copy(quick_runs, tmp_path):
    """A private copy of the diabetes quick run, to tamper with."""
    return shutil.copytree(quick_runs["diabetes"], tmp_path / "run")


def refusal(run_dir) -> str:
    with pytest.raises(KitError) as error:
        load_run(run_dir)
    return str(error.value)


def test_a_kit_run_folder_holds_no_pickles_and_loads(quick_runs):
    for folder in quick_runs.values():
        suffixes = {path.suffix for path in folder.iterdir()}
        assert suffixes == {".json", ".csv", ".keras", ".png"}
        model, preprocessor, config = load_run(folder)
        assert model.inputs[0].shape[-1] == len(preprocessor.feature_names)


@pytest.mark.parametrize("name", ["scaler.pkl", "encoder.joblib", "extra/model.pickle"])
def test_a_planted_pickle_is_refused(run_copy, name):
    planted = run_copy / name
    planted.parent.mkdir(exist_ok=True)
    planted.write_bytes(pickle.dumps({"harmless": "but refused all the same"}))
    message = refusal(run_copy)  # named (or its folder): a run folder holds no folders either
    assert f"holds {name.replace('model.pickle', '')}: not a file a run writes" in message
    assert "can run code when loaded" in message


def test_a_model_with_a_lambda_layer_is_refused(run_copy):
    from utils.keras_setup import import_keras

    keras = import_keras()
    model = keras.Sequential(
        [keras.Input((7,)), keras.layers.Lambda(lambda x: x * 2), keras.layers.Dense(1)]
    )
    model.save(run_copy / "model.keras")
    assert "Lambda layer" in refusal(run_copy)


def test_a_model_of_another_width_is_refused(run_copy, quick_runs):
    shutil.copy(quick_runs["iris"] / "model.keras", run_copy / "model.keras")
    assert "expects inputs of shape (4,) but preprocessing.json describes (7,)" in refusal(run_copy)


@pytest.mark.parametrize(
    "damage, expected",
    [
        (lambda run: (run / "preprocessing.json").write_text("{not json"), "not valid JSON"),
        (
            lambda run: (run / "preprocessing.json").write_text(json.dumps({"task": "binary"})),
            "malformed",
        ),
        (lambda run: (run / "config.json").unlink(), "no config.json"),
        (lambda run: (run / "model.keras").write_bytes(b"not a zip"), "could not be loaded"),
    ],
)
def test_a_damaged_run_folder_is_refused_clearly(run_copy, damage, expected):
    damage(run_copy)
    assert expected in refusal(run_copy)


def test_predict_names_the_columns_the_csv_lacks_and_writes_nothing(run_copy, tmp_path, capsys):
    pd.read_csv(DATA_DIR / "diabetes.csv").drop(columns=["BMI", "Age"]).to_csv(
        tmp_path / "rows.csv", index=False
    )
    assert (
        main(
            [
                "predict",
                "--run",
                str(run_copy),
                "--csv",
                str(tmp_path / "rows.csv"),
                "--out",
                str(tmp_path / "out.csv"),
            ]
        )
        == 2
    )
    assert "lacks the model's column(s): 'BMI', 'Age'" in capsys.readouterr().err
    assert not (tmp_path / "out.csv").exists()


def test_predict_refuses_a_planted_pickle_through_the_command_line(run_copy, capsys):
    (run_copy / "preprocessing.pkl").write_bytes(pickle.dumps(1))
    assert main(["predict", "--run", str(run_copy), "--csv", str(DATA_DIR / "diabetes.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "preprocessing.pkl" in err


@pytest.mark.parametrize("units", [1, 4])
def test_a_model_with_the_wrong_number_of_outputs_is_refused(quick_runs, tmp_path, units):
    """Same input width as the iris run, but a binary model's one unit (or four): refused."""
    from utils.keras_setup import import_keras

    keras = import_keras()
    run_dir = shutil.copytree(quick_runs["iris"], tmp_path / "iris")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(units, activation="sigmoid")])
    model.save(run_dir / "model.keras")
    message = refusal(run_dir)
    assert f"has {units} output unit(s) but preprocessing.json describes a multiclass" in message
    assert "with 3 classes (needing 3)" in message
