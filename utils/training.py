"""Train a compiled model, the course's way or the kit's faster way, with visible progress.

Both ways hold back the last `validation_split` of the training rows (as Keras's own
`validation_split` does) for the learning curves, and make the same number of updates.
The kit's way feeds the same batches through `tf.data` and runs several epochs per call
(`steps_per_execution`): on tiny models nearly all of `fit`'s time is its per-step and
per-epoch overhead, not arithmetic. The history then has a point every few epochs
(about `HISTORY_POINTS` in all), each the mean over those epochs' batches.
"""

import math
import sys
import time
from dataclasses import dataclass

import numpy as np

from utils.keras_setup import import_keras

keras = import_keras()

HISTORY_POINTS = 30


@dataclass
class TrainingResult:
    history: dict[str, list[float]]  # "epoch" (the epoch each point ends), then loss and metrics
    fit_seconds: float

    @property
    def epochs_run(self) -> int:
        return int(self.history["epoch"][-1]) if self.history["epoch"] else 0


def epochs_per_call(epochs: int) -> int:
    """The largest divisor of `epochs` that still leaves about HISTORY_POINTS points of history."""
    limit = math.ceil(epochs / HISTORY_POINTS)
    return max(divisor for divisor in range(1, limit + 1) if epochs % divisor == 0)


class EpochProgress(keras.callbacks.Callback):
    """One line of progress: redrawn in place on a terminal, every tenth of the run elsewhere."""

    def __init__(self, label: str, epochs: int, epochs_per_call: int = 1, stream=None):
        super().__init__()
        self.label, self.epochs, self.epochs_per_call = label, epochs, epochs_per_call
        self.stream = stream or sys.stdout
        self.in_place = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.every = max(1, epochs // 10)

    def on_epoch_end(self, epoch, logs=None):
        done = (epoch + 1) * self.epochs_per_call
        values = "  ".join(f"{name} {value:.4f}" for name, value in sorted((logs or {}).items(), key=lambda item: item[0].removeprefix("val_") != "loss"))
        line = f"{self.label}: epoch {done}/{self.epochs}  {values}"
        if self.in_place:
            self.stream.write("\r" + line.ljust(100) + ("\n" if done == self.epochs else ""))
        elif done % self.every < self.epochs_per_call or done == self.epochs:
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
    validation_data: tuple | None = None,
    callbacks: list | None = None,
    progress_label: str | None = "training",
) -> TrainingResult:
    """Fit `model` on the training rows and return its history and the fit time.

    Validation rows are `validation_data` if given, else the last `validation_split` of the training rows.
    """
    if validation_data is None:
        fit_part, validation = hold_out_validation(X_train, y_train, validation_split)
    else:
        fit_part, validation = (X_train, y_train), validation_data
    per_call = epochs_per_call(epochs) if fast else 1
    callbacks = [keras.callbacks.TerminateOnNaN(), *(callbacks or [])]
    if progress_label:
        callbacks.append(EpochProgress(progress_label, epochs, per_call))
    start = time.perf_counter()
    if fast:
        steps = math.ceil(len(fit_part[0]) / batch_size) * per_call
        # Set before the first fit builds the train function: one call runs `per_call` epochs.
        model.steps_per_execution = steps
        batches, validation = _fast_datasets(fit_part, validation, batch_size, seed)
        history = model.fit(
            batches, epochs=epochs // per_call, steps_per_epoch=steps, validation_data=validation, callbacks=callbacks, shuffle=False, verbose=0
        )
    else:
        history = model.fit(*fit_part, epochs=epochs, batch_size=batch_size, validation_data=validation, callbacks=callbacks, verbose=0)
    fit_seconds = time.perf_counter() - start
    points = len(history.history.get("loss", []))
    values = {name: [float(value) for value in series] for name, series in history.history.items()}
    return TrainingResult(history={"epoch": [(point + 1) * per_call for point in range(points)], **values}, fit_seconds=fit_seconds)
