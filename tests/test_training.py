"""The training loop: the kit's way makes the course's updates,
measures what it says, and obeys callbacks."""

import gc
import math
import os
import signal

import numpy as np
import pytest

from utils import runs, training
from utils.keras_setup import import_keras, seed_everything
from utils.training import epochs_per_call, train

keras = import_keras()

ROWS, FEATURES, BATCH = 70, 3, 16  # 56 fit rows after the 20% hold-out: 3 full batches and one of 8
FIT_ROWS = ROWS - int(ROWS * 0.2)


def toy_data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(ROWS, FEATURES)).astype("float32")
    y = (X @ np.array([1.0, -2.0, 0.5]) > 0).astype("int64")
    return X, y


def toy_model(regulariser=None):
    model = keras.Sequential(
        [
            keras.layers.Dense(4, activation="relu", kernel_regularizer=regulariser),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy", metrics=["accuracy"]
    )
    return model


@pytest.mark.parametrize("fast", [True, False], ids=["kit", "course"])
def test_both_ways_make_one_update_per_batch_of_every_epoch(fast):
    X, y = toy_data()
    seed_everything(0)
    model = toy_model()
    result = train(model, X, y, epochs=6, batch_size=BATCH, fast=fast, progress_label=None)
    assert int(model.optimizer.iterations.numpy()) == 6 * math.ceil(FIT_ROWS / BATCH)
    assert result.epochs_run == 6


def test_kit_history_has_about_thirty_points_with_every_metric():
    X, y = toy_data()
    seed_everything(0)
    result = train(toy_model(), X, y, epochs=60, batch_size=BATCH, progress_label=None)
    assert epochs_per_call(60) == 2
    assert result.history["epoch"] == list(range(2, 61, 2))
    assert set(result.history) == {"epoch", "loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(series) == 30 for series in result.history.values())
    assert (
        result.history["loss"][-1] < result.history["loss"][0]
    )  # it learns a linearly separable rule
    assert result.history["val_accuracy"][-1] >= 0.85


def test_no_call_runs_more_than_its_share_of_steps_so_ctrl_c_lands_soon(monkeypatch):
    assert epochs_per_call(300, steps_per_epoch=11) == 10  # diabetes's default: 30 points
    assert epochs_per_call(1_000_000, steps_per_epoch=11) == 40  # not 25,000 epochs a call
    assert epochs_per_call(300, steps_per_epoch=2_000) == 1  # an epoch is never split
    monkeypatch.setattr(training, "MAX_STEPS_PER_CALL", 4)  # one epoch of the toy's 4 batches
    X, y = toy_data()
    result = train(toy_model(), X, y, epochs=60, batch_size=BATCH, progress_label=None)
    assert result.history["epoch"] == list(range(1, 61))


def test_kit_history_measures_the_weights_at_each_point():
    """Each point's loss and metrics are those of the model as it stands,
    on the fit and validation rows."""
    X, y = toy_data()
    seed_everything(0)
    model = toy_model(keras.regularizers.L2(0.01))
    result = train(model, X, y, epochs=10, batch_size=BATCH, progress_label=None)
    fit_loss, fit_accuracy = model.evaluate(X[:FIT_ROWS], y[:FIT_ROWS], batch_size=ROWS, verbose=0)
    val_loss, val_accuracy = model.evaluate(X[FIT_ROWS:], y[FIT_ROWS:], batch_size=ROWS, verbose=0)
    assert result.history["loss"][-1] == pytest.approx(fit_loss, rel=1e-5)
    assert result.history["accuracy"][-1] == pytest.approx(fit_accuracy)
    assert result.history["val_loss"][-1] == pytest.approx(val_loss, rel=1e-5)
    assert result.history["val_accuracy"][-1] == pytest.approx(val_accuracy)
    penalty = sum(float(np.sum(0.01 * layer.kernel.numpy() ** 2)) for layer in model.layers[:1])
    data_loss = keras.losses.binary_crossentropy(
        y[:FIT_ROWS, None].astype("float32"), model.predict(X[:FIT_ROWS], verbose=0)
    )
    assert result.history["loss"][-1] == pytest.approx(
        float(np.mean(data_loss)) + penalty, rel=1e-4
    )  # the L2 term counts


def test_a_callback_can_stop_the_kit_early():
    class StopAtThirdPoint(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.seen = sorted(logs)
            if epoch == 2:
                self.model.stop_training = True

    X, y = toy_data()
    seed_everything(0)
    model, stopper = toy_model(), StopAtThirdPoint()
    result = train(
        model, X, y, epochs=60, batch_size=BATCH, callbacks=[stopper], progress_label=None
    )
    assert result.history["epoch"] == [2, 4, 6]
    assert int(model.optimizer.iterations.numpy()) == 6 * math.ceil(FIT_ROWS / BATCH)
    assert stopper.seen == ["accuracy", "loss", "val_accuracy", "val_loss"]


def test_the_kit_stops_when_the_loss_is_not_finite():
    X, y = toy_data()
    X[5, 0] = np.inf
    seed_everything(0)
    result = train(toy_model(), X, y, epochs=60, batch_size=BATCH, progress_label=None)
    assert len(result.history["loss"]) == 1 and not np.isfinite(result.history["loss"][0])


def test_the_seed_changes_the_batches_and_repeats_exactly():
    X, y = toy_data()

    def final_weights(seed):
        seed_everything(0)  # same initial weights: only the batch order differs
        model = toy_model()
        train(model, X, y, epochs=4, batch_size=BATCH, seed=seed, progress_label=None)
        return np.concatenate([weight.numpy().ravel() for weight in model.weights])

    assert np.array_equal(final_weights(1), final_weights(1))
    assert not np.allclose(final_weights(1), final_weights(2))


@pytest.mark.parametrize("fast", [True, False], ids=["kit", "course"])
def test_early_stopping_keeps_the_weights_of_the_lowest_validation_loss(fast):
    # Noisy labels and a large learning rate: the validation loss bottoms out, then climbs.
    X, y = toy_data()
    y = np.where(np.random.default_rng(1).random(len(y)) < 0.3, 1 - y, y)
    seed_everything(0)
    model = toy_model()
    result = train(
        model, X, y, epochs=300, batch_size=BATCH, fast=fast, patience=30, progress_label=None
    )
    history = result.history
    lowest = int(np.argmin(history["val_loss"]))
    assert result.epochs_run < 300, "the validation loss kept falling: no early stop to check"
    assert result.best_epoch == history["epoch"][lowest] == result.lowest_val_loss_epoch
    # It stops `patience` epochs (counted in history points) after the best one.
    assert result.epochs_run - result.best_epoch == pytest.approx(30, abs=history["epoch"][0])
    held_out = X[FIT_ROWS:], y[FIT_ROWS:]
    assert model.evaluate(*held_out, verbose=0)[0] == pytest.approx(
        history["val_loss"][lowest], rel=1e-4
    )


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_stop_that_python_dropped_is_raised_again_by_training():
    """TensorFlow imports JAX, whose garbage-collection callback drops any exception raised in
    it: a SIGTERM handled there is lost. Training raises it again at its next point."""

    def kill_self_once(phase, info):
        if phase == "start":
            gc.callbacks.remove(kill_self_once)
            os.kill(os.getpid(), signal.SIGTERM)  # handled here, and its exception dropped

    X, y = toy_data()
    with runs.signals_raise():
        gc.callbacks.append(kill_self_once)
        gc.collect()
        assert runs.stop_requested == signal.SIGTERM
        with pytest.raises(runs.Interrupted):
            train(toy_model(), X, y, epochs=6, batch_size=BATCH, progress_label=None)
    assert runs.stop_requested is None and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
