"""The committed notebooks are what they should be: clean, with nbgrader metadata, and exercises/ in sync."""
import ast

import nbformat
import pytest

from autograder import cells, repo
from autograder.authoring import badges, inline, release, samples
from autograder.kernel import referee
from autograder.repo import EXERCISES, REPO, SOLUTIONS, assignments

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
    notebook = nbformat.read(path, as_version=4).cells
    tests = [c for c in notebook if cells.is_test(c)]
    assert len(tests) >= 4, "an exercise has at least four graded parts"
    assert all(cells.is_locked(c) and cells.points(c) > 0 for c in tests)
    assert not any("HIDDEN TESTS" in c.source for c in notebook), "hidden tests live in hidden_tests.py, never in a notebook"
    hidden = referee.load(SOLUTIONS / assignment / repo.HIDDEN_TESTS)
    assert hidden, f"solutions/{assignment}/{repo.HIDDEN_TESTS} is missing"
    missing = [cells.grade_id(c) for c in tests if not callable(getattr(hidden, cells.grade_id(c), None))]
    assert not missing, f"no hidden test for {missing}"
    assert sum(1 for c in notebook if cells.is_solution(c)) >= 4
    locked = [cells.grade_id(c) for c in notebook if cells.is_locked(c) and not cells.is_test(c)]
    assert locked[:2] == [cells.SETUP_CELL_ID, cells.CHECKS_CELL_ID]


@pytest.mark.parametrize("path", sorted(SOLUTIONS.glob("*/*.ipynb")), ids=lambda p: p.parent.name)
def test_solutions_hold_no_generated_code(path):
    notebook = nbformat.read(path, as_version=4)
    assert inline.checks_cell(notebook, path).source == inline.SOLUTION_CHECKS_CELL
    assert badges.BADGE_IMAGE not in notebook.cells[0].source


def test_release_inlines_the_checks_and_a_badge_for_the_configured_repository(monkeypatch):
    path = sorted(SOLUTIONS.glob("*/*.ipynb"))[0]
    released = inline.released_source(path)
    assert inline.checks_cell(released).source == inline.checks_source()
    assert f"/blob/main/exercises/{path.parent.name}/{path.name})" in released.cells[0].source
    # A fork changes repository.url: the badge follows.
    monkeypatch.setattr(badges, "repository", lambda: {"url": "https://github.com/someone/fork", "branch": "dev"})
    fork = inline.released_source(path).cells[0].source
    assert f"colab.research.google.com/github/someone/fork/blob/dev/exercises/{path.parent.name}/{path.name})" in fork


@pytest.mark.parametrize("assignment", assignments())
def test_hidden_tests_stay_out_of_the_release(assignment):
    released_files = {p.name for p in (EXERCISES / assignment).iterdir()}
    assert repo.HIDDEN_TESTS not in released_files


def test_exercises_are_what_the_release_writes():
    assert release.out_of_sync() == [], "run `make exercises`"


def test_checks_cell_runs_standalone():
    """The inlined source defines every public check without importing the autograder package."""
    namespace = {}
    exec(compile(inline.checks_source(), "course_checks", "exec"), namespace)
    import autograder.checks as checks
    assert checks.__all__ and set(checks.__all__) <= set(namespace), sorted(set(checks.__all__) - set(namespace))


@pytest.mark.parametrize("path", sorted(SOLUTIONS.glob("*/*.ipynb")), ids=lambda p: p.parent.name)
def test_released_notebook_ends_with_how_to_submit_and_a_summary_of_its_tests(path):
    released = inline.released_source(path)
    how_to_submit, summary = released.cells[-2:]
    assert how_to_submit.cell_type == "markdown" and path.name in how_to_submit.source
    assert "Download .ipynb" in how_to_submit.source
    assert cells.grade_id(summary) == cells.SUMMARY_CELL_ID and cells.is_locked(summary)
    assert not cells.is_graded(summary)
    [call] = ast.parse(summary.source).body
    listed = ast.literal_eval(call.value.args[0])
    tests = [c for c in released.cells if cells.is_test(c)]
    assert [(gid, points, source.strip()) for gid, _, points, source in listed] == [
        (cells.grade_id(c), cells.points(c), c.source.strip()) for c in tests]
    assert all(title.startswith("Part ") for _, title, _, _ in listed)


def test_summary_runs_each_test_again_and_counts_what_passes(capsys):
    namespace = {}
    exec(compile(inline.checks_source(), "course_checks", "exec"), namespace)
    namespace["answer"] = lambda: 42
    capsys.readouterr()
    tests = [("test_right", "Part 1: right", 5, "check_equal(answer(), 42, 'the answer')\nprint('noise')"),
             ("test_wrong", "Part 2: wrong", 3, "check_equal(answer(), 41, 'the other answer')"),
             ("test_stub", "Part 3: stub", 2, "raise NotImplementedError()")]
    exec(f"summarize_tests({tests!r})", namespace)  # as the notebook's cell calls it: in its namespace
    printed = capsys.readouterr().out
    assert "passed  Part 1: right [test_right], 5 points" in printed and "noise" not in printed
    assert "FAILED  Part 2: wrong [test_wrong], 3 points\n        CheckFailure: the other answer" in printed
    assert "expected: 41" in printed
    assert "FAILED  Part 3: stub [test_stub], 2 points\n        NotImplementedError: (the part is not written yet)" in printed
    assert "Visible tests: 1 of 3 parts pass (5 of 10 points)." in printed
    exec(f"summarize_tests({tests!r}, language='ko')", namespace)  # the Korean notebook's call
    printed = capsys.readouterr().out
    assert "통과  Part 1: right [test_right], 5점" in printed and "NotImplementedError: (아직 작성하지 않은 파트입니다)" in printed
    assert "공개 테스트: 3개 파트 중 1개 통과 (10점 중 5점)." in printed


@pytest.mark.parametrize("assignment", assignments())
def test_demo_submissions_are_built_from_the_release_and_the_solution(assignment, tmp_path):
    """The demo's students (the batch grades them in test_batch): ada is the solved notebook, grace the
    same but for the last solution cell, left as released, linus the released stub, alan a broken file."""
    [name] = repo.notebook_names(assignment)
    samples.write_demo(assignment, tmp_path)
    read = {student: nbformat.read(tmp_path / f"{student}.ipynb", as_version=4)
            for student in ("ada", "grace", "linus")}
    stub = samples.released(assignment, name)
    assert read["ada"].cells == samples.solved(assignment, name).cells and read["linus"].cells == stub.cells
    differing = [cells.grade_id(a) for a, g in zip(read["ada"].cells, read["grace"].cells) if a.source != g.source]
    last = [cells.grade_id(c) for c in stub.cells if cells.is_solution(c)][-1]
    assert differing == [last] and len(read["grace"].cells) == len(stub.cells)
    assert [c.source for c in read["grace"].cells if cells.grade_id(c) == last] == \
        [c.source for c in stub.cells if cells.grade_id(c) == last]
    with pytest.raises(nbformat.reader.NotJSONError):
        nbformat.read(tmp_path / "alan.ipynb", as_version=4)
