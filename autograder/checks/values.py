"""Value checks: an array equals a reference computed independently, within a tolerance; a number is
below or above a bound; plain values are equal."""
import numpy as np

from .report import as_numpy, describe_array, fail, number, passed, plain

# Default (rtol, atol) by the least precise floating dtype of the two arrays compared. float32 is
# loose enough for TF32 matmuls on GPUs (about three significant digits); float64 needs no slack.
TOLERANCES = {"float16": (1e-2, 1e-2), "bfloat16": (2e-2, 2e-2), "float32": (1e-3, 1e-3), "float64": (1e-6, 1e-9)}


def default_tolerance(*arrays):
    """(rtol, atol) for comparing `arrays`: from the least precise floating dtype among them."""
    floating = [a.dtype for a in arrays if np.issubdtype(a.dtype, np.floating)]
    if not floating:
        return 0.0, 0.0  # integers and booleans compare exactly
    least = min(floating, key=lambda dtype: np.finfo(dtype).precision)
    return TOLERANCES.get(np.dtype(least).name, TOLERANCES["float32"])


def check_close(got, expected, what, rtol=None, atol=None):
    """Fails with the worst element when `got` is not close to `expected`.

    Without `rtol`/`atol`, the tolerance follows the dtypes (TOLERANCES). Where the reference is
    NaN or infinite, the result must be the same NaN or infinity.
    """
    __tracebackhide__ = True  # IPython shows the test's line and this message, not the checks' internals
    got, expected = as_numpy(got), np.asarray(expected)
    if got.dtype == object or not (np.issubdtype(got.dtype, np.number) or got.dtype == bool):
        fail(f"{what}: a numeric result", describe_array(expected), f"a value of type {got.dtype}")
    if got.shape != expected.shape:
        fail(f"{what}: wrong shape", expected.shape, got.shape)
    default_rtol, default_atol = default_tolerance(got, expected)
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol
    got64, expected64 = got.astype(np.float64), expected.astype(np.float64)
    finite = np.isfinite(expected64)
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf: no RuntimeWarning on stderr
        error = np.where(finite, np.abs(got64 - expected64), 0.0)
        allowed = atol + rtol * np.abs(np.where(finite, expected64, 0.0))
        same_special = (got64 == expected64) | (np.isnan(got64) & np.isnan(expected64))
        wrong = np.where(finite, ~(error <= allowed), ~same_special)
        excess = np.where(wrong, np.nan_to_num(error - allowed, nan=np.inf, posinf=np.inf) + 1, -np.inf)
    if np.any(wrong):
        worst = np.unravel_index(np.argmax(excess), excess.shape)
        index = f" (worst at index {tuple(int(i) for i in worst)})" if expected.ndim else ""
        fail(f"{what}: values differ from the reference{index}",
             f"{number(expected[worst])} (reference: {describe_array(expected)})",
             f"{number(got[worst])} (yours: {describe_array(got)})")
    passed(what)


def check_differs(got, other, what, min_difference=1e-6):
    """Fails when `got` equals `other`, e.g. when noise that should be added is not."""
    __tracebackhide__ = True
    got, other = as_numpy(got), as_numpy(other)
    if got.shape == other.shape and np.max(np.abs(got - other), initial=0.0) <= min_difference:
        fail(what, "outputs that differ", f"identical outputs: {describe_array(got)}")
    passed(what)


def check_equal(got, expected, what, hint=None):
    """Exact equality of plain Python values (counts, names, flags)."""
    __tracebackhide__ = True
    got = plain(got, what)
    if got != expected:
        fail(what, repr(expected), repr(got), hint)
    passed(what)


def _bound(value, what):
    array = as_numpy(value)
    if array.shape != () or not np.issubdtype(array.dtype, np.number) or not np.isfinite(array):
        fail(what, "a finite number", describe_array(array) if array.dtype != object else type(value).__name__)
    return float(array)


def check_less(got, bound, what, hint=None):
    """`got` (a number) is below `bound`: e.g. a loss after training."""
    __tracebackhide__ = True
    value = _bound(got, what)
    if not value < bound:
        fail(what, f"less than {number(bound)}", number(value), hint)
    passed(f"{what}: {number(value)} < {number(bound)}")


def check_greater(got, bound, what, hint=None):
    """`got` (a number) is above `bound`: e.g. an accuracy after training."""
    __tracebackhide__ = True
    value = _bound(got, what)
    if not value > bound:
        fail(what, f"greater than {number(bound)}", number(value), hint)
    passed(f"{what}: {number(value)} > {number(bound)}")
