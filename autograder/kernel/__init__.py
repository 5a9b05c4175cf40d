"""A student's kernel, as the grader starts and watches it (in the worker process). `inside/` holds the
files that run in the sandboxed kernel itself; they import nothing from the autograder package."""
