# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Grid search: try every combination
#
# Which number of units, learning rate, optimizer, batch size? The course's first answer is a
# **grid search**: list the values to try, train a model for every combination, and keep the
# best. Its cost is the product of the list lengths, times the folds of cross-validation:
# that is why grids stay small.
#
# The kit runs scikit-learn's `GridSearchCV` over the case study's own `build_model(hp)`,
# through Keras's scikit-learn wrappers (`keras.wrappers.SKLearnClassifier` /
# `SKLearnRegressor`). Each configuration is scored by **k-fold cross-validation on the
# training rows only**; the test rows are used once, at the end.

# %%
from casestudies import iris
from utils.experiment import Settings
from utils.keras_setup import import_keras
from utils.search import expand_grid, grid_search

keras = import_keras()

# %% tags=["parameters"]
quick = False  # True: the first 2 configurations, 2 folds, 3 epochs
cv = 3
seed = 0

# %% [markdown]
# ## The grid
# Like scikit-learn's `param_grid`, a list of dicts; every combination inside one dict is tried.
# Names are `build_model`'s hyperparameters, plus `batch_size` and `epochs` for training.

# %%
for grid in iris.GRID:
    print(grid)
configurations = expand_grid(iris.GRID)
print(f"{len(configurations)} configurations x {cv} folds = {len(configurations) * cv} trainings")

# %% [markdown]
# ## Run the search
# The table ranks the configurations by their mean cross-validated accuracy (± its standard
# deviation over the folds). The best is then retrained on all the training rows and tested
# on the test rows, beside the default model from `build_model`'s defaults.

# %%
result = grid_search(
    iris.CASE, iris.build_model, iris.GRID, Settings(quick=quick, quiet=True, seed=seed), cv=cv
)

# %%
result["table"].head(10)

# %% [markdown]
# ## Searched vs default
# A better cross-validation score does not always mean a better test score: with 38 test
# flowers, one flower is 2.6 percentage points. Read the standard deviations before you trust
# a difference.

# %%
{
    name: {"default": result["default"][name], "grid best": result["best"][name]}
    for name in ("accuracy", "f1_macro")
}

# %% [markdown]
# **Exercises**
# 1. Add `"units_1": [64]` to the first grid. How many trainings does the search now cost?
# 2. Why must the scaler be fitted inside each fold for a fully honest estimate? (Here it is
#    fitted once on all training rows: a small, common shortcut.)
