"""How far the solution stays from the bounds of the visible checks that rest on a random start.

`python -m autograder margins [ASSIGNMENT...] [--seeds N]` (`make margins`). A test cell that
trains from a start fixed by `keras.utils.set_random_seed(0)` and bounds the outcome (`check_less`,
`check_greater`: a loss that must fall, a hit rate that must rise) passes the instructor's solution
at seed 0. A correct solution written differently (its layers created in another order, its noise
drawn another way) starts elsewhere: to be fair, the bound must hold from any start. This runs each
such cell again under seeds 0 to N-1, in this process, with those two checks recording instead of
failing, and prints for each bound the worst and mean share of it that the value takes, and how
many standard deviations that mean is from crossing it. Any other check that fails under some seed
is printed too.
"""
import contextlib
import io

import numpy as np

from .. import cells, checks, repo
from .samples import solved

SEEDED = "keras.utils.set_random_seed(0)"
BOUNDS = {"check_less": "<", "check_greater": ">"}


def seeded_cells(notebook):
    """The graded test cells that fix the random start and bound a value."""
    return [cell for cell in notebook.cells
            if cells.is_test(cell) and SEEDED in cell.source and any(f"{name}(" in cell.source for name in BOUNDS)]


def defined_names(notebook):
    """The names the notebook's code cells other than its tests (and the summary, which runs them) define, run
    here in order."""
    names = {}
    for cell in notebook.cells:
        if cell.cell_type == "code" and not cells.is_test(cell) and cells.grade_id(cell) != cells.SUMMARY_CELL_ID:
            exec(compile(cell.source, cells.grade_id(cell) or "cell", "exec"), names)
    return names


def bounded_values(cell, names, seed):
    """{what: (value, relation, bound)} of one run of `cell` from `seed`; raises what another check raised."""
    found = {}

    def recorder(relation):
        def record(got, bound, what, hint=None):
            found[what] = (float(np.asarray(got)), relation, float(bound))
        return record

    scope = dict(names, **{name: recorder(relation) for name, relation in BOUNDS.items()})
    with contextlib.redirect_stdout(io.StringIO()):  # the other checks' "ok:" lines
            exec(compile(cell.source.replace(SEEDED, f"keras.utils.set_random_seed({seed})"), cells.grade_id(cell), "exec"),
             scope)
    return found


def margin_line(what, runs):
    """One bounded value over the seeds, as a share of its bound that must stay below 1 (value / bound
    for `<`, bound / value for `>`: scale-free, as the bound may depend on the run, like half the
    first epoch's loss); its worst, and the distance from its mean to 1 in standard deviations."""
    relation = runs[0][1]
    if any(value <= 0 or bound <= 0 for value, _, bound in runs):  # a share needs positive numbers
        return f"  {what} ({relation} bound): values or bounds not all positive: {runs}"
    share = np.array([value / bound if relation == "<" else bound / value for value, _, bound in runs])
    spread = share.std()
    sigmas = f"{(1 - share.mean()) / spread:.1f}" if spread > 0 else "inf"
    return (f"  {what} ({relation} bound): {'value / bound' if relation == '<' else 'bound / value'} over "
            f"{len(share)} seeds at worst {share.max():.3g}, mean {share.mean():.3g}, sd {spread:.2g}: "
            f"1 is {sigmas} sd away")


def run(assignments, seeds):
    failures = 0
    for assignment in assignments:
        [name] = repo.notebook_names(assignment)
        notebook = solved(assignment, name)
        tested = seeded_cells(notebook)
        if not tested:
            continue
        names = defined_names(notebook)
        for cell in tested:
            print(f"{assignment} {cells.grade_id(cell)}", flush=True)
            runs = {}
            for seed in range(seeds):
                try:
                    for what, found in bounded_values(cell, names, seed).items():
                        runs.setdefault(what, []).append(found)
                except checks.CheckFailure as failure:
                    failures += 1
                    print(f"  seed {seed}: another check failed: {' '.join(str(failure).split())}")
            for what, found in runs.items():
                print(margin_line(what, found), flush=True)
    return failures
