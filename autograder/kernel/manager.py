"""The kernel manager nbgrader's Execute uses here: a student's kernel, sandboxed, limited and guarded.

jupyter_client starts a kernel from a command line; this manager replaces the kernelspec's
`python -m ipykernel_launcher` with a bwrap sandbox (sandbox.py), into which the zygote forks
the kernel's process to run inside/launch.py, and connects to it over ZMQ's `ipc` transport: the kernel lives in its
own network namespace, where TCP on loopback does not reach the grader, so the sockets are
files in a folder bound into the sandbox. The same manager without a sandbox (--unsandboxed)
starts inside/launch.py directly, over the same sockets: limits and guard, but no isolation.

It also keeps what a crash leaves behind: the kernel's own stdout and stderr (the last few
kilobytes), its exit status, and whether it was stopped for running over its time limit.
"""
import asyncio
import collections
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import psutil
import zmq
from jupyter_client.manager import AsyncKernelManager

from ..limits import Limits
from . import INSIDE, sandbox

INSIDE_FILES = ("launch.py", "guard.py", "probe.py")
# Largest ZMQ message the grader accepts from a kernel, and how many it queues: a kernel that
# prints gigabytes must not take the grading process's memory with it (its output is cut at
# a far smaller size anyway, see execute.py).
MAX_MESSAGE_BYTES = 16 * 2**20
MAX_QUEUED_MESSAGES = 64
TAIL_BYTES = 8192
RUN_DIR_PARENT = "/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir()
RUN_DIR_PREFIX = "agk-"  # then the pid of the grading process that made it


def connect_over_ipc(manager, folder):
    """Has the KernelManager `manager` talk to its kernel over unix sockets in `folder`, not TCP.

    Over TCP, jupyter_client picks free ports on 127.0.0.1 and lets them go before the kernel binds
    them: a kernel starting at that moment elsewhere on the machine can take one, and this kernel
    then dies before it answers ("Address already in use"). Names in a private folder cannot clash.
    """
    manager.transport, manager.ip = "ipc", str(Path(folder) / "k")
    manager.connection_file = str(Path(folder) / "kernel.json")
    manager.cache_ports = False


class CourseKernelManager(AsyncKernelManager):
    """Set `sandboxed`, `limits`, `preload` and `guard` before `start_kernel`."""

    sandboxed = True
    limits = Limits()
    preload = ("numpy", "tensorflow", "keras")
    guard = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._run_dir = self._lease = self._timer = None
        self.expired = False
        self._tail = collections.deque(maxlen=TAIL_BYTES)

    def client(self, **kwargs):
        """A client whose sockets refuse oversized messages and queue few (defaults for sockets it creates)."""
        client = super().client(**kwargs)
        client.context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        client.context.setsockopt(zmq.RCVHWM, MAX_QUEUED_MESSAGES)
        return client

    async def _async_pre_start_kernel(self, **kw):
        # The run folder: the sockets, the kernel's working folder, its passwd. Short path: a
        # unix socket's path must stay under 108 bytes.
        _sweep_run_dirs()
        self._run_dir = Path(tempfile.mkdtemp(prefix=f"{RUN_DIR_PREFIX}{os.getpid()}-", dir=RUN_DIR_PARENT))
        workdir = self._run_dir / "work"
        _copy_data_files(kw.get("cwd"), workdir)
        kw["cwd"] = str(workdir)
        sockets = self._run_dir / "sockets"
        sockets.mkdir()
        connect_over_ipc(self, sockets)
        if self.sandboxed:
            self._lease = sandbox.UidLease()
            for path in (sockets, workdir, *workdir.rglob("*")):  # the run folder itself stays root's, 0700
                os.chown(path, self._lease.uid, self._lease.uid)
            for folder in (sockets, workdir):
                os.chmod(folder, 0o700)
        else:  # the sandbox sets the kernel's whole environment; unsandboxed it inherits the grader's
            kw["env"] = {**kw.get("env", os.environ), **self.limits.thread_environment()}
        self.kernel_spec.interrupt_mode = "message"  # a signal would hit bwrap, not the kernel; see module doc
        return await super()._async_pre_start_kernel(**kw)

    def write_connection_file(self, **kwargs):
        super().write_connection_file(**kwargs)
        if self.sandboxed and self._lease:
            os.chown(self.connection_file, self._lease.uid, self._lease.uid)  # written by root, read by the kernel

    def format_kernel_cmd(self, extra_arguments=None):
        launcher = ["--output-bytes", str(self.limits.output_bytes), "--preload", ",".join(self.preload)]
        launcher += [] if self.guard else ["--no-guard"]
        kernel_args = ["-f", os.path.realpath(self.connection_file), *(extra_arguments or [])]
        if not self.sandboxed:
            return [sys.executable, str(INSIDE / "launch.py"), *launcher, "--", *kernel_args]
        files = {f"{sandbox.LAUNCHER_DIR}/{name}": INSIDE / name for name in INSIDE_FILES}
        files.update(self._identity_files())
        self._kernel_argv = [f"{sandbox.LAUNCHER_DIR}/launch.py", *launcher, "--", *kernel_args]  # for the zygote
        return sandbox.command(self._run_dir / "work", self._run_dir / "sockets", files, self.limits)

    def _identity_files(self):
        """/etc/passwd and /etc/group naming the kernel's uid: some libraries look the user up."""
        uid = self._lease.uid
        files = {"/etc/passwd": f"root:x:0:0:root:/root:/usr/sbin/nologin\n"
                                f"student:x:{uid}:{uid}:student:/tmp:/usr/sbin/nologin\n",
                 "/etc/group": f"root:x:0:\nstudent:x:{uid}:\n"}
        for name, text in files.items():
            (self._run_dir / name.rsplit("/", 1)[1]).write_text(text)
        return {name: self._run_dir / name.rsplit("/", 1)[1] for name in files}

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        # The kernel's own stdout and stderr (not its cells' output, which travels over ZMQ):
        # drained by a thread that keeps the tail, so a flood can neither block nor fill memory.
        kw.update(stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        await super()._async_launch_kernel(kernel_cmd, **kw)
        process = self.provisioner.process
        threading.Thread(target=self._drain, args=(process.stdout,), daemon=True).start()
        if self.sandboxed:  # bwrap made the sandbox; the kernel's process is forked into it
            await asyncio.to_thread(sandbox.enter, process, self._lease.uid, self._run_dir / "work", self.limits,
                                    self._kernel_argv)
        self.restart_clock()

    def restart_clock(self):
        """Starts the submission's time limit now (a warm kernel's when its submission arrives: warm.py)."""
        if self._timer:
            self._timer.cancel()
        if self.limits.kernel_seconds:
            self._timer = threading.Timer(self.limits.kernel_seconds, self._expire)
            self._timer.daemon = True
            self._timer.start()

    def _drain(self, stream):
        for chunk in iter(lambda: stream.read1(4096), b""):
            self._tail.extend(chunk)

    def _expire(self):
        self.expired = True
        process = self.provisioner.process if self.provisioner else None
        if process and process.poll() is None:
            process.kill()  # bwrap; --die-with-parent and the PID namespace take every sandboxed process with it

    def stop_strays(self, rounds=100):
        """Kills every process of the kernel's uid but the kernel itself (the first of them to start):
        what the submission left running, e.g. a fork bomb that holds every process slot the kernel
        needs for the hidden tests' threads. Sandboxed kernels only: unsandboxed there is no uid of its own."""
        if not self._lease:
            return
        for _ in range(rounds):  # a fork bomb forks while we kill: until nothing but the kernel is left
            mine = sandbox.processes_of(self._lease.uid)
            if len(mine) <= 1:
                return
            kernel = min(mine, key=lambda p: (p.info["create_time"], p.pid))
            for process in mine:
                if process.pid != kernel.pid:
                    try:
                        process.kill()
                    except psutil.Error:
                        pass

    def exit_description(self):
        """Why the kernel is gone, in words, for a student's feedback and the instructor's report."""
        process = self.provisioner.process if self.provisioner else None
        code = process.poll() if process else None
        if self.expired:
            return f"the kernel ran over the submission's time limit ({self.limits.kernel_seconds:g} s) and was stopped"
        if code is None:
            return "the kernel stopped answering"
        tail = bytes(self._tail).decode(errors="replace")
        if "bad_alloc" in tail or "MemoryError" in tail:
            return f"the kernel ran out of memory (cap {self.limits.memory_gb:g} GiB) and died"
        signal_number = -code if code < 0 else code - 128 if sandbox_exit_signal(code) else None
        if signal_number:
            return f"the kernel was killed by signal {signal_number} ({signal.Signals(signal_number).name})"
        return f"the kernel exited with status {code}"

    async def cleanup_resources(self, restart=False):
        if self._timer:
            self._timer.cancel()
        await super()._async_cleanup_resources(restart=restart)
        if self._lease:
            self._lease.release()
            self._lease = None
        if self._run_dir:
            shutil.rmtree(self._run_dir, ignore_errors=True)
            self._run_dir = None


def sandbox_exit_signal(code):
    """bwrap reports a child killed by signal N as exit status 128 + N."""
    return 128 < code < 128 + signal.NSIG


def _sweep_run_dirs():
    """Removes the run folders of grading processes that died without cleaning up (killed by the batch)."""
    for folder in Path(RUN_DIR_PARENT).glob(f"{RUN_DIR_PREFIX}*-*"):
        pid = folder.name[len(RUN_DIR_PREFIX):].split("-")[0]
        if pid.isdigit() and not psutil.pid_exists(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _copy_data_files(source, target):
    """The kernel's working folder: the submission's files but not its notebooks.

    nbgrader executes in the autograded folder, where the notebook on disk already has the
    hidden tests restored into it; the kernel must not be able to read them.
    """
    target.mkdir()
    if not source or not os.path.isdir(source):
        return
    for path in Path(source).iterdir():
        if path.suffix == ".ipynb" or path.name.startswith(".") or path.is_symlink():
            continue
        if path.is_dir():  # links are copied as links: their targets are not in the sandbox
            shutil.copytree(path, target / path.name, symlinks=True, ignore=shutil.ignore_patterns("*.ipynb"))
        elif path.is_file():
            shutil.copyfile(path, target / path.name)
