"""The benchmark runs end to end in quick mode:
both recipes and every peer measured, the output well formed."""

import json
import os
import subprocess
import sys

import pytest

from casestudies.cli import main

CONTENDERS = {
    "course",
    "kit",
    "kit-jax",
    "numpy",
    "sklearn-mlp",
    "logistic_regression",
    "random_forest",
}


def test_quick_bench_measures_both_recipes_and_the_peers(workdir, capsys):
    assert main(["bench", "iris", "--quick", "--out", "bench"]) == 0
    out = capsys.readouterr().out
    report = json.loads((workdir / "bench" / "bench.json").read_text())
    iris = report["cases"]["iris"]
    assert set(iris["contenders"]) == CONTENDERS
    for name, contender in iris["contenders"].items():
        assert contender["fit_seconds_median"] > 0, name
        assert (
            contender["fit_seconds_min"]
            <= contender["fit_seconds_median"]
            <= contender["fit_seconds_max"]
        )
        assert len(contender["runs"]) == 1
    # The benchmark's kit fit is exactly a run's: same split, recipe, seed and test rows.
    assert main(["run", "iris", "--quick", "--seed", "0", "--quiet", "--out", "run"]) == 0
    run = json.loads((workdir / "run" / "metrics.json").read_text())
    assert iris["contenders"]["kit"]["metric_median"] == pytest.approx(run["accuracy"])
    for peer in ("logistic_regression", "random_forest"):
        assert iris["contenders"][peer]["metric_median"] == pytest.approx(
            run["peers"][peer]["accuracy"]
        )
    # The target is the better of the linear peer and the course recipe, and the verdict follows.
    target = iris["target"]
    bars = [iris["contenders"][name]["metric_median"] for name in ("logistic_regression", "course")]
    assert target["target"] == max(bars)
    assert target["met"] == (iris["contenders"]["kit"]["metric_median"] >= max(bars))
    assert ("target: kit accuracy" in out) and ("NOT met" in out) != target["met"]
    kit, course = iris["contenders"]["kit"], iris["contenders"]["course"]
    assert iris["course_over_kit"] == pytest.approx(
        course["runs"][0]["fit_seconds"] / kit["runs"][0]["fit_seconds"]
    )
    assert iris["kit_over_numpy"] > 0 and iris["tuner_trial_seconds"] > 0
    startup = report["startup"]
    assert startup["run_all_beyond_import_seconds"] == pytest.approx(
        startup["run_all_seconds"] - startup["import_keras_seconds"]
    )
    assert 0 < startup["help_seconds"] < startup["run_all_seconds"]
    assert "time / kit" in out and "faster than the course recipe" in out


def test_bench_runs_on_a_learners_csv(workdir, real_combine, capsys):
    assert (
        main(
            [
                "bench",
                "--csv",
                str(real_combine),
                "--target",
                "PM 2.5",
                "--quick",
                "--seeds",
                "1",
                "--out",
                "b",
            ]
        )
        == 0
    )
    report = json.loads((workdir / "b" / "bench.json").read_text())
    (case,) = report["cases"].values()
    assert "startup" not in report  # the kit's own start-up is not what a learner measures
    assert case["metric"] == "rmse" and {
        "course",
        "kit",
        "linear_regression",
        "random_forest",
    } <= set(case["contenders"])


def test_the_kit_runs_unchanged_on_the_jax_backend(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "casestudies",
            "run",
            "iris",
            "--epochs",
            "3",
            "--quiet",
            "--out",
            "jax_run",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "KERAS_BACKEND": "jax"},
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    config = json.loads((tmp_path / "jax_run" / "config.json").read_text())
    assert config["versions"]["backend"] == "jax"
    assert json.loads((tmp_path / "jax_run" / "metrics.json").read_text())["epochs_run"] == 3


@pytest.mark.parametrize("name, decay", [("diabetes", 0.01), ("iris", 0.0)])
def test_the_numpy_and_scikit_learn_twins_read_the_models_weight_decay(name, decay):
    """The NumPy floor and scikit-learn's MLP train the kit's default network, penalty and all."""
    from casestudies import load_case
    from casestudies.benchmark import architecture
    from utils import experiment

    module = load_case(name)
    run_plan = experiment.plan(module.CASE, experiment.Settings())
    data = experiment.split_and_scale(experiment.load(run_plan), run_plan)
    *_, l2 = architecture(module.build_model, data.preprocessor)
    assert l2 == pytest.approx(decay)
