"""The grader's guard inside a student's kernel: pristine checks and libraries for every graded test.

Runs in the kernel process (imported by launch.py before any cell runs), so it imports nothing
from the autograder package. Before the first cell it records the functions and
classes of the libraries the tests rely on (NumPy, TensorFlow, Keras, IPython and the kernel's
own machinery, the standard library's builtins and sys) and the kernel's hooks (input and AST
transformers, event callbacks, message handlers, trace and audit hooks). The grader then asks,
through `user_expressions` of an empty execute request (which no input transformer touches):

- `pre_test(nonce, checks_source)` before a graded test cell: puts back everything that changed
  since the record, runs the course checks' pristine source again in the notebook's namespace
  (a solution cell may have rebound `check_close`, `fail`, `np`, ...), and lists what it fixed;
- `post_test(nonce)` after it: lists what changed while the test ran (student code called by
  the test may patch again, or rebind the checks' names in the notebook). The grader voids a test whose run changed anything.

Each answer echoes the grader's nonce, so an answer that is missing or malformed (a kernel whose
request handling was replaced) counts as tampering too. This is a guard, not a proof: code
running in this process can, with effort aimed at this very module, forge its answers; what it
cannot do, the sandbox ensures, is read the hidden tests from disk or touch any other file.
"""
import ast
import json
import sys
import threading
import types

GUARD_MODULE = "_grader_guard"
WATCHED_PACKAGES = ("numpy", "tensorflow", "keras", "IPython", "ipykernel", "jupyter_client", "zmq", "traitlets",
                    "comm", "builtins", "sys", "os", "tempfile", "math", "json", "copy", "functools", "operator",
                    "traceback", "warnings", "types", "inspect", "importlib", "threading", "random")
# Kernel objects whose attributes decide what a cell's execution reports.
SHELL_CONTAINERS = ("input_transformers_post", "ast_transformers", "custom_exceptions", "CustomTB")
# Audit events by which code inspects or hooks the interpreter; none is used by the course's
# tests or libraries once the kernel runs.
SUSPICIOUS_EVENTS = ("sys.addaudithook", "sys.settrace", "sys.setprofile", "gc.get_objects", "gc.get_referrers",
                     "gc.get_referents")
_MISSING = object()


def _protected(value):
    """Values whose replacement changes behaviour: functions, classes, descriptors; not data, not modules."""
    if isinstance(value, types.ModuleType):
        return False
    return callable(value) or isinstance(value, (property, classmethod, staticmethod))


def _watched_module(name):
    return name.partition(".")[0] in WATCHED_PACKAGES


class _Record:
    """What one object's namespace held when recorded; `restore` puts it back, `changes` lists differences."""

    def __init__(self, label, owner, namespace, writer, keys=(), shadowing=False):
        self.label, self.owner, self.namespace, self.writer = label, owner, namespace, writer
        self.original = {k: v for k, v in list(namespace().items()) if _protected(v) or k in keys}
        self.known = set(namespace())
        self.shadowing = shadowing  # whether a new key that hides an inherited attribute counts

    def changes(self):
        current = self.namespace()
        changed = [key for key, value in self.original.items() if current.get(key, _MISSING) is not value]
        if self.shadowing:
            changed += [key for key in list(current) if key not in self.known and self._shadows(key, current[key])]
        return changed

    def _shadows(self, key, value):
        if not _protected(value):
            return False
        bases = type(self.owner).__mro__ if not isinstance(self.owner, type) else self.owner.__mro__[1:]
        return any(key in vars(base) for base in bases)

    def restore(self, key):
        self.writer(key, self.original.get(key, _MISSING))


def _attribute_writer(owner):
    def write(key, value):
        if value is _MISSING:
            delattr(owner, key) if hasattr(owner, key) else None
        else:
            setattr(owner, key, value)
    return write


def _dict_writer(mapping):
    def write(key, value):
        if value is _MISSING:
            mapping.pop(key, None)
        else:
            mapping[key] = value
    return write


class _Sequence:
    """A list or dict of hooks (transformers, callbacks, handlers) that must keep its contents."""

    def __init__(self, label, container):
        self.label, self.container = label, container
        self.original = dict(container) if isinstance(container, dict) else list(container)

    def changed(self):
        if isinstance(self.container, dict):
            return self.container.keys() != self.original.keys() or any(
                self.container[k] is not v for k, v in self.original.items())
        return len(self.container) != len(self.original) or any(a is not b for a, b in zip(self.container, self.original))

    def restore(self):
        if isinstance(self.container, dict):
            self.container.clear()
            self.container.update(self.original)
        else:
            self.container[:] = self.original


class Guard:
    def __init__(self, shell, kernel):
        self.shell, self.kernel = shell, kernel
        self.records, self.sequences, self.events = [], [], []
        self._record_modules()
        self._record_kernel()
        self.hooks = self._hooks_now()
        sys.addaudithook(self._audit)  # cannot be removed: it sees hooks installed after this point

    def _record_modules(self):
        classes = set()
        for name, module in list(sys.modules.items()):
            if not isinstance(module, types.ModuleType) or not _watched_module(name):
                continue
            self.records.append(_Record(name, module, lambda m=module: vars(m), _attribute_writer(module)))
            classes.update(v for v in list(vars(module).values())
                           if isinstance(v, type) and _watched_module(getattr(v, "__module__", "") or ""))
        for cls in classes:
            self.records.append(_Record(f"{cls.__module__}.{cls.__qualname__}", cls, lambda c=cls: vars(c),
                                        _attribute_writer(cls), shadowing=True))

    def _record_kernel(self):
        for label, instance in (("shell", self.shell), ("kernel", self.kernel), ("kernel session", self.kernel.session),
                                ("shell display hook", self.shell.displayhook)):
            self.records.append(_Record(label, instance, lambda i=instance: vars(i), _dict_writer(vars(instance)),
                                        SHELL_CONTAINERS, shadowing=True))
            values = getattr(instance, "_trait_values", None)
            if values is not None:
                self.records.append(_Record(f"{label} traits", instance, lambda v=values: v, _dict_writer(values),
                                            SHELL_CONTAINERS))
        transforms = self.shell.input_transformer_manager
        callbacks = [(f"{event} callbacks", hooks) for event, hooks in self.shell.events.callbacks.items()]
        for label, container in [("input_transformers_post", self.shell.input_transformers_post),
                                 ("ast_transformers", self.shell.ast_transformers),
                                 ("cleanup_transforms", transforms.cleanup_transforms),
                                 ("line_transforms", transforms.line_transforms),
                                 ("token_transformers", transforms.token_transformers),
                                 ("shell_handlers", self.kernel.shell_handlers),
                                 ("control_handlers", self.kernel.control_handlers), *callbacks]:
            self.sequences.append(_Sequence(label, container))

    def _audit(self, event, args):
        if event in SUSPICIOUS_EVENTS:
            self.events.append(event)

    def _hooks_now(self):
        return {"sys.gettrace": sys.gettrace(), "sys.getprofile": sys.getprofile(),
                "threading trace hook": getattr(threading, "_trace_hook", None),
                "threading profile hook": getattr(threading, "_profile_hook", None)}

    def _differences(self):
        """[(what differs, how to put it back or None)] against the record: one scan of everything."""
        found = [(f"{record.label}.{key}", lambda r=record, k=key: r.restore(k))
                 for record in self.records for key in record.changes()]
        found += [(f"{sequence.label} changed", sequence.restore) for sequence in self.sequences if sequence.changed()]
        found += [(f"{name} set", None) for name, value in self._hooks_now().items() if value is not self.hooks[name]]
        found += [(f"{event} called", None) for event in dict.fromkeys(self.events)]
        return found

    def changes(self):
        """Descriptions of everything that differs from the record."""
        return [what for what, _ in self._differences()]

    def restore(self):
        """Puts back what differs from the record; returns the descriptions of what did."""
        found = self._differences()
        for _, put_back in found:
            try:
                if put_back:
                    put_back()
            except Exception:  # e.g. a read-only attribute: pre_test reports it as unrestorable
                pass
        sys.settrace(self.hooks["sys.gettrace"])  # this thread's; other threads' are the student's own business
        sys.setprofile(self.hooks["sys.getprofile"])
        threading.settrace(self.hooks["threading trace hook"])
        threading.setprofile(self.hooks["threading profile hook"])
        self.events.clear()  # including the events of the calls just above
        return [what for what, _ in found]

    def restore_checks(self, checks_source):
        """Runs the course checks' source in the notebook's namespace; returns the names it had to put back."""
        fresh = {}
        # Statement by statement, as IPython runs a cell, so that the bytecode of each function is
        # what the notebook's own checks cell produced (CPython compiles `np.f()` differently when
        # the import of `np` is in the same compilation unit).
        for node in ast.parse(checks_source).body:
            exec(compile(ast.Module([node], type_ignores=[]), "<course checks>", "exec"), fresh)
        namespace = self.shell.user_ns
        replaced = [name for name, value in fresh.items()
                    if not name.startswith("__") and not _same(namespace.get(name, _MISSING), value)]
        self.checks = {name: value for name, value in fresh.items() if not name.startswith("__")}
        namespace.update(self.checks)
        return replaced

    def pre_test(self, nonce, checks_source):
        found = self.restore()
        still = self.changes() if found else []  # what could not be put back
        found += [f"{name} (course checks)" for name in self.restore_checks(checks_source)]
        return json.dumps({"nonce": nonce, "restored": found, "unrestorable": still})

    def post_test(self, nonce):
        namespace = self.shell.user_ns  # the checks the test called by name: rebound while it ran?
        rebound = [f"{name} (course checks)" for name, value in getattr(self, "checks", {}).items()
                   if namespace.get(name, _MISSING) is not value]
        return json.dumps({"nonce": nonce, "changed": self.changes() + rebound})


def _same(current, pristine):
    """Whether a name in the notebook's namespace still holds what the checks' source defines."""
    if current is pristine:
        return True
    if isinstance(pristine, types.FunctionType):
        return (isinstance(current, types.FunctionType) and current.__code__ == pristine.__code__
                and current.__defaults__ == pristine.__defaults__ and current.__kwdefaults__ == pristine.__kwdefaults__)
    if isinstance(pristine, type):
        return (isinstance(current, type) and current.__qualname__ == pristine.__qualname__
                and [b.__qualname__ for b in current.__mro__] == [b.__qualname__ for b in pristine.__mro__])
    if isinstance(pristine, types.ModuleType):
        return False  # modules are compared by identity above
    try:
        return type(current) is type(pristine) and bool(current == pristine)
    except Exception:
        return False


def install(shell, kernel):
    """Records the pristine state and makes the guard reachable as sys.modules[GUARD_MODULE]."""
    guard = Guard(shell, kernel)
    module = types.ModuleType(GUARD_MODULE, "The grader's integrity guard (see autograder/kernel/inside/guard.py).")
    module.pre_test, module.post_test = guard.pre_test, guard.post_test
    sys.modules[GUARD_MODULE] = module
    return guard

