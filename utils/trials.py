"""Keras Tuner's trials, after a search: ranked, saved and drawn, and the best one retrained
and tested beside the default model."""

import re

import numpy as np
import pandas as pd

from utils import runs, saving
from utils.errors import KitError
from utils.search import best_beside_default, print_table


def direction(objective: str) -> str:
    return "max" if "accuracy" in objective or "auc" in objective else "min"


def searched_values(hp) -> dict:
    """A trial's hyperparameters, without Keras Tuner's own bookkeeping (`tuner/epochs`, ...)
    and without the units of layers the model does not have: Keras Tuner samples `units_3`
    even when `hidden_layers` is 1."""
    values = {name: value for name, value in hp.values.items() if not name.startswith("tuner/")}
    layers = values.get("hidden_layers")
    return {
        name: value
        for name, value in values.items()
        if not (layers is not None and (unit := re.fullmatch(r"units_(\d+)", name)))
        or int(unit.group(1)) <= layers
    }


def trials_table(trials: dict, objective: str) -> pd.DataFrame:
    """Every trial of an oracle, best first: rank, trial id, hyperparameters, score, status."""
    rows = []
    for trial_id, trial in sorted(trials.items()):
        status = str(trial.status).lower().replace("failed", "diverged")
        score = trial.score if trial.score is not None and np.isfinite(trial.score) else None
        values = searched_values(trial.hyperparameters)
        if "tuner/epochs" in trial.hyperparameters.values:  # Hyperband: this trial's budget
            values["epochs"] = trial.hyperparameters.values["tuner/epochs"]
        rows.append({"trial": trial_id, **values, "score": score, "status": status})
    table = pd.DataFrame(rows)
    names = sorted(column for column in table if column not in ("trial", "score", "status"))
    for name in names:
        values = table[name].dropna()
        if (
            len(values)
            and pd.api.types.is_numeric_dtype(values)
            and all(float(value).is_integer() for value in values)
        ):
            table[name] = table[name].astype("Int64")  # 16, not 16.0, where a layer is missing
    table = table[["trial", *names, "score", "status"]].sort_values(
        "score", ascending=direction(objective) == "min", na_position="last", kind="stable"
    )
    table.insert(0, "rank", range(1, len(table) + 1))
    return table.reset_index(drop=True)


def on_screen(table: pd.DataFrame) -> pd.DataFrame:
    """The trials table narrowed for an 80-column screen: its rows' order gives the rank;
    per-layer hyperparameters are one column, layer by layer (units_1, units_2, units_3 as
    `units` "16 10 8"); a trial without a score shows why (diverged, running...) instead."""
    shown = table.assign(score=table["score"].astype(object).fillna(table["status"]))
    shown = shown.drop(columns=["rank", "status"])
    per_layer = {}
    for column in shown:
        if layer := re.fullmatch(r"(.+)_(\d+)", column):
            per_layer.setdefault(layer.group(1), []).append(column)
    for stem, columns in per_layer.items():
        if len(columns) < 2 or stem in shown:
            continue
        columns.sort(key=lambda column: int(column.rsplit("_", 1)[1]))
        layers = shown[columns].apply(
            lambda row: " ".join(str(value) for value in row if pd.notna(value)), axis=1
        )
        at = shown.columns.get_loc(columns[0])
        shown = shown.drop(columns=columns)
        shown.insert(at, stem, layers)
    return shown


def report(case, setup, tuner, search_dir, record: dict, settings, say) -> dict:
    """The trials ranked, saved and drawn; the best retrained and tested beside the default,
    saved as a new `best_model-DATE/` holding this report's `comparison.json` (the search
    folder's `comparison.json` is the latest one, naming its folder)."""
    from utils import plots

    table = trials_table(tuner.oracle.trials, case.objective)
    table.to_csv(search_dir / "trials.csv", index=False)
    table.to_json(search_dir / "trials.json", orient="records", indent=2)
    say(f"Trials, best {case.objective} first:")
    print_table(on_screen(table).rename(columns={"score": case.objective}), say)
    figures = plots.trial_figures(
        table.drop(columns="rank"), case.objective, direction(case.objective)
    )
    for name, figure in figures.items():
        plots.save(figure, search_dir / f"{name}.png")
    completed = table[table["score"].notna()]
    if completed.empty:
        raise KitError(
            f"All {len(table)} trials failed or diverged, so there is no best model. "
            "Try smaller learning rates, or check the data."
        )
    best_trial = tuner.oracle.trials[completed.iloc[0]["trial"]]
    best_hp = searched_values(best_trial.hyperparameters)
    say(f"Best: trial {best_trial.trial_id}")
    fit = {"epochs": record["epochs"], "batch_size": record["batch_size"]}
    trial_plan, best, default = best_beside_default(
        case, setup, settings, best_hp, fit, fit, "tuned", say
    )
    comparison = {"default": default.metrics, "tuned": best.metrics}
    session = {**comparison, "best_hyperparameters": best_hp}
    with runs.writing("best_model", search_dir, option=None) as run:
        # Each session's report stays with the model it describes, so a resume loses none.
        runs.write_json(run.staging / "comparison.json", session)
        saving.save_run(
            run.staging,
            case,
            trial_plan,
            setup.data,
            best,
            title=f"{case.name} (best)",
            search={"kind": record["tuner"], "folder": str(search_dir)},
        )
    best_dir = run.final
    runs.write_json(search_dir / "comparison.json", {**session, "best_model": best_dir.name})
    say(f"Saved to {search_dir}\nBest model (a run folder, for predict):\n  {best_dir}")
    return {
        "search_dir": search_dir,
        "best_dir": best_dir,
        "table": table,
        "best_hyperparameters": best_hp,
        **comparison,
    }
