"""`python -m casestudies bench`: how fast and how well the kit trains, beside the course
recipe and the classic peers.

For each case study, on one shared split (stratified for classifiers) and for each seed, it fits:

- course: the course recipe (its epochs, batch 32, its scaling choice, a plain `model.fit`);
- kit: the kit's default (the same layers; diabetes's with tanh and weight decay), several
  epochs per call, early stopping where the case uses it;
- kit-jax: the kit's default on Keras's JAX backend (when JAX is installed);
- numpy: the same network and updates as a plain NumPy loop (casestudies/fundamentals), the floor;
- sklearn-mlp: scikit-learn's MLPClassifier / MLPRegressor, same layers and updates;
- logistic_regression (linear_regression for regression) and random_forest: the classic peers
  of every run's table, fitted on all the training rows.

Unit 4's cases (autoencoder, denoising, vae, gan) have no classic contenders to time: for each
seed the kit trains and judges the case's model as `run` does, and the benchmark reports the
median (and range) of every number in its table and of its fit seconds, with the course
recipe's where it differs.

Keras contenders, the NumPy floor and the MLP train on the same 80% of the training rows (the
rest is the validation hold-out). Every contender is scored on the same test rows. Ratios are
computed seed by seed, then their median is reported. Each table case then says whether the
kit's default reaches the better of the linear peer and the course recipe (median over the seeds).
"""

import json
import os
import statistics
import subprocess
import sys
import time
import warnings
from dataclasses import replace

from utils import experiment
from utils.case import GENERATIVE_TASKS, QUICK_SEARCH_EPOCHS
from utils.evaluation import LOWER_IS_BETTER, peer_models, score, to_labels
from utils.hyperparameters import build
from utils.keras_setup import backend_name
from utils.report import wrap

# Seconds the unit-1 case studies' runs may take beyond importing Keras, on 2 cores.
RUN_ALL_BEYOND_IMPORT = 4
TABLE_CASES = ("diabetes", "iris", "air_quality")


def case_data(case, settings):
    """Kit-preprocessed and course-preprocessed arrays on one split (the kit's)."""
    kit_plan = experiment.plan(case, settings)
    course_plan = replace(
        kit_plan,
        recipe=replace(
            case.course,
            epochs=kit_plan.recipe.epochs if settings.quick else case.course.epochs,
            stratify=kit_plan.recipe.stratify,
        ),
    )
    if case.kind != "table":  # one data path for both recipes: fixed images, or a series
        data = experiment.prepare_data(kit_plan)[1]
        return kit_plan, course_plan, data, data
    dataset = experiment.load(kit_plan)
    return (
        kit_plan,
        course_plan,
        experiment.split_and_scale(dataset, kit_plan),
        experiment.split_and_scale(dataset, course_plan),
    )


def test_metric(case, data, y_pred, scores) -> float:
    """The test metric in the target's own units."""
    values, task = data.preprocessor.target_values, data.preprocessor.task
    if task == "regression":
        y_pred = scores = values(y_pred)
    return score(task, values(data.y_test), y_pred, scores)[case.metric]


def fit_keras(case, build_model, data, run_plan, seed: int) -> dict:
    trained = experiment.train_and_evaluate(build_model, data, replace(run_plan, seed=seed))
    return {
        "seed": seed,
        "fit_seconds": trained.training.fit_seconds,
        "metric": trained.metrics[case.metric],
    }


def architecture(build_model, preprocessor):
    """Layer sizes, activations, loss, learning rate and weight decay (L2) of the case's default
    Keras model."""
    model, hyperparameters = build(build_model, preprocessor)
    model.build((None, len(preprocessor.feature_names)))
    dense = [layer for layer in model.layers if hasattr(layer, "units")]
    sizes = [len(preprocessor.feature_names)] + [layer.units for layer in dense]
    activations = [layer.activation.__name__ for layer in dense]
    decays = {getattr(layer.kernel_regularizer, "l2", 0.0) for layer in dense}
    return (
        sizes,
        activations,
        model.loss,
        hyperparameters.get("optimizer", "adam"),
        float(hyperparameters["learning_rate"]),
        float(decays.pop()) if len(decays) == 1 else None,  # None: not one decay for all layers
    )


def fit_numpy(case, build_model, data, recipe, seed: int, validation_split: float) -> dict | None:
    from casestudies.fundamentals import backprop, optimizers
    from utils.training import hold_out_validation

    sizes, activations, loss, optimizer, learning_rate, l2 = architecture(
        build_model, data.preprocessor
    )
    unlike = l2 is None or len(set(activations[:-1])) > 1
    if optimizer != "adam" or loss not in backprop.LOSSES or unlike:
        return None
    (X, y), _ = hold_out_validation(data.X_train.astype("float64"), data.y_train, validation_split)
    hidden = activations[0] if len(activations) > 1 else "linear"
    model = backprop.MLP(sizes, hidden, activations[-1], seed=seed, l2=l2)
    start = time.perf_counter()
    backprop.fit(
        model,
        X,
        y.astype("float64") if loss != "sparse_categorical_crossentropy" else y,
        loss,
        optimizers.Adam(learning_rate),
        recipe.epochs,
        recipe.batch_size,
        seed,
    )
    seconds = time.perf_counter() - start
    outputs = model.predict(data.X_test.astype("float64"))
    task = data.preprocessor.task
    y_pred = to_labels(outputs, task)
    return {
        "seed": seed,
        "fit_seconds": seconds,
        "metric": test_metric(
            case, data, y_pred, outputs if task == "multiclass" else outputs[:, 0]
        ),
    }


def fit_sklearn_mlp(case, build_model, data, recipe, seed: int, validation_split: float) -> dict:
    """scikit-learn's MLP with the case's layers and the kit's updates, on the kit's fit rows."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    from utils.training import hold_out_validation

    (X, y), _ = hold_out_validation(data.X_train, data.y_train, validation_split)
    sizes, activations, _, _, learning_rate, l2 = architecture(build_model, data.preprocessor)
    hidden = activations[0] if len(activations) > 1 else "identity"
    model = (MLPRegressor if data.preprocessor.task == "regression" else MLPClassifier)(
        hidden_layer_sizes=tuple(sizes[1:-1]),
        activation=hidden if hidden in ("relu", "tanh") else "relu",
        # per batch, scikit-learn's loss gains alpha/2 * sum(W**2) / rows, Keras's l2 * sum(W**2)
        alpha=2 * (l2 or 0.0) * recipe.batch_size,
        learning_rate_init=learning_rate,
        batch_size=recipe.batch_size,
        max_iter=recipe.epochs,
        n_iter_no_change=recipe.epochs + 1,  # no early stop: as many updates as the others
        random_state=seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # it runs its full epochs
        return fit_scikit_learn(case, model, data, X, y, seed)


def fit_scikit_learn(case, model, data, X, y, seed: int) -> dict:
    """Fit a scikit-learn model on (X, y), score it on the test rows, and time the fit."""
    start = time.perf_counter()
    model.fit(X, y)
    seconds = time.perf_counter() - start
    task = data.preprocessor.task
    y_pred = model.predict(data.X_test)
    scores = y_pred if task == "regression" else model.predict_proba(data.X_test)
    scores = scores[:, 1] if task == "binary" else scores
    return {"seed": seed, "fit_seconds": seconds, "metric": test_metric(case, data, y_pred, scores)}


def measure_case(case, build_model, settings, seeds, say=print) -> dict[str, list[dict]]:
    """Every contender, seed by seed (a line of fit seconds after each seed: a full bench takes
    minutes). The peers see all the training rows, as in a run's table."""
    kit_plan, course_plan, kit_data, course_data = case_data(case, settings)
    split = kit_plan.validation_split
    results = {name: [] for name in ("course", "kit", "numpy", "sklearn-mlp")}
    for seed in seeds:
        results["course"].append(fit_keras(case, build_model, course_data, course_plan, seed))
        results["kit"].append(fit_keras(case, build_model, kit_data, kit_plan, seed))
        if case.kind != "table":  # a CNN or RNN has no NumPy or scikit-learn MLP twin
            for name, seconds, metrics in timed_peers(kit_data, replace(kit_plan, seed=seed)):
                row = {"seed": seed, "fit_seconds": seconds, "metric": metrics[case.metric]}
                results.setdefault(name, []).append(row)
        else:
            results["numpy"].append(
                fit_numpy(case, build_model, kit_data, kit_plan.recipe, seed, split)
            )
            results["sklearn-mlp"].append(
                fit_sklearn_mlp(case, build_model, kit_data, kit_plan.recipe, seed, split)
            )
            for name, model in peer_models(kit_data.preprocessor.task, seed).items():
                rows = (kit_data.X_train, kit_data.y_train)
                results.setdefault(name, []).append(
                    fit_scikit_learn(case, model, kit_data, *rows, seed)
                )
        progress = [
            f"{name} {fits[-1]['fit_seconds']:.1f}"
            for name, fits in results.items()
            if fits and fits[-1]  # None: no NumPy or scikit-learn twin of this model
        ]
        say(wrap(f"seed {seed}, fit seconds: {', '.join(progress)}"))
    return {name: rows for name, rows in results.items() if rows and all(rows)}


def timed_peers(data, run_plan):
    """Each peer of an image or series case (its name, fit seconds and test metrics), one at a
    time so that each has its own time."""
    module = experiment.data_module(run_plan.case.kind)
    for name in module.PEERS:
        start = time.perf_counter()
        metrics = module.peers(data, run_plan, only=name)[name]
        yield name, time.perf_counter() - start, metrics


def target_check(case, summary: dict) -> dict:
    """A table case's kit default must reach the better of the linear peer and the course
    recipe."""
    linear = next(name for name in ("linear_regression", "logistic_regression") if name in summary)
    bars = {name: summary[name]["metric_median"] for name in (linear, "course")}
    target = min(bars.values()) if case.metric in LOWER_IS_BETTER else max(bars.values())
    kit = summary["kit"]["metric_median"]
    met = kit <= target if case.metric in LOWER_IS_BETTER else kit >= target
    return {"target": target, "kit": kit, "met": met, "bars": bars}


def measure_kit_on(
    backend: str, case_name: str, custom: bool, settings, seeds
) -> list[dict] | None:
    """The kit's default on another Keras backend, in a fresh process
    (the backend is fixed at import)."""
    import importlib.util

    if importlib.util.find_spec(backend) is None:
        return None
    request = json.dumps(
        {
            "case": case_name,
            "custom": custom,
            "csv": settings.csv,
            "target": settings.target,
            "task": settings.task,
            "quick": settings.quick,
            "seeds": list(seeds),
        }
    )
    result = subprocess.run(
        [sys.executable, "-m", "casestudies.benchmark", request],
        capture_output=True,
        text=True,
        env={**os.environ, "KERAS_BACKEND": backend},
        timeout=1800,
    )
    if result.returncode != 0:
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


def timed_command(arguments: list[str], repeats: int = 3) -> float:
    """Median wall time of a whole process, start-up included."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, *arguments], capture_output=True, check=True, timeout=1800)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def trial_overhead(case, build_model, settings) -> float:
    """Seconds to build, compile and fit a default model for a quick tuner trial
    (after the first trace in the process)."""
    from utils.keras_setup import seed_everything
    from utils.training import train

    run_plan = experiment.plan(case, settings)
    data = experiment.prepare_data(run_plan)[1]
    start = time.perf_counter()
    seed_everything(0)
    model, _ = build(build_model, data.preprocessor)
    train(
        model,
        data.X_train,
        data.y_train,
        epochs=QUICK_SEARCH_EPOCHS,
        batch_size=run_plan.recipe.batch_size,
        progress_label=None,
    )
    return time.perf_counter() - start


def summarise(rows: list[dict], kit_rows: list[dict]) -> dict:
    seconds = [row["fit_seconds"] for row in rows]
    ratios = [row["fit_seconds"] / kit["fit_seconds"] for row, kit in zip(rows, kit_rows)]
    return {
        "fit_seconds_median": statistics.median(seconds),
        "fit_seconds_min": min(seconds),
        "fit_seconds_max": max(seconds),
        "metric_median": statistics.median(row["metric"] for row in rows),
        "time_vs_kit_median": statistics.median(ratios),
        "runs": rows,
    }


def bench(cases, settings, seeds=(0, 1, 2), custom: bool = False, say=print) -> dict:
    """Measure every case; print the tables; return everything (also written as bench.json).

    `custom`: the one case is a learner's CSV with the generic model (`casestudies.custom`).
    """
    from utils.report import format_table
    from utils.saving import versions

    report = {"seeds": list(seeds), "quick": settings.quick, "versions": None, "cases": {}}
    for case, build_model in cases:
        say(f"== {case.title}: fitting {len(seeds)} seed(s) of each contender ==")
        if case.task in GENERATIVE_TASKS:
            report["cases"][case.name] = measure_generative(case, settings, seeds, say)
            continue
        results = measure_case(case, build_model, settings, seeds, say)
        other = (
            measure_kit_on("jax", case.name, custom, settings, seeds)
            if backend_name() == "tensorflow"  # else the kit already runs on another one
            else None
        )
        if other:
            results["kit-jax"] = other
        summary = {name: summarise(rows, results["kit"]) for name, rows in results.items()}
        rows = [
            [
                name,
                f"{values['fit_seconds_median']:.2f} "
                f"({values['fit_seconds_min']:.2f}-{values['fit_seconds_max']:.2f})",
                values["metric_median"],
                values["time_vs_kit_median"],
            ]
            for name, values in summary.items()
        ]
        say(
            format_table(
                ["contender", "fit s, median (min-max)", f"test {case.metric}", "time / kit"], rows
            )
        )
        course_over_kit = summary["course"]["time_vs_kit_median"]
        floor = (
            summary["kit"]["fit_seconds_median"] / summary["numpy"]["fit_seconds_median"]
            if "numpy" in summary
            else None
        )
        say(
            f"the kit fits {course_over_kit:.1f}x faster than the course recipe"
            + (f"; it takes {floor:.0f}x the NumPy floor's time" if floor else "")
        )
        check = target_check(case, summary) if case.kind == "table" else None
        if check:  # the unit-1 target: beat the better of the linear peer and the course recipe
            lower = case.metric in LOWER_IS_BETTER
            sign = ("<=" if lower else ">=") if check["met"] else (">" if lower else "<")
            bars = " and ".join(f"{name} {value:.3f}" for name, value in check["bars"].items())
            say(
                f"target: kit {case.metric} {check['kit']:.3f} {sign} {check['target']:.3f} "
                f"(the better of {bars}): {'met' if check['met'] else 'NOT met'}"
            )
        seconds = trial_overhead(case, build_model, settings)
        say(f"a quick tuner trial (build + compile + fit the default model): {seconds:.2f} s\n")
        report["cases"][case.name] = {
            "metric": case.metric,
            "contenders": summary,
            "course_over_kit": course_over_kit,
            "kit_over_numpy": floor,
            "tuner_trial_seconds": seconds,
            "target": check,
        }
    report["versions"] = versions()
    return report


def measure_generative(case, settings, seeds, say=print) -> dict:
    """A unit-4 case trained and judged once per seed, as `run` does (kit recipe, and the
    course's if it differs): the median and range of every number of its table."""
    import matplotlib.pyplot as plt

    from casestudies import load_case
    from utils import generative
    from utils.evaluation import METRIC_KEYS
    from utils.report import format_table

    module = load_case(case.name)
    recipes = ("kit", "course") if case.course != case.kit else ("kit",)
    measured = {}
    for recipe in recipes:
        run_plan = experiment.plan(case, replace(settings, recipe=recipe))
        _notes, data = experiment.prepare_data(run_plan)
        runs = []
        for seed in seeds:
            metrics, _used, outcome, _training = generative.fit_and_judge(
                module, data, replace(run_plan, seed=seed)
            )
            for figure in outcome.figures.values():
                plt.close(figure)
            runs.append(metrics)
        measured[recipe] = runs
    kit_runs = measured["kit"]

    def others(run: dict) -> dict:  # the table's other columns, as `run` prints them
        baseline = {run.get("baseline_name", "baseline"): run["baseline"]}
        groups = (run.get("variants", {}), baseline, run.get("peers", {}), run.get("reference", {}))
        return {name: numbers for group in groups for name, numbers in group.items()}

    columns = {f"{recipe} recipe": runs for recipe, runs in measured.items()}  # name -> per seed
    columns |= {name: [others(run)[name] for run in kit_runs] for name in others(kit_runs[0])}
    keys = [key for key in METRIC_KEYS[case.task] if key in kit_runs[0]] + ["fit_seconds"]

    def median(runs, key):
        values = [run.get(key) for run in runs]
        return None if None in values else statistics.median(values)

    medians = {name: {key: median(runs, key) for key in keys} for name, runs in columns.items()}
    say(
        format_table(
            ["metric (median)", *medians],
            [[key, *(values[key] for values in medians.values())] for key in keys],
        )
    )
    fits = [run["fit_seconds"] for run in kit_runs]
    say(
        f"kit fit seconds: median {statistics.median(fits):.1f} ({min(fits):.1f}-{max(fits):.1f})\n"
    )
    return {"metric": case.metric, "medians": medians, "runs": measured}


def startup_report(quick: bool, say=print) -> dict:
    """Whole-process times: `--help`, `list`, importing Keras, and `run` of the unit-1 (table)
    case studies, the instructor's first command. The import and the run take turns, three of
    each (one with --quick), so that a slow moment of the machine weighs on both alike."""
    import tempfile

    timings = {
        "help_seconds": timed_command(["-m", "casestudies", "--help"]),
        "list_seconds": timed_command(["-m", "casestudies", "list"]),
    }
    imports, run_alls = [], []
    with tempfile.TemporaryDirectory() as scratch:
        for attempt in range(1 if quick else 3):
            imports.append(
                timed_command(["-c", "import utils.keras_setup as k; k.import_keras()"], repeats=1)
            )
            out = os.path.join(scratch, f"runs-{attempt}")  # a run never writes over another
            run_all = ["-m", "casestudies", "run", *TABLE_CASES, "--quiet", "--out", out]
            run_alls.append(timed_command(run_all + (["--quick"] if quick else []), repeats=1))
    timings["import_keras_seconds"] = statistics.median(imports)
    timings["run_all_seconds"] = statistics.median(run_alls)
    beyond_import = timings["run_all_seconds"] - timings["import_keras_seconds"]
    timings["run_all_beyond_import_seconds"] = beyond_import
    say(
        f"start-up: --help {timings['help_seconds']:.2f} s, list {timings['list_seconds']:.2f} s, "
        f"import Keras {timings['import_keras_seconds']:.2f} s; "
        f"run {' '.join(TABLE_CASES)}{' --quick' if quick else ''}: "
        f"{timings['run_all_seconds']:.1f} s wall, "
        f"{beyond_import:.1f} s beyond importing Keras (goal: {RUN_ALL_BEYOND_IMPORT} s: "
        f"{'met' if beyond_import <= RUN_ALL_BEYOND_IMPORT else 'NOT met'})"
    )
    return timings


def run_benchmark(name, csv, target, task, seeds, quick: bool, out=None) -> None:
    """`bench`: every case (or one, or a learner's CSV), then start-up times; saves bench.json."""
    from casestudies import all_on_this_backend, check_backend, custom, load_case
    from utils import runs
    from utils.errors import KitError

    generic = name == "all" and bool(csv)  # a learner's CSV with the generic model
    if generic and not target:  # a case study's own model reads its own target by default
        raise KitError(
            "bench --csv FILE needs --target: the column to predict (or name the case study "
            "whose kind of data it holds: bench diabetes --csv FILE)."
        )
    if task and not generic:
        raise KitError(
            "--task goes with `bench --csv FILE --target COLUMN` (your own file); a case study "
            "keeps its own task. Drop --task."
        )
    if generic:
        task = task or "auto"
        cases = [(custom.case_for(csv, target, task), custom.build_model)]
    else:
        modules = all_on_this_backend("bench") if name == "all" else [load_case(name)]
        for module in modules:
            check_backend(module.CASE)  # before the folder is claimed
        cases, task = [(module.CASE, module.build_model) for module in modules], None
    if out:
        runs.check_out_dir(out)
    settings = experiment.Settings(csv=csv, target=target, task=task, quick=quick)
    # Written like a run folder: claimed before the work, it appears (with its complete.json)
    # only once bench.json is in; an error or Ctrl-C leaves nothing behind.
    with runs.writing("bench", out=out) as run:
        report = bench(cases, settings, seeds, custom=generic)
        if not csv:  # the kit's start-up on its own data; a learner's CSV bench is about the CSV
            report["startup"] = startup_report(quick)
        runs.write_json(run.staging / "bench.json", report)
    print(f"Saved to {run.final / 'bench.json'}")


if __name__ == "__main__":
    # Internal: the kit's measurements on the backend named by KERAS_BACKEND, as JSON on stdout.
    request = json.loads(sys.argv[1])
    from casestudies import custom, load_case

    if request["custom"]:
        case, build_model = (
            custom.case_for(request["csv"], request["target"], request["task"]),
            custom.build_model,
        )
    else:
        module = load_case(request["case"])
        case, build_model = module.CASE, module.build_model
    settings = experiment.Settings(
        csv=request["csv"], target=request["target"], task=request["task"], quick=request["quick"]
    )
    kit_plan, _, kit_data, _ = case_data(case, settings)
    print(
        json.dumps(
            [fit_keras(case, build_model, kit_data, kit_plan, seed) for seed in request["seeds"]]
        )
    )
