"""How a check reports: a failure says what was checked, what was expected and what came back."""
import numpy as np


class CheckFailure(AssertionError):
    """Raised by every check; the message is meant for the student."""

    def _render_traceback_(self):
        # IPython shows this instead of the traceback, whose frames are the checks' own code:
        # what was checked, expected and got is the whole story, and it comes first.
        return [f"CheckFailure: {self}"]


def fail(what, expected, got, hint=None):
    __tracebackhide__ = True
    message = f"{what}\n  expected: {expected}\n  got:      {got}"
    if hint:
        message += f"\n  hint: {hint}"
    raise CheckFailure(message)


def passed(what):
    print(f"ok: {what}")


def number(value):
    """A number as a person reads it: 0.25, 3, nan; not np.float32(0.25)."""
    value = value.item() if hasattr(value, "item") else value
    return f"{value:.8g}" if isinstance(value, float) else repr(value)


def describe_array(value, limit=6):
    """A short, readable description of an array-like for failure messages."""
    array = np.asarray(value)
    flat = array.ravel()
    shown = np.array2string(flat[:limit], precision=6, separator=", ")
    more = ", ..." if flat.size > limit else ""
    return f"shape {array.shape}, dtype {array.dtype}, values {shown[:-1]}{more}]"


def as_numpy(value):
    """Converts tensors, variables and nested lists to NumPy without copying semantics surprises."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    return np.asarray(value)


PLAIN_TYPES = (type(None), bool, int, float, str)


def plain(value, what):
    """`value` rebuilt from Python's own types (None, numbers, strings, lists, tuples, sets, dicts).

    Checks compare plain values only: `==` on a student's object runs that object's `__eq__`,
    and one that says "equal" to anything would pass every comparison.
    """
    if type(value) in PLAIN_TYPES:
        return value
    if isinstance(value, np.generic) and value.ndim == 0:
        return value.item()
    if type(value) in (list, tuple, set, frozenset):
        return type(value)(plain(item, what) for item in value)
    if type(value) is dict:
        return {plain(key, what): plain(item, what) for key, item in value.items()}
    fail(what, "plain Python values (numbers, strings, None, tuples, lists, sets, dicts)",
         f"an object of type {type(value).__name__}")
