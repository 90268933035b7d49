"""Train a compiled model, the course's way or the kit's faster way, with visible progress.

Both ways hold back the last `validation_split` of the training rows (as Keras's own
`validation_split` does) for the learning curves, and make the same updates: every epoch
shuffles the fit rows and steps through them in batches, the last one possibly smaller.

The course's way is a plain `model.fit`. On tiny models nearly all of its time is per-step
and per-epoch overhead, not arithmetic, so the kit's way (on TensorFlow) runs several epochs
as one compiled graph: the rows stay in memory, each batch is gathered in place, and one
call does the shuffling, the forward pass, the gradients and the optimizer's updates for all
of them. The history then has a point every few epochs (about `HISTORY_POINTS` in all), each
measuring loss and metrics on the fit rows and the validation rows with the weights at that
point (`fit` reports a running mean over the epoch's batches instead). Keras callbacks work
as in `fit`, with one "epoch" per point. A model with its own `train_step` (unit 4's VAE and
GAN) has that step called for each batch instead. On other backends the kit runs several epochs per
`fit` call through `steps_per_execution` instead.
"""

import math
import shutil
import sys
import time
from dataclasses import dataclass

import numpy as np

from utils import runs
from utils.keras_setup import import_keras
from utils.report import WIDTH, format_value

keras = import_keras()

HISTORY_POINTS = 30
# Python sees Ctrl-C (or a kill) only between compiled calls, so no call runs more steps than
# this: about a second on the table cases. A case's default epochs never meet this limit.
MAX_STEPS_PER_CALL = 500


@dataclass
class TrainingResult:
    history: dict[str, list[float]]  # "epoch" (the epoch each point ends), then loss and metrics
    fit_seconds: float
    best_epoch: int | None = None  # with early stopping: the epoch whose weights were kept

    @property
    def epochs_run(self) -> int:
        return int(self.history["epoch"][-1]) if self.history["epoch"] else 0

    @property
    def lowest_val_loss_epoch(self) -> int | None:
        """The epoch of the lowest validation loss (None without one, as a GAN's): at the last
        epoch, the model was still improving when training ended."""
        losses = self.history.get("val_loss")
        return int(self.history["epoch"][int(np.nanargmin(losses))]) if losses else None


def epochs_per_call(epochs: int, steps_per_epoch: int = 1) -> int:
    """The largest divisor of `epochs` that still leaves about HISTORY_POINTS points of history,
    and at most MAX_STEPS_PER_CALL steps in a call (but at least one epoch)."""
    limit = max(1, min(math.ceil(epochs / HISTORY_POINTS), MAX_STEPS_PER_CALL // steps_per_epoch))
    small = [divisor for divisor in range(1, math.isqrt(epochs) + 1) if epochs % divisor == 0]
    return max(d for divisor in small for d in (divisor, epochs // divisor) if d <= limit)


class StopWhenAsked(keras.callbacks.Callback):
    """Raise again a Ctrl-C or SIGTERM whose first raise Python dropped: see
    `runs.stop_requested`."""

    def on_epoch_end(self, epoch, logs=None):
        if runs.stop_requested is not None:
            runs.raise_interrupt(runs.stop_requested, None)


def progress_values(logs: dict, room: int | None = None) -> str:
    """`loss 0.541 (val 0.604)  accuracy 0.809 (val 0.812)`: each metric beside its validation
    value. Longer than `room`, the other metrics lose their validation values, then go: the
    loss is what a learner watches (history.csv and the learning curves keep them all)."""
    names = sorted((name for name in logs if not name.startswith("val_")), key="loss".__ne__)

    def shown(name, validated):
        text = f"{name} {format_value(float(logs[name]))}"
        if validated and "val_" + name in logs:
            text += f" (val {format_value(float(logs['val_' + name]))})"
        return text

    every = len(names)
    for count, validated in ((every, every), (every, 1), (1, 1)):  # (metrics, with val values)
        text = "  ".join(shown(name, index < validated) for index, name in enumerate(names[:count]))
        if room is None or len(text) <= room:
            break
    return text


class EpochProgress(keras.callbacks.Callback):
    """One line of progress: redrawn in place on a terminal, every tenth of the run elsewhere."""

    def __init__(self, label: str, epochs: int, epochs_per_call: int = 1):
        super().__init__()
        self.label, self.epochs, self.epochs_per_call = label, epochs, epochs_per_call
        self.stream = sys.stdout
        self.in_place = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.every = max(1, epochs // 10)

    def on_epoch_end(self, epoch, logs=None):
        done = (epoch + 1) * self.epochs_per_call
        # A line longer than the terminal would wrap, and \r not redraw it.
        width = shutil.get_terminal_size().columns - 1 if self.in_place else WIDTH
        line = f"{self.label}: epoch {done}/{self.epochs}  "
        line += progress_values(logs or {}, room=width - len(line))
        if self.in_place:
            end = "\n" if done == self.epochs else ""
            self.stream.write("\r" + line[:width].ljust(width) + end)
        elif done % self.every < self.epochs_per_call or done == self.epochs:
            self.stream.write(line + "\n")
        self.stream.flush()

    def on_train_end(self, logs=None):
        if self.in_place and self.model.stop_training:
            self.stream.write("\n")


def validation_rows(rows: int, validation_split: float) -> int:
    """How many of `rows` Keras's `validation_split` holds back, by Keras's own arithmetic."""
    return rows - math.floor(rows * (1.0 - validation_split))


def hold_out_validation(X: np.ndarray, y: np.ndarray, validation_split: float):
    """The last `validation_split` of the rows, exactly as Keras's `validation_split` takes them."""
    count = validation_rows(len(X), validation_split)
    if count == 0:
        return (X, y), None
    return (X[:-count], y[:-count]), (X[-count:], y[-count:])


def _tensors(arrays):
    """Features and targets as tensors; floats as float32, as `fit` would convert them."""
    import tensorflow as tf

    return [
        tf.constant(array.astype("float32") if array.dtype.kind == "f" else array)
        for array in arrays
    ]


def _train_in_graph(
    model,
    fit_part,
    validation,
    epochs: int,
    per_call: int,
    batch_size: int,
    seed: int,
    callbacks: list,
) -> dict[str, list[float]]:
    """The kit's way on TensorFlow:
    `per_call` epochs per call of one traced function, then the logs."""
    import tensorflow as tf

    X, y = _tensors(fit_part)
    validation = None if validation is None else _tensors(validation)
    rows = len(fit_part[0])
    steps = math.ceil(rows / batch_size)
    # Build the model, its metrics and its optimizer's variables now, so the graph is traced once.
    model.test_step((X[:1], y[:1]))
    weights = model.trainable_variables
    model.optimizer.build(weights)  # (a model with two optimizers builds them when compiled)
    own_step = type(model).train_step is not keras.Model.train_step

    def measure(x, y, prefix=""):
        model.reset_metrics()
        model.test_step((x, y))
        return {prefix + name: value for name, value in model.get_metrics_result().items()}

    def run_epochs(first_epoch):
        def epoch(number):
            order = tf.random.experimental.stateless_shuffle(
                tf.range(rows),
                seed=tf.stack([tf.constant(seed, tf.int64), tf.cast(number, tf.int64)]),
            )

            def step(index):
                batch = order[index * batch_size : tf.minimum((index + 1) * batch_size, rows)]
                x_batch, y_batch = tf.gather(X, batch), tf.gather(y, batch)
                if own_step:  # a VAE's or a GAN's step, as the model writes it
                    model.train_step((x_batch, y_batch))
                    return (index + 1,)
                with tf.GradientTape() as tape:
                    loss = model.compute_loss(
                        x_batch, y_batch, model(x_batch, training=True), training=True
                    )
                model.optimizer.apply(tape.gradient(loss, weights), weights)
                return (index + 1,)

            tf.while_loop(lambda index: index < steps, step, (tf.constant(0),))
            return (number + 1,)

        tf.while_loop(lambda number: number < first_epoch + per_call, epoch, (first_epoch,))
        logs = measure(X, y)
        if validation is not None:
            logs.update(measure(*validation, prefix="val_"))
        return logs

    run_epochs = tf.function(run_epochs, autograph=False)
    callbacks = keras.callbacks.CallbackList(
        callbacks, model=model, epochs=epochs // per_call, verbose=0
    )
    model.stop_training = False
    callbacks.on_train_begin()
    history, logs = {}, {}
    for point in range(epochs // per_call):
        callbacks.on_epoch_begin(point)
        callbacks.on_train_batch_begin(0)
        logs = {
            name: float(value) for name, value in run_epochs(tf.constant(point * per_call)).items()
        }
        callbacks.on_train_batch_end(0, logs)
        callbacks.on_epoch_end(point, logs)
        for name, value in logs.items():
            history.setdefault(name, []).append(value)
        if model.stop_training:
            break
    callbacks.on_train_end(logs)
    return history


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
        validation = (
            tf.data.Dataset.from_tensor_slices(validation).batch(len(validation[0])).cache()
        )
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
    patience: int | None = None,
    progress_label: str | None = "training",
) -> TrainingResult:
    """Fit `model` on the training rows and return its history and the fit time.

    Validation rows are `validation_data` if given,
    else the last `validation_split` of the training rows. With `patience` (in epochs), training
    stops once the validation loss has not improved for that long, and keeps the best weights.
    """
    if validation_data is None:
        fit_part, validation = hold_out_validation(X_train, y_train, validation_split)
    else:
        fit_part, validation = (X_train, y_train), validation_data
    steps_per_epoch = math.ceil(len(fit_part[0]) / batch_size)
    per_call = epochs_per_call(epochs, steps_per_epoch) if fast else 1
    callbacks = [keras.callbacks.TerminateOnNaN(), StopWhenAsked(), *(callbacks or [])]
    early_stopping = None
    if patience and validation is not None:
        # The kit's loop reports every `per_call` epochs: patience counts those points.
        early_stopping = keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=math.ceil(patience / per_call), restore_best_weights=True
        )
        callbacks.append(early_stopping)
    if progress_label:
        callbacks.append(EpochProgress(progress_label, epochs, per_call))
    start = time.perf_counter()
    if fast and keras.backend.backend() == "tensorflow":
        history = _train_in_graph(
            model, fit_part, validation, epochs, per_call, batch_size, seed, callbacks
        )
    elif fast:
        steps = steps_per_epoch * per_call
        # Set before the first fit builds the train function: one call runs `per_call` epochs.
        model.steps_per_execution = steps
        batches, validation = _fast_datasets(fit_part, validation, batch_size, seed)
        history = model.fit(
            batches,
            epochs=epochs // per_call,
            steps_per_epoch=steps,
            validation_data=validation,
            callbacks=callbacks,
            shuffle=False,
            verbose=0,
        ).history
    else:
        history = model.fit(
            *fit_part,
            epochs=epochs,
            batch_size=batch_size,
            validation_data=validation,
            callbacks=callbacks,
            verbose=0,
        ).history
    fit_seconds = time.perf_counter() - start
    points = len(next(iter(history.values()), []))  # a GAN has two losses and no "loss"
    values = {name: [float(value) for value in series] for name, series in history.items()}
    best_epoch = None if early_stopping is None else (early_stopping.best_epoch + 1) * per_call
    return TrainingResult(
        history={"epoch": [(point + 1) * per_call for point in range(points)], **values},
        fit_seconds=fit_seconds,
        best_epoch=best_epoch,
    )
