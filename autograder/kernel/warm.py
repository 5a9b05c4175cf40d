"""A kernel started before its submission arrives, so that its start-up overlaps other grading.

A grading worker (autograder/grading/worker.py) is started ahead of need; with `--warm` it starts
a kernel at once, as the grader would (sandbox, limits, guard, TensorFlow preloaded), in an empty
working folder, and waits for it to answer. When the worker's job arrives, GuardedExecute takes
that kernel instead of starting one: the submission's time limit starts then, and the kernel is
shut down after this one submission, like any other (no state crosses students). A submission
with data files beside its notebook gets a fresh kernel in its own folder instead.
"""
import threading

from jupyter_core.utils import run_sync

from .manager import CourseKernelManager

# Like nbclient's own kernels: no history file written to disk.
KERNEL_ARGUMENTS = ["--HistoryManager.hist_file=:memory:"]
STARTUP_SECONDS = 300

_lock = threading.Lock()
_kernel = None  # (settings, manager), once started and ready


def start_in_background(limits, sandboxed, guard=True):
    """Starts the next submission's kernel in a thread; returns an Event set once the kernel answers or
    failed to start.

    The thread then stays alive as long as this process: a sandboxed kernel dies when the thread that
    started it ends (bwrap's --die-with-parent is PR_SET_PDEATHSIG, which follows the parent thread,
    not the process), and a dead warm kernel would cost each submission a fresh start."""
    settled = threading.Event()

    def run():
        try:
            _start(limits, sandboxed, guard)
        finally:
            settled.set()
        threading.Event().wait()  # never set: see above

    threading.Thread(target=run, daemon=True, name="warm-kernel").start()
    return settled


def _start(limits, sandboxed, guard):
    global _kernel
    manager = CourseKernelManager(kernel_name="python3")
    manager.sandboxed, manager.guard, manager.limits = sandboxed, guard, limits
    run_sync(manager.start_kernel)(extra_arguments=KERNEL_ARGUMENTS)
    client = manager.client()
    client.start_channels()
    try:
        run_sync(client.wait_for_ready)(timeout=STARTUP_SECONDS)
    finally:
        client.stop_channels()
    with _lock:
        _kernel = ((limits, sandboxed, guard), manager)


def take(limits, sandboxed, guard):
    """The warm kernel if it was started with these settings and is alive, else None (and it is shut down)."""
    global _kernel
    with _lock:
        found, _kernel = _kernel, None
    if found is None:
        return None
    settings, manager = found
    if settings == (limits, sandboxed, guard) and run_sync(manager.is_alive)():
        manager.restart_clock()
        return manager
    run_sync(manager.shutdown_kernel)(now=True)
    return None
