# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Fashion: image recognition with a CNN
#
# Which of ten kinds of clothing is in this 28×28 grey image? A **convolutional network** (a
# CNN) slides small filters over the image to find edges, then shapes, and a dense layer with a
# softmax names the garment.
#
# The data are a stratified subset of Zalando's
# [Fashion-MNIST](https://github.com/zalandoresearch/fashion-mnist) (MIT licence): 1,000
# training images of each class from its training set and 200 test images of each from its
# test set, in `data/fashion.npz`.
#
# **You will learn to:** load arrays with `np.load`; scale images and add the channel axis a
# `Conv2D` layer expects; train a CNN with early stopping; read the confusion matrix; look
# inside the network at its filters and feature maps; and judge it beside logistic regression
# and a dense network of about the same size.

# %% [markdown]
# ## Setup
# The kit's `import_keras()` imports Keras and hides TensorFlow's start-up log lines (a plain
# `import keras` works too, with a few harmless lines of noise). It comes first, so that
# nothing else loads TensorFlow before it.

# %%
from utils.keras_setup import import_keras

keras = import_keras()

import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import ConfusionMatrixDisplay, accuracy_score, f1_score

from casestudies import fashion
from utils import exercises, plots

# %% [markdown]
# ## Hyperparameters and settings
# Change these and run the notebook again.

# %% tags=["parameters"]
num_epochs = 20
patience = 3  # early stopping: epochs without a better validation loss
batch_size = 32
seed = 0  # the networks' initial weights and the order of their batches
quick = False  # True: 2,000 training images, and the command line too (the tests set it)

# %% [markdown]
# ## Prepare the data
# The case study declares where its data file is (`fashion.CASE.data_path`, in `data/`). A
# `.npz` file is a zip of NumPy arrays, read back by name with `np.load`: the images as
# (images, height, width) grey levels from 0 (black) to 255 (white), their labels 0-9, and the
# ten class names.

# %%
with np.load(fashion.CASE.data_path) as archive:
    x_train, y_train = archive["x_train"], archive["y_train"]
    x_test, y_test = archive["x_test"], archive["y_test"]
    class_names = list(archive["class_names"])
if quick:  # the tests' short run, as the command line's --quick: the first 2,000 training images
    x_train, y_train, x_test, y_test = x_train[:2000], y_train[:2000], x_test[:500], y_test[:500]
print("training images:", x_train.shape, x_train.dtype, " test images:", x_test.shape)
print("grey levels from", x_train.min(), "to", x_train.max())
print("images per class (training):", np.bincount(y_train).tolist())
print(dict(enumerate(class_names)))

# %% [markdown]
# Look at the data before learning from it: the first image of each class, with its name.

# %%
fig, axes = plt.subplots(2, 5, figsize=(10, 4.6))
for label, axis in enumerate(axes.ravel()):
    first = np.flatnonzero(y_train == label)[0]
    axis.imshow(x_train[first], cmap="gray")
    axis.set_title(f"{label}: {class_names[label]}", fontsize=10)
    axis.axis("off")
fig.suptitle("Fashion: one training image of each class")
plt.show()

# %% [markdown]
# ### The split and the scaling
# The split is fixed: Zalando's test images were never in its training set, so we keep them as
# the test images and do not shuffle the two together.
#
# Dividing by 255 puts the grey levels in [0, 1]. It is a fixed rule, not fitted on the
# training images, so nothing about the test images can leak into it. `Conv2D` expects one
# more axis, the **channels** (3 for colour, 1 for grey): `[..., np.newaxis]` turns
# (images, 28, 28) into (images, 28, 28, 1).

# %%
X_train = (x_train.astype("float32") / 255)[..., np.newaxis]
X_test = (x_test.astype("float32") / 255)[..., np.newaxis]
print("X_train:", X_train.shape, X_train.dtype, " X_test:", X_test.shape)

# %% [markdown]
# ## Build the model
# A `keras.Sequential` stack: two blocks of a convolution (`Conv2D`: 16, then 32 filters of 3×3
# pixels, ReLU) and a 2×2 max pooling (`MaxPooling2D`), then `Flatten`, a dense layer of 64
# ReLU units and a softmax over the ten classes; Adam at 1e-3 and sparse categorical
# cross-entropy (the labels are integers).
#
# Read the output shapes in the summary: a 3×3 filter without padding fits 26 times across 28
# pixels, pooling halves that to 13, the second convolution leaves 11 and the second pooling 5.
# A convolution's weights are only its filters (3×3×16 + 16 biases = 160 in the first layer),
# whatever the size of the image: the same filter is used at every position.

# %%
keras.utils.set_random_seed(seed)  # the same seed gives the same initial weights
model = keras.Sequential(
    [
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Conv2D(16, kernel_size=3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(32, kernel_size=3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(len(class_names), activation="softmax"),
    ]
)
model.compile(
    optimizer=keras.optimizers.Adam(learning_rate=1e-3),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
model.summary()

# %% [markdown]
# The command line builds this same model from `build_model(hp)` in `casestudies/fashion.py`,
# where the filters, their size, the padding, the dense units and dropout are hyperparameters
# that a search can vary; the tests check that the two build the same layers.

# %% [markdown]
# ## Train
# `validation_split=0.2` holds back the last 20% of the training images (2,000), scored after
# every epoch and never learnt from.
#
# **Early stopping.** The `EarlyStopping` callback watches the validation loss: once it has not
# improved for `patience` epochs, training stops, and `restore_best_weights=True` puts back the
# weights of the best epoch. On 8,000 images this CNN starts to overfit after a few epochs.

# %%
early_stopping = keras.callbacks.EarlyStopping(
    monitor="val_loss", patience=patience, restore_best_weights=True
)
start = time.perf_counter()
history = model.fit(
    X_train,
    y_train,
    epochs=num_epochs,
    batch_size=batch_size,
    validation_split=0.2,
    callbacks=[early_stopping],
    verbose=0,
)
fit_seconds = time.perf_counter() - start
best_epoch = early_stopping.best_epoch + 1  # Keras counts epochs from 0
print(f"{len(history.epoch)} epochs in {fit_seconds:.1f} s; kept the weights of epoch {best_epoch}")
curves = pd.DataFrame(history.history, index=np.arange(1, len(history.epoch) + 1))
fig, (loss_axis, accuracy_axis) = plt.subplots(1, 2, figsize=(11, 4))
curves[["loss", "val_loss"]].plot(ax=loss_axis, xlabel="epoch", ylabel="loss", grid=True)
curves[["accuracy", "val_accuracy"]].plot(ax=accuracy_axis, xlabel="epoch", grid=True)
for axis in (loss_axis, accuracy_axis):
    axis.axvline(best_epoch, color="grey", linestyle="--", label=f"kept: epoch {best_epoch}")
    axis.legend()
fig.suptitle("Fashion: learning curves")
plt.show()

# %% [markdown]
# ## Evaluate on the test images

# %%
test_loss, test_accuracy = model.evaluate(X_test, y_test, verbose=0)
print(f"test loss {test_loss:.3f}, test accuracy {test_accuracy:.3f}")

# %% [markdown]
# The softmax gives ten probabilities per image; `argmax` picks the most probable class. The
# grid shows the first 25 test images, each titled "predicted (true)", the mistakes in red.

# %%
probabilities = model.predict(X_test, verbose=0)
y_pred = probabilities.argmax(axis=1)
plots.image_grid(X_test, y_test, y_pred, class_names, "Fashion")
plt.show()

# %% [markdown]
# The confusion matrix counts, for each true class (a row), where its 200 test images went.

# %%
ConfusionMatrixDisplay.from_predictions(
    y_test,
    y_pred,
    display_labels=class_names,
    xticks_rotation="vertical",
    cmap="Blues",
    colorbar=False,
)
plt.title("Fashion: test images")
plt.show()

# %% [markdown]
# Shirts are the hardest: they go to T-shirt/top, pullover and coat, garments with the same
# outline at 28×28. Trousers, bags and sandals are nearly always right; about a tenth of the
# sneakers are taken for ankle boots.
#
# ## Inside the network
# ### The first layer's filters
# Each of the 16 filters of the first `Conv2D` layer is a 3×3 grid of weights (its kernel,
# shaped (height, width, input channels, filters)). A filter responds most where the image
# looks like it: red weights want light pixels, blue ones dark pixels, so a filter red on one
# side and blue on the other is an edge detector.

# %%
first_convolution = model.layers[0]
kernel, bias = first_convolution.get_weights()
print("kernel:", kernel.shape, " bias:", bias.shape)
plots.filters(kernel, "Fashion")
plt.show()

# %% [markdown]
# ### One image's feature maps
# A `keras.Model` from the network's input to the first layer's output gives that layer's 16
# **feature maps** for an image: where in the image each filter found its pattern.

# %%
first_layer_model = keras.Model(inputs=model.inputs, outputs=first_convolution.output)
feature_maps = first_layer_model.predict(X_test[:1], verbose=0)[0]
print("feature maps of one image:", feature_maps.shape)
plots.feature_maps(X_test[0], feature_maps, "Fashion")
plt.show()

# %% [markdown]
# ## Beside the baseline, logistic regression and a dense network
# Does convolution help? Three models see the same training images and are scored on the same
# test images:
# - the naive baseline always answers the most common class (every class is as common, so it
#   is right 1 time in 10);
# - logistic regression on the 784 pixels of each image, flattened into a row;
# - a dense network (an MLP): `Flatten`, then 64 ReLU units and the softmax, with about as
#   many weights as the CNN, trained with the CNN's recipe (epochs, batch size, early stopping).
#
# Logistic regression's solver (lbfgs) stops here after 50 iterations, before it converges
# (scikit-learn warns, and we silence that warning): its test accuracy is the same after 200,
# which take four times as long.


# %%
def test_scores(y_pred):
    """A model's test scores, from its predicted labels."""
    return {
        "accuracy": accuracy_score(y_test, y_pred),
        "F1 (macro)": f1_score(y_test, y_pred, average="macro", zero_division=0),
    }


flat_train = X_train.reshape(len(X_train), -1)  # (images, 784): one row of pixels per image
flat_test = X_test.reshape(len(X_test), -1)
results = {"network (CNN)": test_scores(y_pred)}

majority = DummyClassifier(strategy="most_frequent").fit(flat_train, y_train)
results["baseline (majority class)"] = test_scores(majority.predict(flat_test))

logistic = LogisticRegression(C=0.1, max_iter=50)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    logistic.fit(flat_train, y_train)
results["logistic regression"] = test_scores(logistic.predict(flat_test))

keras.utils.set_random_seed(seed)
dense_network = keras.Sequential(
    [
        keras.Input(shape=X_train.shape[1:]),
        keras.layers.Flatten(),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(len(class_names), activation="softmax"),
    ]
)
dense_network.compile(
    optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"]
)
dense_network.fit(
    X_train,
    y_train,
    epochs=num_epochs,
    batch_size=batch_size,
    validation_split=0.2,
    callbacks=[
        keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=patience, restore_best_weights=True
        )
    ],
    verbose=0,
)
results["dense network (MLP)"] = test_scores(
    dense_network.predict(X_test, verbose=0).argmax(axis=1)
)
print(f"weights: CNN {model.count_params():,}, MLP {dense_network.count_params():,}")
results = pd.DataFrame(results).T
results.sort_values("accuracy", ascending=False).round(3)

# %% [markdown]
# ## Data augmentation
# Another way to fight overfitting, and the one that suits images: show the network new
# versions of its training images, mirrored or shifted a little, that keep their label (a
# mirrored trouser is still a trouser). Keras does it with layers: `RandomFlip` and
# `RandomTranslation` change each image at random in training and do nothing when the model
# predicts. Here are six training images (top) and two random draws of the same six:

# %%
augment = keras.Sequential(
    [
        keras.layers.RandomFlip("horizontal", seed=seed),
        keras.layers.RandomTranslation(height_factor=0.1, width_factor=0.1, seed=seed),
    ]
)
originals = X_train[:6]
draws = [originals] + [
    keras.ops.convert_to_numpy(augment(originals, training=True)) for _ in range(2)
]
fig, axes = plt.subplots(len(draws), len(originals), figsize=(9, 4.8))
for row, images in zip(axes, draws):
    for axis, image in zip(row, images):
        axis.imshow(image[..., 0], cmap="gray", vmin=0, vmax=1)
        axis.axis("off")
fig.suptitle("Training images, then two random flips and shifts of each")
plt.show()

# %% [markdown]
# To train with it, put `augment` first in the model, after the `Input` (exercise 4): every
# epoch then sees different versions of the same 8,000 images.
#
# ## Conclusion
# The CNN beats the dense network and logistic regression on the same images, with about as
# many weights as the dense network. Both of those see an image as 784 unrelated numbers: move
# a sleeve two pixels and, for them, it is a different input. A convolution **sees
# neighbourhoods** (each output looks at a 3×3 patch of pixels) and **shares its weights** (the
# same filter at every position), so a pattern learnt in one place is found in every place, and
# pooling lets the next layer see larger shapes. The gap is small here, about a point over the
# dense network and two over logistic regression (the README's medians over seeds), with 8,000
# images to fit and a few epochs; it grows with more images, filters and epochs (on the full
# 60,000 images, CNNs pass 90%).
#
# ### The same recipe, one command
# `python -m casestudies run fashion --seed 0` runs this same recipe: the same images and
# scaling, the same model, epochs, batch size, validation images and early stopping, and the
# same peers. It trains with the kit's faster loop, whose batches come in another order, so its
# test accuracy is close to this notebook's without always being equal (the tests check that
# the two agree).

# %%
from casestudies.cli import main

# Your epochs and batch size go to the command; a patience that differs is said.
command = ["run", "fashion", "--seed", str(seed), "--quiet"]
command += ["--epochs", str(num_epochs), "--batch-size", str(batch_size)]
if quick:  # the tests' short run: the command line takes the same images
    command += ["--quick"]
if patience != fashion.CASE.kit.patience:
    print(
        f"The command line stops after {fashion.CASE.kit.patience} epochs without a better "
        f"validation loss, this notebook after {patience}."
    )
exit_status = main(command)

# %% [markdown]
# ## Exercises
# 1. **A dense network as good as the CNN.** The next cell trains the dense network above.
#    Keep it dense (no `Conv2D`), and change anything else (the units, more layers, dropout,
#    the epochs...) until its test accuracy matches or beats the CNN's, then run the check
#    below it. How many weights did it take, against the CNN's?
# 2. **Padding and filter size.** Build the CNN again with 5×5 filters and `padding="same"` in
#    both `Conv2D` layers. Predict each layer's output shape and the first layer's number of
#    weights before you read `model.summary()`. Train it: is it better?
# 3. **Look at the shirts.** Show ten test shirts (class 6) the CNN got wrong, with
#    `plt.imshow` and what it predicted. Would you have got them right?
# 4. **Augmentation.** Build the CNN again with `augment` as its first layer after the `Input`,
#    and train it for twice the epochs. Does its validation loss turn up later? Is its test
#    accuracy better? Which flips would be wrong for digits, where a mirrored 2 is no 2?

# %% tags=["exercise"]
keras.utils.set_random_seed(seed)
my_model = keras.Sequential(
    [
        keras.Input(shape=X_train.shape[1:]),
        keras.layers.Flatten(),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(len(class_names), activation="softmax"),
    ]
)
my_model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
my_history = my_model.fit(
    X_train,
    y_train,
    epochs=num_epochs,
    batch_size=batch_size,
    validation_split=0.2,
    callbacks=[
        keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=patience, restore_best_weights=True
        )
    ],
    verbose=0,
)

# %% tags=["check"]
my_accuracy = accuracy_score(y_test, my_model.predict(X_test, verbose=0).argmax(axis=1))
if any(isinstance(layer, keras.layers.Conv2D) for layer in my_model.layers):
    print("Keep the network dense (no Conv2D layer) for this exercise, and change something else.")
else:
    exercises.check(
        "test accuracy",
        my_accuracy,
        {
            "the MLP": results.loc["dense network (MLP)", "accuracy"],
            "the CNN": results.loc["network (CNN)", "accuracy"],
        },
    )
