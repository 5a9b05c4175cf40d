"""One grading job, run as its own process: autograde one student and write their feedback.

A process per student lets the batch kill a runaway submission with everything it started and
cap its memory, without touching the other students' jobs. The kernel it starts is sandboxed
(autograder/sandbox.py); what happened while grading (autograder/incidents.py) goes back to the
batch as the last line of its stdout. The batch starts workers ahead of
need: a worker imports nbgrader, then waits for its student id on stdin, so that start-up time
overlaps with other grading instead of adding to each submission's.
"""
import argparse
import resource
import sys

from . import incidents
from .grading import Course, GradingError


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder.worker")
    parser.add_argument("root")
    parser.add_argument("assignment")
    parser.add_argument("--db")
    parser.add_argument("--show-hidden", action="store_true")
    parser.add_argument("--cell-timeout", type=int)
    parser.add_argument("--memory-bytes", type=int, default=0, help="address-space cap of this worker and of the kernel")
    parser.add_argument("--kernel-seconds", type=float, default=0, help="wall-clock life of the kernel")
    parser.add_argument("--kernel-threads", type=int, default=0, help="CPU threads of the kernel (0: one per core)")
    parser.add_argument("--unsandboxed", action="store_true", help="run the kernel without the sandbox")
    args = parser.parse_args(argv)
    if args.memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (args.memory_bytes, args.memory_bytes))
    course = Course(args.root, args.assignment, db_url=args.db, show_hidden=args.show_hidden,
                    cell_timeout=args.cell_timeout, sandboxed=not args.unsandboxed,
                    memory_bytes=args.memory_bytes, kernel_seconds=args.kernel_seconds,
                    kernel_threads=args.kernel_threads)
    student = sys.stdin.readline().strip()
    if not student:
        return  # the batch ended before this spare worker was needed
    try:
        course.autograde(student)
        course.feedback(student)
    except GradingError as error:
        print(error, file=sys.stderr)
        sys.exit(2)
    print(incidents.to_line(incidents.LOG.drain()))  # what happened while grading, for the status


if __name__ == "__main__":
    main()
