"""One grading job: what a worker process needs to grade one student, sent as one JSON line on its stdin."""
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
