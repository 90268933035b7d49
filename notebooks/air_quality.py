# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Air quality: regression with Keras
#
# How much ozone will New York have today? A regression network ends in **one linear unit**
# (any real number can come out) and learns by minimising the **mean squared error**.
# The same code runs behind `python -m casestudies run air_quality`.

# %% [markdown]
# ## Setup

# %%
from casestudies import air_quality
from utils import experiment, plots
from utils.evaluation import METRIC_KEYS
from utils.keras_setup import import_keras, seed_everything
from utils.report import metrics_table
from utils.training import train

keras = import_keras()

# %% [markdown]
# ## Parameters
# Change these and run the notebook again.

# %% tags=["parameters"]
recipe = "kit"
num_epochs = 100
batch_size = 32
seed = 0

# %% [markdown]
# ## Prepare the data
# The file has missing values (`NA`). A network can't learn from a missing number (its loss
# becomes NaN), so the kit drops those rows and says how many.

# %%
case = air_quality.CASE
plan = experiment.plan(
    case, experiment.Settings(recipe=recipe, epochs=num_epochs, batch_size=batch_size, seed=seed)
)
dataset = experiment.load(plan)
print(*dataset.notes, sep="\n")
dataset.frame.describe().round(1)

# %% [markdown]
# ## Split and scale
# `train_test_split(test_size=0.3, random_state=0)`, then `StandardScaler` fitted on the training rows.

# %%
data = experiment.split_and_scale(dataset, plan)
print("training rows:", data.X_train.shape, " test rows:", data.X_test.shape)

# %% [markdown]
# ## Build the model
# `build_model` in `casestudies/air_quality.py`: Dense(10, relu) → Dense(8, relu) → Dense(1, linear), loss MSE.

# %%
seed_everything(seed)
model, hyperparameters = experiment.build(air_quality.build_model, data.preprocessor)
model.build((None, data.X_train.shape[1]))
model.summary()

# %% [markdown]
# ## Train

# %%
training = train(
    model,
    data.X_train,
    data.y_train,
    epochs=plan.recipe.epochs,
    batch_size=plan.recipe.batch_size,
    fast=plan.recipe.fast,
    seed=seed,
)
plots.learning_curves(training.history, case.name)
# %% [markdown]
# ## Evaluate
# MAE is the typical error in ppb; RMSE punishes big misses more; R² compares the model with
# always predicting the mean (R² = 0), which is exactly the baseline column.

# %%
metrics, y_pred, scores = experiment.evaluate(model, data)
print(metrics_table(metrics, METRIC_KEYS["regression"]))
plots.predicted_vs_actual(data.y_test, y_pred, case.name)
plots.residuals(data.y_test, y_pred, case.name)

# %% [markdown]
# ## Conclusion
# With about 80 training days the network beats the mean, but the residuals show it
# under-predicts the highest-ozone days.
#
# **Exercises**
# 1. Run the course's weather → PM 2.5 file through this case study:
#    `python -m casestudies run air_quality --csv Real_Combine.csv --target "PM 2.5"`.
# 2. Set the learning rate to Adam's default, 1e-3 (in `build_model`). Why does the model now
#    lose to the baseline in 100 epochs? (Count the updates: rows ÷ batch size × epochs.)
