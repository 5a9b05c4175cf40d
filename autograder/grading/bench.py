"""Grading benchmark: prints figures measured on this machine (it asserts nothing; see README).

1. The grading time of one submission against the plain execution of the same notebook, and
   (sandboxed runs) against grading it without the sandbox, with the seconds of each stage
   (stages.py).
2. Throughput on several submissions with 1 worker and with one worker per core.
3. The peak memory of a grading worker with its kernel and the zygote it is forked from (sum of
   their proportional set sizes: the pages a kernel shares with the zygote count once).
"""
import copy
import os
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient

from .batch import Batch
from .collect import collect
from .stages import NAMES as STAGE_NAMES
from .. import cells, repo
from ..authoring.samples import solved


class PeakMemory:
    """Samples the summed PSS of this process's descendants (workers, the zygote, kernels) in a thread."""

    def __init__(self, interval=0.05):
        self.interval, self.peak, self._stop = interval, 0, threading.Event()

    def __enter__(self):
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _sample(self):
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for child in me.children(recursive=True):
                try:
                    total += child.memory_full_info().pss
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    pass
            self.peak = max(self.peak, total)
            time.sleep(self.interval)


def _execute_plainly(notebook):
    started = time.monotonic()
    # The kernel's start-up log lines (TensorFlow's, IPython's) would hide the figures printed below.
    NotebookClient(notebook, timeout=600, kernel_name="python3", allow_errors=True).execute(
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - started


def _grade_one(assignment, name, notebook, root, out, sandboxed):
    """(seconds, {stage: seconds}, peak bytes) of grading one submission with a worker already started,
    as in a batch."""
    single = root / "single"
    single.mkdir(exist_ok=True)
    nbformat.write(notebook, single / "s0.ipynb")
    batch = Batch(assignment, root / out, sandboxed=sandboxed)
    batch.course.generate()
    [submission] = collect(single, assignment, [name]).submissions
    batch._unstarted = 1
    batch.start_spares(1)
    time.sleep(30)  # as in a batch, the worker and its warm kernel started while earlier submissions were graded
    with PeakMemory() as memory:
        started = time.monotonic()
        entry = batch.grade(submission, "bench")
        seconds = time.monotonic() - started
    batch.stop_spares()
    assert entry["status"] == "graded", entry
    return seconds, entry["stages"], memory.peak


def run(assignment="01_custom_layers", copies=8, workers=os.cpu_count(), sandboxed=True):
    [name] = repo.notebook_names(assignment)
    notebook = solved(assignment, name)
    root = Path(tempfile.mkdtemp(prefix="grading-bench-"))
    print(f"assignment {assignment}; {os.cpu_count()} cores; {'sandboxed' if sandboxed else 'UNSANDBOXED'} kernels; "
          "results below are from this machine, this run")

    # The same cells as the grader runs: not the summary cell, which runs every test again for the student.
    plainly = nbformat.from_dict(notebook)
    plainly.cells = [cell for cell in plainly.cells if cells.grade_id(cell) != cells.SUMMARY_CELL_ID]
    _execute_plainly(copy.deepcopy(plainly))  # warm the disk cache for TensorFlow's libraries
    plain = min(_execute_plainly(copy.deepcopy(plainly)) for _ in range(2))
    # Sandboxed and unsandboxed alternate, best of two each: the first grading in a run tends to be slower.
    seconds, peak = {True: [], False: []}, 0
    for trial, mode in enumerate([sandboxed, False] * 2 if sandboxed else [False] * 2):
        took, stages, used = _grade_one(assignment, name, notebook, root, f"out-single-{trial}", mode)
        seconds[mode].append((took, stages))
        peak = max(peak, used)
    graded, stages = min(seconds[sandboxed], key=lambda run: run[0])
    unsandboxed = min(seconds[False], key=lambda run: run[0])[0] if sandboxed else None

    many = root / "many"
    many.mkdir()
    for index in range(copies):
        nbformat.write(notebook, many / f"s{index}.ipynb")
    rates, busy = {}, {}
    for count in sorted({1, workers}):
        started, cpu = time.monotonic(), psutil.cpu_times()
        Batch(assignment, root / f"out-{count}", sandboxed=sandboxed).run(many, workers=count, force=True, progress=False)
        rates[count] = copies / (time.monotonic() - started) * 60
        busy[count] = _busy_share(cpu, psutil.cpu_times())

    print(f"plain execution of the notebook (nbclient):   {plain:6.1f} s   (without its summary cell)")
    print(f"grading one submission (worker + nbgrader):   {graded:6.1f} s   ratio {graded / plain:.2f}x (goal <= 1.0x)")
    for stage, text in _stage_lines(graded, stages):
        print(f"  {stage + ':':<28}{text}")
    if unsandboxed is not None:
        print(f"the same, --unsandboxed:                      {unsandboxed:6.1f} s   sandbox cost {graded - unsandboxed:+.1f} s")
    for count, rate in rates.items():
        print(f"throughput, {count} worker(s), {copies} submissions: {rate:6.1f} submissions/min   "
              f"cores busy {busy[count]:.0%}")
    if len(rates) > 1:
        print(f"speed-up with {workers} workers:               {rates[workers] / rates[1]:6.2f}x (goal on 2 cores >= 1.6x)")
    print(f"peak memory of a worker + kernel + zygote:    {peak / 2**30:6.2f} GiB (goal <= 1.5 GB)")


def _busy_share(before, after):
    """The share of the machine's CPU time spent busy between two psutil.cpu_times() readings: near
    100 % the throughput is bound by the cores, and more workers cannot raise it."""
    spent = {field: getattr(after, field) - getattr(before, field) for field in after._fields}
    total = sum(spent.values()) - spent.get("guest", 0) - spent.get("guest_nice", 0)  # guest is inside user
    return 1 - (spent["idle"] + spent.get("iowait", 0)) / total if total else 0.0


def _stage_lines(total, stages):
    """(stage, figure) lines of one graded submission: each stage, nbgrader's own steps within its
    autograde, and the rest (the worker taking its job, the batch storing the grades)."""
    inside = sum(stages.get(name, 0.0) for name in ("kernel ready", "cells", "hidden tests"))
    shown = []
    for name in STAGE_NAMES:
        if name == "autograde":  # in its place: what it took beyond the stages inside it
            shown.append(("nbgrader's own steps", stages.get("autograde", 0.0) - inside))
        elif name in stages:
            shown.append((name, stages[name]))
    rest = total - stages.get("autograde", 0.0) - stages.get("feedback", 0.0) - stages.get("warm kernel wait", 0.0)
    shown.append(("worker and batch", rest))
    return [(name, f"{seconds:6.1f} s") for name, seconds in shown]
