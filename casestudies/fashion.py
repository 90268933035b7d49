"""
Title: Fashion: image recognition with a CNN
Description: Which of ten kinds of clothing is in a 28x28 grey image? Two convolution and
pooling blocks find edges, then shapes; a dense layer names the garment.

The data are a stratified subset of Zalando's Fashion-MNIST: 1,000 training images of each
class from its training set and 200 test images of each from its test set (data/fashion.npz,
5.3 MB; see data/README.md). Grey levels are divided by 255, so inputs lie in [0, 1].

The taught model: Conv2D(16, 3x3, relu) -> MaxPooling(2x2) -> Conv2D(32, 3x3, relu) ->
MaxPooling(2x2) -> Flatten -> Dense(64, relu) -> Dense(10, softmax); adam; sparse categorical
cross-entropy; batch 32. The course recipe trains it with a plain `model.fit` for 12 epochs;
the kit's runs the same model in its fast loop and stops early, 3 epochs after the validation
loss stops falling (on 8,000 images it overfits after about 8 epochs), keeping the best epoch.
Every table sets it beside logistic regression on the raw pixels and a dense network (an MLP)
with about as many weights, trained the same way: the lesson is what convolution adds.
"""

from utils.case import CaseStudy, Recipe

CASE = CaseStudy(
    name="fashion",
    title="Fashion (image recognition with a CNN)",
    task="multiclass",
    kind="images",
    data_file="fashion.npz",
    target="label",
    metric="accuracy",
    test_size=2000 / 12000,  # fixed: Zalando's own test images
    split_seed=0,
    course=Recipe(epochs=12, batch_size=32, fast=False),
    kit=Recipe(epochs=20, batch_size=32, patience=3),
    description="Fashion-MNIST subset, 12,000 grey 28x28 images -> one of 10 garments",
    why_peers_win=(
        "With {n_train} training images and a few epochs, a dense model can still keep up; "
        "convolution pays off as images, epochs and filters grow."
    ),
)

# The grid search tries every combination in each dict (scikit-learn's `param_grid` style).
GRID = [
    {"filters_1": [8, 16], "dense_units": [32, 64], "epochs": [5]},
    {"kernel_size": [5], "padding": ["same"], "epochs": [5]},
]


def build_model(hp, num_classes=10):
    """Two convolution + pooling blocks, then a dense layer and a softmax over the classes.

    `build_model(keras_tuner.HyperParameters())` is the taught model: 28x28x1 ->
    Conv2D(16, 3, relu) -> MaxPooling2D(2) -> Conv2D(32, 3, relu) -> MaxPooling2D(2) ->
    Flatten -> Dense(64, relu) -> Dense(10, softmax), Adam at 1e-3.
    """
    import keras  # here, not at the top: `list` and `--help` answer without loading TensorFlow

    kernel_size = hp.Choice("kernel_size", [3, 5], default=3)
    padding = hp.Choice("padding", ["valid", "same"], default="valid")
    model = keras.Sequential()
    model.add(keras.Input(shape=(28, 28, 1)))
    model.add(
        keras.layers.Conv2D(
            hp.Choice("filters_1", [8, 16, 32], default=16),
            kernel_size,
            padding=padding,
            activation="relu",
        )
    )
    model.add(keras.layers.MaxPooling2D(2))
    model.add(
        keras.layers.Conv2D(
            hp.Choice("filters_2", [16, 32, 64], default=32),
            kernel_size,
            padding=padding,
            activation="relu",
        )
    )
    model.add(keras.layers.MaxPooling2D(2))
    model.add(keras.layers.Flatten())
    model.add(
        keras.layers.Dense(hp.Choice("dense_units", [32, 64, 128], default=64), activation="relu")
    )
    dropout = hp.Float("dropout", 0.0, 0.5, step=0.1, default=0.0)
    if dropout:
        model.add(keras.layers.Dropout(dropout))
    model.add(keras.layers.Dense(num_classes, activation="softmax"))
    learning_rate = hp.Choice("learning_rate", [1e-2, 1e-3, 1e-4], default=1e-3)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model
