"""The grading command end to end: demo grades, feedback, re-runs, and resuming after a crash."""
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import nbformat
import pytest

from autograder.__main__ import grade_batch
from autograder.batch import kernel_threads
from autograder.course import REPO, assignments
from autograder.demo import write_samples
from autograder.submissions import solved


def read_grades(out):
    with open(out / "grades.csv") as handle:
        return {row["student"]: (row["status"], float(row["total"])) for row in csv.DictReader(handle)}


@pytest.mark.parametrize("workers, cores, threads", [(1, 2, 0), (2, 2, 1), (3, 2, 1), (2, 16, 8), (4, 16, 4)])
def test_kernels_graded_side_by_side_share_the_cores(workers, cores, threads):
    assert kernel_threads(workers, cores) == threads


@pytest.mark.parametrize("assignment", [pytest.param(a, marks=pytest.mark.xdist_group(a)) for a in assignments()])
def test_demo_grades_exactly(assignment, tmp_path):
    expected = write_samples(assignment, tmp_path / "submissions")
    grade_batch(assignment, tmp_path / "submissions", tmp_path / "out", workers=2)
    assert read_grades(tmp_path / "out") == expected
    report = (tmp_path / "out" / "report.html").read_text()
    assert "data:image/png;base64," in report and "<h2>Graded parts</h2>" in report
    feedback = (tmp_path / "out" / "feedback" / "grace.html").read_text()
    assert "CheckFailure" in feedback and "HIDDEN TESTS" not in feedback and "default_rng(" not in feedback


def test_rerun_grades_only_what_changed(tmp_path, capsys):
    assignment = "01_custom_layers"
    write_samples(assignment, tmp_path / "submissions")
    out = tmp_path / "out"
    grade_batch(assignment, tmp_path / "submissions", out, workers=2)
    capsys.readouterr()
    grade_batch(assignment, tmp_path / "submissions", out, workers=2)
    assert "graded 0 submission(s); 4 unchanged" in capsys.readouterr().out
    nbformat.write(solved(assignment, "custom_layers_exercise"), tmp_path / "submissions" / "linus.ipynb")
    grade_batch(assignment, tmp_path / "submissions", out, workers=2)
    assert "graded 1 submission(s); 3 unchanged" in capsys.readouterr().out
    assert read_grades(out)["linus"] == ("graded", 20.0)


def test_interrupted_run_resumes_without_regrading(tmp_path):
    assignment = "01_custom_layers"
    submissions = tmp_path / "submissions"
    write_samples(assignment, submissions)
    for student in ("ada2", "ada3"):
        shutil.copyfile(submissions / "ada.ipynb", submissions / f"{student}.ipynb")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "autograder", "grade", assignment, str(submissions), "--out", str(out), "--workers", "1"]
    run = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    state = out / "state.json"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and len(json.loads(state.read_text())["students"] if state.exists() else {}) < 2:
        time.sleep(1)
    os.killpg(run.pid, signal.SIGKILL)  # a crash, not a polite stop
    run.wait()
    finished = json.loads(state.read_text())["students"]
    assert 2 <= len(finished) < 6
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"graded {6 - len(finished)} submission(s); {len(finished)} unchanged" in result.stdout
    grades = read_grades(out)
    assert len(grades) == 6 and all(grades[s] == finished_entry for s, finished_entry in
                                    ((s, (e["status"], e["total"])) for s, e in finished.items()))
