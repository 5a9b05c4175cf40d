"""The grader's side of the zygote (inside/zygote.py): starts it, and asks it for a kernel's process in a sandbox.

One zygote serves every sandboxed kernel of the processes that share it: the batch starts one
for its workers (they find it through ZYGOTE_VARIABLE), and any other grading process starts its
own when it first needs one. A zygote is started with the Python and the environment its kernels
get; a kernel whose environment differs (the thread counts are read when the libraries load) gets
a zygote of its own.
"""
import atexit
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

from . import INSIDE

ZYGOTE_VARIABLE = "AUTOGRADER_ZYGOTE"  # {"socket", "python", "environment"} of a zygote this process may use
PRELOAD = ("numpy", "tensorflow", "keras", "ipykernel.kernelapp")
REPLY_SECONDS = 300  # the first request waits for the zygote's imports


class ZygoteError(RuntimeError):
    """The zygote could not fork a kernel's process."""


class Zygote:
    def __init__(self, environment):
        self.environment = dict(environment)
        self._folder = tempfile.mkdtemp(prefix="agz-")  # 0700: only root reaches the socket
        self.socket = os.path.join(self._folder, "zygote")
        # HOME: a folder of its own, as a kernel's is (/tmp in the sandbox, private): what the libraries read or
        # write there on import (Keras' keras.json) must not come from, or go to, the host's /tmp.
        self._process = subprocess.Popen(
            [sys.executable, str(INSIDE / "zygote.py"), self.socket, "--preload", ",".join(PRELOAD)],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**self.environment, "HOME": self._folder},
            start_new_session=True)  # stops when this process is gone: its stdin closes

    def fork(self, anchor, uid, cwd, limits, argv):
        """The pid of the waiter of a new process running `argv` (a Python script and its arguments) as `uid`
        in the sandbox whose PID 1 is `anchor` (host pid), under `limits` ({inside/zygote.py LIMITS name: value})."""
        request = {"anchor": anchor, "uid": uid, "cwd": str(cwd), "limits": limits, "argv": [str(a) for a in argv],
                   "environment": self.environment}
        deadline = time.monotonic() + REPLY_SECONDS
        with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as connection:
            while True:  # the socket appears once the zygote runs; it listens before it imports
                if self._process and self._process.poll() is not None:
                    raise ZygoteError(f"the zygote exited with status {self._process.returncode}")
                try:
                    connection.connect(self.socket)
                    break
                except FileNotFoundError:
                    if time.monotonic() > deadline:
                        raise ZygoteError("the zygote did not start") from None
                    time.sleep(0.05)
                except ConnectionRefusedError:
                    raise ZygoteError("the zygote is gone (nothing listens on its socket)") from None
            connection.settimeout(max(1, deadline - time.monotonic()))
            connection.send(json.dumps(request).encode())
            reply = json.loads(connection.recv(65536) or b'{"error": "no answer"}')
        if "error" in reply:
            raise ZygoteError(f"the zygote could not fork a kernel: {reply['error']}")
        return reply["pid"]

    def variable(self):
        """The value of ZYGOTE_VARIABLE that lets a child process use this zygote."""
        return json.dumps({"socket": self.socket, "python": sys.executable, "environment": self.environment})

    def stop(self):
        if self._process:
            self._process.stdin.close()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
            self._process = None
        shutil.rmtree(self._folder, ignore_errors=True)


class _Shared(Zygote):
    """A zygote another process started (ZYGOTE_VARIABLE)."""

    def __init__(self, socket_path, environment):
        self.socket, self.environment, self._process = socket_path, dict(environment), None


_lock = threading.Lock()
_zygotes = {}  # (Python, environment's sorted items) -> Zygote


def for_environment(environment):
    """A zygote whose kernels get `environment`: the one ZYGOTE_VARIABLE names if it matches, else this process's own."""
    key = (sys.executable, tuple(sorted(environment.items())))
    with _lock:
        if key not in _zygotes:
            shared = json.loads(os.environ.get(ZYGOTE_VARIABLE) or "{}")
            if shared and (shared["python"], tuple(sorted(shared["environment"].items()))) == key:
                _zygotes[key] = _Shared(shared["socket"], shared["environment"])
            else:
                _zygotes[key] = started = Zygote(environment)
                atexit.register(started.stop)
        return _zygotes[key]
