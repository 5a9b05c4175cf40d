"""Files that once stopped or fooled a whole batch, taken in without a kernel: collecting, admitting, reporting.

Each class of hostile file gets its exact status and detail here; the last test grades a batch of them with
stand-in workers (no kernel) and shows every student gets a status, the others are graded, and grades.csv,
the report and the gradebook agree. What needs a real kernel is in tests/redteam/cases.py.
"""
import csv
import io
import json
import os
import stat
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.authoring import translation
from autograder.authoring.samples import released, solved
from autograder.cells import is_solution
from autograder.grading import collect as collecting
from autograder.grading import intake, report, structure
from autograder.grading.collect import STUDENT_ID, SourceRefused, collect
from autograder.grading.progress import Progress
from autograder.repo import REPO, assignments, notebook_names
from helpers import grade_rows, gradebook_totals, stand_in_worker

ASSIGNMENT, NAME = "01_custom_layers", "custom_layers_exercise"
SOLVED = nbformat.writes(solved(ASSIGNMENT, NAME))
LINK_DETAIL = ": a symbolic link, not a file; submit the notebook file itself (links, FIFOs and devices are not read)"
INVALID_ID = "the file name is not a valid student id"


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def rejection(root, path):
    """(status, detail) intake gives the file at `path`, below `root`."""
    with pytest.raises(intake.Rejected) as rejected:
        intake.read(root, path, ASSIGNMENT, set(), {})
    return rejected.value.status, rejected.value.reason


def solved_json(change):
    """The solved notebook's JSON text after `change(notebook as a dict)`."""
    notebook = json.loads(SOLVED)
    change(notebook)
    return json.dumps(notebook)


def first_solution_cell():
    return next(i for i, cell in enumerate(solved(ASSIGNMENT, NAME).cells) if is_solution(cell))


def nested(depth):
    value = []
    for _ in range(depth - 1):
        value = [value]
    return value


def with_cells(count):
    def change(notebook):
        notebook["cells"] += [nbformat.v4.new_code_cell("") for _ in range(count - len(notebook["cells"]))]
    return change


SOLUTION = first_solution_cell()
# ---- one file can stop a whole batch: what Python's JSON parser or nbformat cannot take
CONTENT = {
    "nested_100000_deep": ('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": '
                           + "[" * 100_000 + "]" * 100_000 + "}",
                           "JSON nested too deep to be a notebook; download the notebook again from Jupyter"),
    "nested_150_deep_in_an_output": (solved_json(lambda nb: nb["cells"][SOLUTION]["metadata"].update(x=nested(150))),
                                     f"cell {SOLUTION + 1}: values nested more than 100 levels deep; download the "
                                     "notebook again from Jupyter"),
    "a_5000_digit_integer": (solved_json(lambda nb: nb["metadata"].update(n="BIG")).replace('"BIG"', "9" * 5000),
                             "a number with over 4300 digits, which no notebook has; clear the outputs and save the "
                             "notebook again"),
    "a_lone_surrogate": (solved_json(lambda nb: nb["cells"][SOLUTION].update(source="x = 'SURROGATE'"))
                         .replace("SURROGATE", "\\ud800"),
                         f"cell {SOLUTION + 1}: an unpaired surrogate escape (such as \\ud800), which is not a "
                         "character; download the notebook again from Jupyter"),
    "20000_cells": (solved_json(with_cells(20_000)),
                    "20,000 cells, over the 1,000 a notebook may have; delete the cells you added"),
    "over_20_MiB": (b" " * (20 * 2**20 + 1),
                    "over 20 MiB, the most a notebook may have; clear large outputs (Edit > Clear Outputs of All "
                    "Cells) and save it again"),
}


@pytest.mark.parametrize("case", CONTENT)
def test_content_no_notebook_has_is_unreadable_with_a_reason(tmp_path, case):
    data, detail = CONTENT[case]
    assert rejection(tmp_path, write(tmp_path / "ada.ipynb", data)) == ("unreadable", f"ada.ipynb: {detail}")


def test_the_solved_notebook_is_admitted(tmp_path):
    notebook = intake.read(tmp_path, write(tmp_path / "ada.ipynb", SOLVED), ASSIGNMENT, set(), {})
    assert len(notebook.cells) == len(solved(ASSIGNMENT, NAME).cells)


def test_a_grade_id_edited_into_a_list_is_an_unknown_id_not_a_crash():
    notebook = solved(ASSIGNMENT, NAME)
    notebook.cells[SOLUTION].metadata.nbgrader["grade_id"] = ["mine"]
    _, changes = structure.repair(notebook, released(ASSIGNMENT, NAME))
    assert "a solution cell whose grade id was changed to \"['mine']\" was kept as added code" in changes


@pytest.mark.parametrize("assignment", assignments())
def test_a_korean_notebook_needs_no_repair_against_the_english_release(assignment):
    """Its markdown and its summary cell (never graded) are Korean; the cells that are graded are the same."""
    [name] = notebook_names(assignment)
    korean, _ = translation.korean_notebook(solved(assignment, name), f"exercises/{assignment}/{name}")
    assert korean.cells[-1].source != released(assignment, name).cells[-1].source  # the summary, in Korean
    assert structure.repair(korean, released(assignment, name))[1] == []


def stripped(notebook, ids=True):
    """`notebook` as an editor that drops cell metadata (and, with `ids=False`, cell ids) saves it."""
    notebook = nbformat.reads(nbformat.writes(notebook), as_version=4)
    for cell in notebook.cells:
        cell.metadata = {}
        if not ids:
            cell.id = f"x{abs(hash(cell.source)) % 10**8}"
    return notebook


@pytest.mark.parametrize("ids", [True, False], ids=["cell ids kept", "cell ids changed"])
def test_cells_that_lost_their_nbgrader_metadata_are_matched_to_the_assignment(ids):
    release, solution = released(ASSIGNMENT, NAME), solved(ASSIGNMENT, NAME)
    expected, _ = structure.repair(solution, release)
    repaired, changes = structure.repair(stripped(solution, ids), release)
    assert [(c.cell_type, c.source, c.metadata.get("nbgrader")) for c in repaired.cells] == \
        [(c.cell_type, c.source, c.metadata.get("nbgrader")) for c in expected.cells]
    assert len(changes) == 1 and "lost their nbgrader metadata" in changes[0], changes


# ---- one file can stop a whole batch, and the grader follows what it should not: links, FIFOs, devices
def test_links_and_fifos_named_as_students_are_theirs_and_never_read(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    (tmp_path / "eve.ipynb").symlink_to(f"/proc/self/cwd/solutions/{ASSIGNMENT}/{NAME}.ipynb")
    (tmp_path / "zero.ipynb").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "fifo.ipynb")  # opened without O_NONBLOCK, it would wait for a writer for ever
    os.mkfifo(tmp_path / "pipe")
    found = collect(tmp_path, ASSIGNMENT, [NAME])
    assert {s.student: rejection(tmp_path, s.files[NAME]) for s in found.submissions} == {
        "eve": ("unreadable", "eve.ipynb" + LINK_DETAIL),
        "fifo": ("unreadable", "fifo.ipynb: a FIFO, not a file; submit the notebook file itself (links, FIFOs and "
                               "devices are not read)"),
        "zero": ("unreadable", "zero.ipynb" + LINK_DETAIL)}
    assert found.unrecognised == [("pipe", "a FIFO: not read")]


@pytest.mark.skipif(os.geteuid() != 0, reason="creating a device node needs root")
def test_a_device_node_is_not_opened(tmp_path):
    os.mknod(tmp_path / "dev.ipynb", stat.S_IFCHR | 0o600, os.makedev(1, 5))  # /dev/zero's numbers
    [submission] = collect(tmp_path, ASSIGNMENT, [NAME]).submissions
    assert rejection(tmp_path, submission.files[NAME]) == (
        "unreadable", "dev.ipynb: a character device, not a file; submit the notebook file itself (links, FIFOs and "
                      "devices are not read)")


def test_a_link_anywhere_on_the_path_is_not_followed(tmp_path):
    write(tmp_path / "real" / "ada.ipynb", SOLVED)
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert rejection(tmp_path, tmp_path / "link" / "ada.ipynb") == (
        "unreadable", "link/ada.ipynb: a symbolic link, not a folder; submit the notebook file itself (links, FIFOs "
                      "and devices are not read)")


# ---- one file can stop a whole batch: student ids
def test_a_student_id_with_a_newline_or_an_escape_is_not_an_id(tmp_path):
    assert STUDENT_ID.fullmatch("ada") and not STUDENT_ID.fullmatch("ada\n")
    for name in ("ada.ipynb", "mallory\n.ipynb", "\x1b[2J.ipynb"):
        write(tmp_path / "folder" / name, SOLVED)
    found = collect(tmp_path / "folder", ASSIGNMENT, [NAME])
    assert [s.student for s in found.submissions] == ["ada"]
    assert found.unrecognised == [("\x1b[2J.ipynb", INVALID_ID), ("mallory\n.ipynb", INVALID_ID)]
    write(tmp_path / "tree" / "bob\n" / ASSIGNMENT / f"{NAME}.ipynb", SOLVED)
    assert collect(tmp_path / "tree", ASSIGNMENT, [NAME]).unrecognised == [
        (f"bob\n/{ASSIGNMENT}", "the folder name is not a valid student id")]


# ---- one file can stop a whole batch: an nbgrader tree takes the assignment's notebooks only
def test_nbgrader_tree_takes_only_the_assignments_notebooks(tmp_path):
    root = tmp_path / "submitted"
    ada = write(root / "ada" / ASSIGNMENT / f"{NAME}.ipynb", SOLVED)
    for stray in ("Untitled.ipynb", "notes.ipynb", ".ipynb_checkpoints/Untitled-checkpoint.ipynb"):
        write(root / "ada" / ASSIGNMENT / stray, "")
    write(root / "grace" / ASSIGNMENT / "Untitled.ipynb", "")
    (root / "eve").mkdir()
    (root / "eve" / ASSIGNMENT).symlink_to(REPO / "solutions" / ASSIGNMENT)
    (root / "mal").symlink_to(REPO / "solutions")
    found = collect(tmp_path, ASSIGNMENT, [NAME])
    assert [(s.student, s.files) for s in found.submissions] == [("ada", {NAME: ada})]
    not_a_notebook = f"not one of the assignment's notebooks ({NAME}.ipynb)"
    assert found.unrecognised == [
        (f"ada/{ASSIGNMENT}/Untitled.ipynb", not_a_notebook), (f"ada/{ASSIGNMENT}/notes.ipynb", not_a_notebook),
        (f"eve/{ASSIGNMENT}", "a symbolic link, not a folder: not read"),
        (f"grace/{ASSIGNMENT}/Untitled.ipynb", not_a_notebook),
        (f"grace/{ASSIGNMENT}", f"no {NAME}.ipynb in the folder"),
        ("mal", "a symbolic link, not a student's folder: not read")]
    intake.read(found.submissions[0].root, ada, ASSIGNMENT, set(), {})  # admitted: the empty strays do not count


# ---- the grader follows what it should not: LMS zips
def export(path, entries):
    """A zip of (name or ZipInfo, data) entries, compressed."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return path


def test_the_newest_upload_wins_by_number_and_the_older_is_listed(tmp_path):
    archive = export(tmp_path / "export.zip", [("ada_late_7_999_exercise.ipynb", "old"),
                                               ("ada_7_1000_exercise.ipynb", SOLVED)])
    found = collect(archive, ASSIGNMENT, [NAME], extract_to=tmp_path / "x")
    [ada] = found.submissions
    assert (ada.student, ada.files[NAME].read_text(), ada.late) == ("ada", SOLVED, False)
    assert found.unrecognised == [("ada_late_7_999_exercise.ipynb",
                                   "superseded by a newer upload (ada_7_1000_exercise.ipynb)")]


def test_without_upload_numbers_the_entry_date_decides(tmp_path):
    newer = zipfile.ZipInfo("ada_b.ipynb", (2026, 3, 2, 9, 0, 0))
    older = zipfile.ZipInfo("ada_a.ipynb", (2026, 3, 1, 9, 0, 0))
    archive = export(tmp_path / "export.zip", [(newer, SOLVED), (older, "old")])  # the export lists the newer first
    found = collect(archive, ASSIGNMENT, [NAME], id_pattern=r"(?P<student_id>[a-z]+)_(?P<file_id>.+)",
                    extract_to=tmp_path / "x")
    assert found.submissions[0].files[NAME].read_text() == SOLVED
    assert found.unrecognised == [("ada_a.ipynb", "superseded by a newer upload (ada_b.ipynb)")]


def test_each_export_is_unpacked_into_an_emptied_folder(tmp_path):
    first = export(tmp_path / "first.zip", [("ada_1_1_exercise.ipynb", SOLVED)])
    second = export(tmp_path / "second.zip", [("bob_2_2_exercise.ipynb", SOLVED)])
    collect(first, ASSIGNMENT, [NAME], extract_to=tmp_path / "x")
    found = collect(second, ASSIGNMENT, [NAME], extract_to=tmp_path / "x")
    assert [s.student for s in found.submissions] == ["bob"]
    assert sorted(p.name for p in (tmp_path / "x").rglob("*")) == ["bob", "bob_2_2_exercise.ipynb"]


def test_unsafe_zip_entries_are_not_unpacked(tmp_path):
    link = zipfile.ZipInfo("eve_1_2_exercise.ipynb")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive = export(tmp_path / "export.zip", [(link, f"{REPO}/solutions/{ASSIGNMENT}/{NAME}.ipynb"),
                                               ("../mal_1_2_exercise.ipynb", SOLVED),
                                               ("/abs_1_2_exercise.ipynb", SOLVED)])
    found = collect(archive, ASSIGNMENT, [NAME], extract_to=tmp_path / "x")
    unsafe = "an absolute path, or one with '..', in the zip: not unpacked"
    assert (found.submissions, found.unrecognised) == ([], [
        ("eve_1_2_exercise.ipynb", "a symbolic link in the zip: not unpacked"),
        ("../mal_1_2_exercise.ipynb", unsafe), ("/abs_1_2_exercise.ipynb", unsafe)])
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["export.zip", "x"]


def test_a_zip_bomb_entry_is_cut_short_and_unreadable(tmp_path):
    archive = export(tmp_path / "export.zip", [("ada_1_2_exercise.ipynb", b" " * 2**26)])  # 64 MiB in 64 KiB
    [ada] = collect(archive, ASSIGNMENT, [NAME], extract_to=tmp_path / "x").submissions
    assert ada.files[NAME].stat().st_size == intake.MAX_BYTES + 1
    assert rejection(ada.root, ada.files[NAME]) == (
        "unreadable", "ada_1_2_exercise.ipynb: over 20 MiB, the most a notebook may have; clear large outputs "
                      "(Edit > Clear Outputs of All Cells) and save it again")


def test_a_zip_over_the_total_or_entry_caps_is_refused(tmp_path, monkeypatch):
    archive = export(tmp_path / "export.zip", [(f"s{i}_1_{i}_exercise.ipynb", b" " * 2**20) for i in range(3)])
    monkeypatch.setattr(collecting, "MAX_UNZIPPED_BYTES", 2 * 2**20)
    with pytest.raises(SourceRefused) as refused:
        collect(archive, ASSIGNMENT, [NAME], extract_to=tmp_path / "x")
    assert str(refused.value) == f"{archive}: over 2 MiB unpacked, more than an export of notebooks holds (a zip " \
                                 "bomb?); unpacking stopped"
    monkeypatch.setattr(collecting, "MAX_ZIP_ENTRIES", 2)
    with pytest.raises(SourceRefused) as refused:
        collect(archive, ASSIGNMENT, [NAME], extract_to=tmp_path / "x")
    assert str(refused.value) == f"{archive}: 3 entries, over the 2 an export may have; nothing was unpacked"


# ---- output that is opened by people
def entry(status="graded", total=5.0, detail="", origin="ada.ipynb"):
    return {"status": status, "total": total, "max": 5.0, "scores": {"test_a": total}, "detail": detail,
            "origin": origin, "late": False, "key": "", "seconds": 1.0}


def test_grades_csv_neutralizes_formulas_and_control_characters(tmp_path):
    students = {"ada": entry(detail='=HYPERLINK("http://evil","x")', origin="+ada.ipynb"),
                "bob": entry(status="unreadable", total=0.0, detail="-1+2", origin="@SUM(A1)"),
                "eve": entry(detail="one\ntwo\x1b[2J\ud800", origin="\tx")}
    report.write_csv(students, {"test_a": 5.0}, tmp_path / "grades.csv")
    with open(tmp_path / "grades.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows == [["student", "status", "total", "max", "test_a", "detail", "origin"],
                    ["ada", "graded", "5", "5", "5", "'=HYPERLINK(\"http://evil\",\"x\")", "'+ada.ipynb"],
                    ["bob", "unreadable", "0", "5", "0", "'-1+2", "'@SUM(A1)"],
                    ["eve", "graded", "5", "5", "5", "one\\ntwo\\x1b[2J\\ud800", "\\tx"]]


def test_terminal_and_progress_show_escapes_not_control_characters():
    fake = "\x1b[2J\x1b[H3 students: 3 graded.ipynb"
    summary = report.terminal_summary({"ada": entry()}, {"test_a": 5.0}, [(fake, INVALID_ID)], REPO)
    assert f"not graded: \\x1b[2J\\x1b[H3 students: 3 graded.ipynb ({INVALID_ID})" in summary.splitlines()
    stream = io.StringIO()
    Progress(1, stream=stream).update("\x1b]0;pwned\x07", "graded")
    assert stream.getvalue().endswith("(\\x1b]0;pwned\\x07: graded)\n")


def test_report_forbids_scripts_and_escapes_names(tmp_path):
    students = {"ada": entry(detail="<script>alert(1)</script>\x1b[2J")}
    report.write_report(students, {"test_a": 5.0}, [("<img src=x onerror=alert(2)>\n", INVALID_ID)],
                        tmp_path / "report.html", title="Grades")
    page = (tmp_path / "report.html").read_text()
    assert ('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; '
            'img-src data:">') in page
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;\\x1b[2J</td>" in page
    assert "<li><code>&lt;img src=x onerror=alert(2)&gt;\\n</code>" in page
    assert "<script" not in page and "\x1b" not in page


# ---- a batch of them, with stand-in workers: every student a status, the others graded, the gradebook agreeing
def store_full_marks(out, student):
    """What nbgrader stores for a student whose every test passed."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{out / 'course' / 'gradebook.db'}", "keras-customization") as gradebook:
        gradebook.update_or_create_student(student)
        for notebook in gradebook.add_submission(ASSIGNMENT, student).notebooks:
            for grade in notebook.grades:
                grade.auto_score = grade.max_score
        gradebook.db.commit()


def failing_on(part, function, error):
    """`function`, raising `error` when its second argument is a path through `part`."""
    def wrapped(*args, **kwargs):
        if part in Path(args[1]).parts:
            raise error
        return function(*args, **kwargs)
    return wrapped


@pytest.mark.filterwarnings("ignore:Object of type")  # nbgrader's add_submission, in store_full_marks
def test_a_batch_of_hostile_files_gives_each_a_status_and_grades_the_others(tmp_path, monkeypatch, capsys):
    from autograder.grading.batch import Batch, grade_batch
    from autograder.limits import Limits

    monkeypatch.chdir(REPO)
    folder, out = tmp_path / "submissions", tmp_path / "out"
    for student in ("succeeds", "fails", "hangs", "unwritable", "broken"):
        write(folder / f"{student}.ipynb", SOLVED)
    write(folder / "deep.ipynb", CONTENT["nested_100000_deep"][0])
    write(folder / "surrogate.ipynb", CONTENT["a_lone_surrogate"][0])
    (folder / "eve.ipynb").symlink_to(f"/proc/self/cwd/solutions/{ASSIGNMENT}/{NAME}.ipynb")
    (folder / "zero.ipynb").symlink_to("/dev/zero")
    os.mkfifo(folder / "fifo.ipynb")
    for name in ("mallory\n.ipynb", "\x1b[2J\x1b[Hall 12 students graded.ipynb"):
        write(folder / name, SOLVED)
    Batch(ASSIGNMENT, out, sandboxed=False).course.generate()
    for student in ("succeeds", "fails", "hangs", "eve"):  # a worker killed after nbgrader stored, or an earlier run
        store_full_marks(out, student)
    write(out / "feedback" / "eve.html", "feedback of an earlier run")
    monkeypatch.setattr(Batch, "_spawn_worker", stand_in_worker(fails="fails", hangs="hangs"))
    monkeypatch.setattr(nbformat, "write", failing_on("unwritable", nbformat.write, OSError("disk full")))
    monkeypatch.setattr(intake, "read", failing_on("broken.ipynb", intake.read, RuntimeError("boom")))

    grade_batch(ASSIGNMENT, folder, out, workers=2, limits=Limits(submission_seconds=8), sandboxed=False)

    not_read = ", not a file; submit the notebook file itself (links, FIFOs and devices are not read)"
    assert {s: (row["status"], float(row["total"]), row["detail"]) for s, row in grade_rows(out).items()} == {
        "succeeds": ("graded", 20.0, ""),
        "fails": ("error", 0.0, "nbgrader crashed"),
        "hangs": ("timed out", 0.0, "grading took over 8 s"),
        "unwritable": ("error", 0.0, "the grader failed on this submission (OSError: disk full)"),
        "broken": ("error", 0.0, "the grader failed reading the submission (RuntimeError: boom)"),
        "deep": ("unreadable", 0.0, "deep.ipynb: " + CONTENT["nested_100000_deep"][1]),
        "surrogate": ("unreadable", 0.0, "surrogate.ipynb: " + CONTENT["a_lone_surrogate"][1]),
        "eve": ("unreadable", 0.0, "eve.ipynb: a symbolic link" + not_read),
        "zero": ("unreadable", 0.0, "zero.ipynb: a symbolic link" + not_read),
        "fifo": ("unreadable", 0.0, "fifo.ipynb: a FIFO" + not_read)}
    assert gradebook_totals(out, ASSIGNMENT) == {"succeeds": 20.0}
    page = (out / "feedback" / "eve.html").read_text()  # her page now says why she was not graded
    assert "feedback of an earlier run" not in page and "not graded" in page
    shown = capsys.readouterr().out
    assert f"not graded: mallory\\n.ipynb ({INVALID_ID})" in shown.splitlines()
    assert f"not graded: \\x1b[2J\\x1b[Hall 12 students graded.ipynb ({INVALID_ID})" in shown.splitlines()
    assert "\x1b" not in shown and "Content-Security-Policy" in (out / "report.html").read_text()


# ---- hidden-test inputs: per submission, secret, reproducible
def test_hidden_test_seeds_differ_per_submission_and_repeat_on_regrade(tmp_path):
    from autograder.grading.batch import HIDDEN_TESTS_KEY, Batch

    batch = Batch(ASSIGNMENT, tmp_path / "out", sandboxed=False)
    seeds = {batch.seed(student, key) for student in ("ada", "bob") for key in ("k1", "k2")}
    assert len(seeds) == 4, "each student and each content of a submission draws other inputs"
    assert Batch(ASSIGNMENT, tmp_path / "out", sandboxed=False).seed("ada", "k1") == batch.seed("ada", "k1")
    assert Batch(ASSIGNMENT, tmp_path / "other", sandboxed=False).seed("ada", "k1") != batch.seed("ada", "k1")
    assert stat.S_IMODE((tmp_path / "out" / HIDDEN_TESTS_KEY).stat().st_mode) == 0o600
