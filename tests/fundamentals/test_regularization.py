"""The regularisation notebook's lessons hold: its own cells, run here with fewer epochs."""

import math
from pathlib import Path

import jupytext
import numpy as np
import pytest

# Its tests share expensive module fixtures: keep them on one pytest-xdist worker.
pytestmark = pytest.mark.xdist_group("regularisation")

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "regularisation.py"
NUM_EPOCHS = 60  # the unregularised network bottoms out near epoch 25: enough to overfit


@pytest.fixture(scope="module")
def notebook():
    """The notebook's variables after its code cells ran, with `num_epochs` set after its
    parameters cell (as papermill would)."""
    import matplotlib.pyplot as plt

    namespace = {}
    for cell in jupytext.read(NOTEBOOK).cells:
        if cell.cell_type == "code":
            exec(compile(cell.source, str(NOTEBOOK), "exec"), namespace)
            if "parameters" in cell.metadata.get("tags", []):
                namespace["num_epochs"] = NUM_EPOCHS
    plt.close("all")
    return namespace


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
