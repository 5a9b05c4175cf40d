"""The grading demo: the sample submissions of each assignment (autograder/authoring/samples.py), graded
like a real batch."""
from pathlib import Path

from ..authoring.samples import DEMO_STUDENTS, write_demo
from .batch import grade_batch


def run(assignments, out, workers, sandboxed=True):
    for assignment in assignments:
        folder = Path(out) / assignment
        print(f"\n== {assignment}: " + "; ".join(f"{s}: {what}" for s, what in DEMO_STUDENTS.items()))
        write_demo(assignment, folder / "submissions")
        grade_batch(assignment, folder / "submissions", folder, workers=workers, force=True, sandboxed=sandboxed)
