"""Regularisation side by side on the diabetes case study: none, L1, L2, dropout, batch
normalisation and early stopping, each the same 16-8-1 network, each trained the same way.

The unregularised model overfits (its validation loss turns up after a few dozen epochs);
each technique fights that differently: L1/L2 shrink the weights, dropout silences random
units while training, batch normalisation rescales each layer's inputs, early stopping
stops at the best validation loss and keeps those weights.
"""

import numpy as np
import pandas as pd

VARIANTS = ("none", "L1", "L2", "dropout", "batch normalisation", "early stopping")


def build_variant(name: str, keras):
    """The diabetes model (Dense 16 -> Dense 8 -> Dense 1, sigmoid), with one regulariser added."""
    layers = keras.layers
    regularizer = {"L1": keras.regularizers.L1(1e-3), "L2": keras.regularizers.L2(1e-3)}.get(name)
    model = keras.Sequential()
    for units in (16, 8):
        if name == "batch normalisation":
            model.add(layers.Dense(units))
            model.add(layers.BatchNormalization())
            model.add(layers.Activation("relu"))
        else:
            model.add(layers.Dense(units, activation="relu", kernel_regularizer=regularizer))
        if name == "dropout":
            model.add(layers.Dropout(0.3))
    model.add(layers.Dense(1, activation="sigmoid"))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def compare(epochs: int = 300, seed: int = 0, quick: bool = False):
    """Train every variant on the same split; return a table (test accuracy, loss, weight size) and the histories."""
    from casestudies import diabetes
    from utils import experiment
    from utils.keras_setup import import_keras, seed_everything
    from utils.training import train

    keras = import_keras()
    run_plan = experiment.plan(diabetes.CASE, experiment.Settings(seed=seed, quick=quick))
    data = experiment.split_and_scale(experiment.load(run_plan), run_plan)
    epochs = min(epochs, run_plan.recipe.epochs) if quick else epochs
    rows, histories = [], {}
    for name in VARIANTS:
        seed_everything(seed)
        model = build_variant(name, keras)
        # The kit checks validation every few epochs (one history point); patience counts those points.
        callbacks = (
            [
                keras.callbacks.EarlyStopping(
                    monitor="val_loss", patience=4, restore_best_weights=True
                )
            ]
            if name == "early stopping"
            else []
        )
        training = train(
            model,
            data.X_train,
            data.y_train,
            epochs=epochs,
            batch_size=32,
            seed=seed,
            callbacks=callbacks,
            progress_label=None,
        )
        test_loss, test_accuracy = model.evaluate(data.X_test, data.y_test, verbose=0)
        kernels = [layer.kernel.numpy() for layer in model.layers if hasattr(layer, "kernel")]
        rows.append(
            {
                "regularisation": name,
                "epochs run": training.epochs_run,
                "final train loss": training.history["loss"][-1],
                "final validation loss": training.history["val_loss"][-1],
                "test loss": float(test_loss),
                "test accuracy": float(test_accuracy),
                "sum of |weights|": float(sum(np.abs(kernel).sum() for kernel in kernels)),
            }
        )
        histories[name] = training.history
    return pd.DataFrame(rows), histories


def curves_figure(histories: dict):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 3, figsize=(12, 6.4), sharey=True)
    for axis, (name, history) in zip(axes.ravel(), histories.items()):
        axis.plot(history["epoch"], history["loss"], label="training")
        axis.plot(history["epoch"], history["val_loss"], label="validation")
        axis.set(title=name, xlabel="epoch", ylabel="loss")
        axis.grid(alpha=0.3)
    axes[0][0].legend()
    fig.suptitle("Training and validation loss, with each regulariser")
    fig.tight_layout()
    return fig
