# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Backpropagation and weight initialisation
#
# A network is a chain of functions; backpropagation is the chain rule applied from the loss
# backwards, reusing what the forward pass computed. `casestudies/fundamentals/backprop.py`
# does it in NumPy. Beside each step, TensorFlow's `GradientTape` (what Keras's `model.fit`
# uses) computes the same gradients for us. Then: how Keras starts the weights, and why it
# matters.

# %% [markdown]
# ## Setup

# %%
import inspect

import numpy as np

from casestudies.fundamentals import activations, initializers
from casestudies.fundamentals.backprop import MLP, gradient_norms_figure, gradient_norms_per_layer
from casestudies.fundamentals.perceptron import GATES, INPUTS
from utils.keras_setup import import_keras

keras = import_keras()  # `import keras`, without TensorFlow's start-up lines
import tensorflow as tf
from keras import layers

# %% [markdown]
# ## Hyperparameters and settings

# %% tags=["parameters"]
depth = 10
x, target, w1, w2 = 1.5, 1.0, 0.8, -0.4
num_epochs = 50
seed = 0

# %% [markdown]
# ## One neuron chain, step by step
# x → z1 = w1·x → h = sigmoid(z1) → z2 = w2·h → prediction; loss L = (prediction − target)².

# %%
z1 = w1 * x
h = activations.sigmoid(z1)
prediction = w2 * h
loss = (prediction - target) ** 2
print(f"forward:  z1 = {z1:.4f}, h = sigmoid(z1) = {h:.4f}, prediction = {prediction:.4f}")
print(f"          loss = {loss:.4f}")
dL_dprediction = 2 * (prediction - target)
dL_dw2 = dL_dprediction * h
dL_dh = dL_dprediction * w2
dL_dz1 = dL_dh * activations.sigmoid_derivative(z1)
dL_dw1 = dL_dz1 * x
print(f"backward: dL/dpred = {dL_dprediction:.4f}, dL/dw2 = dL/dpred·h = {dL_dw2:.4f}")
print(f"          dL/dh = dL/dpred·w2 = {dL_dh:.4f}, dL/dz1 = dL/dh·σ'(z1) = {dL_dz1:.4f}")
print(f"          dL/dw1 = dL/dz1·x = {dL_dw1:.4f}")

# %% [markdown]
# The same gradients from TensorFlow: the tape records the forward pass, then walks it back.

# %%
w1_variable, w2_variable = tf.Variable(w1), tf.Variable(w2)
with tf.GradientTape() as tape:
    tape_loss = (w2_variable * keras.activations.sigmoid(w1_variable * x) - target) ** 2
tape_dw1, tape_dw2 = tape.gradient(tape_loss, [w1_variable, w2_variable])
print(f"GradientTape: dL/dw1 = {float(tape_dw1):.4f}, dL/dw2 = {float(tape_dw2):.4f}")

# %% [markdown]
# ## The same, for a whole MLP
# **Forward propagation** takes a batch X through the layers, input to output: each dense
# layer computes h = φ(XW + b), and its h is the next layer's X. The operations form a
# **computational graph** (matrix product, addition, activation, ..., loss); the tape above
# records it, and backpropagation walks it from the loss back to every weight.
# `MLP.forward` keeps each layer's input and pre-activation; `MLP.backward` walks the layers
# in reverse: dz = upstream · φ'(z), dW = inputᵀ dz, db = Σ dz, and the upstream gradient for
# the layer below is dz Wᵀ.

# %%
print(inspect.getsource(MLP.forward))
print(inspect.getsource(MLP.backward))

# %% [markdown]
# `MLP.loss_and_gradients` runs `forward`, takes the loss's gradient with respect to the output
# divided by the batch size (Keras averages the loss over the batch), and hands it to `backward`.

# %%
rng = np.random.default_rng(seed)
model = MLP([4, 5, 3, 1], hidden_activation="tanh", output_activation="sigmoid", seed=seed)
X, y = rng.normal(size=(8, 4)), rng.integers(0, 2, 8).astype(float)
loss, grads = model.loss_and_gradients(X, y, "binary_crossentropy")
print(f"loss {loss:.4f}; gradient shapes:", [g.shape for g in grads])

# %% [markdown]
# The Keras network with the same layers and the same weights, differentiated by the tape.
# Keras computes in float32, so the two agree to about 1e-7.

# %%
keras_model = keras.Sequential(
    [
        keras.Input((4,)),
        layers.Dense(5, activation="tanh"),
        layers.Dense(3, activation="tanh"),
        layers.Dense(1, activation="sigmoid"),
    ]
)
keras_model.set_weights(model.params)  # kernel 1, bias 1, kernel 2, bias 2, ...
with tf.GradientTape() as tape:
    keras_loss = keras.losses.BinaryCrossentropy()(y[:, None], keras_model(X))
keras_grads = tape.gradient(keras_loss, keras_model.trainable_weights)
print(f"Keras loss {float(keras_loss):.4f}")
for ours, theirs in zip(grads, keras_grads):
    print(f"{str(ours.shape):7} largest difference {np.abs(ours - theirs.numpy()).max():.1e}")

# %% [markdown]
# ## Vanishing gradients
# Each sigmoid layer multiplies the backward signal by at most 0.25; ten of them leave the
# first layers almost nothing to learn from. ReLU passes the gradient through where it is
# active.

# %%
figure = gradient_norms_figure(
    {name: gradient_norms_per_layer(name, depth=depth) for name in ("sigmoid", "tanh", "relu")}
)

# %% [markdown]
# ## Initialisation: why not zeros?
# With all-zero weights, every hidden unit computes the same thing and receives the same
# gradient. Trained on the OR gate, the first layer's weights move, but all 8 of its columns
# stay identical: 8 units that are one unit 8 times. The experiment, 2 inputs, 8 tanh units and
# one sigmoid unit, trained with plain SGD:

# %%
print(inspect.getsource(initializers.symmetry_after_training))

# %%
print("from zeros:\n", initializers.symmetry_after_training(initializers.zeros).round(3))
print(
    "from Glorot uniform:\n",
    initializers.symmetry_after_training(initializers.glorot_uniform).round(3),
)

# %% [markdown]
# The same in Keras: `kernel_initializer="zeros"` on the hidden layer.

# %%
keras.utils.set_random_seed(seed)
or_model = keras.Sequential(
    [
        keras.Input((2,)),
        layers.Dense(8, activation="tanh", kernel_initializer="zeros"),
        layers.Dense(1, activation="sigmoid", kernel_initializer=keras.initializers.Constant(0.1)),
    ]
)
or_model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss="binary_crossentropy")
or_model.fit(INPUTS, GATES["OR"], epochs=num_epochs, batch_size=4, verbose=0)
print("Keras, from zeros:\n", or_model.layers[0].kernel.numpy().round(3))

# %% [markdown]
# ## Glorot and He
# Glorot/Xavier (for tanh and sigmoid) and He (for ReLU) scale the random weights by the
# layer's fan-in and fan-out. In Keras, a layer takes the name:
# `layers.Dense(200, kernel_initializer="he_normal")` (`"glorot_uniform"` is the default).
# Our samples, Keras's, and the formula agree on the spread.

# %%
shape = (300, 200)
for name in [
    "random_normal",
    "random_uniform",
    "glorot_uniform",
    "glorot_normal",
    "he_uniform",
    "he_normal",
]:
    ours = getattr(initializers, name)(shape, rng).std()
    keras_layer = layers.Dense(shape[1], kernel_initializer=name)
    keras_layer.build((None, shape[0]))
    theirs = keras_layer.kernel.numpy().std()
    formula = initializers.expected_std(name, shape)
    print(f"{name:15} std: ours {ours:.4f}, Keras {theirs:.4f}, formula {formula:.4f}")

# %% [markdown]
# The initialiser decides whether a deep network can start learning. Ten layers of 32 units,
# in Keras, with four initialisers: the gradient each layer's weights receive on one batch.
# With too small a spread (`"random_normal"`, a fixed standard deviation of 0.05) the signal
# shrinks at every layer on the way forward, so every layer's gradient is tiny, even with
# ReLU. With too large a spread (a standard deviation of 1) each ReLU layer multiplies its
# input's size by about √(32 / 2) = 4: after ten layers the scores are in the millions (4¹⁰ ≈
# 10⁶), and every layer's gradient is as large: **exploding gradients**. `"he_normal"` keeps
# the signal steady.

# %%
X_deep = rng.normal(size=(64, 32))
y_deep = (X_deep[:, 0] > 0).astype("float32")[:, None]
# A configuration, not a `keras.initializers.RandomNormal(stddev=1.0)` object: each layer builds
# its own initializer from it. One unseeded object shared by ten layers gives them all the same
# weights.
too_large = {"class_name": "RandomNormal", "config": {"stddev": 1.0}}


def deep_network(activation, kernel_initializer):
    keras.utils.set_random_seed(seed)
    hidden = [
        layers.Dense(32, activation=activation, kernel_initializer=kernel_initializer)
        for _ in range(depth)
    ]
    return keras.Sequential([keras.Input((32,)), *hidden, layers.Dense(1, activation="sigmoid")])


settings = {
    "sigmoid, glorot_uniform": ("sigmoid", "glorot_uniform"),
    "relu, random_normal": ("relu", "random_normal"),
    "relu, standard deviation 1": ("relu", too_large),
    "relu, he_normal": ("relu", "he_normal"),
}
norms = {}
for label, (activation, kernel_initializer) in settings.items():
    deep_model = deep_network(activation, kernel_initializer)
    with tf.GradientTape() as tape:
        deep_loss = keras.losses.BinaryCrossentropy()(y_deep, deep_model(X_deep))
    kernels = [layer.kernel for layer in deep_model.layers]
    norms[label] = [float(np.linalg.norm(g)) for g in tape.gradient(deep_loss, kernels)]
figure = gradient_norms_figure(norms, title="Ten layers in Keras: the initialiser decides")

# %% [markdown]
# ## Exploding gradients and clipping
# With gradients that large, one step of SGD moves the weights far beyond their size: the
# loss grows to about 10²⁶, then becomes NaN. Besides a better initialisation, the remedy is
# **gradient clipping**: `clipnorm=1.0` rescales each weight's gradient whose norm is above 1
# down to 1, keeping its direction (`global_clipnorm` does it for all the gradients
# together). The same too-large start, trained for 5 epochs without and with it:

# %%
for clipnorm in [None, 1.0]:
    model = deep_network("relu", too_large)
    optimizer = keras.optimizers.SGD(learning_rate=0.01, clipnorm=clipnorm)
    model.compile(optimizer=optimizer, loss="binary_crossentropy")
    history = model.fit(X_deep, y_deep, epochs=5, batch_size=64, verbose=0)
    print(f"clipnorm={clipnorm}: loss per epoch", [f"{v:.3g}" for v in history.history["loss"]])

# %% [markdown]
# ## Conclusion
# Backpropagation is the chain rule, one layer at a time, and our NumPy gradients are
# TensorFlow's. Deep stacks of sigmoids starve their first layers of gradient, and weights
# drawn too large make every gradient explode; all-zero weights never break the symmetry
# between units; Glorot (tanh, sigmoid) and He (ReLU) keep the signal's size steady through
# the layers. In Keras each is one `kernel_initializer=`, and clipping one `clipnorm=`.
#
# ## Exercises
# 1. Change `w1` and rerun the first cells: when is dL/dw1 largest? (Look at σ'(z1).)
# 2. Raise `depth` to 20. How small does the first sigmoid layer's gradient get?
# 3. Try `"glorot_uniform"` with ReLU in the last figure. Is it closer to `"he_normal"` or
#    to `"random_normal"`?
