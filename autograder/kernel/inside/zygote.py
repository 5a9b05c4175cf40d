"""The zygote: a process that has imported the kernel's libraries once, forked into each kernel's sandbox.

    python zygote.py SOCKET --preload numpy,tensorflow,keras,ipykernel.kernelapp

Importing TensorFlow costs every kernel about 5 s of CPU, more than most notebooks' cells. The
grader starts one zygote (autograder/kernel/zygote.py) with exactly the environment its kernels
get, and asks it, for each kernel, to fork a process into a sandbox that bwrap has made around
anchor.py (sandbox.py). It listens on SOCKET (in a folder only root can enter) and stops when its
stdin closes: the grading process that started it is gone.

It runs as root, outside any sandbox, and never runs student code. For a request it opens the
anchor's namespaces (mount, PID, network, IPC, UTS, cgroup) and root folder, refuses a process
that is no anchor or shares a namespace with the grader, and forks a waiter, which enters them
and forks the kernel's process. That process drops to the kernel's uid, every capability
and privilege, and the limits, as setpriv and prlimit would, and only then runs the script it was
given, as `python script args` would. The waiter hands the kernel's exit status to the anchor.

Imports nothing from the autograder package: the process it forks becomes the student's kernel.
"""
import argparse
import ctypes
import importlib
import json
import os
import resource
import runpy
import select
import signal
import socket
import sys
import traceback

from anchor import NAME as ANCHOR_NAME  # next to this file

NAMESPACES = ("ipc", "uts", "net", "cgroup", "pid", "mnt")
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT = 1, 4, 24, 38, 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
LINUX_CAPABILITY_VERSION_3 = 0x20080522
LIMITS = {"memory_bytes": resource.RLIMIT_AS, "processes": resource.RLIMIT_NPROC, "file_bytes": resource.RLIMIT_FSIZE,
          "open_files": resource.RLIMIT_NOFILE, "core_bytes": resource.RLIMIT_CORE}
MAX_REQUEST_BYTES = 2**20

_libc = ctypes.CDLL(None, use_errno=True)


def _call(function, *args):
    if function(*args) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{function.__name__}: {os.strerror(error)}")


def prctl(option, value=0):
    _call(_libc.prctl, option, ctypes.c_ulong(value), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))


def listen(path):
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(path)
    listener.listen(64)
    return listener


def serve(listener):
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # waiters are reaped at once
    while True:
        ready, _, _ = select.select([listener, sys.stdin], [], [])
        if sys.stdin in ready:
            return  # EOF (or anything): the grading process that owns this zygote is gone
        connection, _ = listener.accept()
        with connection:
            sandbox = None
            try:
                request = json.loads(connection.recv(MAX_REQUEST_BYTES))
                sandbox = Sandbox(int(request["anchor"]))
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:
                    listener.close()
                    connection.close()
                    _run_child(_waiter, sandbox, request)
                reply = {"pid": pid}
            except Exception as error:  # a bad request, no sandbox, no fork: said to the requester, the zygote goes on
                reply = {"error": f"{type(error).__name__}: {error}"}
            finally:
                if sandbox:  # the waiter has its own copies
                    sandbox.close()
            connection.send(json.dumps(reply).encode())


class Sandbox:
    """Handles on the sandbox whose PID 1 is the anchor `pid` (host pid): its stdin, its output, its root
    folder and its namespaces. Once opened they stay that sandbox's, even if the anchor dies now; checked to
    be an anchor's and none of them the host's (bwrap unshares each; cgroup where the kernel allows), so a
    kernel never runs in the grader's namespaces."""

    def __init__(self, pid):
        proc = f"/proc/{pid}"
        self.status = os.open(f"{proc}/fd/0", os.O_WRONLY)  # the anchor's stdin: a pipe
        self.output = os.open(f"{proc}/fd/1", os.O_WRONLY)  # bwrap's stdout, which the grader reads
        self.root = os.open(f"{proc}/root", os.O_RDONLY | os.O_DIRECTORY)
        self.namespaces = [os.open(f"{proc}/ns/{name}", os.O_RDONLY) for name in NAMESPACES]
        with open(f"{proc}/comm") as comm:
            if comm.read().strip() != ANCHOR_NAME:
                self.close()
                raise RuntimeError(f"process {pid} is not a sandbox's anchor")
        for name, namespace in zip(NAMESPACES, self.namespaces):
            if name != "cgroup" and os.fstat(namespace).st_ino == os.stat(f"/proc/self/ns/{name}").st_ino:
                self.close()
                raise RuntimeError(f"process {pid} shares the grader's {name} namespace")

    def close(self):
        for fd in (self.status, self.output, self.root, *self.namespaces):
            try:
                os.close(fd)
            except OSError:
                pass


def _run_child(function, *args):
    """Runs `function` in a forked child, which never returns into the zygote's loop."""
    code = 1
    try:
        code = function(*args)
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else 0 if exit.code is None else 1
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _waiter(sandbox, request):
    """Enters the sandbox, forks the kernel's process there, and passes on its exit status."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # dies with the zygote
    for namespace in sandbox.namespaces:
        _call(_libc.setns, namespace, 0)
    os.fchdir(sandbox.root)
    os.chroot(".")
    status, output = sandbox.status, sandbox.output
    for fd in (sandbox.root, *sandbox.namespaces):
        os.close(fd)
    pid = os.fork()  # the first process of this PID namespace after the anchor
    if pid == 0:
        os.close(status)
        _run_child(_kernel, request, output)
    os.close(output)
    _, wait_status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(wait_status)
    try:
        os.write(status, f"{128 - code if code < 0 else code}\n".encode())
    except OSError:
        pass  # the sandbox is already gone
    return 0


def _kernel(request, output):
    """Becomes the kernel's process: uid, capabilities, limits, environment, folder; then runs the script."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.dup2(os.open("/dev/null", os.O_RDONLY), 0)
    os.closerange(3, resource.getrlimit(resource.RLIMIT_NOFILE)[0])  # the zygote's socket and files
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # dies with its waiter
    os.setsid()  # no terminal to push input into
    os.chdir(request["cwd"])
    drop_privileges(int(request["uid"]))
    for name, value in request["limits"].items():  # after the switch: a process that is not root cannot raise them
        resource.setrlimit(LIMITS[name], (value, value))
    os.environ.clear()
    os.environ.update(request["environment"])
    if "numpy" in sys.modules:  # its global generator was seeded once, in the zygote; a new process reseeds
        sys.modules["numpy"].random.seed()
    script = request["argv"][0]
    sys.argv = list(request["argv"])
    sys.path[0] = os.path.dirname(script)
    runpy.run_path(script, run_name="__main__")
    return 0


def drop_privileges(uid):
    """As `setpriv --reuid --regid --clear-groups --inh-caps=-all --bounding-set=-all --no-new-privs`: checked after."""
    with open("/proc/sys/kernel/cap_last_cap") as handle:
        last_capability = int(handle.read())
    for capability in range(last_capability + 1):
        prctl(PR_CAPBSET_DROP, capability)
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)  # clears the permitted and effective capabilities
    header = (ctypes.c_uint32 * 2)(LINUX_CAPABILITY_VERSION_3, 0)
    _call(_libc.capset, header, (ctypes.c_uint32 * 6)())  # and the inheritable ones
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    prctl(PR_SET_DUMPABLE, 1)  # as after an exec: the process may read its own /proc entries
    with open("/proc/self/status") as handle:
        status = dict(line.split(":", 1) for line in handle.read().splitlines() if ":" in line)
    expected = {"Uid": [str(uid)] * 4, "Gid": [str(uid)] * 4, "Groups": [], "NoNewPrivs": ["1"],
                **{name: ["0" * 16] for name in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")}}
    wrong = {name: status.get(name) for name, values in expected.items() if status.get(name, "").split() != values}
    if wrong:
        raise RuntimeError(f"privileges not dropped: {wrong}")


def main():
    parser = argparse.ArgumentParser(prog="zygote.py")
    parser.add_argument("socket")
    parser.add_argument("--preload", default="", help="comma-separated modules to import once, before forking")
    args = parser.parse_args()
    listener = listen(args.socket)  # first: requests wait in its backlog while the libraries load
    for name in filter(None, args.preload.split(",")):
        try:
            importlib.import_module(name)
        except ImportError:
            pass  # the kernel's own import will report it
    serve(listener)


if __name__ == "__main__":
    main()
