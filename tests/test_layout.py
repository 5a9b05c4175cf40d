"""The package's layout is its architecture: where each part runs decides what it may import."""
import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

import autograder
from autograder.repo import HIDDEN_TESTS, SOLUTIONS

PACKAGE = Path(autograder.__file__).resolve().parent
INSIDE = PACKAGE / "kernel" / "inside"
CHECKS = PACKAGE / "checks"


def imports(path):
    """(module name, relative level) of every import statement in `path`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(alias.name, 0) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.module or "", node.level))
    return found


@pytest.mark.parametrize("path", sorted(INSIDE.glob("*.py")), ids=lambda p: p.name)
def test_files_run_in_the_sandbox_import_nothing_from_the_package(path):
    bad = [(name, level) for name, level in imports(path) if level or name.partition(".")[0] == "autograder"]
    assert not bad, f"{path.name} runs in the student's kernel, where the package is not: {bad}"


def test_the_launcher_imports_alone_without_site_packages():
    """As in the sandbox: only its own folder, only the standard library (ipykernel is imported in main())."""
    code = f"import sys; sys.path.insert(0, {str(INSIDE)!r}); import launch, guard, probe, anchor, zygote; print('ok')"
    ran = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, timeout=60)
    assert ran.stdout.strip() == "ok", ran.stderr


@pytest.mark.parametrize("path", sorted(CHECKS.glob("*.py")), ids=lambda p: p.name)
def test_the_checks_import_only_each_other(path):
    bad = [(name, level) for name, level in imports(path) if level > 1 or name.partition(".")[0] == "autograder"]
    assert not bad, f"checks/{path.name} is inlined into student notebooks: it may import only other checks: {bad}"


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_product_never_reads_the_test_suite(path):
    assert not re.search(r"""["']tests["'/]|planted_bugs""", path.read_text()), f"{path} reads tests/"


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_nbgrader_cell_metadata_is_read_in_one_place(path):
    if path.name == "cells.py":
        return
    assert not re.search(r"""get\(["']nbgrader["']\)|\[["']nbgrader["']\]""", path.read_text()), \
        f"{path}: read nbgrader's cell metadata through autograder/cells.py"


@pytest.mark.parametrize("path", sorted(SOLUTIONS.glob(f"*/{HIDDEN_TESTS}")), ids=lambda p: p.parent.name)
def test_hidden_tests_compute_references_with_numpy_alone(path):
    """They run in the grader's process, which must not import TensorFlow (6 s, and the student's own
    library): references come from NumPy; the probes, run in the kernel, import inside their bodies."""
    top = [node for node in ast.parse(path.read_text()).body if isinstance(node, (ast.Import, ast.ImportFrom))]
    names = {alias.name if isinstance(node, ast.Import) else node.module for node in top for alias in node.names}
    assert names <= {"numpy", "autograder.checks", "autograder.kernel.referee"}, names
