"""Each NumPy recurrent step equals its Keras cell, and the unrolled sequence equals the Keras
layer, in float64, with random weights (biases included) and a random non-zero initial state."""

import numpy as np
import pytest
from conftest import FLOAT64_TOLERANCE, keras

from casestudies.fundamentals import recurrent as ours

BATCH, TIME, FEATURES, UNITS = 3, 6, 4, 5

CELLS = {
    # Keras cell: (our step, number of state arrays)
    "SimpleRNNCell": (ours.simple_rnn_step, 1),
    "LSTMCell": (ours.lstm_step, 2),
    "GRUCell": (ours.gru_step, 1),
}
LAYERS = {"SimpleRNN": "SimpleRNNCell", "LSTM": "LSTMCell", "GRU": "GRUCell"}


def randomised(layer_or_cell, rng):
    """Its weights replaced by random ones of the same shapes, so that the biases count too
    (Keras starts them at 0, the LSTM's forget bias at 1)."""
    weights = [rng.normal(size=weight.shape) * 0.5 for weight in layer_or_cell.get_weights()]
    layer_or_cell.set_weights(weights)
    return weights


def states(rng, count):
    return [rng.normal(size=(BATCH, UNITS)) for _ in range(count)]


@pytest.mark.parametrize("cell_name", sorted(CELLS))
def test_one_step_equals_the_keras_cell(rng, cell_name):
    step, state_count = CELLS[cell_name]
    cell = getattr(keras.layers, cell_name)(UNITS, dtype="float64")
    cell.build((None, FEATURES))
    weights = randomised(cell, rng)
    x_t, state = rng.normal(size=(BATCH, FEATURES)), states(rng, state_count)
    output, new_state = cell(x_t, state)
    ours_ = step(x_t, *state, *weights)
    ours_state = ours_ if isinstance(ours_, tuple) else (ours_,)
    np.testing.assert_allclose(ours_state[0], output, atol=FLOAT64_TOLERANCE)
    for our_array, keras_array in zip(ours_state, new_state, strict=True):
        np.testing.assert_allclose(our_array, keras_array, atol=FLOAT64_TOLERANCE)


@pytest.mark.parametrize("layer_name", sorted(LAYERS))
def test_unrolled_sequence_equals_the_keras_layer(rng, layer_name):
    step, state_count = CELLS[LAYERS[layer_name]]
    layer = getattr(keras.layers, layer_name)(
        UNITS, return_sequences=True, return_state=True, dtype="float64"
    )
    xs = rng.normal(size=(BATCH, TIME, FEATURES))
    initial_state = states(rng, state_count)
    layer(xs, initial_state=initial_state)  # builds the layer
    weights = randomised(layer, rng)
    sequence, *final_state = layer(xs, initial_state=initial_state)
    state = tuple(initial_state) if state_count == 2 else initial_state[0]
    ours_sequence, ours_final = ours.run(step, xs, state, *weights)
    assert ours_sequence.shape == (BATCH, TIME, UNITS)
    np.testing.assert_allclose(ours_sequence, sequence, atol=FLOAT64_TOLERANCE)
    ours_final = ours_final if isinstance(ours_final, tuple) else (ours_final,)
    for our_array, keras_array in zip(ours_final, final_state, strict=True):
        np.testing.assert_allclose(our_array, keras_array, atol=FLOAT64_TOLERANCE)


@pytest.mark.parametrize("layer_name", sorted(LAYERS))
def test_parameter_count_equals_keras(layer_name):
    layer = getattr(keras.layers, layer_name)(UNITS)
    layer.build((None, TIME, FEATURES))
    assert ours.parameter_count(layer_name, FEATURES, UNITS) == layer.count_params()


def test_lstm_gates_are_in_keras_order_i_f_c_o(rng):
    # With zero weights each gate is its bias block's sigmoid (the candidate: its tanh).
    kernel, recurrent_kernel = np.zeros((FEATURES, 4 * UNITS)), np.zeros((UNITS, 4 * UNITS))
    x, (h, c) = rng.normal(size=(BATCH, FEATURES)), states(rng, 2)

    def step(i, f, c_tilde, o):
        bias = np.repeat([i, f, c_tilde, o], UNITS).astype(float)
        return ours.lstm_step(x, h, c, kernel, recurrent_kernel, bias)

    # Forget gate open, input gate shut (blocks 2 and 1): the cell state is kept.
    _, c_new = step(-50, 50, 0, 0)
    np.testing.assert_allclose(c_new, c, atol=1e-12)
    # Forget shut, input open: the cell becomes tanh(block 3); output gate (block 4) sigmoid(2).
    h_new, c_new = step(50, -50, 0.5, 2)
    np.testing.assert_allclose(c_new, np.tanh(0.5), atol=1e-12)
    np.testing.assert_allclose(h_new, 1 / (1 + np.exp(-2)) * np.tanh(np.tanh(0.5)), atol=1e-12)


def test_a_sequence_without_a_batch_axis_is_explained():
    with pytest.raises(ValueError, match="batch axis"):
        ours.run(ours.gru_step, np.zeros((TIME, FEATURES)), np.zeros((1, UNITS)))
