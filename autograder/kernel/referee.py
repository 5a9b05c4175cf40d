"""The grader's half of the hidden tests: the verdict, computed in the grader's own process.

Each assignment's hidden tests live in `solutions/<assignment>/hidden_tests.py`, never in a
notebook: a function per graded part, named by the grade id of its test cell, taking
(student, rng). It draws inputs and weights from `rng`, asks the student's kernel to run a probe
on them (`student.call(probe, **inputs)`: the probe is a function of the same file, run in the
kernel by autograder/kernel/inside/probe.py, which sees the student's classes), and compares
what comes back with references it computes itself, here, with the course checks
(autograder/checks). A failing check raises CheckFailure; the part then earns nothing.

So the student's process only ever supplies data: patching NumPy, the checks or the kernel there
changes no verdict. The inputs are drawn per submission (`seed`), so values seen once are worth
nothing elsewhere, and neither the tests' code nor their values enter the student's notebook.
"""
import contextlib
import hashlib
import importlib.util
import inspect
import io
import json
import textwrap

import numpy as np

from ..checks import CheckFailure
from .inside.probe import decode, encode


PROBE_SOURCE = "_probe_source"  # the attribute `load` gives each function of the hidden tests


class StudentCodeError(CheckFailure):
    """The student's code raised while a hidden test ran it."""


class Student:
    """The student's kernel as a hidden test sees it: `call(probe, **inputs)` returns the probe's result.

    `ask(request_text)` delivers a request to the kernel's probe module and returns its answer's
    text (raising CheckFailure when no answer comes, e.g. a time limit).
    """

    def __init__(self, ask):
        self._ask = ask
        self.calls = 0

    def call(self, probe, /, **inputs):
        self.calls += 1
        source = getattr(probe, PROBE_SOURCE, None) or textwrap.dedent(inspect.getsource(probe))
        request = json.dumps({"source": source, "name": probe.__name__, "inputs": encode(inputs)})
        try:
            answer = json.loads(self._ask(request))
            if type(answer) is not dict or set(answer) not in ({"result"}, {"error"}):
                raise ValueError("not an answer")
            if "error" in answer:
                raise StudentCodeError(f"your code raised {str(answer['error'])[:1000]}")
            return decode(answer["result"])
        except (ValueError, TypeError, KeyError, RecursionError) as error:
            raise CheckFailure(f"the kernel's answer could not be read ({type(error).__name__})") from None


def load(path):
    """The hidden tests module at `path` (instructor code: trusted), or None when there is none."""
    if not path:
        return None
    spec = importlib.util.spec_from_file_location("hidden_tests", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # Each function's source as loaded: a probe sends it later, when the file may have changed on disk.
    for value in vars(module).values():
        if inspect.isfunction(value) and value.__module__ == module.__name__:
            setattr(value, PROBE_SOURCE, textwrap.dedent(inspect.getsource(value)))
    return module


def part_rng(seed, grade_id):
    """The random generator of one part's hidden test: from the submission's seed and the part."""
    digest = hashlib.sha256(f"{seed}/{grade_id}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "little"))


def kernel_seed(seed):
    """The seed of the student kernel's random generators, from the submission's seed: the kernel's
    code can read it, and learns nothing of the hidden tests' inputs from it."""
    return int.from_bytes(hashlib.sha256(f"{seed}/kernel".encode()).digest()[:4], "little")


def judge(test, student, rng):
    """Runs one hidden test; returns None when it passes, else the message for the student.

    The message says what was checked and, for a value, what was expected and what came back;
    the test's code and the inputs it drew are not in it.
    """
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # the checks' "ok:" lines are not the student's output
            test(student, rng)
    except CheckFailure as failure:
        return str(failure)
    except Exception as error:  # what came back lacks what the test reads (a student's own data), or a fault of the test
        return (f"the hidden test could not use what your code returned ({type(error).__name__}: {str(error)[:300]}); "
                "if your code passes the visible tests and this persists, tell your instructor")
    if not student.calls:
        return "the hidden test never ran your code; tell your instructor"
    return None


def clear_of_kinks(*pre_activations, margin=1e-3):
    """Whether every value is at least `margin` from 0, where ReLU bends.

    A central difference at a point within about `eps` of the bend straddles it and differs from the
    true derivative, which a correct tape gives: tests differentiating through ReLU draw their
    inputs again until this holds (up to 1 draw in 25 is redrawn; a wrong verdict was about 1 in 10^4).
    """
    return all(np.min(np.abs(values)) >= margin for values in pre_activations)


def numeric_gradient(function, x, eps=1e-6):
    """Central finite differences of the scalar `function` at the float64 array `x` (for references)."""
    x = np.array(x, dtype=np.float64)
    gradient = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        shifted = x.copy()
        shifted[index] += eps
        up = function(shifted)
        shifted[index] -= 2 * eps
        gradient[index] = (up - function(shifted)) / (2 * eps)
    return gradient
