"""What happened while one submission was graded, and the status that names it.

Recorded where it is seen (the Execute preprocessor in the worker, the structure repair in the
batch), carried from the worker to the batch as one JSON line on the worker's stdout, and
turned into the status of grades.csv by `status`. A worker grades a single student, so a
process-wide log is the whole record of one submission.
"""
from dataclasses import asdict, dataclass

from .job import last_marked, marked_line

# Most severe first: a submission's status is its most severe incident.
KINDS = {
    "tampered": "changed the grading environment (checks, libraries or the kernel's hooks); it was restored "
                "before each test, and a test whose run changed it again earns nothing",
    "crashed": "the kernel died; the cells after it did not run",
    "memory exceeded": "a cell ran out of memory (the kernel's memory cap)",
    "timed out": "a cell or the whole submission ran over its time limit",
    "output truncated": "a cell printed more than the grader keeps; the rest of its output was dropped",
    "restored": "cells of the assignment were missing, duplicated, moved, retyped or edited; the assignment's "
                "cells were put back before grading",
}
MARKER = "AUTOGRADER-INCIDENTS "


@dataclass
class Incident:
    kind: str
    where: str  # a cell (grade id or number) or "notebook"
    detail: str

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown incident kind {self.kind!r}")

    def __str__(self):
        return f"{self.kind} ({self.where}): {self.detail}"


class Log:
    def __init__(self):
        self.incidents = []

    def record(self, kind, where, detail):
        self.incidents.append(Incident(kind, where, detail))

    def drain(self):
        incidents, self.incidents = self.incidents, []
        return incidents


LOG = Log()


def to_line(incidents):
    return marked_line(MARKER, [asdict(i) for i in incidents])


def from_output(text):
    """The incidents a worker printed (the last marked line of its stdout)."""
    return [Incident(**item) for item in last_marked(MARKER, text) or []]


def status(incidents, late):
    """(status, detail) of a graded submission: its most severe incident, else late or graded."""
    kinds = {incident.kind for incident in incidents}
    worst = next((kind for kind in KINDS if kind in kinds), None)
    details = [str(incident) for incident in incidents] + (["submitted late"] if late else [])
    return worst or ("late" if late else "graded"), "; ".join(details)
