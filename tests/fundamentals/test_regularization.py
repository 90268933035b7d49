"""The regularisation notebook's lessons hold: the notebook itself, run with fewer epochs.

It runs once, in a Jupyter kernel as a student runs it (so `tests/test_notebooks.py` does not run
it again), and an extra cell saves what the tests below read.
"""

import math
import pickle
from pathlib import Path

import nbformat
import numpy as np
import pytest
from test_notebooks import after_parameters, assert_ran_cleanly, execute_in

# Its tests share one execution of the notebook: keep them on one pytest-xdist worker.
pytestmark = pytest.mark.xdist_group("regularisation")

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "regularisation.ipynb"
NUM_EPOCHS = 60  # the unregularised network bottoms out near epoch 25: enough to overfit

SAVE = """
import pickle

models["early stopping"].save("early_stopping.keras")
with open("lessons.pkl", "wb") as file:
    pickle.dump(
        {
            "table": table,
            "peers": peers,
            "histories": histories,
            "X_train": X_train,
            "y_train": y_train,
            "y_test": y_test,
        },
        file,
    )
"""


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The executed notebook (with `num_epochs` set after its parameters cell, as papermill
    would) and the folder it ran in."""
    folder = tmp_path_factory.mktemp("regularisation")
    notebook = after_parameters(nbformat.read(NOTEBOOK, as_version=4), f"num_epochs = {NUM_EPOCHS}")
    notebook.cells.append(nbformat.v4.new_code_cell(SAVE))
    execute_in(folder, notebook)
    return notebook, folder


@pytest.fixture(scope="module")
def notebook(executed):
    """The notebook's variables the tests read, and its early-stopping model."""
    from utils.keras_setup import import_keras

    keras = import_keras()
    _, folder = executed
    with open(folder / "lessons.pkl", "rb") as file:
        variables = pickle.load(file)
    variables["models"] = {
        "early stopping": keras.saving.load_model(folder / "early_stopping.keras")
    }
    return variables


def test_the_notebook_runs_cleanly(executed):
    assert_ran_cleanly(executed[0])


def test_every_network_is_in_the_table_and_beats_the_majority_class(notebook):
    table = notebook["table"]
    assert list(table.index) == [
        "none",
        "L1",
        "L2",
        "dropout",
        "batch normalisation",
        "early stopping",
    ]
    y_test = notebook["y_test"]
    always_the_larger_class = max(y_test.mean(), 1 - y_test.mean())
    assert (table["test accuracy"] > always_the_larger_class + 0.05).all()
    assert (table.drop(index="early stopping")["epochs run"] == NUM_EPOCHS).all()


def test_the_peers_stand_beside_the_networks(notebook):
    peers, y_train, y_test = notebook["peers"], notebook["y_train"], notebook["y_test"]
    assert list(peers.index) == ["majority class", "logistic regression"]
    larger_class = round(y_train.mean())  # the naive baseline answers it for every test row
    majority = peers.loc["majority class", "test accuracy"]
    assert majority == pytest.approx((y_test == larger_class).mean())
    assert peers.loc["logistic regression", "test accuracy"] > majority + 0.05


def test_without_regularisation_the_network_overfits(notebook):
    history = notebook["histories"]["none"]
    lowest = int(np.argmin(history["val_cross_entropy"]))
    assert lowest < NUM_EPOCHS / 2  # the validation curve turns up long before the end...
    assert history["val_cross_entropy"][-1] > history["cross_entropy"][-1] + 0.1  # ...a gap


def test_l1_and_l2_shrink_the_weights(notebook):
    weights = notebook["table"]["sum of |weights|"]
    assert weights["L1"] < 0.8 * weights["none"]
    assert weights["L2"] < 0.9 * weights["none"]


def test_dropout_keeps_the_training_loss_above_no_regularisation(notebook):
    training = notebook["table"]["final training cross-entropy"]
    assert training["dropout"] > training["none"] + 0.02


def test_early_stopping_stops_and_keeps_the_weights_of_the_lowest_validation_loss(notebook):
    history, model = notebook["histories"]["early stopping"], notebook["models"]["early stopping"]
    assert len(history["loss"]) < NUM_EPOCHS
    # The rows `validation_split=0.2` held back: Keras takes the last 20%.
    X_train, y_train = notebook["X_train"], notebook["y_train"]
    split_at = math.floor(len(X_train) * (1 - 0.2))
    validation_loss = model.evaluate(X_train[split_at:], y_train[split_at:], verbose=0)[0]
    assert validation_loss == pytest.approx(min(history["val_loss"]), abs=1e-5)
    assert validation_loss < history["val_loss"][-1] - 1e-3  # not the last epoch's weights
