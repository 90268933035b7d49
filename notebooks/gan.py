# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # GAN: a generator and a discriminator trained against each other
#
# Can a network learn to draw digits without ever being shown how to score a drawing? A
# **generative adversarial network** (GAN) is two networks in a contest. The **generator**
# turns 16 random numbers into an 8×8 image; the **discriminator** learns to tell its images
# from real digits; the generator learns to fool the discriminator. Neither ever sees a label,
# and no loss measures how good a digit is: the discriminator is the generator's only teacher.
#
# The data are scikit-learn's handwritten digits (`data/digits.npz`): 1,437 training and 360
# test images of 8×8 grey levels from 0 to 16.
#
# **You will learn to:** write a Keras model with **its own `train_step`** that trains two
# networks, each with its own optimizer (the `train_step` of keras-io's [DCGAN
# example](https://keras.io/examples/generative/dcgan_overriding_train_step/); a DCGAN's two
# networks are convolutional, ours are dense, which 8×8 digits allow: exercise 4 makes it a
# DCGAN); keep samples as training goes on with a Keras **callback**; read a GAN's two
# losses, which do not fall as a classifier's do; and judge the new digits instead: a
# classifier reads 500 of them, beside images of independent pixels (the baseline), a
# Gaussian over PCA codes (the peer) and the real test digits, and we count the digits among
# them (a **collapsed** GAN makes only a few).

# %% [markdown]
# ## Setup
# The kit's `import_keras()` imports Keras and hides TensorFlow's start-up log lines (a plain
# `import keras` works too, with a few harmless lines of noise). It comes first, so that
# nothing else loads TensorFlow before it. The `train_step` below records its gradients with
# TensorFlow's `GradientTape`, as keras-io's does.

# %%
from utils.keras_setup import import_keras

keras = import_keras()

import inspect

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import tensorflow as tf

from casestudies import gan as case
from utils import exercises, plots
from utils.generative import SAMPLES, independent_pixels, judge, pca_gaussian, recognised

# %% [markdown]
# ## Hyperparameters and settings
# Change these and run the notebook again.

# %% tags=["parameters"]
latent_size = 16  # the random numbers the generator reads
learning_rate = 1e-3  # both Adam optimizers'; try 2e-4
num_epochs = 100
batch_size = 32
num_samples = 500  # new digits drawn to judge the GAN
seed = 0  # the weights, the batches, the noise and the codes drawn

# %% [markdown]
# ## Prepare the data
# The case study declares where its data file is (`case.CASE.data_path`, in `data/`). A `.npz`
# file is a zip of NumPy arrays, read back by name with `np.load`. Dividing by the darkest grey
# level (16) puts the images in [0, 1], the range of the generator's sigmoid output;
# `[..., np.newaxis]` adds the channel axis.

# %%
with np.load(case.CASE.data_path) as archive:
    x_train, y_train = archive["x_train"], archive["y_train"]
    x_test, y_test = archive["x_test"], archive["y_test"]
    max_level = int(archive["max_level"])
X_train = (x_train / max_level).astype("float32")[..., np.newaxis]
X_test = (x_test / max_level).astype("float32")[..., np.newaxis]
print("X_train:", X_train.shape, X_train.dtype, " X_test:", X_test.shape)

# %% [markdown]
# ## Build the two networks
# The **generator**: from `latent_size` random numbers, two dense layers of 128 units, each
# followed by a `LeakyReLU` (it lets a little gradient through below 0, so no unit goes
# silent), then 64 sigmoid units reshaped into an 8×8×1 image. The **discriminator**:
# `Flatten`, a dense layer of 128 units, a `LeakyReLU`, a `Dropout` of 30% (so it can't learn
# the training digits by heart), and one linear unit: a **logit**, above 0 for "real", below
# for "fake".

# %%
keras.utils.set_random_seed(seed)  # the same seed gives the same initial weights
generator = keras.Sequential(
    [
        keras.Input(shape=(latent_size,)),
        keras.layers.Dense(128),
        keras.layers.LeakyReLU(negative_slope=0.2),
        keras.layers.Dense(128),
        keras.layers.LeakyReLU(negative_slope=0.2),
        keras.layers.Dense(64, activation="sigmoid"),
        keras.layers.Reshape((8, 8, 1)),
    ],
    name="generator",
)
discriminator = keras.Sequential(
    [
        keras.Input(shape=(8, 8, 1)),
        keras.layers.Flatten(),
        keras.layers.Dense(128),
        keras.layers.LeakyReLU(negative_slope=0.2),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(1),
    ],
    name="discriminator",
)
generator.summary()
discriminator.summary()

# %% [markdown]
# ### A model with its own training step
# Each batch of real digits makes two steps, each under its own `GradientTape` and applied by
# its own optimizer to its own network's weights:
# 1. the **discriminator** sees the real digits and as many fakes from fresh noise, and learns
#    to call the real ones real and the fakes fake (binary cross-entropy on its logits);
# 2. the **generator** makes new fakes and learns to make the discriminator call them real:
#    its loss is the discriminator's cross-entropy for "real" on them. The gradient reaches the
#    generator *through* the discriminator, whose weights this step leaves alone.
#
# One trick keeps the contest even: **one-sided label smoothing**. The discriminator is taught
# to call real digits 0.9, not 1, so it cannot grow certain and leave the generator without a
# gradient to follow. `test_step` computes both losses on the validation digits, training
# nothing.


# %%
class GAN(keras.Model):
    def __init__(self, generator, discriminator, real_label=0.9, **kwargs):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.real_label = real_label
        self.latent_size = generator.inputs[0].shape[-1]
        self.seed_generator = keras.random.SeedGenerator()  # seeded by set_random_seed
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

    @property
    def metrics(self):  # Keras resets them at the start of each epoch
        return [self.d_loss_tracker, self.g_loss_tracker]

    def compile(self, d_optimizer, g_optimizer):
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer

    def noise(self, count):
        return keras.random.normal((count, self.latent_size), seed=self.seed_generator)

    def d_loss(self, real_logits, fake_logits):
        """The discriminator's loss: real digits called real_label, fakes called 0."""
        real_targets = keras.ops.full_like(real_logits, self.real_label)
        fake_targets = keras.ops.zeros_like(fake_logits)
        return self.loss_fn(real_targets, real_logits) + self.loss_fn(fake_targets, fake_logits)

    def g_loss(self, fake_logits):
        """The generator's loss: its fakes should be called real (1)."""
        return self.loss_fn(keras.ops.ones_like(fake_logits), fake_logits)

    def train_step(self, real_images):
        count = keras.ops.shape(real_images)[0]
        # 1. The discriminator learns to tell this batch of real digits from new fakes.
        fake_images = self.generator(self.noise(count), training=True)
        with tf.GradientTape() as tape:
            d_loss = self.d_loss(
                self.discriminator(real_images, training=True),
                self.discriminator(fake_images, training=True),
            )
        weights = self.discriminator.trainable_weights
        self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, weights), weights))
        # 2. The generator learns to make fakes the discriminator calls real.
        with tf.GradientTape() as tape:
            fake_logits = self.discriminator(self.generator(self.noise(count), training=True))
            g_loss = self.g_loss(fake_logits)
        weights = self.generator.trainable_weights
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, weights), weights))
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {metric.name: metric.result() for metric in self.metrics}

    def test_step(self, real_images):
        fake_logits = self.discriminator(
            self.generator(self.noise(keras.ops.shape(real_images)[0]))
        )
        self.d_loss_tracker.update_state(self.d_loss(self.discriminator(real_images), fake_logits))
        self.g_loss_tracker.update_state(self.g_loss(fake_logits))
        return {metric.name: metric.result() for metric in self.metrics}


gan = GAN(generator, discriminator)
gan.compile(
    d_optimizer=keras.optimizers.Adam(learning_rate=learning_rate, beta_1=0.5),
    g_optimizer=keras.optimizers.Adam(learning_rate=learning_rate, beta_1=0.5),
)

# %% [markdown]
# ### Watching it learn: a callback
# A `keras.callbacks.Callback` runs code at points of `fit`. This one keeps the generator's
# images of the same 10 codes before training and ten times during it, so we can watch digits
# emerge from noise.


# %%
class Snapshots(keras.callbacks.Callback):
    def __init__(self, codes, every):
        super().__init__()
        self.codes, self.every = codes, every
        self.images = {}

    def on_train_begin(self, logs=None):
        self.images[0] = self.model.generator.predict(self.codes, verbose=0)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self.images[epoch + 1] = self.model.generator.predict(self.codes, verbose=0)


snapshot_codes = np.random.default_rng(seed).standard_normal((10, latent_size)).astype("float32")
snapshots = Snapshots(snapshot_codes, every=max(1, num_epochs // 10))

# %% [markdown]
# ## Train
# `fit` takes the real images only. The course's recipe: 100 epochs, batches of 32, the last
# 20% of the training images held back for validation (the losses on them, nothing learnt).

# %%
history = gan.fit(
    X_train,
    epochs=num_epochs,
    batch_size=batch_size,
    validation_split=0.2,
    callbacks=[snapshots],
    verbose=0,
)
plots.image_rows(
    {f"epoch {epoch}": images for epoch, images in snapshots.images.items()},
    "GAN: the generator's images of the same 10 codes as training went on",
)
plt.show()

# %% [markdown]
# ### The two losses
# A classifier's loss falls towards 0. A GAN's two losses don't: each network's loss is low
# only when the other is losing. If neither can get ahead, the discriminator can do no better
# than give every image the same output D. With real digits labelled 0.9 and fakes 0, its
# loss −0.9 ln D − 0.1 ln(1 − D) − ln(1 − D) is lowest at D = 0.45 (not 0.5: the 0.9 label pulls
# it down), where it is about 1.38, and the generator's, −ln D, is about 0.80: the dotted
# lines. Level losses near them mean a balance, not a finished model. A discriminator loss
# falling towards its floor, about 0.33, means the generator has lost the contest (the floor
# is not 0: even a perfect discriminator pays the 0.9 label's entropy,
# −0.9 ln 0.9 − 0.1 ln 0.1, on the real digits).

# %%
curves = pd.DataFrame(history.history, index=np.arange(1, len(history.epoch) + 1))
axis = curves.plot(xlabel="epoch", ylabel="binary cross-entropy", grid=True)
balance = gan.real_label / 2  # the best output for a discriminator that can't tell them apart
d_balance = -gan.real_label * np.log(balance) - (2 - gan.real_label) * np.log(1 - balance)
for level, color in ((d_balance, "tab:blue"), (-np.log(balance), "tab:orange")):
    axis.axhline(level, color=color, linestyle=":")
plt.title("GAN: the two losses")
plt.show()

# %% [markdown]
# ## New digits
# Draw `num_samples` codes from N(0, I) and let the generator turn them into images.

# %%
codes = np.random.default_rng(seed).standard_normal((num_samples, latent_size)).astype("float32")
samples = generator.predict(codes, verbose=0)
plots.sample_grid(samples[:100], f"GAN: 100 of {num_samples} new digits")
plt.show()

# %% [markdown]
# ## Beside independent pixels, PCA and the real digits
# Since its losses can't say how good a GAN is, a **judge** reads its new digits: a classifier
# trained on the real training digits and their labels (the kit's `judge`, a scikit-learn
# pipeline: 600 RBF-kernel features, `Nystroem(gamma=1 / (64 * pixels.var()),
# n_components=600)`, then `LogisticRegression(C=10)`; kernel features fade to 0 far from every
# training digit, so it doubts what looks like no digit). For a set of images the kit's
# `recognised` gives:
# - **confident**: the share the judge reads as some digit with a probability above 0.8;
# - **digits**: how many of the ten digits are among those (each in at least 1% of the images).
#   A collapsed GAN makes a few digits well and never the others: a high confident share with
#   few digits.
#
# Beside the GAN's, three other sets of images are read:
# - **independent pixels** (the baseline, the kit's `independent_pixels`): each pixel copied
#   from that pixel of a training image drawn at random, on its own: the right grey levels, no
#   strokes;
# - **PCA** (the peer, the kit's `pca_gaussian`): a Gaussian fitted to the training images'
#   codes on their first 16 PCA components, sampled and decoded by PCA: 16 numbers too, with a
#   linear decoder fitted in one step;
# - the **real test digits** (the reference): what a perfect generator would score.

# %% [markdown]
# The kit's `recognised`, `independent_pixels` and `pca_gaussian` (in `utils/generative.py`):

# %%
for function in (recognised, independent_pixels, pca_gaussian):
    print(inspect.getsource(function))

# %%
reader = judge(X_train, y_train)
results = pd.DataFrame(
    {
        "GAN": recognised(reader, samples),
        "baseline (independent pixels)": recognised(
            reader, independent_pixels(X_train, num_samples, seed)
        ),
        "PCA": recognised(reader, pca_gaussian(X_train, latent_size, num_samples, seed)),
        "real test digits": recognised(reader, X_test),
    }
).T
results

# %% [markdown]
# ## What the comparison teaches
# After the course's 100 epochs the generator beats both the baseline and the peer: the
# judge recognises about 47% of its new digits with confidence, against 25% of the PCA
# Gaussian's and 3% of the independent pixels' (the real digits: 89%). But only 9 of the ten
# digits are among them: the GAN has partly **collapsed**, making some digits often and one
# never, since nothing in its loss asks it to cover every digit, only to fool the
# discriminator. The PCA Gaussian, fitted in one step, makes all ten, less clearly.
#
# The losses tell none of this. The discriminator's drifts up from about 1.1 to 1.3 and the
# generator's down from about 1.1 to 0.9, close to the balance lines: neither network is winning,
# which says the contest is even, not that the digits are good. That is why a GAN is judged
# by its samples, and why the samples' digits are counted. With a few epochs only (the quick
# run) the generator makes grey smudges no judge reads.
#
# ### The same recipe, one command
# `python -m casestudies run gan --recipe course --seed 0` runs this same recipe: the same
# images and scaling, the same two networks, training step, optimizers, epochs, batch size and
# validation images, and the same baseline, peer and judge. It trains with a plain `fit` from
# the same seed, as this notebook does, so its trained numbers come out the same as this
# notebook's or very close (on our machine, the same); the baseline's, PCA's and the real
# digits' are the same to the last digit (the tests check those). Without `--recipe course` it
# runs the same `train_step` in the kit's faster loop, several epochs per call of one compiled
# graph: 300 epochs in less time than this notebook's 100 (on our machine about 66% of its new
# digits recognised, and all ten digits).
#
# Your epochs and batch size go to the command; its model settings and the number of new
# digits it judges are the case's, and the cell says so when yours differ.

# %%
from casestudies.cli import main

command = ["run", "gan", "--recipe", "course", "--seed", str(seed), "--quiet"]
command += ["--epochs", str(num_epochs), "--batch-size", str(batch_size)]
for name, yours, the_case in [
    ("latent_size", latent_size, case.LATENT_SIZE),
    ("learning_rate", learning_rate, case.LEARNING_RATE),
    ("num_samples", num_samples, SAMPLES),
]:
    if yours != the_case:
        print(f"The command line's {name} is {the_case:g}, this notebook's {yours:g}.")
exit_status = main(command)

# %% [markdown]
# ## Exercises
# 1. **All ten digits.** The next cell trains the GAN above again. Change it (units, layers,
#    the latent size, the learning rates, `real_label`, the epochs...) until all ten digits
#    are among its new digits and the judge recognises at least as large a share of them as
#    of PCA's; then run the check below it.
# 2. **Mode collapse.** Train with `learning_rate = 2e-4`, and then with `real_label=1.0`
#    (no label smoothing). Count the digits among the new ones, and look at the losses: which
#    network won?
# 3. **Nearest training digit.** For ten new digits, find the training digit closest to each
#    (the smallest mean squared error) and show the pairs. Has the generator made new digits,
#    or copied training ones?
# 4. **A DCGAN.** Make both networks convolutional, as a DCGAN's are. Generator:
#    `Dense(4 * 4 * 32)`, `Reshape((4, 4, 32))`, `Conv2DTranspose(32, 3, strides=2,
#    padding="same")` (4×4 up to 8×8), `LeakyReLU`, `Conv2D(1, 3, padding="same",
#    activation="sigmoid")`. Discriminator: `Conv2D(32, 3, strides=2, padding="same")`,
#    `LeakyReLU`, `Flatten`, `Dense(1)`. Put them in the cell below. Which makes more of the
#    ten digits, and which do more of them look like digits to the judge?

# %% tags=["exercise"]
keras.utils.set_random_seed(seed)
my_generator = keras.Sequential(
    [
        keras.Input(shape=(latent_size,)),
        keras.layers.Dense(128),
        keras.layers.LeakyReLU(negative_slope=0.2),
        keras.layers.Dense(128),
        keras.layers.LeakyReLU(negative_slope=0.2),
        keras.layers.Dense(64, activation="sigmoid"),
        keras.layers.Reshape((8, 8, 1)),
    ]
)
my_discriminator = keras.Sequential(
    [
        keras.Input(shape=(8, 8, 1)),
        keras.layers.Flatten(),
        keras.layers.Dense(128),
        keras.layers.LeakyReLU(negative_slope=0.2),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(1),
    ]
)
my_gan = GAN(my_generator, my_discriminator, real_label=0.9)
my_gan.compile(
    d_optimizer=keras.optimizers.Adam(learning_rate=1e-3, beta_1=0.5),
    g_optimizer=keras.optimizers.Adam(learning_rate=1e-3, beta_1=0.5),
)
my_history = my_gan.fit(
    X_train, epochs=num_epochs, batch_size=batch_size, validation_split=0.2, verbose=0
)

# %% tags=["check"]
my_size = my_generator.inputs[0].shape[-1]
my_codes = np.random.default_rng(seed).standard_normal((num_samples, my_size))
my_scores = recognised(reader, my_generator.predict(my_codes, verbose=0))
if my_scores["digits"] < 10:
    print(f"Not yet: only {my_scores['digits']} of the 10 digits are among your new digits.")
else:
    exercises.check(
        "confident share", my_scores["confident"], {"PCA": results.loc["PCA", "confident"]}
    )
