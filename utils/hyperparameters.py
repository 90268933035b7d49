"""From hyperparameter values to a model: one case's `build_model(hp)`, called the way every
run, grid search, tuner trial and benchmark calls it.

`build_model(hp)` declares each hyperparameter with its default (`hp.Int`, `hp.Choice`), so an
empty `HyperParameters` gives the default model and fixed values give a searched one. The same
declarations are the search space: what a grid may set, and what a resumed search must keep.
"""

import functools
import inspect

from utils.errors import KitError


def model_builder(build_model, preprocessor):
    """`build_model(hp)`, with the data's `num_features`, `task`, `num_classes`, `window` and
    `input_shape` filled in where it asks for them (a learner's CSV has its own columns and
    classes)."""
    wanted = inspect.signature(build_model).parameters
    given = {
        "num_features": len(preprocessor.feature_names),
        "task": preprocessor.task,
        "num_classes": preprocessor.num_classes,
        "window": getattr(preprocessor, "window", None),  # a series' months per forecast
        "input_shape": preprocessor.input_shape,
    }
    given = {name: value for name, value in given.items() if name in wanted}
    return functools.partial(build_model, **given)


def fixed_hyperparameters(values: dict):
    """A `HyperParameters` whose named values are fixed; the rest keep `build_model`'s defaults."""
    import keras_tuner

    hp = keras_tuner.HyperParameters()
    for name, value in values.items():
        hp.Fixed(name, value)
    return hp


def build(build_model, preprocessor, hyperparameters: dict | None = None):
    """The case's model with these values (or the defaults), and every value it used."""
    hp = fixed_hyperparameters(hyperparameters or {})
    model = model_builder(build_model, preprocessor)(hp)
    return model, dict(hp.values)


def default_values(build_model) -> dict:
    """Every hyperparameter `build_model` declares on its default path, with its default."""
    hp = fixed_hyperparameters({})
    build_model(hp)
    return dict(hp.values)


def declared(build_model, values: dict) -> dict:
    """What `build_model` declares (name -> `hp.Int`, `hp.Choice`, ...) when built with `values`.

    As in a tuner's trial, each declaration returns the value given, so a configuration takes
    its own path (e.g. a third layer's units exist only with three layers)."""
    import keras_tuner

    hp = keras_tuner.HyperParameters()
    hp.values.update(values)
    build_model(hp)
    return {declaration.name: declaration for declaration in hp.space}


def search_space(build_model) -> list:
    """The default path's declarations, to tell whether a resumed search means the same thing."""
    return [
        {"name": name, "class": type(declaration).__name__}
        | {key: value for key, value in declaration.get_config().items() if key != "conditions"}
        for name, declaration in declared(build_model, {}).items()
    ]


def allowed(declaration) -> tuple:
    """A test of a value against one declaration, and the values it allows, in words."""
    kind = type(declaration).__name__
    if kind == "Float":
        low, high = declaration.min_value, declaration.max_value
        return (lambda value: low <= value <= high), f"a number from {low} to {high}"
    values = list(declaration.values)
    words = "one of " + ", ".join(map(repr, values))
    if kind == "Int" and declaration.sampling == "linear":
        step = f" in steps of {declaration.step}" if declaration.step > 1 else ""
        words = f"a whole number from {declaration.min_value} to {declaration.max_value}{step}"
    return (lambda value: value in values), words


def check_value(owner: str, name: str, value, declaration) -> None:
    """A `KitError` if `value` is not one `declaration` (of `owner`'s `name`) allows."""
    fits, words = allowed(declaration)
    kind = type(declaration).__name__
    kinds = {"Int": int, "Float": (int, float), "Boolean": bool}.get(kind, object)
    right_kind = isinstance(value, bool) == (kind == "Boolean") and isinstance(value, kinds)
    if not (right_kind and fits(value)):
        raise KitError(f"GRID value {name}={value!r} is outside {owner}'s {name}: {words}.")
