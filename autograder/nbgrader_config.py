"""nbgrader configuration of the course; loaded by autograder.course (repository root as course root)."""
from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties, CheckCellMetadata, ClearHiddenTests, GetGrades,
    IgnorePattern, LimitOutput, SaveAutoGrades,
)

from autograder.execute import GuardedExecute
from autograder.preprocessors import StderrToStdout, TrimTestTracebacks

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

c.CourseDirectory.course_id = "keras-customization"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# A test cell that trains a small model on CPU needs more than nbgrader's 30 s default.
c.Execute.timeout = 180

# A student who deletes a test cell gets it back instead of silently losing its points.
c.OverwriteCells.add_missing_cells = True

# Student code runs in a sandboxed, limited kernel, and graded tests run in a restored
# environment (autograder/execute.py, kernel_manager.py, sandbox.py, kernel_guard.py).
c.Autograde.autograde_preprocessors = [
    GuardedExecute,
    StderrToStdout,  # warnings and TF logs are not failures; see autograder/preprocessors.py
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]

# Feedback shows what passed and failed, with messages, but not the hidden tests' code
# (`python -m autograder grade --show-hidden` keeps both; see autograder/grading.py).
c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, TrimTestTracebacks, CSSHTMLHeaderPreprocessor]
# Outputs are the student's: a script in one would run in whoever opens the feedback (the instructor too).
c.HTMLExporter.sanitize_html = True
