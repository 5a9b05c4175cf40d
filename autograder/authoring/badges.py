"""The "Open in Colab" badge under the title of each released exercise notebook.

The repository's address is one setting: `repository.url` and `repository.branch` in
_config.yml. The book's launch buttons read it there; the release (autograder/authoring/inline.py)
writes the badge into each exercise's first cell from the same setting. A fork changes the one
line and runs `make exercises`; `autograder check` fails until it does.
"""
import yaml

from .. import repo

BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"


def repository():
    """The `repository` section of _config.yml: `url` (on GitHub) and `branch`."""
    return yaml.safe_load(repo.BOOK_CONFIG.read_text(encoding="utf-8"))["repository"]


def colab_url(exercise):
    """The Colab address of `exercise` (a path under exercises/) in the configured repository."""
    config = repository()
    github = config["url"].removeprefix("https://github.com/").strip("/")
    relative = exercise.resolve().relative_to(repo.REPO).as_posix()
    return f"https://colab.research.google.com/github/{github}/blob/{config.get('branch', 'main')}/{relative}"


def badge(solution):
    """The badge of the exercise generated from the solution notebook `solution`."""
    exercise = repo.EXERCISES / solution.resolve().relative_to(repo.SOLUTIONS)
    return f"[![Open In Colab]({BADGE_IMAGE})]({colab_url(exercise)})"


def with_badge(notebook, solution):
    """Puts the badge on the line after the title (the first line of the first cell, markdown)."""
    first = notebook.cells[0] if notebook.cells else None
    if first is None or first.cell_type != "markdown" or not first.source.startswith("# "):
        raise ValueError(f"{solution}: the first cell must be markdown starting with the '# Exercise' title")
    if BADGE_IMAGE in first.source:
        raise ValueError(f"{solution}: the badge is written by the release; remove it from the solution notebook")
    title, _, rest = first.source.partition("\n")
    first.source = f"{title}\n\n{badge(solution)}\n{rest}"
    return notebook
