"""
Title: Autoencoder: a digit squeezed into 16 numbers and back
Description: An encoder squeezes each 8x8 digit (64 grey levels) into a code of 16 numbers; a
decoder rebuilds the digit from the code alone. Nobody tells it what a digit is: the image is
its own target.

The data are scikit-learn's 1,797 handwritten digits (data/digits.npz; see data/README.md):
1,437 training and 360 test images, grey levels scaled to [0, 1].

The taught model: Flatten -> Dense(64, relu) -> Dense(16) (the code, linear) ->
Dense(64, relu) -> Dense(64, sigmoid) -> Reshape(8, 8, 1); adam; mean squared error; batch 32.
The course has no recipe for this unit: the course recipe is the notebook's plain `model.fit`
for 100 epochs. The kit's runs up to 500 epochs in its fast loop, stops 30 epochs after the
validation loss stops falling and keeps the best epoch: in a few seconds it trains five times
longer than the plain fit does in twenty.

Every table sets it beside the mean training image (the baseline: it knows nothing of the test
digit) and PCA with 16 components, the best a *linear* encoder and decoder can do: the lesson
is what the relu layers add. The same model with a code of 2 numbers is trained too, beside
PCA with 2, and its codes are drawn coloured by digit: an autoencoder learns features no one
labelled. A judge (logistic regression trained on the labelled digits) reads every
reconstruction: does it still show the right digit?
"""

from utils.case import CaseStudy, Recipe
from utils.generative import (
    Outcome,
    accuracy,
    encoder_of,
    judge,
    mse,
    outputs,
    pca,
    pca_reconstruct,
)

IMAGE_SHAPE = (8, 8, 1)
CODE_SIZE = 16  # numbers in the code: the bottleneck (the default of `hp`)

CASE = CaseStudy(
    name="autoencoder",
    title="Autoencoder (digits squeezed to 16 numbers and back)",
    task="reconstruction",
    kind="images",
    data_file="digits.npz",
    target="the image itself",
    metric="mse",
    test_size=360 / 1797,  # fixed: the test digits of data/digits.npz
    split_seed=0,
    course=Recipe(epochs=100, batch_size=32, fast=False),
    kit=Recipe(epochs=500, batch_size=32, patience=30),
    description="scikit-learn's digits, 1,797 8x8 images -> a 16-number code -> the image",
    why_peers_win=(
        "On {n_train} small images a linear code is hard to beat when training is short: PCA "
        "finds its best code exactly, while the network must learn it by gradient steps."
    ),
)


def build_model(hp):
    """Encoder and decoder in one `Sequential`; the layer named "code" is the bottleneck.

    `build_model(keras_tuner.HyperParameters())` is the taught model: 8x8x1 -> Flatten ->
    Dense(64, relu) -> Dense(16, linear) -> Dense(64, relu) -> Dense(64, sigmoid) -> 8x8x1,
    Adam at 1e-3, mean squared error. The code is linear so no unit can die at 0 (with a code
    of 2, a relu unit that dies loses half the code).
    """
    import keras

    hidden = hp.Choice("hidden_units", [32, 64, 128], default=64)
    model = keras.Sequential(
        [
            keras.Input(shape=IMAGE_SHAPE),
            keras.layers.Flatten(),
            keras.layers.Dense(hidden, activation="relu"),
            keras.layers.Dense(
                hp.Choice("code_size", [2, 4, 8, 16, 32], default=CODE_SIZE), name="code"
            ),
            keras.layers.Dense(hidden, activation="relu"),
            keras.layers.Dense(64, activation="sigmoid"),  # grey levels in [0, 1]
            keras.layers.Reshape(IMAGE_SHAPE),
        ]
    )
    learning_rate = hp.Choice("learning_rate", [1e-2, 1e-3, 1e-4], default=1e-3)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss="mse")
    return model


def evaluate(model, data, run_plan) -> Outcome:
    """Test reconstruction error beside the mean image's and PCA's, at 16 numbers and at 2."""
    from utils import plots
    from utils.experiment import build_and_train

    X_test, seed = data.X_test, run_plan.seed
    code_size = model.get_layer("code").units
    two, _used, _training = build_and_train(
        build_model, data, run_plan, {"code_size": 2}, targets=data.X_train
    )
    linear, linear_2 = pca(data.X_train, code_size, seed), pca(data.X_train, 2, seed)
    reconstructions = {
        "autoencoder": outputs(model, X_test),
        "pca": pca_reconstruct(linear, X_test),
    }
    mean_image = data.X_train.mean(axis=0, keepdims=True).repeat(len(X_test), axis=0)
    reader = judge(data.X_train, data.y_train)

    def scores(images, images_2d):
        return {
            "mse": mse(images, X_test),
            "accuracy": accuracy(reader, images, data.y_test),
            "mse_2d": mse(images_2d, X_test),
        }

    metrics = {
        **scores(reconstructions["autoencoder"], outputs(two, X_test)),
        "code_size": code_size,
        "baseline_name": "mean image",
        "baseline": scores(mean_image, mean_image),
        "peers": {"pca": scores(reconstructions["pca"], pca_reconstruct(linear_2, X_test))},
        "reference": {"test images": {"accuracy": accuracy(reader, X_test, data.y_test)}},
    }
    title = f"autoencoder ({code_size}-number code) and PCA ({code_size} components)"
    figures = {
        "reconstructions": plots.image_rows(
            {"test image": X_test, **reconstructions}, f"Test digits and their {title}"
        ),
        "codes_2d": plots.codes_2d(
            {
                "autoencoder, code of 2": outputs(encoder_of(two), X_test),
                "PCA, 2 components": linear_2.transform(X_test.reshape(len(X_test), -1)),
            },
            data.y_test,
            "Test digits' 2-number codes, coloured by the digit (never shown to either model)",
        ),
    }
    notes = [
        f"mse_2d: the same model with a code of 2 numbers, beside PCA with 2 components. "
        f"accuracy: the judge's reading of the reconstructions (of the test images "
        f"themselves: {metrics['reference']['test images']['accuracy']:.3f})."
    ]
    return Outcome(metrics, figures, {"model": model}, notes)
