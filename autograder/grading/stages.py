"""Where one submission's grading time goes: seconds per stage, measured in its worker.

Recorded where each stage runs (the worker, the Execute preprocessor), carried to the batch as one
marked JSON line on the worker's stdout beside the incidents, kept in the submission's entry of
state.json, and printed by the benchmark (bench.py) so that the next slowdown shows where it is.
"""
import time
from contextlib import contextmanager

from .job import last_marked, marked_line

MARKER = "AUTOGRADER-STAGES "
# In the order they happen; nbgrader's own steps are what its autograde took beyond the ones inside it.
NAMES = {
    "warm kernel wait": "waiting for the kernel started ahead of the job",
    "kernel ready": "from nbgrader's Execute starting to the kernel answering (short when warm)",
    "cells": "running the notebook's cells, the guard around each test included",
    "hidden tests": "the grader's hidden tests (referee.py)",
    "autograde": "nbgrader autograde in all",
    "feedback": "nbgrader generate_feedback (the HTML page)",
}
SECONDS = {}  # of the one submission this process grades (a worker grades one); to_line empties it


def add(name, seconds):
    if name not in NAMES:
        raise ValueError(f"unknown stage {name!r}")
    SECONDS[name] = SECONDS.get(name, 0.0) + seconds


@contextmanager
def timed(name):
    started = time.monotonic()
    try:
        yield
    finally:
        add(name, time.monotonic() - started)


def to_line():
    line = marked_line(MARKER, {name: round(seconds, 2) for name, seconds in SECONDS.items()})
    SECONDS.clear()
    return line


def from_output(text):
    """The stages a worker printed (the last marked line of its stdout), {} if none."""
    return last_marked(MARKER, text) or {}
