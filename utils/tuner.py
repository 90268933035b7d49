"""Keras Tuner over a case study's own `build_model(hp)`, in a search folder that can be resumed.

Trials are scored on validation rows held out from the training rows; the best is retrained
on the whole training split and tested beside the default model. A trial whose loss becomes
NaN fails and is never chosen. The trials can run in a chief and workers (`utils.distributed`).
"""

import contextlib
import io
import json
import sys
import textwrap
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np

from utils import distributed, runs
from utils.case import DEFAULT_TRIALS, QUICK_SEARCH_EPOCHS, QUICK_TRIALS
from utils.errors import KitError
from utils.hyperparameters import search_space
from utils.keras_setup import import_keras, seed_everything
from utils.report import WIDTH
from utils.search import prepare, shown
from utils.training import hold_out_validation, train
from utils.trials import direction, report, searched_values

import_keras()
import keras_tuner  # noqa: E402  (after the quiet Keras import)


# Keras Tuner saves a trial's and the oracle's state by truncating the file and writing it:
# a Ctrl-C in between left an empty trial.json that --resume could not read.
def _save_json_whole(path, obj):
    text = json.dumps(obj)
    runs.write_atomically(path, text)
    return text  # as Keras Tuner's own save_json does


keras_tuner.src.utils.save_json = _save_json_whole

# Hyperband continues a trial from its parent's weights with a fresh optimizer, as intended.
warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")

TUNERS, SEARCH_FILE = distributed.TUNERS, distributed.SEARCH_FILE
SEARCHES_ROOT = "searches"  # where a new search's folder goes, beside runs/
HYPERBAND_MANY_TRIALS = 100  # a Hyperband search with more trials says how to make fewer


class CaseHyperModel(keras_tuner.HyperModel):
    """The case's `build_model(hp)`, trained by the kit's loop; a diverged trial fails."""

    def __init__(self, build_model, objective: str, batch_size: int, seed: int, say=print):
        super().__init__(name="case_study")
        self.build_model, self.objective, self.batch_size = build_model, objective, batch_size
        self.seed, self.say = seed, say

    def build(self, hp):
        seed_everything(self.seed)  # same seed, same initial weights, same trials
        return self.build_model(hp)

    def fit(self, hp, model, x, y, validation_data=None, callbacks=None, epochs=1, **kwargs):
        training = train(
            model,
            x,
            y,
            epochs=max(1, epochs - kwargs.get("initial_epoch", 0)),
            batch_size=self.batch_size,
            validation_data=validation_data,
            callbacks=callbacks,
            seed=self.seed,
            progress_label=None,
        )
        history = training.history
        values = shown(searched_values(hp))
        scores = np.asarray(history.get(self.objective) or [np.nan], dtype=float)
        losses = np.asarray(history.get("loss") or [np.nan], dtype=float)
        if not (np.isfinite(scores).all() and np.isfinite(losses).all()):
            self.say(f"  trial diverged ({values}): the loss became NaN or infinite; marked failed")
            raise keras_tuner.errors.FailedTrialError(
                "diverged: the loss became NaN or infinite (learning rate too high?)"
            )
        best = int(np.argmin(scores) if direction(self.objective) == "min" else np.argmax(scores))
        seconds = f"({training.fit_seconds:.1f}\N{NO-BREAK SPACE}s)"  # never wrapped apart
        line = f"trial: {values} -> {self.objective} {scores[best]:.4f} {seconds}"
        self.say(textwrap.fill(line, WIDTH, initial_indent="  ", subsequent_indent="    "))
        return {name: float(series[best]) for name, series in history.items() if name != "epoch"}


def make_tuner(kind: str, hypermodel, objective: str, directory, record: dict):
    common = dict(
        hypermodel=hypermodel,
        objective=keras_tuner.Objective(objective, direction(objective)),
        # Keras Tuner reads seed 0 as "no seed" and draws a random one (`seed or randint`), so
        # its oracle gets ours plus one: --seed 0, the default, must repeat its trials too.
        seed=record["seed"] + 1,
        executions_per_trial=record["executions_per_trial"],
        directory=str(directory),
        project_name="tuner",
        overwrite=False,  # a search folder is only ever added to; --resume continues it
        # Diverged trials are results to show, not a reason to stop.
        max_consecutive_failed_trials=record["max_trials"] + 1,
    )
    # A resumed tuner prints "Reloading Tuner from .../tuner0.json"; the kit says it in words.
    with contextlib.redirect_stdout(io.StringIO()):
        if kind == "hyperband":
            return keras_tuner.Hyperband(
                max_epochs=record["epochs"],
                factor=distributed.HYPERBAND_FACTOR,
                hyperband_iterations=1,  # so `distributed.hyperband_trials` counts its trials
                **common,
            )
        if kind == "bayesian":
            # Keras Tuner's own start is 3 random trials per hyperparameter (21 for iris): at
            # the usual 10 trials that is a random search. A third of the trials, at least 2.
            return keras_tuner.BayesianOptimization(
                max_trials=record["max_trials"],
                num_initial_points=max(2, record["max_trials"] // 3),
                **common,
            )
        tuner_class = {"random": keras_tuner.RandomSearch, "grid": keras_tuner.GridSearch}[kind]
        return tuner_class(max_trials=record["max_trials"], **common)


def check_resumable(search_dir, saved: dict, record: dict) -> dict:
    """A resumed search must mean what it meant when it began: same case and search space."""
    for key in ("case", "objective", "space"):
        if saved.get(key) != record[key]:
            raise KitError(
                f"Can't resume {search_dir}: its {'search space' if key == 'space' else key} has "
                f"changed since the search began (was {str(saved.get(key))[:80]}, now "
                f"{str(record[key])[:80]}). Start a new search (without --resume)."
            )
    return saved


def resumed_settings(case, resume, given: dict, settings):
    """A resumed search keeps the settings it began with: data, split, seed, tuner, budget; of
    the options `given` (search.json key -> value, None where not given) only max_trials may
    change. (saved record with the max_trials to run, tuner, settings)."""
    from utils.experiment import NOT_FOR_KIND

    saved = distributed.read_search(Path(resume))
    if saved["case"] != case.name:
        raise KitError(
            f"{resume} is a search of {saved['case']}, not {case.name}: resume it with "
            f"`python -m casestudies tune {saved['case']} --resume {resume}`."
        )
    saved = {**saved, "max_trials": distributed.check_resume(resume, saved, given)}
    # Images and series fix their own split: those options stay unset, as when it began.
    fixed = NOT_FOR_KIND.get(case.kind, {})
    kept = {
        key: saved[key]
        for key in ("target", "test_size", "split_seed", "dedupe", "seed")
        if key not in fixed
    }
    if case.kind != "images":  # an image case reads its own images, never a --csv
        kept["csv"] = distributed.data_path(resume, saved)
    # A quick image search took fewer images: its resume takes the same ones.
    return saved, saved["tuner"], replace(settings, quick=saved.get("quick", False), **kept)


def unfinished_searches(case_name: str, searches_root) -> list[Path]:
    """This case's search folders that were started but never reported (stopped, or running)."""
    return sorted(
        record.parent
        for record in Path(searches_root).glob(f"{case_name}-*/{SEARCH_FILE}")
        if not (record.parent / "comparison.json").exists()
    )


def tune(
    case,
    build_model,
    settings,
    *,
    kind: str | None = "random",
    max_trials: int | None = None,
    executions: int | None = None,
    epochs: int | None = None,
    resume=None,
    workers: int = 0,
    worker_command=None,
    say=print,
) -> dict | None:
    """A Keras Tuner search in its own folder; a fresh one unless `resume` names an earlier one.

    With `workers`, the trials run in a local chief and workers, each started with
    `worker_command(search_dir)` (an argv list). A chief or worker process returns None: the
    process that started them reports. Resuming, `max_trials` may grow the search (not below
    the trials done); any other option given (not None) must repeat what the search began with.
    """
    saved = None
    if resume is not None:
        given = {"tuner": kind, "max_trials": max_trials, "executions_per_trial": executions}
        saved, kind, settings = resumed_settings(
            case, resume, {**given, "epochs": epochs}, settings
        )
    kind = kind or "random"
    if kind not in TUNERS:
        raise KitError(f"Unknown tuner {kind!r}: choose one of {', '.join(TUNERS)}.")
    setup = prepare(case, build_model, settings, say)
    plan = setup.plan
    record = {
        "case": case.name,
        "csv": plan.csv,
        "target": plan.target,
        "tuner": kind,
        "objective": case.objective,
        "max_trials": max_trials or (QUICK_TRIALS if settings.quick else DEFAULT_TRIALS),
        "executions_per_trial": executions or 1,
        "epochs": epochs or (QUICK_SEARCH_EPOCHS if settings.quick else plan.recipe.epochs),
        "batch_size": plan.recipe.batch_size,
        "seed": plan.seed,
        "test_size": plan.test_size,
        "split_seed": plan.split_seed,
        "dedupe": plan.dedupe,
        "quick": plan.quick,
        "space": search_space(setup.build_model),
    }
    if saved is not None:
        record = check_resumable(resume, saved, record)
    distributed.check_workers(
        workers, distributed.search_trials(kind, record["max_trials"], record["epochs"])
    )
    if saved is None:
        if distributed.role() is None:
            for unfinished in unfinished_searches(case.name, SEARCHES_ROOT):
                say(
                    f"{unfinished} holds an unfinished search of {case.name}: this starts a new "
                    f"one (to continue that one instead: tune {case.name} --resume {unfinished})"
                )
        search_dir = runs.new_run_dir(f"{case.name}-{kind}", SEARCHES_ROOT)
    else:
        search_dir = Path(resume)
    with distributed.search_lock(search_dir):
        if saved is None:
            record |= distributed.data_record(plan.csv, search_dir)
            runs.write_json(search_dir / SEARCH_FILE, record)
        elif record["max_trials"] != distributed.read_search(search_dir)["max_trials"]:
            runs.write_json(search_dir / SEARCH_FILE, record)  # a resume that adds trials
        return _search(
            case, setup, settings, kind, record, search_dir, workers, worker_command, say
        )


def _search(case, setup, settings, kind, record, search_dir, workers, worker_command, say):
    """The trials of a locked search folder, then (alone, or in the process that started the
    chief and workers) the report."""
    plan = setup.plan
    (X_fit, y_fit), validation = hold_out_validation(
        setup.data.X_train, setup.data.y_train, plan.validation_split
    )
    hypermodel = CaseHyperModel(
        setup.build_model, case.objective, record["batch_size"], record["seed"], say=say
    )
    tuner = make_tuner(kind, hypermodel, case.objective, search_dir, record)
    if distributed.role() is None:
        done = sum(
            trial.status in ("COMPLETED", "FAILED", "INVALID")
            for trial in tuner.oracle.trials.values()
        )
        left = max(
            0, distributed.search_trials(kind, record["max_trials"], record["epochs"]) - done
        )
        left = f"at most {left} left" if kind == "hyperband" else f"{left} left"
        trials_done = f"{done} trial{'' if done == 1 else 's'} done"
        say(f"Search folder {search_dir}\n{kind.capitalize()} search: {trials_done}, {left}")
        trials = distributed.hyperband_trials(record["epochs"])
        if kind == "hyperband" and done == 0 and trials > HYPERBAND_MANY_TRIALS:
            say(
                f"Hyperband's trials grow with the epochs: up to {record['epochs']} epochs a trial "
                f"make {trials} trials; --epochs 30 makes {distributed.hyperband_trials(30)}."
            )
    try:
        reports = distributed.run_trials(
            lambda: tuner.search(
                X_fit, y_fit, validation_data=validation, epochs=record["epochs"], verbose=0
            ),
            search_dir,
            workers,
            worker_command,
            say,
        )
    except KeyboardInterrupt as stop:
        print(
            "\nInterrupted. Continue where it stopped with: "
            f"python -m casestudies tune {case.name} --resume {search_dir}",
            file=sys.stderr,
        )
        raise runs.SearchInterrupted(stop) from None
    if not reports:
        return None
    if workers:  # the chief saved the oracle's state after every trial: read it back
        tuner = make_tuner(kind, hypermodel, case.objective, search_dir, record)
    return report(case, setup, tuner, search_dir, record, settings, say)
