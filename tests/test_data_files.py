"""The shipped data files are the ones data/README.md describes, byte for byte."""

import hashlib
import re

import numpy as np
import pandas as pd
import pytest

from utils.case import DATA_DIR

README = (DATA_DIR / "README.md").read_text()
TABLE_ROW = re.compile(
    r"\| `(\w+\.(?:csv|npz))` \| (\d+) × (\d+)[ ×\d]* .*? \| `([0-9a-f]{64})` \|"
)
RECORDED = {
    name: (int(rows), int(columns), digest)
    for name, rows, columns, digest in TABLE_ROW.findall(README)
}


def test_readme_records_every_shipped_data_file():
    shipped = [*DATA_DIR.glob("*.csv"), *DATA_DIR.glob("*.npz")]
    assert sorted(RECORDED) == sorted(path.name for path in shipped)


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_shipped_file_matches_its_recorded_sha256_and_shape(name):
    rows, columns, digest = RECORDED[name]
    path = DATA_DIR / name
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as arrays:
            images = np.concatenate([arrays["x_train"], arrays["x_test"]])
        assert images.shape[:2] == (rows, columns)
    else:
        assert pd.read_csv(path).shape == (rows, columns)
