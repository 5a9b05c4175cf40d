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
exhausts that student's own limit. bwrap runs as root (it mounts without a user namespace);
inside, setpriv switches to the leased uid, drops every capability and sets no_new_privs, then
prlimit sets the limits (autograder/limits.py), and only then does the kernel start: it holds no
privilege at all, and no process it starts can raise a limit.
"""
import fcntl
import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

BWRAP = "bwrap"
SETPRIV = "setpriv"
PRLIMIT = "prlimit"
# Leased kernel uids: outside the ranges Debian gives to system and human users (0-59999,
# 65534) and to subordinate ids (100000-165535 by default); no passwd entry is needed.
UID_RANGE = range(300_000, 301_000)
UID_LOCKS = Path("/run/lock/autograder-sandbox-uids")  # a lock file per uid; held while a kernel uses it
# Where the files of autograder/kernel/inside/ are bound in the sandbox.
LAUNCHER_DIR = "/opt/grader"
# /etc files a Python kernel with TensorFlow and matplotlib needs; the rest of /etc stays hidden.
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "nsswitch.conf", "hosts", "fonts", "mime.types")


def prlimit(limits):
    """The limits (autograder/limits.py) as a prlimit command prefix, run after the switch to the kernel's
    uid: RLIMIT_NPROC binds no root process, and a process that is not root can lower its limits but
    never raise them."""
    return [PRLIMIT, f"--as={limits.memory_bytes}", f"--nproc={limits.processes}", f"--fsize={limits.file_bytes}",
            f"--nofile={limits.open_files}", "--core=0", "--"]


class SandboxUnavailable(RuntimeError):
    """No working bubblewrap sandbox on this machine; the message says why and what to do."""


@functools.cache
def problem():
    """Why kernels cannot be sandboxed here (a sentence for the instructor), or None when they can."""
    if not sys.platform.startswith("linux"):
        return f"the sandbox needs Linux (bubblewrap and namespaces); this machine runs {sys.platform}"
    for tool, package in ((BWRAP, "bubblewrap"), (SETPRIV, "util-linux"), (PRLIMIT, "util-linux")):
        if not shutil.which(tool):
            return f"`{tool}` is not installed: install Debian's {package} package (`make system-deps` does)"
    if os.geteuid() != 0:
        return ("the sandbox runs each kernel under a uid of its own, which takes root: "
                "run the grading as root (e.g. with sudo or in a container)")
    probe = [BWRAP, *_namespace_options(), *_system_mounts(), "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
             "--cap-add", "CAP_SETPCAP", "--", *_drop_privileges(UID_RANGE[-1]), "/usr/bin/true"]
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
        if self._handle:
            self._handle.close()
            self._handle = None


def command(inner, uid, workdir, sockets, extra_files, limits):
    """The bwrap command line that runs `inner` (a list) in the sandbox as `uid`, under `limits`.

    `workdir` (the kernel's working folder: a tmpfs holding its files, read-only) and `sockets` (its ZMQ
    socket folder, bound read-write) keep their paths; `extra_files` maps files to bind read-only,
    {inside: outside}.
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
    for inside, outside in extra_files.items():
        argv += _parents(inside) + ["--ro-bind", str(outside), inside]
    # The working folder is a size-capped tmpfs too, not the host's disk: a kernel cannot fill the
    # disk however many files it writes. The submission's data files are bound into it read-only.
    argv += _parents(str(workdir)) + ["--perms", "1777", "--size", str(limits.tmp_bytes), "--tmpfs", str(workdir)]
    for path in sorted(Path(workdir).iterdir()):
        argv += ["--ro-bind", str(path), str(path)]
    argv += _parents(str(sockets)) + ["--bind", str(sockets), str(sockets)]
    argv += ["--chdir", str(workdir), "--clearenv"]
    for name, value in {**_environment(), **limits.thread_environment()}.items():
        argv += ["--setenv", name, value]
    # Kept only long enough for setpriv to switch to `uid`; dropped before the kernel starts.
    argv += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP"]
    return argv + ["--", *_drop_privileges(uid), *prlimit(limits), *inner]


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


def _drop_privileges(uid):
    return [SETPRIV, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
            "--bounding-set=-all", "--no-new-privs", "--"]


def _environment():
    return {"HOME": "/tmp", "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "USER": "student",
            "LOGNAME": "student", "TF_CPP_MIN_LOG_LEVEL": "3", "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONNOUSERSITE": "1"}


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
