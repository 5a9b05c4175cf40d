"""Value checks: an array equals a reference computed independently, within a tolerance."""
import numpy as np

from .report import as_numpy, describe_array, fail, passed, plain


def check_close(got, expected, what, rtol=1e-5, atol=1e-6):
    """Fails with the worst element when `got` is not close to `expected`.

    Compare float32 results with rtol/atol of about 1e-3 or more: on GPUs with TF32 matmuls
    float32 products keep only about 3 significant digits. Float64 needs no such slack.
    """
    got, expected = as_numpy(got), np.asarray(expected)
    if got.shape != expected.shape:
        fail(f"{what}: wrong shape", expected.shape, got.shape)
    if not np.all(np.isfinite(got)) and np.all(np.isfinite(expected)):
        fail(f"{what}: the result holds NaN or inf", describe_array(expected), describe_array(got))
    error = np.abs(got.astype(np.float64) - expected.astype(np.float64))
    allowed = atol + rtol * np.abs(expected.astype(np.float64))
    if np.any(error > allowed):
        worst = np.unravel_index(np.argmax(error - allowed), error.shape)
        fail(
            f"{what}: values differ from the reference (worst at index {tuple(int(i) for i in worst)})",
            f"{expected[worst]!r} (reference: {describe_array(expected)})",
            f"{got[worst]!r} (yours: {describe_array(got)})",
        )
    passed(what)


def check_differs(got, other, what, min_difference=1e-6):
    """Fails when `got` equals `other`, e.g. when noise that should be added is not."""
    got, other = as_numpy(got), as_numpy(other)
    if got.shape == other.shape and np.max(np.abs(got - other), initial=0.0) <= min_difference:
        fail(what, "outputs that differ", f"identical outputs: {describe_array(got)}")
    passed(what)


def check_equal(got, expected, what, hint=None):
    """Exact equality of plain Python values (counts, names, flags)."""
    got = plain(got, what)
    if got != expected:
        fail(what, repr(expected), repr(got), hint)
    passed(what)
