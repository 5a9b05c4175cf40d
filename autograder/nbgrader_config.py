"""nbgrader configuration of the course; loaded by autograder/course.py for each course directory."""
from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties, CheckCellMetadata, ClearHiddenTests, GetGrades,
    IgnorePattern, LimitOutput, SaveAutoGrades,
)

from autograder.kernel.execute import GuardedExecute
from autograder.kernel.preprocessors import StderrToStdout, TrimTestTracebacks
from autograder.repo import HIDDEN_TESTS

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

c.CourseDirectory.course_id = "keras-customization"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"

# The hidden tests and the reviewed mutants stay with the instructor: not in the release, not in a
# student's autograded folder.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", HIDDEN_TESTS, "equivalent_mutants.txt"]

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# A student who deletes a test cell gets it back instead of silently losing its points.
c.OverwriteCells.add_missing_cells = True

# Student code runs in a sandboxed, limited kernel, and graded tests run in a restored
# environment (autograder/kernel/: execute.py, manager.py, sandbox.py, inside/guard.py).
c.Autograde.autograde_preprocessors = [
    GuardedExecute,
    StderrToStdout,  # warnings and TF logs are not failures; see autograder/kernel/preprocessors.py
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]

# Feedback shows what passed and failed, with messages, but not the hidden tests' code
# (`python -m autograder grade --show-hidden` keeps both; see autograder/course.py).
c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, TrimTestTracebacks, CSSHTMLHeaderPreprocessor]
# Outputs are the student's: a script in one would run in whoever opens the feedback (the instructor too).
c.HTMLExporter.sanitize_html = True
