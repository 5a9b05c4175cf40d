"""End-to-end grading of every assignment with the real nbgrader.

For each assignment in solutions/: the instructor's solution gets full marks, the released stub
gets 0, a part left unanswered costs its own points only, each planted bug
(tests/planted_bugs/<assignment>.py) loses its part's points and only those, each correct
solution written differently (tests/alternatives/<assignment>.py) gets full marks, a correct
submission that writes warnings to stderr keeps full marks (from the grader and from `nbgrader
validate`) and, written in the Korean notebook, gets the English one's scores, a submission with
a test cell deleted is graded with the cell restored, and the feedback shows nothing of the hidden
tests.
"""
import copy
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass

import nbformat
import pytest

from autograder.authoring import translation
from autograder.authoring.mutants import parts_of
from autograder.authoring.samples import released, solved
from autograder.cells import SUMMARY_CELL_ID, grade_id
from autograder.course import Course
from autograder.limits import Limits, kernel_threads
from autograder.repo import HIDDEN_TESTS, assignments, notebook_names
from helpers import BATCH_ASSIGNMENT, alternatives, planted_bugs, with_bug, with_solutions, without_cell

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


@dataclass
class Graded:
    course: Course
    parts: list  # grade ids of the graded cells, in notebook order
    bugs: list  # the planted bugs (tests/planted_bugs/)
    bundles: list  # the bugs graded together, one submission each (`bundles`)
    others: list  # the correct alternatives (tests/alternatives/)


def bundles(bugs, costs):
    """The planted bugs in as few submissions as can hold them: at most one bug per part, and no two
    parts of which one costs the other's points when left unanswered (`costs`: {part: the parts its
    skipped variant lost}). A bundle must lose exactly its bugs' parts."""
    pending = {}
    for bug in bugs:
        pending.setdefault(bug["part"], []).append(bug)
    found = []
    while any(pending.values()):
        bundle = []
        for part, waiting in pending.items():
            if waiting and all(part not in costs[b["part"]] and b["part"] not in costs[part] for b in bundle):
                bundle.append(waiting.pop(0))
        found.append(bundle)
    return found


@pytest.fixture(scope="module", params=[pytest.param(a, marks=pytest.mark.xdist_group(a)) for a in assignments()])
def graded(request, tmp_path_factory):
    """Grades every variant of one assignment once; the tests below read the scores.

    The planted bugs are graded in bundles (`bundles`): first each part is graded left unanswered,
    the rest solved. When skipping part A costs no points of part B and skipping B none of A, neither
    part's tests use the other's code, so a bug in one can cost no points of the other: their bugs
    share a submission, which must lose exactly their parts' points.
    """
    assignment = request.param
    # Kernels graded side by side by pytest's workers share the cores, as a batch's do (kernel_threads).
    limits = Limits().with_threads(kernel_threads(int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))))
    course = Course(tmp_path_factory.mktemp(assignment), assignment, limits=limits).generate()
    [name] = course.notebook_names()
    solution = solved(assignment, name)
    found = parts_of(assignment)
    parts = [part.test_id for part in found]
    korean, _ = translation.korean_notebook(solution, f"exercises/{assignment}/{name}")
    variants = {
        "solution": solution,
        "stub": released(assignment, name),
        # correct, in Korean, warning to stderr from every function, its last test cell deleted
        "awkward": without_cell(with_warning_in_every_solution(korean), parts[-1]),
    }
    for part in found:
        variants[f"skipped_{part.test_id}"] = solved(assignment, name, skip=set(part.solutions))
    others = alternatives(assignment)
    for number, alternative in enumerate(others):
        variants[f"alternative{number}"] = with_solutions(solution, alternative["cells"])
    for student, notebook in variants.items():
        course.submit(student, {name: notebook})
        course.autograde(student)
    costs = {part: lost(course.scores(f"skipped_{part}")) for part in parts}
    bugs = planted_bugs(assignment)
    grouped = bundles(bugs, costs)
    for number, bundle in enumerate(grouped):
        notebook = solution
        for bug in bundle:
            notebook = with_bug(notebook, bug)
        course.submit(f"bugs{number}", {name: notebook})
        course.autograde(f"bugs{number}")
    return Graded(course, parts, bugs, grouped, others)


def lost(scores):
    """The parts of `scores` ({part: (score, best)}) that lost points."""
    return {part for part, (score, best) in scores.items() if score < best}


def test_solution_gets_full_marks(graded):
    course, parts = graded.course, graded.parts
    scores = course.scores("solution")
    assert sorted(scores) == sorted(parts)
    assert {part: score for part, (score, _) in scores.items()} == {part: best for part, (_, best) in scores.items()}


def test_korean_notebook_is_graded_as_the_english_one(graded):
    """The Korean exercise (its markdown from the Korean edition's catalogs) with the same answers, which
    also warn (test_stderr_output_does_not_cost_points) and lost the last test cell
    (test_deleted_test_cell_is_restored_and_graded): the English solution's scores."""
    assert graded.course.scores("awkward") == graded.course.scores("solution")


def test_grader_does_not_run_the_summary_cell(graded):
    """The released notebook's last cell runs every visible test again for the student; the grader
    has run them already, under the guard."""
    course = graded.course
    [path] = (course.root / "autograded" / "solution" / course.assignment).glob("*.ipynb")
    [summary] = [c for c in nbformat.read(path, as_version=4).cells if grade_id(c) == SUMMARY_CELL_ID]
    assert summary.outputs == []


def test_correct_code_written_differently_gets_full_marks(graded):
    course, parts, others = graded.course, graded.parts, graded.others
    assert len(others) >= 3, "at least three correct alternatives to every part"
    for part in parts:
        assert sum(part in {p for p in alt["parts"]} for alt in others) >= 3, f"fewer than three alternatives for {part}"
    for number, alternative in enumerate(others):
        scores = course.scores(f"alternative{number}")
        lost = {part: score for part, (score, best) in scores.items() if score < best}
        assert not lost, f"correct alternative '{alternative['why']}' lost points: {lost}"


def test_untouched_stub_gets_zero(graded):
    assert {part: score for part, (score, _) in graded.course.scores("stub").items()} == dict.fromkeys(graded.parts, 0)


# Parts whose instructions build them on an earlier part's class. Exercise 3 says so: "Parts 2 and 4
# use your classes from parts 1 and 3 ... A class that raises an error, though, stops every part
# that uses it" (a wrong value inside it costs only its own part: the planted bugs show that).
BUILT_ON = {"test_residual_regressor": "test_residual_block", "test_vae": "test_sampling"}


def test_a_part_left_unanswered_costs_its_own_points_only(graded):
    """A student who skips one part keeps the others' points, but for the parts built on its class
    (BUILT_ON): no other part's tests use its code."""
    for part in graded.parts:
        expected = {part} | {later for later, base in BUILT_ON.items() if base == part}
        assert lost(graded.course.scores(f"skipped_{part}")) == expected, f"leaving {part} unanswered"


def test_each_planted_bug_loses_its_part_only(graded):
    """Each bug is in one bundle, with bugs of parts that do not use its part's code (`bundles`): the
    bundle loses exactly the bundled parts, so each bug costs its own part's points and no other's."""
    assert {bug["part"] for bug in graded.bugs} == set(graded.parts), "every graded part needs at least one planted bug"
    assert sorted(map(id, graded.bugs)) == sorted(id(bug) for bundle in graded.bundles for bug in bundle)
    for number, bundle in enumerate(graded.bundles):
        expected = {bug["part"] for bug in bundle}
        assert len(expected) == len(bundle)
        found = lost(graded.course.scores(f"bugs{number}"))
        assert found == expected, (f"bugs {[(bug['part'], bug['why']) for bug in bundle]} should lose "
                                   f"{sorted(expected)} only, lost {sorted(found)}")


def test_stderr_output_does_not_cost_points(graded):
    """A correct submission that warns, to stderr, from every function it defines (the Korean one,
    test_korean_notebook_is_graded_as_the_english_one) keeps full marks."""
    course, parts = graded.course, graded.parts
    scores = course.scores("awkward")
    assert sorted(scores) == sorted(parts) and all(score == best > 0 for score, best in scores.values()), scores
    autograded = course.root / "autograded" / "awkward" / course.assignment
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
    """The last test cell, deleted from a correct submission (the Korean one that warns), is put back
    and earns its points."""
    scores, parts = graded.course.scores("awkward"), graded.parts
    assert parts[-1] in scores and scores[parts[-1]][0] == scores[parts[-1]][1], scores


def quoted(line):
    """`line` as it appears inside a JSON string (a notebook on disk)."""
    return json.dumps(line, ensure_ascii=False)[1:-1]


def test_feedback_reports_results_without_hidden_tests(graded):
    """A failing part says what was expected and what came back; no line of hidden_tests.py (probes,
    references, inputs drawn) reaches the outputs of any student's graded notebook, from which the
    feedback is made (its sources are the student's own code and the released cells)."""
    course = graded.course
    [html] = course.feedback("bugs0")
    text = html.read_text()
    assert ("CheckFailure" in text or "HiddenTestFailure" in text) and "expected:" in text
    released_text = json.dumps([c.source for c in released(course.assignment, course.notebook_names()[0]).cells],
                               ensure_ascii=False)
    hidden = (course.root / "solutions" / course.assignment / HIDDEN_TESTS).read_text().splitlines()
    lines = {quoted(line.strip()) for line in hidden if len(line.strip()) >= 40}
    lines = {line for line in lines if line not in released_text}  # shared with the visible tests
    assert len(lines) > 20
    for student in ["solution", *(f"bugs{n}" for n in range(len(graded.bundles)))]:
        graded_text = "".join(json.dumps([cell.get("outputs", []) for cell in nbformat.read(path, as_version=4).cells],
                                         ensure_ascii=False)
                              for path in (course.root / "autograded" / student / course.assignment).glob("*.ipynb"))
        shown = {line for line in lines if line in graded_text}
        assert not shown and "HIDDEN TESTS" not in graded_text, (student, sorted(shown)[:3])


DRAWS = ("import random\n"
         "print('draws:', random.random(), np.random.rand(), float(tf.random.uniform(())), "
         "float(keras.random.normal(())), keras.initializers.GlorotUniform()((2,)).numpy().tolist())")


def test_a_regrade_draws_what_the_first_grading_drew(tmp_path):
    """The student's kernel is seeded from the submission's seed: grading it again reproduces its random
    draws (Python's, NumPy's, TensorFlow's, Keras', an initializer's), and so the verdict of code whose
    results depend on them; another submission draws other values."""
    assignment = BATCH_ASSIGNMENT
    course = Course(tmp_path, assignment).generate()
    [name] = course.notebook_names()
    notebook = solved(assignment, name)
    notebook.cells.insert(1 + next(i for i, c in enumerate(notebook.cells) if c.cell_type == "code"),
                          nbformat.v4.new_code_cell(DRAWS))

    def draws(student):
        course.submit(student, {name: notebook})
        course.autograde(student)
        graded = nbformat.read(course.root / "autograded" / student / assignment / f"{name}.ipynb", as_version=4)
        [line] = [out.text for cell in graded.cells for out in cell.get("outputs", [])
                  if out.get("name") == "stdout" and out.text.startswith("draws:")]
        return line

    first = draws("ada")
    assert draws("ada") == first
    assert draws("grace") != first
