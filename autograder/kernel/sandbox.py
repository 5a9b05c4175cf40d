"""The sandbox around a student's kernel: bubblewrap (bwrap), one unprivileged uid per kernel.

What the kernel sees: /usr (and the /bin, /lib symlinks into it), the few /etc files the
dynamic loader and fonts need, a passwd naming its own uid, the Python environment read-only,
a private /tmp, /dev/shm and working folder (size-capped tmpfs; the submission's data files,
not its notebooks, bound read-only into the working folder) and the folder of its ZMQ sockets. Nothing else: not solutions/, not the gradebook, not
other students' folders. It has no network (its own network namespace: only a loopback
nobody listens on), its own PID namespace (it sees and can signal only its own processes, and
they all die when bwrap dies: --die-with-parent), IPC and UTS namespaces.

Why a uid per kernel: RLIMIT_NPROC (the fork-bomb limit) counts a uid's processes machine-wide
and root ignores it. Kernels graded side by side under one shared uid would starve each other;
each kernel gets a uid of its own, leased with a lock file, so one student's fork bomb only
exhausts that student's own limit. bwrap runs as root (it mounts without a user namespace).

What runs in it: bwrap makes the namespaces and the mounts around anchor.py, the sandbox's PID 1
(root, without capabilities, running no student code). The kernel's process is forked into them
by the zygote (zygote.py), which has TensorFlow imported already; it switches to the leased uid,
drops every capability and sets no_new_privs, then sets the limits (autograder/limits.py), and
only then runs the kernel: it holds no privilege at all, and no process it starts can raise a limit.
`command` and `enter` run any Python script that way (the red-team tests probe the sandbox with them).
"""
import fcntl
import functools
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psutil

from . import INSIDE, zygote

BWRAP = "bwrap"
# Leased kernel uids: outside the ranges Debian gives to system and human users (0-59999,
# 65534) and to subordinate ids (100000-165535 by default); no passwd entry is needed.
UID_RANGE = range(300_000, 301_000)
UID_LOCKS = Path("/run/lock/autograder-sandbox-uids")  # a lock file per uid; held while a kernel uses it
# Where the files of autograder/kernel/inside/ are bound in the sandbox.
LAUNCHER_DIR = "/opt/grader"
ANCHOR = f"{LAUNCHER_DIR}/anchor.py"
ANCHOR_NAME = "sandbox-anchor"  # inside/anchor.py's NAME (tests/test_limits.py checks)
ANCHOR_SECONDS = 60
RELEASE_SECONDS = 30
# /etc files a Python kernel with TensorFlow and matplotlib needs; the rest of /etc stays hidden.
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "nsswitch.conf", "hosts", "fonts", "mime.types")


def kernel_limits(limits):
    """The limits (autograder/limits.py) the zygote sets on the kernel's process, after the switch to its
    uid: RLIMIT_NPROC binds no root process, and a process that is not root can lower its limits but
    never raise them."""
    return {"memory_bytes": limits.memory_bytes, "processes": limits.processes, "file_bytes": limits.file_bytes,
            "open_files": limits.open_files, "core_bytes": 0}


class SandboxUnavailable(RuntimeError):
    """No working bubblewrap sandbox on this machine; the message says why and what to do."""


@functools.cache
def problem():
    """Why kernels cannot be sandboxed here (a sentence for the instructor), or None when they can."""
    if not sys.platform.startswith("linux"):
        return f"the sandbox needs Linux (bubblewrap and namespaces); this machine runs {sys.platform}"
    if not shutil.which(BWRAP):
        return f"`{BWRAP}` is not installed: install Debian's bubblewrap package (`make system-deps` does)"
    if os.geteuid() != 0:
        return ("the sandbox runs each kernel under a uid of its own, which takes root: "
                "run the grading as root (e.g. with sudo or in a container)")
    probe = [BWRAP, *_namespace_options(), *_system_mounts(), "--", "/usr/bin/true"]
    try:
        result = subprocess.run(probe, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bubblewrap does not run here: {error}"
    if result.returncode != 0:
        return f"bubblewrap does not work here (it may need CAP_SYS_ADMIN in a container): {result.stderr.strip()[-300:]}"
    return None


def require():
    """Raises SandboxUnavailable unless kernels can be sandboxed."""
    reason = problem()
    if reason:
        raise SandboxUnavailable(reason)


class UidLease:
    """A kernel uid held by this process (a lock on a file per uid) until released or the process dies."""

    def __init__(self):
        UID_LOCKS.mkdir(parents=True, exist_ok=True, mode=0o700)
        for uid in UID_RANGE:
            handle = open(UID_LOCKS / str(uid), "w")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            self.uid, self._handle = uid, handle
            return
        raise SandboxUnavailable(f"all {len(UID_RANGE)} sandbox uids are in use")

    def release(self):
        """Frees the uid for another kernel once no process of it is left. One still dying (killed with its
        sandbox, not yet reaped) would count toward the next kernel's process limit, and that kernel's
        stop_strays would take it for the kernel. A uid whose processes outlive RELEASE_SECONDS stays
        held until this process exits."""
        if not self._handle:
            return
        deadline = time.monotonic() + RELEASE_SECONDS
        while left := processes_of(self.uid):
            if time.monotonic() > deadline:
                _never_released.append(self._handle)
                self._handle = None
                return
            for process in left:
                try:
                    process.kill()
                except psutil.Error:
                    pass
            time.sleep(0.02)
        self._handle.close()
        self._handle = None


_never_released = []  # lock files of uids whose processes would not die: held while this process lives


def processes_of(uid):
    """The processes (psutil) running as `uid`, zombies included."""
    return [p for p in psutil.process_iter(["uids", "create_time"]) if p.info["uids"] and p.info["uids"].real == uid]


def command(workdir, sockets, extra_files, limits):
    """The bwrap command line that makes a sandbox around anchor.py, for a kernel under `limits`.

    `workdir` (the kernel's working folder: a tmpfs holding its files, read-only) and `sockets` (its ZMQ
    socket folder, bound read-write) keep their paths; `extra_files` maps files to bind read-only,
    {inside: outside}. Start it with a stdin pipe, then `enter` it.
    """
    python_trees = sorted({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix,
                                                        os.path.dirname(os.path.realpath(sys.executable)))})
    argv = [BWRAP, *_namespace_options(), *_system_mounts()]
    argv += ["--perms", "1777", "--size", str(limits.tmp_bytes), "--tmpfs", "/tmp"]
    argv += ["--perms", "1777", "--size", str(limits.tmp_bytes), "--tmpfs", "/dev/shm"]
    for tree in _outermost(python_trees):
        argv += _parents(tree) + ["--ro-bind", tree, tree]
    for link in {sys.prefix, sys.exec_prefix}:  # a virtual environment may be a symlink to its tree
        if os.path.islink(link):
            argv += _parents(link) + ["--symlink", os.path.realpath(link), link]
    for inside, outside in {ANCHOR: INSIDE / "anchor.py", **extra_files}.items():
        argv += _parents(inside) + ["--ro-bind", str(outside), inside]
    # The working folder is a size-capped tmpfs too, not the host's disk: a kernel cannot fill the
    # disk however many files it writes. The submission's data files are bound into it read-only.
    argv += _parents(str(workdir)) + ["--perms", "1777", "--size", str(limits.tmp_bytes), "--tmpfs", str(workdir)]
    for path in sorted(Path(workdir).iterdir()):
        argv += ["--ro-bind", str(path), str(path)]
    argv += _parents(str(sockets)) + ["--bind", str(sockets), str(sockets)]
    argv += ["--chdir", str(workdir), "--clearenv"]
    for name, value in environment(limits).items():
        argv += ["--setenv", name, value]
    # The anchor is PID 1 (it reaps the kernel's orphans). As root, bwrap would leave it nearly every
    # capability; it needs none.
    return argv + ["--cap-drop", "ALL", "--as-pid-1", "--", sys.executable, "-I", "-S", ANCHOR]


def environment(limits):
    """The whole environment of a sandboxed kernel (and of the zygote it is forked from)."""
    return {"HOME": "/tmp", "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "USER": "student",
            "LOGNAME": "student", "TF_CPP_MIN_LOG_LEVEL": "3", "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONNOUSERSITE": "1", **limits.thread_environment()}


def anchor_pid(process, timeout):
    """The host pid of the anchor in the sandbox bwrap `process` (a Popen) makes, once it runs; None if bwrap
    exited or `timeout` seconds passed."""
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        try:
            for child in psutil.Process(process.pid).children():
                if child.name() == ANCHOR_NAME:  # named once it is ready (inside/anchor.py)
                    return child.pid
        except psutil.Error:
            pass
        time.sleep(0.01)
    return None


def enter(process, uid, workdir, limits, argv):
    """Runs `argv` (a Python script in the sandbox and its arguments) as `uid` in the sandbox that bwrap
    `process` (a Popen of `command`, with a stdin pipe) makes: the zygote forks it there. bwrap's exit
    status becomes the script's. Raises ZygoteError, bwrap killed, if it cannot."""
    try:
        anchor = anchor_pid(process, ANCHOR_SECONDS)
        if anchor is None:
            raise zygote.ZygoteError(f"the sandbox did not start (bwrap exited with status {process.poll()})")
        zygote.for_environment(environment(limits)).fork(anchor, uid, workdir, kernel_limits(limits), argv)
    except BaseException:
        process.kill()
        process.wait()
        raise


def _namespace_options():
    # No user namespace: as root, bwrap mounts directly, and the kernel's uid stays a real one,
    # which RLIMIT_NPROC needs. --new-session: a kernel cannot push input into a terminal.
    return ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--hostname", "sandbox"]


def _system_mounts():
    argv = []
    for top in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            argv += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            argv += ["--ro-bind", top, top]
    argv += ["--perms", "0755", "--dir", "/etc"]
    for name in ETC_FILES:
        argv += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    return argv + ["--proc", "/proc", "--dev", "/dev"]


def _parents(path):
    """`--dir` for each ancestor of `path`, world-traversable: bwrap would create them 0700, closed to the kernel's uid."""
    argv, current = [], Path(path)
    for parent in reversed([current, *current.parents][1:]):
        if str(parent) not in ("/", "/tmp"):
            argv += ["--perms", "0755", "--dir", str(parent)]
    return argv


def _outermost(paths):
    """The paths not inside another of `paths` (binding both would shadow the inner mount)."""
    return [p for p in paths if not any(p != q and p.startswith(q.rstrip("/") + "/") for q in paths)]
