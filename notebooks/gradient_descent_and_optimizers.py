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
# Here we walk on 2-D functions we can draw, then compare the optimizers Keras offers. Each
# optimizer in `casestudies/fundamentals/optimizers.py` follows the same trajectory as
# `keras.optimizers` to 1e-5 over 100 steps (the tests check it).

# %%
from casestudies.fundamentals.gradient_descent import FUNCTIONS, contour_plot, descend
from casestudies.fundamentals.optimizers import SGD, Adagrad, Adam, RMSprop

# %% tags=["parameters"]
learning_rate = 0.1
steps = 50

# %% [markdown]
# ## A bowl, and the effect of the learning rate
# Too small: slow. Just right: fast. Too large (here above 1.0): every step overshoots further and it diverges.

# %%
bowl = FUNCTIONS["bowl"][1]
contour_plot(
    "bowl",
    {f"lr={lr}": descend(bowl, (1.8, 1.2), steps, SGD(lr)) for lr in (0.02, learning_rate, 0.9)},
)
# %% [markdown]
# ## A saddle
# x² − y² curves up along x and down along y. Started near the ridge, gradient descent first
# slides to the middle, where the gradient is nearly 0 and progress stalls, then escapes along y.

# %%
contour_plot(
    "saddle", {"SGD": descend(FUNCTIONS["saddle"][1], (1.8, 0.02), steps, SGD(learning_rate))}
)
# %% [markdown]
# ## Optimizers on an elongated bowl
# Plain SGD zig-zags across the narrow valley. Momentum (and Nesterov's look-ahead) builds up
# speed along it; Adagrad, RMSprop and Adam scale each coordinate's step by its own gradient history.

# %%
valley = FUNCTIONS["elongated bowl"][1]
contour_plot(
    "elongated bowl",
    {
        "SGD": descend(valley, (1.8, 1.0), steps, SGD(0.04)),
        "momentum": descend(valley, (1.8, 1.0), steps, SGD(0.04, momentum=0.8)),
        "Nesterov": descend(valley, (1.8, 1.0), steps, SGD(0.04, momentum=0.8, nesterov=True)),
        "Adagrad": descend(valley, (1.8, 1.0), steps, Adagrad(0.5)),
        "RMSprop": descend(valley, (1.8, 1.0), steps, RMSprop(0.1)),
        "Adam": descend(valley, (1.8, 1.0), steps, Adam(0.1)),
    },
)

# %% [markdown]
# **How to choose:** Adam is a robust default (it is the case studies'); SGD with momentum can
# generalise better with a tuned learning-rate schedule; the learning rate matters more than
# the optimizer, which is why the course tunes it first.
#
# **Exercises**
# 1. Find the largest learning rate for which plain SGD still converges on the elongated bowl. Why that value?
# 2. Set Adam's learning rate to 0.5: what happens near the minimum?
