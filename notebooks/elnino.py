# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # El Niño: forecasting a time series with an RNN
#
# What will the sea off Peru and Ecuador be next month? From the 24 monthly temperatures
# before it, a **recurrent network** (here a GRU) reads the months in order, carries what
# matters forward in its state, and one linear unit gives the forecast.
#
# The data are NOAA's monthly mean sea-surface temperature of the Niño 1+2 region (0-10°S,
# 80-90°W), January 1950 to December 2010: 732 months, in °C (`data/elnino.csv`, from the copy
# statsmodels ships). El Niño years show as winters several degrees warmer than usual.
#
# **You will learn to:** cut a series into windows with NumPy; split in time order and scale
# with the training months' statistics only; train a GRU with early stopping; turn forecasts
# back into °C; and judge the network beside the naive forecasts (last month, the same month a
# year before) and a linear autoregression.

# %% [markdown]
# ## Setup
# The kit's `import_keras()` imports Keras and hides TensorFlow's start-up log lines (a plain
# `import keras` works too, with a few harmless lines of noise). It comes first, so that
# nothing else loads TensorFlow before it.

# %%
from utils.keras_setup import import_keras

keras = import_keras()

import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.linear_model import LinearRegression
from sklearn.metrics import mean_absolute_error, r2_score, root_mean_squared_error

from casestudies import elnino
from utils import exercises, plots

# %% [markdown]
# ## Hyperparameters and settings
# Change these and run the notebook again.

# %% tags=["parameters"]
window = 24  # months the network reads to forecast the next one
test_size = 0.2  # the share of forecasts kept for testing: the last ones
num_epochs = 200
patience = 20  # early stopping: epochs without a better validation loss
batch_size = 32
seed = 0  # the network's initial weights and the order of its batches

# %% [markdown]
# ## Prepare the data
# The case study declares where its data file is (`elnino.CASE.data_path`, in `data/`): one
# row per month, in time order.

# %%
frame = pd.read_csv(elnino.CASE.data_path)
print(frame.shape)
print("missing values per column:", frame.isna().sum().to_dict())
months = frame["month"].to_numpy()
values = frame["sst"].to_numpy()  # °C
frame.head()

# %% [markdown]
# ### Windows: from a series to inputs and targets
# Each forecast reads `window` months and predicts the month after them. The first 24 months
# only serve as inputs, so 732 months make 708 forecasts.
#
# ### Split in time order
# The test months are the **last** 20% of the forecasts (142 months, from 1999). We do not
# shuffle before splitting: a forecast is made from the past, so the model must be tested on
# months later than every month it learnt from. Shuffled, the test months would sit between
# training months, sharing 23 of their 24 input months with a training window: the model
# would be judged on interpolation, not forecasting.

# %%
num_forecasts = len(values) - window
num_test = round(test_size * num_forecasts)
first_test = len(values) - num_test  # the index of the first test month
print(f"{num_forecasts} forecasts: the last {num_test} are tested, from {months[first_test]}")

dates = pd.to_datetime(frame["month"])
fig, axis = plt.subplots(figsize=(12, 4))
axis.plot(dates, values, color="black", linewidth=1)
axis.axvspan(dates[first_test], dates.iloc[-1], color="tab:orange", alpha=0.2, label="test months")
axis.set(xlabel="month", ylabel="°C", title="El Niño: Niño 1+2 sea-surface temperature")
axis.legend(loc="upper left")
axis.grid(alpha=0.3)
plt.show()

# %% [markdown]
# ### Scale with the training months only
# The mean and standard deviation come from the months before the first test month; the test
# months are scaled with them too, as a forecaster in 1999 would have had to.

# %%
train_values = values[:first_test]
mean, std = train_values.mean(), train_values.std()
scaled = ((values - mean) / std).astype("float32")
print(f"mean {mean:.3f} °C, standard deviation {std:.3f} °C (from {first_test} months)")

# %% [markdown]
# NumPy's `sliding_window_view` cuts every run of 24 consecutive months; the run starting at
# month `i` forecasts month `i + 24`. The last window ends with the last month but one: the
# last month has no month after it. A recurrent layer takes (samples, time steps, features),
# so a last axis of one feature is added.

# %%
windows = np.lib.stride_tricks.sliding_window_view(scaled[:-1], window)[..., np.newaxis]
targets = scaled[window:]
print("windows:", windows.shape, " targets:", targets.shape)
print(f"the first window: {months[0]} to {months[window - 1]} -> forecasts {months[window]}")

split_at = first_test - window  # the first test window
X_train, y_train = windows[:split_at], targets[:split_at]
X_test, y_test = windows[split_at:], targets[split_at:]
test_months = months[first_test:]
print("training windows:", X_train.shape, " test windows:", X_test.shape)

# %% [markdown]
# ## Build the model
# A `keras.Sequential` stack: a `GRU` layer of 32 units reads the 24 months one at a time and
# hands its last state to one linear unit, the forecast; Adam at 1e-3 and the mean squared
# error. The GRU's weights don't depend on the window: the same cell is used at every month.

# %%
keras.utils.set_random_seed(seed)  # the same seed gives the same initial weights
model = keras.Sequential(
    [
        keras.Input(shape=(window, 1)),  # months, and one value per month
        keras.layers.GRU(32),
        keras.layers.Dense(1),
    ]
)
model.compile(
    optimizer=keras.optimizers.Adam(learning_rate=1e-3),
    loss="mean_squared_error",
    metrics=["mae"],
)
model.summary()

# %% [markdown]
# The command line builds this same model from `build_model(hp)` in `casestudies/elnino.py`,
# where a search can pick a `SimpleRNN` or an `LSTM` cell instead, other sizes, or two stacked
# recurrent layers; the tests check that the two build the same layers.

# %% [markdown]
# ## Train
# `validation_split=0.2` holds back the **last** 20% of the training windows (Keras takes the
# last rows, before any shuffling): the months just before the test months, later than every
# month the model fits on. `fit` does shuffle the order of the fitting windows in each epoch;
# that is harmless, as each window carries its own past.
#
# **Early stopping.** The `EarlyStopping` callback watches the validation loss: once it has not
# improved for `patience` epochs, training stops, and `restore_best_weights=True` puts back the
# weights of the best epoch.

# %%
num_validation = len(X_train) - int(len(X_train) * 0.8)  # Keras rounds the fitted rows down
first_validation = months[first_test - num_validation]
print(
    f"validation: the last {num_validation} training windows, forecasting from {first_validation}"
)
early_stopping = keras.callbacks.EarlyStopping(
    monitor="val_loss", patience=patience, restore_best_weights=True
)
start = time.perf_counter()
history = model.fit(
    X_train,
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
axes = pd.DataFrame(history.history, index=np.arange(1, len(history.epoch) + 1))[
    ["loss", "val_loss"]
].plot(xlabel="epoch", ylabel="mean squared error (scaled)", logy=True, grid=True, title="El Niño")
axes.axvline(best_epoch, color="grey", linestyle="--", label=f"kept: epoch {best_epoch}")
axes.legend()
plt.show()

# %% [markdown]
# ## Evaluate on the test months
# `model.evaluate` scores the scaled values. To read the errors in °C, the forecasts are
# turned back: times the standard deviation, plus the mean.

# %%
test_mse, test_mae = model.evaluate(X_test, y_test, verbose=0)
print(f"scaled: test MSE {test_mse:.4f}, test MAE {test_mae:.4f}")
actual = values[first_test:]  # °C
network_forecast = model.predict(X_test, verbose=0)[:, 0] * std + mean
print(f"test MAE {mean_absolute_error(actual, network_forecast):.3f} °C")

# %% [markdown]
# ### Beside the naive forecasts and a linear autoregression
# A forecast must beat the simplest ones:
# - **last value**: next month will be like this month;
# - **seasonal naive**: next month will be like the same month a year before;
# - **linear autoregression**: a `LinearRegression` on the same 24 scaled months, flattened
#   into a row: a weighted sum of the past months, fitted on the same training windows.
#
# All are scored on the same test months, in °C.

# %%
baselines = {
    "last value": values[first_test - 1 : -1],
    "seasonal naive": values[first_test - 12 : -12],
}
autoregression = LinearRegression().fit(X_train[..., 0], y_train)
baselines["linear autoregression"] = autoregression.predict(X_test[..., 0]) * std + mean


def test_scores(forecast):
    """A forecast's test scores, in °C."""
    return {
        "MAE": mean_absolute_error(actual, forecast),
        "RMSE": root_mean_squared_error(actual, forecast),
        "R²": r2_score(actual, forecast),
    }


results = {"network (GRU)": test_scores(network_forecast)}
for name, forecast in baselines.items():
    results[name] = test_scores(forecast)
results = pd.DataFrame(results).T
results.sort_values("RMSE").round(3)

# %% [markdown]
# The forecasts over the test months, beside what happened (the legend gives each one's RMSE),
# and the error by calendar month: where in the year each forecast struggles.

# %%
forecasts = {"network (GRU)": network_forecast, **baselines}
plots.forecasts(list(test_months), actual, forecasts, "El Niño", unit="°C")
plt.show()
plots.error_by_month(list(test_months), actual, forecasts, "El Niño", unit="°C")
plt.show()

# %% [markdown]
# ## Conclusion
# The GRU beats both naive forecasts by far, and roughly ties the linear autoregression
# (within a few hundredths of a degree, which on 142 test months is no real difference). The
# seasonal naive forecast does worst: El Niño years break the yearly rhythm, so last year's
# month is a poor guide. The last value lags a month behind every turn.
#
# Why no more from the RNN? Month-to-month change in this series is nearly linear in the past
# months, so a weighted sum of them already says most of what the recurrent cell can. **When
# to reach for which:** start with the naive forecasts (any model must beat them) and a linear
# autoregression (fast, and its weights can be read); reach for an RNN when the dependence on
# the past is non-linear, when the series has several variables that interact, or when the
# useful past is long and varies, which a fixed window and fixed weights can't follow.
#
# ### The same recipe, one command
# `python -m casestudies run elnino --seed 0` runs this same recipe: the same split, scaling
# and windows, the same model, epochs, batch size, validation windows and early stopping, and
# the same baselines. It trains with the kit's faster loop, whose batches come in another
# order and which checks early stopping every few epochs, so its test RMSE is close to this
# notebook's without always being equal (the tests check that the two agree). Its window is
# the case's, `CASE.window` in `casestudies/elnino.py`: if you changed `window` above, change
# it there too before comparing.

# %%
from casestudies.cli import main

if window != elnino.CASE.window:
    print(f"The command line reads {elnino.CASE.window} months, this notebook {window}.")
# Your test share, epochs and batch size go to the command; a patience that differs is said.
command = ["run", "elnino", "--seed", str(seed), "--quiet", "--test-size", str(test_size)]
command += ["--epochs", str(num_epochs), "--batch-size", str(batch_size)]
if patience != elnino.CASE.kit.patience:
    print(
        f"The command line stops after {elnino.CASE.kit.patience} epochs without a better "
        f"validation loss, this notebook after {patience}."
    )
exit_status = main(command)

# %% [markdown]
# ## Exercises
# 1. **Beat the linear autoregression.** The next cell trains a small network, a `SimpleRNN`
#    of 4 units, with the lesson's recipe: it loses to the linear autoregression (about 0.57 °C
#    against 0.50 on our machine). Change the model (a `GRU` or `LSTM` cell, more units, a
#    second recurrent layer with `return_sequences=True` on the first, the learning rate...) but
#    keep the window, until its test RMSE matches or beats the linear autoregression's; then run
#    the check below it.
# 2. **Shuffle, and see the test score lie.** Split `windows` and `targets` with
#    `sklearn.model_selection.train_test_split(..., test_size=0.2, random_state=0)` (it
#    shuffles) and fit the linear autoregression again. Is its test RMSE better? Why can't you
#    trust it?
# 3. **Forecast a year ahead.** Starting from the last 24 training months, forecast 12 months
#    one at a time, feeding each forecast back as the newest input. Plot it against the actual
#    months and the seasonal naive forecast. How fast does it drift?

# %% tags=["exercise"]
keras.utils.set_random_seed(seed)
my_model = keras.Sequential(
    [
        keras.Input(shape=(window, 1)),
        keras.layers.SimpleRNN(4),
        keras.layers.Dense(1),
    ]
)
my_model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="mean_squared_error")
my_history = my_model.fit(
    X_train,
    y_train,
    epochs=num_epochs,
    batch_size=batch_size,
    validation_split=0.2,
    callbacks=[
        keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=patience, restore_best_weights=True
        )
    ],
    verbose=0,
)

# %% tags=["check"]
my_forecast = my_model.predict(X_test, verbose=0)[:, 0] * std + mean
exercises.check(
    "test RMSE (°C)",
    root_mean_squared_error(actual, my_forecast),
    {
        "the last value": results.loc["last value", "RMSE"],
        "linear autoregression": results.loc["linear autoregression", "RMSE"],
    },
    higher_is_better=False,
)
