"""The perceptron learns the linearly separable gates and fails on XOR; a hidden layer solves it."""

import numpy as np
import pytest

from casestudies.fundamentals.perceptron import (
    GATES,
    INPUTS,
    decision_boundary,
    train_perceptron,
    xor_mlp_numpy,
)


@pytest.mark.parametrize("gate", ["AND", "OR", "NAND", "NOR"])
@pytest.mark.parametrize("seed", [None, 1, 2])
def test_perceptron_learns_the_linearly_separable_gates(gate, seed):
    perceptron = train_perceptron(INPUTS, GATES[gate], seed=seed)
    assert perceptron.converged and perceptron.mistakes_per_epoch[-1] == 0
    np.testing.assert_array_equal(perceptron.predict(INPUTS), GATES[gate])


def test_perceptron_learning_rule_on_and_from_zero_weights_step_by_step():
    perceptron = train_perceptron(INPUTS, GATES["AND"])
    # Epoch 1 from w=0, b=0: (0,0) fires wrongly (b = -1), then (1,1) is missed (w = 1, 1; b = 0).
    assert perceptron.mistakes_per_epoch[0] == 2
    first = train_perceptron(INPUTS, GATES["AND"], max_epochs=1)
    assert first.weights.tolist() == [1.0, 1.0] and first.bias == 0.0 and not first.converged
    assert perceptron.weights.tolist() == [2.0, 1.0] and perceptron.bias == -3.0
    # From zero weights the rate only scales them: the same line, in as many epochs.
    halved = train_perceptron(INPUTS, GATES["AND"], learning_rate=0.5)
    assert halved.weights.tolist() == [1.0, 0.5] and halved.epochs == perceptron.epochs


def test_perceptron_reports_that_it_did_not_converge_on_xor():
    perceptron = train_perceptron(INPUTS, GATES["XOR"], max_epochs=50)
    assert not perceptron.converged and perceptron.epochs == 50
    assert min(perceptron.mistakes_per_epoch) > 0
    assert (perceptron.predict(INPUTS) != GATES["XOR"]).any()


@pytest.mark.parametrize("seed", [0, 1])
def test_one_hidden_layer_learns_xor_from_scratch(seed):
    numpy_model = xor_mlp_numpy(seed=seed)
    np.testing.assert_array_equal(
        (numpy_model.predict(INPUTS)[:, 0] >= 0.5).astype(int), GATES["XOR"]
    )


def test_decision_boundary_shades_where_the_prediction_fires():
    # A boundary that is not symmetric in x1 and x2, so swapped axes would show.
    figure = decision_boundary(lambda X: (X[:, 0] > 0.5).astype(int), "x1 > 0.5")
    silent, fires = figure.axes[0].collections[0].get_paths()  # the bands 0 and 1, in data units
    assert fires.contains_point((1.2, -0.3)) and not fires.contains_point((-0.3, 1.2))
    assert silent.contains_point((-0.3, 1.2)) and not silent.contains_point((1.2, -0.3))
    assert figure.axes[0].get_title() == "x1 > 0.5"
