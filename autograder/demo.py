"""The grading demo: sample submissions for an assignment, graded like a real batch.

The samples are made from the shipped solution and planted bugs, so they always match the
current exercise: a correct one, a partly correct one, the untouched stub and a broken file.
"""
from pathlib import Path

import nbformat

from .grading import Course
from .submissions import planted_bugs, released, solved, with_bug

SAMPLE_STUDENTS = {
    "ada": "correct",
    "grace": "partly correct: one planted bug in the last graded part",
    "linus": "the untouched stub",
    "alan": "a broken notebook (truncated JSON)",
}


def write_samples(assignment, folder):
    """Writes <student>.ipynb files into `folder`; returns the grades each must get."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    [name] = Course.notebook_names_of(assignment)
    parts = Course.parts_of(assignment)
    last_part = list(parts)[-1]
    bug = next(b for b in planted_bugs(assignment) if b["part"] == last_part)
    full = float(sum(parts.values()))
    nbformat.write(solved(assignment, name), folder / "ada.ipynb")
    nbformat.write(with_bug(solved(assignment, name), bug), folder / "grace.ipynb")
    nbformat.write(released(assignment, name), folder / "linus.ipynb")
    text = nbformat.writes(solved(assignment, name))
    (folder / "alan.ipynb").write_text(text[: len(text) // 2])
    return {"ada": ("graded", full), "grace": ("graded", full - parts[last_part]),
            "linus": ("graded", 0.0), "alan": ("unreadable", 0.0)}
