# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Convolution and pooling
#
# A dense layer connects every pixel to every unit; a convolutional layer slides one small
# kernel over the whole image, so it finds the same pattern wherever it is, with a handful of
# weights. `casestudies/fundamentals/convolution.py` does it in NumPy, channels-last like
# Keras: images have shape (batch, height, width, channels). Beside each step,
# `keras.layers.Conv2D`, `MaxPooling2D` and `AveragePooling2D` compute the same numbers.

# %% [markdown]
# ## Setup

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

from casestudies.fundamentals import convolution
from casestudies.fundamentals.convolution import (
    average_pool2d,
    conv2d,
    max_pool2d,
    output_size,
    padding_amounts,
)
from utils.keras_setup import import_keras

keras = import_keras()  # `import keras`, without TensorFlow's start-up lines
from keras import layers

# %% [markdown]
# ## Hyperparameters and settings

# %% tags=["parameters"]
digit_index = 0  # which of scikit-learn's bundled 8x8 digits to draw
seed = 0

# %% [markdown]
# ## A tiny image and an edge detector, by hand
# A 6x6 grey image: dark on the left, bright on the right. The kernel below answers "is it
# brighter on the left than on the right?": +1 on its left column, −1 on its right. Over a flat
# region the two cancel to 0; across the edge they do not.

# %%
image = np.zeros((6, 6))
image[:, 3:] = 1.0  # a vertical edge between columns 2 and 3
vertical_edge = np.array([[1.0, 0.0, -1.0], [1.0, 0.0, -1.0], [1.0, 0.0, -1.0]])
print(image)

# %% [markdown]
# One output value, at row 0 and column 2: take the 3x3 patch whose top-left corner is
# `image[0, 2]`, multiply it by the kernel element by element, and sum. Keras, like every
# deep-learning library, does not flip the kernel (that would be a mathematician's
# convolution; this is cross-correlation). The name stuck because the kernel is learned: a
# flipped kernel is just other weights.

# %%
patch = image[0:3, 2:5]
print("patch:\n", patch)
print("patch * kernel, summed:", (patch * vertical_edge).sum())

# %% [markdown]
# `conv2d` does that at every position. It takes a batch of images (batch, H, W, C_in) and a
# kernel (kh, kw, C_in, C_out), the shape Keras stores: here one image, one channel in, one
# out. Its two loops visit every output position; `np.tensordot` does the multiply-and-sum for
# every filter at once. (`_pad` adds the zeros of `padding="same"`, explained below.)

# %%
print(inspect.getsource(conv2d))
print(inspect.getsource(convolution._pad))

# %% [markdown]
# The edge lights up (−3: brighter on the right); the flat regions give 0.

# %%
feature_map = conv2d(image[None, :, :, None], vertical_edge[:, :, None, None])
print(feature_map[0, :, :, 0])

# %% [markdown]
# ## The output's shape: padding and stride
# The course's formula: a window of k cells, moved s cells at a time along n cells with p
# zeros added at each end, fits floor((n + 2p − k) / s) + 1 times. Keras does not take p: it
# takes `padding`. With `padding="valid"` (p = 0) that is floor((n − k) / s) + 1. With
# `padding="same"`, Keras adds zeros so that the output has ceil(n / s) cells: all n for
# stride 1. It pads max((ceil(n/s) − 1)·s + k − n, 0) cells in total (none when the windows
# already cover all n cells, as k = s = 2 on an even n), the odd one, if any, on the bottom
# or right:

# %%
print(inspect.getsource(output_size))
print(inspect.getsource(padding_amounts))

# %% [markdown]
# Our sizes and padding, beside the shape Keras's layer reports:

# %%
print(" n  k  s  padding  ours  Keras  padding (before, after)")
for n, k, s in [(6, 3, 1), (7, 3, 2), (8, 3, 2), (8, 2, 2), (28, 5, 1)]:
    for padding in ("valid", "same"):
        keras_layer = layers.Conv2D(1, (k, 1), strides=(s, 1), padding=padding)
        keras_size = keras_layer.compute_output_shape((None, n, 1, 1))[1]
        ours = output_size(n, k, s, padding)
        pads = padding_amounts(n, k, s, padding)
        print(f"{n:2} {k:2} {s:2}  {padding:7} {ours:4} {keras_size:6}  {pads}")

# %% [markdown]
# ## Our conv2d against keras.layers.Conv2D
# A batch of random 9x8 images with 3 channels, and 5 filters of 3x3, stride 2, "same"
# padding. Rows and columns pad differently: 9 rows need 2 rows of zeros, one above and one
# below; 8 columns need 1, and the odd one goes on the right, none on the left. We give Keras's
# layer our kernel and bias with `set_weights`, in float64 so the comparison is exact to
# rounding.

# %%
rng = np.random.default_rng(seed)
X = rng.normal(size=(4, 9, 8, 3))
kernel, bias = rng.normal(size=(3, 3, 3, 5)), rng.normal(size=5)
conv_layer = layers.Conv2D(5, 3, strides=2, padding="same", dtype="float64")
conv_layer.build(X.shape)
conv_layer.set_weights([kernel, bias])
theirs = keras.ops.convert_to_numpy(conv_layer(X))
ours = conv2d(X, kernel, bias, strides=2, padding="same")
print(f"output shape: ours {ours.shape}, Keras {theirs.shape}")
print(f"largest difference: {np.abs(ours - theirs).max():.1e}")
print(f"parameters: 3·3·3·5 + 5 = {3 * 3 * 3 * 5 + 5}, Keras: {conv_layer.count_params()}")

# %% [markdown]
# ## Pooling
# A pooling layer has no weights: it slides a window (by default 2x2, moving 2 cells, so the
# windows do not overlap) and keeps the largest value (max pooling) or the mean (average
# pooling) of each channel. It halves the height and width, and a feature that moves by a
# pixel often gives the same output. `max_pool2d` and `average_pool2d` both call `_pool`:

# %%
print(inspect.getsource(convolution._pool))

# %%
pool_input = rng.integers(0, 10, size=(1, 5, 5, 1)).astype(float)
print("input:\n", pool_input[0, :, :, 0])
print("max, 2x2:\n", max_pool2d(pool_input, 2)[0, :, :, 0])
print("average, 2x2:\n", average_pool2d(pool_input, 2)[0, :, :, 0])

# %% [markdown]
# With "valid" the 5th row and column are dropped. With "same" they are padded, and for
# average pooling Keras divides each window by the number of real cells it covers, not by 4,
# so the border is not pulled towards zero: the bottom-right window is one real cell.

# %%
print("average, 2x2, same:\n", average_pool2d(pool_input, 2, padding="same")[0, :, :, 0])
for name, ours_pool in [("MaxPooling2D", max_pool2d), ("AveragePooling2D", average_pool2d)]:
    for padding in ("valid", "same"):
        pool_layer = getattr(layers, name)(pool_size=2, padding=padding, dtype="float64")
        theirs = keras.ops.convert_to_numpy(pool_layer(pool_input))
        difference = np.abs(ours_pool(pool_input, 2, padding=padding) - theirs).max()
        print(f"{name:16} {padding:5}: largest difference {difference:.1e}")

# %% [markdown]
# ## A digit and its feature maps
# One of scikit-learn's 8x8 handwritten digits (bundled with the library, nothing to
# download), the vertical-edge kernel and its transpose (horizontal edges), then 2x2 max
# pooling of the vertical edges' magnitude. Red is positive, blue negative.

# %%
digit = load_digits().images[digit_index]
digit_batch = digit[None, :, :, None] / 16  # pixel values 0..16 -> 0..1
vertical = conv2d(digit_batch, vertical_edge[:, :, None, None], padding="same")[0, :, :, 0]
horizontal = conv2d(digit_batch, vertical_edge.T[:, :, None, None], padding="same")[0, :, :, 0]
pooled = max_pool2d(np.abs(vertical)[None, :, :, None], 2)[0, :, :, 0]
figure, axes = plt.subplots(1, 4, figsize=(11, 3))
panels = [
    (digit, "digit (8x8)", "gray_r"),
    (vertical, "vertical edges (8x8)", "bwr"),
    (horizontal, "horizontal edges (8x8)", "bwr"),
    (pooled, "|vertical|, max-pooled (4x4)", "gray_r"),
]
for axis, (values, title, colours) in zip(axes, panels):
    limit = np.abs(values).max()
    axis.imshow(values, cmap=colours, vmin=-limit if colours == "bwr" else 0, vmax=limit)
    axis.set(title=title, xticks=[], yticks=[])
figure.tight_layout()

# %% [markdown]
# ## Conclusion
# A convolution is one small kernel applied at every position: a weighted sum of the patch
# under it, for every input channel at once, one kernel per output channel. The output's size
# follows from the kernel, the stride and the padding; "same" pads so that it is
# ceil(n / stride). Pooling summarises each window without weights. In Keras:
# `layers.Conv2D(filters, kernel_size, strides=..., padding=...)`, `layers.MaxPooling2D()`,
# `layers.AveragePooling2D()`, and our NumPy versions give the same numbers.
#
# ## Exercises
# 1. Write a kernel that finds diagonal edges and draw its feature map for a few digits
#    (change `digit_index`).
# 2. A 28x28 image goes through Conv2D(3x3, "valid"), MaxPooling2D(2), Conv2D(3x3, "valid"),
#    MaxPooling2D(2). What is its size after each step? Check with `output_size`.
# 3. How many parameters does `layers.Conv2D(32, 3)` have on an RGB image? On a 64-channel
#    input? Why does the image's height and width not matter?
