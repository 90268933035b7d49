"""`utils/` is the shared library: it never reaches up into the case studies or the command line."""

import ast
import subprocess
import sys
from pathlib import Path

UTILS = Path(__file__).resolve().parent.parent / "utils"
MODULES = sorted(f"utils.{path.stem}" for path in UTILS.glob("*.py") if path.stem != "__init__")


def imported_names(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_utils_module_imports_casestudies_even_inside_a_function():
    offenders = {
        path.name: sorted(
            name for name in imported_names(path) if name.split(".")[0] == "casestudies"
        )
        for path in UTILS.glob("*.py")
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_every_utils_module_imports_with_casestudies_blocked():
    code = f"""
import importlib, sys

class BlockCaseStudies:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "casestudies":
            raise ImportError(f"utils must not import {{name}}")

sys.meta_path.insert(0, BlockCaseStudies())
for name in {MODULES!r}:
    importlib.import_module(name)
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
