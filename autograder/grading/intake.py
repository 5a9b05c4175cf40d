"""Admitting a submitted file: is it a file of the submissions, a notebook, readable, and one of this assignment?

A file that is not is graded 0 without running anything, with a reason a student can act on:
`unreadable` (not a regular file, over MAX_BYTES, empty, not UTF-8, not JSON or cut short, nested
deeper than MAX_DEPTH, a number too long for Python, an unpaired surrogate, an nbformat other
than 4, over MAX_CELLS cells, not a valid notebook) or `wrong assignment` (its graded cells belong
to another assignment).

Files are read only as regular files below the submissions folder, opened one path component at a
time without following symbolic links (a link could point at the solutions, a FIFO would block,
/dev/zero never ends), and never beyond MAX_BYTES.
"""
import json
import os
import stat
import sys
from pathlib import Path

import nbformat

from ..cells import grade_id

MAX_BYTES = 20 * 2**20  # a notebook with its outputs; Jupyter's own are rarely over a few MiB
MAX_CELLS = 1000  # the exercises have under 20; a notebook of 20,000 cells outlasts any time limit
MAX_DEPTH = 100  # JSON nesting; Jupyter writes about 10 levels, nbformat's checks recurse past 500
KINDS = {stat.S_IFREG: "a file", stat.S_IFDIR: "a folder", stat.S_IFLNK: "a symbolic link", stat.S_IFIFO: "a FIFO",
         stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device", stat.S_IFSOCK: "a socket"}


class Rejected(Exception):
    def __init__(self, status, reason):
        super().__init__(reason)
        self.status, self.reason = status, reason


def kind(mode):
    """What a file of this `st_mode` is, in words ("a file", "a symbolic link", ...)."""
    return KINDS.get(stat.S_IFMT(mode), "not a regular file")


def read(root, path, assignment, assignment_ids, other_assignments_ids):
    """The notebook at `path`, a file below the folder `root`, or Rejected.

    `assignment_ids` are the grade ids of the assignment's notebook; `other_assignments_ids`
    maps each other assignment to its grade ids, to name the one a stray notebook belongs to.
    """
    return parse(read_bytes(root, path), Path(path).name, assignment, assignment_ids, other_assignments_ids)


def read_bytes(root, path):
    """The content of `path`, a regular file below the folder `root`, at most MAX_BYTES, or Rejected."""
    relative = Path(path).relative_to(root)
    try:
        folder = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
        try:
            for part in relative.parts[:-1]:
                inner = _enter(folder, part, relative)
                os.close(folder)
                folder = inner
            handle = _open_file(folder, relative)
        finally:
            os.close(folder)
        with os.fdopen(handle, "rb") as stream:
            data = stream.read(MAX_BYTES + 1)
    except OSError as error:
        raise Rejected("unreadable", f"{relative}: cannot be read ({error.strerror})") from None
    if len(data) > MAX_BYTES:
        raise Rejected("unreadable", f"{relative}: over {MAX_BYTES // 2**20} MiB, the most a notebook may have; "
                                     "clear large outputs (Edit > Clear Outputs of All Cells) and save it again")
    return data


def _enter(folder, name, relative):
    """A descriptor of the sub-folder `name` of the open `folder`, or Rejected."""
    _expect(os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode, stat.S_IFDIR, relative)
    return os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=folder)


def _open_file(folder, relative):
    """A descriptor of the regular file `relative.name` in the open `folder`, or Rejected.

    Checked before opening (opening a device can act on it), and again on what was opened, in
    case it was swapped meanwhile; O_NONBLOCK: opening a FIFO never waits for a writer.
    """
    _expect(os.stat(relative.name, dir_fd=folder, follow_symlinks=False).st_mode, stat.S_IFREG, relative)
    handle = os.open(relative.name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder)
    try:
        _expect(os.fstat(handle).st_mode, stat.S_IFREG, relative)
    except Rejected:
        os.close(handle)
        raise
    return handle


def _expect(mode, wanted, relative):
    if stat.S_IFMT(mode) != wanted:
        raise Rejected("unreadable", f"{relative}: {kind(mode)}, not {KINDS[wanted]}; submit the notebook file "
                                     "itself (links, FIFOs and devices are not read)")


def parse(data, name, assignment, assignment_ids, other_assignments_ids):
    """The notebook in the bytes `data` of the file `name`, or Rejected (see `read`)."""
    if not data.strip():
        raise Rejected("unreadable", f"{name}: the file is empty")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Rejected("unreadable", f"{name}: not UTF-8 text (byte {error.start}); "
                                     "save the notebook from Jupyter instead of converting it") from None
    raw = _json(text, name)
    if not isinstance(raw, dict) or "nbformat" not in raw:
        raise Rejected("unreadable", f"{name}: JSON, but not a notebook (no nbformat version)")
    if isinstance(raw.get("cells"), list) and len(raw["cells"]) > MAX_CELLS:
        raise Rejected("unreadable", f"{name}: {len(raw['cells']):,} cells, over the {MAX_CELLS:,} a notebook may "
                                     "have; delete the cells you added")
    if problem := _oddity_of_notebook(raw):
        raise Rejected("unreadable", f"{name}: {problem}; download the notebook again from Jupyter")
    if raw["nbformat"] != 4:
        raise Rejected("unreadable", f"{name}: notebook format {repr(raw['nbformat'])[:20]}, not 4; "
                                     "open it in a current Jupyter and save it")
    try:
        notebook = nbformat.reads(text, as_version=4)
        nbformat.validate(notebook)
    except Exception as error:  # any schema problem: reported, nothing run
        first = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        raise Rejected("unreadable", f"{name}: not a valid notebook: {first}") from None
    _check_assignment(notebook, name, assignment, assignment_ids, other_assignments_ids)
    return notebook


def _json(text, name):
    """The JSON value of `text`, or Rejected; Python's parser raises more than JSONDecodeError."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise Rejected("unreadable", f"{name}: not valid JSON, or cut short ({error.msg} at line "
                                     f"{error.lineno}); download the notebook again from Jupyter") from None
    except RecursionError:
        raise Rejected("unreadable", f"{name}: JSON nested too deep to be a notebook; "
                                     "download the notebook again from Jupyter") from None
    except ValueError:  # the only other one: an integer longer than Python converts
        raise Rejected("unreadable", f"{name}: a number with over {sys.get_int_max_str_digits()} digits, which no "
                                     "notebook has; clear the outputs and save the notebook again") from None


def _oddity_of_notebook(raw):
    """What in a parsed notebook no Jupyter notebook has and later steps cannot handle, and where."""
    cells = raw["cells"] if isinstance(raw.get("cells"), list) else []
    for number, cell in enumerate(cells, 1):
        if problem := _oddity(cell, depth=3):
            return f"cell {number}: {problem}"
    return _oddity({key: value for key, value in raw.items() if key != "cells"}, depth=1)


def _oddity(value, depth):
    """Nesting deeper than MAX_DEPTH (nbformat's checks recurse) or a string with an unpaired surrogate
    (a lone `\\ud800` escape is valid JSON but cannot be written as UTF-8); None when there is neither.
    Iterative: a recursive walk would fail on the nesting it looks for."""
    stack = [(value, depth)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return f"values nested more than {MAX_DEPTH} levels deep"
        if isinstance(value, dict):
            stack += [(key, depth) for key in value] + [(item, depth + 1) for item in value.values()]
        elif isinstance(value, list):
            stack += [(item, depth + 1) for item in value]
        elif isinstance(value, str) and not _encodable(value):
            return "an unpaired surrogate escape (such as \\ud800), which is not a character"
    return None


def _encodable(text):
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_assignment(notebook, name, assignment, assignment_ids, other_assignments_ids):
    """Rejected as `wrong assignment` when the notebook's graded cells are only another assignment's."""
    # Ids every assignment has ("setup", "course_checks") say nothing about which one this is.
    ids = {gid for cell in notebook.cells if isinstance(gid := grade_id(cell), str)}
    own = set(assignment_ids) - set().union(*map(set, other_assignments_ids.values()))
    owners = [other for other, other_ids in sorted(other_assignments_ids.items())
              if ids & (set(other_ids) - set(assignment_ids))]
    if owners and not ids & own:
        raise Rejected("wrong assignment", f"{name}: a notebook of {owners[0]}, not of {assignment}")
