"""Grading into a real PostgreSQL gradebook: parallel workers, and shards from two concurrent runs.

The test starts its own PostgreSQL server (Debian's postgresql package) on loopback, in a
temporary folder, as the `postgres` system user, and stops it afterwards.
"""
import glob
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from autograder.authoring.samples import write_demo
from autograder.grading.batch import grade_batch
from helpers import BATCH_ASSIGNMENT

ASSIGNMENT = BATCH_ASSIGNMENT
pytestmark = [pytest.mark.kernels, pytest.mark.xdist_group("postgres")]


def postgres_bin(name):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        pytest.fail("PostgreSQL is not installed: `make test` installs Debian's postgresql package")
    return found[-1]


@pytest.fixture(scope="module")
def postgres_url():
    # Not under pytest's tmp_path: that tree is private to root, and the server runs as `postgres`.
    data = Path(tempfile.mkdtemp(prefix="course-pg-"))
    shutil.chown(data, "postgres")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    as_postgres = ["runuser", "-u", "postgres", "--"]
    subprocess.run(as_postgres + [postgres_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"],
                   check=True, capture_output=True)
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {data}"
    subprocess.run(as_postgres + [postgres_bin("pg_ctl"), "-D", str(data), "-o", options, "-w", "-l", str(data / "log"),
                                  "start"], check=True, capture_output=True)
    yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    subprocess.run(as_postgres + [postgres_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
    shutil.rmtree(data, ignore_errors=True)


def csv_rows(out):
    return sorted(line for line in (out / "grades.csv").read_text().splitlines()[1:])


def test_postgres_grades_equal_sqlite_and_shards_share_one_gradebook(postgres_url, tmp_path):
    submissions = tmp_path / "submissions"
    write_demo(ASSIGNMENT, submissions)
    grade_batch(ASSIGNMENT, submissions, tmp_path / "sqlite", workers=2)

    # Two "machines": concurrent runs over disjoint shards, each with 2 workers, into one gradebook.
    runs = [subprocess.Popen([sys.executable, "-m", "autograder", "grade", ASSIGNMENT, str(submissions),
                              "--out", str(tmp_path / f"shard{i}"), "--workers", "2", "--db", postgres_url,
                              "--shard", f"{i}/2"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for i in (1, 2)]
    for run in runs:
        output, _ = run.communicate(timeout=900)
        assert run.returncode == 0, output
    sharded = sorted(csv_rows(tmp_path / "shard1") + csv_rows(tmp_path / "shard2"))
    assert sharded == csv_rows(tmp_path / "sqlite")

    graded_students = {row.split(",")[0] for row in sharded if ",graded," in row}
    with Gradebook(postgres_url, "keras-customization") as gradebook:
        in_database = {s.student.id: s.score for s in gradebook.find_assignment(ASSIGNMENT).submissions}
    sqlite_totals = {row.split(",")[0]: float(row.split(",")[2]) for row in csv_rows(tmp_path / "sqlite")}
    assert set(in_database) == graded_students
    assert all(in_database[s] == sqlite_totals[s] for s in graded_students)
