"""
Title: El Niño: forecasting a time series with an RNN
Description: Next month's sea-surface temperature off Peru and Ecuador, from the 24 months
before it. A recurrent cell reads the months in order and carries what matters forward.

The data are NOAA's monthly mean sea-surface temperature of the Niño 1+2 region (0-10°S,
80-90°W), January 1950 to December 2010, 732 months (data/elnino.csv, from the copy
statsmodels ships; see data/README.md). El Niño years show as winters several degrees warmer.

The split is in time order: the last 20% of the forecasts (from 1999) are the test months,
the last 20% of the rest validate, and the scaling is fitted on the months before the test
months only. The taught model: GRU(32) -> Dense(1), on windows of 24 scaled months; adam;
mean squared error; batch 32. `hp` picks the cell (SimpleRNN, LSTM or GRU) and a second
recurrent layer (a deep RNN). The course recipe trains 100 epochs with a plain `model.fit`;
the kit's stops 20 epochs after the validation loss stops falling, keeping the best epoch.
Every table sets it beside the naive forecasts (last month's value; the same month a year
before) and a linear autoregression on the same 24 months: the honest lesson here is that the
linear model ties the RNN, because month-to-month change in this series is nearly linear.
"""

from utils.case import CaseStudy, Recipe

CASE = CaseStudy(
    name="elnino",
    title="El Niño (forecasting with an RNN)",
    task="regression",
    kind="series",
    window=24,
    unit="°C",
    data_file="elnino.csv",
    target="sst",
    metric="rmse",
    test_size=0.2,
    split_seed=0,
    course=Recipe(epochs=100, batch_size=32, fast=False),
    kit=Recipe(epochs=200, batch_size=32, patience=20),
    description="Niño 1+2 sea-surface temperature, 732 months -> next month's, in °C",
    why_peers_win=(
        "On {n_train} training months a linear autoregression on the same window is hard to "
        "beat: month-to-month change in this series is nearly linear, so the recurrent cell has "
        "little that a weighted sum of the past months can't already say."
    ),
)

# The grid search tries every combination in each dict (scikit-learn's `param_grid` style).
GRID = [
    {"cell": ["simple_rnn", "lstm", "gru"], "units": [16, 32]},
    {"recurrent_layers": [2], "units": [16]},
]

CELLS = {"simple_rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}


def build_model(hp, window=24):
    """A recurrent layer (or two) over the window's months, then one linear unit: next month.

    `build_model(keras_tuner.HyperParameters())` is the taught model: 24 months x 1 value ->
    GRU(32) -> Dense(1), Adam at 1e-3, mean squared error.
    """
    import keras  # here, not at the top: `list` and `--help` answer without loading TensorFlow

    cell = getattr(keras.layers, CELLS[hp.Choice("cell", list(CELLS), default="gru")])
    units = hp.Choice("units", [8, 16, 32, 64], default=32)
    recurrent_layers = hp.Int("recurrent_layers", 1, 2, default=1)
    model = keras.Sequential()
    model.add(keras.Input(shape=(window, 1)))
    for layer in range(recurrent_layers):
        # A deep RNN: every layer but the last hands its whole sequence to the next.
        model.add(cell(units, return_sequences=layer < recurrent_layers - 1))
    model.add(keras.layers.Dense(1))
    learning_rate = hp.Choice("learning_rate", [1e-2, 1e-3, 1e-4], default=1e-3)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="mean_squared_error",
        metrics=["mae"],
    )
    return model
