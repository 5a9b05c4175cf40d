"""What an instructor does with a graded batch: feedback for every student, the report's failing messages and
times, regrading one student, manual overrides, the late policy, LMS exports.

Batches here run with stand-in workers (no kernel): a worker prints its incidents line, and the grades and
autograded notebooks it would have written are put in place by the test beforehand.
"""
import csv
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from autograder.authoring.samples import solved
from autograder.grading import incidents, report
from autograder.repo import REPO
from helpers import grade_rows

pytestmark = pytest.mark.filterwarnings("ignore:Object of type")  # nbgrader's add_submission, in `store`

ASSIGNMENT, NAME = "01_custom_layers", "custom_layers_exercise"
OTHER_ASSIGNMENT, OTHER_NAME = "02_custom_losses", "custom_losses_exercise"
SOLVED = nbformat.writes(solved(ASSIGNMENT, NAME))
PARTS = {"test_my_dense": 5, "test_running_sum": 5, "test_gaussian_noise": 5, "test_batch_norm": 5}
SHAPE = "CheckFailure: MyDense output shape: expected (4, 3), got (4, 4)"
HIDDEN = "HiddenTestFailure: hidden test: running sum after 3 calls: expected 6.0, got 3.0"

STAND_IN = f'''
import sys, time
job = sys.stdin.readline()
if '"student": "gus"' in job:
    sys.exit("nbgrader crashed")
if '"student": "dan"' in job:
    time.sleep(600)
if job.strip():
    print({incidents.to_line([])!r})
'''


def stand_in(batch):
    return subprocess.Popen([sys.executable, "-c", STAND_IN], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def store(out, student, failing=()):
    """What a worker leaves for `student`: grades in the gradebook (full marks but the `failing` parts) and
    the autograded notebook, whose failing test cells end with an error output."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{out / 'course' / 'gradebook.db'}", "keras-customization") as gradebook:
        gradebook.update_or_create_student(student)
        for notebook in gradebook.add_submission(ASSIGNMENT, student).notebooks:
            for grade in notebook.grades:
                grade.auto_score = 0 if grade.name in dict(failing) else grade.max_score
        gradebook.db.commit()
    notebook = solved(ASSIGNMENT, NAME)
    for cell in notebook.cells:
        part = cell.metadata.get("nbgrader", {}).get("grade_id")
        if part in dict(failing):
            name, _, value = dict(failing)[part].partition(": ")
            cell.outputs = [nbformat.v4.new_output("error", ename=name, evalue=value + "\nmore lines",
                                                   traceback=["..."])]
    write(out / "course" / "autograded" / student / ASSIGNMENT / f"{NAME}.ipynb", nbformat.writes(notebook))


def graded_batch(folder, out, monkeypatch, **options):
    from autograder.grading.batch import Batch, grade_batch
    from autograder.limits import Limits

    monkeypatch.chdir(REPO)
    monkeypatch.setattr(Batch, "_spawn_worker", stand_in)
    return grade_batch(ASSIGNMENT, folder, out, workers=2, limits=Limits(submission_seconds=4), sandboxed=False,
                       **options)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """A graded batch, once for the module: ada full marks, bob and cy failing parts, dan timed out, eve
    unreadable, fay of another assignment, gus whose grading failed."""
    from autograder.grading.batch import Batch

    tmp_path = tmp_path_factory.mktemp("batch")
    folder, out = tmp_path / "submissions", tmp_path / "out"
    for student in ("ada", "bob", "cy", "dan", "gus"):
        write(folder / f"{student}.ipynb", SOLVED)
    write(folder / "eve.ipynb", "{not json")
    write(folder / "fay.ipynb", nbformat.writes(solved(OTHER_ASSIGNMENT, OTHER_NAME)))
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.chdir(REPO)
        Batch(ASSIGNMENT, out, sandboxed=False).course.generate()
        store(out, "ada")
        store(out, "bob", [("test_my_dense", SHAPE), ("test_running_sum", HIDDEN)])
        store(out, "cy", [("test_my_dense", SHAPE)])
        graded_batch(folder, out, monkeypatch)
    return folder, out


@pytest.fixture
def batch(graded, tmp_path):
    """A copy of the graded batch, for a test to change."""
    folder, out = graded
    shutil.copytree(folder, tmp_path / "submissions", symlinks=True)
    shutil.copytree(out, tmp_path / "out", symlinks=True, ignore=shutil.ignore_patterns(".lock"))
    return tmp_path / "submissions", tmp_path / "out"


def feedback_text(out, student):
    return (out / "feedback" / f"{student}.html").read_text()


# ---- 1. every student gets a feedback page
def test_every_student_not_graded_gets_a_feedback_page_saying_why_and_what_to_do(batch):
    _, out = batch
    rows = grade_rows(out)
    assert {s: r["status"] for s, r in rows.items()} == {
        "ada": "graded", "bob": "graded", "cy": "graded", "dan": "timed out", "eve": "unreadable",
        "fay": "wrong assignment", "gus": "error"}
    pages = {s: feedback_text(out, s) for s in ("dan", "eve", "fay", "gus")}
    assert "not graded" in pages["eve"] and "not valid JSON" in pages["eve"] and "File &gt; Download" in pages["eve"]
    assert "a notebook of 02_custom_losses" in pages["fay"] and f"notebook of {ASSIGNMENT} instead" in pages["fay"]
    assert "nbgrader crashed" in pages["gus"] and "will regrade it or contact you" in pages["gus"]
    assert "grading took over 4 s" in pages["dan"] and "Restart &amp; Run All" in pages["dan"]
    for page in pages.values():
        assert "Content-Security-Policy" in page and "0 points" in page


def test_the_not_graded_page_escapes_what_the_student_chose(tmp_path):
    report.write_not_graded_feedback(tmp_path / "x.html", "x", ASSIGNMENT, "unreadable", "<script>\x1b[2J.ipynb")
    page = (tmp_path / "x.html").read_text()
    assert "&lt;script&gt;\\x1b[2J.ipynb" in page and "<script" not in page


# ---- 2. the report: most common failing message per part, time per submission
def test_failing_messages_are_the_first_line_of_each_failing_test_cells_first_error():
    notebook = solved(ASSIGNMENT, NAME)
    cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in notebook.cells}
    cells["test_my_dense"].outputs = [
        nbformat.v4.new_output("stream", text="ok so far"),
        nbformat.v4.new_output("error", ename="CheckFailure", evalue="\x1b[31mfirst\x1b[0m\nsecond", traceback=[]),
        nbformat.v4.new_output("error", ename="HiddenTestFailure", evalue="later", traceback=[])]
    cells["test_running_sum"].outputs = [nbformat.v4.new_output("error", ename="HiddenTestFailure",
                                                                evalue="hidden test: x " * 100, traceback=[])]
    messages = report.failing_messages(notebook, PARTS)
    assert messages["test_my_dense"] == "CheckFailure: first"
    assert messages["test_running_sum"].startswith("HiddenTestFailure: hidden test: x hidden") and \
        len(messages["test_running_sum"]) == 200
    assert set(messages) == {"test_my_dense", "test_running_sum"}


def test_report_shows_the_most_common_failing_message_per_part_and_times(batch):
    _, out = batch
    state = json.loads((out / "state.json").read_text())["students"]
    assert state["bob"]["failures"] == {"test_my_dense": SHAPE, "test_running_sum": HIDDEN}
    assert state["ada"]["failures"] == {}
    page = (out / "report.html").read_text()
    assert f"<code>{report._html(SHAPE)}</code> (2 of 2)" in page
    assert f"<code>{report._html(HIDDEN)}</code> (1 of 1)" in page
    assert "Grading time per submission: mean" in page and "longest" in page
    assert f"<td>{state['dan']['seconds']:g} s</td>" in page
