# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Recurrent cells: SimpleRNN, LSTM and GRU
#
# A recurrent layer reads a sequence one step at a time and carries a state from one step to
# the next, with the same weights at every step. `casestudies/fundamentals/recurrent.py`
# writes one step of each of Keras's three cells in NumPy, and `run` unrolls a step over a
# sequence. Beside each, `keras.layers.SimpleRNNCell`, `LSTMCell` and `GRUCell` (and the
# `SimpleRNN`, `LSTM` and `GRU` layers built from them) compute the same numbers.

# %% [markdown]
# ## Setup

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np

from casestudies.fundamentals.recurrent import (
    gru_step,
    lstm_step,
    parameter_count,
    run,
    simple_rnn_step,
)
from utils.keras_setup import import_keras

keras = import_keras()  # `import keras`, without TensorFlow's start-up lines
from keras import layers

# %% [markdown]
# ## Hyperparameters and settings

# %% tags=["parameters"]
batch_size, time_steps, features, units = 2, 30, 3, 4
seed = 0

# %% [markdown]
# ## The three cells
# Each cell takes the input x_t (features,) and the previous hidden state h (units,). Keras
# keeps three weights per cell: `kernel` W multiplies x_t, `recurrent_kernel` U multiplies h,
# and `bias` b. The LSTM and GRU stack several blocks side by side in their columns.
#
# **SimpleRNN**: h_t = tanh(x_t W + h_{t−1} U + b).
#
# **LSTM**, blocks in the order i, f, c, o; σ is the sigmoid, ⊙ element-wise:
#
#     i = σ(x_t W_i + h U_i + b_i)     f = σ(x_t W_f + h U_f + b_f)     o = σ(x_t W_o + h U_o + b_o)
#     c̃ = tanh(x_t W_c + h U_c + b_c)
#     c_t = f ⊙ c_{t−1} + i ⊙ c̃        h_t = o ⊙ tanh(c_t)
#
# The cell state c is updated by a sum, so it (and its gradient) can cross many steps.
#
# **GRU**, blocks in the order z, r, h; Keras 3's default `reset_after=True` gives the input
# and the state separate biases, so `bias` has two rows, b (input) and b′ (state):
#
#     z = σ(x_t W_z + b_z + h U_z + b′_z)      r = σ(x_t W_r + b_r + h U_r + b′_r)
#     h̃ = tanh(x_t W_h + b_h + r ⊙ (h U_h + b′_h))
#     h_t = z ⊙ h_{t−1} + (1 − z) ⊙ h̃
#
# In Keras, z = 1 keeps the old state. Each formula, one step in NumPy:

# %%
for step in (simple_rnn_step, lstm_step, gru_step):
    print(inspect.getsource(step))

# %% [markdown]
# Keras's cells, and the shapes of their weights:

# %%
keras.utils.set_random_seed(seed)
rng = np.random.default_rng(seed)
cells = {
    "SimpleRNNCell": (layers.SimpleRNNCell(units, dtype="float64"), simple_rnn_step),
    "LSTMCell": (layers.LSTMCell(units, dtype="float64"), lstm_step),
    "GRUCell": (layers.GRUCell(units, dtype="float64"), gru_step),
}
for name, (cell, _) in cells.items():
    cell.build((None, features))
    shapes = [weight.shape for weight in cell.get_weights()]
    print(f"{name:13} kernel, recurrent_kernel, bias: {shapes}")

# %% [markdown]
# ## One step, ours against Keras's
# Keras starts the biases at zero (the LSTM's forget gate at one), so we give each cell random
# weights of the same shapes with `set_weights`, and a random state, in float64.

# %%
x_t = rng.normal(size=(batch_size, features))
for name, (cell, step) in cells.items():
    weights = [rng.normal(size=weight.shape) * 0.5 for weight in cell.get_weights()]
    cell.set_weights(weights)
    state_count = 2 if name == "LSTMCell" else 1  # the LSTM carries (h, c)
    state = [rng.normal(size=(batch_size, units)) for _ in range(state_count)]
    keras_output, keras_state = cell(x_t, state)
    ours = step(x_t, *state, *weights)
    ours = ours if isinstance(ours, tuple) else (ours,)
    difference = max(
        np.abs(our_array - keras.ops.convert_to_numpy(keras_array)).max()
        for our_array, keras_array in zip(ours, keras_state)
    )
    print(f"{name:13} new state, largest difference: {difference:.1e}")

# %% [markdown]
# ## Counting parameters
# Each block has a kernel (features x units), a recurrent kernel (units x units) and a bias
# (units): (features + units + 1) · units weights. SimpleRNN has 1 block, LSTM 4 and GRU 3,
# plus the GRU's second bias row, 3 · units. The count does not depend on the sequence's
# length: the same weights serve every step.

# %%
model = keras.Sequential(
    [
        keras.Input((time_steps, features)),
        layers.SimpleRNN(units, return_sequences=True),
        layers.LSTM(units, return_sequences=True),
        layers.GRU(units),
    ]
)
model.summary()

# %%
inputs_per_layer = [features, units, units]  # each layer reads the previous one's units
for layer, layer_features in zip(model.layers, inputs_per_layer):
    name = type(layer).__name__
    formula = parameter_count(name, layer_features, units)
    print(f"{name:9} Keras {layer.count_params():4}, formula {formula:4}")

# %% [markdown]
# ## A whole sequence
# `run` applies one step after another, feeding each new state to the next step. With
# `return_sequences=True` a Keras layer returns the hidden state at every step, as `run` does;
# `initial_state=` sets the state it starts from (zeros by default).

# %%
print(inspect.getsource(run))

# %%
xs = rng.normal(size=(batch_size, time_steps, features))
for name, step in [("SimpleRNN", simple_rnn_step), ("LSTM", lstm_step), ("GRU", gru_step)]:
    keras_layer = getattr(layers, name)(units, return_sequences=True, dtype="float64")
    keras_sequence = keras.ops.convert_to_numpy(keras_layer(xs))
    initial_state = np.zeros((batch_size, units))
    if name == "LSTM":
        initial_state = (initial_state, np.zeros((batch_size, units)))
    our_sequence, _ = run(step, xs, initial_state, *keras_layer.get_weights())
    difference = np.abs(our_sequence - keras_sequence).max()
    print(f"{name:9} sequence {our_sequence.shape}, largest difference: {difference:.1e}")

# %% [markdown]
# ## The hidden state over time
# One input pulse at step 0, then zeros: how long does each freshly initialised layer keep a
# trace of it? Of the three layers as Keras starts them, the SimpleRNN's trace fades slowest
# (with seed 0, |h_t| goes from 1.90 at step 0 to 0.34 at step 29, while the GRU's and the
# LSTM's fall below 0.001): Keras starts its recurrent kernel orthogonal, which keeps a
# vector's length. The LSTM's cell state shrinks by the forget gate f at every step, and with
# zero input f ≈ σ(b_f): σ(1) ≈ 0.73 from Keras's starting bias of 1, σ(5) ≈ 0.99 if we raise
# it to 5. With that bias the LSTM's trace does not fade at all (0.53 at step 0, 0.6 at step
# 29): the forget-gate bias is a knob training turns.

# %%
pulse = np.zeros((1, time_steps, features))
pulse[0, 0, :] = 3.0
keras.utils.set_random_seed(seed)
fresh_weights = {}
for name in ("SimpleRNN", "LSTM", "GRU"):
    keras_layer = getattr(layers, name)(units, dtype="float64")
    keras_layer.build((None, time_steps, features))
    fresh_weights[name] = keras_layer.get_weights()
kernel, recurrent_kernel, bias = fresh_weights["LSTM"]
remembering_bias = bias.copy()
remembering_bias[units : 2 * units] = 5.0  # the forget gate: the second block, in Keras's order
h0 = np.zeros((1, units))
traces = {
    "SimpleRNN": run(simple_rnn_step, pulse, h0, *fresh_weights["SimpleRNN"])[0],
    "GRU": run(gru_step, pulse, h0, *fresh_weights["GRU"])[0],
    "LSTM, forget bias 1 (Keras's start)": run(
        lstm_step, pulse, (h0, h0), kernel, recurrent_kernel, bias
    )[0],
    "LSTM, forget bias 5": run(
        lstm_step, pulse, (h0, h0), kernel, recurrent_kernel, remembering_bias
    )[0],
}
for label, hidden in traces.items():
    sizes = np.linalg.norm(hidden[0], axis=-1)
    print(f"{label:36} |h| at step 0: {sizes[0]:.2f}, at step {len(sizes) - 1}: {sizes[-1]:.2g}")
figure, axis = plt.subplots(figsize=(6.4, 4.2))
for label, hidden in traces.items():
    axis.semilogy(np.linalg.norm(hidden[0], axis=-1), marker=".", label=label)
axis.set(xlabel="time step", ylabel="size of the hidden state |h_t| (log scale)")
axis.set_title("The trace of one input pulse, in untrained layers")
axis.legend()
axis.grid(alpha=0.3)
figure.tight_layout()

# %% [markdown]
# ## Conclusion
# A recurrent cell is a small function of the input and the previous state, applied at every
# step with the same weights. SimpleRNN squashes everything through one tanh; the LSTM adds a
# cell state updated by a sum, under input, forget and output gates; the GRU merges the cell
# into the hidden state with update and reset gates, with fewer weights. In Keras:
# `layers.SimpleRNN(units)`, `layers.LSTM(units)`, `layers.GRU(units)`, on inputs of shape
# (batch, time, features), and our NumPy steps give the same numbers.
#
# ## Exercises
# 1. How many parameters does `layers.LSTM(64)` have on sequences of 10 features? Check with
#    `parameter_count` and `count_params()`.
# 2. Set the LSTM's forget-gate bias to −5 in the last figure. What happens to the trace,
#    and why? What would that do to the gradients of early inputs?
# 3. With `reset_after=False`, Keras's GRU has one bias row and applies r before U_h. Write
#    that step and compare it with `layers.GRUCell(units, reset_after=False)`.
