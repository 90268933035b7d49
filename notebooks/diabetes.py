# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Diabetes: binary classification with Keras
#
# Does a woman have diabetes? We give a small neural network seven clinical measurements
# and ask for one number: the probability of diabetes. This is the course's first Keras
# case study, step by step, with the same code that `python -m casestudies run diabetes` runs.
#
# **You will:** load and check the data, split it into training and test rows, scale the
# inputs, build a `Sequential` model (Dense 16 → Dense 8 → Dense 1 with a sigmoid), train it,
# and read its test metrics beside a naive baseline.

# %% [markdown]
# ## Setup
# `import_keras()` loads Keras quietly (TensorFlow prints a lot of start-up lines otherwise).

# %%
from sklearn.metrics import classification_report

from casestudies import diabetes
from utils import experiment, plots
from utils.evaluation import METRIC_KEYS
from utils.keras_setup import import_keras, seed_everything
from utils.report import metrics_table
from utils.training import train

keras = import_keras()

# %% [markdown]
# ## Parameters
# Change these and run the notebook again. `recipe = "course"` trains the course notebook's
# way: unscaled inputs and a plain split. Try it and compare the test accuracy.

# %% tags=["parameters"]
recipe = "kit"
num_epochs = 150
batch_size = 32
seed = 0

# %% [markdown]
# ## Prepare the data
# The case study declares its data: the file, the target column and the task.

# %%
case = diabetes.CASE
plan = experiment.plan(
    case, experiment.Settings(recipe=recipe, epochs=num_epochs, batch_size=batch_size, seed=seed)
)
dataset = experiment.load(plan)
print(f"{case.data_file}: {len(dataset.frame)} rows; target {case.target!r}; task {dataset.task}")
dataset.frame.head()

# %% [markdown]
# How many women in each class? The share of the larger class is the accuracy of a model that
# always says "no diabetes": the **baseline** our network has to beat.

# %%
dataset.labels.value_counts(normalize=True).round(3)

# %% [markdown]
# ## Split and scale
# `train_test_split(test_size=0.2, random_state=5)` as in the course. The scaler learns the
# mean and standard deviation of the **training rows only**: the test rows must stay unseen.

# %%
data = experiment.split_and_scale(dataset, plan)
print("training rows:", data.X_train.shape, " test rows:", data.X_test.shape)
print(
    "scaled?",
    data.preprocessor.scale,
    " feature means after scaling:",
    data.X_train.mean(axis=0).round(2),
)
print(data.leakage_warning(case.metric) or "No test row also appears in the training rows.")

# %% [markdown]
# ## Build the model
# Read `build_model` in `casestudies/diabetes.py`: two hidden ReLU layers and one sigmoid
# unit, compiled with Adam and binary cross-entropy. `hp` holds the hyperparameters; here we
# take their defaults (the grid search and Keras Tuner change them).

# %%
seed_everything(seed)
model, hyperparameters = experiment.build(diabetes.build_model, data.preprocessor)
model.build((None, data.X_train.shape[1]))
print(hyperparameters)
model.summary()

# %% [markdown]
# ## Train
# 20% of the training rows are held back as validation rows, so we can watch for overfitting.

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
print(f"{training.epochs_run} epochs in {training.fit_seconds:.1f} s")
plots.learning_curves(training.history, case.name)
# %% [markdown]
# When the validation loss turns up while the training loss keeps falling, the model has
# started to memorise the training rows: that is overfitting.
#
# ## Evaluate on the test rows
# The sigmoid gives a probability; we predict "diabetes" when it is at least 0.5.

# %%
metrics, y_pred, scores = experiment.evaluate(model, data)
print(metrics_table(metrics, METRIC_KEYS["binary"]))
print(
    classification_report(
        data.y_test, y_pred, target_names=["no diabetes", "diabetes"], zero_division=0
    )
)

# %%
plots.confusion_matrix(data.y_test, y_pred, data.preprocessor.classes, case.name)
plots.roc_curve(data.y_test, scores, case.name)

# %% [markdown]
# ## Conclusion
# A network of 16 + 8 + 1 units beats the majority-class baseline. Scaling the inputs matters:
# with `recipe = "course"` (unscaled) the same model can fail to beat the baseline at all.
#
# **Exercises**
# 1. Set `recipe = "course"` and run all cells. What happens to the accuracy, and why?
# 2. Halve and double `num_epochs`. Where does the validation loss start to rise?
# 3. Run it on your own copy of the course's `kaggle_diabetes.csv`:
#    `python -m casestudies run diabetes --csv kaggle_diabetes.csv`. Read the leakage warning.
