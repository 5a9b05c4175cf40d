"""Student notebooks as a student would submit them: the released stub, or the stub with solutions filled in."""
import copy
import re
import runpy

import nbformat

from .course import EXERCISES, REPO, SOLUTIONS

PLANTED_BUGS = REPO / "tests" / "planted_bugs"

SOLUTION_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n", re.MULTILINE)


def grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def released(assignment, name):
    """The notebook exactly as students receive it."""
    return nbformat.read(EXERCISES / assignment / f"{name}.ipynb", as_version=4)


def solved(assignment, name):
    """The released notebook with every solution cell replaced by the instructor's code, markers removed."""
    answers = {grade_id(cell): SOLUTION_MARKER.sub("", cell.source)
               for cell in nbformat.read(SOLUTIONS / assignment / f"{name}.ipynb", as_version=4).cells
               if cell.metadata.get("nbgrader", {}).get("solution")}
    notebook = released(assignment, name)
    for cell in notebook.cells:
        if grade_id(cell) in answers:
            cell.source = answers[grade_id(cell)]
    return notebook


def planted_bugs(assignment):
    """The plausible student mistakes listed for `assignment` (see tests/planted_bugs/)."""
    return runpy.run_path(str(PLANTED_BUGS / f"{assignment}.py"))["BUGS"]


def with_bug(notebook, bug):
    """A copy of `notebook` with one planted bug applied to its solution cell."""
    notebook = copy.deepcopy(notebook)
    [cell] = [c for c in notebook.cells if grade_id(c) == bug["cell"]]
    if cell.source.count(bug["old"]) != 1:
        raise ValueError(f"planted bug '{bug['why']}' no longer matches the solution of {bug['cell']}")
    cell.source = cell.source.replace(bug["old"], bug["new"])
    return notebook
