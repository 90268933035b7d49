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
#
# **You will learn to:** find and drop missing values; split with `train_test_split` and
# scale with a `StandardScaler` fitted on the training rows only; train a regression network;
# time `steps_per_execution`; and read MAE, RMSE and R² beside a naive baseline and two
# classic models.

# %% [markdown]
# ## Setup
# The kit's `import_keras()` imports Keras and hides TensorFlow's start-up log lines (a plain
# `import keras` works too, with a few harmless lines of noise). It comes first, so that
# nothing else loads TensorFlow before it.

# %%
from utils.keras_setup import import_keras

keras = import_keras()

import math
import time

import matplotlib.pyplot as plt
import pandas as pd
import tensorflow as tf
from sklearn.dummy import DummyRegressor
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LinearRegression
from sklearn.metrics import (
    PredictionErrorDisplay,
    mean_absolute_error,
    r2_score,
    root_mean_squared_error,
)
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from casestudies import air_quality
from utils import exercises

# %% [markdown]
# ## Hyperparameters and settings
# Change these and run the notebook again.

# %% tags=["parameters"]
test_size = 0.3  # the share of rows kept for testing, as in the course
split_seed = 0  # train_test_split's random_state, as in the course
num_epochs = 100
patience = 25  # early stopping: epochs without a better validation loss
batch_size = 8  # the course uses 32: see "Train" below
seed = 0  # the network's initial weights and the random forest
course_epochs = 100  # exercise 1 keeps the course's epochs
quick = False  # True: shorter timings (the tests)

# %% [markdown]
# ## Prepare the data
# The case study declares where its data file is (`air_quality.CASE.data_path`, in `data/`):
# 153 days of May to September 1973, with the ozone level (ppb), the solar radiation, the
# wind, the temperature and the date.

# %%
frame = pd.read_csv(air_quality.CASE.data_path)
print(frame.shape)
frame.head()

# %% [markdown]
# Some values are missing (`NA` in the file, `NaN` here). A network can't learn from a
# missing number (its loss becomes NaN), so we drop every row that has one, and count them.

# %%
print("missing values per column:", frame.isna().sum().to_dict())
incomplete = frame.isna().any(axis=1).sum()
frame = frame.dropna()
print(f"dropped {incomplete} incomplete rows; {len(frame)} rows left")
frame.describe().round(1)

# %% [markdown]
# ### Split and scale
# `train_test_split` keeps 30% of the days for the final test (no stratifying: the target is
# a number, not a class). The scaler learns each column's mean and standard deviation from
# the **training rows only**.

# %%
X = frame.drop(columns="Ozone")
y = frame["Ozone"].to_numpy()
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=test_size, random_state=split_seed
)
print("training rows:", X_train.shape, " test rows:", X_test.shape)
scaler = StandardScaler().fit(X_train)
X_train_scaled = scaler.transform(X_train)
X_test_scaled = scaler.transform(X_test)
pd.DataFrame({"mean": scaler.mean_, "standard deviation": scaler.scale_}, index=X.columns).round(2)

# %% [markdown]
# ## Build the model
# A `keras.Sequential` stack: an input of 5 features, two hidden ReLU layers of 10 and 8 units,
# and one linear unit, so that any real number can come out. The loss is the mean squared
# error; the mean absolute error is reported beside it, in ppb.
#
# **Learning rate 1e-2**, not Adam's default 1e-3: at the course's batch size of 32, the 61
# rows left to fit make 2 batches an epoch, and 100 epochs of such small steps leave the model
# worse than predicting the mean (the first exercise shows it). The model is built in a
# function, because we build it again below.


# %%
def build_model():
    """The kit's default air-quality model, compiled."""
    model = keras.Sequential(
        [
            keras.Input(shape=(X_train.shape[1],)),
            keras.layers.Dense(10, activation="relu"),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(1, activation="linear"),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-2), loss="mse", metrics=["mae"])
    return model


keras.utils.set_random_seed(seed)  # the same seed gives the same initial weights
model = build_model()
model.summary()

# %% [markdown]
# The command line builds this same model from `build_model(hp)` in
# `casestudies/air_quality.py`, where each size and choice is a hyperparameter that a search
# can vary (the Keras Tuner notebook searches it); the tests check that the two build the same
# layers.

# %% [markdown]
# ## Train
# `validation_split=0.2` holds back the last 20% of the training rows, scored after every
# epoch and never learnt from.
#
# **Batches of 8.** The course fits batches of 32. Here 61 rows are left to fit, so that is
# 2 updates an epoch; batches of 8 make 8 updates an epoch, and their noisier steps settle
# lower. Over 10 seeds the kit's test RMSE is 25.7 with batches of 8 against 26.2 with 32,
# a small gain for 34 test days. Set `batch_size = 32` and run again to see the difference.
#
# **Early stopping.** The `EarlyStopping` callback watches the validation loss: once it has not
# improved for `patience` epochs, training stops, and `restore_best_weights=True` puts back the
# weights of the best epoch. We keep the model that did best on rows it never learnt from,
# instead of whatever the last epoch left.

# %%
early_stopping = keras.callbacks.EarlyStopping(
    monitor="val_loss", patience=patience, restore_best_weights=True
)
start = time.perf_counter()
history = model.fit(
    X_train_scaled,
    y_train,
    epochs=num_epochs,
    batch_size=batch_size,
    validation_split=0.2,
    callbacks=[early_stopping],
    verbose=0,
)
fit_seconds = time.perf_counter() - start
best_epoch = early_stopping.best_epoch + 1  # Keras counts epochs from 0
print(f"{len(history.epoch)} epochs in {fit_seconds:.1f} s; kept the weights of epoch {best_epoch}")
axes = pd.DataFrame(history.history)[["loss", "val_loss"]].plot(
    xlabel="epoch", ylabel="mean squared error", logy=True, grid=True, title="Air quality"
)
axes.axvline(best_epoch - 1, color="grey", linestyle="--", label=f"kept: epoch {best_epoch}")
axes.legend()
plt.show()

# %% [markdown]
# ## Faster training: `steps_per_execution`
# With 61 rows to fit, an epoch is 8 batches: nearly all of `fit`'s time is overhead (Python
# calls a compiled function for every batch, and Keras restarts its data pipeline and scores
# the validation rows every epoch). `compile(steps_per_execution=N)` runs N batches per call,
# at most one epoch's worth. To run ten epochs per call, hand `fit` a `tf.data` pipeline that
# shuffles and repeats the rows, and let each Keras "epoch" be ten passes.


# %%
def fresh_model(steps_per_execution):
    """The default model, from the same initial weights, running N batches per call."""
    keras.utils.set_random_seed(seed)
    fresh = build_model()
    fresh.compile(
        optimizer=fresh.optimizer,
        loss=fresh.loss,
        metrics=["mae"],
        steps_per_execution=steps_per_execution,
    )
    return fresh


num_validation = len(X_train_scaled) - int(len(X_train_scaled) * 0.8)  # Keras rounds fit rows down
steps_per_epoch = math.ceil((len(X_train_scaled) - num_validation) / batch_size)
timing_epochs = 10 if quick else 30
timings = {}
for steps_per_execution in [1, steps_per_epoch]:
    fresh = fresh_model(steps_per_execution)
    start = time.perf_counter()
    fresh_history = fresh.fit(
        X_train_scaled,
        y_train,
        epochs=timing_epochs,
        batch_size=batch_size,
        validation_split=0.2,
        verbose=0,
    )
    timings[f"steps_per_execution={steps_per_execution}"] = {
        "seconds": time.perf_counter() - start,
        "validation loss": fresh_history.history["val_loss"][-1],
    }

X_fit, y_fit = X_train_scaled[:-num_validation], y_train[:-num_validation]
X_val, y_val = X_train_scaled[-num_validation:], y_train[-num_validation:]
repeated_batches = (
    tf.data.Dataset.from_tensor_slices((X_fit.astype("float32"), y_fit.astype("float32")))
    .shuffle(len(X_fit), seed=seed)  # a new order on every pass
    .batch(batch_size)
    .repeat()
)
epochs_per_call = 10
fresh = fresh_model(epochs_per_call * steps_per_epoch)
start = time.perf_counter()
fresh_history = fresh.fit(
    repeated_batches,
    epochs=timing_epochs // epochs_per_call,
    steps_per_epoch=epochs_per_call * steps_per_epoch,
    validation_data=(X_val, y_val),
    shuffle=False,  # the pipeline shuffles
    verbose=0,
)
timings[f"steps_per_execution={epochs_per_call * steps_per_epoch}"] = {
    "seconds": time.perf_counter() - start,
    "validation loss": fresh_history.history["val_loss"][-1],
}
timings = pd.DataFrame(timings).T
timings["speed-up"] = timings["seconds"].iloc[0] / timings["seconds"]
print(f"{timing_epochs} epochs of {steps_per_epoch} batches:")
timings.round(3)

# %% [markdown]
# The first two rows make the same updates in the same order, so they end at the same
# validation loss; the third shuffles differently, so its loss differs a little. The kit's
# own training loop, behind `python -m casestudies`, runs several epochs per call without
# Keras's per-epoch bookkeeping.
#
# ## Evaluate on the test rows
# `model.evaluate` gives the loss (MSE) and the compiled metric (MAE) on the test rows.

# %%
test_mse, test_mae = model.evaluate(X_test_scaled, y_test, verbose=0)
print(f"test MSE {test_mse:.1f}, test MAE {test_mae:.1f} ppb")

# %% [markdown]
# The network's output is the prediction itself: one number per day. MAE is the typical
# error in ppb; RMSE, the square root of the MSE, punishes big misses more; R² compares the
# model with always predicting the test days' own mean (R² = 0). The baseline predicts the
# training days' mean, which it can know, a little off that, so its R² falls just below 0.

# %%
y_pred = model.predict(X_test_scaled, verbose=0)[:, 0]
print(y_pred[:5].round(1), "vs actual", y_test[:5])
PredictionErrorDisplay.from_predictions(y_test, y_pred, kind="actual_vs_predicted")
plt.title("Air quality: test days")
plt.show()

# %% [markdown]
# ### Beside the baseline and two classic models
# The naive baseline always predicts the training rows' mean ozone (scikit-learn's
# `DummyRegressor`); linear regression and a random forest of 100 trees are fitted on the
# same scaled training rows and scored on the same test rows.


# %%
def test_scores(y_pred):
    """A model's test scores, from its predictions."""
    return {
        "MAE": mean_absolute_error(y_test, y_pred),
        "RMSE": root_mean_squared_error(y_test, y_pred),
        "R²": r2_score(y_test, y_pred),
    }


peers = {
    "baseline (training mean)": DummyRegressor(strategy="mean"),
    "linear regression": LinearRegression(),
    "random forest": RandomForestRegressor(n_estimators=100, random_state=seed),
}
results = {"network": test_scores(y_pred)}
for name, peer in peers.items():
    peer.fit(X_train_scaled, y_train)
    results[name] = test_scores(peer.predict(X_test_scaled))
results = pd.DataFrame(results).T
results.sort_values("RMSE").round(3)

# %% [markdown]
# ## Conclusion
# The network, linear regression and the random forest all beat the baseline by far (R² near
# 0.46-0.55, against below 0 for the mean). Between the three the differences are small: the
# network's test RMSE is about 2 ppb below the others', a lead that rests on a handful of the
# 34 test days, and the random forest's MAE is as low as the network's. The
# predicted-vs-actual plot shows where the network fails: the few days of very high ozone are
# predicted far too low. With 61 rows to fit, a network has little room to find more than a
# straight line does.
#
# ### The same recipe, one command
# `python -m casestudies run air_quality --seed 0` runs this same recipe: the same dropped
# rows, split and scaler, the same model, epochs and batch size, the same validation rows,
# the same peers. It trains with the kit's faster loop, whose batches come in another order,
# so its test RMSE is close to this notebook's without always being equal (the tests check
# that the two agree).

# %%
from casestudies.cli import main

# Your split, epochs and batch size go to the command; a patience that differs is said.
command = ["run", "air_quality", "--seed", str(seed), "--quiet"]
command += ["--test-size", str(test_size), "--split-seed", str(split_seed)]
command += ["--epochs", str(num_epochs), "--batch-size", str(batch_size)]
if patience != air_quality.CASE.kit.patience:
    print(
        f"The command line stops after {air_quality.CASE.kit.patience} epochs without a better "
        f"validation loss, this notebook after {patience}."
    )
exit_status = main(command)

# %% [markdown]
# ## Exercises
# 1. **Adam's default learning rate.** The next cell trains the default model with Adam's
#    default learning rate, 1e-3, batches of 32 and no early stopping, as the course does.
#    Keep that learning rate, and change anything else (the epochs, the batch size, the
#    layers...) until the test RMSE matches or beats linear regression's; then run the check
#    below it. Why does 1e-3 fall short with the course's settings? (Count the updates: rows
#    to fit ÷ batch size × epochs.)
# 2. Drop the `Day` column (day of the month). Does any model get worse? What does that tell
#    you about the column?
# 3. If you have the course's weather → PM 2.5 file (`Real_Combine.csv`, not shipped here), run
#    it through this case study:
#    `python -m casestudies run air_quality --csv Real_Combine.csv --target "PM 2.5"`.

# %% tags=["exercise"]
keras.utils.set_random_seed(seed)
my_model = keras.Sequential(
    [
        keras.Input(shape=(X_train_scaled.shape[1],)),
        keras.layers.Dense(10, activation="relu"),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.Dense(1, activation="linear"),
    ]
)
my_model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="mse", metrics=["mae"])
my_history = my_model.fit(
    X_train_scaled,
    y_train,
    epochs=course_epochs,  # the course's: yours to change
    batch_size=32,  # the course's batch size
    validation_split=0.2,
    verbose=0,
)

# %% tags=["check"]
my_rmse = root_mean_squared_error(y_test, my_model.predict(X_test_scaled, verbose=0)[:, 0])
if not math.isclose(float(my_model.optimizer.learning_rate), 1e-3, rel_tol=1e-6):
    print("Keep Adam's learning rate at 1e-3 for this exercise, and change something else.")
else:
    exercises.check(
        "test RMSE",
        my_rmse,
        {
            "the baseline": results.loc["baseline (training mean)", "RMSE"],
            "linear regression": results.loc["linear regression", "RMSE"],
        },
        higher_is_better=False,
    )
