"""The benchmark runs end to end in quick mode: both recipes and every peer measured, the output well formed."""

import json
import os
import subprocess
import sys

import pytest

from casestudies.cli import main

CONTENDERS = {"course", "kit", "kit-jax", "numpy", "sklearn-mlp", "forest"}


def test_quick_bench_measures_both_recipes_and_the_peers(workdir, capsys):
    assert main(["bench", "iris", "--quick", "--out", "bench"]) == 0
    out = capsys.readouterr().out
    report = json.loads((workdir / "bench" / "bench.json").read_text())
    iris = report["cases"]["iris"]
    assert set(iris["contenders"]) == CONTENDERS
    for name, contender in iris["contenders"].items():
        assert contender["fit_seconds_median"] > 0 and 0 <= contender["metric_median"] <= 1, name
        assert (
            contender["fit_seconds_min"]
            <= contender["fit_seconds_median"]
            <= contender["fit_seconds_max"]
        )
        assert len(contender["runs"]) == 1
    kit, course = iris["contenders"]["kit"], iris["contenders"]["course"]
    assert iris["course_over_kit"] == pytest.approx(
        course["runs"][0]["fit_seconds"] / kit["runs"][0]["fit_seconds"]
    )
    assert iris["kit_over_numpy"] > 0 and iris["tuner_trial_seconds"] > 0
    assert {"help_seconds", "list_seconds", "import_keras_seconds", "run_all_seconds"} <= set(
        report["startup"]
    )
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
    assert case["metric"] == "rmse" and {"course", "kit", "forest"} <= set(case["contenders"])


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
