"""Load Keras once, quietly, and make runs repeatable.

Kept apart from the rest of `utils` so that commands which need no model (`--help`, `list`,
bad-input errors) answer without paying for TensorFlow's import.
"""

import json
import os
import sys
from contextlib import contextmanager

import utils  # noqa: F401  (sets TensorFlow's log level before it loads)


@contextmanager
def _stderr_silenced():
    """TensorFlow's C++ start-up lines bypass Python; hide them at the file-descriptor level."""
    try:
        saved = os.dup(2)
    except OSError:  # no real stderr (some notebook front ends): nothing to hide
        yield
        return
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def backend_name() -> str:
    """The backend Keras will load, found as Keras finds it (KERAS_BACKEND, then keras.json),
    without importing it: a case that needs TensorFlow is refused before anything trains."""
    if os.environ.get("KERAS_BACKEND"):
        return os.environ["KERAS_BACKEND"]
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    try:
        with open(os.path.join(home, "keras.json")) as config:
            return json.load(config).get("backend", "tensorflow")
    except (OSError, ValueError, AttributeError):
        return "tensorflow"


def import_keras():
    """Import and return `keras`, without TensorFlow's start-up chatter."""
    if "keras" not in sys.modules or "tensorflow" not in sys.modules:
        with _stderr_silenced():
            import keras  # noqa: F401
            import tensorflow  # noqa: F401  (on JAX too: the kit feeds batches through tf.data)
    # Every time, even when something else imported Keras first (e.g. `import keras_tuner`).
    import absl.logging

    absl.logging.set_verbosity(absl.logging.ERROR)
    # e.g. retracing notes, expected when a search builds many models
    sys.modules["tensorflow"].get_logger().setLevel("ERROR")
    return sys.modules["keras"]


def seed_everything(seed: int) -> None:
    """Same seed, same numbers:
    Python, NumPy and the backend's generators, and deterministic ops."""
    keras = import_keras()
    keras.utils.set_random_seed(seed)
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
