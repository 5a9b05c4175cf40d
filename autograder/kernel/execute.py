"""nbgrader's Execute preprocessor, hardened: sandboxed kernel, guarded tests, capped output, crashes contained.

Around nbclient's cell-by-cell execution this adds:

- the kernel comes from manager.py (sandbox, limits, guard; see there), started ahead of the
  submission when its worker was (warm.py);
- before the first cell, the kernel's random generators are seeded from the submission's seed, so
  that a regrade draws the same initial weights and noise;
- before each graded test cell, the guard in the kernel restores the libraries, the kernel's hooks
  and the course checks to their pristine state; after it, the guard says whether the test's run
  changed them again, and if so (or if the guard gives no valid answer) the test cell gets an
  error output, which nbgrader scores 0: a shortcut earns nothing for the test it fakes;
- a cell's output is kept up to `output_bytes`, the notebook's up to `notebook_output_bytes`, the
  rest dropped (errors are shortened, never dropped: they decide the grade);
- a kernel that dies (os._exit, a segfault, its time limit, exit(), which IPython carries out
  0.1 s after the cell's reply: the grader waits for it instead of racing it with the next cell)
  or cannot be interrupted after a cell's time limit ends the run: the cell gets an error saying what happened and the cells
  after it are marked as not run, so the cells that finished keep their points instead of
  nbgrader failing the whole submission;
- each of these is recorded in autograder.grading.incidents.LOG for the submission's status.
"""
import ast
import asyncio
import json
import os
import secrets
import time

from jupyter_core.utils import ensure_async, run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Bool, Dict, Integer, Unicode

from ..cells import CHECKS_CELL_ID, SUMMARY_CELL_ID, grade_id, is_test
from ..grading import stages
from ..grading.incidents import LOG
from ..limits import Limits
from . import referee, warm
from .inside.guard import GUARD_MODULE
from .inside.probe import PROBE_MODULE
from .manager import MAX_MESSAGE_BYTES, CourseKernelManager

MEMORY_ERRORS = {"MemoryError", "_ArrayMemoryError", "ResourceExhaustedError"}
ERROR_TEXT_LIMIT = 4000  # characters kept of an error's message and of each traceback line


class GuardedExecute(Execute):
    sandboxed = Bool(True, help="run the kernel in the bubblewrap sandbox (sandbox.py)").tag(config=True)
    guard = Bool(True, help="restore and verify the grading environment around graded test cells").tag(config=True)
    limits = Dict(help="autograder.limits.Limits as a dict (the cell time limit is Execute.timeout)").tag(config=True)
    hidden_tests = Unicode("", help="the assignment's hidden_tests.py (see referee.py); empty: none").tag(config=True)
    seed = Unicode("", help="draws the hidden tests' inputs of this submission; empty: from the student id").tag(config=True)
    # The kernel imports TensorFlow before it answers (inside/launch.py --preload): on a busy
    # machine that takes more than nbclient's default of 60 s.
    startup_timeout = Integer(300, help="seconds for the kernel to start and answer").tag(config=True)

    def create_kernel_manager(self):
        if not self.kernel_name:
            self.kernel_name = self.nb.metadata.get("kernelspec", {}).get("name") or "python3"
        self.km = CourseKernelManager(kernel_name=self.kernel_name, config=self.config)
        self.km.sandboxed, self.km.guard, self.km.limits = self.sandboxed, self.guard, self._limits()
        return self.km

    def _limits(self):
        return Limits.from_dict(self.limits)

    def preprocess(self, nb, resources=None, km=None):
        self._gone, self._gone_at = None, None  # why the kernel is gone, once it is, and in which cell
        self._started, self._kernel_ready = time.monotonic(), False
        self._hidden = referee.load(self.hidden_tests)
        self._seed = self.seed or f"student:{(resources or {}).get('nbgrader', {}).get('student', '')}"
        self._out_of_memory = False
        self._output_sizes, self._truncated = {}, set()
        self._checks_source = "\n".join(c.source for c in nb.cells if grade_id(c) == CHECKS_CELL_ID)
        folder = (resources or {}).get("metadata", {}).get("path")
        if km is None and not _has_data_files(folder):
            km = warm.take(self._limits(), self.sandboxed, self.guard)
        if km is None:
            return super().preprocess(nb, resources, km)
        try:  # a kernel not started by nbclient is not shut down by it
            return super().preprocess(nb, resources, km)
        finally:
            if self.kc:
                self.kc.stop_channels()
            if km.has_kernel:
                run_sync(km.shutdown_kernel)(now=True)

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        if grade_id(cell) == SUMMARY_CELL_ID:  # for the student: it would only run the tests again, unguarded
            cell.outputs = []
            return cell
        if cell.cell_type != "code" or not cell.source.strip():
            return await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        where, self._cell_index = grade_id(cell) or f"cell {cell_index + 1}", cell_index
        if not self._kernel_ready:  # nbclient starts (or takes) the kernel before the first cell
            stages.add("kernel ready", time.monotonic() - self._started)
            self._kernel_ready = True
            await self._seed_kernel()
        with stages.timed("cells"):
            return await self._execute_code_cell(cell, cell_index, where, execution_count, store_history)

    async def _execute_code_cell(self, cell, cell_index, where, execution_count, store_history):
        if self._gone:
            cell.outputs = [_error("NotRun", f"not run: {self._gone}")]
            return cell
        guarded = self.guard and is_test(cell)
        if guarded and not await self._before_test(cell, where):
            return cell
        started, self._asked_exit = time.monotonic(), False
        try:
            cell = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
            if self._asked_exit:  # exit(): the kernel stops 0.1 s after its reply; no later cell may race that
                await self._wait_for_exit()
                self._kernel_gone(cell, where, self.km.exit_description(), "crashed")
                return cell
        except DeadKernelError:
            if self.km.expired:
                self._kernel_gone(cell, where, self.km.exit_description(), "timed out")
            elif self._out_of_memory:  # e.g. TensorFlow aborting on an allocation that failed
                self._kernel_gone(cell, where, f"{self.km.exit_description()}, after running out of memory",
                                  "memory exceeded")
            else:
                self._kernel_gone(cell, where, self.km.exit_description(), "crashed")
            return cell
        except CellTimeoutError as error:
            # restart=True keeps the manager's ZMQ context: the hidden tests may need a fresh kernel
            await self.km.shutdown_kernel(now=True, restart=True)
            # Within the cell's time limit, the reply came and its outputs did not: a message was refused (too
            # large). Past it, the cell ran too long and the interrupt did not stop it (nbclient then also
            # reports an IOPub timeout).
            if "IOPub" in str(error) and time.monotonic() - started < self.timeout:
                self._kernel_gone(cell, where, "the cell's output stopped arriving (a message over "
                                               f"{MAX_MESSAGE_BYTES // 2**20} MiB is refused); the kernel was stopped",
                                  "output truncated")
            else:  # the cell ran over its limit and the interrupt did not stop it: the kernel is stuck
                self._kernel_gone(cell, where, f"the cell did not stop when interrupted after its time limit "
                                               f"({self.timeout} s); the kernel was stopped", "timed out")
            return cell
        self._note_errors(cell, where)
        if guarded:
            await self._after_test(cell, where)
        return cell

    # nbclient binds the synchronous wrapper to its own coroutine: rebind it to the one above.
    execute_cell = run_sync(async_execute_cell)

    def preprocess_cell(self, cell, resources, index):
        cell, resources = super().preprocess_cell(cell, resources, index)
        if index == len(self.nb.cells) - 1:  # every cell has run: the hidden tests judge what the notebook built
            with stages.timed("hidden tests"):
                self._judge_hidden_tests()
        return cell, resources

    def _judge_hidden_tests(self):
        """Runs each graded part's hidden test (referee.py) whose visible test passed; a failure is
        added to the part's test cell as an error, which nbgrader scores 0."""
        parts = [(index, cell) for index, cell in enumerate(self.nb.cells)
                 if is_test(cell) and self._hidden and hasattr(self._hidden, grade_id(cell))
                 and not _has_error(cell)]
        if not parts:
            return
        if self._gone and (self.km.expired or not run_sync(self._restore_kernel)()):
            for _, cell in parts:
                cell.outputs.append(_error("HiddenTestNotRun", f"hidden test not run: {self._gone}"))
            return
        self.km.stop_strays()
        student = referee.Student(self._ask_probe)
        for _, cell in parts:
            gid = grade_id(cell)
            message = referee.judge(getattr(self._hidden, gid), student, referee.part_rng(self._seed, gid))
            if message:
                cell.outputs.append(_error("HiddenTestFailure", f"hidden test: {message}"))

    def _ask_probe(self, request):
        """Delivers one probe to the kernel; its answer's text. CheckFailure when none comes in time."""
        answer = run_sync(self._evaluate)(f"__import__('sys').modules[{PROBE_MODULE!r}].run({request!r})")
        if answer is None:
            raise referee.CheckFailure(f"your code gave no answer within {self.timeout} s, or the kernel died")
        return answer

    async def _restore_kernel(self):
        """After the kernel died (not of the submission's time limit): a fresh one that has run again the
        code cells that completed before (test cells left out), so the hidden tests judge what the notebook
        had built and the parts that finished keep their points. False if that fails."""
        cells = [cell for index, cell in enumerate(self.nb.cells) if index < self._gone_at and cell.cell_type == "code"
                 and cell.source.strip() and not is_test(cell) and not _has_error(cell)]
        for _ in range(3):  # a cell that kills the kernel again (e.g. `os._exit`) is left out of the next try
            self.kc.stop_channels()
            await self.km.shutdown_kernel(now=True, restart=True)  # restart: the manager keeps its ZMQ context
            try:
                await self.async_start_new_kernel(cwd=self.resources.get("metadata", {}).get("path"))
                await self.async_start_new_kernel_client()
                # Replaying only rebuilds what the cells defined: an `exit()` among them must not end it.
                await self._evaluate("setattr(get_ipython(), 'ask_exit', lambda *args, **kwargs: None) or ''")
                await self._seed_kernel()
                for cell in cells:
                    msg_id = await ensure_async(self.kc.execute(cell.source, store_history=False, allow_stdin=False))
                    try:
                        await self.async_wait_for_reply(msg_id)
                        alive = await ensure_async(self.km.is_alive())
                    except DeadKernelError:
                        alive = False
                    if not alive:
                        cells.remove(cell)
                        break
                else:
                    return True
            except Exception:  # no kernel to judge with: the hidden tests say so, the batch goes on
                return False
        return False

    async def _seed_kernel(self):
        """Seeds the kernel's random generators (Python's, NumPy's, TensorFlow's, Keras') from the
        submission's seed, before its first cell: a regrade draws the same initial weights and noise,
        so it reproduces the verdict of code whose results depend on them."""
        await self._evaluate(f"__import__('keras').utils.set_random_seed({referee.kernel_seed(self._seed)}) or ''")

    async def _before_test(self, cell, where):
        """Restores the environment; returns False (the cell failed, not run) when that cannot be trusted."""
        answer = await self._ask_guard(lambda nonce: f"pre_test({nonce!r}, {self._checks_source!r})")
        if answer is None and not await self.km.is_alive():
            self._kernel_gone(cell, where, self.km.exit_description(), "crashed")
            return False
        if answer is None:
            return self._void(cell, where, "the kernel did not answer the grader's integrity check before this test",
                              run=False)
        if answer["restored"]:
            LOG.record("tampered", where, "restored before this test: " + _listing(answer["restored"]))
        if answer["unrestorable"]:
            return self._void(cell, where, "could not restore before this test: " + _listing(answer["unrestorable"]),
                              run=False)
        return True

    async def _after_test(self, cell, where):
        answer = await self._ask_guard(lambda nonce: f"post_test({nonce!r})")
        if answer is None and not await self.km.is_alive():
            self._kernel_gone(cell, where, self.km.exit_description(), "crashed")
        elif answer is None:
            self._void(cell, where, "the kernel did not answer the grader's integrity check after this test")
        elif answer["changed"]:
            self._void(cell, where, "changed while this test ran: " + _listing(answer["changed"]))

    def _void(self, cell, where, reason, run=True):
        LOG.record("tampered", where, reason)
        message = f"this test cannot be trusted, so it earns nothing: {reason}"
        cell.outputs = (cell.outputs if run else []) + [_error("GradingIntegrityError", message)]
        return False

    async def _ask_guard(self, call):
        """Calls the guard in the kernel; its answer (a dict), or None when missing, malformed or not ours."""
        nonce = secrets.token_hex(16)
        text = await self._evaluate(f"__import__('sys').modules[{GUARD_MODULE!r}].{call(nonce)}")
        try:
            answer = json.loads(text)
        except (TypeError, ValueError, RecursionError):
            return None
        return answer if isinstance(answer, dict) and answer.get("nonce") == nonce else None

    def on_cell_executed(self, **kwargs):
        """nbclient's hook after each cell's reply (nbgrader's own, then): whether the cell called IPython's
        exit() or quit()."""
        super().on_cell_executed(**kwargs)
        payload = (kwargs.get("execute_reply") or {}).get("content", {}).get("payload", [])
        self._asked_exit = any(item.get("source") == "ask_exit" for item in payload)

    async def _wait_for_exit(self, seconds=10):
        """Until the kernel has exited after the student's exit(), or is stopped if it has not in `seconds`."""
        deadline = time.monotonic() + seconds
        while await ensure_async(self.km.is_alive()):
            if time.monotonic() > deadline:
                await self.km.shutdown_kernel(now=True, restart=True)  # restart: the manager keeps its ZMQ context
                return
            await asyncio.sleep(0.05)

    async def _evaluate(self, expression):
        """The string `expression` evaluates to in the kernel, outside any cell (not in the notebook's
        history, no output kept); None when it fails, times out, or the answer is not a string."""
        msg_id = await ensure_async(self.kc.execute("", silent=True, store_history=False, allow_stdin=False,
                                                    user_expressions={"value": expression}, stop_on_error=False))
        try:
            reply = await self.async_wait_for_reply(msg_id)
            text = ast.literal_eval(reply["content"]["user_expressions"]["value"]["data"]["text/plain"])
        except (TypeError, KeyError, ValueError, SyntaxError, RecursionError, MemoryError, DeadKernelError):
            return None
        return text if isinstance(text, str) else None

    def _kernel_gone(self, cell, where, description, kind):
        self._gone, self._gone_at = f"{description} (in {where})", self._cell_index
        LOG.record(kind, where, description)
        cell.outputs.append(_error("KernelDied" if kind == "crashed" else "KernelStopped", description))

    def _note_errors(self, cell, where):
        names = {o.get("ename") for o in cell.outputs if o.get("output_type") == "error"}
        if names & MEMORY_ERRORS:
            self._out_of_memory = True
            LOG.record("memory exceeded", where, f"{', '.join(sorted(names & MEMORY_ERRORS))} in this cell")
        if "CellTimeoutError" in names:
            LOG.record("timed out", where, f"the cell ran over its time limit ({self.timeout} s) and was interrupted")

    def output(self, outs, msg, display_id, cell_index):
        """Keeps up to `output_bytes` of a cell's output and `notebook_output_bytes` in all; errors always, shortened."""
        if msg["msg_type"] == "error":
            content = msg["content"]
            content["evalue"] = str(content.get("evalue", ""))[:ERROR_TEXT_LIMIT]
            content["traceback"] = [str(line)[:ERROR_TEXT_LIMIT] for line in content.get("traceback", [])[-200:]]
            return super().output(outs, msg, display_id, cell_index)
        size, limits = _size(msg["content"]), self._limits()
        used, total = self._output_sizes.get(cell_index, 0), sum(self._output_sizes.values())
        dropped_in_kernel = "[grader: a display of" in str(msg["content"].get("data", {}).get("text/plain", ""))
        fits_notebook = total + size <= limits.notebook_output_bytes
        if used + size <= limits.output_bytes and fits_notebook and not dropped_in_kernel:
            self._output_sizes[cell_index] = used + size
            return super().output(outs, msg, display_id, cell_index)
        if cell_index not in self._truncated:
            self._truncated.add(cell_index)
            where = grade_id(self.nb.cells[cell_index]) or f"cell {cell_index + 1}"
            note = (f"over {limits.output_bytes // 1024} KiB of output; the rest was dropped" if fits_notebook else
                    f"over {limits.notebook_output_bytes // 2**20} MiB of output in the notebook; the rest was dropped")
            LOG.record("output truncated", where, note)
            outs.append(NotebookNode(output_type="stream", name="stdout", text=f"\n[grader: {note}]\n"))
        return None


def _has_data_files(folder):
    """Whether the submission's folder holds files besides its notebooks (the kernel's working folder gets them)."""
    if not folder or not os.path.isdir(folder):
        return False
    return any(not name.endswith(".ipynb") and not name.startswith(".") for name in os.listdir(folder))


def _has_error(cell):
    return any(output.get("output_type") == "error" for output in cell.get("outputs", []))


def _error(name, message):
    return NotebookNode(output_type="error", ename=name, evalue=message, traceback=[f"{name}: {message}"])


def _size(content):
    if "text" in content:
        return len(content["text"])
    return sum(len(str(value)) for value in content.get("data", {}).values()) + 1


def _listing(items, limit=6):
    items = list(items)
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")
