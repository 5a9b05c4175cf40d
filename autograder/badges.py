"""The "Open in Colab" badge in the first cell of each exercise notebook.

The repository's address is one setting: `repository.url` and `repository.branch` in
_config.yml. The book's launch buttons read it there; `make exercises` writes it into the badge
of each solution notebook (the exercises are generated from those), and `autograder check`
fails when a badge points elsewhere. A fork changes the one line and runs `make exercises`.
"""
import re

import nbformat
import yaml

from .course import EXERCISES, REPO, SOLUTIONS

BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
BADGE = re.compile(r"\[!\[Open In Colab\]\(" + re.escape(BADGE_IMAGE) + r"\)\]\([^)\s]*\)")


def repository():
    """The `repository` section of _config.yml: `url` (on GitHub) and `branch`."""
    return yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))["repository"]


def colab_url(exercise):
    """The Colab address of `exercise` (a path under exercises/) in the configured repository."""
    config = repository()
    github = config["url"].removeprefix("https://github.com/").strip("/")
    relative = exercise.resolve().relative_to(REPO).as_posix()
    return f"https://colab.research.google.com/github/{github}/blob/{config.get('branch', 'main')}/{relative}"


def badge(solution):
    """The badge the solution notebook `solution` should carry: it opens the generated exercise."""
    exercise = EXERCISES / solution.resolve().relative_to(SOLUTIONS)
    return f"[![Open In Colab]({BADGE_IMAGE})]({colab_url(exercise)})"


def _first_cell_with_badge(solution, notebook):
    first = notebook.cells[0] if notebook.cells else None
    if first is None or first.cell_type != "markdown" or len(BADGE.findall(first.source)) != 1:
        raise ValueError(f"{solution}: the first cell must be markdown holding one Open In Colab badge")
    return first


def stale_notebooks():
    """Solution notebooks whose badge does not point at their exercise in the configured repository."""
    return [path for path in sorted(SOLUTIONS.glob("*/*.ipynb"))
            if badge(path) not in _first_cell_with_badge(path, nbformat.read(path, as_version=4)).source]


def sync():
    """Rewrites the badge of every stale solution notebook; returns the notebooks it changed."""
    changed = stale_notebooks()
    for path in changed:
        notebook = nbformat.read(path, as_version=4)
        first = _first_cell_with_badge(path, notebook)
        first.source = BADGE.sub(lambda _: badge(path), first.source)
        nbformat.write(notebook, path)
    return changed
