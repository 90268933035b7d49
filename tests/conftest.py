"""Fixtures shared by the tests: learner-style CSVs made on the spot, and a clean working folder."""

import numpy as np
import pandas as pd
import pytest

from utils.case import DATA_DIR


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """Run in an empty folder, so `runs/` and anything else written land where the test can see."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def write_csv(tmp_path):
    def write(text: str, name: str = "data.csv"):
        path = tmp_path / name
        path.write_text(text)
        return path

    return write


@pytest.fixture
def kaggle_diabetes(tmp_path):
    """Like the course's kaggle_diabetes.csv:
    2000 rows drawn with repeats from 532, plus Insulin."""
    rng = np.random.default_rng(0)
    pima = pd.read_csv(DATA_DIR / "diabetes.csv")
    rows = pima.iloc[rng.integers(0, len(pima), 2000)].reset_index(drop=True)
    rows.insert(4, "Insulin", (rows["Glucose"] * 0.8).round().astype(int))
    path = tmp_path / "kaggle_diabetes.csv"
    rows.to_csv(path, index=False)
    return path


@pytest.fixture
def real_combine(tmp_path):
    """Like the course's Real_Combine.csv:
    weather columns, target 'PM 2.5', blank lines and a NaN row."""
    rng = np.random.default_rng(1)
    rows = 120
    weather = pd.DataFrame(
        {
            "T": rng.normal(25, 5, rows).round(1),
            "TM": rng.normal(32, 5, rows).round(1),
            "Tm": rng.normal(18, 5, rows).round(1),
            "SLP": rng.normal(1010, 5, rows).round(1),
            "H": rng.uniform(20, 90, rows).round(),
            "VV": rng.uniform(0.5, 3, rows).round(1),
            "V": rng.uniform(1, 15, rows).round(1),
            "VM": rng.uniform(5, 30, rows).round(1),
        }
    )
    weather["PM 2.5"] = (
        300 - 6 * weather["T"] + 2 * weather["H"] - 5 * weather["V"] + rng.normal(0, 10, rows)
    ).round(3)
    weather.loc[40] = np.nan
    lines = weather.to_csv(index=False).splitlines()
    text = "\n".join(lines[:20] + [""] + lines[20:60] + ["", ""] + lines[60:]) + "\n"
    path = tmp_path / "Real_Combine.csv"
    path.write_text(text)
    return path


@pytest.fixture(scope="session")
def quick_runs(tmp_path_factory):
    """One quick run folder per shipped case study,
    made once through the command line and shared."""
    from casestudies.cli import main

    root = tmp_path_factory.mktemp("runs")
    folders = {}
    for name in ("diabetes", "iris", "air_quality"):
        folders[name] = root / name
        assert main(["run", name, "--epochs", "3", "--quiet", "--out", str(folders[name])]) == 0
    return folders
