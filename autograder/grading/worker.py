"""One grading job, run as its own process: autograde one student and write their feedback.

A process per student lets the batch kill a runaway submission with everything it started and
cap its memory, without touching the other students' jobs. The kernel it starts is sandboxed
(autograder/kernel/sandbox.py); what happened while grading (incidents.py) goes back to the
batch as the last line of its stdout. The batch starts workers ahead of need: a worker imports
nbgrader and, given `--warm JOB` (a job line with the batch's settings), starts its kernel
(kernel/warm.py), then waits for its job (job.py) on stdin, so that start-up time overlaps with
other grading instead of adding to each submission's.
"""
import resource
import sys

from ..course import Course, GradingError
from ..kernel import warm
from . import incidents, stages
from .job import Job


def main():
    warm_job = Job.from_line(sys.argv[sys.argv.index("--warm") + 1]) if "--warm" in sys.argv else None
    if warm_job:  # the kernel starts while this worker waits for its job (kernel/warm.py)
        set_memory_limit(warm_job.limits)
        started = warm.start_in_background(warm_job.limits, warm_job.sandboxed)
    line = sys.stdin.readline()
    if not line.strip():
        return  # the batch ended before this spare worker was needed (a warm kernel dies with this process)
    job = Job.from_line(line)
    set_memory_limit(job.limits)
    if warm_job:
        with stages.timed("warm kernel wait"):
            started.wait()  # a kernel that failed to start is not taken: GuardedExecute starts one
    course = Course(job.root, job.assignment, db_url=job.db_url, show_hidden=job.show_hidden, limits=job.limits,
                    sandboxed=job.sandboxed, seed=job.seed)
    try:
        with stages.timed("autograde"):
            course.autograde(job.student)
        with stages.timed("feedback"):
            course.feedback(job.student)
    except GradingError as error:
        print(error, file=sys.stderr)
        sys.exit(2)
    print(stages.to_line())
    print(incidents.to_line(incidents.LOG.drain()))  # what happened while grading, for the status


def set_memory_limit(limits):
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))


if __name__ == "__main__":
    main()
