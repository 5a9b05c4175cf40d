"""What passes between the batch and a worker: the job, one JSON line on the worker's stdin, and the
worker's reports (its stages and incidents), marked JSON lines on its stdout."""
import json
from dataclasses import asdict, dataclass, field

from ..limits import Limits


@dataclass(frozen=True)
class Job:
    student: str
    root: str  # the nbgrader course folder
    assignment: str
    limits: Limits = field(default_factory=Limits)
    db_url: str = None
    show_hidden: bool = False
    sandboxed: bool = True
    seed: str = ""  # draws the hidden tests' inputs (kernel/referee.py); see Batch.seed

    def to_line(self):
        return json.dumps({**asdict(self), "limits": self.limits.to_dict()}) + "\n"

    @classmethod
    def from_line(cls, line):
        values = json.loads(line)
        return cls(**{**values, "limits": Limits.from_dict(values["limits"])})


def marked_line(marker, value):
    """A line of the worker's stdout that the batch reads back: `marker`, then `value` as JSON."""
    return marker + json.dumps(value)


def last_marked(marker, text):
    """The value of the last line of `text` that starts with `marker`; None when there is none."""
    lines = [line for line in text.splitlines() if line.startswith(marker)]
    return json.loads(lines[-1][len(marker):]) if lines else None
