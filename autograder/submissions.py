"""Student notebooks as a student would submit them: the released stub, or the stub with solutions filled in."""
import re

import nbformat

from .course import EXERCISES, SOLUTIONS

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
