"""The student's half of the hidden tests: run a probe the grader sends, answer with plain data.

Runs in the kernel process (installed by launch.py as sys.modules[PROBE_MODULE]), so it imports
nothing from the autograder package. The grader (autograder/kernel/referee.py) sends a probe, the
source of a function from the assignment's hidden tests, with its inputs; `run` defines it in a
copy of the notebook's namespace (it sees the student's classes and functions, and leaves no
name behind), calls it and answers with what it returned, encoded by `encode`: the values the
student's code computed. The grader alone compares them with references it computes itself, so
nothing this process can change decides a verdict: a student who replaces this module can only
answer with data, and only correct data passes.

The encoding is JSON: None, booleans, numbers, strings, lists and dicts with string keys, and
arrays (NumPy, tensors, variables) as {ARRAY_TAG: [dtype, shape, base64 of the bytes]}.
"""
import base64
import json
import sys
import traceback

PROBE_MODULE = "_grader_probe"
ARRAY_TAG = "__ndarray__"
ARRAY_DTYPES = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                "float16", "float32", "float64")
MAX_ANSWER_CHARACTERS = 8 * 2**20  # well under the grader's message cap (autograder/kernel/manager.py)


def encode(value):
    """`value` as JSON-ready plain data (see the module's docstring)."""
    if value is None or type(value) in (bool, int, float, str):
        return value
    if type(value) in (list, tuple):
        return [encode(item) for item in value]
    if type(value) is dict:
        if not all(type(key) is str for key in value):
            raise TypeError("a probe's dict keys must be strings")
        return {key: encode(item) for key, item in value.items()}
    import numpy as np

    if hasattr(value, "numpy") and callable(value.numpy):  # tf.Tensor, tf.Variable, keras.Variable
        value = value.numpy()
    array = np.asarray(value)
    if array.dtype.name not in ARRAY_DTYPES:
        raise TypeError(f"cannot send a value of type {type(value).__name__} (dtype {array.dtype})")
    return {ARRAY_TAG: [array.dtype.name, list(array.shape), base64.b64encode(array.tobytes(order="C")).decode()]}


def decode(value):
    """The inverse of `encode`, strict: anything else is a ValueError (the data may come from a hostile process)."""
    if value is None or type(value) in (bool, int, float, str):
        return value
    if type(value) is list:
        return [decode(item) for item in value]
    if type(value) is not dict:
        raise ValueError(f"unexpected {type(value).__name__} in a probe's answer")
    if set(value) != {ARRAY_TAG}:
        return {str(key): decode(item) for key, item in value.items()}
    import numpy as np

    dtype, shape, data = value[ARRAY_TAG]
    if dtype not in ARRAY_DTYPES or type(shape) is not list or not all(type(n) is int and n >= 0 for n in shape):
        raise ValueError("malformed array in a probe's answer")
    array = np.frombuffer(base64.b64decode(data, validate=True), dtype=dtype)
    return array.reshape(shape).copy()


class Probe:
    def __init__(self, shell):
        self.shell = shell

    def run(self, request):
        """Answers one probe (JSON text, see referee.py): {"result": ...} or {"error": "Type: message"}."""
        request = json.loads(request)
        namespace = dict(self.shell.user_ns)
        try:
            exec(compile(request["source"], "<hidden test>", "exec"), namespace)
            result = namespace[request["name"]](**decode(request["inputs"]))
            answer = json.dumps({"result": encode(result)})
        except BaseException as error:  # the student's code failed the probe: that is the answer
            last = traceback.extract_tb(error.__traceback__)[-1:] if error.__traceback__ else []
            where = f" (line {last[0].lineno} of {last[0].filename})" if last else ""
            answer = json.dumps({"error": f"{type(error).__name__}: {error}"[:2000] + where})
        if len(answer) > MAX_ANSWER_CHARACTERS:
            answer = json.dumps({"error": f"the answer is too large ({len(answer)} characters)"})
        return answer


def install(shell):
    module = type(sys)(PROBE_MODULE, "Answers the grader's hidden-test probes (see autograder/kernel/inside/probe.py).")
    module.run = Probe(shell).run
    sys.modules[PROBE_MODULE] = module
