"""Convolution and pooling in NumPy, channels-last like Keras: images are (batch, H, W, C).

A convolutional layer slides a small kernel over the image; at each position it multiplies
the patch under the kernel by the kernel's weights, element by element, and sums:

    out[b, i, j, o] = bias[o] + Σ_{p, q, c} x[b, i·sh + p, j·sw + q, c] · kernel[p, q, c, o]

The kernel has shape (kh, kw, C_in, C_out), exactly as `keras.layers.Conv2D` stores it: one
(kh, kw, C_in) filter per output channel, each seeing every input channel. Pooling slides a
window the same way but has no weights: it keeps the largest value (max pooling) or the mean
(average pooling) of each channel separately.

tests/fundamentals/test_convolution.py checks every function against the Keras layer.
"""

import math

import numpy as np

PADDINGS = ("valid", "same")


def output_size(size: int, kernel: int, stride: int = 1, padding: str = "valid") -> int:
    """How many positions a window of `kernel` cells, moved `stride` cells at a time, takes.

    - "valid" (no padding): the window must fit inside the input, so
      output = floor((size - kernel) / stride) + 1.
    - "same" (zero padding): pad just enough that every stride-th cell starts a window, so
      output = ceil(size / stride); with stride 1 the output is the input's size, hence "same".
    """
    _check_padding(padding)
    if padding == "same":
        return math.ceil(size / stride)
    if kernel > size:
        raise ValueError(
            f"a kernel of {kernel} does not fit in an input of {size} with padding='valid': "
            "use a smaller kernel or padding='same'"
        )
    return (size - kernel) // stride + 1


def padding_amounts(
    size: int, kernel: int, stride: int = 1, padding: str = "valid"
) -> tuple[int, int]:
    """The zeros added (before, after) one dimension: (top, bottom) or (left, right).

    "same" pads in total max((ceil(size / stride) - 1) · stride + kernel - size, 0): the last
    window's end, minus the input. Keras (and TensorFlow) put the odd cell, if any, after:
    on the bottom or right. "valid" pads nothing.
    """
    if padding == "valid":
        return 0, 0
    total = max((output_size(size, kernel, stride, padding) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def conv2d(x, kernel, bias=None, strides=1, padding: str = "valid") -> np.ndarray:
    """What `keras.layers.Conv2D` computes before its activation, on a (batch, H, W, C_in) batch.

    Strictly this is cross-correlation: the kernel is not flipped, as it would be in a
    mathematician's convolution. Deep learning keeps the name because the kernel is learned:
    a flipped kernel is just another set of weights, so the two learn the same functions.

    Parameters
    ----------
    x : array of shape (batch, height, width, in_channels)
    kernel : array of shape (kernel_height, kernel_width, in_channels, out_channels)
    bias : array of shape (out_channels,), or None for no bias
    strides : int or (int, int), the step between windows, (down, across)
    padding : "valid" (no padding) or "same" (zeros around, so the output is ceil(size/stride))
    """
    x, kernel = np.asarray(x, dtype=float), np.asarray(kernel, dtype=float)
    kernel_height, kernel_width, in_channels, out_channels = kernel.shape
    if x.ndim != 4 or x.shape[-1] != in_channels:
        raise ValueError(
            f"expected images of shape (batch, height, width, {in_channels}) for this kernel, "
            f"got {x.shape}: Keras is channels-last, add a batch axis with x[None] if needed"
        )
    stride_down, stride_across = _pair(strides)
    padded = _pad(x, (kernel_height, kernel_width), (stride_down, stride_across), padding, 0.0)
    out_height = output_size(x.shape[1], kernel_height, stride_down, padding)
    out_width = output_size(x.shape[2], kernel_width, stride_across, padding)
    output = np.zeros((x.shape[0], out_height, out_width, out_channels))
    for i in range(out_height):
        for j in range(out_width):
            top, left = i * stride_down, j * stride_across
            patch = padded[:, top : top + kernel_height, left : left + kernel_width, :]
            # Sum over the patch's height, width and channels at once, for every filter.
            output[:, i, j, :] = np.tensordot(patch, kernel, axes=([1, 2, 3], [0, 1, 2]))
    return output if bias is None else output + np.asarray(bias, dtype=float)


def max_pool2d(x, pool_size=2, strides=None, padding: str = "valid") -> np.ndarray:
    """`keras.layers.MaxPooling2D`: the largest value in each window, channel by channel.

    `strides` defaults to `pool_size`, so windows do not overlap. With "same", the padding
    is -inf, so it is never the maximum.
    """
    return _pool(x, pool_size, strides, padding, "max")


def average_pool2d(x, pool_size=2, strides=None, padding: str = "valid") -> np.ndarray:
    """`keras.layers.AveragePooling2D`: the mean of each window, channel by channel.

    With "same", a window that hangs over the edge is averaged over its real cells only: Keras
    divides by how many input cells the window covers, not by the pool's size, so the padding
    does not drag the border's averages towards zero.
    """
    return _pool(x, pool_size, strides, padding, "average")


def _pool(x, pool_size, strides, padding, kind):
    x = np.asarray(x, dtype=float)
    if x.ndim != 4:
        raise ValueError(
            f"expected images of shape (batch, height, width, channels), got {x.shape}"
        )
    pool_height, pool_width = _pair(pool_size)
    stride_down, stride_across = _pair(pool_size if strides is None else strides)
    window, steps = (pool_height, pool_width), (stride_down, stride_across)
    out_height = output_size(x.shape[1], pool_height, stride_down, padding)
    out_width = output_size(x.shape[2], pool_width, stride_across, padding)
    if kind == "max":
        padded = _pad(x, window, steps, padding, -np.inf)
    else:
        padded = _pad(x, window, steps, padding, 0.0)
        # 1 where a cell is real input, 0 where it is padding: its window sums count real cells.
        real = _pad(np.ones((1, *x.shape[1:3], 1)), window, steps, padding, 0.0)
    output = np.zeros((x.shape[0], out_height, out_width, x.shape[3]))
    for i in range(out_height):
        for j in range(out_width):
            rows = slice(i * stride_down, i * stride_down + pool_height)
            columns = slice(j * stride_across, j * stride_across + pool_width)
            patch = padded[:, rows, columns, :]
            if kind == "max":
                output[:, i, j, :] = patch.max(axis=(1, 2))
            else:
                output[:, i, j, :] = patch.sum(axis=(1, 2)) / real[:, rows, columns, :].sum()
    return output


def _pad(x, window, strides, padding, value):
    """x with `value` added around its height and width, as Keras pads for `padding`."""
    (top, bottom), (left, right) = (
        padding_amounts(size, size_of_window, stride, padding)
        for size, size_of_window, stride in zip(x.shape[1:3], window, strides)
    )
    return np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=value)


def _pair(value) -> tuple[int, int]:
    """2 -> (2, 2); (2, 1) stays (2, 1): Keras accepts either for kernel sizes and strides."""
    return (value, value) if isinstance(value, int) else tuple(value)


def _check_padding(padding):
    if padding not in PADDINGS:
        raise ValueError(f"padding must be 'valid' or 'same' (as in Keras), got {padding!r}")
