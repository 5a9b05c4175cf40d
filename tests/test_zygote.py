"""Kernels forked by the zygote (autograder/kernel/zygote.py, kernel/inside/zygote.py): TensorFlow imported
once, yet nothing passes from one kernel to the next."""
import subprocess
import sys
import time

import psutil
import pytest
from jupyter_core.utils import run_sync

from autograder.kernel import sandbox, zygote
from autograder.kernel.manager import CourseKernelManager
from autograder.limits import Limits

pytestmark = pytest.mark.kernels

LIMITS = Limits(cell_seconds=60, threads=1)
CHANGE_EVERYTHING = """
import keras, numpy, tensorflow as tf
keras.config.set_floatx("float16")
tf.config.run_functions_eagerly(True)
numpy.set_printoptions(precision=1)
numpy.ones = None
print(keras.config.floatx(), tf.config.functions_run_eagerly(), numpy.random.rand())
"""
LOOK = """
import keras, numpy, tensorflow as tf
print(keras.config.floatx(), tf.config.functions_run_eagerly(), numpy.random.rand(), numpy.ones is None)
"""


def run_kernel(code):
    """(stdout of `code` in a new sandboxed kernel, [the kernel's process, its parent, their parent] seen from the host)."""
    manager = CourseKernelManager(kernel_name="python3")
    manager.sandboxed, manager.limits = True, LIMITS
    run_sync(manager.start_kernel)()
    try:
        client = manager.client()
        client.start_channels()
        run_sync(client.wait_for_ready)(timeout=120)
        kernel = next(p for p in psutil.process_iter(["uids"]) if p.info["uids"].real == manager._lease.uid)
        lineage = [kernel.pid, kernel.ppid(), psutil.Process(kernel.ppid()).ppid()]
        printed = []
        reply = run_sync(client.execute_interactive)(
            code, timeout=60, output_hook=lambda m: printed.append(m["content"].get("text", "")))
        client.stop_channels()
        assert reply["content"]["status"] == "ok", reply["content"]
        return "".join(printed).split(), lineage
    finally:
        run_sync(manager.shutdown_kernel)(now=True)


def test_kernels_are_forked_by_one_zygote_and_share_no_state():
    sandbox.require()
    first, first_lineage = run_kernel(CHANGE_EVERYTHING)
    second, second_lineage = run_kernel(LOOK)
    forked_by = zygote.for_environment(sandbox.environment(LIMITS))._process.pid
    assert first_lineage[2] == second_lineage[2] == forked_by  # kernel <- its waiter <- the zygote
    assert first[:2] == ["float16", "True"]  # the first kernel did change its own process
    assert second[:2] == ["float32", "False"] and second[3] == "False", second  # none of it reached the second
    assert first[2] != second[2]  # nor the random state: each kernel's NumPy is seeded anew


@pytest.mark.parametrize("name, refusal", [("sleeper", "is not a sandbox's anchor"),
                                           ("sandbox-anchor", "shares the grader's ipc namespace")])
def test_the_zygote_forks_into_sandboxes_only(name, refusal):
    """A process outside any sandbox, even one named like the anchor, gets no kernel forked into it."""
    sandbox.require()
    stand_in = subprocess.Popen([sys.executable, "-c", f"open('/proc/self/comm', 'w').write({name!r}); "
                                                       "import time; time.sleep(60)"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        while psutil.Process(stand_in.pid).name() != name:
            time.sleep(0.01)
        with pytest.raises(zygote.ZygoteError, match=refusal):
            zygote.for_environment(sandbox.environment(LIMITS)).fork(
                stand_in.pid, sandbox.UID_RANGE[-1], "/tmp", sandbox.kernel_limits(LIMITS), ["/opt/script.py"])
    finally:
        stand_in.kill()
        stand_in.wait()
