"""The perceptron learns the linearly separable gates, fails on XOR, and a hidden layer solves XOR."""

import numpy as np
import pytest

from casestudies.fundamentals.perceptron import (
    GATES,
    INPUTS,
    decision_boundary,
    train_perceptron,
    xor_mlp_keras,
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
    assert (
        perceptron.mistakes_per_epoch[0] == 2
    )  # (0,0) fires wrongly at w=0, b=0; then (1,1) is missed
    assert perceptron.epochs == len(perceptron.mistakes_per_epoch)


def test_perceptron_reports_that_it_did_not_converge_on_xor():
    perceptron = train_perceptron(INPUTS, GATES["XOR"], max_epochs=50)
    assert not perceptron.converged and perceptron.epochs == 50
    assert min(perceptron.mistakes_per_epoch) > 0
    assert (perceptron.predict(INPUTS) != GATES["XOR"]).any()


def test_one_hidden_layer_learns_xor_from_scratch_and_with_keras():
    numpy_model = xor_mlp_numpy(seed=0)
    np.testing.assert_array_equal(
        (numpy_model.predict(INPUTS)[:, 0] >= 0.5).astype(int), GATES["XOR"]
    )
    keras_model = xor_mlp_keras(seed=0)
    np.testing.assert_array_equal(
        (keras_model.predict(INPUTS, verbose=0)[:, 0] >= 0.5).astype(int), GATES["XOR"]
    )


def test_decision_boundary_shades_the_plane_by_the_prediction():
    perceptron = train_perceptron(INPUTS, GATES["OR"])
    figure = decision_boundary(perceptron.predict, "OR", y=GATES["OR"])
    assert figure.axes[0].get_title() == "OR"
