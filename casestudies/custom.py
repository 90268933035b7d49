"""
Title: Your own CSV
Description: Any CSV, any target: the course's table of output layers and losses, as code.

`python -m casestudies fit --csv FILE --target COL [--task auto|binary|multiclass|regression]`
trains this model. The hidden layers are a small default; the output layer and the loss
follow from the task:

| problem    | output layer                | loss                            |
|------------|-----------------------------|---------------------------------|
| regression | 1 unit, linear              | mean squared error              |
| binary     | 1 unit, sigmoid             | binary cross-entropy            |
| multiclass | 1 unit per class, softmax   | sparse categorical cross-entropy |
"""

from utils.case import CaseStudy, Recipe

OUTPUTS = {
    # task: (output units, output activation, loss, metric Keras reports while training)
    "regression": (1, "linear", "mse", "mae"),
    "binary": (1, "sigmoid", "binary_crossentropy", "accuracy"),
    "multiclass": (None, "softmax", "sparse_categorical_crossentropy", "accuracy"),
}
TEST_SIZE = 0.2


def case_for(
    csv: str,
    target: str,
    task: str,
    *,
    recipe: str = "kit",
    stratify: bool | None = None,
    test_size: float | None = None,
    dedupe: bool = False,
) -> CaseStudy:
    """A case study declared on the spot for a learner's CSV (task "auto" is inferred from
    the target, checked with the split the run will make: the recipe's stratify unless
    `stratify` says otherwise, `test_size`, `dedupe`)."""
    from pathlib import Path

    course = Recipe(epochs=100, batch_size=32, scale=True, stratify=False, fast=False)
    kit = Recipe(epochs=100, batch_size=32, patience=20)
    if task == "auto":
        from utils.data import load_dataset

        chosen = course if recipe == "course" else kit
        task = load_dataset(
            csv,
            target,
            "auto",
            test_size=TEST_SIZE if test_size is None else test_size,
            stratify=chosen.stratify if stratify is None else stratify,
            dedupe=dedupe,
        ).task

    return CaseStudy(
        # No leading dot: runs/.data-DATE would be a hidden folder.
        name=Path(csv).stem.replace(" ", "_").lstrip(".") or "custom",
        title=f"{Path(csv).name}: {target}",
        task=task,
        data_file=csv,
        target=target,
        metric="rmse" if task == "regression" else "accuracy",
        test_size=TEST_SIZE,
        split_seed=0,
        course=course,
        kit=kit,
    )


def build_model(hp, task, num_classes=2):
    """Two hidden ReLU layers, then the output layer and loss the task calls for."""
    import keras  # here, not at the top: `list` and `--help` answer without loading TensorFlow

    units, activation, loss, metric = OUTPUTS[task]
    hidden_activation = hp.Choice("activation", ["relu", "tanh"], default="relu")
    model = keras.Sequential()
    for layer in range(hp.Int("hidden_layers", 1, 3, default=2)):
        model.add(
            keras.layers.Dense(
                hp.Int(f"units_{layer + 1}", 4, 64, step=4, default=(32, 16, 16)[layer]),
                activation=hidden_activation,
            )
        )
    model.add(keras.layers.Dense(units or num_classes, activation=activation))
    optimizer = hp.Choice("optimizer", ["adam", "rmsprop", "sgd"], default="adam")
    learning_rate = hp.Choice("learning_rate", [1e-2, 1e-3, 1e-4], default=1e-3)
    model.compile(
        optimizer=keras.optimizers.get(
            {"class_name": optimizer, "config": {"learning_rate": learning_rate}}
        ),
        loss=loss,
        metrics=[metric],
    )
    return model
