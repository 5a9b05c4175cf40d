"""What several test files need: reading grades.csv, planted bugs, alternative solutions, notebook edits, the demo's expected grades."""
import copy
import csv
import runpy
import subprocess
import sys
from pathlib import Path

from nbgrader.api import Gradebook

from autograder import cells, course, repo
from autograder.grading import incidents

# The batch (collect, workers, gradebook, report) is the same for every assignment: the tests of the
# batch grade this one, the cheapest to grade. test_grading grades every assignment's variants.
BATCH_ASSIGNMENT = "05_autodiff"
PLANTED_BUGS = Path(__file__).resolve().parent / "planted_bugs"
ALTERNATIVES = Path(__file__).resolve().parent / "alternatives"


def grade_rows(out):
    """{student: row of grades.csv as a dict}."""
    with open(Path(out) / "grades.csv", newline="") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


def gradebook_totals(out, assignment):
    """{student: total} of the submissions that the gradebook of a batch's output folder holds."""
    with Gradebook(f"sqlite:///{Path(out) / 'course' / 'gradebook.db'}", "keras-customization") as gradebook:
        return {s.student.id: s.score for s in gradebook.find_assignment(assignment).submissions}


def statuses_and_totals(out):
    """{student: (status, total)} from grades.csv."""
    return {student: (row["status"], float(row["total"])) for student, row in grade_rows(out).items()}


def demo_grades(assignment):
    """The grades the demo's sample submissions (autograder/authoring/samples.py) must get."""
    parts = course.parts(assignment)
    full = float(sum(parts.values()))
    return {"ada": ("graded", full), "grace": ("graded", full - list(parts.values())[-1]),
            "linus": ("graded", 0.0), "alan": ("unreadable", 0.0)}


def planted_bugs(assignment):
    """The plausible student mistakes listed for `assignment` (tests/planted_bugs/)."""
    return runpy.run_path(str(PLANTED_BUGS / f"{assignment}.py"))["BUGS"]


def with_bug(notebook, bug):
    """A copy of `notebook` with one planted bug applied to its solution cell."""
    notebook = copy.deepcopy(notebook)
    [cell] = [c for c in notebook.cells if cells.grade_id(c) == bug["cell"]]
    if cell.source.count(bug["old"]) != 1:
        raise ValueError(f"planted bug '{bug['why']}' no longer matches the solution of {bug['cell']}")
    cell.source = cell.source.replace(bug["old"], bug["new"])
    return notebook


def alternatives(assignment):
    """Correct solutions written differently from the instructor's (tests/alternatives/): each must get full marks."""
    path = ALTERNATIVES / f"{assignment}.py"
    return runpy.run_path(str(path))["ALTERNATIVES"] if path.exists() else []


def with_solutions(notebook, sources):
    """A copy of `notebook` whose solution cells named in `sources` ({grade id: code}) hold that code instead."""
    notebook = copy.deepcopy(notebook)
    for cell in notebook.cells:
        if cells.is_solution(cell) and cells.grade_id(cell) in sources:
            cell.source = sources[cells.grade_id(cell)]
    missing = set(sources) - {cells.grade_id(c) for c in notebook.cells if cells.is_solution(c)}
    if missing:
        raise ValueError(f"no solution cells {sorted(missing)} in the notebook")
    return notebook


def without_cell(notebook, grade_id):
    notebook = copy.deepcopy(notebook)
    notebook.cells = [c for c in notebook.cells if cells.grade_id(c) != grade_id]
    return notebook


def only_notebook(assignment):
    [name] = repo.notebook_names(assignment)
    return name


def stand_in_worker(fails, hangs):
    """A Batch._spawn_worker that starts, instead of a grading worker, a process that takes its job line
    and answers as a worker whose nbgrader stored the grades (they must be in the gradebook already),
    except for the student `fails` (the worker exits with an error) and `hangs` (it never answers)."""
    code = f'''
import sys, time
job = sys.stdin.readline()
if '"student": "{fails}"' in job:
    sys.exit("nbgrader crashed")
if '"student": "{hangs}"' in job:
    time.sleep(600)
if job.strip():
    print({incidents.to_line([])!r})
'''

    def spawn(batch):
        return subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
    return spawn
