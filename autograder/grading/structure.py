"""Putting a submitted notebook back into the assignment's shape before nbgrader grades it.

nbgrader matches cells by grade id and restores the source of locked cells, but it grades a
duplicated test cell twice, leaves a test cell that was moved above its solution there (where
it fails), cannot grade a test cell retyped as markdown, and trusts edited nbgrader metadata
in ways that make autograde fail. This module rebuilds the notebook from the released one:

- the assignment's cells (markdown, locked, tests) come from the release, in its order, with
  its metadata: edits, deletions, duplicates, moves and retyping of these cells are undone (and
  reported, but for the summary cell's: the grader never runs it, and the Korean notebook's
  has Korean titles);
- a solution cell keeps the student's source (first cell with that grade id), with the
  release's metadata; a missing one is not invented (as in nbgrader: the tests then fail);
- cells the student added (code without a known grade id, later copies of a solution cell)
  are kept, after the assignment cell that preceded them in the student's notebook; cells
  carrying nbgrader metadata with an unknown id, locked or graded (a course cell whose id was
  edited), are dropped; the student's markdown is dropped (it grades nothing).
- cells whose nbgrader metadata is gone (some editors drop cell metadata on save) are matched to
  the assignment's cells first: by cell id, then a course cell by its exact source, then a code cell
  just before a matched test cell as that test's solution cell (the release's order).

`repair` returns the notebook and what it changed; an untouched notebook comes back with nothing
changed. The hidden tests are not in the release: nbgrader puts them back from the gradebook.
"""
import copy
import uuid

import nbformat

from ..cells import SUMMARY_CELL_ID, grade_id, is_graded, is_locked, is_solution, nbgrader


def repair(submitted, released):
    """(notebook to grade, list of changes described for the instructor and the student)."""
    release_ids = [grade_id(cell) for cell in released.cells if grade_id(cell)]
    release_cells = {grade_id(cell): cell for cell in released.cells if grade_id(cell)}
    changes, seen, anchor = [], set(), None
    first = {}  # grade id -> the student's first cell with it
    extras = {}  # grade id of the preceding assignment cell (None: before any) -> added cells
    identified = _identify_bare_cells(submitted, released)
    if identified:
        changes.append(f"{len(identified)} cells had lost their nbgrader metadata; they were matched to the "
                       "assignment's cells by cell id, content and position")
    submitted_id = lambda cell: identified.get(id(cell)) or _submitted_id(cell)  # noqa: E731
    for cell in submitted.cells:
        gid = submitted_id(cell)
        if gid in release_cells and gid not in seen:
            seen.add(gid)
            first[gid] = cell
            anchor = gid
        elif gid in release_cells:  # a second copy
            if is_solution(release_cells[gid]):
                extras.setdefault(anchor, []).append(_as_added(cell))
            else:
                changes.append(f"a duplicate of {gid} was removed")
        elif gid is not None and (is_locked(cell) or is_graded(cell)):
            changes.append(f"a locked or graded cell with an unknown grade id ({gid!r}) was removed")
        elif cell.cell_type == "code":
            if gid is not None:
                changes.append(f"a solution cell whose grade id was changed to {gid!r} was kept as added code")
            extras.setdefault(anchor, []).append(_as_added(cell))

    order = [gid for gid in map(submitted_id, submitted.cells) if gid in first]
    if list(dict.fromkeys(order)) != [gid for gid in release_ids if gid in first]:
        changes.append("cells of the assignment were out of order; the assignment's order was restored")
    cells = list(extras.get(None, []))
    for cell in released.cells:
        gid = grade_id(cell)
        if gid is None:
            cells.append(copy.deepcopy(cell))
            continue
        mine = first.get(gid)
        if is_solution(cell):
            if mine is not None:
                cells.append(_solution(cell, mine, [] if id(mine) in identified else changes))
        else:
            cells.append(copy.deepcopy(cell))
            if gid != SUMMARY_CELL_ID:  # never graded, and the Korean notebook's has Korean titles: put back unsaid
                changes += _differences(gid, cell, mine, metadata=id(mine) not in identified)
        cells.extend(extras.get(gid, []))
    notebook = copy.deepcopy(released)
    notebook.cells = cells
    _unique_ids(notebook)
    return notebook, changes


def _identify_bare_cells(submitted, released):
    """{id(cell): grade id} for the submitted cells with no nbgrader metadata that are the assignment's.

    By cell id (nbformat 4.5 ids survive most editors), then a course cell by its exact source, then a
    code cell just before a test cell (markdown between them skipped) as that test's solution cell.
    """
    bare = [cell for cell in submitted.cells if not nbgrader(cell)]
    if not bare:
        return {}
    by_cell_id = {cell.get("id"): grade_id(cell) for cell in released.cells if grade_id(cell) and cell.get("id")}
    by_source = {cell.source: grade_id(cell) for cell in released.cells
                 if grade_id(cell) and not is_solution(cell) and cell.source.strip()}
    taken = {_submitted_id(cell) for cell in submitted.cells if nbgrader(cell)}
    found = {}
    for cell in bare:
        gid = by_cell_id.get(cell.get("id")) or (by_source.get(cell.source) if cell.cell_type == "code" else None)
        if gid and gid not in taken:
            found[id(cell)] = gid
            taken.add(gid)
    release_order = [grade_id(cell) for cell in released.cells if grade_id(cell)]
    solution_before = {test: before for before, test in zip(release_order, release_order[1:])
                       if is_solution(next(c for c in released.cells if grade_id(c) == before))}
    cells = submitted.cells
    for index, cell in enumerate(cells):
        solution = solution_before.get(found.get(id(cell)) or _submitted_id(cell))
        if not solution or solution in taken:
            continue
        previous = index - 1
        while previous >= 0 and cells[previous].cell_type == "markdown" and not nbgrader(cells[previous]):
            previous -= 1
        candidate = cells[previous] if previous >= 0 else None
        if candidate is not None and candidate.cell_type == "code" and not nbgrader(candidate) \
                and id(candidate) not in found:
            found[id(candidate)] = solution
            taken.add(solution)
    return found


def _submitted_id(cell):
    """A submitted cell's grade id; one edited into something other than text (a list, a number) is an
    unknown id, written as text."""
    gid = grade_id(cell)
    return gid if gid is None or isinstance(gid, str) else repr(gid)[:50]


def _solution(released_cell, mine, changes):
    cell = copy.deepcopy(released_cell)
    if mine.cell_type != "code":
        changes.append(f"{grade_id(released_cell)} was turned into {mine.cell_type}; it was made code again")
    if nbgrader(mine) != nbgrader(released_cell):
        changes.append(f"the nbgrader metadata of {grade_id(released_cell)} was edited; it was restored")
    cell.source = mine.source
    return cell


def _differences(gid, released_cell, mine, metadata=True):
    if mine is None:
        return [f"{gid} was missing; it was put back"]
    found = []
    if mine.cell_type != released_cell.cell_type:
        found.append(f"{gid} was turned into {mine.cell_type}; it was restored")
    elif mine.source != released_cell.source:
        found.append(f"{gid} was edited; it was restored")
    if metadata and nbgrader(mine) != nbgrader(released_cell):
        found.append(f"the nbgrader metadata of {gid} was edited; it was restored")
    return found


def _as_added(cell):
    """A cell the student added: code, run where it was, but never graded nor locked."""
    added = nbformat.v4.new_code_cell(cell.source if cell.cell_type == "code" else "")
    added.metadata = {k: v for k, v in cell.get("metadata", {}).items() if k != "nbgrader"}
    return added


def _unique_ids(notebook):
    seen = set()
    for cell in notebook.cells:
        if cell.get("id") in seen or not cell.get("id"):
            cell.id = uuid.uuid4().hex[:8]
        seen.add(cell.id)
