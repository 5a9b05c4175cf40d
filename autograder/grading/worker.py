"""One grading job, run as its own process: autograde one student and write their feedback.

A process per student lets the batch kill a runaway submission with everything it started and
cap its memory, without touching the other students' jobs. The kernel it starts is sandboxed
(autograder/kernel/sandbox.py); what happened while grading (incidents.py) goes back to the
batch as the last line of its stdout. The batch starts workers ahead of need: a worker imports
nbgrader, then waits for its job (job.py) on stdin, so that start-up time overlaps with other
grading instead of adding to each submission's.
"""
import resource
import sys

from ..course import Course, GradingError
from . import incidents
from .job import Job


def main():
    line = sys.stdin.readline()
    if not line.strip():
        return  # the batch ended before this spare worker was needed
    job = Job.from_line(line)
    memory = job.limits.memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    course = Course(job.root, job.assignment, db_url=job.db_url, show_hidden=job.show_hidden, limits=job.limits,
                    sandboxed=job.sandboxed, seed=job.seed)
    try:
        course.autograde(job.student)
        course.feedback(job.student)
    except GradingError as error:
        print(error, file=sys.stderr)
        sys.exit(2)
    print(incidents.to_line(incidents.LOG.drain()))  # what happened while grading, for the status


if __name__ == "__main__":
    main()
