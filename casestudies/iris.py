"""
Title: Iris: multiclass classification
Description: Which of three iris species is this flower? Four measurements in, three probabilities out.

Fisher's iris data (150 flowers, from scikit-learn), species kept as strings so the kit's
label encoding shows.

The course recipe: `LabelEncoder` on the species; a plain 75/25 split (`random_state=4`);
`StandardScaler`; Dense(10, relu) -> Dense(3, softmax); adam; sparse categorical
cross-entropy (integer labels, not one-hot); 100 epochs; the prediction is the `argmax`
of the softmax.
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
    kit=Recipe(epochs=100, batch_size=32),
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


def build_model(hp, num_classes=3):
    """One hidden ReLU layer and a softmax over the classes."""
    import keras  # here, not at the top: `list` and `--help` answer without loading TensorFlow

    activation = hp.Choice("activation", ["relu", "tanh"], default="relu")
    model = keras.Sequential()
    for layer in range(hp.Int("hidden_layers", 1, 3, default=1)):
        model.add(
            keras.layers.Dense(
                hp.Int(f"units_{layer + 1}", 2, 64, step=2, default=10), activation=activation
            )
        )
    model.add(keras.layers.Dense(num_classes, activation="softmax"))
    optimizer = hp.Choice("optimizer", ["adam", "rmsprop", "sgd"], default="adam")
    learning_rate = hp.Choice("learning_rate", [1e-2, 1e-3, 1e-4], default=1e-3)
    model.compile(
        optimizer=keras.optimizers.get(
            {"class_name": optimizer, "config": {"learning_rate": learning_rate}}
        ),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model
