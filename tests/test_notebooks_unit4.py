"""The unit-4 notebooks (autoencoder, denoising, vae, gan) run cleanly and agree with the kit.

Each notebook is executed once, in quick mode (`num_epochs = 3` after its parameters cell), in
a scratch folder; its conclusion then runs `python -m casestudies run NAME --recipe course
--epochs 3 --batch-size 32` there, and an extra cell saves what the notebook computed. The
checks:

- it ran cleanly: no stderr, no error, every cell that draws shows its figure;
- its training and test arrays are the kit's, to the bit;
- the networks it builds in plain Keras have the architecture of the module's `build_model`
  (layer classes, their configurations and weight shapes, the loss and the optimizers);
- its training settings are the command line's (epochs, batch size, validation split);
- the rows of its results table that nothing trains (the naive baseline, the PCA peer, the
  reference) hold the command line's numbers: they are deterministic;
- each exercise's check cell answers right for a known-good and a known-bad answer.

Three epochs train nothing worth comparing, so the networks' own scores are only checked to
be numbers; `tests/test_notebook_agreement.py` shows how the trained scores of the other case
studies are held to a tolerance.
"""

import json
import math

import nbformat
import numpy as np
import pytest
from test_notebook_agreement import (
    ANSWER,
    NOTEBOOKS,
    assert_same_arrays,
    code_cell,
    execute,
    stdout_of,
    tagged,
)

from casestudies import load_case

pytestmark = pytest.mark.xdist_group("unit4_notebooks")

UNIT4 = ("autoencoder", "denoising", "vae", "gan")
SEED = 0
OVERRIDES = f"seed = {SEED}\nnum_epochs = 3"

# Describes a network as the architecture test compares it: every layer's class, its
# configuration but its name, its weight shapes; and, when compiled, the loss and optimizer.
# Run in the notebook's kernel (on its networks) and here (on the module's), then compared.
DESCRIBE = """
def describe_network(network):
    return {
        "inputs": [list(tensor.shape) for tensor in network.inputs],
        "layers": [
            [
                type(layer).__name__,
                {key: value for key, value in layer.get_config().items() if key != "name"},
                [list(weight.shape) for weight in layer.weights],
            ]
            for layer in network.layers
        ],
        "weights": network.count_params(),
    }


def describe_optimizer(optimizer):
    return [
        type(optimizer).__name__,
        {key: value for key, value in optimizer.get_config().items() if key != "name"},
    ]


def describe(networks, optimizers, loss=None):
    described = {
        "networks": {name: describe_network(network) for name, network in networks.items()},
        "optimizers": {name: describe_optimizer(opt) for name, opt in optimizers.items()},
        "loss": loss,
    }
    return json.loads(json.dumps(described, default=str))
"""

# What the notebook saves: its arrays, its results table, its training settings, and its
# networks described (each notebook's names for them below).
SAVE = (
    "import json\n"
    + DESCRIBE
    + """
np.savez("notebook.npz", X_train=X_train, X_test=X_test, y_train=y_train, y_test=y_test)
results.to_json("results.json")
with open("parameters.json", "w") as file:
    json.dump(
        {
            "num_epochs": history.params["epochs"],
            "steps_per_epoch": history.params["steps"],
            "batch_size": batch_size,
        },
        file,
    )
with open("architecture.json", "w") as file:
    json.dump({**describe(*NETWORKS), "settings": SETTINGS}, file)
"""
)

# The notebook's networks, optimizers and loss, as `describe` takes them.
NETWORKS = {
    "autoencoder": (
        '({"model": model, "model_2": model_2}, {"model": model.optimizer}, model.loss)'
    ),
    "denoising": (
        '({"model": model, "sparse": sparse_model}, {"model": model.optimizer}, model.loss)'
    ),
    "vae": '({"encoder": encoder, "decoder": decoder}, {"vae": vae.optimizer})',
    "gan": (
        '({"generator": generator, "discriminator": discriminator}, '
        '{"d": gan.d_optimizer, "g": gan.g_optimizer})'
    ),
}


# Settings of a two-network model that no layer holds.
SETTINGS = {name: "{}" for name in UNIT4} | {
    "gan": '{"real_label": gan.real_label, "latent_size": gan.latent_size}'
}


def kit_architecture(name: str) -> dict:
    """The module's default networks, described as the notebook describes its own."""
    import keras_tuner

    namespace = {"json": json}
    exec(DESCRIBE, namespace)
    describe = namespace["describe"]
    module = load_case(name)

    def build(**values):
        hp = keras_tuner.HyperParameters()
        for key, value in values.items():
            hp.Fixed(key, value)
        return module.build_model(hp)

    model = build()
    if name == "autoencoder":
        return describe(
            {"model": model, "model_2": build(code_size=2)}, {"model": model.optimizer}, model.loss
        )
    if name == "denoising":
        sparse = build(sparsity=module.SPARSE)
        return describe({"model": model, "sparse": sparse}, {"model": model.optimizer}, model.loss)
    if name == "vae":
        return describe(
            {"encoder": model.encoder, "decoder": model.decoder}, {"vae": model.optimizer}
        )
    return describe(
        {"generator": model.generator, "discriminator": model.discriminator},
        {"d": model.d_optimizer, "g": model.g_optimizer},
    )


# The results table's rows that nothing trains, by the command line's name in metrics.json
# ("baseline", a peer's name, or a reference's name).
FIXED_ROWS = {
    "autoencoder": {
        "baseline": "baseline (mean image)",
        "pca": "PCA",
        "test images": "test images",
    },
    "denoising": {
        "baseline": "baseline (noisy input)",
        "pca": "PCA",
        "clean images": "clean images",
    },
    "vae": {
        "baseline": "baseline (independent pixels)",
        "pca_gaussian": "PCA",
        "real test digits": "real test digits",
    },
    "gan": {
        "baseline": "baseline (independent pixels)",
        "pca_gaussian": "PCA",
        "real test digits": "real test digits",
    },
}
MODEL_ROW = {"autoencoder": "autoencoder", "denoising": "denoising", "vae": "VAE", "gan": "GAN"}

# Stand-ins for the student's answer to the checked exercise (ANSWER's `Answer` predicts the
# outputs it is given): a good one, a bad one, and for some a rule broken. The autoencoder's
# check reads the code layer's units, the generators' checks the latent size.
CODE = "\nmy_model.layers = [types.SimpleNamespace(name='code', units={})]"
LATENT = "\n{}.inputs = [np.zeros((1, {}))]"
INDEPENDENT = "independent_pixels(X_train, num_samples, seed)"
ANSWERS = {
    "autoencoder": {
        "good": "my_model = Answer(X_test)" + CODE.format(8),
        "bad": "my_model = Answer(mean_image)" + CODE.format(8),
        "wide code": "my_model = Answer(X_test)" + CODE.format(16),
    },
    "denoising": {
        "good": "my_model = Answer(X_test)",
        "bad": "my_model = Answer(noisy_test)",
    },
    "vae": {
        "good": "my_decoder = Answer(X_train[:num_samples])" + LATENT.format("my_decoder", 8),
        "bad": f"my_decoder = Answer({INDEPENDENT})" + LATENT.format("my_decoder", 8),
        "two numbers": "my_decoder = Answer(X_train[:num_samples])"
        + LATENT.format("my_decoder", 2),
    },
    "gan": {
        "good": "my_generator = Answer(X_train[:num_samples])" + LATENT.format("my_generator", 16),
        "bad": f"my_generator = Answer({INDEPENDENT})" + LATENT.format("my_generator", 16),
        "one digit": "my_generator = Answer(np.repeat(X_train[:1], num_samples, axis=0))"
        + LATENT.format("my_generator", 16),
    },
}
EXPECTED = {
    "good": "Goal met",
    "bad": "Not yet",
    "wide code": "Keep the code at 8 numbers",
    "two numbers": "Give the latent space more than 2 numbers",
    "one digit": "Not yet",
}


@pytest.fixture(scope="module", params=UNIT4)
def ran(request, tmp_path_factory):
    """The notebook executed in quick mode, with the exercise check tried on stand-in answers
    before the exercises; and its command-line run."""
    name = request.param
    folder = tmp_path_factory.mktemp(name)
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    check = notebook.cells[tagged(notebook, "check")].source
    checks = [
        code_cell(
            SAVE.replace("NETWORKS", NETWORKS[name]).replace("SETTINGS", SETTINGS[name]), "save"
        ),
        code_cell(ANSWER + "\nimport types\n", "answer"),
        *(code_cell(f"{answer}\n{check}", kind) for kind, answer in ANSWERS[name].items()),
    ]
    return execute(name, notebook, folder, OVERRIDES, checks)


def read(folder, file: str) -> dict:
    return json.loads((folder / file).read_text())


def test_runs_cleanly(ran):
    from test_notebooks import assert_ran_cleanly

    assert_ran_cleanly(ran[2])


def test_same_training_and_test_arrays(ran):
    from utils import experiment

    name, folder, _, _ = ran
    run_plan = experiment.plan(load_case(name).CASE, experiment.Settings(seed=SEED))
    _, data = experiment.prepare_data(run_plan)
    assert_same_arrays(folder, data)


def test_same_architecture(ran):
    name, folder, _, _ = ran
    notebook = read(folder, "architecture.json")
    settings = notebook.pop("settings")
    kit = kit_architecture(name)
    assert notebook["networks"] == kit["networks"]
    assert (notebook["optimizers"], notebook["loss"]) == (kit["optimizers"], kit["loss"])
    if name == "gan":
        import keras_tuner

        model = load_case(name).build_model(keras_tuner.HyperParameters())
        assert settings == {"real_label": model.real_label, "latent_size": model.latent_size}


def test_same_training_settings(ran):
    _, folder, _, cli = ran
    parameters = read(folder, "parameters.json")
    config = read(cli, "config.json")
    metrics = read(cli, "metrics.json")
    assert config["seed"] == SEED
    assert parameters["num_epochs"] == config["epochs"] == 3
    assert parameters["batch_size"] == config["batch_size"]
    # Keras's validation_split=0.2 fits the first floor(80%) of the training images.
    assert config["validation_split"] == 0.2
    fit_rows = math.floor(metrics["n_train"] * 0.8)
    assert parameters["steps_per_epoch"] == math.ceil(fit_rows / config["batch_size"])


def test_untrained_rows_match_the_command_line(ran):
    name, folder, _, cli = ran
    results = read(folder, "results.json")  # {column: {row: value}}
    metrics = read(cli, "metrics.json")
    rows = {row: {} for row in FIXED_ROWS[name].values()}
    for column, values in results.items():
        for row, value in values.items():
            if row in rows and value is not None:
                rows[row][column] = value
    for kit_name, row in FIXED_ROWS[name].items():
        if kit_name == "baseline":
            expected = metrics["baseline"]
        elif kit_name in metrics["peers"]:
            expected = metrics["peers"][kit_name]
        else:
            expected = metrics["reference"][kit_name]
        expected = {key: value for key, value in expected.items() if key != "near_zero_codes"}
        assert rows[row] == pytest.approx(expected, rel=1e-6), row
    network = {column: values[MODEL_ROW[name]] for column, values in results.items()}
    assert set(network) >= set(metrics["baseline"])
    assert all(np.isfinite(value) for value in network.values())


def test_exercise_check_answers_back(ran):
    name, _, notebook, _ = ran
    for kind in ANSWERS[name]:
        assert stdout_of(notebook, kind).startswith(EXPECTED[kind]), (
            kind,
            stdout_of(notebook, kind),
        )
