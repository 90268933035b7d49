# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Gradient descent and optimizers
#
# Training is walking downhill on the loss: step against the gradient, `w ← w − η ∇L(w)`.
# Here we walk on 2-D functions we can draw, with the optimizers of
# `casestudies/fundamentals/optimizers.py` (a few lines of NumPy each), and with Keras's own
# `keras.optimizers` beside them. Then we train one small network with each.

# %% [markdown]
# ## Setup

# %%
import inspect
import time

import numpy as np
from sklearn.datasets import make_moons

from casestudies.fundamentals.gradient_descent import (
    FUNCTIONS,
    contour_plot,
    descend,
    training_losses_figure,
)
from casestudies.fundamentals.optimizers import SGD, Adadelta, Adagrad, Adam, RMSprop
from utils.keras_setup import import_keras

keras = import_keras()  # `import keras`, without TensorFlow's start-up lines
from keras import layers

# %% [markdown]
# ## Hyperparameters and settings

# %% tags=["parameters"]
learning_rate = 0.1
steps = 50
num_epochs = 40
seed = 0

# %% [markdown]
# ## A bowl, and the effect of the learning rate
# `descend` is the walk: from a starting point, one optimizer step per gradient. Plain SGD's
# `step` is the rule `w ← w − η ∇L(w)`, applied to each array in place (its momentum branch
# comes below).

# %%
print(inspect.getsource(descend))
print(inspect.getsource(SGD.step))

# %% [markdown]
# On the bowl x² + y² each SGD step multiplies the point by 1 − 2η. Too small (0.02): slow.
# 0.1: fast. 0.9: every step overshoots the minimum, by less each time, so it zig-zags in.
# Too large (here above 1.0): every step overshoots further and it diverges; at 1.05 the walk
# leaves the plot on its second step.
#
# On a round bowl every step points straight at the centre, so a walk stays on the line from
# its start through the minimum. Each learning rate starts on its own line, at the same
# distance from the minimum (1.8), so that the four walks don't hide each other.

# %%
bowl = FUNCTIONS["bowl"][1]
starts = [(-1.27, 1.27), (0.0, 1.8), (1.27, 1.27), (1.8, 0.0)]
figure = contour_plot(
    "bowl",
    {
        f"lr={lr}": descend(bowl, start, steps, SGD(lr))
        for lr, start in zip((0.02, learning_rate, 0.9, 1.05), starts)
    },
)

# %% [markdown]
# ## A saddle
# x² − y² curves up along x and down along y. Started near the ridge, gradient descent first
# slides to the middle, where the gradient is nearly 0 and progress stalls, then escapes
# along y.

# %%
figure = contour_plot(
    "saddle", {"SGD": descend(FUNCTIONS["saddle"][1], (1.8, 0.02), steps, SGD(learning_rate))}
)

# %% [markdown]
# ## Optimizers on an elongated bowl
# x² + 10y² is ten times steeper across the valley (y) than along it (x), and one learning rate
# must serve both: a rate large enough to hurry along x overshoots across the valley, zig-zags,
# and soon diverges (exercise 1). At 0.04 plain SGD shrinks y fivefold per step (1, 0.2, 0.04,
# ...), so it drops to the valley floor without crossing it, then crawls along the floor: x
# shrinks by only 8% a step (still 0.78 after 10 steps). Momentum (and Nesterov's look-ahead)
# builds up speed along the valley, overshooting and swinging back; Adagrad, RMSprop and Adam
# scale each coordinate's step by its own gradient history. Adadelta does too, and scales it
# again by a moving average of its own past steps, so it needs no real learning rate (we pass
# 1.0, the paper's; Keras's default is 0.001): its first step is tiny (√ε / √(1 − ρ) ≈ 0.0014
# in each coordinate, whatever the gradient) and its steps grow only as it moves, which is why
# it barely leaves the start in 50 steps. Their `step`s:

# %%
for optimizer_class in (Adagrad, RMSprop, Adadelta, Adam):
    print(inspect.getsource(optimizer_class.step))

# %% [markdown]
# Each of our optimizers sits beside Keras's, with the same settings.

# %%
optimizers = {
    # name: (ours, Keras's)
    "SGD": (SGD(learning_rate=0.04), keras.optimizers.SGD(learning_rate=0.04)),
    "momentum": (
        SGD(learning_rate=0.04, momentum=0.8),
        keras.optimizers.SGD(learning_rate=0.04, momentum=0.8),
    ),
    "Nesterov": (
        SGD(learning_rate=0.04, momentum=0.8, nesterov=True),
        keras.optimizers.SGD(learning_rate=0.04, momentum=0.8, nesterov=True),
    ),
    "Adagrad": (Adagrad(learning_rate=0.5), keras.optimizers.Adagrad(learning_rate=0.5)),
    "RMSprop": (RMSprop(learning_rate=0.1), keras.optimizers.RMSprop(learning_rate=0.1)),
    "Adadelta": (Adadelta(learning_rate=1.0), keras.optimizers.Adadelta(learning_rate=1.0)),
    "Adam": (Adam(learning_rate=0.1), keras.optimizers.Adam(learning_rate=0.1)),
}
valley, start = FUNCTIONS["elongated bowl"][1], (1.8, 1.0)
walks = {name: descend(valley, start, steps, ours) for name, (ours, _) in optimizers.items()}
figure = contour_plot("elongated bowl", walks)

# %% [markdown]
# Keras's optimizers take the same steps. `model.fit` calls `optimizer.apply_gradients`
# once per batch; here we call it ourselves, once per step, on a point held in a
# `keras.Variable`. The tiny differences come from Keras casting its hyperparameters (the
# learning rate, the momentum, Adam's β₁ and β₂) through float32: 0.999 becomes 0.99900001.

# %%
for name, (_, keras_optimizer) in optimizers.items():
    point = keras.Variable(np.array(start), dtype="float64")
    keras_walk = [point.numpy()]
    for _ in range(steps):
        gradient = keras.ops.convert_to_tensor(valley(point.numpy()), dtype="float64")
        keras_optimizer.apply_gradients([(gradient, point)])
        keras_walk.append(point.numpy())
    difference = np.abs(np.array(keras_walk) - walks[name]).max()
    print(f"{name:9} largest distance from our walk: {difference:.1e}")

# %% [markdown]
# ## Training a network with each optimizer
# Two interleaved half-moons, and one small network trained six times from the same starting
# weights, once per optimizer: only the `optimizer=` line changes.

# %%
X, y = make_moons(n_samples=400, noise=0.25, random_state=seed)


def build_network():
    keras.utils.set_random_seed(seed)  # the same starting weights every time
    return keras.Sequential(
        [
            keras.Input((2,)),
            layers.Dense(16, activation="relu"),
            layers.Dense(16, activation="relu"),
            layers.Dense(1, activation="sigmoid"),
        ]
    )


training_optimizers = {
    "SGD": keras.optimizers.SGD(learning_rate=0.05),
    "momentum": keras.optimizers.SGD(learning_rate=0.05, momentum=0.9),
    "Nesterov": keras.optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
    "Adagrad": keras.optimizers.Adagrad(learning_rate=0.05),
    "RMSprop": keras.optimizers.RMSprop(learning_rate=0.005),
    "Adam": keras.optimizers.Adam(learning_rate=0.005),
}
training_losses = {}
for name, optimizer in training_optimizers.items():
    model = build_network()
    model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(X, y, epochs=num_epochs, batch_size=32, verbose=0)
    training_losses[name] = history.history["loss"]
    print(f"{name:9} final loss {history.history['loss'][-1]:.3f}")

# %%
figure = training_losses_figure(training_losses, "One network, six optimizers")

# %% [markdown]
# Plain SGD and Adagrad linger on the plateau where the loss first flattens; momentum,
# Nesterov, RMSprop and Adam get off it.
#
# ## Batch, stochastic and mini-batch gradient descent
# An **epoch** is one pass over the training rows. The **batch size** is how many rows each
# gradient is averaged over, so an epoch makes ⌈rows / batch size⌉ updates:
# - **batch** gradient descent takes every row for each step: one exact, smooth update per
#   epoch;
# - **stochastic** gradient descent takes one row: 400 noisy updates per epoch;
# - **mini-batch** gradient descent is between: 32 rows, 13 updates per epoch, and what
#   `fit`'s default `batch_size=32` does.
#
# The same network, plain SGD at 0.05, the same epochs: only `batch_size` changes. The
# optimizer counts its updates in `optimizer.iterations`.

# %%
batch_losses = {}
for batch_size in [len(X), 32, 1]:
    model = build_network()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss="binary_crossentropy")
    started = time.perf_counter()
    history = model.fit(X, y, epochs=num_epochs, batch_size=batch_size, verbose=0)
    seconds = time.perf_counter() - started
    batch_losses[f"batch size {batch_size}"] = history.history["loss"]
    print(
        f"batch size {batch_size:3}: {int(model.optimizer.iterations):5} updates, "
        f"final loss {history.history['loss'][-1]:.3f}, {seconds:.1f} s"
    )

# %%
figure = training_losses_figure(batch_losses, "The same epochs, three batch sizes")

# %% [markdown]
# Per epoch, the smaller the batch the more updates and the lower the loss. But each update
# has a fixed cost, so one row at a time is slow: in our run 40 epochs took 1.2 s in full
# batches, 1.8 s in mini-batches and 18.4 s one row at a time (ten times as long), for final
# losses of 0.54, 0.32 and 0.19. Mini-batches are the compromise: many updates per epoch,
# each one cheap per row. So an epoch count means little without its batch size: compare runs
# by their updates.
#
# ## Learning-rate decay
# A large learning rate gets down the slope fast and then rattles around the minimum; a small
# one settles but starts slowly. A **schedule** starts large and shrinks: here
# `keras.optimizers.schedules.ExponentialDecay` halves the learning rate every 10 epochs
# (`decay_steps` counts updates: 13 per epoch). Pass it to an optimizer as its learning rate.

# %%
updates_per_epoch = int(np.ceil(len(X) / 32))
schedule = keras.optimizers.schedules.ExponentialDecay(
    initial_learning_rate=0.5, decay_steps=10 * updates_per_epoch, decay_rate=0.5
)
print(
    "learning rate at epochs 0, 10, 20, 30:",
    [float(schedule(10 * updates_per_epoch * k)) for k in range(4)],
)
decay_losses = {}
for name, rate in [("constant 0.5", 0.5), ("0.5, halved every 10 epochs", schedule)]:
    model = build_network()
    optimizer = keras.optimizers.SGD(learning_rate=rate, momentum=0.9)
    model.compile(optimizer=optimizer, loss="binary_crossentropy")
    history = model.fit(X, y, epochs=num_epochs, batch_size=32, verbose=0)
    decay_losses[name] = history.history["loss"]
    last = np.array(history.history["loss"][-10:])
    print(f"{name:28} final loss {last[-1]:.3f}; last 10 epochs vary by {np.ptp(last):.3f}")

# %%
figure = training_losses_figure(decay_losses, "SGD with momentum, with and without decay")

# %% [markdown]
# In our run the decayed rate ended lower (0.158 against 0.174) and steadier (its last 10
# epochs varied by 0.005 against 0.012). The decay is one more hyperparameter, tuned after
# the learning rate, the units, the batch size and the layers in the course's order.
#
# ## Conclusion
# **How to choose:** Adam is a robust default (it is the case studies'); SGD with momentum can
# generalise better with a tuned learning-rate schedule; the learning rate matters more than
# the optimizer, which is why the course tunes it first.
#
# ## Exercises
# 1. Find the largest learning rate for which plain SGD still converges on the elongated bowl.
#    Why that value?
# 2. Set Adam's learning rate to 0.5: what happens near the minimum?
# 3. Give plain SGD a learning rate of 0.5 in the training comparison. Does it catch up?
