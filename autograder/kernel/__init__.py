"""A student's kernel, as the grader starts and watches it (in the worker process). `inside/` holds the
files that become the sandboxed kernel's processes (the zygote they are forked from among them); they
import nothing from the autograder package."""
from pathlib import Path

INSIDE = Path(__file__).resolve().parent / "inside"
