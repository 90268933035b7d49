"""
Title: Iris: multiclass classification
Description: Which of three iris species is this flower? Four measurements in,
three probabilities out.

Fisher's iris data (150 flowers, from scikit-learn), species kept as strings so the kit's
label encoding shows.

The course recipe: `LabelEncoder` on the species; a plain 75/25 split (`random_state=4`);
`StandardScaler`; Dense(10, relu) -> Dense(3, softmax); adam; sparse categorical
cross-entropy (integer labels, not one-hot); 100 epochs; the prediction is the `argmax`
of the softmax. The kit's default trains 300 epochs instead: 100 epochs of 3 batches are only
300 small Adam steps, and the validation loss is still falling at the end. Early stopping
(patience 50 epochs) guards the longer run.
"""

from utils.case import CaseStudy, Recipe

CASE = CaseStudy(
    name="iris",
    title="Iris (multiclass classification)",
    task="multiclass",
    data_file="iris.csv",
    target="species",
    metric="accuracy",
    test_size=0.25,
    split_seed=4,
    course=Recipe(epochs=100, batch_size=32, scale=True, stratify=False, fast=False),
    kit=Recipe(epochs=300, batch_size=32, patience=50),
    description="Fisher's iris, 150 flowers: 4 measurements -> one of 3 species",
)

# The grid search tries every combination in each dict (scikit-learn's `param_grid` style).
GRID = [
    {"units_1": [4, 10, 32], "learning_rate": [1e-2, 1e-3]},
    {
        "hidden_layers": [2],
        "activation": ["tanh"],
        "optimizer": ["rmsprop", "sgd"],
        "batch_size": [8, 32],
        "epochs": [50],
    },
]


def build_model(hp, num_features=4, num_classes=3):
    """One hidden ReLU layer and a softmax over the classes.

    Each `hp.Int` or `hp.Choice` returns its default unless a search picks another value, so
    `build_model(keras_tuner.HyperParameters())` is the default model: 4 inputs ->
    Dense(10, relu) -> Dense(3, softmax), Adam at 1e-3, sparse categorical cross-entropy.
    """
    import keras  # here, not at the top: `list` and `--help` answer without loading TensorFlow

    activation = hp.Choice("activation", ["relu", "tanh"], default="relu")
    hidden_layers = hp.Int("hidden_layers", 1, 3, default=1)
    model = keras.Sequential()
    model.add(keras.Input(shape=(num_features,)))
    units_1 = hp.Int("units_1", 2, 64, step=2, default=10)
    model.add(keras.layers.Dense(units_1, activation=activation))
    if hidden_layers >= 2:
        units_2 = hp.Int("units_2", 2, 64, step=2, default=10)
        model.add(keras.layers.Dense(units_2, activation=activation))
    if hidden_layers >= 3:
        units_3 = hp.Int("units_3", 2, 64, step=2, default=10)
        model.add(keras.layers.Dense(units_3, activation=activation))
    model.add(keras.layers.Dense(num_classes, activation="softmax"))
    optimizer = hp.Choice("optimizer", ["adam", "rmsprop", "sgd"], default="adam")
    learning_rate = hp.Choice("learning_rate", [1e-2, 1e-3, 1e-4], default=1e-3)
    optimizers = {
        "adam": keras.optimizers.Adam,
        "rmsprop": keras.optimizers.RMSprop,
        "sgd": keras.optimizers.SGD,
    }
    model.compile(
        optimizer=optimizers[optimizer](learning_rate=learning_rate),
        # Integer labels (0, 1, 2), so the sparse loss: no one-hot encoding needed.
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model
