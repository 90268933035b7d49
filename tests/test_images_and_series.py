"""The image (fashion) and series (elnino) case studies: their data paths, their runs beside
their baselines, and `predict` on what a user has (PNG/JPEG files; a CSV of recent months)."""

import json
import math

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from test_bad_input import check_one_line

from casestudies import load_case
from casestudies.cli import main
from utils.case import DATA_DIR, QUICK_IMAGES
from utils.experiment import Settings, plan
from utils.images import load_split as load_images
from utils.series import load_split as load_series

# Its tests share expensive module fixtures: keep them on one pytest-xdist worker.
pytestmark = pytest.mark.xdist_group("images_and_series")

FASHION, ELNINO = load_case("fashion").CASE, load_case("elnino").CASE


def only_run(root) -> "Path":  # noqa: F821
    (run_dir,) = [path for path in (root / "runs").iterdir() if path.is_dir()]
    return run_dir


# The data paths, without TensorFlow.


def test_series_split_is_chronological_and_scaled_with_training_months_only(tmp_path):
    values = pd.read_csv(DATA_DIR / "elnino.csv")["sst"].to_numpy()
    notes, data = load_series(plan(ELNINO, Settings()))
    window, test = ELNINO.window, round((len(values) - ELNINO.window) * ELNINO.test_size)
    first_test = len(values) - test
    assert len(data.y_test) == test == 142 and len(data.y_train) == first_test - window
    preprocessor = data.preprocessor
    assert preprocessor.mean == pytest.approx(values[:first_test].mean())
    assert preprocessor.std == pytest.approx(values[:first_test].std())
    # Each test forecast sees exactly the 24 months before its target, in order.
    unscaled = preprocessor.target_values(data.X_test[..., 0])
    for row in (0, 70, test - 1):
        target = first_test + row
        np.testing.assert_allclose(unscaled[row], values[target - window : target], atol=1e-4)
        assert preprocessor.target_values(data.y_test[row]) == pytest.approx(values[target], 1e-5)
    # The test months come after every training month; the naive forecast is last month's value.
    assert list(data.test["month"])[0] > list(data.train["month"])[-1]
    np.testing.assert_allclose(data.naive, values[first_test - 1 : -1])
    assert notes[0] == "Test: the last 142 of 708 forecasts (1999-03 to 2010-12), in time order."
    mean, std = values[:first_test].mean(), values[:first_test].std()
    assert notes[1].startswith(
        f"The network trains on 'sst' standardised (minus its training mean {mean:.3g}, over "
        f"its standard deviation {std:.3g})"
    )
    # The shipped series is in °C; the same values as a learner's file have no known unit.
    assert preprocessor.unit == "°C"
    (tmp_path / "mine.csv").write_bytes((DATA_DIR / "elnino.csv").read_bytes())
    _, mine = load_series(plan(ELNINO, Settings(csv=str(tmp_path / "mine.csv"))))
    assert mine.preprocessor.unit == "" and mine.preprocessor.mean == preprocessor.mean


def test_image_split_is_the_shipped_sets_scaled_to_unit_range_and_quick_takes_fewer():
    _, data = load_images(plan(FASHION, Settings()))
    assert data.X_train.shape == (10000, 28, 28, 1) and data.X_test.shape == (2000, 28, 28, 1)
    assert data.X_train.dtype == np.float32
    assert data.X_train.min() == 0.0 and data.X_train.max() == 1.0
    assert np.bincount(data.y_test).tolist() == [200] * 10
    assert data.preprocessor.classes[9] == "Ankle boot"
    notes, quick = load_images(plan(FASHION, Settings(quick=True)))
    assert len(quick.y_train) == QUICK_IMAGES and len(quick.y_test) == QUICK_IMAGES // 4
    assert notes == [
        "Quick: the first 2,000 of 10,000 training images and 500 of 2,000 test images."
    ]


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["run", "fashion", "--test-size", "0.3"], "--test-size does not apply to fashion"),
        (["run", "fashion", "--csv", "x.csv"], "not a CSV"),
        (["run", "elnino", "--split-seed", "3"], "in time order"),
        (["run", "elnino", "--no-stratify"], "--no-stratify does not apply to elnino"),
        (["run", "elnino", "--csv", "nofile.csv"], "nofile.csv"),
        (["run", "elnino", "--test-size", "0.99"], "leaves 7 of elnino.csv's 708 forecasts"),
    ],
)
def test_options_that_mean_nothing_for_the_kind_are_refused_in_one_line(argv, expected, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_series_csv_with_gaps_or_too_few_months_is_refused(write_csv, workdir, capsys):
    gaps = write_csv("month,sst\n" + "".join(f"2000-{m:02d},{20 + m}\n" for m in range(1, 13)) * 4)
    gaps.write_text(gaps.read_text().replace("2000-05,25", "2000-05,"))
    short = write_csv("month,sst\n2000-01,20\n2000-02,21\n", name="short.csv")
    assert main(["run", "elnino", "--csv", str(gaps), "--quick"]) == 2
    assert "missing or non-numeric" in capsys.readouterr().err
    assert main(["run", "elnino", "--csv", str(short), "--quick"]) == 2
    assert "at least 34 are needed" in capsys.readouterr().err
    assert not (workdir / "runs").exists()


def monthly(months, start_year=2000):
    """A series CSV: 'month,sst' rows for the given (year offset, month) pairs."""
    return "month,sst\n" + "".join(
        f"{start_year + year}-{month:02d},{20 + month / 10}\n" for year, month in months
    )


CONSECUTIVE = [(index // 12, index % 12 + 1) for index in range(40)]


@pytest.mark.parametrize(
    "content, expected",
    [
        (monthly(CONSECUTIVE).replace("2000-", "2000/"), "as YYYY-MM (e.g. 1950-01); file line 2"),
        (monthly(CONSECUTIVE[:5] + CONSECUTIVE[8:]), "skips from 2000-05 to 2000-09 (file line 7)"),
        (monthly(CONSECUTIVE[::-1]), "has 2003-03 after 2003-04 (file line 3): sort the rows"),
        (monthly(CONSECUTIVE[:6] + CONSECUTIVE[5:]), "has 2000-06 after 2000-06"),
    ],
)
def test_a_series_whose_months_are_not_every_month_in_order_is_refused_before_training(
    write_csv, workdir, capsys, content, expected
):
    assert main(["run", "elnino", "--csv", str(write_csv(content)), "--quick"]) == 2
    err = capsys.readouterr().err
    assert expected in err and len(err.strip().splitlines()) == 1
    assert not (workdir / "runs").exists()


# Whole runs (quick), then predict on their folders.


@pytest.fixture(scope="module")
def elnino_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("elnino")
    assert main(["run", "elnino", "--quick", "--quiet", "--out", str(root / "run")]) == 0
    return root / "run"


def test_elnino_run_scores_every_baseline_on_the_same_test_months(elnino_run):
    metrics = json.loads((elnino_run / "metrics.json").read_text())
    values = pd.read_csv(DATA_DIR / "elnino.csv")["sst"].to_numpy()
    test = 142
    actual, previous = values[-test:], values[-test - 1 : -1]
    assert metrics["baseline_name"] == "last value"
    assert metrics["baseline"]["rmse"] == pytest.approx(
        math.sqrt(np.mean((actual - previous) ** 2))
    )
    seasonal = values[-test - 12 : -12]
    assert metrics["peers"]["seasonal_naive"]["rmse"] == pytest.approx(
        math.sqrt(np.mean((actual - seasonal) ** 2))
    )
    # The linear autoregression, refitted here: 24 scaled months in, a weighted sum out, scaled
    # with the training months' mean and standard deviation.
    from sklearn.linear_model import LinearRegression

    train_values = values[:-test]
    mean, std = train_values.mean(), train_values.std()
    windows = np.lib.stride_tricks.sliding_window_view((values[:-1] - mean) / std, 24)
    targets = (values[24:] - mean) / std
    linear = LinearRegression().fit(windows[:-test], targets[:-test])
    forecast = linear.predict(windows[-test:]) * std + mean
    assert metrics["peers"]["linear_autoregression"]["rmse"] == pytest.approx(
        math.sqrt(np.mean((actual - forecast) ** 2)), rel=1e-4
    )
    for figure in ("forecast", "error_by_month", "learning_curves"):
        assert (elnino_run / f"{figure}.png").stat().st_size > 10_000


def test_elnino_forecasts_the_months_after_a_csv_feeding_forecasts_back(
    elnino_run, tmp_path, capsys
):
    recent = pd.read_csv(DATA_DIR / "elnino.csv").tail(30)
    csv = tmp_path / "recent.csv"
    recent.to_csv(csv, index=False)
    assert main(["predict", "--run", str(elnino_run), "--csv", str(csv), "--steps", "3"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.strip().splitlines()
    assert lines[0] == "step,month,forecast_sst"
    assert [line.split(",")[1] for line in lines[1:]] == ["2011-01", "2011-02", "2011-03"]
    assert all(15 < float(line.split(",")[2]) < 32 for line in lines[1:])
    assert "feed earlier forecasts back" in captured.err
    # One step from the same file is the first of those three.
    assert main(["predict", "--run", str(elnino_run), "--csv", str(csv)]) == 0
    assert capsys.readouterr().out.strip().splitlines()[1] == lines[1]
    # The second step is the one step forecast from the file with the first forecast appended:
    # the forecast was fed back, not the same last window used again.
    first = float(lines[1].split(",")[2])
    fed_back = tmp_path / "fed_back.csv"
    pd.concat([recent, pd.DataFrame({"month": ["2011-01"], "sst": [first]})]).to_csv(
        fed_back, index=False
    )
    assert main(["predict", "--run", str(elnino_run), "--csv", str(fed_back)]) == 0
    step = capsys.readouterr().out.strip().splitlines()[1].split(",")
    assert step[1] == "2011-02"
    assert float(step[2]) == pytest.approx(float(lines[2].split(",")[2]), rel=1e-5)
    assert float(lines[2].split(",")[2]) != first


def test_elnino_forecasts_from_a_csv_of_values_alone(elnino_run, write_csv, capsys):
    recent = pd.read_csv(DATA_DIR / "elnino.csv").tail(24)
    csv = write_csv("sst\n" + "".join(f"{value}\n" for value in recent["sst"]))
    assert main(["predict", "--run", str(elnino_run), "--csv", str(csv)]) == 0
    with_months = write_csv(recent.to_csv(index=False), name="with_months.csv")
    alone = capsys.readouterr().out.strip().splitlines()
    assert main(["predict", "--run", str(elnino_run), "--csv", str(with_months)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert alone[0] == "step,forecast_sst" and alone[1].split(",")[1] == lines[1].split(",")[2]


def test_elnino_finds_the_months_column_wherever_it_is(elnino_run, write_csv, capsys):
    recent = pd.read_csv(DATA_DIR / "elnino.csv").tail(24).reset_index(drop=True)
    answers = []
    for name, frame in [
        ("months_first.csv", recent),
        ("months_last.csv", recent[["sst", "month"]]),
        ("row_labels.csv", recent[["sst"]].set_axis(range(1, 25))),  # R's write.csv: no months
    ]:
        csv = write_csv(frame.to_csv(index=name == "row_labels.csv"), name=name)
        assert main(["predict", "--run", str(elnino_run), "--csv", str(csv)]) == 0
        answers.append(capsys.readouterr().out.strip().splitlines())
    assert answers[0] == answers[1] == ["step,month,forecast_sst", answers[0][1]]
    assert (
        answers[0][1].startswith("1,2011-01,")
        and answers[2][1].split(",")[1] == answers[0][1].split(",")[2]
    )


@pytest.mark.parametrize(
    "content, expected",
    [
        ("month,sst\n" + "2000-01,20\n" * 10, "at least 24 are needed"),
        ("month,temp\n" + "2000-01,20\n" * 30, "forecasts 'sst': give the file that column"),
        ("month,sst\n" + "2000-01,warm\n" * 30, "missing or non-numeric"),
        # The last 24 rows must be the last 24 months: a gap or a shuffle would forecast wrong.
        (
            "month,sst\n"
            + "".join(f"{2000 + m // 12}-{m % 12 + 1:02d},20\n" for m in range(31) if m != 9),
            "skips from 2000-09 to 2000-11",
        ),
        (
            "month,sst\n"
            + "".join(f"{2000 + m // 12}-{m % 12 + 1:02d},20\n" for m in [1, 0, *range(2, 30)]),
            "sort the rows by month",
        ),
    ],
)
def test_elnino_predict_refuses_a_csv_it_cannot_forecast_from(
    elnino_run, write_csv, content, expected, capsys
):
    csv = write_csv(content)
    assert main(["predict", "--run", str(elnino_run), "--csv", str(csv)]) == 2
    err = capsys.readouterr().err
    assert expected in err and len(err.strip().splitlines()) == 1
    assert "--target" not in err  # predict has no such option


@pytest.fixture(scope="module")
def fashion_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("fashion")
    assert main(["run", "fashion", "--quick", "--quiet", "--out", str(root / "run")]) == 0
    return root / "run"


def test_fashion_run_sets_the_cnn_beside_logistic_regression_and_an_mlp(fashion_run):
    metrics = json.loads((fashion_run / "metrics.json").read_text())
    assert metrics["baseline"]["accuracy"] == pytest.approx(0.1, abs=0.05)
    assert set(metrics["peers"]) == {"logistic_regression", "mlp"}
    for name, values in metrics["peers"].items():
        assert values["accuracy"] > 0.6, name  # far above chance even on the quick subset
    for figure in ("test_images", "filters", "feature_maps", "confusion_matrix"):
        assert (fashion_run / f"{figure}.png").stat().st_size > 10_000
    preprocessing = json.loads((fashion_run / "preprocessing.json").read_text())
    assert preprocessing["kind"] == "images" and len(preprocessing["classes"]) == 10


def user_photo(image: np.ndarray, path, mode: str = "RGB", size: int = 90):
    """A test image as a user would have it: larger, in colour, a dark garment on white."""
    Image.fromarray(255 - image).resize((size, size)).convert(mode).save(path)


def test_fashion_predicts_png_and_jpeg_files_of_any_size_and_colour(fashion_run, tmp_path, capsys):
    with np.load(DATA_DIR / "fashion.npz") as arrays:
        trousers = arrays["x_test"][arrays["y_test"] == 1][:3]
    folder = tmp_path / "photos"
    folder.mkdir()
    for index, image in enumerate(trousers):
        user_photo(image, folder / f"trousers_{index}.png")
    user_photo(trousers[0], folder / "grey.jpg", mode="L", size=40)
    assert main(["predict", "--run", str(fashion_run), "--images", str(folder)]) == 0
    captured = capsys.readouterr()
    table = pd.read_csv(pd.io.common.StringIO(captured.out))
    assert list(table.columns) == ["file", "prediction", "probability"]
    assert len(table) == 4 and (table["probability"].between(0, 1)).all()
    # Trousers are the easiest class: even the quick model gets most of them.
    assert (table["prediction"] == "Trouser").sum() >= 3
    assert "Inverted 4 image(s)" in captured.err


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda path: path.write_text("not an image"), "is not an image"),
        (lambda path: None, "Image file not found"),
    ],
)
def test_fashion_predict_refuses_what_is_not_an_image(
    fashion_run, tmp_path, make, expected, capsys
):
    path = tmp_path / "photo.png"
    make(path)
    assert main(["predict", "--run", str(fashion_run), "--images", str(path)]) == 2
    err = capsys.readouterr().err
    assert expected in err and len(err.strip().splitlines()) == 1


def test_predict_matches_its_input_to_the_kind_of_model(fashion_run, elnino_run, tmp_path, capsys):
    image = tmp_path / "a.png"
    Image.new("L", (28, 28)).save(image)
    csv = DATA_DIR / "elnino.csv"
    cases = [
        (["--run", str(fashion_run), "--csv", str(csv)], "image model"),
        (["--run", str(elnino_run), "--images", str(image)], "series model"),
        (["--run", str(fashion_run), "--images", str(image), "--steps", "2"], "--steps"),
    ]
    for argv, expected in cases:
        assert main(["predict", *argv]) == 2
        check_one_line(capsys, [expected])


def test_a_tampered_series_preprocessing_is_refused_before_the_model_loads(
    elnino_run, tmp_path, capsys, monkeypatch
):
    import shutil

    monkeypatch.setattr("utils.predicting.load_model", pytest.fail)

    copy = tmp_path / "copy"
    shutil.copytree(elnino_run, copy)
    path = copy / "preprocessing.json"
    values = json.loads(path.read_text())
    path.write_text(json.dumps(values | {"std": 0}))
    assert main(["predict", "--run", str(copy), "--csv", str(DATA_DIR / "elnino.csv")]) == 2
    assert "malformed" in capsys.readouterr().err


def test_grid_folds_a_series_in_time_order():
    from utils.grid import search_data
    from utils.search import SearchSetup

    run_plan = plan(ELNINO, Settings())
    _, data = load_series(run_plan)
    X, scaler, folds = search_data(SearchSetup(run_plan, data, None), 3)
    assert scaler == "passthrough" and X is data.X_train
    assert folds.get_n_splits(X) == 3 and len(list(folds.split(X))) == 3
    for fitted, validated in folds.split(X):
        assert fitted.max() < validated.min()  # validation months are later than fitted ones
