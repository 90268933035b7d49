"""Unit 4 (autoencoder, denoising, vae, gan): the numbers that judge them, their runs beside
those numbers, `predict` for what each makes, and the benchmark's medians."""

import json
import re

import numpy as np
import pytest
from PIL import Image
from test_bad_input import check_one_line

from casestudies import load_case
from casestudies.cli import main
from utils import generative
from utils.experiment import Settings, plan, prepare_data

# Its tests share expensive module fixtures: keep them on one pytest-xdist worker.
pytestmark = pytest.mark.xdist_group("generative")

UNIT_4 = ("autoencoder", "denoising", "vae", "gan")


@pytest.fixture(scope="module")
def digits():
    _notes, data = prepare_data(plan(load_case("vae").CASE, Settings()))
    return data


@pytest.fixture(scope="module")
def judge(digits):
    return generative.judge(digits.X_train, digits.y_train)


# The judges and baselines, without training a network.


def test_digits_are_the_shipped_split_scaled_by_their_own_max_level(digits):
    assert digits.X_train.shape == (1437, 8, 8, 1) and digits.X_test.shape == (360, 8, 8, 1)
    assert digits.X_train.max() == 1.0 and digits.X_train.min() == 0.0
    assert digits.preprocessor.max_level == 16 and digits.preprocessor.task == "generation"
    assert np.bincount(digits.y_test).min() >= 35  # stratified: every digit a tenth


def test_the_judge_reads_real_digits_and_doubts_what_is_no_digit(judge, digits):
    assert generative.accuracy(judge, digits.X_test, digits.y_test) > 0.95
    real = generative.recognised(judge, digits.X_test)
    assert real["confident"] > 0.8 and real["digits"] == 10
    noise = np.random.default_rng(0).random((500, 8, 8, 1))
    assert generative.recognised(judge, noise)["confident"] < 0.05
    pixels = generative.independent_pixels(digits.X_train, 500, seed=0)
    assert generative.recognised(judge, pixels)["confident"] < 0.15


def test_a_collapsed_generator_shows_as_missing_digits(judge, digits):
    """500 copies of test sevens: confidently recognised, but one digit of ten."""
    sevens = digits.X_test[digits.y_test == 7]
    collapsed = sevens[np.arange(500) % len(sevens)]
    scores = generative.recognised(judge, collapsed)
    assert scores["confident"] > 0.8 and scores["digits"] == 1
    metrics = {**scores, "reference": {"real test digits": {"digits": 10}}}
    (note,) = generative.collapse_note(metrics)
    assert "Only 1 of the 10 digits" in note
    assert generative.collapse_note({**metrics, "digits": 10}) == []
    (none,) = generative.collapse_note({**metrics, "digits": 0})
    assert none.startswith("None of the 10 digits appears") and "Train it longer" in none


def test_independent_pixels_keep_each_pixels_values_but_no_training_image(digits):
    samples = generative.flat(generative.independent_pixels(digits.X_train, 2000, seed=3))
    train = generative.flat(digits.X_train)
    for pixel in (0, 20, 36):  # every value of a pixel is one that pixel takes in training
        assert set(np.unique(samples[:, pixel])) <= set(np.unique(train[:, pixel]))
    # The pixels' means match the training means; whole training images are not copied.
    np.testing.assert_allclose(samples.mean(axis=0), train.mean(axis=0), atol=0.05)
    copies = {row.tobytes() for row in train}
    assert sum(row.tobytes() in copies for row in samples) == 0
    np.testing.assert_array_equal(
        generative.independent_pixels(digits.X_train, 5, seed=3),
        generative.independent_pixels(digits.X_train, 5, 3),
    )


def test_pca_peers_reconstruct_exactly_at_full_rank_and_sample_valid_images(digits):
    full = generative.pca(digits.X_train, 64)
    assert generative.mse(generative.pca_reconstruct(full, digits.X_test), digits.X_test) < 1e-10
    two = generative.mse(
        generative.pca_reconstruct(generative.pca(digits.X_train, 2), digits.X_test), digits.X_test
    )
    sixteen = generative.pca_reconstruct(generative.pca(digits.X_train, 16), digits.X_test)
    assert generative.mse(sixteen, digits.X_test) < two
    samples = generative.pca_gaussian(digits.X_train, 16, 300, seed=0)
    assert samples.shape == (300, 8, 8, 1) and samples.min() >= 0 and samples.max() <= 1


# The runs: each case's table beside its baseline, peers and reference.


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("unit4")
    for name in UNIT_4:
        assert main(["run", name, "--quick", "--quiet", "--out", str(root / name)]) == 0
    return root


def read(run_dir, name):
    return json.loads((run_dir / name).read_text())


@pytest.mark.parametrize("name", UNIT_4)
def test_each_run_writes_its_numbers_beside_the_baselines_and_its_figures(runs, name):
    run_dir = runs / name
    metrics = read(run_dir, "metrics.json")
    case = load_case(name).CASE
    assert metrics["task"] == case.task and metrics["n_train"] == 1437 and metrics["n_test"] == 360
    assert metrics["epochs_run"] == 5 and metrics["fit_seconds"] > 0
    assert set(metrics["baseline"]) <= set(metrics) and metrics["peers"] and metrics["reference"]
    assert metrics[case.metric] is not None and metrics["notes"]
    figures = {path.stem for path in run_dir.glob("*.png")}
    expected = {
        "autoencoder": {"reconstructions", "codes_2d"},
        "denoising": {"denoised", "denoised_light_noise"},
        "vae": {"samples", "latent_manifold", "latent_codes"},
        "gan": {"samples", "samples_by_epoch"},
    }[name]
    assert expected | {"learning_curves"} <= figures
    preprocessing = read(run_dir, "preprocessing.json")
    assert preprocessing["task"] == case.task and preprocessing["max_level"] == 16
    assert preprocessing["latent_size"] == {"vae": 2, "gan": 16}.get(name, 0)


def test_autoencoder_table_sets_the_network_beside_the_mean_image_and_pca(runs, digits):
    metrics = read(runs / "autoencoder", "metrics.json")
    mean_image = digits.X_train.mean(axis=0, keepdims=True).repeat(360, axis=0)
    assert metrics["baseline_name"] == "mean image"
    assert metrics["baseline"]["mse"] == pytest.approx(generative.mse(mean_image, digits.X_test))
    pca16 = generative.pca_reconstruct(generative.pca(digits.X_train, 16), digits.X_test)
    assert metrics["peers"]["pca"]["mse"] == pytest.approx(generative.mse(pca16, digits.X_test))
    assert metrics["code_size"] == 16 and 0 < metrics["mse_2d"] < metrics["baseline"]["mse"] * 1.5


def test_denoising_table_reports_noisy_denoised_and_sparse_codes(runs, digits):
    metrics = read(runs / "denoising", "metrics.json")
    noisy = metrics["baseline"]
    # Doing nothing leaves the noise: its error is about sigma squared per pixel.
    assert noisy["mse"] == pytest.approx(metrics["noise"] ** 2, rel=0.1)
    assert noisy["mse_light_noise"] == pytest.approx(metrics["light_noise"] ** 2, rel=0.1)
    assert metrics["mse"] < noisy["mse"]  # even 5 epochs remove much of heavy noise
    (sparse,) = metrics["variants"].values()
    assert (
        0 <= metrics["near_zero_codes"] <= 1
        and sparse["near_zero_codes"] > metrics["near_zero_codes"]
    )
    assert metrics["reference"]["clean images"]["accuracy"] > 0.95


def test_the_autoencoders_error_is_its_saved_models_on_the_test_images(runs, digits):
    from utils.loading import load_run

    model, _, _ = load_run(runs / "autoencoder")
    reconstructions = generative.outputs(model, digits.X_test)
    metrics = read(runs / "autoencoder", "metrics.json")
    assert metrics["mse"] == pytest.approx(generative.mse(reconstructions, digits.X_test), rel=1e-5)


@pytest.mark.parametrize("name", ["vae", "gan"])
def test_a_generators_scores_are_the_judges_on_its_saved_models_samples(runs, name, judge):
    from utils.predicting import generate

    metrics = read(runs / name, "metrics.json")
    samples, _ = generate(runs / name, generative.SAMPLES, seed=metrics["seed"])
    scores = generative.recognised(judge, samples)
    assert (metrics["confident"], metrics["digits"]) == (
        pytest.approx(scores["confident"]),
        scores["digits"],
    )


@pytest.mark.parametrize("name", ["vae", "gan"])
def test_generators_are_judged_beside_independent_pixels_pca_and_real_digits(runs, name):
    metrics = read(runs / name, "metrics.json")
    assert metrics["baseline_name"] == "independent pixels"
    assert set(metrics["peers"]) == {"pca_gaussian"}
    real = metrics["reference"]["real test digits"]
    assert real["digits"] == 10 and real["confident"] > metrics["baseline"]["confident"]
    assert 0 <= metrics["confident"] <= 1 and 0 <= metrics["digits"] <= 10
    history = (runs / name / "history.csv").read_text().splitlines()[0].split(",")
    losses = {"vae": {"loss", "reconstruction_loss", "kl_loss"}, "gan": {"d_loss", "g_loss"}}[name]
    assert losses <= set(history) and {f"val_{loss}" for loss in losses} <= set(history)


def test_run_prints_the_table_with_the_reference_column(runs, capsys, tmp_path):
    assert main(["run", "autoencoder", "--quick", "--quiet", "--out", str(tmp_path / "ae")]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^metric +model +mean image +pca +test images$", out, re.MULTILINE)
    again, first = (read(path, "metrics.json") for path in (tmp_path / "ae", runs / "autoencoder"))
    judged = again["reference"]["test images"]["accuracy"]
    assert re.search(rf"^accuracy .* {judged:.3f}$", out, re.MULTILINE)  # the judge's own score
    assert "1437 training images, 360 test images" in " ".join(out.split())  # lines wrap at 79
    # Same seed, same numbers (the fit time aside).
    for numbers in (again, first):
        numbers.pop("fit_seconds")
    assert again == first


def test_a_gan_behind_its_baseline_is_sent_to_its_samples_not_to_falling_losses(runs, capsys):
    import types

    from casestudies.cli import print_result
    from utils.report import verdict

    metrics = read(runs / "gan", "metrics.json")
    # 5 epochs: the generator has not learned digits yet
    assert metrics["confident"] < metrics["baseline"]["confident"]
    print_result(load_case("gan").CASE, types.SimpleNamespace(metrics=metrics, run_dir=runs))
    said = " ".join(capsys.readouterr().out.split())
    assert "does not beat the independent pixels" in said
    assert "A GAN's losses do not fall as it learns" in said and "samples_by_epoch.png" in said
    assert "still falling" not in said  # the table cases' advice, read off falling curves
    assert "still falling" in verdict(metrics, "confident")  # without the GAN's own reason


# predict: what each model makes.


def test_a_generator_draws_new_images_to_a_png_the_same_for_the_same_seed(runs, tmp_path, capsys):
    from utils.predicting import generate

    gan = str(runs / "gan")
    out = tmp_path / "new.png"
    assert main(["predict", "--run", gan, "--samples", "30", "--seed", "4", "--out", str(out)]) == 0
    assert "Wrote 30 new images" in capsys.readouterr().out
    assert Image.open(out).size[0] > 300
    first, _ = generate(gan, 30, seed=4)
    again, _ = generate(gan, 30, seed=4)
    other, _ = generate(gan, 30, seed=5)
    assert first.shape == (30, 8, 8, 1) and np.array_equal(first, again)
    assert not np.array_equal(first, other)
    # Never over an earlier file; --samples only for generators.
    assert main(["predict", "--run", gan, "--samples", "3", "--out", str(out)]) == 2
    ae = str(runs / "autoencoder")
    assert main(["predict", "--run", ae, "--samples", "3", "--out", str(tmp_path / "x.png")]) == 2
    error = capsys.readouterr().err
    assert "already exists" in error and "holds an autoencoder" in error
    assert not (tmp_path / "x.png").exists()


def test_the_same_samples_command_twice_points_to_its_first_picture(
    runs, tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    gan = str(runs / "gan")
    assert main(["predict", "--run", gan, "--samples", "5"]) == 0
    (picture,) = tmp_path.glob("*.png")
    assert picture.name == "gan-5-samples-seed0.png"
    written = picture.read_bytes()
    capsys.readouterr()
    assert main(["predict", "--run", gan, "--samples", "5"]) == 0
    assert "gan-5-samples-seed0.png already holds these 5 images" in capsys.readouterr().out
    assert list(tmp_path.glob("*.png")) == [picture] and picture.read_bytes() == written


def test_an_autoencoder_reconstructs_given_images(runs, tmp_path, capsys, monkeypatch):
    digits = np.load(load_case("autoencoder").CASE.data_path)["x_test"][:3]
    for index, digit in enumerate(digits):  # grey levels 0-16 drawn as 0-240, 4x the size
        Image.fromarray((digit * 15).astype("uint8")).resize((32, 32)).save(
            tmp_path / f"{index}.png"
        )
    out = tmp_path / "reconstructed.csv"
    run = str(runs / "autoencoder")
    assert (
        main(
            [
                "predict",
                "--run",
                run,
                "--images",
                *(str(tmp_path / f"{i}.png") for i in range(3)),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    table = out.read_text().splitlines()
    assert table[0] == "file,reconstruction_mse" and len(table) == 4
    assert all(0 <= float(line.split(",")[1]) < 0.2 for line in table[1:])
    assert (tmp_path / "reconstructed-reconstructions.png").is_file()
    # An --out ending in .png is the scores' file all the same: the figure doesn't overwrite it.
    out = tmp_path / "scores.png"
    assert (
        main(["predict", "--run", run, "--images", str(tmp_path / "0.png"), "--out", str(out)]) == 0
    )
    assert out.read_text().startswith("file,reconstruction_mse")
    assert Image.open(tmp_path / "scores-reconstructions.png").format == "PNG"
    # A generator is given no images.
    assert main(["predict", "--run", str(runs / "gan"), "--images", str(tmp_path / "0.png")]) == 2
    assert "holds a generator, not an image model" in capsys.readouterr().err
    # Without --out the figure takes a default name; the same command again takes a new one.
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        assert main(["predict", "--run", run, "--images", str(tmp_path / "0.png")]) == 0
    assert sorted(path.name for path in tmp_path.glob("autoencoder-*.png")) == [
        "autoencoder-reconstructions-2.png",
        "autoencoder-reconstructions.png",
    ]


@pytest.mark.parametrize(
    "arguments, words",
    [
        (["grid", "autoencoder"], "grid searches the supervised case studies"),
        (["tune", "gan", "--quick"], "tune searches the supervised case studies"),
        (["run", "vae", "--test-size", "0.3"], "--test-size does not apply to vae"),
        (["run", "denoising", "--csv", "x.csv"], "not a CSV: drop --csv"),
        (
            ["predict", "--run", "runs/none", "--csv", "x.csv", "--seed", "3"],
            "--seed goes with --samples",
        ),
    ],
)
def test_what_unit_4_cannot_do_is_one_line_exit_2(arguments, words, capsys, workdir):
    assert main(arguments) == 2
    check_one_line(capsys, [words])
    assert not (workdir / "runs").exists()


def test_bench_reports_medians_of_every_number_of_the_table(monkeypatch, capsys):
    import copy

    from casestudies.benchmark import bench
    from utils import generative

    # One real training per recipe; the other seeds copy it with their own numbers, so that the
    # median (the middle value) differs from the first, the last and the mean.
    real, trained = generative.fit_and_judge, {}
    made_up = {1: 9.0, 2: 2.0, 3: 1.0}

    def fit_and_judge(module, data, run_plan, label=None):
        recipe = repr(run_plan.recipe)
        if recipe not in trained:
            trained[recipe] = real(module, data, run_plan, label)
        metrics, used, outcome, training = copy.deepcopy(trained[recipe])
        metrics["mse"] = metrics["peers"]["pca_gaussian"]["confident"] = made_up[run_plan.seed]
        metrics["seed"] = run_plan.seed
        return metrics, used, outcome, training

    monkeypatch.setattr(generative, "fit_and_judge", fit_and_judge)
    case = load_case("vae").CASE
    report = bench([(case, None)], Settings(quick=True, epochs=2), seeds=(1, 2, 3))
    medians = report["cases"]["vae"]["medians"]
    columns = {"kit recipe", "course recipe", "independent pixels", "pca_gaussian"}
    assert set(medians) == columns | {"real test digits"}
    kit = report["cases"]["vae"]["runs"]["kit"]
    assert [run["seed"] for run in kit] == [1, 2, 3]
    assert medians["kit recipe"]["mse"] == medians["course recipe"]["mse"] == 2.0
    assert medians["pca_gaussian"]["confident"] == 2.0
    assert medians["course recipe"]["fit_seconds"] > 0
    out = capsys.readouterr().out
    # Six columns are too wide for 80: each header stands on two lines, "metric" over "(median)".
    assert re.search(r"^metric .* independent .*\n\(median\) .* pixels ", out, re.MULTILINE)


def test_each_notebook_states_the_judges_recipe_as_the_kit_builds_it():
    from pathlib import Path

    rng = np.random.default_rng(0)
    images = rng.random((700, 8, 8)).astype("float32")  # more than its 600 kernel features
    reader = generative.judge(images, np.arange(700) % 10)
    params = reader.get_params()
    assert params["nystroem__gamma"] == pytest.approx(1 / (64 * images.var()))
    for notebook in UNIT_4:
        path = Path(__file__).resolve().parent.parent / "notebooks" / f"{notebook}.py"
        text = " ".join(path.read_text().replace("#", " ").split())  # the markdown, joined
        assert "Nystroem(gamma=1 / (64 * pixels.var()), n_components=" in text, notebook
        assert f"n_components={params['nystroem__n_components']})" in text, notebook
        assert f"LogisticRegression(C={params['logisticregression__C']:g})" in text, notebook
