"""
Title: Air quality: regression
Description: How much ozone will New York have today? Sun, wind, temperature and date in,
a number out.

R's `datasets::airquality`: 153 days of May to September 1973, with missing values kept,
so the kit shows how it drops them. It stands in for the course's weather -> PM 2.5 file
(`Real_Combine.csv`), which runs through this same case study with
`--csv Real_Combine.csv --target "PM 2.5"`.

The course recipe: drop missing rows; a 70/30 split (`random_state=0`); `StandardScaler`;
Dense(10, relu) -> Dense(8, relu) -> Dense(1, linear); adam; mean squared error; 100 epochs;
report MAE, MSE and RMSE. Both recipes here use Adam at 1e-2 (see `build_model`), so
`--recipe course` differs from the course in its learning rate only. The kit's
default trains on batches of 8, not 32, and stops early (patience 25 epochs), keeping the best
epoch's weights: 61 rows to fit make only 2 batches of 32 an epoch, while batches of 8 give four
times the updates, and their noisier steps settle where the validation loss is lower. Over
10 seeds this gives a median test RMSE of 25.7 against 26.2 for batches of 32, with or without
early stopping; on 5-fold cross-validation of the training rows the two are level (17.6 and
17.4), so the gain is as small as the 34 test days can show.
"""

from utils.case import CaseStudy, Recipe

CASE = CaseStudy(
    name="air_quality",
    title="Air quality (regression)",
    task="regression",
    data_file="air_quality.csv",
    target="Ozone",
    metric="rmse",
    test_size=0.3,
    split_seed=0,
    course=Recipe(epochs=100, batch_size=32, scale=True, stratify=False, fast=False),
    kit=Recipe(epochs=100, batch_size=8, patience=25),
    description="New York air quality 1973, 153 days: weather -> ozone (ppb)",
    objective="val_mae",
)

# The grid search tries every combination in each dict (scikit-learn's `param_grid` style).
GRID = [
    {"units_1": [10, 32], "hidden_layers": [1, 2], "learning_rate": [1e-2, 1e-3]},
    {
        "optimizer": ["rmsprop", "sgd"],
        "learning_rate": [1e-3],
        "batch_size": [8, 32],
        "epochs": [100],
    },
]


def build_model(hp, num_features=5):
    """Two hidden ReLU layers and one linear unit: any real number can come out.

    Each `hp.Int` or `hp.Choice` returns its default unless a search picks another value, so
    `build_model(keras_tuner.HyperParameters())` is the default model: 5 inputs ->
    Dense(10, relu) -> Dense(8, relu) -> Dense(1, linear), Adam at 1e-2, mean squared error.
    """
    import keras  # here, not at the top: `list` and `--help` answer without loading TensorFlow

    activation = hp.Choice("activation", ["relu", "tanh"], default="relu")
    hidden_layers = hp.Int("hidden_layers", 1, 3, default=2)
    model = keras.Sequential()
    model.add(keras.Input(shape=(num_features,)))
    units_1 = hp.Int("units_1", 2, 64, step=2, default=10)
    model.add(keras.layers.Dense(units_1, activation=activation))
    if hidden_layers >= 2:
        units_2 = hp.Int("units_2", 2, 64, step=2, default=8)
        model.add(keras.layers.Dense(units_2, activation=activation))
    if hidden_layers >= 3:
        units_3 = hp.Int("units_3", 2, 64, step=2, default=8)
        model.add(keras.layers.Dense(units_3, activation=activation))
    model.add(keras.layers.Dense(1, activation="linear"))
    optimizer = hp.Choice("optimizer", ["adam", "rmsprop", "sgd"], default="adam")
    # 1e-2, not Adam's 1e-3: the 61 rows left to fit (77 training rows less the validation
    # rows) make only 2 batches of 32 an epoch, and 200 small steps leave the model worse than
    # predicting the mean.
    learning_rate = hp.Choice("learning_rate", [1e-2, 1e-3, 1e-4], default=1e-2)
    optimizers = {
        "adam": keras.optimizers.Adam,
        "rmsprop": keras.optimizers.RMSprop,
        "sgd": keras.optimizers.SGD,
    }
    model.compile(
        optimizer=optimizers[optimizer](learning_rate=learning_rate),
        loss="mse",
        metrics=["mae"],
    )
    return model
