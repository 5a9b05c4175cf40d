"""Where the course's files are: the repository, its solutions/ (nbgrader source) and exercises/ (release)."""
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "solutions"
EXERCISES = REPO / "exercises"
BOOK_CONFIG = REPO / "_config.yml"
# An assignment's hidden tests, judged by the grader (autograder/kernel/referee.py): never released,
# never copied where a student's kernel runs.
HIDDEN_TESTS = "hidden_tests.py"


def assignments():
    """Assignment names: the folders of solutions/."""
    return sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir() and not p.name.startswith("."))


def notebook_names(assignment):
    """The notebooks of `assignment` (names without .ipynb)."""
    return sorted(p.stem for p in (SOLUTIONS / assignment).glob("*.ipynb"))
