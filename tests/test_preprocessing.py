"""Splitting and preprocessing: statistics from training rows only,
and a JSON round trip that rebuilds it exactly."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split

from utils.case import DATA_DIR
from utils.data import load_dataset
from utils.preprocessing import Preprocessor, count_test_rows_in_train, split


@pytest.fixture
def iris():
    return load_dataset(DATA_DIR / "iris.csv", "species", "multiclass")


def test_plain_split_is_exactly_train_test_split(iris):
    train, test = split(iris, test_size=0.25, split_seed=4, stratify=False)
    expected_train, expected_test = train_test_split(iris.frame, test_size=0.25, random_state=4)
    pd.testing.assert_frame_equal(train, expected_train.reset_index(drop=True))
    pd.testing.assert_frame_equal(test, expected_test.reset_index(drop=True))


def test_stratified_split_keeps_class_shares(iris):
    _, test = split(iris, test_size=0.2, split_seed=0, stratify=True)
    assert test["species"].value_counts().tolist() == [10, 10, 10]


def test_scaler_uses_training_rows_only(iris):
    train, test = split(iris, test_size=0.25, split_seed=4, stratify=True)
    preprocessor = Preprocessor.fit(train, "species", "multiclass", scale=True)
    X_train = preprocessor.transform(train)
    np.testing.assert_allclose(X_train.mean(axis=0), 0, atol=1e-6)
    np.testing.assert_allclose(
        preprocessor.mean, train.drop(columns="species").mean().to_numpy(), rtol=1e-12
    )
    assert not np.allclose(preprocessor.mean, iris.features.mean().to_numpy())


def test_unscaled_features_pass_through_unchanged(iris):
    preprocessor = Preprocessor.fit(iris.frame, "species", "multiclass", scale=False)
    np.testing.assert_allclose(
        preprocessor.transform(iris.frame), iris.features.to_numpy(dtype="float32")
    )


def test_labels_encode_to_integers_and_decode_to_names(iris):
    preprocessor = Preprocessor.fit(iris.frame, "species", "multiclass", scale=True)
    codes = preprocessor.encode_labels(iris.labels)
    assert preprocessor.classes == ["setosa", "versicolor", "virginica"]
    assert set(codes) == {0, 1, 2}
    assert preprocessor.decode_labels(codes) == iris.labels.tolist()


def test_text_features_are_one_hot_encoded_and_unknown_values_are_all_zero():
    train = pd.DataFrame(
        {"size": [1.0, 2.0, 3.0, 4.0], "colour": ["red", "blue", "red", "green"], "y": [0, 1, 0, 1]}
    )
    preprocessor = Preprocessor.fit(train, "y", "binary", scale=False)
    assert preprocessor.feature_names == ["size", "colour=blue", "colour=green", "colour=red"]
    new = pd.DataFrame({"size": [5.0], "colour": ["purple"]})
    np.testing.assert_array_equal(preprocessor.transform(new), [[5.0, 0, 0, 0]])


def test_a_true_false_column_read_as_text_still_matches_its_categories():
    train = pd.DataFrame({"smoker": [True, False, True, False], "y": [0, 1, 0, 1]})
    preprocessor = Preprocessor.fit(train, "y", "binary", scale=False)
    assert preprocessor.feature_names == ["smoker=False", "smoker=True"]
    # One odd value makes pandas read the whole column as text: TRUE and FALSE still match.
    new = pd.DataFrame({"smoker": ["maybe", "TRUE", "FALSE", " true"]})
    np.testing.assert_array_equal(preprocessor.transform(new), [[0, 0], [0, 1], [1, 0], [0, 1]])
    assert preprocessor.unseen_categories(new) == {"smoker": ["maybe"]}


def test_json_round_trip_transforms_identically(iris):
    preprocessor = Preprocessor.fit(iris.frame, "species", "multiclass", scale=True)
    rebuilt = Preprocessor.from_dict(json.loads(json.dumps(preprocessor.to_dict())))
    np.testing.assert_array_equal(rebuilt.transform(iris.frame), preprocessor.transform(iris.frame))
    assert rebuilt.decode_labels([2, 0]) == ["virginica", "setosa"]


def test_leakage_count_finds_test_rows_repeated_in_training():
    train = pd.DataFrame({"a": [1, 2, 3], "y": [0, 1, 0]})
    test = pd.DataFrame({"a": [1, 2, 9, 1], "y": [0, 0, 0, 0]})
    assert count_test_rows_in_train(train, test) == 2  # (1, 0) twice; (2, 0) differs in y
