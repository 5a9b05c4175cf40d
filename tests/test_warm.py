"""Warm kernels (autograder/kernel/warm.py): a kernel started ahead of its submission is still there to take."""
import time

import pytest
from jupyter_core.utils import run_sync

from autograder.kernel import sandbox, warm
from autograder.limits import Limits

pytestmark = pytest.mark.kernels


@pytest.mark.parametrize("sandboxed", [True, False], ids=["sandboxed", "unsandboxed"])
def test_a_warm_kernel_outlives_the_start_and_is_taken(sandboxed):
    if sandboxed:
        sandbox.require()
    limits = Limits(cell_seconds=30)
    assert warm.start_in_background(limits, sandboxed).wait(warm.STARTUP_SECONDS)
    time.sleep(2)  # a kernel bound to the starting thread's life would be gone by now
    manager = warm.take(limits, sandboxed, guard=True)
    assert manager is not None, "the warm kernel died before its submission arrived"
    try:
        client = manager.client()
        client.start_channels()
        reply = run_sync(client.execute_interactive)("answer = 6 * 7", timeout=30)
        assert reply["content"]["status"] == "ok"
        client.stop_channels()
    finally:
        run_sync(manager.shutdown_kernel)(now=True)
    assert warm.take(limits, sandboxed, guard=True) is None  # one submission per kernel
