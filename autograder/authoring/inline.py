"""What nbgrader releases: the solution notebooks with the course checks and the Colab badge inlined.

A student's notebook must run its tests with no checkout of this repository and no install
(e.g. opened alone on Colab), so the checks travel inside it: its locked `course_checks` cell
holds the source of autograder/checks/. The solution notebooks hold no generated code: their
checks cell imports the package (`from autograder.checks import *`), and their first cell has
no badge. `write_release_source` makes the copy that nbgrader generates the release from, and
that the grader's gradebook records.
"""
import ast
import shutil
from pathlib import Path

import nbformat

from .. import cells, repo
from .badges import with_badge

CHECKS_DIR = Path(__file__).resolve().parent.parent / "checks"
# Each module only uses the ones before it.
MODULES = ("report", "values", "shapes", "weights", "gradients", "serialization")
HEADER = """#@title Course checks: run this cell, do not edit it
# The checks that the tests below call: the same code the grader runs. Generated from
# autograder/checks/ in the course repository; edits here are replaced when graded.
"""
# Ends the released checks cell. nbgrader scores a graded cell 0 when it wrote to stderr, where
# TensorFlow and Keras log warnings; the grader turns stderr into stdout (kernel/preprocessors.py),
# and in a notebook kernel this does the same, so `nbgrader validate` agrees with the grader.
STDERR_TO_STDOUT = """

def _stderr_to_stdout():
    \"\"\"In a notebook, warnings and log lines go to stdout: a graded cell fails only by raising.\"\"\"
    import logging
    import sys
    try:
        from IPython import get_ipython
    except ImportError:
        return
    if get_ipython() is None or sys.stderr is sys.stdout:
        return
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    for logger in loggers:
        for handler in getattr(logger, "handlers", []):
            if getattr(handler, "stream", None) is sys.stderr:
                handler.setStream(sys.stdout)
    sys.stderr = sys.stdout


_stderr_to_stdout()
"""
SOLUTION_CHECKS_CELL = ("# The course checks. The released notebook holds their code here (`make exercises`).\n"
                        "from autograder.checks import *  # noqa: F403")
# Files of an assignment's source folder that never reach students.
INSTRUCTOR_ONLY = (".ipynb_checkpoints", "__pycache__")


def _split_module(text):
    """Returns (absolute import lines, the rest of the module without docstring and relative imports)."""
    lines = text.splitlines()
    imports, body, start = [], [], 0
    for index, node in enumerate(ast.parse(text).body):
        segment = lines[start:node.end_lineno]
        start = node.end_lineno
        is_docstring = index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if getattr(node, "level", 0) == 0:
                imports.extend(line for line in segment if line.strip())
        elif not is_docstring:
            body.extend(segment)
    return imports, "\n".join(body).strip("\n")


def checks_source():
    """The source of the released checks cell, built from the modules of autograder.checks."""
    imports, sections = [], []
    for name in MODULES:
        module_imports, body = _split_module((CHECKS_DIR / f"{name}.py").read_text())
        imports.extend(line for line in module_imports if line not in imports)
        sections.append(f"# ---- checks/{name}.py ----\n{body}")
    imports = "\n".join(sorted(imports, key=lambda line: (line.startswith("from"), line)))
    return HEADER + imports + "\n\n\n" + "\n\n\n".join(sections) + "\n" + STDERR_TO_STDOUT


def checks_cell(notebook, path="notebook"):
    found = [cell for cell in notebook.cells if cells.grade_id(cell) == cells.CHECKS_CELL_ID]
    if len(found) != 1:
        raise ValueError(f"{path}: expected one cell with grade_id '{cells.CHECKS_CELL_ID}', found {len(found)}")
    return found[0]


def released_source(solution_path):
    """The solution notebook at `solution_path` as nbgrader must see it: checks and badge inlined."""
    notebook = nbformat.read(solution_path, as_version=4)
    cell = checks_cell(notebook, solution_path)
    if cell.source != SOLUTION_CHECKS_CELL:
        raise ValueError(f"{solution_path}: the {cells.CHECKS_CELL_ID} cell must be exactly:\n{SOLUTION_CHECKS_CELL}")
    cell.source = checks_source()
    with_badge(notebook, solution_path)
    return notebook


def write_release_source(assignment, target):
    """Writes solutions/<assignment>, its notebooks as `released_source` makes them, into `target`."""
    target = Path(target)
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(repo.SOLUTIONS / assignment, target, ignore=shutil.ignore_patterns(*INSTRUCTOR_ONLY))
    for path in sorted((repo.SOLUTIONS / assignment).glob("*.ipynb")):
        nbformat.write(released_source(path), target / path.name)
    return target
