"""The checks cell: autograder/checks/ inlined into the locked setup cell of every solution notebook.

A student's notebook must run its tests with no checkout of this repository and no install
(e.g. opened alone on Colab), so the checks travel inside it. They are written once, in
autograder/checks/, and this module keeps every notebook's copy identical to that source.
"""
import ast
from pathlib import Path

import nbformat

from .course import SOLUTIONS

CHECKS_DIR = Path(__file__).parent / "checks"
# Each module only uses the ones before it.
MODULES = ("report", "values", "shapes", "weights", "gradients", "serialization")
CHECKS_CELL_ID = "course_checks"
HEADER = """#@title Course checks: run this cell, do not edit it
# The checks that the tests below call: the same code the grader runs. Generated from
# autograder/checks/ in the course repository; edits here are replaced when graded.
"""


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
    """The source of the checks cell, built from the modules of autograder.checks."""
    imports, sections = [], []
    for name in MODULES:
        module_imports, body = _split_module((CHECKS_DIR / f"{name}.py").read_text())
        imports.extend(line for line in module_imports if line not in imports)
        sections.append(f"# ---- checks/{name}.py ----\n{body}")
    return HEADER + "\n".join(sorted(imports, key=lambda line: (line.startswith("from"), line))) + "\n\n\n" + "\n\n\n".join(sections) + "\n"


def checks_cells(notebook):
    return [cell for cell in notebook.cells if cell.metadata.get("nbgrader", {}).get("grade_id") == CHECKS_CELL_ID]


def solution_notebooks():
    return sorted(SOLUTIONS.glob("*/*.ipynb"))


def stale_notebooks():
    """Solution notebooks whose checks cell is missing or differs from autograder/checks/."""
    source = checks_source()
    stale = []
    for path in solution_notebooks():
        cells = checks_cells(nbformat.read(path, as_version=4))
        if len(cells) != 1 or cells[0].source != source:
            stale.append(path)
    return stale


def sync():
    """Rewrites the checks cell of every solution notebook; returns the notebooks it changed."""
    source = checks_source()
    changed = []
    for path in solution_notebooks():
        notebook = nbformat.read(path, as_version=4)
        cells = checks_cells(notebook)
        if len(cells) != 1:
            raise ValueError(f"{path}: expected one cell with grade_id '{CHECKS_CELL_ID}', found {len(cells)}")
        if cells[0].source != source:
            cells[0].source = source
            nbformat.write(notebook, path)
            changed.append(path)
    return changed
