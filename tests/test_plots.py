"""The teaching figures show what they claim: the mistaken images and only those are marked, the
filters share one scale symmetric around 0, the legends' RMSE and the bars' MAE are the numbers
the test computes on its own."""

import ast
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import same_color

from utils import plots

matplotlib.use("Agg")  # no window, even where a display is available

CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat"]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def image_axes(fig):
    """The panels that show an image (not the colour bar, not the empty grid cells)."""
    return [axis for axis in fig.axes if axis.images]


def test_plots_does_not_import_keras():
    tree = ast.parse(Path(plots.__file__).read_text())
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any(name.split(".")[0] in ("keras", "tensorflow") for name in imported)


# image_grid


@pytest.fixture
def predictions():
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 1, (30, 8, 8, 1))
    y_true = rng.integers(0, len(CLASS_NAMES), 30)
    y_pred = y_true.copy()
    wrong = [2, 7, 24, 27]  # 27 lies beyond the 25 shown
    y_pred[wrong] = (y_true[wrong] + 1) % len(CLASS_NAMES)
    return images, y_true, y_pred


def test_image_grid_marks_exactly_the_mistakes_among_the_shown(predictions):
    images, y_true, y_pred = predictions
    fig = plots.image_grid(images, y_true, y_pred, CLASS_NAMES, "Fashion")
    panels = image_axes(fig)
    assert len(panels) == 25
    red = [
        index for index, axis in enumerate(panels) if same_color(axis.title.get_color(), "tab:red")
    ]
    assert red == [2, 7, 24]
    for index in red:
        assert panels[index].get_title() == (
            f"{CLASS_NAMES[y_pred[index]]} ({CLASS_NAMES[y_true[index]]})"
        )
        assert all(
            same_color(spine.get_edgecolor(), "tab:red") for spine in panels[index].spines.values()
        )
    assert not any(
        same_color(spine.get_edgecolor(), "tab:red") for spine in panels[0].spines.values()
    )
    assert "3 of 25 wrong" in fig.get_suptitle()


def test_image_grid_takes_images_with_or_without_the_channel_axis(predictions):
    images, y_true, y_pred = predictions
    fig = plots.image_grid(images[..., 0], y_true, y_pred, CLASS_NAMES, "Fashion", count=9)
    panels = image_axes(fig)
    assert len(panels) == 9
    np.testing.assert_array_equal(panels[4].images[0].get_array(), images[4, ..., 0])
    assert "2 of 9 wrong" in fig.get_suptitle()


def test_image_grid_shows_all_images_when_fewer_than_count(predictions):
    images, y_true, y_pred = predictions
    fig = plots.image_grid(images[:5], y_true[:5], y_pred[:5], CLASS_NAMES, "Fashion")
    assert len(image_axes(fig)) == 5
    assert "1 of 5 wrong" in fig.get_suptitle()


# filters


def test_filters_has_one_panel_per_filter_on_one_symmetric_scale():
    kernel = np.random.default_rng(1).normal(0, 0.3, (3, 3, 1, 10))
    kernel[0, 0, 0, 4] = 0.9  # the largest weight, positive: the scale must still reach -0.9
    fig = plots.filters(kernel, "Fashion")
    panels = image_axes(fig)
    assert len(panels) == 10
    for index, axis in enumerate(panels):
        low, high = axis.images[0].get_clim()
        assert low == pytest.approx(-0.9) and high == pytest.approx(0.9)
        np.testing.assert_array_equal(axis.images[0].get_array(), kernel[:, :, 0, index])


def test_filters_explains_a_kernel_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"\(height, width, 1, filters\)"):
        plots.filters(np.zeros((3, 3, 3, 8)), "colour images")


# feature_maps


def test_feature_maps_shows_the_image_then_count_maps():
    rng = np.random.default_rng(2)
    image = rng.uniform(0, 1, (28, 28))
    maps = np.maximum(rng.normal(0, 1, (26, 26, 32)), 0)
    maps[..., 3] = 0
    fig = plots.feature_maps(image, maps, "Fashion")
    panels = image_axes(fig)
    assert len(panels) == 1 + 16
    np.testing.assert_array_equal(panels[0].images[0].get_array(), image)
    np.testing.assert_array_equal(panels[6].images[0].get_array(), maps[:, :, 5])
    assert panels[4].get_title() == "channel 3 (all 0)"
    assert "16 of 32 channels" in fig.get_suptitle()


def test_feature_maps_with_fewer_channels_than_count():
    maps = np.ones((5, 5, 4))
    fig = plots.feature_maps(np.zeros((7, 7, 1)), maps, "tiny", count=16)
    assert len(image_axes(fig)) == 1 + 4


# forecasts and error_by_month


@pytest.fixture
def series():
    """30 test months from April 2018: some calendar months occur three times, some twice."""
    rng = np.random.default_rng(3)
    months = [str(period) for period in pd.period_range("2018-04", periods=30, freq="M")]
    actual = 12 + 8 * np.sin(np.arange(30) * np.pi / 6) + rng.normal(0, 1, 30)
    predictions = {
        "GRU": actual + rng.normal(0, 0.5, 30),
        "last value": np.r_[actual[0], actual[:-1]],
        "seasonal naive": actual + rng.normal(0, 1.5, 30),
        "linear autoregression": actual + rng.normal(0, 1.0, 30),
    }
    return months, actual, predictions


def test_forecasts_legend_gives_each_series_its_rmse(series):
    months, actual, predictions = series
    fig = plots.forecasts(months, actual, predictions, "Temperature", unit="°C")
    labels = [text.get_text() for text in fig.axes[0].get_legend().get_texts()]
    assert labels[0] == "actual"
    for name, label in zip(predictions, labels[1:]):
        rmse = np.sqrt(((pd.Series(actual) - pd.Series(predictions[name])) ** 2).mean())
        assert label == f"{name} (RMSE {rmse:.2f} °C)"
    assert fig.axes[0].get_ylabel() == "°C"
    # A series of unknown unit (a learner's own) claims none.
    fig = plots.forecasts(months, actual, predictions, "Sales")
    labels = [text.get_text() for text in fig.axes[0].get_legend().get_texts()]
    rmse = np.sqrt(((pd.Series(actual) - pd.Series(predictions["GRU"])) ** 2).mean())
    assert labels[1] == f"GRU (RMSE {rmse:.2f})" and fig.axes[0].get_ylabel() == "value"
    lines = fig.axes[0].get_lines()
    np.testing.assert_array_equal(lines[0].get_ydata(), actual)
    assert lines[0].get_linewidth() > lines[1].get_linewidth() > lines[2].get_linewidth()
    assert lines[2].get_linestyle() != "-"


def test_forecasts_labels_a_readable_subset_of_months(series):
    months, actual, predictions = series
    fig = plots.forecasts(months, actual, predictions, "Temperature")
    ticks = [label.get_text() for label in fig.axes[0].get_xticklabels()]
    assert 2 <= len(ticks) <= 13
    assert set(ticks) <= set(months)


def test_forecasts_explains_series_of_different_lengths(series):
    months, actual, predictions = series
    predictions["GRU"] = predictions["GRU"][:-1]
    with pytest.raises(ValueError, match="'GRU' has 29 values"):
        plots.forecasts(months, actual, predictions, "Temperature")


def test_error_by_month_bars_are_the_mae_of_each_calendar_month(series):
    months, actual, predictions = series
    fig = plots.error_by_month(months, actual, predictions, "Temperature")
    axis = fig.axes[0]
    calendar_month = pd.PeriodIndex(months, freq="M").month
    assert [label.get_text() for label in axis.get_xticklabels()] == [
        "Jan",
        "Feb",
        "Mar",
        "Apr",
        "May",
        "Jun",
        "Jul",
        "Aug",
        "Sep",
        "Oct",
        "Nov",
        "Dec",
    ]
    assert [container.get_label() for container in axis.containers] == list(predictions)
    for name, container in zip(predictions, axis.containers):
        expected = (
            pd.Series(np.abs(actual - predictions[name]))
            .groupby(calendar_month)
            .mean()
            .sort_index()
        )
        heights = [bar.get_height() for bar in container]
        np.testing.assert_allclose(heights, expected.to_numpy())


def test_error_by_month_groups_only_the_calendar_months_present():
    months = ["2020-11", "2020-12", "2021-01"]
    fig = plots.error_by_month(months, [1.0, 2.0, 3.0], {"GRU": [1.5, 2.0, 1.0]}, "Short")
    axis = fig.axes[0]
    assert [label.get_text() for label in axis.get_xticklabels()] == ["Jan", "Nov", "Dec"]
    np.testing.assert_allclose([bar.get_height() for bar in axis.containers[0]], [2.0, 0.5, 0.0])


def test_a_saved_figure_widens_to_hold_a_title_too_long_for_it_and_only_then(tmp_path):
    from PIL import Image

    for name, title in [("short", "loss"), ("long", "a title far longer than two inches " * 2)]:
        figure, axis = plt.subplots(figsize=(2, 2))
        axis.set_title(title)
        plots.save(figure, tmp_path / f"{name}.png")
    assert Image.open(tmp_path / "short.png").size == (240, 240)  # 2 inches at 120 dpi
    assert Image.open(tmp_path / "long.png").size[0] > 500  # the whole title, not cut


def test_saving_a_laid_out_figure_draws_it_once(tmp_path, monkeypatch):
    # tight_layout leaves a placeholder layout engine, and savefig draws a figure with any
    # engine twice (once to lay it out): a run's 8 figures took a third of a second longer.
    figure = plots.learning_curves({"epoch": [1, 2], "loss": [1.0, 0.5]}, "case")
    draws = []
    monkeypatch.setattr(type(figure), "draw", lambda self, renderer: draws.append(renderer))
    plots.save(figure, tmp_path / "curves.png")
    assert len(draws) == 1
