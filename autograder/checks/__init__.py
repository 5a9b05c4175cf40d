"""The checks that every exercise's tests call.

Each module is one idea. The release (autograder/authoring/inline.py) concatenates them into the
locked checks cell of each released notebook, so a notebook needs no checkout of this repository to
run its tests (e.g. on Colab); the solution notebooks import them from here. They import nothing
from the rest of the autograder package.
"""
from .report import CheckFailure, fail, passed
from .values import check_close, check_differs, check_equal
from .shapes import check_compute_output_shape, check_output_shape, random_batch
from .weights import check_not_built, check_weights
from .gradients import check_function_gradients, check_gradients
from .serialization import (
    check_config_roundtrip, check_keras_file_roundtrip, check_model_file_roundtrip, check_same_weights,
)

# What `from autograder.checks import *` (the solution notebooks' checks cell) gives a test cell.
__all__ = [
    "CheckFailure", "fail", "passed", "check_close", "check_differs", "check_equal", "check_compute_output_shape",
    "check_output_shape", "random_batch", "check_not_built", "check_weights", "check_function_gradients",
    "check_gradients", "check_config_roundtrip", "check_keras_file_roundtrip", "check_model_file_roundtrip",
    "check_same_weights",
]
