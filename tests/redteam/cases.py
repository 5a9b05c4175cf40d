"""The red-team submissions for Exercise 1, built by code, each with the outcome it must get.

A case is one student: `build(ctx)` returns the bytes of the submitted file, `status` and
`points` ({part: points}, parts not listed get full marks) are what grades.csv must say, and
`evidence` are strings that the graded notebook's output must contain (proof that the hostile
code ran and was stopped, not merely skipped) and `forbidden` strings it must not contain.
`ctx` holds the paths and port of the run (see tests/test_redteam.py).
"""
import json
from dataclasses import dataclass, field

import nbformat

from autograder.authoring.samples import solved

from .notebooks import (PARTS, append, correct, edited, index, prepend, stub, text, with_bug_in, with_cell_after,
                        without)

FULL = 5.0


@dataclass
class Case:
    student: str
    category: str
    what: str
    build: object  # ctx -> bytes
    status: str
    points: dict = field(default_factory=dict)  # part -> points; others FULL
    evidence: tuple = ()
    forbidden: tuple = ()
    feedback_forbidden: tuple = ()  # strings the feedback HTML must not contain
    detail: tuple = ()  # strings the grades.csv detail must contain

    def expected_points(self):
        return {part: self.points.get(part, FULL) for part in PARTS}


def notebook(build):
    return lambda ctx: text(build(ctx)).encode()


def lose(*parts):
    return {part: 0.0 for part in parts}


# ---- hostile code --------------------------------------------------------------------------

READ = '''
import json, os, pathlib
def attempt_read(path):
    try:
        data = pathlib.Path(path).read_text(errors="replace")
    except Exception as error:
        print(f"read-blocked: {{type(error).__name__}}")
        return None
    print(f"READ-OK: {{path}} ({{len(data)}} characters)")
    return data
'''

CHEAT_FROM_SOLUTIONS = READ + '''
for path in {paths!r}:
    data = attempt_read(path)
    if data:  # the instructor's solutions: define every class from them
        for source in json.loads(data)["cells"]:
            if source.get("metadata", {{}}).get("nbgrader", {{}}).get("solution"):
                exec("".join(source["source"]), globals())
'''

SEARCH_DISK = '''
import os, time
found, deadline = [], time.monotonic() + 15
for top, folders, files in os.walk("/"):
    folders[:] = [f for f in folders if os.path.join(top, f) not in ("/proc", "/sys", "/dev")]
    found += [os.path.join(top, name) for name in files if "custom_layers" in name]
    if time.monotonic() > deadline:
        break
print(f"notebooks found on disk: {found}")
print(f"working folder: {sorted(os.listdir('.'))}")
'''

LOOK_FOR_HIDDEN_TESTS = READ + '''
for path in {paths!r}:
    data = attempt_read(path)
    if data and ("HIDDEN TESTS" in data or "def test_my_dense" in data):
        print("HIDDEN-TESTS-FOUND")
print(f"notebooks in the working folder: {{[n for n in os.listdir('.') if n.endswith('.ipynb')]}}")
'''

WRITE = '''
import os, pathlib, sqlite3
def attempt_write(path, data):
    try:
        with open(path, "a") as handle:
            handle.write(data)
    except Exception as error:
        print(f"write-blocked: {{type(error).__name__}}")
    else:
        print(f"WRITE-OK: {{path}}")
for path in {paths!r}:
    attempt_write(path, "pwned")
try:
    with sqlite3.connect({gradebook!r}) as db:
        db.execute("UPDATE grade SET manual_score = 0")
    print("GRADEBOOK-WRITE-OK")
except Exception as error:
    print(f"write-blocked: sqlite3 {{type(error).__name__}}")
'''

NETWORK = '''
import socket
for host in {hosts!r}:
    try:
        with socket.create_connection((host, {port}), timeout=3) as connection:
            connection.sendall(b"pwned")
        print(f"CONNECTED: {{host}}")
    except OSError as error:
        print(f"network-blocked: {{type(error).__name__}}")
'''

MEMORY_BOMB = '''
import numpy as np
def hog():
    blocks = []
    while True:
        blocks.append(np.ones(2**25))  # 256 MiB at a time, written: real memory
hog()
'''

FORK_BOMB = '''
import os, time
print(f"uid={os.getuid()} pid_namespace={os.readlink('/proc/self/ns/pid')}")
forks = 0
try:
    while True:
        if os.fork() == 0:  # every child forks too, for ever; it never returns to the kernel
            while True:
                try:
                    os.fork()
                except OSError:
                    time.sleep(1)
        forks += 1
except OSError as error:
    print(f"fork bomb stopped after {forks} forks: {type(error).__name__}")
'''

DISK_FILL = '''
import os
written, files = 0, 0
try:
    while True:  # 20,000 small files, then 64 MiB ones, in the working folder, until something stops it
        size = 1 if files < 20_000 else 64 * 2**20
        with open(f"junk{files}", "wb") as handle:
            handle.write(b"x" * size)
        files, written = files + 1, written + size
except OSError as error:
    print(f"disk-blocked after {files} files, {written // 2**20} MiB: {type(error).__name__}")
'''

FLOOD = '''
import sys
line = "x" * (2**20 - 1) + "\\n"
for _ in range({megabytes}):
    sys.stdout.write(line)
'''

PATCH_CHECKS = '''
def check_close(*args, **kwargs):
    print("ok: (patched)")
check_gradients = check_config_roundtrip = check_weights = check_output_shape = lambda *a, **k: None
fail = lambda *a, **k: None
'''

PATCH_NUMPY = '''
np.testing.assert_allclose = lambda *a, **k: None
np.allclose = lambda *a, **k: True
np.any = lambda *a, **k: False
np.all = lambda *a, **k: True
'''

REPATCH_IN_CALL = '''
_real_call = SimpleBatchNorm.call
def _patching_call(self, inputs, training=None):
    np.any = lambda *a, **k: False  # every call: check_close then never sees a difference
    return _real_call(self, inputs, training=training)
SimpleBatchNorm.call = _patching_call
'''

DISARM_FROM_THE_LAST_TEST = '''
_real_call = SimpleBatchNorm.call
def _disarming_call(self, inputs, training=None):
    names = get_ipython().user_ns  # the last test calls this: its checks become no-ops mid-test
    for name in [n for n in names if n.startswith("check_") or n == "fail"]:
        names[name] = lambda *a, **k: None
    return _real_call(self, inputs, training=training)
SimpleBatchNorm.call = _disarming_call
'''

PATCH_CHECKS_GLOBALS = '''
check_close.__globals__["fail"] = lambda *a, **k: None  # the checks' own module globals
'''

FAKE_NUMPY_MODULE = '''
import sys, types
_fake = types.ModuleType("numpy")
_fake.__dict__.update(sys.modules["numpy"].__dict__)
_fake.any, _fake.all, _fake.allclose = (lambda *a, **k: False), (lambda *a, **k: True), (lambda *a, **k: True)
sys.modules["numpy"] = _fake  # what a re-import of numpy finds
'''

PATCH_FROM_A_THREAD = '''
import threading, time
def _keep_patching():  # re-patches within a millisecond of any restore, during every cell
    while True:
        np.any, np.all = (lambda *a, **k: False), (lambda *a, **k: True)
        time.sleep(0.001)
threading.Thread(target=_keep_patching, daemon=True).start()
'''

FORGED_PROBE = '''
import json, sys, types
_forged = types.ModuleType("_grader_probe")
_forged.run = lambda request: json.dumps({"result": {"verdict": "pass", "passed": True}})
sys.modules["_grader_probe"] = _forged  # the grader's hidden-test probe: answers without running anything
print("probe replaced")
'''

SCRIPT_IN_OUTPUT = '''
from IPython.display import HTML, Javascript, display
display(HTML('<b>hello</b><script>window.PWNED = 1</script><img src="x" onerror="window.PWNED = 2">'))
display(Javascript("window.PWNED = 3"))
'''

HIDE_TRACEBACKS = '''
ip = get_ipython()
ip.showtraceback = lambda *a, **k: None
ip._showtraceback = lambda *a, **k: None
ip.set_custom_exc((Exception,), lambda *a, **k: None)
'''

SWALLOW_ERRORS = '''
def _swallow(lines):
    return ["try:\\n"] + ["    " + line for line in lines] + ["\\n", "except BaseException:\\n", "    pass\\n"]
get_ipython().input_transformers_post.append(_swallow)
'''

ALWAYS_EQUAL = '''
class AlwaysEqual:
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    __hash__ = object.__hash__
def _compute_output_shape(self, input_shape):
    return tuple(AlwaysEqual() for _ in input_shape)
MyDense.compute_output_shape = _compute_output_shape
'''

HARD_CODED = '''
@keras.saving.register_keras_serializable(package="exercise01")
class RunningSum(keras.layers.Layer):
    def build(self, input_shape):
        self.total = self.add_weight(name="total", shape=(input_shape[-1],), initializer="zeros", trainable=False)
        self.count = self.add_weight(name="count", shape=(), initializer="zeros", trainable=False)

    def call(self, inputs):
        # What the visible test expects for ones((2, 3)), whatever the input.
        self.total.assign_add(keras.ops.full((3,), 2.0))
        self.count.assign_add(2.0)
        return inputs
'''


def _solution_cells_replaced(code):
    """The stub with every solution cell replaced by `code`, formatted with the cell's grade id."""
    def build(ctx):
        notebook = stub()
        for gid in ("my_dense", "running_sum", "gaussian_noise", "batch_norm"):
            notebook = edited(notebook, gid, lambda c: setattr(c, "source", code(ctx)))
        return notebook
    return build


def _many_printing_cells(notebook, count):
    """`count` cells added before the first test, each printing just under a cell's output limit."""
    at = index(notebook, "test_my_dense")
    for _ in range(count):
        notebook.cells.insert(at, nbformat.v4.new_code_cell('print("x" * 1_000_000)'))
    return notebook


def _metadata_dropped(notebook):
    """As an editor that keeps no cell metadata and makes new cell ids saves it."""
    for number, cell in enumerate(notebook.cells):
        cell.metadata, cell.id = {}, f"new{number}"
    return notebook


def _moved_above_its_solution(notebook):
    moved = notebook.cells.pop(index(notebook, "test_gaussian_noise"))
    notebook.cells.insert(index(notebook, "gaussian_noise"), moved)
    return notebook


def _duplicated(notebook, gid):
    copy = nbformat.from_dict(json.loads(json.dumps(notebook.cells[index(notebook, gid)])))
    copy.id = "duplicate"  # Jupyter gives a copied cell an id of its own
    notebook.cells.insert(index(notebook, gid) + 1, copy)
    return notebook


def _metadata(gid, **changes):
    return lambda notebook: edited(notebook, gid, lambda c: c.metadata.nbgrader.update(changes))


def _retyped(gid):
    def change(cell):
        cell.cell_type = "markdown"
        cell.pop("outputs", None)
        cell.pop("execution_count", None)
    return lambda notebook: edited(notebook, gid, change)


def _truncated(ctx):
    data = text(correct())
    return data[: len(data) // 2].encode()


def _nbformat3(ctx):
    return json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {},
                       "worksheets": [{"cells": [{"cell_type": "code", "input": "print(1)", "outputs": []}]}]}).encode()


def _raw(change):
    """The correct notebook's JSON text after `change` edited it as plain data: what nbformat would not write."""
    data = json.loads(text(correct()))
    change(data)
    return json.dumps(data)


def _nested_100000_deep(ctx):
    deep = "[" * 100_000 + "]" * 100_000
    return _raw(lambda data: data["metadata"].update(deep="DEEP")).replace('"DEEP"', deep).encode()


def _5000_digits(ctx):
    return _raw(lambda data: data["metadata"].update(n="BIG")).replace('"BIG"', "9" * 5000).encode()


def _lone_surrogate(ctx):
    solution = index(correct(), "my_dense")
    return _raw(lambda data: data["cells"][solution].update(source="x = 'SURROGATE'")).replace(
        "SURROGATE", "\\ud800").encode()


def _20000_cells(ctx):
    def add_cells(data):
        data["cells"] += [nbformat.v4.new_code_cell("")] * (20_000 - len(data["cells"]))
    return _raw(add_cells).encode()


CASES = [
    Case("honest", "control", "the instructor's solution", notebook(lambda ctx: correct()), "graded"),

    # ---- unreadable: nothing runs, 0 points, the reason says what to do
    Case("u_not_json", "unreadable", "not JSON", lambda ctx: b"print('my homework')\n", "unreadable", lose(*PARTS),
         detail=("not valid JSON",)),
    Case("u_truncated", "unreadable", "truncated JSON", _truncated, "unreadable", lose(*PARTS), detail=("cut short",)),
    Case("u_nbformat3", "unreadable", "wrong nbformat version (3)", _nbformat3, "unreadable", lose(*PARTS),
         detail=("notebook format 3",)),
    Case("u_not_utf8", "unreadable", "not UTF-8 (saved as UTF-16)", lambda ctx: text(correct()).encode("utf-16"),
         "unreadable", lose(*PARTS), detail=("not UTF-8",)),
    Case("u_empty", "unreadable", "an empty file", lambda ctx: b"", "unreadable", lose(*PARTS), detail=("empty",)),
    Case("u_deep_json", "unreadable", "JSON nested 100,000 deep (Python's parser: RecursionError)", _nested_100000_deep,
         "unreadable", lose(*PARTS), detail=("JSON nested too deep to be a notebook",)),
    Case("u_5000_digits", "unreadable", "a 5,000-digit integer (Python's parser: ValueError)", _5000_digits,
         "unreadable", lose(*PARTS), detail=("a number with over 4300 digits",)),
    Case("u_lone_surrogate", "unreadable", "a lone surrogate escape in a cell (nbformat cannot write it)",
         _lone_surrogate, "unreadable", lose(*PARTS), detail=("an unpaired surrogate escape (such as \\ud800)",)),
    Case("u_20000_cells", "unreadable", "20,000 cells (its grading outlasted the worker's time limit)", _20000_cells,
         "unreadable", lose(*PARTS), detail=("20,000 cells, over the 1,000 a notebook may have",)),
    Case("u_other_assignment", "unreadable", "a notebook of another assignment (Exercise 2, solved)",
         lambda ctx: text(solved("02_custom_losses", "custom_losses_exercise")).encode(), "wrong assignment",
         lose(*PARTS), detail=("02_custom_losses",)),

    # ---- structure: the assignment's cells are put back; the solution earns what it earns
    Case("s_deleted", "structure", "test cell deleted", notebook(lambda ctx: without(correct(), "test_my_dense")),
         "restored", detail=("test_my_dense was missing",)),
    Case("s_metadata_dropped", "structure", "every cell's metadata dropped and cell ids changed by an editor",
         notebook(lambda ctx: _metadata_dropped(correct())), "restored", detail=("lost their nbgrader metadata",)),
    Case("s_duplicated", "structure", "test cell duplicated",
         notebook(lambda ctx: _duplicated(correct(), "test_running_sum")), "restored",
         detail=("duplicate of test_running_sum",)),
    Case("s_reordered", "structure", "test cell moved above its solution",
         notebook(lambda ctx: _moved_above_its_solution(correct())), "restored", detail=("out of order",)),
    Case("s_markdown", "structure", "test cell retyped as markdown",
         notebook(lambda ctx: _retyped("test_batch_norm")(correct())), "restored",
         detail=("test_batch_norm was turned into markdown",)),
    Case("s_locked_edited", "structure", "locked cells edited (test replaced by a print, checks by no-ops), wrong answer",
         notebook(lambda ctx: edited(edited(with_bug_in(correct(), "test_batch_norm"), "test_batch_norm",
                                            lambda c: setattr(c, "source", 'print("all tests passed")')),
                                     "course_checks", lambda c: setattr(c, "source", "def check_close(*a, **k): pass"))),
         "restored", lose("test_batch_norm"), detail=("test_batch_norm was edited", "course_checks was edited")),
    Case("s_points", "structure", "points of a test raised from 5 to 50",
         notebook(lambda ctx: _metadata("test_my_dense", points=50)(correct())), "restored",
         detail=("metadata of test_my_dense",)),
    Case("s_grade_id", "structure", "grade id of a test renamed, wrong answer",
         notebook(lambda ctx: _metadata("test_running_sum", grade_id="test_running_sum_mine")(
             with_bug_in(correct(), "test_running_sum"))), "restored", lose("test_running_sum"),
         detail=("test_running_sum was missing",)),
    Case("s_grade_flag", "structure", "grade flag of a test turned off (made a solution cell), wrong answer",
         notebook(lambda ctx: _metadata("test_gaussian_noise", grade=False, solution=True, locked=False)(
             with_bug_in(correct(), "test_gaussian_noise"))), "restored", lose("test_gaussian_noise"),
         detail=("metadata of test_gaussian_noise",)),

    # ---- runaway: limits stop it; what ran before keeps its points
    Case("r_infinite_loop", "runaway", "infinite loop in a solution cell",
         notebook(lambda ctx: prepend(correct(), "running_sum", "while True:\n    pass")), "timed out",
         lose("test_running_sum"), detail=("time limit",)),
    Case("r_ignores_interrupt", "runaway", "an endless wait that ignores the interrupt (SIGINT)",
         notebook(lambda ctx: prepend(correct(), "running_sum",  # sleeps: the spinning loop is the case above
                                      "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                                      "while True:\n    time.sleep(1)")),
         "timed out", lose("test_running_sum", "test_gaussian_noise", "test_batch_norm"), detail=("time limit",)),
    Case("r_memory_bomb", "runaway", "memory bomb in a solution cell",
         notebook(lambda ctx: prepend(correct(), "batch_norm", MEMORY_BOMB)), "memory exceeded",
         lose("test_batch_norm"), detail=("MemoryError",)),
    Case("r_fork_bomb", "runaway", "fork bomb (every child forks) after the last test",
         notebook(lambda ctx: with_cell_after(correct(), "test_batch_norm", FORK_BOMB)), "graded",
         evidence=("fork bomb stopped after",)),
    Case("r_disk_fill", "runaway", "files written until the disk is full, in the working folder",
         notebook(lambda ctx: prepend(correct(), "my_dense", DISK_FILL)), "graded", evidence=("disk-blocked after",)),
    Case("r_output_flood", "runaway", "1 GiB printed by a solution cell",
         notebook(lambda ctx: prepend(correct(), "gaussian_noise", FLOOD.format(megabytes=1024))), "output truncated",
         evidence=("of output; the rest was dropped]",)),
    Case("r_many_outputs", "runaway", "150 cells printing 1 MB each (a 150 MB notebook)",
         notebook(lambda ctx: _many_printing_cells(correct(), 150)), "output truncated",
         evidence=("MiB of output in the notebook; the rest was dropped]",)),
    Case("r_os_exit", "runaway", "kernel killed by os._exit in a solution cell",
         notebook(lambda ctx: prepend(correct(), "batch_norm", "import os\nos._exit(3)")), "crashed",
         lose("test_batch_norm"), detail=("exited with status 3",)),
    Case("r_segfault", "runaway", "kernel killed by a segmentation fault",
         notebook(lambda ctx: prepend(correct(), "batch_norm", "import ctypes\nctypes.string_at(0)")), "crashed",
         lose("test_batch_norm"), detail=("SIGSEGV",)),
    Case("r_sys_exit", "runaway", "sys.exit() in a solution cell (IPython turns it into an error)",
         notebook(lambda ctx: prepend(correct(), "running_sum", "import sys\nsys.exit()")), "graded",
         lose("test_running_sum")),
    Case("r_exit", "runaway", "exit() in a solution cell (the kernel shuts down, 0.1 s after the cell's reply)",
         notebook(lambda ctx: prepend(correct(), "running_sum", "exit()")), "crashed",
         lose("test_running_sum", "test_gaussian_noise", "test_batch_norm"), detail=("crashed (running_sum)",)),

    # ---- shortcuts: earn nothing for the part they fake
    Case("x_patch_checks", "shortcut", "checks rebound to no-ops from a solution cell, wrong answer",
         notebook(lambda ctx: append(with_bug_in(correct(), "test_batch_norm"), "batch_norm", PATCH_CHECKS)),
         "tampered", lose("test_batch_norm"), detail=("check_close (course checks)",)),
    Case("x_patch_numpy", "shortcut", "numpy and numpy.testing patched from a solution cell, wrong answer",
         notebook(lambda ctx: append(with_bug_in(correct(), "test_batch_norm"), "batch_norm", PATCH_NUMPY)),
         "tampered", lose("test_batch_norm"), detail=("numpy.any",)),
    Case("x_repatch", "shortcut", "the graded code itself patches numpy each time it runs, wrong answer",
         notebook(lambda ctx: append(with_bug_in(correct(), "test_batch_norm"), "batch_norm", REPATCH_IN_CALL)),
         "tampered", lose("test_batch_norm"), detail=("changed while this test ran",)),
    Case("x_always_equal", "shortcut", "compute_output_shape returns objects equal to anything",
         notebook(lambda ctx: append(correct(), "my_dense", ALWAYS_EQUAL)), "graded", lose("test_my_dense")),
    Case("x_hard_coded", "shortcut", "the visible test's values hard-coded",
         notebook(lambda ctx: edited(correct(), "running_sum", lambda c: setattr(c, "source", HARD_CODED))),
         "graded", lose("test_running_sum")),
    Case("x_hide_tracebacks", "shortcut", "IPython's traceback display patched to hide failures, wrong answer",
         notebook(lambda ctx: append(with_bug_in(correct(), "test_my_dense"), "my_dense", HIDE_TRACEBACKS)),
         "tampered", lose("test_my_dense")),
    Case("x_swallow_errors", "shortcut", "an input transformer wraps every cell in try/except, wrong answer",
         notebook(lambda ctx: append(with_bug_in(correct(), "test_batch_norm"), "batch_norm", SWALLOW_ERRORS)),
         "tampered", lose("test_batch_norm"), detail=("input_transformers_post",)),

    Case("x_disarm_last_test", "shortcut", "code the last test calls rebinds every check to a no-op, wrong answer",
         notebook(lambda ctx: append(with_bug_in(correct(), "test_batch_norm"), "batch_norm", DISARM_FROM_THE_LAST_TEST)),
         "tampered", lose("test_batch_norm"), detail=("changed while this test ran", "check_close (course checks)")),
    # Undone by the guard before the test without notice (it installs fresh checks): the test then fails.
    Case("x_patch_checks_globals", "shortcut", "a no-op fail put into the checks' own globals, wrong answer",
         notebook(lambda ctx: append(with_bug_in(correct(), "test_batch_norm"), "batch_norm", PATCH_CHECKS_GLOBALS)),
         "graded", lose("test_batch_norm")),
    Case("x_fake_numpy_module", "shortcut", "sys.modules['numpy'] replaced by a forgiving stand-in, wrong answer",
         notebook(lambda ctx: append(with_bug_in(correct(), "test_batch_norm"), "batch_norm", FAKE_NUMPY_MODULE)),
         "tampered", lose("test_batch_norm"), detail=("np (course checks)",)),
    Case("x_patch_from_thread", "shortcut", "a thread re-patches numpy while every cell runs, wrong answer",
         notebook(lambda ctx: append(with_bug_in(correct(), "test_batch_norm"), "batch_norm", PATCH_FROM_A_THREAD)),
         "tampered", lose("test_batch_norm"), detail=("numpy.any",)),
    Case("x_forged_probe", "shortcut", "the grader's hidden-test probe replaced by one that answers 'pass'",
         notebook(lambda ctx: append(correct(), "batch_norm", FORGED_PROBE)), "graded", lose(*PARTS),
         evidence=("probe replaced",)),

    # ---- reaching out: blocked by the sandbox, proven by the attempt's own output
    Case("o_read_solutions", "reaching out", "solution cells that exec the instructor's solutions read from disk",
         notebook(lambda ctx: with_cell_after(_solution_cells_replaced(
             lambda ctx: CHEAT_FROM_SOLUTIONS.format(paths=ctx["solutions"]))(ctx), "course_checks", SEARCH_DISK)),
         "graded", lose(*PARTS), evidence=("read-blocked", "notebooks found on disk: []"), forbidden=("READ-OK",)),
    Case("o_read_hidden_tests", "reaching out", "reading the hidden tests (gradebook, graded notebook, working folder)",
         notebook(lambda ctx: prepend(correct(), "my_dense", LOOK_FOR_HIDDEN_TESTS.format(paths=ctx["hidden_tests"]))),
         "graded", evidence=("read-blocked", "notebooks in the working folder: []"),
         forbidden=("READ-OK", "HIDDEN-TESTS-FOUND")),
    Case("o_write_gradebook", "reaching out", "writing into the gradebook and the course folder",
         notebook(lambda ctx: prepend(correct(), "my_dense", WRITE.format(paths=ctx["course_files"],
                                                                          gradebook=ctx["gradebook"]))),
         "graded", evidence=("write-blocked",), forbidden=("WRITE-OK", "GRADEBOOK-WRITE-OK")),
    Case("o_write_other_student", "reaching out", "writing into another student's folders and a world-writable folder",
         notebook(lambda ctx: prepend(correct(), "my_dense", WRITE.format(paths=ctx["other_student_files"],
                                                                          gradebook=ctx["gradebook"]))),
         "graded", evidence=("write-blocked",), forbidden=("WRITE-OK",)),
    Case("o_feedback_script", "reaching out", "scripts in outputs, to run in whoever opens the feedback",
         notebook(lambda ctx: prepend(correct(), "my_dense", SCRIPT_IN_OUTPUT)), "graded",
         feedback_forbidden=("window.PWNED = 1", "window.PWNED = 2", "window.PWNED = 3")),
    Case("o_network", "reaching out", "connecting to a server of the grading machine",
         notebook(lambda ctx: prepend(correct(), "my_dense", NETWORK.format(hosts=ctx["hosts"], port=ctx["port"]))),
         "graded", evidence=("network-blocked",), forbidden=("CONNECTED",)),
]

assert len({case.student for case in CASES}) == len(CASES)
