"""Each case study's default model is the one the README, the docstrings and the notebooks promise.

Built twice: as the command line builds it (`utils.hyperparameters.build`, with the data's
input width), and as a reader would (`build_model(keras_tuner.HyperParameters())`).
"""

import re
from pathlib import Path

import pytest

from casestudies import load_case

README = Path(__file__).resolve().parent.parent / "README.md"

# What the README's table and each `build_model` docstring promise.
DEFAULTS = {
    "diabetes": {
        "num_features": 7,
        "layers": [(16, "tanh"), (8, "tanh"), (1, "sigmoid")],
        "weight_decay": [1e-2, 1e-2, 1e-2],
        "loss": "binary_crossentropy",
        "optimizer": "Adam",
        "learning_rate": 1e-3,
        "hyperparameters": {
            "activation": "tanh",
            "weight_decay": 1e-2,
            "hidden_layers": 2,
            "units_1": 16,
            "units_2": 8,
            "optimizer": "adam",
            "learning_rate": 1e-3,
        },
    },
    "iris": {
        "num_features": 4,
        "layers": [(10, "relu"), (3, "softmax")],
        "weight_decay": [0.0, 0.0],
        "loss": "sparse_categorical_crossentropy",
        "optimizer": "Adam",
        "learning_rate": 1e-3,
        "hyperparameters": {
            "activation": "relu",
            "hidden_layers": 1,
            "units_1": 10,
            "optimizer": "adam",
            "learning_rate": 1e-3,
        },
    },
    "air_quality": {
        "num_features": 5,
        "layers": [(10, "relu"), (8, "relu"), (1, "linear")],
        "weight_decay": [0.0, 0.0, 0.0],
        "loss": "mse",
        "optimizer": "Adam",
        "learning_rate": 1e-2,
        "hyperparameters": {
            "activation": "relu",
            "hidden_layers": 2,
            "units_1": 10,
            "units_2": 8,
            "optimizer": "adam",
            "learning_rate": 1e-2,
        },
    },
}
# With a third hidden layer, its default size (the case's `units_3`).
THIRD_LAYER = {"diabetes": 8, "iris": 10, "air_quality": 8}


def describe(model) -> dict:
    return {
        "num_features": model.input_shape[-1],
        "layers": [(layer.units, layer.activation.__name__) for layer in model.layers],
        # the L2 penalty on each kernel, layer by layer
        "weight_decay": [
            pytest.approx(getattr(layer.kernel_regularizer, "l2", 0.0)) for layer in model.layers
        ],
        "loss": model.loss,
        "optimizer": type(model.optimizer).__name__,
        "learning_rate": pytest.approx(float(model.optimizer.learning_rate), rel=1e-6),
    }


def promised(name: str) -> dict:
    return {key: value for key, value in DEFAULTS[name].items() if key != "hyperparameters"}


@pytest.mark.parametrize("name", DEFAULTS)
def test_the_command_lines_default_model(name):
    from utils import experiment
    from utils.hyperparameters import build

    module = load_case(name)
    run_plan = experiment.plan(module.CASE, experiment.Settings())
    data = experiment.split_and_scale(experiment.load(run_plan), run_plan)
    model, hyperparameters = build(module.build_model, data.preprocessor)
    assert describe(model) == promised(name)
    assert hyperparameters == DEFAULTS[name]["hyperparameters"]


@pytest.mark.parametrize("name", DEFAULTS)
def test_build_model_with_empty_hyperparameters_is_the_default_model(name):
    import keras_tuner

    hp = keras_tuner.HyperParameters()
    model = load_case(name).build_model(hp)
    assert describe(model) == promised(name)
    assert hp.values == DEFAULTS[name]["hyperparameters"]


@pytest.mark.parametrize("name", DEFAULTS)
def test_a_third_hidden_layer_has_its_declared_default_size(name):
    from utils.hyperparameters import fixed_hyperparameters

    model = load_case(name).build_model(fixed_hyperparameters({"hidden_layers": 3}))
    sizes = [layer.units for layer in model.layers]
    assert sizes[2] == THIRD_LAYER[name]
    assert len(sizes) == 4


@pytest.mark.parametrize("name", DEFAULTS)
def test_the_readme_and_the_docstring_name_the_default_layers(name):
    layers = DEFAULTS[name]["layers"]
    readme_row = next(line for line in README.read_text().splitlines() if f"| `{name}` |" in line)
    assert " → ".join(f"Dense({units}, {activation})" for units, activation in layers) in (
        readme_row
    )
    docstring = re.sub(r"\s+", " ", load_case(name).build_model.__doc__)
    assert " -> ".join(f"Dense({units}, {activation})" for units, activation in layers) in (
        docstring
    )
    assert f"{DEFAULTS[name]['num_features']} inputs" in docstring
