"""The NumPy convolution and pooling equal keras.layers.Conv2D, MaxPooling2D and
AveragePooling2D in float64, for both paddings, several strides and odd and even sizes."""

import numpy as np
import pytest
from conftest import FLOAT64_TOLERANCE, keras

from casestudies.fundamentals import convolution as ours

# (height, width, kernel size, strides): odd and even sizes, where "same" padding is uneven
# (an even input with stride 2 and a 3x3 kernel pads 0 on top and 1 below), non-square kernels
# and an asymmetric stride.
CONV_CASES = [
    (7, 7, 3, 1),
    (8, 8, 3, 2),
    (6, 9, 3, 2),
    (8, 7, (2, 3), (2, 1)),
    (9, 10, (4, 2), (3, 2)),
    (5, 6, 1, 1),
]


def keras_conv2d(x, kernel, bias, strides, padding):
    layer = keras.layers.Conv2D(
        kernel.shape[-1], kernel.shape[:2], strides=strides, padding=padding, dtype="float64"
    )
    layer.build(x.shape)
    layer.set_weights([kernel, bias])
    return keras.ops.convert_to_numpy(layer(x))


@pytest.mark.parametrize("padding", ours.PADDINGS)
@pytest.mark.parametrize("height, width, kernel_size, strides", CONV_CASES)
@pytest.mark.parametrize("in_channels, out_channels", [(1, 1), (3, 4)])
def test_conv2d_equals_keras(
    rng, height, width, kernel_size, strides, padding, in_channels, out_channels
):
    kernel_height, kernel_width = ours._pair(kernel_size)
    x = rng.normal(size=(2, height, width, in_channels))
    kernel = rng.normal(size=(kernel_height, kernel_width, in_channels, out_channels))
    bias = rng.normal(size=out_channels)
    expected = keras_conv2d(x, kernel, bias, strides, padding)
    ours_ = ours.conv2d(x, kernel, bias, strides=strides, padding=padding)
    assert ours_.shape == expected.shape
    np.testing.assert_allclose(ours_, expected, atol=FLOAT64_TOLERANCE)


def test_conv2d_is_cross_correlation_not_flipped():
    image = np.zeros((1, 3, 3, 1))
    image[0, 0, 0, 0] = 1.0  # a single bright pixel in the top-left corner
    kernel = np.arange(1.0, 10.0).reshape(3, 3, 1, 1)  # no zero weight: zeros out can't pass
    # The only window is the whole image: it picks the kernel's top-left weight, unflipped.
    assert ours.conv2d(image, kernel).item() == kernel[0, 0, 0, 0]


def keras_pool(layer_class, x, pool_size, strides, padding):
    layer = layer_class(pool_size=pool_size, strides=strides, padding=padding, dtype="float64")
    return keras.ops.convert_to_numpy(layer(x))


POOL_CASES = [(6, 6, 2, None), (7, 7, 2, None), (7, 8, 3, 2), (8, 5, (2, 3), (1, 2)), (5, 5, 3, 1)]


@pytest.mark.parametrize("padding", ours.PADDINGS)
@pytest.mark.parametrize("height, width, pool_size, strides", POOL_CASES)
@pytest.mark.parametrize(
    "ours_pool, layer_name",
    [(ours.max_pool2d, "MaxPooling2D"), (ours.average_pool2d, "AveragePooling2D")],
    ids=["max", "average"],
)
def test_pooling_equals_keras(
    rng, ours_pool, layer_name, height, width, pool_size, strides, padding
):
    x = rng.normal(size=(2, height, width, 3)) - 2  # mostly negative: -inf or 0 padding shows
    expected = keras_pool(getattr(keras.layers, layer_name), x, pool_size, strides, padding)
    ours_ = ours_pool(x, pool_size, strides, padding)
    assert ours_.shape == expected.shape
    np.testing.assert_allclose(ours_, expected, atol=FLOAT64_TOLERANCE)


def test_same_average_pooling_divides_by_the_real_cells_only():
    x = np.ones((1, 3, 3, 1))
    # 2x2 windows, stride 2: the bottom-right window covers one real cell and three padded ones.
    pooled = ours.average_pool2d(x, 2, padding="same")
    np.testing.assert_allclose(pooled[0, :, :, 0], np.ones((2, 2)))
    np.testing.assert_allclose(pooled, keras_pool(keras.layers.AveragePooling2D, x, 2, 2, "same"))


@pytest.mark.parametrize("padding", ours.PADDINGS)
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("kernel", [1, 2, 3, 5])
@pytest.mark.parametrize("size", [5, 6, 7, 8])
def test_output_size_equals_the_shape_keras_produces(size, kernel, stride, padding):
    layer = keras.layers.Conv2D(1, (kernel, 1), strides=(stride, 1), padding=padding)
    expected = layer.compute_output_shape((None, size, 1, 1))[1]
    assert ours.output_size(size, kernel, stride, padding) == expected


@pytest.mark.parametrize(
    "size, kernel, stride, expected",
    [(5, 3, 1, (1, 1)), (8, 3, 2, (0, 1)), (7, 3, 2, (1, 1)), (6, 2, 1, (0, 1)), (4, 1, 3, (0, 0))],
)
def test_same_padding_puts_the_odd_cell_after(size, kernel, stride, expected):
    assert ours.padding_amounts(size, kernel, stride, "same") == expected


def test_a_kernel_larger_than_the_input_is_explained():
    with pytest.raises(ValueError, match="padding='same'"):
        ours.output_size(3, 5, 1, "valid")
    with pytest.raises(ValueError, match="channels-last"):
        ours.conv2d(np.zeros((4, 4, 1)), np.zeros((3, 3, 1, 2)))
