"""Starts a student's Jupyter kernel: output limit, the libraries, the hidden tests' probe, the guard, the kernel.

    python launch.py [--output-bytes N] [--preload numpy,tensorflow,keras] [--no-guard] -- KERNEL ARGS

Runs as the kernel's own process (in the sandbox: already switched to its uid and limited by
autograder/kernel/sandbox.py), so it imports nothing from the autograder package: the sandbox
binds the files of this folder, alone, into /opt/grader. The preloaded libraries are imported
before the guard records them (see guard.py) and before any cell runs; the notebook's
setup cell then finds them already imported.
"""
import argparse
import collections
import importlib
import os
import signal
import sys

import guard  # next to this file, found before main() takes this folder off sys.path
import probe

OUTPUT_MESSAGES = {"stream", "display_data", "execute_result", "update_display_data", "error"}


def limit_output(session, cell_bytes):
    """Keeps the kernel's output messages small, and stops sending a cell's output far past the grader's cap.

    The grader refuses any ZMQ message over 16 MiB (autograder/kernel/manager.py), and a refused
    message takes the cell's completion with it. A cell that prints a gigabyte would send it in a
    few huge messages: here each is cut just past the grader's cap (`cell_bytes`, so the grader still
    sees the overflow and says so) and, once a cell has sent twice the cap, the rest is not sent.
    Installed before the guard records the kernel: a cell that removes it gets it back before a test.
    """
    send, sent = session.send, collections.Counter()

    def limited_send(stream, msg_or_type, *args, **kwargs):
        if isinstance(msg_or_type, dict) and msg_or_type.get("msg_type") in OUTPUT_MESSAGES:
            cell = msg_or_type.get("parent_header", {}).get("msg_id")
            if msg_or_type["msg_type"] != "error" and sent[cell] > 2 * cell_bytes:
                return None
            sent[cell] += _shorten(msg_or_type["content"], cell_bytes + 1024)
        return send(stream, msg_or_type, *args, **kwargs)

    session.send = limited_send


def _shorten(content, limit):
    """Cuts the text of an output message to about `limit` characters; returns its size after."""
    if "text" in content:
        content["text"] = str(content["text"])[:limit]
        return len(content["text"])
    if "traceback" in content:
        content["traceback"] = [str(line)[:limit // 64] for line in content["traceback"][-64:]]
        content["evalue"] = str(content.get("evalue", ""))[:limit // 64]
        return sum(map(len, content["traceback"]))
    size = sum(len(str(value)) for value in content.get("data", {}).values())
    if size > limit:
        content["data"] = {"text/plain": f"[grader: a display of {size} characters was dropped: over the output limit]"}
        content["metadata"] = {}
    return min(size, limit)


def main(argv=None):
    # Python put this file's folder first on sys.path; student code has no business importing from it.
    if sys.path and sys.path[0] == os.path.dirname(os.path.abspath(__file__)):
        sys.path.pop(0)
    argv = sys.argv[1:] if argv is None else argv
    split = argv.index("--") if "--" in argv else len(argv)
    parser = argparse.ArgumentParser(prog="launch.py")
    parser.add_argument("--output-bytes", type=int, default=0, help="the grader's output cap per cell")
    parser.add_argument("--preload", default="", help="comma-separated modules to import before the guard records")
    parser.add_argument("--no-guard", action="store_true")
    args = parser.parse_args(argv[:split])
    # Past the sandbox's RLIMIT_FSIZE a write fails (OSError) instead of killing the kernel (SIGXFSZ).
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize(argv[split + 1:])
    if args.output_bytes:
        limit_output(app.session, args.output_bytes)
    for name in filter(None, args.preload.split(",")):
        try:
            importlib.import_module(name)
        except ImportError:
            pass  # the notebook's own import will report it
    probe.install(app.shell)
    if not args.no_guard:
        guard.install(app.shell, app.kernel)
    app.start()


if __name__ == "__main__":
    main()
