"""What a case study is: its data, its task and the recipes it trains with."""

from dataclasses import dataclass, field
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
TASKS = ("binary", "multiclass", "regression")
# Unit 4's tasks, learned from images alone (utils.generative): no target column, no classes.
GENERATIVE_TASKS = ("reconstruction", "generation")
# What one example is: a row of a CSV, an image (the .npz of data/), or a point of a time series.
EXAMPLES = {"table": "rows", "images": "images", "series": "windows"}  # what a report counts
RECIPES = ("kit", "course")

# The --quick budgets: enough to check that everything runs end to end, not to learn anything.
QUICK_EPOCHS = 5  # a quick run's training
QUICK_SEARCH_EPOCHS = 3  # each fit of a quick grid search, tuner trial or benchmark
QUICK_TRIALS = 2  # trials of a quick Keras Tuner search
DEFAULT_TRIALS = 10  # trials of a search when --max-trials is not given (Hyperband sets its own)
QUICK_GRID_POINTS = 2  # configurations of a quick grid search, each fitted on...
QUICK_FOLDS = 2  # ...this many folds
QUICK_IMAGES = 2000  # training images of a quick image run (and a quarter as many test images)


@dataclass(frozen=True)
class Recipe:
    """How to train: the course's way, or the kit's (scaled inputs, stratified split, fast loop)."""

    epochs: int
    batch_size: int = 32
    scale: bool = True
    stratify: bool = True
    fast: bool = True
    # Early stopping: stop once the validation loss has not improved for this many epochs, and
    # keep the weights of its best epoch (None: train every epoch, keep the last weights).
    patience: int | None = None
    # Values this recipe gives `build_model`'s hyperparameters; the others keep their defaults
    # (which are the kit's: a course recipe names where the course's model differs).
    model_hyperparameters: dict = field(default_factory=dict)


@dataclass(frozen=True)
class CaseStudy:
    """A case study's declaration: everything but the model, which is its `build_model(hp)`."""

    name: str
    title: str
    task: str
    data_file: str
    target: str
    metric: str
    test_size: float
    split_seed: int
    course: Recipe
    kit: Recipe
    description: str = ""
    objective: str = "val_loss"  # what Keras Tuner minimises on the validation rows
    kind: str = "table"
    window: int = 0  # series: how many past values each forecast sees
    unit: str = ""  # series: the shipped data's unit, for the figures (a --csv's is unknown)
    # Why the classic peers may win, said under the table when they do (None: the table's
    # reason, utils.report.WHY_PEERS_WIN); "{n_train}" is filled in.
    why_peers_win: str | None = None
    # Why it may lose to the naive baseline (None: utils.report.NOT_LEARNED); "{naive}" is
    # filled in.
    not_learned: str | None = None
    # Trains with its own `train_step` written with TensorFlow's GradientTape, as keras-io's.
    needs_tensorflow: bool = False

    @property
    def data_path(self) -> Path:
        return DATA_DIR / self.data_file

    def recipe(self, name: str) -> Recipe:
        return self.course if name == "course" else self.kit
