"""Where the course's files are: the repository, its solutions/ (nbgrader source) and exercises/ (release)."""
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "solutions"
EXERCISES = REPO / "exercises"
BOOK_CONFIG = REPO / "_config.yml"
BOOK_TOC = REPO / "_toc.yml"
# Where Jupyter Book keeps executed notebooks when _config.yml names no cache (relative to the book's root).
BOOK_EXECUTION_CACHE = "_build/.jupyter_cache"
# An assignment's hidden tests, judged by the grader (autograder/kernel/referee.py): never released,
# never copied where a student's kernel runs.
HIDDEN_TESTS = "hidden_tests.py"


def assignments():
    """Assignment names: the folders of solutions/."""
    return sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir() and not p.name.startswith("."))


def notebook_names(assignment):
    """The notebooks of `assignment` (names without .ipynb)."""
    return sorted(p.stem for p in (SOLUTIONS / assignment).glob("*.ipynb"))


def book_toc():
    """_toc.yml, Jupyter Book's table of contents, as data."""
    return yaml.safe_load(BOOK_TOC.read_text(encoding="utf-8"))


def book_pages():
    """The book's pages as _toc.yml lists them (paths from the repository, without extension), in reading order."""
    toc = book_toc()
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return pages
