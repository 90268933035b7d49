# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The perceptron and logic gates
#
# A biological neuron fires when enough of the signals reaching it excite it. McCulloch and
# Pitts (1943) kept only that: a **logic unit** takes on/off inputs and fires (outputs 1) when at
# least a fixed number of them are on. Wired by hand, such units compute AND, OR and NOT, and
# networks of them any logical formula. The **threshold logic unit** (TLU) gives each input a
# weight and fires when the weighted sum reaches a threshold: `step(x·w + b)`. Rosenblatt's
# **perceptron** is a layer of TLUs that *learns* its weights from examples. Here it is in a
# few lines of NumPy (`casestudies/fundamentals/perceptron.py`), learning logic gates.

# %% [markdown]
# ## Setup

# %%
import inspect

from casestudies.fundamentals.perceptron import (
    GATES,
    INPUTS,
    decision_boundary,
    train_perceptron,
    xor_mlp_numpy,
)
from utils.keras_setup import import_keras

keras = import_keras()  # `import keras`, without TensorFlow's start-up lines
from keras import layers

# %% [markdown]
# ## Hyperparameters and settings
# Every notebook starts with these: change them and run the notebook again. The learning
# rate and the epochs are **hyperparameters**: we choose them before training. The weights and
# biases are the model's **parameters**: training learns them.

# %% tags=["parameters"]
learning_rate = 1.0
max_epochs = 100  # the perceptron's
num_epochs = 300  # the networks with a hidden layer
seed = 0

# %% [markdown]
# ## McCulloch–Pitts logic units, wired by hand
# Nothing is learned: AND fires when both inputs are on (threshold 2), OR when at least one
# is (threshold 1), and NOT fires unless its one, inhibitory, input is on.

# %%
inputs_on = INPUTS.sum(axis=1)  # how many of the two inputs are on, for each row of INPUTS
for gate, threshold in [("AND", 2), ("OR", 1)]:
    fires = (inputs_on >= threshold).astype(int)
    print(f"{gate}: threshold {threshold}, fires {fires}, truth table {GATES[gate]}")
print("NOT (an inhibitory input: on stops it firing):", {x: int(x == 0) for x in (0, 1)})

# %% [markdown]
# ## The learning rule
# Start from zero weights. For each example the unit gets wrong: if it should have fired,
# add the input, times the learning rate η, to the weights (and η to the bias); if it fired
# wrongly, subtract them. Stop after an epoch with no mistakes.

# %%
print(inspect.getsource(train_perceptron))

# %%
for gate in ["AND", "OR", "NAND", "NOR"]:
    perceptron = train_perceptron(
        INPUTS, GATES[gate], learning_rate=learning_rate, max_epochs=max_epochs
    )
    print(
        f"{gate:4}: converged={perceptron.converged} after {perceptron.epochs} epochs, "
        f"w={perceptron.weights}, b={perceptron.bias}, "
        f"mistakes per epoch {perceptron.mistakes_per_epoch}"
    )

# %% [markdown]
# Each learned gate is a straight line through the plane: one side fires, the other does not.

# %%
for gate in ["AND", "OR"]:
    perceptron = train_perceptron(INPUTS, GATES[gate], learning_rate=learning_rate)
    decision_boundary(perceptron.predict, gate, y=GATES[gate])

# %% [markdown]
# ## XOR is not linearly separable
# No straight line puts (0,1) and (1,0) on one side and (0,0) and (1,1) on the other (Minsky and
# Papert, 1969). The perceptron keeps making mistakes and never converges:

# %%
xor = train_perceptron(INPUTS, GATES["XOR"], learning_rate=learning_rate, max_epochs=max_epochs)
print(f"converged: {xor.converged}; mistakes in the last epochs: {xor.mistakes_per_epoch[-5:]}")

# %% [markdown]
# ## A hidden layer solves it
# With one hidden layer of 4 tanh units, trained by backpropagation, the network bends its
# boundary around the two classes. First our NumPy network (`xor_mlp_numpy`, trained by the
# backpropagation of `casestudies/fundamentals/backprop.py`), then the same with Keras.

# %%
print(inspect.getsource(xor_mlp_numpy))

# %%
numpy_model = xor_mlp_numpy(seed=seed, epochs=num_epochs)
print("NumPy MLP:", (numpy_model.predict(INPUTS)[:, 0] >= 0.5).astype(int), "target", GATES["XOR"])
figure = decision_boundary(
    lambda X: (numpy_model.predict(X)[:, 0] >= 0.5).astype(int), "XOR, NumPy MLP", y=GATES["XOR"]
)
# %% [markdown]
# In Keras: 2 inputs, a `Dense` layer of 4 tanh units, one sigmoid unit; Adam and binary
# cross-entropy, one batch of the four rows per epoch.

# %%
keras.utils.set_random_seed(seed)
keras_model = keras.Sequential(
    [
        keras.Input((2,)),
        layers.Dense(4, activation="tanh"),
        layers.Dense(1, activation="sigmoid"),
    ]
)
keras_model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.05), loss="binary_crossentropy")
keras_model.fit(INPUTS, GATES["XOR"], epochs=num_epochs, batch_size=4, verbose=0)
print(
    "Keras MLP:",
    (keras_model.predict(INPUTS, verbose=0)[:, 0] >= 0.5).astype(int),
    "target",
    GATES["XOR"],
)
figure = decision_boundary(
    lambda X: (keras_model.predict(X, verbose=0)[:, 0] >= 0.5).astype(int),
    "XOR, Keras MLP",
    y=GATES["XOR"],
)

# %% [markdown]
# ## Conclusion
# The perceptron rule learns any gate a straight line can separate, and never XOR. One hidden
# layer, trained by backpropagation, learns XOR: in NumPy and in Keras alike.
#
# ## Exercises
# 1. Set `learning_rate = 0.25`, then 4. Does the perceptron still learn AND, in as many
#    epochs? From zero weights, why can't η change which side of the line a point falls on?
#    Then try 0.1: AND takes 4 epochs, not 6. Why? (In epoch 4, x·w + b for the input (1, 0)
#    should be exactly 0, where the step fires; 0.1 has no exact binary form.)
# 2. Train from random weights (`train_perceptron(..., seed=1)`). Is the learned line the same?
# 3. Set `seed = 2` and rerun the Keras network. Does it still learn XOR? Why might a network
#    with a hidden layer still fail?
