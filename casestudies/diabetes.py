"""
Title: Diabetes: binary classification
Description: Does a Pima Indian woman have diabetes? Seven clinical measurements in,
one probability out.

The data are the 532 complete cases of the Pima Indians diabetes study (R's MASS `Pima.tr` +
`Pima.te`), with the column names of the popular Kaggle file, so a learner's own
`kaggle_diabetes.csv` runs through this same case study with `--csv`.

The course recipe: Dense(16, relu) -> Dense(8, relu) -> Dense(1, sigmoid); adam;
binary cross-entropy; 150 epochs of batch 32; unscaled inputs; a plain 80/20 split
(`random_state=5`). The kit's default keeps the model, scales the inputs, and stops early:
the validation loss bottoms out after 20-35 epochs and climbs for the rest, so training stops
25 epochs after its best and keeps the best epoch's weights. Even so, logistic regression
scores a little higher on these 425 training rows; every results table shows it.
"""

from utils.case import CaseStudy, Recipe

CASE = CaseStudy(
    name="diabetes",
    title="Diabetes (binary classification)",
    task="binary",
    data_file="diabetes.csv",
    target="Outcome",
    metric="accuracy",
    test_size=0.2,
    split_seed=5,
    course=Recipe(epochs=150, batch_size=32, scale=False, stratify=False, fast=False),
    kit=Recipe(epochs=150, batch_size=32, patience=25),
    description="Pima Indians diabetes, 532 women: 7 measurements -> diabetic or not",
)

# The grid search tries every combination in each dict (scikit-learn's `param_grid` style).
GRID = [
    {"units_1": [8, 16, 32], "learning_rate": [1e-2, 1e-3]},
    {
        "hidden_layers": [1, 2],
        "activation": ["tanh"],
        "optimizer": ["rmsprop"],
        "batch_size": [16, 64],
        "epochs": [50],
    },
]


def build_model(hp, num_features=7):
    """Two hidden ReLU layers and one sigmoid unit: the probability of diabetes.

    Each `hp.Int` or `hp.Choice` returns its default unless a search picks another value, so
    `build_model(keras_tuner.HyperParameters())` is the default model: 7 inputs ->
    Dense(16, relu) -> Dense(8, relu) -> Dense(1, sigmoid), Adam at 1e-3, binary cross-entropy.
    """
    import keras  # here, not at the top: `list` and `--help` answer without loading TensorFlow

    activation = hp.Choice("activation", ["relu", "tanh"], default="relu")
    hidden_layers = hp.Int("hidden_layers", 1, 3, default=2)
    model = keras.Sequential()
    model.add(keras.Input(shape=(num_features,)))
    units_1 = hp.Int("units_1", 4, 64, step=4, default=16)
    model.add(keras.layers.Dense(units_1, activation=activation))
    if hidden_layers >= 2:
        units_2 = hp.Int("units_2", 4, 64, step=4, default=8)
        model.add(keras.layers.Dense(units_2, activation=activation))
    if hidden_layers >= 3:
        units_3 = hp.Int("units_3", 4, 64, step=4, default=8)
        model.add(keras.layers.Dense(units_3, activation=activation))
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    optimizer = hp.Choice("optimizer", ["adam", "rmsprop", "sgd"], default="adam")
    learning_rate = hp.Choice("learning_rate", [1e-2, 1e-3, 1e-4], default=1e-3)
    optimizers = {
        "adam": keras.optimizers.Adam,
        "rmsprop": keras.optimizers.RMSprop,
        "sgd": keras.optimizers.SGD,
    }
    model.compile(
        optimizer=optimizers[optimizer](learning_rate=learning_rate),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    return model
