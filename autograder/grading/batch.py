"""Grading a batch: every submission of one assignment, in parallel, resumable, with a status each.

Each student is graded by its own worker process (worker.py) under a time limit and a
memory cap; up to `workers` run at once, never two for the same student. Results are recorded
in state.json after each student, so an interrupted run resumes where it stopped, and a re-run
grades only submissions whose content (or the assignment) changed, unless forced.

Before a worker sees a submission, each file is admitted (intake.py: unreadable or wrong
assignment, graded 0 without running) and put back into the assignment's shape (structure.py).
Student code runs in the worker's sandboxed kernel; what happened there comes back as incidents
(incidents.py), which name the status. `grade_batch` is the whole run: grading, then grades.csv,
report.html and the terminal summary (report.py).
"""
import ctypes
import fcntl
import hashlib
import hmac
import json
import os
import queue
import secrets
import signal
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import nbformat
import psutil
from nbgrader.api import Gradebook, MissingEntry

from .. import cells, repo
from ..course import Course
from ..kernel import sandbox, zygote
from ..limits import Limits, kernel_threads
from . import incidents, intake, stages, structure
from .collect import collect
from .job import Job
from .progress import Progress
from .policy import Policy, PolicyError, check_students
from .report import (adjustment_notes, annotate_feedback, failing_messages, printable, terminal_summary,
                     unsandboxed_notes, write_csv, write_lms_exports, write_not_graded_feedback, write_report)


class State:
    """state.json: per student, the key graded and the outcome; rewritten atomically after each student."""

    def __init__(self, path):
        self.path = Path(path)
        self.students = json.loads(self.path.read_text())["students"] if self.path.exists() else {}

    def is_current(self, student, key):
        return self.students.get(student, {}).get("key") == key

    def record(self, student, entry):
        self.students[student] = entry
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"students": self.students}, indent=1, sort_keys=True))
        os.replace(temporary, self.path)


def folder_digest(folder):
    sha = hashlib.sha256()
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        sha.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return sha.hexdigest()


def in_shard(student, shard):
    """`shard` is (index, count), index from 1; a student's shard depends on its id only."""
    index, count = shard
    return int(hashlib.sha256(student.encode()).hexdigest()[:8], 16) % count == index - 1


def _die_with_parent():
    """Runs in the worker before exec: if the batch process dies, the kernel's parent worker dies too."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _kill_tree(process):
    try:
        parent = psutil.Process(process.pid)
        family = parent.children(recursive=True) + [parent]
    except psutil.NoSuchProcess:
        return
    for member in family:
        try:
            member.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(family, timeout=10)


HIDDEN_TESTS_KEY = "hidden-tests.key"  # in the output folder: the instructor's secret behind Batch.seed


class Batch:
    def __init__(self, assignment, out, db_url=None, show_hidden=False, limits=Limits(), sandboxed=True):
        """`sandboxed=False` runs student code with the grader's own permissions (--unsandboxed)."""
        self.assignment, self.out, self.limits = assignment, Path(out), limits
        self.db_url, self.show_hidden, self.sandboxed = db_url, show_hidden, sandboxed
        self.course = Course(self.out / "course", assignment, db_url=db_url, show_hidden=show_hidden,
                             limits=limits, sandboxed=sandboxed)  # SandboxUnavailable first
        self.out.mkdir(parents=True, exist_ok=True)
        self._secret = self._read_secret()
        self.state = State(self.out / "state.json")
        self.parts = self.course.parts()
        self.assignment_digest = folder_digest(repo.SOLUTIONS / assignment)
        self._own_ids = _grade_ids(repo.SOLUTIONS / assignment)
        # to tell a notebook of another assignment, submitted by mistake
        self._other_ids = {a: _grade_ids(repo.SOLUTIONS / a) for a in repo.assignments() if a != assignment}
        self._rejected = {}

    def run(self, source, workers=os.cpu_count(), force=False, shard=(1, 1), progress=True, only=None,
            check_students=None):
        """Grades what needs grading; returns (students graded now, unrecognised files).

        `only`: ids of the students to grade, regraded even if unchanged (the others keep their entries);
        PolicyError, before anything is graded, for an id with no submission. `check_students`, called with
        the ids of every submission (found now or graded before) before grading, raises to stop the run."""
        self._lock = open(self.out / ".lock", "w")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(f"another grading run is using {self.out}; wait for it or choose another --out") from None
        self.course.generate()
        collection = collect(source, self.assignment, self.course.notebook_names(), extract_to=self.out / "unzipped")
        submissions = [s for s in collection.submissions if in_shard(s.student, shard)]
        if check_students:
            check_students({s.student for s in collection.submissions} | set(self.state.students))
        if only is not None:
            found = {s.student for s in submissions}
            if missing := sorted(set(only) - found):
                raise PolicyError(f"no submission of {', '.join(map(printable, missing))} in {source}"
                                  + (f" (shard {shard[0]}/{shard[1]})" if shard != (1, 1) else ""))
            submissions, force = [s for s in submissions if s.student in set(only)], True
        keys = {s.student: hashlib.sha256((s.digest + self.assignment_digest).encode()).hexdigest() for s in submissions}
        todo = [s for s in submissions if force or not self.state.is_current(s.student, keys[s.student])]
        bar = Progress(len(todo)) if progress and todo else None
        self._rejected = {s.student: r for s in todo if isinstance(r := self.admit(s), intake.Rejected)}
        self._unstarted = len(todo) - len(self._rejected)
        self.limits = self.limits.with_threads(kernel_threads(workers))
        self.start_spares(min(max(1, workers), self._unstarted))
        try:
            with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
                jobs = {pool.submit(self.grade, s, keys[s.student]): s for s in todo}
                for job in as_completed(jobs):
                    entry = job.result()
                    self.state.record(jobs[job].student, entry)
                    if bar:
                        bar.update(jobs[job].student, entry["status"])
        finally:
            self.stop_spares()
        return [s.student for s in todo], collection.unrecognised

    def start_spares(self, count):
        """Starts `count` workers that import nbgrader and wait for a job (see worker.py)."""
        self._spares, self._spares_lock = queue.Queue(), threading.Lock()
        # Their kernels are forked by one zygote, this process's: it imports TensorFlow once for the batch.
        shared = zygote.for_environment(sandbox.environment(self.limits)) if self.sandboxed else None
        self._worker_environment = {**os.environ, **({zygote.ZYGOTE_VARIABLE: shared.variable()} if shared else {})}
        for _ in range(count):
            self._spares.put(self._spawn_worker())

    def stop_spares(self):
        while not self._spares.empty():
            spare = self._spares.get()
            spare.communicate(input="", timeout=60)  # an empty line: nothing to grade, exit

    def _spawn_worker(self):
        warm = ["--warm", self.job("").to_line().strip()]  # the worker starts its kernel now (kernel/warm.py)
        return subprocess.Popen([sys.executable, "-m", "autograder.grading.worker", *warm], cwd=repo.REPO,
                                env=self._worker_environment, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, start_new_session=True, preexec_fn=_die_with_parent)

    def job(self, student, seed=""):
        return Job(student, str(self.course.root), self.assignment, self.limits, self.db_url, self.show_hidden,
                   self.sandboxed, seed)

    def seed(self, student, key):
        """The seed of a submission's hidden-test inputs: secret to students (drawn once per output folder,
        kept in HIDDEN_TESTS_KEY), different for every submission, and the same when the same file is graded
        again, so a regrade reproduces the verdict."""
        return hmac.new(self._secret, f"{self.assignment}/{student}/{key}".encode(), "sha256").hexdigest()

    def _read_secret(self):
        path = self.out / HIDDEN_TESTS_KEY
        try:
            with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
                handle.write(secrets.token_hex(32))
        except FileExistsError:  # drawn by an earlier run into this folder
            pass
        return path.read_bytes()

    def admit(self, submission):
        """{notebook name: notebook} ready to grade, with the repairs made, or intake.Rejected."""
        notebooks, repairs = {}, []
        try:
            for name, path in submission.files.items():
                notebook = intake.read(submission.root, Path(path), self.assignment, self._own_ids, self._other_ids)
                notebooks[name], changes = structure.repair(notebook, self.course.released_notebook(name))
                repairs += [f"{name}: {change}" if len(submission.files) > 1 else change for change in changes]
        except intake.Rejected as rejected:
            # A fresh copy, never raised: the caught one's traceback and context hold frames that hold
            # this Batch, and with it the output folder's lock, beyond the run.
            return intake.Rejected(rejected.status, rejected.reason)
        except Exception as error:  # a file nobody foresaw: this student's error, never the batch's
            return intake.Rejected("error", f"the grader failed reading the submission ({_describe(error)})")
        return notebooks, repairs

    def grade(self, submission, key):
        """Grades one student in a worker process; returns the entry recorded in state.json.

        Never raises: what goes wrong with one submission is that student's `error`, and the batch goes on."""
        started = time.monotonic()
        entry = {"key": key, "origin": submission.origin, "late": submission.late,
                 "submitted_at": submission.submitted_at, "detail": "",
                 "sandboxed": self.sandboxed, "seed": self.seed(submission.student, key)}
        try:
            return self._grade(submission, entry, started)
        except Exception as error:
            return self._not_graded(submission.student, entry, "error",
                                    f"the grader failed on this submission ({_describe(error)})", started)

    def _grade(self, submission, entry, started):
        admitted = self._rejected.get(submission.student) or self.admit(submission)
        if isinstance(admitted, intake.Rejected):
            return self._not_graded(submission.student, entry, admitted.status, admitted.reason, started)
        notebooks, repairs = admitted
        folder = self.course.submitted_folder(submission.student)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for name, notebook in notebooks.items():
            nbformat.write(notebook, folder / f"{name}.ipynb")
        process = self._spares.get()
        with self._spares_lock:  # the next job finds a warm worker; no spare beyond the jobs left
            self._unstarted -= 1
            if self._unstarted > self._spares.qsize():
                self._spares.put(self._spawn_worker())
        try:
            output, errors = process.communicate(input=self.job(submission.student, entry["seed"]).to_line(), timeout=self.limits.submission_seconds)
        except subprocess.TimeoutExpired:
            _kill_tree(process)
            process.communicate()
            return self._not_graded(submission.student, entry, "timed out",
                                    f"grading took over {self.limits.submission_seconds} s", started)
        if process.returncode != 0:
            return self._not_graded(submission.student, entry, "error", errors.strip().splitlines()[-1] if
                                    errors.strip() else f"worker exited with {process.returncode}", started)
        scores = {part: score for part, (score, _) in self.course.scores(submission.student).items()}
        feedback = self.course.feedback_files(submission.student)
        (self.out / "feedback").mkdir(exist_ok=True)
        for html in feedback:
            suffix = "" if len(feedback) == 1 else f"_{html.stem}"
            shutil.copyfile(html, self.out / "feedback" / f"{submission.student}{suffix}.html")
        found = [incidents.Incident("restored", "notebook", repair) for repair in repairs] + incidents.from_output(output)
        status, detail = incidents.status(found, submission.late)
        entry["failures"] = self._failures(submission.student)
        entry["stages"] = stages.from_output(output)
        return self._finish(entry, status, scores, detail, started)

    def _failures(self, student):
        """{part: first line of its failing check's message} from the student's autograded notebooks."""
        failures = {}
        for path in sorted((self.course.root / "autograded" / student / self.assignment).glob("*.ipynb")):
            try:
                failures.update(failing_messages(nbformat.read(path, as_version=4), self.parts))
            except Exception:  # a notebook nbgrader wrote but nbformat refuses: no messages, still graded
                continue
        return failures

    def _finish(self, entry, status, scores, detail, started):
        scores = {part: float(scores.get(part) or 0.0) for part in self.parts}
        return {**entry, "status": status, "detail": detail, "scores": scores, "total": sum(scores.values()),
                "max": float(sum(self.parts.values())), "seconds": round(time.monotonic() - started, 1)}

    def _not_graded(self, student, entry, status, detail, started):
        """The entry of a student given 0 by the batch itself, not by nbgrader's grades (which go: see `_forget`);
        their feedback page says why, and what to do."""
        self._forget(student)
        (self.out / "feedback").mkdir(exist_ok=True)
        write_not_graded_feedback(self.out / "feedback" / f"{student}.html", student, self.assignment, status,
                                  detail, self.limits)
        return self._finish(entry, status, {}, detail, started)

    def _forget(self, student):
        """Removes the student's record from the gradebook, their graded notebooks and their feedback: what a
        worker killed after nbgrader stored its grades, or an earlier run, left would disagree with grades.csv."""
        with Gradebook(self.course.api.coursedir.db_url, self.course.api.coursedir.course_id) as gradebook:
            try:
                gradebook.remove_submission(self.assignment, student)
            except MissingEntry:
                pass
        for stage in ("submitted", "autograded", "feedback"):
            shutil.rmtree(self.course.root / stage / student / self.assignment, ignore_errors=True)
        for name in ["", *(f"_{notebook}" for notebook in self.course.notebook_names())]:
            (self.out / "feedback" / f"{student}{name}.html").unlink(missing_ok=True)


def _describe(error):
    """An exception in one line: its type and the start of its message."""
    message = str(error).splitlines()[0][:200] if str(error).strip() else ""
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def _grade_ids(folder):
    """Grade ids of the cells of every notebook in `folder` (an assignment of solutions/)."""
    return {cells.grade_id(cell) for path in sorted(Path(folder).glob("*.ipynb"))
            for cell in nbformat.read(path, as_version=4).cells} - {None}


def grade_batch(assignment, submissions, out, workers=os.cpu_count(), force=False, db=None, shard=(1, 1),
                show_hidden=False, limits=Limits(), sandboxed=True, students=None, policy=None):
    """Grades, then writes grades.csv, report.html and the LMS exports into `out`; returns the students' entries
    as written there (with `policy`, a policy.Policy, applied: overrides and late penalty).

    `students`: grade only these ids, even if unchanged. Raises autograder.kernel.sandbox.SandboxUnavailable when
    `sandboxed` and no sandbox can be had, policy.PolicyError for an override or id that names no submission.
    """
    out, policy = Path(out), policy or Policy()
    batch = Batch(assignment, out, db_url=db, show_hidden=show_hidden, limits=limits, sandboxed=sandboxed)
    graded, unrecognised = batch.run(submissions, workers=workers, force=force, shard=shard, progress=True,
                                     only=students, check_students=lambda found: check_students(policy.overrides, found))
    final = policy.apply(batch.state.students, batch.parts)
    notes = unsandboxed_notes(final) + adjustment_notes(final)
    write_csv(final, batch.parts, out / "grades.csv")
    write_report(final, batch.parts, unrecognised, out / "report.html", title=f"Grades: {assignment}", notes=notes)
    write_lms_exports(final, batch.parts, assignment, out)
    annotate_feedback(final, batch.course.notebook_names(), out / "feedback")
    students = final
    print(f"graded {len(graded)} submission(s); {len(students) - len(graded)} unchanged since the last run")
    print(terminal_summary(students, batch.parts, unrecognised, out))
    for note in notes:
        print(f"WARNING: {note}")
    return students
