"""Admitting a submitted file: is it a notebook, readable, and one of this assignment?

A file that is not is graded 0 without running anything, with a reason a student can act on:
`unreadable` (empty, not UTF-8, not JSON or cut short, an nbformat other than 4, not a valid
notebook) or `wrong assignment` (its graded cells belong to another assignment).
"""
import json

import nbformat

from ..cells import grade_id


class Rejected(Exception):
    def __init__(self, status, reason):
        super().__init__(reason)
        self.status, self.reason = status, reason


def read(path, assignment, assignment_ids, other_assignments_ids):
    """The notebook at `path`, or Rejected.

    `assignment_ids` are the grade ids of the assignment's notebook; `other_assignments_ids`
    maps each other assignment to its grade ids, to name the one a stray notebook belongs to.
    """
    data = path.read_bytes()
    if not data.strip():
        raise Rejected("unreadable", f"{path.name}: the file is empty")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Rejected("unreadable", f"{path.name}: not UTF-8 text (byte {error.start}); "
                                     "save the notebook from Jupyter instead of converting it") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise Rejected("unreadable", f"{path.name}: not valid JSON, or cut short ({error.msg} at line "
                                     f"{error.lineno}); download the notebook again from Jupyter") from None
    if not isinstance(raw, dict) or "nbformat" not in raw:
        raise Rejected("unreadable", f"{path.name}: JSON, but not a notebook (no nbformat version)")
    if raw["nbformat"] != 4:
        raise Rejected("unreadable", f"{path.name}: notebook format {raw['nbformat']!r}, not 4; "
                                     "open it in a current Jupyter and save it")
    try:
        notebook = nbformat.reads(text, as_version=4)
        nbformat.validate(notebook)
    except Exception as error:  # any schema problem: reported, nothing run
        first = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        raise Rejected("unreadable", f"{path.name}: not a valid notebook: {first}") from None
    # Ids every assignment has ("setup", "course_checks") say nothing about which one this is.
    ids = {grade_id(cell) for cell in notebook.cells} - {None}
    own = set(assignment_ids) - set().union(*map(set, other_assignments_ids.values()))
    owners = [name for name, other in sorted(other_assignments_ids.items()) if ids & (set(other) - set(assignment_ids))]
    if owners and not ids & own:
        raise Rejected("wrong assignment", f"{path.name}: a notebook of {owners[0]}, not of {assignment}")
    return notebook
