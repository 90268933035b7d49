"""What a run writes into its folder: everything needed to repeat it (config), its numbers
(metrics, history), the model and its preprocessing, and the figures.

`utils.runs.writing` gives the folder (claimed, written atomically); `utils.loading` opens it.
"""

import platform
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from utils.preprocessing import Preprocessor
from utils.runs import PREPROCESSING_FILE, write_json


def write_run(
    run_dir: Path,
    *,
    config: dict,
    metrics: dict,
    history: dict,
    networks: dict,
    preprocessor: Preprocessor,
    figures: dict,
) -> None:
    """`networks` by file name: "model" (model.keras) is the one `predict` loads."""
    write_json(run_dir / "config.json", config)
    write_json(run_dir / "metrics.json", metrics)
    pd.DataFrame(history).to_csv(run_dir / "history.csv", index=False)
    write_json(run_dir / PREPROCESSING_FILE, preprocessor.to_dict())
    for name, network in networks.items():
        network.save(run_dir / f"{name}.keras")
    from utils import plots

    for name, figure in figures.items():
        plots.save(figure, run_dir / f"{name}.png")


def versions() -> dict:
    import keras

    return {
        "python": platform.python_version(),
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "numpy": np.__version__,
    }


def save_run(
    run_dir,
    case,
    run_plan,
    data,
    trained,
    recipe_name: str = "kit",
    title: str | None = None,
    **extra,
) -> None:
    """Write a run folder: config (everything needed to repeat it),
    metrics, history, model, preprocessing, figures."""
    from utils import plots
    from utils.experiment import data_module

    task = data.preprocessor.task
    config = {
        "case": case.name,
        "csv": str(Path(run_plan.csv).resolve()),
        "target": run_plan.target,
        "task": task,
        "recipe": recipe_name,
        **asdict(run_plan.recipe),
        "test_size": run_plan.test_size,
        "split_seed": run_plan.split_seed,
        "seed": run_plan.seed,
        "validation_split": run_plan.validation_split,
        "dedupe": run_plan.dedupe,
        "hyperparameters": trained.hyperparameters,
        **extra,
        "versions": versions(),
    }
    figures = plots.task_figures(
        task,
        trained.training.history,
        data.preprocessor.target_values(data.y_test),
        trained.y_pred,
        trained.scores,
        data.preprocessor.classes,
        title or case.name,
        trained.training.best_epoch,
    )
    if case.kind != "table":  # the images' or the series' own figures
        module = data_module(case.kind)
        figures |= module.figures(trained.model, data, trained, title or case.name)
    write_run(
        run_dir,
        config=config,
        metrics=trained.metrics,
        history=trained.training.history,
        networks={"model": trained.model},
        preprocessor=data.preprocessor,
        figures=figures,
    )
