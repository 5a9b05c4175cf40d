"""PID 1 of a kernel's sandbox: holds the sandbox's namespaces until the kernel exits, then exits with its status.

    python -I -S anchor.py      (run by bwrap --as-pid-1 as the sandbox's command: sandbox.py)

The kernel's process is not started by bwrap: the zygote (zygote.py) forks it into this
process's namespaces, so that it need not import TensorFlow again. As the sandbox's PID 1, this
process reaps what the kernel leaves orphaned, and when it exits, every process left in the
sandbox is killed. The zygote's waiter writes the kernel's exit status to this process's stdin,
a pipe of its own (bwrap's status code: 128 + N for a kernel killed by signal N); it becomes
bwrap's exit status. The process is named NAME once that pipe is in place: the grader waits for it.
Imports nothing from the autograder package, and no site packages (-S).
"""
import os
import signal
import sys

NAME = "sandbox-anchor"


def main():
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # orphans are reaped by the kernel at once, never left as zombies
    status, writer = os.pipe()  # this process keeps the writing end: no end of file before the status arrives
    os.dup2(status, 0)
    with open("/proc/self/comm", "w") as comm:
        comm.write(NAME)
    line = os.read(0, 64).decode().strip()
    sys.exit(int(line) if line.isdigit() else 1)


if __name__ == "__main__":
    main()
