"""The grading command end to end: demo grades, feedback, re-runs, and resuming after a crash."""
import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import nbformat
import pytest

from autograder.authoring.samples import solved, write_demo
from autograder.grading.batch import grade_batch
from autograder.course import parts
from autograder.repo import HIDDEN_TESTS, SOLUTIONS
from helpers import BATCH_ASSIGNMENT, demo_grades, only_notebook, statuses_and_totals

pytestmark = pytest.mark.kernels


def test_demo_grades_exactly(tmp_path):
    """The demo of one assignment (test_release checks every assignment's demo submissions)."""
    assignment = BATCH_ASSIGNMENT
    write_demo(assignment, tmp_path / "submissions")
    grade_batch(assignment, tmp_path / "submissions", tmp_path / "out", workers=2)
    assert statuses_and_totals(tmp_path / "out") == demo_grades(assignment)
    report = (tmp_path / "out" / "report.html").read_text()
    assert "data:image/png;base64," in report and "<h2>Graded parts</h2>" in report
    feedback = (tmp_path / "out" / "feedback" / "grace.html").read_text()
    assert "CheckFailure" in feedback and "HIDDEN TESTS" not in feedback
    # No line of the hidden tests is on the page (its text, syntax highlighting removed), but for those
    # in grace's own notebook: the released cells (the summary cell's copy of the visible tests too)
    # and her answers, which can share a line with a reference class of the hidden tests.
    submitted = nbformat.read(tmp_path / "submissions" / "grace.ipynb", as_version=4)
    own_text = "\n".join(cell.source for cell in submitted.cells)
    hidden = [line.strip() for line in (SOLUTIONS / assignment / HIDDEN_TESTS).read_text().splitlines()
              if len(line.strip()) >= 40 and line.strip() not in own_text]
    page_text = html.unescape(re.sub(r"<[^>]+>", "", feedback))
    assert len(hidden) > 10 and not [line for line in hidden if line in page_text]
    graded = [entry for entry in json.loads((tmp_path / "out" / "state.json").read_text())["students"].values()
              if entry["status"] == "graded"]
    assert graded
    for entry in graded:  # where the time went, for the benchmark (grading/stages.py)
        stages = entry["stages"]
        assert {"kernel ready", "cells", "autograde", "feedback"} <= set(stages), stages
        inside = stages["kernel ready"] + stages["cells"] + stages.get("hidden tests", 0)
        assert 0 < inside <= stages["autograde"] and stages["autograde"] + stages["feedback"] <= entry["seconds"] + 0.1


def test_rerun_grades_only_what_changed(tmp_path, capsys):
    assignment = BATCH_ASSIGNMENT
    write_demo(assignment, tmp_path / "submissions")
    out = tmp_path / "out"
    grade_batch(assignment, tmp_path / "submissions", out, workers=2)
    capsys.readouterr()
    grade_batch(assignment, tmp_path / "submissions", out, workers=2)
    assert "graded 0 submission(s); 4 unchanged" in capsys.readouterr().out
    nbformat.write(solved(assignment, only_notebook(assignment)), tmp_path / "submissions" / "linus.ipynb")
    grade_batch(assignment, tmp_path / "submissions", out, workers=2)
    assert "graded 1 submission(s); 3 unchanged" in capsys.readouterr().out
    assert statuses_and_totals(out)["linus"] == ("graded", float(sum(parts(assignment).values())))


def test_interrupted_run_resumes_without_regrading(tmp_path):
    assignment = BATCH_ASSIGNMENT
    submissions = tmp_path / "submissions"
    write_demo(assignment, submissions)
    for student in ("ada2", "ada3"):
        shutil.copyfile(submissions / "ada.ipynb", submissions / f"{student}.ipynb")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "autograder", "grade", assignment, str(submissions), "--out", str(out), "--workers", "1"]
    run = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    state = out / "state.json"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and len(json.loads(state.read_text())["students"] if state.exists() else {}) < 2:
        time.sleep(1)
    os.killpg(run.pid, signal.SIGKILL)  # a crash, not a polite stop
    run.wait()
    finished = json.loads(state.read_text())["students"]
    assert 2 <= len(finished) < 6
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"graded {6 - len(finished)} submission(s); {len(finished)} unchanged" in result.stdout
    grades = statuses_and_totals(out)
    assert len(grades) == 6 and all(grades[s] == finished_entry for s, finished_entry in
                                    ((s, (e["status"], e["total"])) for s, e in finished.items()))
