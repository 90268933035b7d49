"""Train a compiled model, the course's way or the kit's faster way, with visible progress.

Both ways hold back the last `validation_split` of the training rows (as Keras's own
`validation_split` does) for the learning curves, and make the same number of updates.
The kit's way feeds the batches through `tf.data` and runs a whole epoch per call
(`steps_per_execution`), which removes most of Keras's per-step overhead on tiny models.
"""

import math
import sys
import time
from dataclasses import dataclass

import numpy as np

from utils.keras_setup import import_keras

keras = import_keras()


@dataclass
class TrainingResult:
    history: dict[str, list[float]]
    fit_seconds: float

    @property
    def epochs_run(self) -> int:
        return len(self.history.get("loss", []))


class EpochProgress(keras.callbacks.Callback):
    """One line of progress: redrawn in place on a terminal, every tenth of the run elsewhere."""

    def __init__(self, label: str, epochs: int, stream=None):
        super().__init__()
        self.label, self.epochs = label, epochs
        self.stream = stream or sys.stdout
        self.in_place = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.every = max(1, epochs // 10)

    def on_epoch_end(self, epoch, logs=None):
        done = epoch + 1
        values = "  ".join(f"{name} {value:.4f}" for name, value in sorted((logs or {}).items(), key=lambda item: item[0].removeprefix("val_") != "loss"))
        line = f"{self.label}: epoch {done}/{self.epochs}  {values}"
        if self.in_place:
            self.stream.write("\r" + line.ljust(100) + ("\n" if done == self.epochs else ""))
        elif done % self.every == 0 or done == self.epochs:
            self.stream.write(line + "\n")
        self.stream.flush()

    def on_train_end(self, logs=None):
        if self.in_place and self.model.stop_training:
            self.stream.write("\n")


def hold_out_validation(X: np.ndarray, y: np.ndarray, validation_split: float):
    """The last `validation_split` of the rows, exactly as Keras's `validation_split` takes them."""
    count = int(len(X) * validation_split)
    if count == 0:
        return (X, y), None
    return (X[:-count], y[:-count]), (X[-count:], y[-count:])


def _fast_datasets(train, validation, batch_size: int, seed: int):
    import tensorflow as tf

    X, y = train
    batches = (
        tf.data.Dataset.from_tensor_slices((X, y))
        .shuffle(len(X), seed=seed, reshuffle_each_iteration=True)
        .batch(batch_size)
        .repeat()
        .prefetch(2)
    )
    if validation is not None:
        validation = tf.data.Dataset.from_tensor_slices(validation).batch(len(validation[0])).cache()
    return batches, validation


def train(
    model,
    X_train: np.ndarray,
    y_train: np.ndarray,
    *,
    epochs: int,
    batch_size: int,
    fast: bool = True,
    validation_split: float = 0.2,
    seed: int = 0,
    callbacks: list | None = None,
    progress_label: str | None = "training",
) -> TrainingResult:
    """Fit `model` on the training rows and return its per-epoch history and the fit time."""
    fit_part, validation = hold_out_validation(X_train, y_train, validation_split)
    callbacks = [keras.callbacks.TerminateOnNaN(), *(callbacks or [])]
    if progress_label:
        callbacks.append(EpochProgress(progress_label, epochs))
    start = time.perf_counter()
    if fast:
        steps_per_epoch = math.ceil(len(fit_part[0]) / batch_size)
        # One call runs a whole epoch's steps; set before the first fit builds the train function.
        model.steps_per_execution = steps_per_epoch
        batches, validation = _fast_datasets(fit_part, validation, batch_size, seed)
        history = model.fit(batches, epochs=epochs, steps_per_epoch=steps_per_epoch, validation_data=validation, callbacks=callbacks, shuffle=False, verbose=0)
    else:
        history = model.fit(*fit_part, epochs=epochs, batch_size=batch_size, validation_data=validation, callbacks=callbacks, verbose=0)
    fit_seconds = time.perf_counter() - start
    return TrainingResult(history={name: [float(v) for v in values] for name, values in history.history.items()}, fit_seconds=fit_seconds)
