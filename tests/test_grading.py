"""End-to-end grading of every assignment with the real nbgrader.

For each assignment in solutions/: the instructor's solution gets full marks, the released stub
gets 0, each planted bug (tests/planted_bugs/<assignment>.py) loses its part's points and only
those, each correct solution written differently (tests/alternatives/<assignment>.py) gets full
marks, a correct submission that writes warnings to stderr keeps full marks (from the grader and
from `nbgrader validate`) and, written in the Korean notebook, gets the English one's scores, a
submission with a test cell deleted is graded with the cell restored, and the feedback shows
nothing of the hidden tests.
"""
import copy
import json
import os
import re
import subprocess
import sys

import nbformat
import pytest

from autograder.authoring import translation
from autograder.authoring.samples import released, solved
from autograder.cells import SUMMARY_CELL_ID, grade_id, is_test
from autograder.course import Course
from autograder.limits import Limits, kernel_threads
from autograder.repo import HIDDEN_TESTS, assignments, notebook_names
from helpers import alternatives, planted_bugs, with_bug, with_solutions, without_cell

pytestmark = pytest.mark.kernels
FUNCTION_START = re.compile(r"^( *)def [^\n]*:\n", re.MULTILINE)


def with_warning_in_every_solution(notebook):
    """Correct code that also warns, to stderr, from every function it defines: the graded tests call them."""
    notebook = copy.deepcopy(notebook)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = "import warnings\n" + FUNCTION_START.sub(
                lambda m: f"{m.group(0)}{m.group(1)}    warnings.warn('a UserWarning from student code', UserWarning)\n",
                cell.source)
    return notebook


def graded_cells(notebook):
    return [grade_id(c) for c in notebook.cells if is_test(c)]


@pytest.fixture(scope="module", params=[pytest.param(a, marks=pytest.mark.xdist_group(a)) for a in assignments()])
def graded(request, tmp_path_factory):
    """Grades every variant of one assignment once; tests below read the scores."""
    assignment = request.param
    # Kernels graded side by side by pytest's workers share the cores, as a batch's do (kernel_threads).
    limits = Limits().with_threads(kernel_threads(int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))))
    course = Course(tmp_path_factory.mktemp(assignment), assignment, limits=limits).generate()
    [name] = course.notebook_names()
    solution = solved(assignment, name)
    parts = graded_cells(solution)
    korean, _ = translation.korean_notebook(solution, f"exercises/{assignment}/{name}")
    variants = {
        "solution": solution,
        "stub": released(assignment, name),
        "korean_warns": with_warning_in_every_solution(korean),
        "deleted": without_cell(solution, parts[-1]),
    }
    bugs = planted_bugs(assignment)
    for number, bug in enumerate(bugs):
        variants[f"bug{number}"] = with_bug(solution, bug)
    others = alternatives(assignment)
    for number, alternative in enumerate(others):
        variants[f"alternative{number}"] = with_solutions(solution, alternative["cells"])
    for student, notebook in variants.items():
        course.submit(student, {name: notebook})
        course.autograde(student)
    return course, parts, bugs, others


def test_solution_gets_full_marks(graded):
    course, parts, *_ = graded
    scores = course.scores("solution")
    assert sorted(scores) == sorted(parts)
    assert {part: score for part, (score, _) in scores.items()} == {part: best for part, (_, best) in scores.items()}


def test_korean_notebook_is_graded_as_the_english_one(graded):
    """The Korean exercise (its markdown from the Korean edition's catalogs) with the same answers, which
    also warn (test_stderr_output_does_not_cost_points): the English solution's scores."""
    course, *_ = graded
    assert course.scores("korean_warns") == course.scores("solution")


def test_grader_does_not_run_the_summary_cell(graded):
    """The released notebook's last cell runs every visible test again for the student; the grader
    has run them already, under the guard."""
    course, *_ = graded
    [path] = (course.root / "autograded" / "solution" / course.assignment).glob("*.ipynb")
    [summary] = [c for c in nbformat.read(path, as_version=4).cells if grade_id(c) == SUMMARY_CELL_ID]
    assert summary.outputs == []


def test_correct_code_written_differently_gets_full_marks(graded):
    course, parts, _, others = graded
    assert len(others) >= 3, "at least three correct alternatives to every part"
    for part in parts:
        assert sum(part in {p for p in alt["parts"]} for alt in others) >= 3, f"fewer than three alternatives for {part}"
    for number, alternative in enumerate(others):
        scores = course.scores(f"alternative{number}")
        lost = {part: score for part, (score, best) in scores.items() if score < best}
        assert not lost, f"correct alternative '{alternative['why']}' lost points: {lost}"


def test_untouched_stub_gets_zero(graded):
    course, parts, *_ = graded
    assert {part: score for part, (score, _) in course.scores("stub").items()} == dict.fromkeys(parts, 0)


def test_each_planted_bug_loses_its_part_only(graded):
    course, parts, bugs, _ = graded
    assert {bug["part"] for bug in bugs} == set(parts), "every graded part needs at least one planted bug"
    for number, bug in enumerate(bugs):
        scores = course.scores(f"bug{number}")
        lost = {part for part, (score, best) in scores.items() if score < best}
        assert lost == {bug["part"]}, f"bug '{bug['why']}' should lose {bug['part']} only, lost {sorted(lost)}"


def test_stderr_output_does_not_cost_points(graded):
    """A correct submission that warns, to stderr, from every function it defines (the Korean one,
    test_korean_notebook_is_graded_as_the_english_one) keeps full marks."""
    course, parts, *_ = graded
    scores = course.scores("korean_warns")
    assert sorted(scores) == sorted(parts) and all(score == best > 0 for score, best in scores.values()), scores
    autograded = course.root / "autograded" / "korean_warns" / course.assignment
    assert "UserWarning" in "".join(p.read_text() for p in autograded.glob("*.ipynb")), "the warning should be kept, as stdout"


def test_nbgrader_validate_gives_the_graders_verdict_on_warnings(tmp_path):
    """Students check their work with `nbgrader validate`: a correct notebook that warns, to stderr, from
    every function it defines passes there too, as it gets full marks from the grader (above)."""
    assignment = assignments()[0]
    [name] = notebook_names(assignment)
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(with_warning_in_every_solution(solved(assignment, name)), path)
    ran = subprocess.run([sys.executable, "-m", "nbgrader", "validate", str(path)], cwd=tmp_path,
                         capture_output=True, text=True, timeout=900)
    assert "Success! Your notebook passes all the tests." in ran.stdout, ran.stdout[-3000:]


def test_deleted_test_cell_is_restored_and_graded(graded):
    course, parts, *_ = graded
    scores = course.scores("deleted")
    assert parts[-1] in scores and scores[parts[-1]][0] == scores[parts[-1]][1], scores


def quoted(line):
    """`line` as it appears inside a JSON string (a notebook on disk)."""
    return json.dumps(line, ensure_ascii=False)[1:-1]


def test_feedback_reports_results_without_hidden_tests(graded):
    """A failing part says what was expected and what came back; no line of hidden_tests.py (probes,
    references, inputs drawn) reaches the outputs of any student's graded notebook, from which the
    feedback is made (its sources are the student's own code and the released cells)."""
    course, _, bugs, _ = graded
    [html] = course.feedback("bug0")
    text = html.read_text()
    assert ("CheckFailure" in text or "HiddenTestFailure" in text) and "expected:" in text
    released_text = json.dumps([c.source for c in released(course.assignment, course.notebook_names()[0]).cells],
                               ensure_ascii=False)
    hidden = (course.root / "solutions" / course.assignment / HIDDEN_TESTS).read_text().splitlines()
    lines = {quoted(line.strip()) for line in hidden if len(line.strip()) >= 40}
    lines = {line for line in lines if line not in released_text}  # shared with the visible tests
    assert len(lines) > 20
    for student in ["solution", *(f"bug{n}" for n in range(len(bugs)))]:
        graded_text = "".join(json.dumps([cell.get("outputs", []) for cell in nbformat.read(path, as_version=4).cells],
                                         ensure_ascii=False)
                              for path in (course.root / "autograded" / student / course.assignment).glob("*.ipynb"))
        shown = {line for line in lines if line in graded_text}
        assert not shown and "HIDDEN TESTS" not in graded_text, (student, sorted(shown)[:3])
