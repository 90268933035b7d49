"""What the grid search (`utils.grid`) and Keras Tuner (`utils.tuner`) share around a search.

Before it: the data path of a run (validated CSV -> split -> preprocessing fitted on the
training rows). After it: the best configuration retrained on the whole training split and
tested beside the default model, the naive baseline and the classic peers.
"""

from dataclasses import dataclass, replace

import pandas as pd

from utils import experiment, training
from utils.evaluation import METRIC_KEYS
from utils.hyperparameters import model_builder
from utils.report import format_table, side_by_side, verdict, wrap


@dataclass
class SearchSetup:
    plan: experiment.Plan
    data: experiment.Split
    build_model: object  # build_model with the data's width, task and class count filled in


def prepare(case, build_model, settings: experiment.Settings, say=print) -> SearchSetup:
    """The same data path as a run: checks, split, preprocessing fitted on training rows."""
    run_plan = experiment.plan(case, settings)
    notes, data = experiment.prepare_data(run_plan)
    for note in notes + [data.leakage_warning(case.metric)]:
        if note:
            say(wrap(note))
    return SearchSetup(run_plan, data, model_builder(build_model, data.preprocessor))


def shown(values: dict) -> str:
    """Hyperparameters on one line, numbers as typed (0.3, not 0.30000000000000004)."""
    return " ".join(
        f"{name}={value:.4g}" if isinstance(value, float) else f"{name}={value}"
        for name, value in sorted(values.items())
    )


def with_training(setup: SearchSetup, epochs: int, batch_size: int) -> experiment.Plan:
    """The search's plan with the epochs and batch size a configuration trains with."""
    recipe = replace(setup.plan.recipe, epochs=epochs, batch_size=batch_size)
    return replace(setup.plan, recipe=recipe)


def best_beside_default(case, setup, settings, best_hp: dict, best_fit, default_fit, label, say):
    """The best configuration and the default model, each trained on the whole training split
    (as a run trains, holding back its validation rows) and tested, then their test metrics
    side by side with the baseline's: (best plan, best, default)."""
    rows = len(setup.data.y_train)
    held_back = training.validation_rows(rows, setup.plan.validation_split)
    rows_said = f"the {rows} training rows" + (
        f" ({held_back} held back to choose the epoch, as a run does)" if held_back else ""
    )
    say(wrap(f"Retraining the best ({shown(best_hp | best_fit)}) and the default on {rows_said}"))
    trained = {}
    for name, hyperparameters, fit in (("best", best_hp, best_fit), ("default", None, default_fit)):
        plan = with_training(setup, fit["epochs"], fit["batch_size"])
        progress = None if settings.quiet else name  # "best: epoch 3/20  loss ...", in 80 columns
        trained[name] = (
            plan,
            experiment.train_and_evaluate(
                setup.build_model, setup.data, plan, hyperparameters, progress
            ),
        )
    (best_plan, best), (_, default) = trained["best"], trained["default"]
    peers = experiment.score_peers(setup.data, setup.plan)
    best.metrics["peers"] = default.metrics["peers"] = peers
    # Trained for the search's epochs, as the best was: say so, or it reads as `run`'s model.
    columns = {f"default ({default_fit['epochs']} epochs)": default.metrics, label: best.metrics}
    columns |= {default.metrics.get("baseline_name", "baseline"): default.metrics["baseline"]}
    columns |= peers
    say(side_by_side(columns, METRIC_KEYS[setup.data.preprocessor.task]))
    say(wrap(verdict(best.metrics, case.metric, case.why_peers_win)))
    return best_plan, best, default


def print_table(table: pd.DataFrame, say) -> None:
    say(format_table(list(table), table.astype(object).where(table.notna(), None).values.tolist()))
