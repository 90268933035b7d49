"""The benchmark runs end to end in quick mode:
both recipes and every peer measured, the output well formed."""

import json
import os
import subprocess
import sys

import pytest

from casestudies.cli import main
from utils.case import DATA_DIR

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
    (line,) = [line for line in out.splitlines() if line.startswith("target: kit accuracy")]
    kit_accuracy = iris["contenders"]["kit"]["metric_median"]
    sign = ">=" if target["met"] else "<"  # a true statement either way
    assert f"{kit_accuracy:.3f} {sign} {target['target']:.3f}" in line
    assert line.endswith("NOT met") != target["met"]
    kit, course = iris["contenders"]["kit"], iris["contenders"]["course"]
    assert iris["course_over_kit"] == pytest.approx(
        course["runs"][0]["fit_seconds"] / kit["runs"][0]["fit_seconds"]
    )
    numpy = iris["contenders"]["numpy"]
    assert iris["kit_over_numpy"] == pytest.approx(
        kit["fit_seconds_median"] / numpy["fit_seconds_median"]
    )
    assert f"it takes {iris['kit_over_numpy']:.0f}x the NumPy floor's time" in out
    assert iris["tuner_trial_seconds"] > 0
    startup = report["startup"]
    assert startup["run_all_beyond_import_seconds"] == pytest.approx(
        startup["run_all_seconds"] - startup["import_keras_seconds"]
    )
    assert {"help_seconds", "list_seconds"} <= set(startup)
    assert "time / kit" in out and "faster than the course recipe" in out
    # A line after each seed's fits, before the table: a full bench takes minutes.
    progress = " ".join(out.split("\ncontender ")[0].split())
    assert "seed 0, fit seconds: course " in progress and " random_forest " in progress


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


def test_a_case_study_benches_a_csv_of_its_kind_with_its_own_target(workdir):
    assert (
        main(["bench", "iris", "--csv", str(DATA_DIR / "iris.csv"), "--quick", "--out", "b"]) == 0
    )
    report = json.loads((workdir / "b" / "bench.json").read_text())
    assert report["cases"]["iris"]["metric"] == "accuracy" and "startup" not in report


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


def test_bench_on_another_backend_leaves_out_or_refuses_the_cases_that_need_tensorflow(
    workdir, monkeypatch, capsys
):
    from casestudies import CASE_STUDIES, benchmark

    benched = []
    # Record what would be measured instead of measuring it: the choice of cases is under test.
    monkeypatch.setattr(
        benchmark, "bench", lambda cases, *_, **__: benched.extend(c.name for c, _ in cases) or {}
    )
    monkeypatch.setattr(benchmark, "startup_report", lambda quick: {})
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    assert main(["bench", "--quick", "--out", "all"]) == 0
    assert benched == [name for name in CASE_STUDIES if name not in ("vae", "gan")]
    assert "`bench all` leaves out vae and gan" in capsys.readouterr().out
    assert main(["bench", "gan", "--quick", "--out", "gan"]) == 2
    assert "gan trains with its own train_step" in capsys.readouterr().err
    assert not (workdir / "gan").exists()


@pytest.mark.parametrize("name, decay", [("diabetes", 0.01), ("iris", 0.0)])
def test_the_numpy_and_scikit_learn_twins_train_with_the_models_weight_decay(
    name, decay, monkeypatch
):
    """The NumPy floor and scikit-learn's MLP train the kit's default network, penalty and all."""
    from dataclasses import replace

    import sklearn.neural_network

    from casestudies import benchmark, load_case
    from casestudies.fundamentals import backprop
    from utils import experiment

    module = load_case(name)
    run_plan = experiment.plan(module.CASE, experiment.Settings())
    data = experiment.split_and_scale(experiment.load(run_plan), run_plan)
    one_epoch = replace(run_plan.recipe, epochs=1)
    built = {}

    def recording(cls, key):
        def build(*args, **kwargs):
            built[key] = kwargs
            return cls(*args, **kwargs)

        return build

    monkeypatch.setattr(backprop, "MLP", recording(backprop.MLP, "numpy"))
    classifier = sklearn.neural_network.MLPClassifier
    monkeypatch.setattr(sklearn.neural_network, "MLPClassifier", recording(classifier, "sklearn"))
    benchmark.fit_numpy(module.CASE, module.build_model, data, one_epoch, 0, 0.2)
    benchmark.fit_sklearn_mlp(module.CASE, module.build_model, data, one_epoch, 0, 0.2)
    assert built["numpy"]["l2"] == pytest.approx(decay)
    # scikit-learn's alpha/2 * sum(W**2) / rows per batch equals Keras's l2 * sum(W**2)
    assert built["sklearn"]["alpha"] == pytest.approx(2 * decay * run_plan.recipe.batch_size)


def test_a_contenders_summary_takes_the_median_of_its_runs():
    from casestudies.benchmark import summarise

    rows = [{"fit_seconds": s, "metric": m} for s, m in [(1.0, 0.7), (5.0, 0.9), (2.0, 0.8)]]
    kit = [{"fit_seconds": s} for s in (1.0, 1.0, 4.0)]
    summary = summarise(rows, kit)
    assert (summary["fit_seconds_median"], summary["metric_median"]) == (2.0, 0.8)
    assert (summary["fit_seconds_min"], summary["fit_seconds_max"]) == (1.0, 5.0)
    assert summary["time_vs_kit_median"] == 1.0  # of the ratios 1, 5 and 0.5
