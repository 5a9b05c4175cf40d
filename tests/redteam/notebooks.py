"""Editing Exercise 1 notebooks the way a careless or hostile student would."""
import copy

import nbformat

from autograder.authoring.samples import released, solved
from autograder.cells import grade_id
from helpers import planted_bugs, with_bug

ASSIGNMENT = "01_custom_layers"
NAME = "custom_layers_exercise"
PARTS = ("test_my_dense", "test_running_sum", "test_gaussian_noise", "test_batch_norm")


def correct():
    return solved(ASSIGNMENT, NAME)


def stub():
    return released(ASSIGNMENT, NAME)


def with_bug_in(notebook, part):
    """`notebook` with the first planted bug of `part` (tests/planted_bugs): that part's test fails."""
    return with_bug(notebook, next(b for b in planted_bugs(ASSIGNMENT) if b["part"] == part))


def cell(notebook, gid):
    [found] = [c for c in notebook.cells if grade_id(c) == gid]
    return found


def index(notebook, gid):
    return next(i for i, c in enumerate(notebook.cells) if grade_id(c) == gid)


def edited(notebook, gid, change):
    """A copy of `notebook` where `change(cell)` edited the cell with grade id `gid`."""
    notebook = copy.deepcopy(notebook)
    change(cell(notebook, gid))
    return notebook


def prepend(notebook, gid, code):
    return edited(notebook, gid, lambda c: setattr(c, "source", code + "\n" + c.source))


def append(notebook, gid, code):
    return edited(notebook, gid, lambda c: setattr(c, "source", c.source + "\n" + code))


def without(notebook, gid):
    notebook = copy.deepcopy(notebook)
    del notebook.cells[index(notebook, gid)]
    return notebook


def with_cell_after(notebook, gid, code):
    """A new code cell (no nbgrader metadata: as a student adds one) after the cell `gid`."""
    notebook = copy.deepcopy(notebook)
    notebook.cells.insert(index(notebook, gid) + 1, nbformat.v4.new_code_cell(code))
    return notebook


def text(notebook):
    return nbformat.writes(notebook)
