"""The command line: `python -m casestudies list | run | fit | predict | grid | tune | bench`.

Only argparse and the case declarations load up front, so `--help`, `list` and bad-input
errors answer at once; TensorFlow loads when a model is needed.
"""

import argparse
import os
import sys
import textwrap
from pathlib import Path

from casestudies import CASE_STUDIES, all_on_this_backend, check_backend, load_case
from utils.case import DEFAULT_TRIALS, EXAMPLES, GENERATIVE_TASKS, QUICK_FOLDS, RECIPES, TASKS
from utils.distributed import MAX_LOCAL_WORKERS, TUNERS
from utils.errors import KitError
from utils.report import wrap
from utils.runs import SearchInterrupted, exit_status


class Parser(argparse.ArgumentParser):
    """argparse, but a bad option is one line on stderr and exit status 2, like every kit error."""

    def error(self, message):
        raise KitError(f"{message} (see `{self.prog} --help`)")


def whole_number(minimum: int, maximum: int | None = None):
    """An argparse type: a whole number of at least `minimum` (and at most `maximum`)."""

    def parse(text: str) -> int:
        value = _number(text, int)
        if maximum is not None and not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(
                f"must be a whole number from {minimum} to {maximum}, not {text}"
            )
        if value < minimum:
            raise argparse.ArgumentTypeError(
                f"must be a whole number of at least {minimum}, not {text}"
            )
        return value

    return parse


positive_int, at_least_two = whole_number(1), whole_number(2)
# The training loop counts epochs in 32-bit integers; a million is days of training anyway.
epoch_count = whole_number(1, 1_000_000)
# NumPy, Keras and scikit-learn take seeds below 2**32.
seed_number = whole_number(0, 2**32 - 1)
MAX_SAMPLES = 400  # new images in one PNG grid: 40 rows of 10 still fit on a page
# Keras keeps this share of the training rows for validation; more leaves too few to fit on.
MAX_VALIDATION_SPLIT = 0.5


def fraction(text: str) -> float:
    value = _number(text, float)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(
            f"must be a fraction between 0 and 1 (e.g. 0.2), not {text}"
        )
    return value


def validation_fraction(text: str) -> float:
    value = _number(text, float)
    if not 0 <= value <= MAX_VALIDATION_SPLIT:
        raise argparse.ArgumentTypeError(
            f"must be from 0 to {MAX_VALIDATION_SPLIT} (e.g. 0.2), not {text}: "
            "the rest of the training rows are what the model fits on"
        )
    return value


def _number(text: str, kind):
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a {'whole ' if kind is int else ''}number, not {text!r}"
        ) from None


def add_training_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--recipe",
        choices=RECIPES,
        default="kit",
        help="kit: scaled, stratified, fast (default); course: the course notebook's recipe",
    )
    parser.add_argument(
        "--epochs", type=epoch_count, help="training epochs (default: the recipe's)"
    )
    parser.add_argument(
        "--batch-size", type=positive_int, help="mini-batch size (default: the recipe's)"
    )
    parser.add_argument(
        "--seed",
        type=seed_number,
        default=0,
        help="seed for weights and shuffling (default: 0)",
    )
    parser.add_argument(
        "--test-size",
        type=fraction,
        help="share of rows held out for testing, as train_test_split's test_size",
    )
    parser.add_argument(
        "--split-seed",
        type=seed_number,
        help="train_test_split's random_state (default: the case's)",
    )
    parser.add_argument(
        "--no-stratify",
        dest="stratify",
        action="store_false",
        default=None,
        help="plain split, as the course made it",
    )
    parser.add_argument(
        "--validation-split",
        type=validation_fraction,
        default=0.2,
        help="share of training rows kept for learning curves (default: 0.2)",
    )
    parser.add_argument(
        "--dedupe", action="store_true", help="drop duplicate rows before splitting"
    )
    parser.add_argument(
        "--out", help="write the run here (a new or empty folder) instead of runs/NAME-DATE-TIME"
    )
    parser.add_argument(
        "--quick", action="store_true", help="a few epochs only, to check that everything runs"
    )
    parser.add_argument("--quiet", action="store_true", help="no per-epoch progress")


def add_search_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--seed",
        type=seed_number,
        default=0,
        help="seed for the search and the weights (default: 0)",
    )
    parser.add_argument("--test-size", type=fraction, help="share of rows held out for testing")
    parser.add_argument(
        "--split-seed",
        type=seed_number,
        help="train_test_split's random_state (default: the case's)",
    )
    parser.add_argument(
        "--csv", help="your own CSV instead of the shipped data (same kind of task)"
    )
    parser.add_argument("--target", help="the target column of --csv (default: the case's)")
    parser.add_argument(
        "--dedupe",
        action="store_true",
        default=None,  # None: not given, so a resume keeps the search's
        help="drop duplicate rows before splitting",
    )
    parser.add_argument(
        "--quick", action="store_true", help="a tiny search, to check that everything runs"
    )
    parser.add_argument("--quiet", action="store_true", help="no per-epoch progress")


def build_parser() -> Parser:
    parser = Parser(
        prog="python -m casestudies",
        description="Keras case studies: train, evaluate and use small neural networks.",
    )
    commands = parser.add_subparsers(
        dest="command", required=True, parser_class=Parser, metavar="COMMAND"
    )

    commands.add_parser("list", help="the case studies, their task, data and rows")

    run = commands.add_parser("run", help="train and evaluate a case study (or all of them)")
    run.add_argument("name", metavar="NAME", nargs="+", help=f"{', '.join(CASE_STUDIES)}, or all")
    run.add_argument("--csv", help="your own CSV instead of the shipped data (same kind of task)")
    run.add_argument("--target", help="the target column of --csv (default: the case's)")
    add_training_options(run)

    fit = commands.add_parser("fit", help="train and evaluate a model on any CSV")
    fit.add_argument("--csv", required=True, help="the CSV file")
    fit.add_argument("--target", required=True, help="the column to predict")
    fit.add_argument(
        "--task",
        choices=("auto", *TASKS),
        default="auto",
        help="default: inferred from the target, and said",
    )
    add_training_options(fit)

    grid = commands.add_parser(
        "grid", help="grid search (GridSearchCV, k-fold) over a case study's hyperparameters"
    )
    grid.add_argument("name", metavar="NAME", help=f"one of {', '.join(supervised_cases())}")
    grid.add_argument(
        "--cv",
        type=at_least_two,
        help=f"folds of cross-validation (default: 3; with --quick, {QUICK_FOLDS})",
    )
    grid.add_argument(
        "--n-jobs",
        type=positive_int,
        default=1,
        help="fits run at once, each in its own process (default: 1; on 2 cores, 2 is slower: "
        "each fit already uses both)",
    )
    add_search_options(grid)

    tune = commands.add_parser(
        "tune", help="Keras Tuner search over a case study's hyperparameters"
    )
    tune.add_argument("name", metavar="NAME", help=f"one of {', '.join(supervised_cases())}")
    tune.add_argument(
        "--tuner",
        choices=TUNERS,
        help="search strategy (default: random)",
    )
    tune.add_argument(
        "--max-trials",
        type=positive_int,
        help=f"trials to run (default: {DEFAULT_TRIALS}; Hyperband sets its own); a resume may "
        "raise it",
    )
    tune.add_argument(
        "--executions-per-trial",
        type=positive_int,
        help="trainings per trial, averaged (default: 1)",
    )
    tune.add_argument("--epochs", type=epoch_count, help="epochs per trial (default: the case's)")
    tune.add_argument("--resume", metavar="DIR", help="continue the interrupted search in DIR")
    tune.add_argument(
        "--workers",
        type=positive_int,
        help="run the trials in a local chief + this many workers (on 127.0.0.1; at most "
        f"the number of trials, and {MAX_LOCAL_WORKERS})",
    )
    tune.add_argument(
        "--chief",
        action="store_true",
        help="serve the oracle for workers on other machines (needs --oracle-address)",
    )
    tune.add_argument(
        "--worker", action="store_true", help="run trials for the chief at --oracle-address"
    )
    tune.add_argument(
        "--oracle-address",
        metavar="HOST:PORT",
        help="where the chief listens (an address of this machine for --chief)",
    )
    add_search_options(tune)
    tune.set_defaults(seed=None)  # None: not given, so a resume keeps the search's (default: 0)

    bench = commands.add_parser(
        "bench", help="benchmark: the kit's training against the course recipe and scikit-learn"
    )
    bench.add_argument(
        "name",
        metavar="NAME",
        nargs="?",
        default="all",
        help=f"one of {', '.join(CASE_STUDIES)}, or all (default)",
    )
    bench.add_argument(
        "--seeds", type=positive_int, default=5, help="seeds per contender (default: 5)"
    )
    bench.add_argument(
        "--csv",
        help="benchmark on your own CSV (with NAME: that case's model; without: the generic one)",
    )
    bench.add_argument("--target", help="the target column of --csv")
    bench.add_argument(
        "--task", choices=("auto", *TASKS), help="the task of --csv without NAME (default: auto)"
    )
    bench.add_argument(
        "--quick",
        action="store_true",
        help="1 seed, a few epochs: checks the benchmark runs, measures nothing",
    )
    bench.add_argument(
        "--out",
        help="write bench.json here (a new or empty folder) instead of runs/bench-DATE-TIME",
    )

    predict = commands.add_parser(
        "predict", help="predict new rows, images or months with a saved run"
    )
    predict.add_argument("--run", required=True, help="a run folder written by run or fit")
    given = predict.add_mutually_exclusive_group(required=True)
    given.add_argument(
        "--csv", help="rows to predict, with the model's columns (a series: its recent values)"
    )
    given.add_argument(
        "--images",
        nargs="+",
        metavar="FILE",
        help="PNG or JPEG files (or folders of them) for an image model or an autoencoder",
    )
    given.add_argument(
        "--samples",
        type=whole_number(1, MAX_SAMPLES),
        metavar="N",
        help="a generator (vae, gan): draw N new images into a PNG grid",
    )
    predict.add_argument(
        "--seed",
        type=seed_number,
        help="with --samples: the seed of the codes (default: 0); the same seed, the same images",
    )
    predict.add_argument(
        "--steps",
        type=whole_number(1, 120),
        help="a series model: forecast this many months, feeding forecasts back (default: 1)",
    )
    predict.add_argument(
        "--out",
        help="write the predictions to this new CSV file (default: print them); with --samples, "
        "the new PNG file (default: RUN-N-samples-seedS.png here)",
    )
    return parser


def settings_from(args, **overrides):
    from utils.experiment import Settings

    return Settings(
        recipe=args.recipe,
        epochs=args.epochs,
        batch_size=args.batch_size,
        seed=args.seed,
        test_size=args.test_size,
        split_seed=args.split_seed,
        stratify=args.stratify,
        validation_split=args.validation_split,
        dedupe=args.dedupe,
        quick=args.quick,
        quiet=args.quiet,
        **overrides,
    )


def print_result(case, result) -> None:
    from utils.report import run_summary

    summary = run_summary(
        case.title,
        case.metric,
        result.metrics,
        result.run_dir,
        case.why_peers_win,
        EXAMPLES[case.kind],
        case.not_learned,
    )
    print(summary)


def command_list(args) -> None:
    from utils.report import WIDTH, format_table

    cases = [load_case(name).CASE for name in CASE_STUDIES]
    rows = [
        [name, case.task, case.data_file, examples(case), case.target]
        for name, case in zip(CASE_STUDIES, cases)
    ]
    header, rule, *lines = format_table(
        ["case study", "task", "data", "examples", "target"], rows
    ).splitlines()
    print(header + "\n" + rule)
    for line, case in zip(lines, cases):  # what each learns, under it: 80 columns hold both
        print(line)
        print(textwrap.indent(textwrap.fill(case.description, WIDTH - 2), "  "))


def examples(case) -> int | str:
    """Rows of a CSV (a series: its months), or images of an .npz; "missing" if it is gone (the
    list still shows every case; a run names the file and the fix)."""
    if not case.data_path.is_file():
        return "missing"
    if case.kind == "images":
        import numpy as np

        with np.load(case.data_path) as arrays:
            return len(arrays["y_train"]) + len(arrays["y_test"])
    with open(case.data_path) as lines:
        return sum(1 for _ in lines) - 1


def check_input(case, settings, out_option: str | None = "--out") -> None:
    """What can be checked before TensorFlow loads and any folder is written: the options,
    the data, --out (`out_option`: None for a command without one), and --validation-split
    against the training rows it will split."""
    import math

    from utils import experiment
    from utils.data import check_validation_split
    from utils.runs import check_out_dir, check_writable

    run_plan = experiment.plan(case, settings)
    check_backend(case)
    if settings.out is not None:
        check_out_dir(settings.out)
    else:
        check_writable(settings.runs_root, out_option)
    if case.kind == "images":
        from utils.images import read_npz

        read_npz(run_plan.csv)  # thousands of images: any validation split leaves plenty
        return
    if case.kind == "series":
        _notes, data = experiment.prepare_data(run_plan)
        train_rows, source = len(data.y_train), Path(run_plan.csv).name
    else:
        rows = len(experiment.load(run_plan).frame)
        train_rows, source = rows - math.ceil(run_plan.test_size * rows), Path(run_plan.csv).name
    check_validation_split(train_rows, run_plan.validation_split, run_plan.recipe.patience, source)


def command_run(args) -> None:
    from utils.experiment import run_experiment

    names = CASE_STUDIES if "all" in args.name else tuple(dict.fromkeys(args.name))
    if len(names) > 1 and (args.csv or args.target):
        raise KitError(
            "--csv and --target go with one case study, not several: e.g. "
            "`run diabetes --csv FILE`."
        )
    if "all" in args.name:
        modules = all_on_this_backend("run")
    else:
        modules = [load_case(name) for name in names]
    if args.out and len(modules) > 1:
        from utils.runs import check_out_dir

        check_out_dir(args.out)
    planned = []
    for module in modules:
        out = (
            args.out
            if len(modules) == 1 or not args.out
            else str(Path(args.out) / module.CASE.name)
        )
        settings = settings_from(args, csv=args.csv, target=args.target, out=out)
        check_input(module.CASE, settings)  # every case, before the first run writes anything
        planned.append((module, settings))
    for module, settings in planned:
        if module.CASE.task in GENERATIVE_TASKS:
            from utils import generative

            result = generative.run_experiment(module, settings)
        else:
            result = run_experiment(module.CASE, module.build_model, settings)
        print_result(module.CASE, result)


def command_fit(args) -> None:
    from casestudies import custom
    from utils.experiment import run_experiment

    # The task is inferred with the split the run will make (--recipe, --no-stratify, ...).
    case = custom.case_for(
        args.csv,
        args.target,
        args.task,
        recipe=args.recipe,
        stratify=args.stratify,
        test_size=args.test_size,
        dedupe=args.dedupe,
    )
    settings = settings_from(args, csv=args.csv, target=args.target, task=args.task, out=args.out)
    check_input(case, settings)
    result = run_experiment(case, custom.build_model, settings)
    print_result(case, result)


def new_file(path: Path, what: str, run: str) -> Path:
    """A file `predict` may write: new (results are never overwritten), in an existing folder,
    outside the run folder (which holds only what its run wrote)."""
    if Path(run).resolve() in path.resolve().parents:
        raise KitError(
            f"--out {path} is inside the run folder {run}, which must hold only what its run "
            f"wrote (predict would refuse the folder afterwards). Write to another folder."
        )
    if path.exists():
        raise KitError(
            f"{path} already exists; predict never overwrites a file. Choose a new --out {what}."
        )
    if not path.parent.is_dir():
        problem = "is not a folder" if path.parent.exists() else "does not exist"
        raise KitError(
            f"The folder {path.parent} of --out {path} {problem}. "
            "Create it first, or choose a file in an existing folder."
        )
    return path


def first_free_name(path: Path) -> Path:
    """`path`, or the first of NAME-2.png, NAME-3.png, ... that does not exist yet: a default
    name given again never overwrites the first file."""
    candidates = [path, *(path.with_stem(f"{path.stem}-{number}") for number in range(2, 1000))]
    free = next((candidate for candidate in candidates if not candidate.exists()), None)
    if free is None:
        raise KitError(f"{path} and 998 numbered copies exist: choose a file with --out.")
    return free


def command_predict(args) -> None:
    from utils.predicting import predict_csv, predict_images

    if args.seed is not None and args.samples is None:
        raise KitError("--seed goes with --samples: it draws a generator's codes.")
    if args.steps is not None and not args.csv:
        raise KitError("--steps is for a series model's forecasts, with --csv.")
    if args.samples is not None:
        seed = args.seed or 0
        default = f"{Path(args.run).resolve().name}-{args.samples}-samples-seed{seed}.png"
        if args.out is None and Path(default).is_file():  # the same command again
            print(
                f"{default} already holds these {args.samples} images (the same seed draws the "
                f"same ones); --seed {seed + 1} draws others."
            )
            return None
        figure_path = new_file(Path(args.out or default), "file", args.run)
        return write_samples(args.run, args.samples, seed, figure_path)
    out = new_file(Path(args.out), "file", args.run) if args.out else None
    if args.images:
        predictions, notes, images = predict_images(args.run, args.images)
        if images is not None:  # an autoencoder's: the images and their reconstructions
            figure_path = (  # beside the CSV, under a name no --out can share
                new_file(out.with_name(f"{out.stem}-reconstructions.png"), "file", args.run)
                if out
                else first_free_name(Path(f"{Path(args.run).resolve().name}-reconstructions.png"))
            )
            write_figure(images, figure_path, f"Your images reconstructed by {args.run}")
            notes.append(f"Drew them and their reconstructions in {figure_path}")
    else:
        predictions, notes = predict_csv(args.run, args.csv, args.steps)
    for note in notes:
        print(wrap(note), file=sys.stderr)
    if out is None:  # to read on screen: 6 significant digits (--out writes every digit)
        predictions.to_csv(sys.stdout, index=False, float_format="%.6g")
    else:
        predictions.to_csv(out, index=False)
        print(f"Wrote {len(predictions)} predictions to {out}", file=sys.stderr)


def write_figure(rows: dict, path: Path, title: str) -> None:
    from utils import plots

    plots.save(plots.image_rows(rows, title, count=min(10, len(next(iter(rows.values()))))), path)


def write_samples(run_dir, count: int, seed: int, path: Path) -> None:
    from utils import plots
    from utils.predicting import generate

    images, notes = generate(run_dir, count, seed)
    plots.save(plots.sample_grid(images, f"{count} new images, seed {seed}"), path)
    for note in notes:
        print(wrap(note))
    print(f"Wrote {count} new images to {path}")


def search_settings(args):
    from utils.experiment import Settings

    return Settings(
        seed=args.seed,
        test_size=args.test_size,
        split_seed=args.split_seed,
        csv=args.csv,
        target=args.target,
        dedupe=bool(args.dedupe),
        quick=args.quick,
        quiet=args.quiet,
    )


def check_folds(case, settings, folds: int) -> None:
    """--cv against the training rows: every fold needs rows of every class to validate on (a
    series: more windows than folds)."""
    import numpy as np

    from utils import experiment

    _notes, data = experiment.prepare_data(experiment.plan(case, settings))
    if data.preprocessor.task != "regression":
        smallest = int(np.bincount(data.y_train).min())
        if folds > smallest:
            raise KitError(
                f"--cv {folds} needs at least {folds} training rows of every class, and the "
                f"smallest class has {smallest}: choose --cv {max(2, smallest)} or fewer."
            )
    elif folds >= len(data.y_train):
        raise KitError(
            f"--cv {folds} needs more than {folds} training rows; there are "
            f"{len(data.y_train)}: choose a smaller --cv."
        )


def supervised_cases() -> list[str]:
    """The case studies `grid` and `tune` search: those judged against labels or values."""
    return [name for name in CASE_STUDIES if load_case(name).CASE.task not in GENERATIVE_TASKS]


def searchable_case(name: str, command: str):
    """The case's module, if `grid` and `tune` can search it: a supervised case study."""
    module = load_case(name)
    if module.CASE.task in GENERATIVE_TASKS:
        raise KitError(
            f"{command} searches the supervised case studies ({', '.join(supervised_cases())}); "
            f"{name} is judged on images it makes, which a search's validation loss does not "
            f"measure. Change its `hp` defaults in casestudies/{name}.py, or try them in its "
            "notebook."
        )
    return module


def command_grid(args) -> None:
    module = searchable_case(args.name, "grid")
    settings = search_settings(args)
    check_input(module.CASE, settings, out_option=None)  # one line, TensorFlow not loaded
    folds = args.cv or (QUICK_FOLDS if settings.quick else 3)
    check_folds(module.CASE, settings, folds)
    from utils.grid import grid_search

    grid_search(
        module.CASE,
        module.build_model,
        module.GRID,
        settings,
        cv=folds,
        n_jobs=args.n_jobs,
    )


def command_tune(args) -> None:
    import contextlib

    from utils import distributed
    from utils.case import QUICK_SEARCH_EPOCHS, QUICK_TRIALS

    module = searchable_case(args.name, "tune")
    distributed.set_role(args.chief, args.worker, args.oracle_address, args.resume)
    # Bad input is refused here, before TensorFlow loads (importing utils.tuner loads it).
    given = {key: getattr(args, key) for key in distributed.RESUME_OPTIONS}  # None: not given
    implied_by = {}
    if args.quick:  # --quick means a tiny search; resuming, it must be one already
        implied_by = {key: "--quick" for key in ("max_trials", "epochs") if given[key] is None}
        given["max_trials"] = given["max_trials"] or QUICK_TRIALS
        given["epochs"] = given["epochs"] or QUICK_SEARCH_EPOCHS
    if args.resume is not None:
        saved = distributed.read_search(args.resume)
        trials = distributed.check_resume(args.resume, saved, given, implied_by)
        kind, epochs = saved["tuner"], saved["epochs"]
    else:  # what `tune` will record: the defaults, and a search's epochs are the recipe's
        trials, kind = given["max_trials"] or DEFAULT_TRIALS, args.tuner or "random"
        epochs = given["epochs"] or module.CASE.recipe("kit").epochs
    distributed.check_workers(args.workers, distributed.search_trials(kind, trials, epochs))
    args.seed = 0 if args.seed is None else args.seed
    with distributed.search_lock(args.resume) if args.resume else contextlib.nullcontext():
        from utils.tuner import tune

        def worker_command(search_dir) -> list[str]:
            """What each process of a local distributed search runs: this search, resumed."""
            tune_again = ["tune", args.name, "--resume", str(search_dir), "--quiet"]
            return [sys.executable, "-m", "casestudies", *tune_again]

        tune(
            module.CASE,
            module.build_model,
            search_settings(args),
            kind=args.tuner,
            max_trials=given["max_trials"],
            executions=args.executions_per_trial,
            epochs=given["epochs"],
            resume=args.resume,
            workers=args.workers or 0,
            worker_command=worker_command,
        )


def command_bench(args) -> None:
    from casestudies.benchmark import run_benchmark

    seeds = range(1 if args.quick else args.seeds)
    run_benchmark(args.name, args.csv, args.target, args.task, seeds, args.quick, args.out)


COMMANDS = {
    "bench": command_bench,
    "list": command_list,
    "run": command_run,
    "fit": command_fit,
    "predict": command_predict,
    "grid": command_grid,
    "tune": command_tune,
}


def main(argv=None) -> int:
    os.environ.setdefault("MPLBACKEND", "Agg")  # figures go to files; no window, no GUI toolkit
    try:
        args = build_parser().parse_args(argv)
        COMMANDS[args.command](args)
    except KitError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except PermissionError as error:  # e.g. `predict --out` into a folder not ours to write
        print(
            f"error: {error.strerror}: {error.filename}. Choose a file or folder you can write "
            "to (or run from one).",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt as stop:
        if not isinstance(stop, SearchInterrupted):  # a search has said how to resume it
            print("\nInterrupted: nothing more was written.", file=sys.stderr)
        return exit_status(stop)
    except BrokenPipeError:
        # The reader stopped early (`predict ... | head`): no traceback, as the Python docs advise.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 0
