"""Every notebook runs top to bottom (in quick mode), with no error and no stray log lines."""

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from casestudies import CASE_STUDIES

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
# A call that draws a figure: matplotlib's, a scikit-learn display's, or the kit's plots helpers.
DRAWS = re.compile(
    r"\bplt\.(plot|subplots|figure|imshow|bar|scatter)\(|\bplots\.\w+\(|Display\.from_"
)
QUICK = {"num_epochs": 3, "quick": True}  # papermill-style: set after the cell tagged "parameters"


def has_parameters(notebook) -> bool:
    return any("parameters" in cell.get("metadata", {}).get("tags", []) for cell in notebook.cells)


def after_parameters(notebook, source: str):
    """The notebook with a cell of `source` after its cell tagged "parameters"."""
    for index, cell in enumerate(notebook.cells):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            notebook.cells.insert(index + 1, nbformat.v4.new_code_cell(source))
            return notebook
    raise AssertionError("no cell tagged 'parameters': the overrides would be silently lost")


def quick(notebook):
    """Quick mode for a notebook that trains (each has a cell tagged "parameters")."""
    if not has_parameters(notebook):  # the index trains nothing
        assert not any("fit(" in cell.source for cell in notebook.cells), "tag its parameters"
        return notebook
    return after_parameters(
        notebook, "\n".join(f"{name} = {value!r}" for name, value in QUICK.items())
    )


def execute_in(folder, notebook) -> None:
    """Run the notebook in a Jupyter kernel, in `folder` (the runs and searches it writes stay
    out of the repository), started as a student's is."""
    with pytest.MonkeyPatch.context() as patch:
        # The kernel inherits this process's environment: drop the Agg backend that in-process
        # CLI calls set, so figures show inline as they do for a student.
        patch.delenv("MPLBACKEND", raising=False)
        NotebookClient(
            notebook,
            timeout=900,
            kernel_name="python3",
            resources={"metadata": {"path": str(folder)}},
        ).execute()


ALL = sorted(NOTEBOOKS.glob("*.ipynb"))
# The case-study notebooks run, trained, in tests/test_notebook_agreement.py (which compares them
# with the command line) and are checked there with `assert_ran_cleanly`: not run twice.
CASE_NOTEBOOKS = {f"{name}.ipynb" for name in CASE_STUDIES}
# So is the regularisation notebook, in tests/fundamentals/test_regularization.py (its lessons).
RUN_ELSEWHERE = CASE_NOTEBOOKS | {"regularisation.ipynb"}


def test_every_case_study_has_a_notebook_that_runs_elsewhere():
    from test_notebook_agreement import NEW_CASES, TABLE_CASES
    from test_notebooks_unit4 import UNIT4

    assert {*TABLE_CASES, *NEW_CASES, *UNIT4} == set(CASE_STUDIES)  # none skipped by all files
    assert CASE_NOTEBOOKS <= {path.name for path in ALL}


@pytest.mark.parametrize("path", ALL, ids=lambda path: path.stem)
def test_notebook_is_committed_with_outputs_cleared(path):
    notebook = nbformat.read(path, as_version=4)
    assert all(
        not cell.get("outputs") and not cell.get("execution_count")
        for cell in notebook.cells
        if cell.cell_type == "code"
    ), "commit notebooks with outputs cleared"


@pytest.mark.parametrize(
    "path", [path for path in ALL if path.name not in RUN_ELSEWHERE], ids=lambda path: path.stem
)
def test_notebook_runs_cleanly(path, tmp_path):
    notebook = quick(nbformat.read(path, as_version=4))
    execute_in(tmp_path, notebook)
    assert_ran_cleanly(notebook)


def assert_ran_cleanly(notebook) -> None:
    """No stray log lines; a cell that draws shows its figure, one that prints shows output."""
    outputs = [
        output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
    ]
    stderr = [
        output.text
        for output in outputs
        if output.output_type == "stream" and output.name == "stderr"
    ]
    assert stderr == [], f"log lines a learner should not see: {stderr}"
    # A cell that draws must show its figure (with a non-inline backend it silently shows none),
    # and a cell that prints or ends on a value must show that.
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        kinds = {kind for output in cell.outputs for kind in output.get("data", {})}
        if DRAWS.search(cell.source):
            assert "image/png" in kinds, f"this cell draws but shows no figure:\n{cell.source}"
        if re.search(r"^(print|display)\(", cell.source, re.MULTILINE):
            assert cell.outputs, f"this cell prints but shows nothing:\n{cell.source}"


def cells(notebook) -> list[tuple]:
    return [(cell.cell_type, cell.source, cell.metadata.get("tags", [])) for cell in notebook.cells]


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.py")), ids=lambda path: path.stem)
def test_each_notebook_script_and_its_ipynb_hold_the_same_cells(path):
    # The percent-format script is the source; `jupytext --sync notebooks/*.py` rewrites the pair.
    import jupytext

    paired = path.with_suffix(".ipynb")
    assert paired.is_file(), f"{path.name} has no {paired.name}: run jupytext --sync {path}"
    assert cells(jupytext.read(path)) == cells(nbformat.read(paired, as_version=4)), (
        f"run jupytext --sync {path}"
    )


def test_no_notebook_script_hides_a_module_of_the_same_name():
    """Jupyter runs a notebook in notebooks/, so `import keras_tuner` there would import a
    notebooks/keras_tuner.py, not the library."""
    import importlib.util

    for path in NOTEBOOKS.glob("*.py"):
        assert importlib.util.find_spec(path.stem) is None, f"rename {path}: it hides a module"


def test_every_notebook_has_a_script_source():
    assert {path.stem for path in NOTEBOOKS.glob("*.ipynb")} == {
        path.stem for path in NOTEBOOKS.glob("*.py")
    }


def test_every_case_study_has_a_notebook_and_the_index_links_every_notebook():
    from casestudies import CASE_STUDIES

    index = (NOTEBOOKS / "index.ipynb").read_text()
    assert all((NOTEBOOKS / f"{name}.ipynb").is_file() for name in CASE_STUDIES)
    for path in NOTEBOOKS.glob("*.ipynb"):
        assert path.stem == "index" or f"({path.name})" in index, (
            f"index.ipynb does not link {path.name}"
        )
