"""What an instructor does with a graded batch: feedback for every student, the report's failing messages and
times, regrading one student, manual overrides, the late policy, LMS exports.

Batches here run with stand-in workers (no kernel): a worker prints its incidents line, and the grades and
autograded notebooks it would have written are put in place by the test beforehand.
"""
import csv
import json
import os
import shutil
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import pytest

from autograder.authoring.samples import solved
from autograder.grading import policy, report
from autograder.grading.collect import collect
from autograder.repo import REPO
from helpers import BATCH_ASSIGNMENT, grade_rows, stand_in_worker

pytestmark = pytest.mark.filterwarnings("ignore:Object of type")  # nbgrader's add_submission, in `store`

ASSIGNMENT, NAME = "01_custom_layers", "custom_layers_exercise"
OTHER_ASSIGNMENT, OTHER_NAME = "02_custom_losses", "custom_losses_exercise"
SOLVED = nbformat.writes(solved(ASSIGNMENT, NAME))
PARTS = {"test_my_dense": 5, "test_running_sum": 5, "test_gaussian_noise": 5, "test_batch_norm": 5}
SHAPE = "CheckFailure: MyDense output shape: expected (4, 3), got (4, 4)"
DEADLINE = datetime(2026, 3, 2, tzinfo=timezone.utc).timestamp()
HIDDEN = "HiddenTestFailure: hidden test: running sum after 3 calls: expected 6.0, got 3.0"

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
    write(out / "course" / "feedback" / student / ASSIGNMENT / f"{NAME}.html",
          f"<html><body class='x'><h1>nbgrader feedback of {student}</h1></body></html>")


def graded_batch(folder, out, monkeypatch, **options):
    from autograder.grading.batch import Batch, grade_batch
    from autograder.limits import Limits

    monkeypatch.chdir(REPO)
    monkeypatch.setattr(Batch, "_spawn_worker", stand_in_worker(fails="gus", hangs="dan"))
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
    for student in ("ada", "cy", "dan", "eve", "fay", "gus"):
        os.utime(folder / f"{student}.ipynb", (DEADLINE - 3600, DEADLINE - 3600))
    os.utime(folder / "bob.ipynb", (DEADLINE + 1.5 * 86400, DEADLINE + 1.5 * 86400))  # 2 started days late
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
    statuses = {s: r["status"] for s, r in rows.items()}
    assert {s: statuses[s] for s in ("dan", "eve", "fay", "gus")} == {
        "dan": "timed out", "eve": "unreadable", "fay": "wrong assignment", "gus": "error"}
    assert all(statuses[s] not in ("timed out", "unreadable", "wrong assignment", "error") for s in ("ada", "bob", "cy"))
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


# ---- 3. regrading one student
def test_student_option_regrades_only_those_students(batch, monkeypatch, capsys):
    folder, out = batch
    before = json.loads((out / "state.json").read_text())["students"]
    store_notebook_only(out, "bob")  # bob's notebook regraded by hand: nothing fails now
    write(folder / "ada.ipynb", SOLVED + "\n")  # changed, but not asked for: not regraded
    graded_batch(folder, out, monkeypatch, students=["bob"])
    after = json.loads((out / "state.json").read_text())["students"]
    assert "graded 1 submission(s); 6 unchanged since the last run" in capsys.readouterr().out
    assert before["bob"]["failures"] and after["bob"]["failures"] == {}
    assert {s: e for s, e in after.items() if s != "bob"} == {s: e for s, e in before.items() if s != "bob"}


def store_notebook_only(out, student):
    write(out / "course" / "autograded" / student / ASSIGNMENT / f"{NAME}.ipynb", SOLVED)


def test_student_option_with_no_such_submission_stops_before_grading(batch, monkeypatch):
    folder, out = batch
    before = (out / "state.json").read_text()
    with pytest.raises(policy.PolicyError, match="no submission of zed"):
        graded_batch(folder, out, monkeypatch, students=["bob", "zed"])
    assert (out / "state.json").read_text() == before


# ---- 4. manual overrides
def overrides_file(path, rows):
    with open(path, "w", newline="") as handle:
        csv.writer(handle).writerows([["student", "part", "points", "reason"], *rows])
    return path


def test_overrides_replace_autograded_points_everywhere_with_the_raw_points_kept(batch, monkeypatch):
    folder, out = batch
    path = overrides_file(out.parent / "overrides.csv", [["bob", "test_my_dense", "4", "the shape was ambiguous"]])
    graded_batch(folder, out, monkeypatch, policy=policy.Policy(policy.read_overrides(path, PARTS)))
    rows = grade_rows(out)
    assert (rows["bob"]["total"], rows["bob"]["test_my_dense"], rows["bob"]["autograded_total"]) == ("14", "4", "10")
    assert rows["bob"]["overrides"] == "test_my_dense: 0 -> 4 (the shape was ambiguous)"
    assert (rows["ada"]["total"], rows["ada"]["autograded_total"], rows["ada"]["overrides"]) == ("20", "20", "")
    page = (out / "report.html").read_text()
    assert "test_my_dense: 4 points instead of the autograded 0 (the shape was ambiguous)" in page
    assert "manual overrides for 1 student(s)" in page
    feedback = feedback_text(out, "bob")
    assert "Your instructor adjusted your grade: 14 of 20 points" in feedback and "the shape was ambiguous" in feedback
    assert "nbgrader feedback of bob" in feedback
    # a later run without the override takes its note away, and the autograded points are back
    graded_batch(folder, out, monkeypatch)
    assert "adjusted" not in feedback_text(out, "bob") and grade_rows(out)["bob"]["total"] == "10"
    assert "autograded_total" not in grade_rows(out)["bob"]


@pytest.mark.parametrize("rows, problem", [
    ([["bob", "test_nothing", "4", "x"]], "line 2: unknown part 'test_nothing'"),
    ([["bob", "test_my_dense", "6", "x"]], "line 2: 6 points for test_my_dense, out of 0..5"),
    ([["bob", "test_my_dense", "-1", "x"]], "line 2: -1 points for test_my_dense, out of 0..5"),
    ([["bob", "test_my_dense", "nan", "x"]], "line 2: nan points for test_my_dense, out of 0..5"),
    ([["bob", "test_my_dense", "four", "x"]], "line 2: points 'four' is not a number"),
    ([["bob", "test_my_dense", "4", ""]], "line 2: no reason"),
    ([["bob", "test_my_dense", "4", "x"], ["bob", "test_my_dense", "3", "y"]], "line 3: a second override"),
])
def test_an_override_file_with_a_problem_is_refused_naming_the_line(tmp_path, rows, problem):
    with pytest.raises(policy.PolicyError, match=problem.replace("(", r"\(").replace(".", r"\.")):
        policy.read_overrides(overrides_file(tmp_path / "o.csv", rows), PARTS)


def test_an_override_file_without_the_columns_is_refused(tmp_path):
    write(tmp_path / "o.csv", "student,points\nbob,3\n")
    with pytest.raises(policy.PolicyError, match="no column part, reason"):
        policy.read_overrides(tmp_path / "o.csv", PARTS)


def test_an_override_of_an_unknown_student_stops_the_run_before_grading(batch, monkeypatch):
    folder, out = batch
    before = (out / "state.json").read_text()
    path = overrides_file(out.parent / "o.csv", [["zed", "test_my_dense", "4", "x"]])
    with pytest.raises(policy.PolicyError, match="no submission of zed"):
        graded_batch(folder, out, monkeypatch, policy=policy.Policy(policy.read_overrides(path, PARTS)),
                     force=True)
    assert (out / "state.json").read_text() == before


def test_the_command_line_refuses_a_bad_overrides_file_before_grading(tmp_path, monkeypatch):
    from autograder.__main__ import main

    path = overrides_file(tmp_path / "o.csv", [["bob", "test_my_dense", "9", "x"]])
    with pytest.raises(SystemExit) as stopped:
        main(["grade", ASSIGNMENT, str(tmp_path), "--out", str(tmp_path / "out"), "--overrides", str(path)])
    assert "cannot grade: " in str(stopped.value) and "9 points for test_my_dense, out of 0..5" in str(stopped.value)
    assert not (tmp_path / "out").exists()


# ---- 5. late policy
def test_late_penalty_per_started_day_from_the_file_time(batch, monkeypatch):
    folder, out = batch
    late = policy.LatePolicy(datetime(2026, 3, 2, tzinfo=timezone.utc), percent_per_day=10)
    graded_batch(folder, out, monkeypatch, policy=policy.Policy(late=late))
    rows = grade_rows(out)
    assert (rows["bob"]["total"], rows["bob"]["autograded_total"], rows["bob"]["days_late"],
            rows["bob"]["late_penalty_percent"]) == ("8", "10", "2", "20")
    assert (rows["cy"]["total"], rows["cy"]["days_late"], rows["cy"]["late_penalty_percent"]) == ("15", "0", "0")
    assert "submitted 2 day(s) late: 20% off the total, 10 -&gt; 8" in (out / "report.html").read_text()
    assert "submitted 2 day(s) late: 20% off the total" in feedback_text(out, "bob")
    cutoff = policy.LatePolicy(datetime(2026, 3, 2, tzinfo=timezone.utc), percent_per_day=10, cutoff_days=1)
    graded_batch(folder, out, monkeypatch, policy=policy.Policy(late=cutoff))
    assert (grade_rows(out)["bob"]["total"], grade_rows(out)["bob"]["late_penalty_percent"]) == ("0", "100")


def test_late_rules():
    rule = policy.LatePolicy(datetime(2026, 3, 2, tzinfo=timezone.utc), percent_per_day=25, cutoff_days=3)
    day = 86400
    assert [rule.days_late(False, DEADLINE + s) for s in (-1, 0, 1, day, day + 1, 3.5 * day)] == [0, 0, 1, 1, 2, 4]
    assert rule.days_late(True, DEADLINE - day) == 1 and rule.days_late(True, None) == 1
    assert rule.days_late(False, None) == 0 and rule.days_late(True, DEADLINE + 2.5 * day) == 3
    assert [rule.penalty(d) for d in (0, 1, 3, 4)] == [0, 25, 75, 100]
    assert policy.LatePolicy(percent_per_day=60).penalty(2) == 100
    entries = {"lms": {"status": "late", "late": True, "total": 20.0, "max": 20.0, "scores": dict(PARTS)},
               "bad": {"status": "unreadable", "late": True, "total": 0.0, "max": 20.0, "scores": {}}}
    final = policy.Policy(late=policy.LatePolicy(percent_per_day=10)).apply(entries, PARTS)
    assert (final["lms"]["total"], final["lms"]["days_late"]) == (18.0, 1)  # marked late_ by the LMS: one day
    assert (final["bad"]["total"], final["bad"]["late_penalty"]) == (0.0, 0.0)
    assert entries["lms"]["total"] == 20.0  # the autograded entry is unchanged
    with pytest.raises(policy.PolicyError):
        policy.LatePolicy(percent_per_day=150)
    with pytest.raises(policy.PolicyError, match="not an ISO 8601"):
        policy.parse_deadline("next friday")
    assert policy.parse_deadline("2026-03-02T00:00Z").timestamp() == DEADLINE


def test_a_zip_entrys_date_is_its_submission_time(tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr(zipfile.ZipInfo(f"ada_late_11_22_{NAME}.ipynb", (2026, 3, 4, 10, 30, 0)), SOLVED)
    [submission] = collect(archive, ASSIGNMENT, [NAME], extract_to=tmp_path / "x").submissions
    assert submission.late and submission.submitted_at == datetime(2026, 3, 4, 10, 30).timestamp()


def test_nbgrader_timestamp_is_the_submission_time_of_a_submitted_tree(tmp_path):
    where = tmp_path / "submitted" / "ada" / ASSIGNMENT
    os.utime(write(where / f"{NAME}.ipynb", SOLVED), (0, 0))
    write(where / "timestamp.txt", "2026-03-04 10:30:00.250000 UTC\n")
    write(tmp_path / "submitted" / "bob" / ASSIGNMENT / f"{NAME}.ipynb", SOLVED)
    os.utime(where.parent.parent / "bob" / ASSIGNMENT / f"{NAME}.ipynb", (1000, 1000))
    collection = collect(tmp_path, ASSIGNMENT, [NAME])
    times = {s.student: s.submitted_at for s in collection.submissions}
    assert times == {"ada": datetime(2026, 3, 4, 10, 30, 0, 250000, tzinfo=timezone.utc).timestamp(), "bob": 1000}
    assert collection.unrecognised == []


# ---- 6. LMS exports
def test_canvas_and_moodle_exports_hold_the_final_totals(batch, monkeypatch):
    folder, out = batch
    path = overrides_file(out.parent / "overrides.csv", [["bob", "test_my_dense", "4", "by hand"]])
    graded_batch(folder, out, monkeypatch, policy=policy.Policy(policy.read_overrides(path, PARTS)))
    with open(out / "grades-canvas.csv", newline="") as handle:
        canvas = list(csv.reader(handle))
    assert canvas[:2] == [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", ASSIGNMENT],
                          ["    Points Possible", "", "", "", "", "20"]]
    assert canvas[2:4] == [["ada", "", "", "ada", "", "20"], ["bob", "", "", "bob", "", "14"]]
    assert len(canvas) == 2 + 7
    with open(out / "grades-moodle.csv", newline="") as handle:
        moodle = list(csv.reader(handle))
    assert moodle[0] == ["Username", ASSIGNMENT] and ["bob", "14"] in moodle and ["eve", "0"] in moodle


# ---- with real kernels: the failing messages come from nbgrader's autograded notebooks
@pytest.mark.kernels
def test_real_batch_records_failing_messages_and_regrades_one_student(tmp_path, capsys):
    from autograder.authoring.samples import write_demo
    from autograder.course import parts as course_parts
    from autograder.grading.batch import grade_batch

    assignment = BATCH_ASSIGNMENT
    parts = course_parts(assignment)
    write_demo(assignment, tmp_path / "submissions")
    out = tmp_path / "out"
    grade_batch(assignment, tmp_path / "submissions", out, workers=2)
    state = json.loads((out / "state.json").read_text())["students"]
    failing = {s: e["failures"] for s, e in state.items() if e["status"] == "graded" and e["total"] < e["max"]}
    assert failing and all(failures for failures in failing.values()), failing
    assert all(set(failures) == {p for p, points in e["scores"].items() if points < parts[p]}
               for s, e in state.items() if s in failing for failures in [failing[s]]), failing
    page = (out / "report.html").read_text()
    assert any(f"<code>{report._html(m)}</code>" in page for failures in failing.values() for m in failures.values())
    student = sorted(failing)[0]
    capsys.readouterr()
    grade_batch(assignment, tmp_path / "submissions", out, workers=1, students=[student])
    assert f"graded 1 submission(s); {len(state) - 1} unchanged" in capsys.readouterr().out
    again = json.loads((out / "state.json").read_text())["students"]
    assert again[student]["failures"] == state[student]["failures"]
    assert {s: e for s, e in again.items() if s != student} == {s: e for s, e in state.items() if s != student}
