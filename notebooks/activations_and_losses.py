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
# ## Hyperparameters and settings

# %% tags=["parameters"]
x_range = 5.0

# %% [markdown]
# ## Activations and their derivatives
# The derivative is what backpropagation multiplies by. Note sigmoid's (at most 0.25: deep
# sigmoid nets' gradients vanish), ReLU's (0 for negative inputs: a unit stuck there stops
# learning, the *dying ReLU*), and step's (0 everywhere: no gradient to learn from at all).

# %%
x = np.linspace(-x_range, x_range, 401)
names = ["step", "linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "swish"]
functions = {
    name: (getattr(activations, name), getattr(activations, f"{name}_derivative")) for name in names
}
alpha = 0.25  # PReLU's slope for negative inputs, which training would learn
functions[f"prelu (alpha={alpha})"] = (
    lambda x: activations.prelu(x, alpha),
    lambda x: activations.prelu_derivative(x, alpha),
)
fig, axes = plt.subplots(2, 5, figsize=(15, 5.5))
for axis, (name, (function, derivative)) in zip(axes.ravel(), functions.items()):
    axis.plot(x, function(x), label="function")
    axis.plot(x, derivative(x), "--", label="derivative")
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
    theirs = keras.ops.convert_to_numpy(getattr(keras.activations, name)(x))  # linear: x itself
    difference = np.abs(getattr(activations, name)(x) - theirs).max()
    print(f"{name:10} largest difference from keras.activations.{name}: {difference:.1e}")

# %% [markdown]
# ## PReLU: a slope that is learned
# Leaky ReLU's slope for negative inputs is fixed (`keras.activations.leaky_relu`'s default is
# 0.2, the `keras.layers.LeakyReLU` layer's 0.3: say which you mean). PReLU's is a weight
# of the layer, one per unit, learned like any other. In Keras it is a layer,
# `keras.layers.PReLU`, not an `activation=` name; its slope starts at 0 (a ReLU) unless told.

# %%
prelu_layer = keras.layers.PReLU(alpha_initializer=keras.initializers.Constant(alpha))
theirs = prelu_layer(x.reshape(1, -1)).numpy()
print("PReLU's learned weights:", [weight.path for weight in prelu_layer.trainable_weights])
print(f"largest difference from ours: {np.abs(activations.prelu(x, alpha) - theirs).max():.1e}")

# %% [markdown]
# ## Maxout: the largest of k linear pieces
# A maxout unit computes k linear functions of its inputs and keeps the largest. With enough
# pieces it can take the shape of any convex function, and it never saturates; ReLU is the
# maxout of x and 0. The price: k times the weights of a plain unit.

# %%
print(inspect.getsource(activations.maxout))

# %% [markdown]
# One input, one unit, three pieces: the tangents of x²/2 at -2, 0 and 2. Keras has no maxout
# layer; a `Dense` layer of units × k outputs, reshaped to (units, k), then the maximum over
# the pieces, is one.

# %%
slopes = np.array([-2.0, 0.0, 2.0])
weights = slopes.reshape(1, 1, 3)  # (features, units, pieces)
biases = (-(slopes**2) / 2).reshape(1, 3)  # each tangent line: slope * x - slope² / 2
ours = activations.maxout(x[:, None], weights, biases)[:, 0]
dense = keras.layers.Dense(3)
dense.build((None, 1))
dense.set_weights([weights.reshape(1, 3), biases.reshape(3)])
pieces = keras.ops.reshape(dense(x[:, None]), (-1, 1, 3))
theirs = keras.ops.convert_to_numpy(keras.ops.max(pieces, axis=-1))[:, 0]
print(f"largest difference from Keras's Dense + max: {np.abs(ours - theirs).max():.1e}")
fig, axis = plt.subplots(figsize=(6, 4))
for slope, bias in zip(slopes, biases[0]):
    axis.plot(x, slope * x + bias, ":", color="grey")
axis.plot(x, ours, label="maxout of the 3 pieces")
axis.plot(x, x**2 / 2, "--", label="x²/2")
axis.set(ylim=(-3, 10), xlabel="x", title="A maxout unit")
axis.legend()
axis.grid(alpha=0.3)

# %% [markdown]
# ## Softmax, computed safely
# `e^x` overflows for x > 709.78 (ln of the largest float64). Softmax doesn't change if we
# subtract the largest logit first, so we do; the naive formula returns NaN where ours is exact.

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
# | regression | 1 unit, linear (softplus if never negative) | `"mse"` (`"mae"`, `"huber"`) |
# | binary classification | 1 unit, sigmoid | `"binary_crossentropy"` |
# | binary, labels -1 and 1 | 1 unit, linear or tanh | `"hinge"` (an SVM's loss) |
# | multiclass, one-hot targets | 1 unit per class, softmax | `"categorical_crossentropy"` |
# | multiclass, integer targets | 1 unit per class, softmax | `"sparse_categorical_crossentropy"` |
# | multilabel (several labels can be true) | 1 unit per label, sigmoid | `"binary_crossentropy"` |
#
# The name goes in `model.compile(loss=...)`. MSE punishes a large error quadratically, MAE
# linearly, so MAE and Huber (quadratic near 0, linear beyond `delta`) suit targets with
# outliers. RMSE, the square root of the MSE, has the same minimum and is in the target's own
# units (ppb, °C): a metric to report, `keras.metrics.RootMeanSquaredError()`, more than a
# loss to train on.

# %%
for name in ["mean_squared_error", "root_mean_squared_error", "mean_absolute_error", "huber"]:
    print(inspect.getsource(getattr(losses, name)))

# %%
targets, predictions = np.array([10.0, 20.0, 30.0]), np.array([12.0, 20.0, 24.0])
rmse = keras.metrics.RootMeanSquaredError()
rmse.update_state(targets, predictions)
print(f"MSE {losses.mean_squared_error(targets, predictions):.2f} (units²)")
print(f"RMSE {losses.root_mean_squared_error(targets, predictions):.3f}, Keras {rmse.result():.3f}")

# %%
errors = np.linspace(-4, 4, 201)[:, None]
fig, axis = plt.subplots(figsize=(6, 4))
for name in ["mean_squared_error", "mean_absolute_error", "huber"]:
    axis.plot(errors, getattr(losses, name)(np.zeros_like(errors), errors), label=name)
axis.set(xlabel="prediction - target", ylabel="loss", title="Regression losses")
axis.legend()
axis.grid(alpha=0.3)

# %% [markdown]
# Cross-entropy grows without bound as the predicted probability of the true class goes to 0.
# Given probabilities, Keras clips them to [1e-7, 1 - 1e-7], so a certain, wrong prediction
# costs -log(1e-7) ≈ 16.1 instead of infinity (`EPSILON` is 1e-7), and ours do the same:

# %%
for name in ["binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy"]:
    print(inspect.getsource(getattr(losses, name)))

# %% [markdown]
# Inside a model whose last layer is a sigmoid or a softmax, Keras on TensorFlow does better:
# it takes the scores that went into that layer (the **logits**) and computes the loss from
# them, with no clipping. A neuron whose score is 40 for a row of class 0 predicts 1.0 (in
# float32); given that probability, the loss is capped near 16, but the model's own loss is
# the whole 40, so training still pushes the score down as hard as the mistake deserves.
# `from_logits=True` asks for the same when the last layer has no activation.

# %%
confident = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1, activation="sigmoid")])
confident.layers[0].set_weights([np.array([[1.0]]), np.array([0.0])])  # score = input
confident.compile(loss="binary_crossentropy")
x_row, y_row = np.array([[40.0]]), np.array([[0.0]])
probability = confident.predict(x_row, verbose=0)
print("predicted probability:", probability[0, 0])
print("loss from that probability:", float(keras.losses.binary_crossentropy(y_row, probability)[0]))
print("the model's own loss:", confident.evaluate(x_row, y_row, verbose=0))

# %% [markdown]
# The hinge loss wants the score's sign right with a margin: `max(0, 1 - y * score)` for labels
# y of -1 and 1 (0/1 labels are turned into -1/1 first). A score beyond the margin costs
# nothing, however far: unlike cross-entropy, it has no probability to be sure of.

# %%
print(inspect.getsource(losses.hinge))
scores = np.array([[2.0], [1.0], [0.5], [-0.5], [-2.0]])
print("hinge for a positive example, score = 2, 1, 0.5, -0.5, -2:")
print("ours: ", losses.hinge(np.ones_like(scores), scores).round(3))
print("Keras:", keras.losses.hinge(np.ones_like(scores), scores).numpy().round(3))

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
# **Multilabel.** A photo can hold a cat *and* a dog: each label is its own yes/no question, so
# each gets its own sigmoid unit, and the loss is binary cross-entropy, averaged over the
# labels. A softmax would force the labels to share one probability.

# %%
labels = np.array([[1.0, 0.0, 1.0]])  # cat yes, car no, dog yes
probabilities = np.array([[0.9, 0.2, 0.6]])  # three sigmoids: they need not add up to 1
per_label = losses.binary_crossentropy(labels[..., None], probabilities[..., None])
print("per label:", per_label.round(3), " mean:", per_label.mean(axis=-1).round(4))
print("Keras:", keras.losses.binary_crossentropy(labels, probabilities).numpy().round(4))

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
# 3. Which function is the maxout of the two pieces x and -x? Check it with
#    `activations.maxout`, then give it a third piece so that it is flat (equal to 1) where
#    |x| < 1.
