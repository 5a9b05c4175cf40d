"""What the instructor decides on top of the autograded points: manual overrides and the late policy.

Both are applied when grades.csv, the report and the LMS exports are written, never to state.json:
the autograded points stay as graded (`scores`, `total`), and changing an override or the penalty
needs no regrade. An adjusted entry keeps the autograded points in `autograded_scores` and
`autograded_total`, lists its `overrides`, and the lateness in `days_late` and `late_penalty` (percent).

Overrides (a CSV file with the columns student, part, points, reason) replace a part's autograded
points. The late penalty takes PERCENT_PER_DAY off the total (after overrides) for each started day
past the deadline; past `cutoff_days` days the total is 0. A submission is late when collect marked
it so (an LMS `late_` file name) or when its time (file modification time, or the LMS zip entry's
date) is past the deadline; a submission marked late whose time is unknown or not past the
deadline counts one day late.
"""
import csv
import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

OVERRIDE_COLUMNS = ("student", "part", "points", "reason")


class PolicyError(ValueError):
    """An overrides file or late policy that cannot be applied: said before anything is graded."""


@dataclass(frozen=True)
class Override:
    student: str
    part: str
    points: float
    reason: str


def read_overrides(path, parts):
    """The overrides of the CSV file at `path`, checked against `parts` ({part: max points}); PolicyError
    naming the line of each problem. The students are checked by `check_students`, once they are known."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
            header = [name.strip().lower() for name in (rows and rows[0].keys() or _header(path))]
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise PolicyError(f"{path}: cannot be read ({error})") from None
    missing = [name for name in OVERRIDE_COLUMNS if name not in header]
    if missing:
        raise PolicyError(f"{path}: no column {', '.join(missing)} (the columns are {', '.join(OVERRIDE_COLUMNS)})")
    overrides, problems, seen = [], [], {}
    for line, row in enumerate(rows, start=2):
        row = {(key or "").strip().lower(): (value or "").strip() for key, value in row.items()}
        student, part, reason = row["student"], row["part"], row["reason"]
        if not student and not part and not row["points"]:
            continue  # an empty line
        try:
            points = float(row["points"])
        except ValueError:
            problems.append(f"line {line}: points {row['points']!r} is not a number")
            continue
        if not student:
            problems.append(f"line {line}: no student")
        if part not in parts:
            problems.append(f"line {line}: unknown part {part!r} (the parts are {', '.join(parts)})")
        elif not (math.isfinite(points) and 0 <= points <= parts[part]):
            problems.append(f"line {line}: {points:g} points for {part}, out of 0..{parts[part]:g}")
        if not reason:
            problems.append(f"line {line}: no reason (the student sees it)")
        if (student, part) in seen:
            problems.append(f"line {line}: a second override of {part} for {student} (line {seen[student, part]})")
        seen[student, part] = line
        overrides.append(Override(student, part, points, reason))
    if problems:
        raise PolicyError(f"{path}: " + "; ".join(problems))
    return overrides


def _header(path):
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return next(csv.reader(handle), [])


def parts_of(assignment):
    """{part: max points} of `assignment`."""
    from ..course import parts

    return parts(assignment)


def check_students(overrides, students, where="the overrides"):
    """PolicyError when an override names a student who has no submission."""
    unknown = sorted({o.student for o in overrides} - set(students))
    if unknown:
        raise PolicyError(f"{where}: no submission of {', '.join(unknown)}")


@dataclass(frozen=True)
class LatePolicy:
    deadline: datetime = None  # aware, or naive for the machine's local time
    percent_per_day: float = 0.0
    cutoff_days: float = None  # later than this many days: 0 points

    def __post_init__(self):
        if not (math.isfinite(self.percent_per_day) and 0 <= self.percent_per_day <= 100):
            raise PolicyError(f"late penalty {self.percent_per_day:g}% per day: use 0 to 100")
        if self.cutoff_days is not None and not self.cutoff_days >= 0:
            raise PolicyError(f"late cutoff {self.cutoff_days:g} days: use 0 or more")

    @property
    def active(self):
        return self.deadline is not None or self.percent_per_day > 0 or self.cutoff_days is not None

    def days_late(self, marked_late, submitted_at):
        """Started days past the deadline (0: on time) of a submission made at `submitted_at` (epoch
        seconds, or None when unknown), marked late by its LMS or not."""
        days = 0
        if self.deadline is not None and submitted_at is not None:
            seconds = submitted_at - self.deadline.timestamp()
            days = math.ceil(seconds / 86400) if seconds > 0 else 0
        return max(days, 1) if marked_late else days

    def penalty(self, days):
        """Percent taken off the total for `days` days late."""
        if days <= 0:
            return 0.0
        if self.cutoff_days is not None and days > self.cutoff_days:
            return 100.0
        return min(100.0, days * self.percent_per_day)


def parse_deadline(text):
    """An ISO 8601 date or date-time (`2026-03-01T23:59`, `2026-03-01T23:59+01:00`, `...Z`); PolicyError."""
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise PolicyError(f"deadline {text!r}: not an ISO 8601 date-time, e.g. 2026-03-01T23:59+01:00") from None


@dataclass
class Policy:
    overrides: list = field(default_factory=list)
    late: LatePolicy = field(default_factory=LatePolicy)

    @property
    def active(self):
        return bool(self.overrides) or self.late.active

    def apply(self, students, parts):
        """{student: entry} with the overrides and the late penalty applied (the entries themselves
        unchanged); the same entries when there is nothing to apply."""
        if not self.active:
            return students
        by_student = {}
        for override in self.overrides:
            by_student.setdefault(override.student, []).append(override)
        return {student: self._adjusted(entry, by_student.get(student, []), parts)
                for student, entry in students.items()}

    def _adjusted(self, entry, overrides, parts):
        raw = {part: float(entry["scores"].get(part, 0.0)) for part in parts}
        scores = {**raw, **{o.part: o.points for o in overrides}}
        total = sum(scores.values())
        days = self.late.days_late(entry.get("late", False), entry.get("submitted_at")) \
            if entry["status"] not in NOT_GRADED else 0
        penalty = self.late.penalty(days)
        return {**entry, "scores": scores, "total": round(total * (1 - penalty / 100), 4),
                "autograded_scores": raw, "autograded_total": float(entry["total"]),
                "overrides": [{"part": o.part, "points": o.points, "autograded": raw[o.part], "reason": o.reason}
                              for o in overrides],
                "days_late": days, "late_penalty": penalty}


# Statuses given 0 by the batch itself: no late penalty to take from them.
NOT_GRADED = ("unreadable", "wrong assignment", "error")


def describe_adjustments(entry):
    """Sentences for people about what changed an entry's autograded points; [] when nothing did."""
    lines = [f"{o['part']}: {o['points']:g} points instead of the autograded {o['autograded']:g} "
             f"({o['reason']})" for o in entry.get("overrides", [])]
    if entry.get("late_penalty"):
        before = sum(entry["scores"].values())
        lines.append(f"submitted {entry['days_late']} day(s) late: {entry['late_penalty']:g}% off the total, "
                     f"{before:g} -> {entry['total']:g}")
    return lines
