"""Grading a batch: every submission of one assignment, in parallel, resumable, with a status each.

Each student is graded by its own worker process (autograder.worker) under a time limit and a
memory cap; up to `workers` run at once, never two for the same student. Results are recorded
in state.json after each student, so an interrupted run resumes where it stopped, and a re-run
grades only submissions whose content (or the assignment) changed, unless forced.
"""
import ctypes
import fcntl
import hashlib
import json
import os
import queue
import signal
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import nbformat
import psutil

from .collect import collect
from .course import REPO, SOLUTIONS
from .grading import Course
from .progress import Progress


@dataclass
class Limits:
    cell_seconds: int = 180  # a test cell that trains a small model on CPU fits
    submission_seconds: int = 900
    memory_bytes: int = 6 * 2**30  # a TensorFlow kernel maps ~3 GiB of address space and uses ~0.7 GiB


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


def unreadable_reason(submission):
    for name, path in submission.files.items():
        try:
            notebook = nbformat.read(path, as_version=4)
            nbformat.validate(notebook)
        except Exception as error:  # any parse or schema problem: report it, grade nothing
            return f"{Path(path).name}: {type(error).__name__}: {str(error).splitlines()[0][:200] if str(error) else ''}"
    return None


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


def _timed_out_cells(notebooks):
    return any(output.get("ename") == "CellTimeoutError"
               for path in notebooks for cell in nbformat.read(path, as_version=4).cells
               for output in cell.get("outputs", []))


class Batch:
    def __init__(self, assignment, out, db_url=None, show_hidden=False, limits=Limits()):
        self.assignment, self.out, self.limits = assignment, Path(out), limits
        self.db_url, self.show_hidden = db_url, show_hidden
        self.out.mkdir(parents=True, exist_ok=True)
        self.course = Course(self.out / "course", assignment, db_url=db_url, show_hidden=show_hidden,
                             cell_timeout=limits.cell_seconds)
        self.state = State(self.out / "state.json")
        self.parts = self.course.parts()
        self.assignment_digest = folder_digest(SOLUTIONS / assignment)

    def run(self, source, workers=os.cpu_count(), force=False, shard=(1, 1), progress=True):
        """Grades what needs grading; returns (students graded now, unrecognised files)."""
        self._lock = open(self.out / ".lock", "w")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(f"another grading run is using {self.out}; wait for it or choose another --out") from None
        self.course.generate()
        collection = collect(source, self.assignment, self.course.notebook_names(), extract_to=self.out / "unzipped")
        submissions = [s for s in collection.submissions if in_shard(s.student, shard)]
        keys = {s.student: hashlib.sha256((s.digest + self.assignment_digest).encode()).hexdigest() for s in submissions}
        todo = [s for s in submissions if force or not self.state.is_current(s.student, keys[s.student])]
        bar = Progress(len(todo)) if progress and todo else None
        self._unstarted = sum(1 for s in todo if not unreadable_reason(s))
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
        """Starts `count` workers that import nbgrader and wait for a student (see autograder.worker)."""
        self._spares, self._spares_lock = queue.Queue(), threading.Lock()
        for _ in range(count):
            self._spares.put(self._spawn_worker())

    def stop_spares(self):
        while not self._spares.empty():
            spare = self._spares.get()
            spare.communicate(input="", timeout=60)  # an empty line: nothing to grade, exit

    def _spawn_worker(self):
        command = [sys.executable, "-m", "autograder.worker", str(self.course.root), self.assignment,
                   "--cell-timeout", str(self.limits.cell_seconds), "--memory-bytes", str(self.limits.memory_bytes)]
        command += ["--db", self.db_url] if self.db_url else []
        command += ["--show-hidden"] if self.show_hidden else []
        return subprocess.Popen(command, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, start_new_session=True, preexec_fn=_die_with_parent)

    def grade(self, submission, key):
        """Grades one student in a worker process; returns the entry recorded in state.json."""
        started = time.monotonic()
        entry = {"key": key, "origin": submission.origin, "late": submission.late, "detail": ""}
        problem = unreadable_reason(submission)
        if problem:
            return self._finish(entry, "unreadable", {}, problem, started)
        folder = self.course.submitted_folder(submission.student)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for name, path in submission.files.items():
            shutil.copyfile(path, folder / f"{name}.ipynb")
        process = self._spares.get()
        with self._spares_lock:  # the next job finds a warm worker; no spare beyond the jobs left
            self._unstarted -= 1
            if self._unstarted > self._spares.qsize():
                self._spares.put(self._spawn_worker())
        try:
            _, errors = process.communicate(input=submission.student + "\n", timeout=self.limits.submission_seconds)
        except subprocess.TimeoutExpired:
            _kill_tree(process)
            process.communicate()
            return self._finish(entry, "timed out", {}, f"grading took over {self.limits.submission_seconds} s", started)
        if process.returncode != 0:
            return self._finish(entry, "error", {}, errors.strip().splitlines()[-1] if errors.strip() else
                                f"worker exited with {process.returncode}", started)
        scores = {part: score for part, (score, _) in self.course.scores(submission.student).items()}
        feedback = sorted((self.course.root / "feedback" / submission.student / self.assignment).glob("*.html"))
        (self.out / "feedback").mkdir(exist_ok=True)
        for html in feedback:
            suffix = "" if len(feedback) == 1 else f"_{html.stem}"
            shutil.copyfile(html, self.out / "feedback" / f"{submission.student}{suffix}.html")
        if _timed_out_cells(self.course.autograded_notebooks(submission.student)):
            return self._finish(entry, "timed out", scores, f"a cell ran over {self.limits.cell_seconds} s", started)
        return self._finish(entry, "late" if submission.late else "graded", scores, "", started)

    def _finish(self, entry, status, scores, detail, started):
        scores = {part: float(scores.get(part) or 0.0) for part in self.parts}
        return {**entry, "status": status, "detail": detail, "scores": scores, "total": sum(scores.values()),
                "max": float(sum(self.parts.values())), "seconds": round(time.monotonic() - started, 1)}
