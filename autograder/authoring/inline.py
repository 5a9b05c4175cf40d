"""What nbgrader releases: the solution notebooks with the course checks, the Colab badge and the summary.

A student's notebook must run its tests with no checkout of this repository and no install
(e.g. opened alone on Colab), so the checks travel inside it: its locked `course_checks` cell
holds the source of autograder/checks/. The solution notebooks hold no generated code: their
checks cell imports the package (`from autograder.checks import *`), and their first cell has
no badge. Released notebooks end with how to submit and a locked cell that runs every visible
test again and prints a summary (autograder/checks/summary.py); the solution notebooks do not.
`write_release_source` makes the copy that nbgrader generates the release from, and that the
grader's gradebook records.
"""
import ast
import shutil
from pathlib import Path

import nbformat

from .. import cells, repo
from .badges import with_badge

CHECKS_DIR = Path(__file__).resolve().parent.parent / "checks"
# Each module only uses the ones before it.
MODULES = ("report", "values", "shapes", "weights", "gradients", "serialization", "summary")
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
HOW_TO_SUBMIT = """## Before you submit

1. Restart and run everything: **Runtime → Restart session and run all** on Colab,
   **Kernel → Restart Kernel and Run All Cells...** in Jupyter. The grader runs your notebook the
   same way, top to bottom in a fresh kernel: code that only worked because of a cell you ran
   earlier, or have since deleted, fails there.
2. Run the last cell: it runs every test above again and prints what passes.
3. Save and download the notebook: on Colab **File → Download → Download .ipynb**; in Jupyter
   **File → Save Notebook**, then take the file `{name}` (or **File → Download**).
4. Submit that `.ipynb` file as your instructor asks (not a PDF, not a copy of the code). Keep
   every cell of the exercise, and write your answers only in the cells marked `YOUR CODE HERE`.
"""
SUMMARY_TITLES = {"en": "#@title Your results: run this cell last; it runs every test above again",
                  "ko": "#@title 결과: 이 셀을 마지막에 실행하세요. 위의 모든 테스트를 다시 실행합니다"}
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
    return with_summary(notebook, solution_path)


def with_summary(notebook, solution_path):
    """Ends `notebook` with how to submit and the summary cell, which lists the notebook's test cells."""
    if any(cells.grade_id(cell) == cells.SUMMARY_CELL_ID for cell in notebook.cells):
        raise ValueError(f"{solution_path}: the {cells.SUMMARY_CELL_ID} cell is written by the release; remove it")
    # Fixed cell ids: the release must write the same notebook every time (`autograder check`).
    notebook.cells.append(nbformat.v4.new_markdown_cell(HOW_TO_SUBMIT.format(name=Path(solution_path).name),
                                                         id="how-to-submit"))
    summary = nbformat.v4.new_code_cell(summary_source(notebook), id=cells.SUMMARY_CELL_ID.replace("_", "-"))
    summary.metadata.update({
        "cellView": "form", "jupyter": {"source_hidden": True}, "tags": ["hide-input"],
        "nbgrader": {"grade": False, "grade_id": cells.SUMMARY_CELL_ID, "locked": True, "solution": False,
                     "schema_version": 3},
    })
    notebook.cells.append(summary)
    return notebook


def summary_source(notebook, language="en"):
    """The summary cell: `summarize_tests` called with each test cell's grade id, part title (the `## `
    heading above it, in the notebook's `language`), points and source (a raw string, so that its
    lines read as they do in the test cell)."""
    entries, heading = [], "The exercise"
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("## "):
            heading = cell.source.splitlines()[0][3:].replace("`", "").strip()
        elif cells.is_test(cell):
            source = cell.source.strip("\n") + "\n"
            literal = f"r'''\n{source}'''" if "'''" not in source and "\\" not in source else repr(source)
            entries.append(f"    (\n        {cells.grade_id(cell)!r},\n        {heading!r},\n"
                           f"        {cells.points(cell)!r},\n        {literal},\n    ),")
    call = "])" if language == "en" else f"], language={language!r})"
    return "\n".join([SUMMARY_TITLES[language], "summarize_tests([", *entries, call])


def write_release_source(assignment, target):
    """Writes solutions/<assignment>, its notebooks as `released_source` makes them, into `target`."""
    target = Path(target)
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(repo.SOLUTIONS / assignment, target, ignore=shutil.ignore_patterns(*INSTRUCTOR_ONLY))
    for path in sorted((repo.SOLUTIONS / assignment).glob("*.ipynb")):
        nbformat.write(released_source(path), target / path.name)
    return target
