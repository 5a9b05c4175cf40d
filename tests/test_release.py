"""The committed notebooks are what they should be: clean, with nbgrader metadata, and in sync."""
import nbformat
import pytest

from autograder import badges, inline, release
from autograder.course import EXERCISES, REPO, SOLUTIONS, assignments

NOTEBOOKS = sorted(REPO.glob("book/*.ipynb")) + sorted(SOLUTIONS.glob("*/*.ipynb")) + sorted(EXERCISES.glob("*/*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(REPO)))
def test_notebook_is_committed_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    dirty = [i for i, c in enumerate(notebook.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"{path.name}: code cells {dirty} have outputs; strip them before committing"


@pytest.mark.parametrize("assignment", assignments())
def test_solution_has_graded_parts_with_hidden_tests(assignment):
    [path] = sorted((SOLUTIONS / assignment).glob("*.ipynb"))
    cells = nbformat.read(path, as_version=4).cells
    meta = [c.metadata.get("nbgrader", {}) for c in cells]
    graded = [c for c, m in zip(cells, meta) if m.get("grade")]
    assert len(graded) >= 4, "an exercise has at least four graded parts"
    assert all(m.get("locked") and m.get("points", 0) > 0 for m in meta if m.get("grade"))
    assert all("### BEGIN HIDDEN TESTS" in c.source for c in graded), "every graded part has hidden tests"
    assert sum(1 for m in meta if m.get("solution")) >= 4
    assert [m.get("grade_id") for m in meta if m.get("locked") and not m.get("grade")][:2] == ["setup", inline.CHECKS_CELL_ID]


def test_checks_cells_match_the_checks_library():
    assert inline.stale_notebooks() == [], "run `make exercises`"


def test_colab_badges_open_the_exercises_of_the_configured_repository(monkeypatch):
    assert badges.stale_notebooks() == [], "run `make exercises`"
    for path in sorted(EXERCISES.glob("*/*.ipynb")):
        first = nbformat.read(path, as_version=4).cells[0].source
        assert f"/blob/main/exercises/{path.parent.name}/{path.name})" in first, first
    # A fork changes repository.url: every badge is then stale until `make exercises` rewrites it.
    monkeypatch.setattr(badges, "repository", lambda: {"url": "https://github.com/someone/fork", "branch": "dev"})
    assert badges.stale_notebooks() == sorted(SOLUTIONS.glob("*/*.ipynb"))
    path = sorted(SOLUTIONS.glob("*/*.ipynb"))[0]
    assert f"github/someone/fork/blob/dev/exercises/{path.parent.name}/{path.name})" in badges.badge(path)


def test_exercises_are_what_nbgrader_generates():
    assert release.out_of_sync() == [], "run `make exercises`"


def test_checks_cell_runs_standalone():
    """The inlined source defines every public check without importing the autograder package."""
    namespace = {}
    exec(compile(inline.checks_source(), "course_checks", "exec"), namespace)
    import autograder.checks as checks
    public = {name for name in dir(checks) if name.startswith("check_")}
    assert public <= set(namespace), f"missing from the inlined cell: {sorted(public - set(namespace))}"
