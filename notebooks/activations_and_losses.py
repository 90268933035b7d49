# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Activation functions and loss functions
#
# Each function here is a few lines of NumPy in `casestudies/fundamentals/`, and beside each
# is Keras's own, from `keras.activations` and `keras.losses`: the same numbers.

# %% [markdown]
# ## Setup

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np

from casestudies.fundamentals import activations, losses
from utils.keras_setup import import_keras

keras = import_keras()  # `import keras`, without TensorFlow's start-up lines

# %% [markdown]
# ## Parameters

# %% tags=["parameters"]
x_range = 5.0

# %% [markdown]
# ## Activations and their derivatives
# The derivative is what backpropagation multiplies by. Note sigmoid's (at most 0.25: deep
# sigmoid nets' gradients vanish), ReLU's (0 for negative inputs: a unit stuck there stops
# learning, the *dying ReLU*), and step's (0 everywhere: no gradient to learn from at all).

# %%
x = np.linspace(-x_range, x_range, 401)
names = ["step", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "swish"]
fig, axes = plt.subplots(2, 4, figsize=(13, 5.5))
for axis, name in zip(axes.ravel(), names):
    axis.plot(x, getattr(activations, name)(x), label=name)
    axis.plot(x, getattr(activations, f"{name}_derivative")(x), "--", label="derivative")
    axis.set_title(name)
    axis.grid(alpha=0.3)
axes[0][0].legend()
fig.tight_layout()

# %% [markdown]
# The three named above, each with its derivative, in NumPy (the others are in
# `casestudies/fundamentals/activations.py`):

# %%
for name in ["step", "sigmoid", "relu"]:
    print(inspect.getsource(getattr(activations, name)))
    print(inspect.getsource(getattr(activations, f"{name}_derivative")))

# %% [markdown]
# Keras has each of them (all but the step) under the same name, for a layer's
# `activation="relu"` or to call directly:

# %%
for name in names[1:]:
    theirs = getattr(keras.activations, name)(x).numpy()
    difference = np.abs(getattr(activations, name)(x) - theirs).max()
    print(f"{name:10} largest difference from keras.activations.{name}: {difference:.1e}")

# %% [markdown]
# ## Softmax, computed safely
# `e^x` overflows for x > 709. Softmax doesn't change if we subtract the largest logit first,
# so we do; the naive formula returns NaN where ours is exact.

# %%
print(inspect.getsource(activations.softmax))

# %%
logits = np.array([1000.0, 1001.0, 1002.0])
with np.errstate(over="ignore", invalid="ignore"):
    naive = np.exp(logits) / np.exp(logits).sum()
print("naive:", naive, " stable:", activations.softmax(logits).round(4))
print("keras.activations.softmax:", keras.activations.softmax(logits).numpy().round(4))

# %% [markdown]
# ## Losses, and which output they go with
#
# | problem | output layer | loss (Keras's name) |
# |---|---|---|
# | regression | 1 unit, linear | MSE, `"mse"` (MAE, `"mae"`, or `"huber"` with outliers) |
# | binary classification | 1 unit, sigmoid | `"binary_crossentropy"` |
# | multiclass, one-hot targets | 1 unit per class, softmax | `"categorical_crossentropy"` |
# | multiclass, integer targets | 1 unit per class, softmax | `"sparse_categorical_crossentropy"` |
#
# The name goes in `model.compile(loss=...)`. MSE punishes a large error quadratically, MAE
# linearly; Huber is quadratic near 0 and linear beyond `delta`.

# %%
for name in ["mean_squared_error", "mean_absolute_error", "huber"]:
    print(inspect.getsource(getattr(losses, name)))

# %%
errors = np.linspace(-4, 4, 201)[:, None]
fig, axis = plt.subplots(figsize=(6, 4))
for name in ["mean_squared_error", "mean_absolute_error", "huber"]:
    axis.plot(errors, getattr(losses, name)(np.zeros_like(errors), errors), label=name)
axis.set(xlabel="prediction - target", ylabel="loss", title="Regression losses")
axis.legend()
axis.grid(alpha=0.3)

# %% [markdown]
# Cross-entropy grows without bound as the predicted probability of the true class goes to 0;
# Keras clips probabilities to [1e-7, 1 - 1e-7] so a certain, wrong prediction costs
# -log(1e-7) ≈ 16.1 instead of infinity (`EPSILON` is 1e-7):

# %%
for name in ["binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy"]:
    print(inspect.getsource(getattr(losses, name)))

# %%
p = np.array([[1.0], [0.9], [0.5], [0.1], [0.0]])
print("binary cross-entropy for a positive example, p = 1, 0.9, 0.5, 0.1, 0:")
print("ours: ", losses.binary_crossentropy(np.ones_like(p), p).round(3))
print("Keras:", keras.losses.binary_crossentropy(np.ones_like(p), p).numpy().round(3))
labels, probabilities = np.array([0, 2]), np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
for name, targets in [
    ("sparse_categorical_crossentropy", labels),  # integer targets
    ("categorical_crossentropy", np.eye(3)[labels]),  # the same targets, one-hot
]:
    ours = getattr(losses, name)(targets, probabilities)
    theirs = getattr(keras.losses, name)(targets, probabilities).numpy()
    print(f"{name:31}  ours {ours.round(4)}  Keras {theirs.round(4)}")

# %% [markdown]
# ## Conclusion
# Each activation and loss is a few lines of NumPy, and Keras computes the same numbers. In a
# model each is one word: `layers.Dense(16, activation="relu")`,
# `model.compile(loss="binary_crossentropy")`. Choose the output activation and the loss
# together, from the table above.
#
# ## Exercises
# 1. Where is tanh's derivative largest, and how large is it? Compare with sigmoid's.
# 2. Why do integer targets and one-hot targets give the same cross-entropy above?
