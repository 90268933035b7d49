"""The case studies: one module each, declaring its data (`CASE`) and its model (`build_model(hp)`).

Run them with `python -m casestudies run NAME`, or open the notebooks in `notebooks/`.
"""

import difflib
import importlib

import utils  # noqa: F401  (quiets TensorFlow before anything loads it)
from utils.errors import KitError
from utils.keras_setup import backend_name

CASE_STUDIES = (
    "diabetes",
    "iris",
    "air_quality",
    "fashion",
    "elnino",
    "autoencoder",
    "denoising",
    "vae",
    "gan",
)


def load_case(name: str):
    """The case study's module (its `CASE` and `build_model`),
    or a `KitError` naming the closest."""
    if name not in CASE_STUDIES:
        close = difflib.get_close_matches(name, CASE_STUDIES, n=1, cutoff=0.5)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise KitError(
            f"Unknown case study {name!r}: choose one of {', '.join(CASE_STUDIES)} (or all).{hint}"
        )
    return importlib.import_module(f"casestudies.{name}")


def check_backend(case) -> None:
    """A case whose train_step is written for TensorFlow is refused on another backend."""
    backend = backend_name()
    if case.needs_tensorflow and backend != "tensorflow":
        raise KitError(
            f"{case.name} trains with its own train_step, written for TensorFlow as keras-io's: "
            f"run it without KERAS_BACKEND={backend} (TensorFlow is the default)."
        )


def all_on_this_backend(command: str) -> list:
    """Every case study's module that the backend can run; on a backend other than TensorFlow
    `command all` says which it leaves out."""
    modules = [load_case(name) for name in CASE_STUDIES]
    backend = backend_name()
    left_out = [module.CASE.name for module in modules if module.CASE.needs_tensorflow]
    if backend == "tensorflow" or not left_out:
        return modules
    print(
        f"On the {backend} backend `{command} all` leaves out {' and '.join(left_out)}: their "
        "train_step is written for TensorFlow (run them without KERAS_BACKEND)."
    )
    return [module for module in modules if not module.CASE.needs_tensorflow]
