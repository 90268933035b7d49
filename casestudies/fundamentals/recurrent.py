"""Recurrent cells in NumPy: one time step of SimpleRNN, LSTM and GRU, as Keras computes them.

A recurrent layer reads a sequence one step at a time and carries a state from step to step.
Each cell has three weights, named and shaped as Keras names and shapes them:

    kernel            (features, k · units)   multiplies the input x_t
    recurrent_kernel  (units, k · units)      multiplies the previous hidden state h
    bias              (k · units,)            (GRU: (2, 3 · units), see `gru_step`)

where k is the number of blocks side by side in the columns: 1 for SimpleRNN, 4 gates for
LSTM, 3 for GRU. `run` unrolls any cell over a (batch, time, features) sequence.

tests/fundamentals/test_recurrent.py checks each step against `keras.layers.SimpleRNNCell`,
`LSTMCell` and `GRUCell`, and `run` against the `SimpleRNN`, `LSTM` and `GRU` layers.
"""

import numpy as np

from casestudies.fundamentals.activations import sigmoid


def simple_rnn_step(x_t, h, kernel, recurrent_kernel, bias) -> np.ndarray:
    """The new hidden state: h_t = tanh(x_t W + h_{t-1} U + b).

    The output at each step is the hidden state itself.
    """
    return np.tanh(x_t @ kernel + h @ recurrent_kernel + bias)


def lstm_step(x_t, h, c, kernel, recurrent_kernel, bias) -> tuple[np.ndarray, np.ndarray]:
    """The new (hidden state, cell state) of an LSTM (Hochreiter & Schmidhuber, 1997).

    Keras stacks the four blocks in the columns in the order i, f, c, o:

        i = σ(x_t W_i + h U_i + b_i)          input gate: how much of the candidate to write
        f = σ(x_t W_f + h U_f + b_f)          forget gate: how much of the old cell to keep
        c̃ = tanh(x_t W_c + h U_c + b_c)       candidate cell values
        o = σ(x_t W_o + h U_o + b_o)          output gate: how much of the cell to show
        c_t = f ⊙ c_{t-1} + i ⊙ c̃            the cell state: a sum, so gradients flow through
        h_t = o ⊙ tanh(c_t)

    σ is the sigmoid (Keras 3's default `recurrent_activation`) and ⊙ is element-wise.
    Keras starts b_f at 1 (`unit_forget_bias=True`): keep most of the cell (σ(1) ≈ 0.73) at
    first.
    """
    z = x_t @ kernel + h @ recurrent_kernel + bias
    z_input, z_forget, z_candidate, z_output = np.split(z, 4, axis=-1)
    input_gate, forget_gate = sigmoid(z_input), sigmoid(z_forget)
    candidate, output_gate = np.tanh(z_candidate), sigmoid(z_output)
    c_new = forget_gate * c + input_gate * candidate
    return output_gate * np.tanh(c_new), c_new


def gru_step(x_t, h, kernel, recurrent_kernel, bias) -> np.ndarray:
    """The new hidden state of a GRU (Cho et al., 2014), as Keras 3 computes it by default.

    Keras stacks the three blocks in the columns in the order z, r, h. With its default
    `reset_after=True` (the cuDNN variant), the input and the hidden state get separate biases,
    so `bias` has shape (2, 3 · units): row 0 for the input (b), row 1 for the state (b'):

        z = σ(x_t W_z + b_z + h U_z + b'_z)                 update gate
        r = σ(x_t W_r + b_r + h U_r + b'_r)                 reset gate
        h̃ = tanh(x_t W_h + b_h + r ⊙ (h U_h + b'_h))        candidate, reset *after* U_h
        h_t = z ⊙ h_{t-1} + (1 - z) ⊙ h̃

    Note that z = 1 keeps the old state: Keras's convention, the reverse of some textbooks'.
    """
    input_bias, recurrent_bias = bias
    x_z, x_r, x_h = np.split(x_t @ kernel + input_bias, 3, axis=-1)
    h_z, h_r, h_h = np.split(h @ recurrent_kernel + recurrent_bias, 3, axis=-1)
    update_gate, reset_gate = sigmoid(x_z + h_z), sigmoid(x_r + h_r)
    candidate = np.tanh(x_h + reset_gate * h_h)
    return update_gate * h + (1 - update_gate) * candidate


def run(step, xs, state, *weights):
    """Unroll a cell over a sequence: the hidden state at every step, and the final state.

    Parameters
    ----------
    step : `simple_rnn_step`, `lstm_step` or `gru_step`
    xs : array of shape (batch, time, features), as a Keras recurrent layer takes it
    state : the initial state: h of shape (batch, units), or the pair (h, c) for an LSTM
    weights : kernel, recurrent_kernel, bias: the order of `cell.get_weights()` in Keras

    Returns
    -------
    hidden states of shape (batch, time, units) (a Keras layer's output with
    `return_sequences=True`), and the state after the last step.
    """
    xs = np.asarray(xs, dtype=float)
    if xs.ndim != 3:
        raise ValueError(
            f"expected a sequence of shape (batch, time, features), got {xs.shape}: "
            "a single sequence needs a batch axis, xs[None]"
        )
    hidden_states = []
    for t in range(xs.shape[1]):
        # The same weights at every step: the network is "recurrent", not a deeper stack.
        state = step(xs[:, t, :], *_as_tuple(state), *weights)
        hidden_states.append(_as_tuple(state)[0])
    return np.stack(hidden_states, axis=1), state


def parameter_count(layer: str, features: int, units: int) -> int:
    """The weights of a Keras SimpleRNN, LSTM or GRU layer: kernel + recurrent kernel + bias.

    Each block of units has (features + units + 1) · units weights; LSTM has 4 blocks, GRU 3,
    and the GRU's second bias row (reset_after=True) adds 3 · units more.
    """
    blocks = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}[layer]
    extra_bias = 3 * units if layer == "GRU" else 0
    return blocks * (features + units + 1) * units + extra_bias


def _as_tuple(state):
    return state if isinstance(state, tuple) else (state,)
