"""The nbgrader cell vocabulary: what a cell of an exercise notebook is, read from its metadata.

Works on nbformat cells and on plain dicts (a notebook read as JSON).
"""
import re

SETUP_CELL_ID = "setup"  # locked: the imports
CHECKS_CELL_ID = "course_checks"  # locked: the course checks, inlined into released notebooks
# Locked, last: runs every visible test again and prints a summary. Written by the release, not
# run by the grader (its result would only repeat the test cells').
SUMMARY_CELL_ID = "summary_of_tests"
SOLUTION_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*(\n|\Z)", re.MULTILINE)


def nbgrader(cell):
    """The cell's nbgrader metadata ({} when it has none)."""
    metadata = cell.get("metadata", {})
    found = metadata.get("nbgrader", {}) if isinstance(metadata, dict) else {}
    return found if isinstance(found, dict) else {}


def grade_id(cell):
    return nbgrader(cell).get("grade_id")


def is_solution(cell):
    """A cell the student writes."""
    return bool(nbgrader(cell).get("solution"))


def is_test(cell):
    """A graded test cell: code, graded, not written by the student."""
    return cell.get("cell_type") == "code" and is_graded(cell) and not is_solution(cell)


def is_graded(cell):
    """A cell that carries points: a test cell (or, in nbgrader's model, a graded solution cell)."""
    return bool(nbgrader(cell).get("grade"))


def is_locked(cell):
    return bool(nbgrader(cell).get("locked"))


def points(cell):
    return nbgrader(cell).get("points", 0)


def without_solution_markers(source):
    """A solution cell's source as the instructor's answer, without nbgrader's BEGIN/END SOLUTION lines."""
    return SOLUTION_MARKER.sub("", source)
