# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Keras Tuner: search smarter than a grid
#
# Keras Tuner calls the same `build_model(hp)`: each `hp.Int`, `hp.Choice` in it is a
# dimension of the search space. A **tuner** decides which values to try next:
#
# - `random`: sample configurations at random (often as good as a grid, far cheaper);
# - `grid`: every combination, in order;
# - `bayesian`: model the score so far and try where improvement looks likely;
# - `hyperband`: train many configurations briefly, keep the best third, train those longer.
#
# Each trial is scored on validation rows held out from the training rows. A trial whose loss
# becomes NaN (a learning rate too high) is marked *diverged* and can never be chosen as best.

# %%
from IPython.display import Image, display

from casestudies import air_quality
from utils.experiment import Settings
from utils.keras_setup import import_keras
from utils.search import search_space, tune

keras = import_keras()

# %% tags=["parameters"]
quick = False  # True: 2 trials of 3 epochs
tuner = "random"  # random, grid, bayesian or hyperband
max_trials = 10
seed = 0

# %% [markdown]
# ## The search space
# Read off `build_model` by calling it once with an empty `HyperParameters`:

# %%
for dimension in search_space(air_quality.build_model):
    print(dimension)

# %% [markdown]
# ## Search
# The search lives in its own folder under `searches/`. If it is interrupted, continue it with
# `python -m casestudies tune air_quality --resume FOLDER`: finished trials are kept.

# %%
result = tune(
    air_quality.CASE,
    air_quality.build_model,
    Settings(quick=quick, quiet=True, seed=seed),
    kind=tuner,
    max_trials=max_trials,
)

# %% [markdown]
# ## Every trial, ranked
# The objective is the validation MAE (lower is better), as in the course's tuner.

# %%
result["table"]

# %%
display(Image(filename=str(result["search_dir"] / "trial_scores.png")))
display(Image(filename=str(result["search_dir"] / "hyperparameters_vs_score.png")))

# %% [markdown]
# ## Tuned vs default, on the test rows

# %%
{
    name: {
        "default": round(result["default"][name], 2),
        "tuned": round(result["tuned"][name], 2),
        "baseline": round(result["default"]["baseline"][name], 2),
    }
    for name in ("mae", "rmse", "r2")
}

# %% [markdown]
# **Exercises**
# 1. Run it again with `tuner = "hyperband"`. How many trials did it run, and how many epochs each?
# 2. Set the same `seed` twice: do you get the same trials? Change it: do you get the same best?
