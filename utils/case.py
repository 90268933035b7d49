"""What a case study is: its data, its task and the recipes it trains with."""

from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
TASKS = ("binary", "multiclass", "regression")
RECIPES = ("kit", "course")


@dataclass(frozen=True)
class Recipe:
    """How to train: the course's way, or the kit's (scaled inputs, stratified split, fast loop)."""

    epochs: int
    batch_size: int = 32
    scale: bool = True
    stratify: bool = True
    fast: bool = True


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

    @property
    def data_path(self) -> Path:
        return DATA_DIR / self.data_file

    def recipe(self, name: str) -> Recipe:
        return self.course if name == "course" else self.kit
