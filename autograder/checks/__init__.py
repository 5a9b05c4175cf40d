"""The checks that every exercise's tests call.

Each module is one idea. The release (autograder/authoring/inline.py) concatenates them into the
locked checks cell of each released notebook, so a notebook needs no checkout of this repository to
run its tests (e.g. on Colab); the solution notebooks import them from here. They import nothing
from the rest of the autograder package.

The value checks (report, values) need only NumPy; the rest import TensorFlow and Keras when first
used, so that the grader's own process, which judges hidden tests on plain values
(autograder/kernel/referee.py), never loads TensorFlow.
"""
import importlib

from .report import CheckFailure, fail, passed
from .summary import summarize_tests
from .values import check_close, check_differs, check_equal, check_greater, check_less
from .weights import check_not_built, check_weights

# Names of the checks that need TensorFlow or Keras, by module.
_HEAVY = {
    "shapes": ("check_compute_output_shape", "check_output_shape", "random_batch"),
    "gradients": ("check_function_gradients", "check_gradients"),
    "serialization": ("check_config_roundtrip", "check_keras_file_roundtrip", "check_model_file_roundtrip",
                      "check_same_weights"),
}
_MODULE_OF = {name: module for module, names in _HEAVY.items() for name in names}

# What `from autograder.checks import *` (the solution notebooks' checks cell) gives a test cell.
__all__ = ["CheckFailure", "fail", "passed", "check_close", "check_differs", "check_equal", "check_greater",
           "check_less", "check_not_built", "check_weights", "summarize_tests", *_MODULE_OF]


def __getattr__(name):
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_MODULE_OF[name]}", __name__), name)
