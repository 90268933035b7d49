"""The case studies: one module each, declaring its data (`CASE`) and its model (`build_model(hp)`).

Run them with `python -m casestudies run NAME`, or open the notebooks in `notebooks/`.
"""

import difflib
import importlib

import utils  # noqa: F401  (quiets TensorFlow before anything loads it)
from utils.errors import KitError

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
