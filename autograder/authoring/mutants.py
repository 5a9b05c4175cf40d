"""Mutation testing of an assignment's tests: do they fail on small bugs planted in the reference solution?

    python -m autograder mutants ASSIGNMENT [--part GRADE_ID]      (make mutants ASSIGNMENT=...)

For each graded part (a graded test cell and the solution cells before it), the instructor's
code of each solution cell is mutated, one small change at a time, with the standard library's
`ast`, only inside its `### BEGIN/END SOLUTION` regions (what a student writes): arithmetic
operators swapped, reductions swapped (sum/mean, max/min), numeric constants changed, axes
changed or dropped, terms of a sum dropped, statements removed, conditions (e.g. `if training:`)
negated, boolean constants and comparisons flipped, `training=` arguments dropped or negated,
call arguments swapped (not those of maximum, add, ...). Each mutant runs in one long-lived kernel per assignment (started through
autograder/kernel/inside/launch.py, unsandboxed: this is the instructor's own code, with the hidden
tests' probe installed): the mutated solution cell, then the part's visible test cell, then the
part's hidden test (solutions/<assignment>/hidden_tests.py, judged here as the grader judges it,
autograder/kernel/referee.py). A mutant is killed when one of these errors or fails, or runs past
the time limit (the kernel is then restarted); otherwise it survived. With `--hidden-only` the
visible test is skipped: the hidden test alone must kill every mutant that breaks the contract.

A survivor is either a gap in the tests (strengthen the hidden test) or an equivalent mutant (the
change does not change what the instructions ask for). Equivalent ones are listed, each with its
reason, in solutions/<assignment>/equivalent_mutants.txt:

    # comment
    <the survivor's line, as printed>
        why it is equivalent (indented, one or more lines)

The command exits non-zero when a survivor is not listed there.
"""
import ast
import copy
import difflib
import os
import queue
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .. import cells, repo
from ..kernel import referee
from .samples import solved

EQUIVALENT_MUTANTS = "equivalent_mutants.txt"
SEED = "mutants"  # the hidden tests' inputs by default: one fixed draw, so that runs are comparable
SNIPPET = 90  # characters of code shown on each side of a mutant's line

ARITHMETIC = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div,
              ast.Mod: ast.Mult, ast.Pow: ast.Mult, ast.MatMult: ast.Mult}
COMPARISONS = {ast.Lt: ast.GtE, ast.GtE: ast.Lt, ast.Gt: ast.LtE, ast.LtE: ast.Gt, ast.Eq: ast.NotEq,
               ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In}
REDUCTIONS = {"sum": "mean", "mean": "sum", "max": "min", "min": "max", "reduce_sum": "reduce_mean",
              "reduce_mean": "reduce_sum", "reduce_max": "reduce_min", "reduce_min": "reduce_max",
              "maximum": "minimum", "minimum": "maximum", "argmax": "argmin", "argmin": "argmax",
              "amax": "amin", "amin": "amax", "nansum": "nanmean", "nanmean": "nansum"}
AXIS_KEYWORDS = ("axis", "axes")
COMMUTATIVE = {"maximum", "minimum", "add", "multiply", "equal", "not_equal", "logical_and", "logical_or",
               "logical_xor"}  # swapping their arguments changes nothing


# ---- Mutants of one cell ----------------------------------------------------------------------------

@dataclass
class Mutant:
    cell: str  # grade id of the solution cell
    where: str  # enclosing definition, e.g. MyDense.call
    operator: str
    before: str
    after: str
    source: str  # the whole mutated cell
    original: str = field(repr=False, default="")  # the cell as ast.unparse writes it, for the diff
    occurrence: int = 1

    @property
    def key(self):
        """The mutant's line in reports and in equivalent_mutants.txt."""
        text = f"{self.cell}: {self.where}: {self.operator}: `{self.before}` -> `{self.after}`"
        return text + (f" (#{self.occurrence})" if self.occurrence > 1 else "")

    def diff(self):
        lines = difflib.unified_diff(self.original.splitlines(), self.source.splitlines(), lineterm="", n=0)
        return [line for line in lines if line[:1] in "+-" and line[:3] not in ("---", "+++")]


def _snippet(node):
    text = " ".join(ast.unparse(node).split()) if isinstance(node, ast.AST) else str(node)
    return text if len(text) <= SNIPPET else text[:SNIPPET - 1] + "…"


def _name_of_call(node):
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None


def _with_call_name(node, name):
    if isinstance(node.func, ast.Attribute):
        node.func.attr = name
    else:
        node.func.id = name
    return node


def _negated(test):
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return test.operand
    return ast.UnaryOp(op=ast.Not(), operand=test)


def _operators(node, parent, in_axis):
    """(operator, what it replaces the node with: a function of a copy of the node, returning the
    new node or None to remove a statement) for each mutation of `node`."""
    if isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in ARITHMETIC:
        yield "operator", lambda n: setattr(n, "op", ARITHMETIC[type(n.op)]()) or n
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        yield "drop term", lambda n: n.left
        if isinstance(node.op, ast.Add):
            yield "drop term", lambda n: n.right
    if isinstance(node, ast.Call):
        name = _name_of_call(node)
        if name in REDUCTIONS:
            yield "reduction", lambda n: _with_call_name(n, REDUCTIONS[name])
        for index in range(0 if name in COMMUTATIVE else len(node.args) - 1):
            if not any(isinstance(a, ast.Starred) for a in node.args[index:index + 2]):
                yield "swap arguments", lambda n, i=index: setattr(n, "args", [*n.args[:i], n.args[i + 1], n.args[i],
                                                                             *n.args[i + 2:]]) or n
        for index, keyword in enumerate(node.keywords):
            if keyword.arg in AXIS_KEYWORDS:
                yield "axis", lambda n, i=index: setattr(n, "keywords", n.keywords[:i] + n.keywords[i + 1:]) or n
                value = _int_literal(keyword.value)
                if value is not None:  # another axis: -1 for 1 would be the same axis of a matrix
                    other = 1 if value == 0 else value - 1 if value > 0 else 0

                    def change_axis(n, i=index, other=other):
                        n.keywords[i].value = ast.Constant(other)
                        return n
                    yield "axis", change_axis
            if keyword.arg == "training" and not (isinstance(keyword.value, ast.Constant)
                                                  and type(keyword.value.value) is bool):
                yield "training", lambda n, i=index: setattr(n, "keywords", n.keywords[:i] + n.keywords[i + 1:]) or n

                def negate_training(n, i=index):
                    n.keywords[i].value = _negated(n.keywords[i].value)
                    return n
                yield "training", negate_training
    if isinstance(node, ast.Constant) and type(node.value) in (int, float) and not in_axis:
        value = node.value
        changed = (1 if value == 0 else 0 if value == 1 else value + 1) if type(value) is int else (
            1.0 if value == 0 else value * 2)
        yield "constant", lambda n: ast.Constant(changed)
    if isinstance(node, ast.Constant) and type(node.value) is bool:
        yield "boolean", lambda n: ast.Constant(not n.value)
    if isinstance(node, ast.Compare):
        for index, op in enumerate(node.ops):
            if type(op) in COMPARISONS:
                def flip(n, i=index):
                    n.ops[i] = COMPARISONS[type(n.ops[i])]()
                    return n
                yield "comparison", flip
    if isinstance(node, (ast.If, ast.IfExp, ast.While)):
        def negate(n):
            n.test = _negated(n.test)
            return n
        yield "condition", negate
    if isinstance(node, ast.stmt) and not isinstance(node, (ast.Pass, ast.ClassDef)) and not (
            isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):  # a docstring is no behaviour
        yield "remove statement", lambda n: None


def _int_literal(node):
    """The int that `node` writes (`2`, `-1`), or None."""
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    return value if type(value) is int else None


def _parents(tree):
    found = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            found[child] = node
    return found


def _where(node, parents):
    names = []
    while node in parents:
        node = parents[node]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
    return ".".join(reversed(names)) or "<cell>"


def _replace(parent, old, new):
    """Puts `new` in place of `old` in `parent`; None removes a statement (`pass` if its block would be empty)."""
    for name, value in ast.iter_fields(parent):
        if value is old:
            setattr(parent, name, new)
            return
        if isinstance(value, list) and any(item is old for item in value):
            index = next(i for i, item in enumerate(value) if item is old)
            if new is not None:
                value[index] = new
            else:
                del value[index]
                if not value and name != "orelse":  # an empty `else:` is simply gone
                    value.append(ast.Pass())
            return
    raise ValueError("node not found in its parent")


def _in_axis(node, parents):
    while node in parents:
        parent = parents[node]
        if isinstance(parent, ast.keyword) and parent.arg in AXIS_KEYWORDS:
            return True
        if isinstance(parent, ast.stmt):
            return False
        node = parent
    return False


def mutants(source, cell="cell", mutable_lines=None):
    """The mutants of the code `source` (a solution cell), changing only nodes that lie entirely on
    `mutable_lines` (1-based line numbers; None: all), without duplicates or no-op changes."""
    tree = ast.parse(source)
    original = ast.unparse(tree)
    parents = _parents(tree)
    nodes = list(ast.walk(tree))
    seen, found, keys = {original}, [], {}
    for index, node in enumerate(nodes):
        if not hasattr(node, "lineno") or node is tree:
            continue
        if mutable_lines is not None and not set(range(node.lineno, node.end_lineno + 1)) <= mutable_lines:
            continue
        for operator, change in _operators(node, parents.get(node), _in_axis(node, parents)):
            mutated = copy.deepcopy(tree)
            target = list(ast.walk(mutated))[index]
            mutated_parents = _parents(mutated)
            context = target  # what the report shows: the node, or the expression around a short one
            while len(_snippet(context)) < 24 and isinstance(mutated_parents.get(context), (ast.expr, ast.keyword)):
                context = mutated_parents[context]
            before = _snippet(context)
            new = change(target)
            if new is not target:
                _replace(mutated_parents[target], target, new)
            ast.fix_missing_locations(mutated)
            try:
                text = ast.unparse(mutated)
                compile(text, "<mutant>", "exec")
            except (SyntaxError, ValueError):
                continue
            if text in seen:
                continue
            seen.add(text)
            after = "(removed)" if new is None else _snippet(new if context is target else context)
            mutant = Mutant(cell, _where(node, parents), operator, before, after, text, original)
            keys[mutant.key] = mutant.occurrence = keys.get(mutant.key, 0) + 1  # same line twice: (#2)
            found.append(mutant)
    return found


def solution_code(marked):
    """(the instructor's code of a solution cell without its markers, the 1-based lines of that code
    that lie inside BEGIN/END SOLUTION regions; None when the cell has no markers: all of it)."""
    kept, mutable, inside, any_marker = [], set(), False, False
    for line in marked.splitlines(keepends=True):
        marker = cells.SOLUTION_MARKER.match(line)
        if marker:
            inside, any_marker = marker.group(1) == "BEGIN", True
            continue
        kept.append(line)
        if inside:
            mutable.add(len(kept))
    return "".join(kept), (mutable if any_marker else None)


def _top_level_names(source):
    names = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        else:
            for target in ast.walk(node):
                if isinstance(target, ast.Name) and isinstance(target.ctx, ast.Store):
                    names.add(target.id)
    return sorted(names)


# ---- The reviewed equivalent mutants -----------------------------------------------------------------

def read_equivalent(path):
    """{survivor line: reason} from an equivalent_mutants.txt; ValueError for an entry with no reason."""
    entries, current = {}, None
    if not Path(path).exists():
        return entries
    for number, line in enumerate(Path(path).read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        if line[0].isspace():
            if current is None:
                raise ValueError(f"{path}:{number}: a reason with no mutant line above it")
            entries[current] = (entries[current] + " " + line.strip()).strip()
        else:
            current = line.strip()
            entries[current] = ""
    missing = [key for key, reason in entries.items() if not reason]
    if missing:
        raise ValueError(f"{path}: no reason given for: {missing[0]}")
    return entries


# ---- The kernel ---------------------------------------------------------------------------------------

class KernelTimeout(BaseException):
    """The kernel gave no answer in time. A BaseException: referee.judge, which turns any Exception of a
    hidden test into a message, lets it through, so that the kernel is restarted."""


class Kernel:
    """One Jupyter kernel started as the grader starts one (inside/launch.py: libraries preloaded, the
    hidden tests' probe installed), unsandboxed and unguarded: it runs the instructor's own code."""

    def __init__(self, cwd, timeout):
        self.cwd, self.timeout = cwd, timeout
        self.km = self.kc = self._sockets = None

    def start(self):
        from jupyter_client import KernelManager

        from ..kernel import INSIDE
        from ..kernel.manager import connect_over_ipc

        class LaunchManager(KernelManager):
            def format_kernel_cmd(self, extra_arguments=None):
                return [sys.executable, str(INSIDE / "launch.py"), "--preload", "numpy,tensorflow,keras", "--no-guard",
                        "--", "-f", os.path.realpath(self.connection_file), *(extra_arguments or [])]

        self.km = LaunchManager(kernel_name="python3")
        self._sockets = tempfile.TemporaryDirectory(prefix="mutants-")
        connect_over_ipc(self.km, self._sockets.name)
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
        self.km.start_kernel(cwd=str(self.cwd), env=env, stdout=open(os.devnull, "w"), stderr=open(os.devnull, "w"))
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=300)

    def stop(self):
        if self.kc:
            self.kc.stop_channels()
        if self.km and self.km.has_kernel:
            self.km.shutdown_kernel(now=True)
        if self._sockets:
            self._sockets.cleanup()
        self.km = self.kc = self._sockets = None

    def run(self, code):
        """Runs a cell; None when it completes, else its error as 'Name: message'. KernelTimeout past the limit."""
        errors = []

        def hook(message):
            if message["msg_type"] == "error":
                errors.append(f"{message['content']['ename']}: {message['content']['evalue']}")

        try:
            reply = self.kc.execute_interactive(code, store_history=False, timeout=self.timeout, output_hook=hook)
        except TimeoutError:
            raise KernelTimeout(f"no result within {self.timeout} s") from None
        if reply["content"]["status"] != "ok":
            content = reply["content"]
            return errors[0] if errors else f"{content.get('ename', 'Error')}: {content.get('evalue', '')}"
        return None

    def ask(self, request):
        """The probe's answer to one hidden-test request (as autograder/kernel/execute.py `_ask_probe`)."""
        expression = f"__import__('sys').modules['_grader_probe'].run({request!r})"
        msg_id = self.kc.execute("", silent=True, store_history=False, user_expressions={"value": expression})
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                reply = self.kc.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise KernelTimeout(f"no answer within {self.timeout} s") from None
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        try:
            return ast.literal_eval(reply["content"]["user_expressions"]["value"]["data"]["text/plain"])
        except (KeyError, ValueError, SyntaxError) as error:
            raise referee.CheckFailure(f"the probe gave no answer ({type(error).__name__})") from None


# ---- Running an assignment's mutants --------------------------------------------------------------------

@dataclass
class Part:
    test_id: str
    visible: str  # the visible test cell's source
    solutions: dict  # {solution cell grade id: (code, mutable lines)}


def parts_of(assignment):
    """The graded parts of `assignment`, in notebook order: each test cell with the solution cells before it."""
    [name] = repo.notebook_names(assignment)
    source = nbformat.read(repo.SOLUTIONS / assignment / f"{name}.ipynb", as_version=4)
    found, pending = [], {}
    for cell in source.cells:
        if cells.is_solution(cell) and cell.cell_type == "code":
            pending[cells.grade_id(cell)] = solution_code(cell.source)
        elif cells.is_test(cell):
            found.append(Part(cells.grade_id(cell), cell.source, pending))
            pending = {}
    return found


@dataclass
class Outcome:
    part: str
    made: int = 0
    killed: int = 0
    survivors: list = field(default_factory=list)  # Mutant
    kills: list = field(default_factory=list)  # (Mutant, why it was killed)
    equivalent: list = field(default_factory=list)  # Mutant
    baseline_error: str = None
    seconds: float = 0.0

    @property
    def unexplained(self):
        return [m for m in self.survivors if m not in self.equivalent]


class Runner:
    """Runs the mutants of an assignment's parts in one kernel (restarted after a time limit or a crash)."""

    def __init__(self, assignment, timeout=120, out=print, seed=SEED, hidden_only=False):
        self.assignment, self.timeout, self.out, self.seed = assignment, timeout, out, seed
        self.hidden_only = hidden_only  # judge by the hidden test alone: it must cover the whole contract
        [name] = repo.notebook_names(assignment)
        self.notebook = solved(assignment, name)
        self.workdir = Path(tempfile.mkdtemp(prefix="mutants-"))
        # The hidden tests from a copy: a probe's source is read from the file when it is sent, and the
        # file in solutions/ may be edited while the mutants run.
        hidden = repo.SOLUTIONS / assignment / repo.HIDDEN_TESTS
        if hidden.is_file():
            (self.workdir / "hidden").mkdir()
            shutil.copyfile(hidden, self.workdir / "hidden" / repo.HIDDEN_TESTS)
        self.hidden = referee.load(self.workdir / "hidden" / repo.HIDDEN_TESTS) if hidden.is_file() else None
        self.prelude = [cell.source for cell in self.notebook.cells
                        if cell.cell_type == "code" and cell.source.strip() and not cells.is_test(cell)]
        (self.workdir / "kernel").mkdir()
        for path in (repo.EXERCISES / assignment).iterdir():  # the release's data files, no notebook
            if path.is_file() and path.suffix != ".ipynb":
                shutil.copyfile(path, self.workdir / "kernel" / path.name)
        self.kernel = Kernel(self.workdir / "kernel", timeout)

    def close(self):
        self.kernel.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def fresh_kernel(self):
        self.kernel.stop()
        self.kernel.start()
        for source in self.prelude:
            error = self.kernel.run(source)
            if error:
                raise RuntimeError(f"{self.assignment}: a cell of the solved notebook fails: {error}")

    def verdict(self, part, cell, code):
        """None when the part's tests pass with `code` in solution cell `cell`, else why they fail."""
        names = _top_level_names(part.solutions[cell][0])
        forget = f"for _name in {names!r}:\n    globals().pop(_name, None)\ndel _name\n" if names else ""
        try:
            error = self.kernel.run(forget + code)
            if error:
                return f"the solution cell raised {error}"
            error = None if self.hidden_only else self.kernel.run(part.visible)
            if error:
                return f"visible test: {error}"
            test = getattr(self.hidden, part.test_id, None) if self.hidden else None
            if test is None:
                return None
            message = referee.judge(test, referee.Student(self.kernel.ask), referee.part_rng(self.seed, part.test_id))
            return f"hidden test: {message}" if message else None
        except KernelTimeout as error:
            self.fresh_kernel()
            return f"time limit: {error}"

    def run_part(self, part, equivalent, select=None):
        started = time.monotonic()
        outcome = Outcome(part.test_id)
        for cell, (code, _) in part.solutions.items():  # the unmutated solution must pass
            failure = self.verdict(part, cell, code)
            if failure:
                outcome.baseline_error = f"{cell}: {failure}"
                outcome.seconds = time.monotonic() - started
                return outcome
        for cell, (code, lines) in part.solutions.items():
            for mutant in mutants(code, cell, lines):
                if select and not select(mutant):
                    continue
                outcome.made += 1
                failure = self.verdict(part, cell, mutant.source)
                if failure:
                    outcome.killed += 1
                    outcome.kills.append((mutant, failure))
                else:
                    outcome.survivors.append(mutant)
                    if mutant.key in equivalent:
                        outcome.equivalent.append(mutant)
            self.verdict(part, cell, code)  # the part's other cells, and later parts, see the solution again
        outcome.seconds = time.monotonic() - started
        return outcome


def report(outcome, out=print, verbose=False):
    if outcome.baseline_error:
        out(f"{outcome.part}: the unmutated solution FAILS: {outcome.baseline_error}")
        return
    out(f"{outcome.part}: {outcome.made} mutants, {outcome.killed} killed, {len(outcome.survivors)} survived "
        f"({len(outcome.equivalent)} reviewed as equivalent) in {outcome.seconds:.0f} s")
    for mutant, why in outcome.kills if verbose else ():
        out(f"  killed {mutant.key}\n      by {' '.join(why.split())[:200]}")
    for mutant in outcome.unexplained:
        out(f"  SURVIVED {mutant.key}")
        for line in mutant.diff()[:8]:
            out(f"      {line}")


def run(assignment, parts=None, timeout=120, select=None, out=print, verbose=False, seed=SEED, hidden_only=False):
    """Mutation testing of `assignment` (all parts, or those whose test or solution grade id is in
    `parts`); the list of Outcome. `select(mutant)` keeps a subset of the mutants (tests)."""
    equivalent = read_equivalent(repo.SOLUTIONS / assignment / EQUIVALENT_MUTANTS)
    chosen = [p for p in parts_of(assignment) if not parts or p.test_id in parts or set(p.solutions) & set(parts)]
    if parts and not chosen:
        raise ValueError(f"{assignment} has no part {', '.join(parts)}")
    started = time.monotonic()
    runner = Runner(assignment, timeout, out, seed, hidden_only)
    outcomes = []
    try:
        runner.fresh_kernel()
        for part in chosen:
            outcomes.append(runner.run_part(part, equivalent, select))
            report(outcomes[-1], out, verbose)
    finally:
        runner.close()
    made = sum(o.made for o in outcomes)
    killed = sum(o.killed for o in outcomes)
    out(f"{assignment}: {made} mutants, {killed} killed, {sum(len(o.survivors) for o in outcomes)} survived, "
        f"{sum(len(o.unexplained) for o in outcomes)} not reviewed as equivalent; {time.monotonic() - started:.0f} s")
    if not parts and not select and not hidden_only:
        seen = {m.key for o in outcomes for m in o.survivors}
        for key in equivalent:
            if key not in seen:
                out(f"  note: {EQUIVALENT_MUTANTS} lists a mutant that did not survive or no longer exists: {key}")
    return outcomes


def main(assignment, parts=None, timeout=120, verbose=False, seed=SEED, hidden_only=False):
    outcomes = run(assignment, parts, timeout, verbose=verbose, seed=seed, hidden_only=hidden_only)
    if any(o.baseline_error for o in outcomes):
        sys.exit(f"{assignment}: the unmutated solution fails its own tests")
    unexplained = sum(len(o.unexplained) for o in outcomes)
    if unexplained:
        sys.exit(f"{assignment}: {unexplained} surviving mutants are not in solutions/{assignment}/{EQUIVALENT_MUTANTS}: "
                 "strengthen the hidden tests, or list them there with the reason they are equivalent")
