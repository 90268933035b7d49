# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Iris: multiclass classification with Keras
#
# Which of three species is this iris? Four measurements in, three probabilities out (a
# **softmax**), and the prediction is the most probable species (`argmax`). The same code runs
# behind `python -m casestudies run iris`.

# %% [markdown]
# ## Setup

# %%
from sklearn.metrics import classification_report

from casestudies import iris
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

# %%
case = iris.CASE
plan = experiment.plan(
    case, experiment.Settings(recipe=recipe, epochs=num_epochs, batch_size=batch_size, seed=seed)
)
dataset = experiment.load(plan)
dataset.frame.sample(5, random_state=0)

# %% [markdown]
# ## Split, scale and encode the labels
# The species are strings. A `LabelEncoder` numbers them 0, 1, 2 (alphabetically): integer
# labels, which is what **sparse** categorical cross-entropy expects (no one-hot needed).
# `StandardScaler` is fitted on the training rows only.

# %%
data = experiment.split_and_scale(dataset, plan)
print("classes:", dict(enumerate(data.preprocessor.classes)))
print("first training labels:", data.y_train[:8])
print("training rows:", data.X_train.shape, " test rows:", data.X_test.shape)

# %% [markdown]
# ## Build the model
# `build_model` in `casestudies/iris.py`: one hidden layer of 10 ReLU units, then one softmax
# unit per class.

# %%
seed_everything(seed)
model, hyperparameters = experiment.build(iris.build_model, data.preprocessor)
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
# The softmax gives three probabilities that sum to 1 for each flower; `argmax` picks the largest.

# %%
probabilities = model.predict(data.X_test[:3], verbose=0)
print(probabilities.round(3), "->", probabilities.argmax(axis=1))

# %%
metrics, y_pred, scores = experiment.evaluate(model, data)
print(metrics_table(metrics, METRIC_KEYS["multiclass"]))
print(
    classification_report(
        data.y_test, y_pred, target_names=data.preprocessor.classes, zero_division=0
    )
)
plots.confusion_matrix(data.y_test, y_pred, data.preprocessor.classes, case.name)

# %% [markdown]
# ## Conclusion
# Setosa is easy; versicolor and virginica overlap, and that is where the mistakes are.
#
# **Exercises**
# 1. Try `num_epochs = 20`. Which classes does the model confuse?
# 2. In `casestudies/iris.py`, the loss is sparse categorical cross-entropy. What would you change
#    to use categorical cross-entropy instead? (Hint: `keras.utils.to_categorical`.)
