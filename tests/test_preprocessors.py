"""Feedback preprocessors (autograder/kernel/preprocessors.py) on error messages TensorFlow really writes."""
from autograder.kernel.preprocessors import without_stack_listing

GRAPH_ERROR = """Graph execution error:

Detected at node StatefulPartitionedCall defined at (most recent call last):
  File "/usr/lib/python3.11/runpy.py", line 198, in _run_module_as_main
  File "/work/main/autograder/kernel/inside/launch.py", line 91, in main

Incompatible shapes: [2,3] vs. [3,2]
\t [[{{node add}}]] [Op:__inference_train_function_812]"""

OP_DEFINITION = """Incompatible shapes: [2,3] vs. [3,2] [Op:AddV2]
Stack trace for op definition:
File "/tmp/ipykernel_7/123.py", line 4, in call
  return inputs + self.bias
File "/work/main/.venv/lib/python3.11/site-packages/keras/src/layers/layer.py", line 901, in __call__
    outputs = super().__call__(inputs)"""


def test_tensorflow_stack_listings_leave_the_message_and_no_path():
    for message in (GRAPH_ERROR, OP_DEFINITION):
        kept = without_stack_listing(message)
        assert "Incompatible shapes: [2,3] vs. [3,2]" in kept
        assert "File " not in kept and "/work/main" not in kept and "most recent call last" not in kept
        assert "return inputs" not in kept and "super().__call__" not in kept


def test_a_check_failure_is_kept_whole_and_long_messages_are_cut():
    failure = "check_close: values differ\n  expected: 1.0\n  got:      2.0"
    assert without_stack_listing(failure) == failure
    assert len(without_stack_listing("x" * 10_000)) < 2100
