"""Images as a case study's data: the shipped Fashion-MNIST subset (`data/fashion.npz`) or
digits (`data/digits.npz`), or a user's own PNG and JPEG files, as arrays
(images, height, width, 1) of grey levels in [0, 1].

The scaling is a fixed division by the highest grey level, full ink (255; the digits' is 16):
nothing is fitted on the training images, so nothing about the test images can leak into it.
The peers a CNN must beat are logistic regression on the raw pixels and a dense network (an
MLP) of about the CNN's size, trained the same way.
"""

import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from utils.case import QUICK_IMAGES
from utils.errors import KitError

ARRAYS = ("x_train", "y_train", "x_test", "y_test", "class_names")  # and max_level, if not 255
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
MLP_UNITS = 64  # 784 -> 64 -> 10: about the weights of the fashion CNN (50,900 vs 56,700)


@dataclass
class ImagePreprocessor:
    """The image size, grey levels and class names; saved as JSON in the run folder, like a
    table's. A generator's input is not an image but `latent_size` random numbers."""

    classes: list[str]
    height: int
    width: int
    kind: str = "images"
    task: str = "multiclass"  # or reconstruction, generation (utils.generative)
    max_level: int = 255  # the grey level of full ink: it becomes 1.0
    latent_size: int = 0  # generation: the numbers the generator (or decoder) reads

    @property
    def image_shape(self) -> tuple:
        return (self.height, self.width, 1)

    @property
    def input_shape(self) -> tuple:
        return (self.latent_size,) if self.task == "generation" else self.image_shape

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def feature_names(self) -> list[str]:
        return [
            f"pixel_{row}_{column}" for row in range(self.height) for column in range(self.width)
        ]

    def transform(self, images: np.ndarray) -> np.ndarray:
        """Grey levels 0 to max_level as float32 in [0, 1], with a channel axis:
        (n, height, width, 1)."""
        return (np.asarray(images, dtype="float32") / self.max_level)[..., np.newaxis]

    def decode_labels(self, class_indices) -> list[str]:
        return [self.classes[index] for index in class_indices]

    def target_values(self, values):
        return values

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "ImagePreprocessor":
        return cls(**values)


def read_npz(path) -> dict[str, np.ndarray]:
    """The arrays of an image case's .npz, checked: uint8 images, labels naming the classes."""
    path = Path(path)
    if not path.is_file():
        raise KitError(
            f"Image data not found: {path}. Restore it from the repository (git checkout -- "
            f"{path.name}), or rebuild it with data/export_data.py."
        )
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in (*ARRAYS, "max_level") if name in archive}
    except (OSError, ValueError) as error:
        raise KitError(f"{path} is not a readable .npz file ({error}).") from None
    if missing := [name for name in ARRAYS if name not in arrays]:
        raise KitError(f"{path} lacks the array(s) {', '.join(missing)}: it is not kit data.")
    classes = len(arrays["class_names"])
    max_level = int(arrays.get("max_level", 255))
    for part in ("train", "test"):
        images, labels = arrays[f"x_{part}"], arrays[f"y_{part}"]
        if images.ndim != 3 or images.dtype != np.uint8 or len(images) != len(labels):
            raise KitError(f"{path}: x_{part} must be (images, height, width) of uint8.")
        if not 0 < max_level or images.max() > max_level:
            raise KitError(f"{path}: x_{part} holds grey levels above max_level {max_level}.")
        if labels.min() < 0 or labels.max() >= classes:
            raise KitError(f"{path}: y_{part} holds labels outside the {classes} class names.")
    return arrays


def load_split(plan):
    """The shipped training and test images, scaled, with their labels: (notes, a `Split`)."""
    from utils.experiment import Split

    arrays = read_npz(plan.csv)
    notes = []
    if (
        plan.quick and len(arrays["y_train"]) > QUICK_IMAGES
    ):  # checks that everything runs; the arrays are in shuffled order already
        notes.append(
            f"Quick: the first {QUICK_IMAGES:,} of {len(arrays['y_train']):,} training images "
            f"and {QUICK_IMAGES // 4:,} of {len(arrays['y_test']):,} test images."
        )
        for part, count in (("train", QUICK_IMAGES), ("test", QUICK_IMAGES // 4)):
            for name in (f"x_{part}", f"y_{part}"):
                arrays[name] = arrays[name][:count]
    height, width = arrays["x_train"].shape[1:]
    preprocessor = ImagePreprocessor(
        [str(name) for name in arrays["class_names"]],
        height,
        width,
        task=plan.task,
        max_level=int(arrays.get("max_level", 255)),
    )
    return notes, Split(
        train=None,
        test=None,
        preprocessor=preprocessor,
        X_train=preprocessor.transform(arrays["x_train"]),
        y_train=arrays["y_train"].astype("int64"),
        X_test=preprocessor.transform(arrays["x_test"]),
        y_test=arrays["y_test"].astype("int64"),
        test_rows_in_train=count_test_images_in_train(arrays["x_train"], arrays["x_test"]),
    )


def count_test_images_in_train(train: np.ndarray, test: np.ndarray) -> int:
    """How many test images are pixel for pixel the same as a training image."""
    seen = {image.tobytes() for image in train}
    return sum(image.tobytes() in seen for image in test)


def image_files(paths: list[str]) -> list[Path]:
    """The image files named, a folder standing for the images in it."""
    files = []
    for given in map(Path, paths):
        if given.is_dir():
            inside = sorted(p for p in given.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            if not inside:
                raise KitError(f"{given} holds no PNG or JPEG files.")
            files += inside
        elif given.is_file():
            files.append(given)
        else:
            raise KitError(f"Image file not found: {given}. Check the path.")
    return files


def read_images(paths: list[str], preprocessor: ImagePreprocessor):
    """A user's images as the model's input: grey, resized to the training size, and light on
    dark like the training images (a photo of a dark object on a light background is inverted,
    and said). Returns (inputs, file names, notes)."""
    from PIL import Image, UnidentifiedImageError

    files, images, inverted = image_files(paths), [], []
    for path in files:
        try:
            with Image.open(path) as image:
                grey = image.convert("L").resize((preprocessor.width, preprocessor.height))
        except (UnidentifiedImageError, OSError):
            raise KitError(
                f"{path} is not an image Pillow can read. Give PNG or JPEG files."
            ) from None
        pixels = np.asarray(grey, dtype="float32")  # 0 to 255, whatever the training levels
        border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
        if border.mean() > 127:  # the training images show a light object on a black background
            pixels = 255 - pixels
            inverted.append(path.name)
        images.append(pixels)
    notes = []
    if inverted:
        notes.append(
            f"Inverted {len(inverted)} image(s) with a light background "
            f"({', '.join(inverted[:5])}{'...' if len(inverted) > 5 else ''}): the model learned "
            "from light objects on black."
        )
    levels = np.stack(images) * (preprocessor.max_level / 255)
    return preprocessor.transform(levels), [str(path) for path in files], notes


def build_mlp(hp, input_shape=(28, 28, 1), num_classes=10):
    """The dense peer, a `build_model(hp)` like the cases' own: the image flattened, one hidden
    layer of MLP_UNITS, a softmax; compiled like the CNN (Adam at 1e-3)."""
    import keras

    model = keras.Sequential(
        [
            keras.Input(shape=input_shape),
            keras.layers.Flatten(),
            keras.layers.Dense(MLP_UNITS, activation="relu"),
            keras.layers.Dense(num_classes, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


PEERS = ("logistic_regression", "mlp")


def peers(data, run_plan, only: str | None = None) -> dict[str, dict]:
    """Logistic regression on the raw pixels and an MLP trained with the CNN's recipe, on the
    same training images, scored on the same test images (or just the peer named `only`)."""
    from utils.evaluation import score

    results = {}
    for name in PEERS if only is None else (only,):
        labels, probabilities = {"logistic_regression": logistic, "mlp": train_mlp}[name](
            data, run_plan
        )
        results[name] = score("multiclass", data.y_test, labels, probabilities)
    return results


def logistic(data, run_plan):
    """Logistic regression on the flattened pixels: test labels and probabilities."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    flat_train = data.X_train.reshape(len(data.X_train), -1)
    flat_test = data.X_test.reshape(len(data.X_test), -1)
    # 50 iterations, stopped before lbfgs converges: test accuracy is the same at 200 (0.836)
    # and it takes 3 s instead of 14 on two cores.
    model = LogisticRegression(C=0.1, max_iter=50)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(flat_train, data.y_train)
    probabilities = model.predict_proba(flat_test)
    return probabilities.argmax(axis=1), probabilities


def train_mlp(data, run_plan):
    """The MLP, trained and tested exactly as the CNN is (epochs, batch, early stopping, seed)."""
    from utils.experiment import train_and_evaluate

    trained = train_and_evaluate(build_mlp, data, run_plan)
    return trained.y_pred, trained.scores


def figures(model, data, trained, title: str) -> dict:
    """A grid of test images (mistakes marked), the first layer's filters and one image's
    feature maps, besides the learning curves and the confusion matrix."""
    import keras

    from utils import plots

    conv = next(layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D))
    maps = keras.ops.convert_to_numpy(conv(data.X_test[:1]))[0]
    return {
        "test_images": plots.image_grid(
            data.X_test[..., 0], data.y_test, trained.y_pred, data.preprocessor.classes, title
        ),
        "filters": plots.filters(keras.ops.convert_to_numpy(conv.kernel), title),
        "feature_maps": plots.feature_maps(data.X_test[0, ..., 0], maps, title),
    }
