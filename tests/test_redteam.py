"""Red team: hostile and broken submissions of Exercise 1, graded in one batch with correct ones.

Every case (tests/redteam/cases.py) must get exactly its expected status and points, leave the
proof that its hostile code ran and was stopped, and harm nobody: the correct submissions keep
full marks, the gradebook holds exactly the expected grades, no file outside a student's own
grading folders changes, nothing connects to a server of the grading machine, and no process
of a sandboxed kernel outlives the batch. A second, smaller batch grades the reaching-out cases
without the sandbox and shows they do succeed there: the checks above can fail.
"""
import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import psutil
import pytest

from autograder.grading.batch import Batch, grade_batch
from autograder.kernel import sandbox
from autograder.limits import Limits
from autograder.repo import HIDDEN_TESTS, REPO
from helpers import grade_rows, gradebook_totals
from redteam.cases import CASES, PARTS
from redteam.notebooks import ASSIGNMENT, NAME

pytestmark = [pytest.mark.kernels, pytest.mark.xdist_group("redteam")]
# Roomy for a correct cell even when the batch's kernels share 2 cores with other tests (no verdict
# may depend on load); the runaway cases stop at these limits.
LIMITS = Limits(cell_seconds=60, submission_seconds=300, memory_gb=4)


class Listener:
    """A TCP server on every interface of this machine that records whoever connects."""

    def __init__(self):
        self.server = socket.create_server(("0.0.0.0", 0))
        self.port, self.connections = self.server.getsockname()[1], []
        self.server.settimeout(0.5)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                connection, peer = self.server.accept()
            except socket.timeout:
                continue
            self.connections.append(peer)
            connection.close()

    def close(self):
        self._stop.set()
        self._thread.join()
        self.server.close()


def host_addresses():
    found = ["127.0.0.1"]
    for addresses in psutil.net_if_addrs().values():
        found += [a.address for a in addresses if a.family == socket.AF_INET and not a.address.startswith("127.")]
    return found


def tree_digest(*folders):
    """{path: sha256} of every file under `folders` (caches left out)."""
    digest = {}
    for folder in folders:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and ".pytest_cache" not in path.parts:
                digest[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest


def graded_output(out, student):
    """The text of every output of a student's graded notebook, or '' when nothing ran."""
    path = out / "course" / "autograded" / student / ASSIGNMENT / f"{NAME}.ipynb"
    if not path.exists():
        return ""
    texts = []
    for cell in nbformat.read(path, as_version=4).cells:
        for output in cell.get("outputs", []):
            texts += [output.get("text", ""), output.get("evalue", ""), *output.get("traceback", []),
                      *map(str, output.get("data", {}).values())]
    return "\n".join(texts)


def processes_in_namespace(pid_namespace):
    """Pids of the processes in a PID namespace (as /proc/<pid>/ns/pid names it). Not by uid alone:
    once a kernel's uid is released, a kernel graded in parallel may lease it again."""
    found = []
    for process in psutil.process_iter():
        try:
            if os.readlink(f"/proc/{process.pid}/ns/pid") == pid_namespace:
                found.append(process.pid)
        except OSError:  # the process has gone
            continue
    return found


def context(root, out, listener):
    course = out / "course"
    return {
        "solutions": [str(REPO / "solutions" / ASSIGNMENT / f"{NAME}.ipynb"),
                      str(course / "solutions" / ASSIGNMENT / f"{NAME}.ipynb")],
        "hidden_tests": [str(course / "gradebook.db"), str(course / "solutions" / ASSIGNMENT / f"{NAME}.ipynb"),
                         str(REPO / "solutions" / ASSIGNMENT / HIDDEN_TESTS),
                         str(course / "solutions" / ASSIGNMENT / HIDDEN_TESTS),
                         str(course / "autograded" / "o_read_hidden_tests" / ASSIGNMENT / f"{NAME}.ipynb"),
                         str(root / "canary" / "secret.txt")],
        "course_files": [str(course / "gradebook.db"), str(course / "pwned.txt"), str(root / "canary" / "pwned.txt")],
        "other_student_files": [str(course / "submitted" / "honest" / ASSIGNMENT / f"{NAME}.ipynb"),
                                str(course / "autograded" / "honest" / ASSIGNMENT / f"{NAME}.ipynb"),
                                str(course / "submitted" / "honest" / ASSIGNMENT / "pwned.txt"),
                                str(root / "canary" / "dropbox" / "pwned.txt")],
        "gradebook": str(course / "gradebook.db"),
        "hosts": host_addresses(),
        "port": listener.port,
    }


def workspace(prefix, cases):
    """A run's folder with a canary and the submissions of `cases`; returns (root, out, submissions, listener).

    Under /tmp, world-readable and writable: pytest's tmp_path is private to root, which would
    stop a kernel's uid even without the sandbox.
    """
    root = Path(tempfile.mkdtemp(prefix=prefix))
    (root / "canary" / "dropbox").mkdir(parents=True)
    (root / "canary" / "secret.txt").write_text("HIDDEN TESTS default_rng(101)\n")
    listener = Listener()
    out, submissions = root / "out", root / "submissions"
    submissions.mkdir()
    ctx = context(root, out, listener)
    for case in cases:
        (submissions / f"{case.student}.ipynb").write_bytes(case.build(ctx))
    return root, out, submissions, listener


def world_open(root):
    """Opens `root` to every user: what keeps a kernel out must be the sandbox, not file permissions."""
    for path in [root, *root.rglob("*")]:
        os.chmod(path, 0o777 if path.is_dir() else 0o666)


@pytest.fixture(scope="module")
def red_team():
    sandbox.require()
    root, out, submissions, listener = workspace("redteam-", CASES)
    Batch(ASSIGNMENT, out, limits=LIMITS).course.generate()  # the course folder exists before the run, open to all
    world_open(root)
    watched = [REPO / "solutions", REPO / "exercises", REPO / "autograder", submissions, root / "canary",
               out / "course" / "solutions", out / "course" / "exercises"]
    before = tree_digest(*watched)
    started = time.monotonic()
    students = grade_batch(ASSIGNMENT, submissions, out, workers=2, limits=LIMITS)
    seconds = time.monotonic() - started
    listener.close()
    yield {"root": root, "out": out, "students": students, "rows": grade_rows(out), "before": before,
           "after": tree_digest(*watched), "connections": listener.connections, "seconds": seconds}
    shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize("case", CASES, ids=[case.student for case in CASES])
def test_case_gets_its_honest_grade_and_status(red_team, case):
    row = red_team["rows"][case.student]
    points = {part: float(row[part]) for part in PARTS}
    assert (row["status"], points) == (case.status, case.expected_points()), row["detail"]
    assert float(row["max"]) == 20.0
    for needle in case.detail:
        assert needle in row["detail"], row["detail"]


@pytest.mark.parametrize("case", [c for c in CASES if c.evidence or c.forbidden], ids=lambda c: c.student)
def test_hostile_code_ran_and_was_stopped(red_team, case):
    shown = graded_output(red_team["out"], case.student)
    for needle in case.evidence:
        assert needle in shown, f"{case.student}: no '{needle}' in its output: the hostile code did not run as planned"
    for needle in case.forbidden:
        assert needle not in shown, f"{case.student}: '{needle}' in its output: the attack got through"


class ActiveContent(HTMLParser):
    """What in an HTML page would run: the text of its scripts and its elements' event-handler attributes."""

    def __init__(self, text):
        super().__init__()
        self.found, self._in_script = [], False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self._in_script = tag == "script"
        self.found += [value or "" for name, value in attrs if name.startswith("on")]

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.found.append(data)


@pytest.mark.parametrize("case", [c for c in CASES if c.feedback_forbidden], ids=lambda c: c.student)
def test_feedback_carries_no_script_from_outputs(red_team, case):
    shown = graded_output(red_team["out"], case.student)
    active = " ".join(ActiveContent((red_team["out"] / "feedback" / f"{case.student}.html").read_text()).found)
    for needle in case.feedback_forbidden:
        assert needle in shown, f"{case.student}: '{needle}' is not in its outputs: the payload did not run"
        assert needle not in active, f"{case.student}: '{needle}' would run in its feedback"


def test_unreadable_submissions_run_nothing(red_team):
    for case in CASES:
        if case.status in ("unreadable", "wrong assignment"):
            assert not graded_output(red_team["out"], case.student), case.student


def test_nothing_outside_the_students_folders_changed(red_team):
    before, after = red_team["before"], red_team["after"]
    changed = sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))
    assert changed == []
    assert not list(red_team["root"].rglob("pwned*"))
    assert red_team["connections"] == []


def test_each_students_folders_hold_only_their_own_grading(red_team):
    course = red_team["out"] / "course"
    for student, entry in red_team["students"].items():
        if entry["status"] in ("unreadable", "wrong assignment"):
            continue
        for stage, suffix in (("submitted", ".ipynb"), ("autograded", ".ipynb"), ("feedback", ".html")):
            files = sorted(p.name for p in (course / stage / student / ASSIGNMENT).iterdir())
            assert files == [NAME + suffix], (student, stage, files)
        submitted = nbformat.read(course / "submitted" / student / ASSIGNMENT / f"{NAME}.ipynb", as_version=4)
        nbformat.validate(submitted)


def test_gradebook_holds_exactly_the_reported_grades(red_team):
    recorded = gradebook_totals(red_team["out"], ASSIGNMENT)
    expected = {c.student: sum(c.expected_points().values()) for c in CASES
                if c.status not in ("unreadable", "wrong assignment")}
    assert recorded == expected


def test_no_sandboxed_process_outlives_the_batch(red_team):
    shown = graded_output(red_team["out"], "r_fork_bomb")
    assert int(re.search(r"uid=(\d+)", shown).group(1)) in sandbox.UID_RANGE
    pid_namespace = re.search(r"pid_namespace=(pid:\[\d+\])", shown).group(1)
    assert pid_namespace != os.readlink("/proc/self/ns/pid")
    deadline = time.monotonic() + 10
    while processes_in_namespace(pid_namespace) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert processes_in_namespace(pid_namespace) == []


def test_readme_counts_the_cases_of_each_category():
    readme = " ".join((REPO / "README.md").read_text().split())
    hostile = [case for case in CASES if case.category != "control"]
    assert f"{len(hostile)} hostile or broken submissions" in readme
    categories = {}
    for case in hostile:
        categories[case.category] = categories.get(case.category, 0) + 1
    for category, count in categories.items():
        assert f"{category} ({count}" in readme, f"README: the red-team count of '{category}' should be {count}"


@pytest.fixture(scope="module")
def unsandboxed_control():
    """The reaching-out cases graded without the sandbox: what the sandbox is there to stop."""
    root, out, submissions, listener = workspace("redteam-control-", REACHING_OUT)
    # One at a time: unsandboxed, o_write_gradebook really zeroes the grades in the gradebook, which would
    # race with o_read_solutions's grades being read back if both were graded side by side.
    grade_batch(ASSIGNMENT, submissions, out, workers=1, limits=LIMITS, sandboxed=False)
    listener.close()
    yield {"out": out, "rows": grade_rows(out), "connections": listener.connections}
    shutil.rmtree(root, ignore_errors=True)


# What each reaching-out case prints when its attack succeeds: without the sandbox, it must.
SUCCEEDS_UNSANDBOXED = {
    "o_read_solutions": "READ-OK", "o_read_hidden_tests": "HIDDEN-TESTS-FOUND", "o_write_gradebook": "GRADEBOOK-WRITE-OK",
    "o_write_other_student": "WRITE-OK", "o_network": "CONNECTED",
    # not the sandbox's job: the script reaches the graded notebook, and only the feedback's sanitizing removes it
    "o_feedback_script": "window.PWNED = 1",
}
REACHING_OUT = [c for c in CASES if c.category == "reaching out"]


def test_the_control_covers_every_reaching_out_case():
    assert sorted(SUCCEEDS_UNSANDBOXED) == sorted(c.student for c in REACHING_OUT)


@pytest.mark.parametrize("student", sorted(SUCCEEDS_UNSANDBOXED))
def test_without_the_sandbox_the_attack_succeeds(unsandboxed_control, student):
    out = unsandboxed_control["out"]
    assert SUCCEEDS_UNSANDBOXED[student] in graded_output(out, student)
    if student == "o_read_solutions":
        assert float(unsandboxed_control["rows"][student]["total"]) == 20.0  # the solutions were read and used
    if student == "o_network":
        assert unsandboxed_control["connections"]
    assert "UNSANDBOXED" in (out / "report.html").read_text()


PROBE = r'''
import os, socket, sys
def attempt(what, action):
    try:
        action()
        print(f"{what}: ALLOWED")
    except Exception as error:
        print(f"{what}: blocked ({type(error).__name__})")
attempt("read solutions", lambda: open(sys.argv[1]).read())
attempt("write outside", lambda: open(sys.argv[2], "w").write("pwned"))
attempt("connect", lambda: socket.create_connection(("127.0.0.1", int(sys.argv[3])), timeout=3).close())
status = open("/proc/self/status").read()
print("uid", os.getuid(), "| capabilities", status.split("CapEff:")[1].split()[0],
      "| PID 1's capabilities", open("/proc/1/status").read().split("CapEff:")[1].split()[0],
      "| processes seen", sum(name.isdigit() for name in os.listdir("/proc")),
      "| threads", os.environ.get("TF_NUM_INTRAOP_THREADS"))
children = 0
try:
    while len(sys.argv) > 4 and children < 5000:  # the control, outside the sandbox, does not fork
        if os.fork() == 0:
            import time
            time.sleep(60)
            os._exit(0)
        children += 1
except OSError as error:
    print(f"forks stopped at {children}: {type(error).__name__}")
else:
    print(f"forks: ALLOWED ({children})")
'''


def run_sandboxed(root, argv, extra_files, limits):
    """(stdout, exit status, uid) of `argv` (a Python script in the sandbox and its arguments), run as a kernel's
    process would be (forked by the zygote into a sandbox), without a kernel, working in `root`/work."""
    lease = sandbox.UidLease()
    try:
        workdir, sockets = root / "work", root / "sockets"
        for folder in (workdir, sockets):
            folder.mkdir()
            os.chown(folder, lease.uid, lease.uid)
        process = subprocess.Popen(sandbox.command(workdir, sockets, extra_files, limits), stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        sandbox.enter(process, lease.uid, workdir, limits, argv)
        stdout, _ = process.communicate(timeout=120)
        return stdout, process.returncode, lease.uid
    finally:
        lease.release()


def test_sandbox_blocks_what_an_unsandboxed_process_may_do(tmp_path):
    """The sandbox itself, without a kernel, against the same probe run outside it (the control)."""
    sandbox.require()
    root = Path(tempfile.mkdtemp(prefix="redteam-probe-"))
    try:
        os.chmod(root, 0o777)  # open to every uid: only the sandbox can keep the probe out
        (root / "probe.py").write_text(PROBE)
        listener = Listener()
        args = [str(REPO / "solutions" / ASSIGNMENT / f"{NAME}.ipynb"), str(root / "pwned.txt"), str(listener.port)]
        inside, _, uid = run_sandboxed(root, ["/opt/probe.py", *args, "fork"], {"/opt/probe.py": root / "probe.py"},
                                       Limits(processes=64, threads=1))
        outside = subprocess.run([sys.executable, str(root / "probe.py"), *args], capture_output=True, text=True,
                                 timeout=120).stdout
        listener.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    for what in ("read solutions", "write outside", "connect"):
        assert f"{what}: ALLOWED" in outside, outside  # the control: these are possible on this machine
        assert f"{what}: blocked" in inside, inside
    assert f"uid {uid} | capabilities 0000000000000000 | PID 1's capabilities 0000000000000000" in inside, inside
    assert int(inside.split("processes seen ")[1].split()[0]) <= 3, inside  # its own PID namespace
    assert "| threads 1" in inside and "| threads None" in outside, (inside, outside)
    assert "forks stopped at" in inside, inside


def test_grading_stops_without_a_sandbox_unless_asked(monkeypatch, tmp_path):
    from autograder import __main__ as cli

    monkeypatch.setattr(sandbox, "problem", lambda: "`bwrap` is not installed")
    with pytest.raises(SystemExit) as stopped:
        cli.main(["grade", ASSIGNMENT, str(tmp_path), "--out", str(tmp_path / "out")])
    assert "bwrap" in str(stopped.value) and "--unsandboxed" in str(stopped.value)
    assert not (tmp_path / "out").exists()


def test_a_virtual_environment_behind_a_symlink_runs_in_the_sandbox(monkeypatch):
    """The anchor and the zygote run the link's Python; the kernel's process imports through the link."""
    sandbox.require()
    root = Path(tempfile.mkdtemp(prefix="redteam-venv-"))
    try:
        link = root / "venv"
        link.symlink_to(os.path.realpath(sys.prefix))
        monkeypatch.setattr(sys, "prefix", str(link))
        monkeypatch.setattr(sys, "exec_prefix", str(link))
        monkeypatch.setattr(sys, "executable", str(link / "bin" / Path(sys.executable).name))
        # markdown_it: a library the zygote has not imported (it is found through the link, in the sandbox)
        (root / "script.py").write_text("import sys, markdown_it; print(sys.prefix, markdown_it.__file__)")
        stdout, status, _ = run_sandboxed(root, ["/opt/script.py"], {"/opt/script.py": root / "script.py"}, Limits())
    finally:
        shutil.rmtree(root, ignore_errors=True)
    prefix, module = stdout.split()
    assert status == 0 and prefix == str(link) and module.startswith(f"{link}/"), stdout


def test_a_keras_config_planted_in_the_hosts_tmp_does_not_reach_the_kernels():
    """The zygote imports Keras as root outside the sandbox, where HOME (/tmp for a kernel) is the host's
    /tmp, open to every user; it must read nothing there."""
    sandbox.require()
    planted = Path("/tmp/.keras/keras.json")
    kept = planted.read_bytes() if planted.exists() else None
    root = Path(tempfile.mkdtemp(prefix="redteam-home-"))
    try:
        planted.parent.mkdir(exist_ok=True)
        planted.write_text('{"floatx": "float16", "epsilon": 0.5, "backend": "tensorflow"}')
        (root / "script.py").write_text("import keras; print(keras.config.floatx(), keras.config.epsilon())")
        # threads=5: an environment no other test uses, so a new zygote starts while the file is there
        stdout, status, _ = run_sandboxed(root, ["/opt/script.py"], {"/opt/script.py": root / "script.py"},
                                          Limits(threads=5))
    finally:
        if kept is None:
            shutil.rmtree(planted.parent, ignore_errors=True)
        else:
            planted.write_bytes(kept)
        shutil.rmtree(root, ignore_errors=True)
    assert status == 0 and stdout.split() == ["float32", "1e-07"], stdout
