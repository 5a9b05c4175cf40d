"""An nbgrader course directory holding one assignment: set it up, take submissions, autograde, read scores.

The course's nbgrader configuration is autograder/nbgrader_config.py; `Course` binds it to a
directory (a temporary one for a release, the output folder's `course/` for grading).
"""
import os
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

import nbformat
import sqlalchemy
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import GetGrades
from traitlets.config.loader import PyFileConfigLoader

from . import cells, repo
from .authoring.inline import write_release_source
from .kernel import sandbox
from .limits import Limits

SCHEMA_LOCK = 7263  # PostgreSQL advisory lock key: any fixed number, one lock per course database

# TensorFlow's C++ start-up logs are noise in every kernel nbgrader starts from here.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# nbgrader runs the `alembic` command of its environment: find it even when the venv is not activated.
os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


class GradingError(RuntimeError):
    """nbgrader could not process a submission; the message carries its log."""


def nbgrader_api(root, **overrides):
    """An NbGraderAPI for the course directory `root`; `overrides` are `{"Class": {"trait": value}}`."""
    config = PyFileConfigLoader("nbgrader_config.py", path=str(Path(__file__).parent)).load_config()
    config.CourseDirectory.root = str(Path(root).resolve())
    for section, values in overrides.items():
        for trait, value in values.items():
            config[section][trait] = value
    return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)


def parts(assignment):
    """`{grade_id: points}` of every graded cell of `assignment`, in notebook order."""
    return {cells.grade_id(cell): cells.points(cell)
            for name in repo.notebook_names(assignment)
            for cell in nbformat.read(repo.SOLUTIONS / assignment / f"{name}.ipynb", as_version=4).cells
            if cells.is_graded(cell)}


def has_hidden_tests(assignment):
    return (repo.SOLUTIONS / assignment / repo.HIDDEN_TESTS).is_file()


class Course:
    """An nbgrader course directory at `root` holding `assignment` from solutions/.

    `db_url` puts the gradebook elsewhere than `root`/gradebook.db (e.g. PostgreSQL);
    `show_hidden` keeps full tracebacks in the feedback. Student code runs in the sandbox of
    autograder/kernel/sandbox.py (SandboxUnavailable when there is none) unless `sandboxed` is
    False, under `limits`. `seed` draws the inputs of the hidden tests (default: from the student id).
    """

    def __init__(self, root, assignment, db_url=None, show_hidden=False, limits=Limits(), sandboxed=True, seed=""):
        self.root, self.assignment, self.sandboxed, self.db_url = Path(root), assignment, sandboxed, db_url
        if sandboxed:
            sandbox.require()
        hidden_tests = self.root / "solutions" / assignment / repo.HIDDEN_TESTS  # the copy `generate` makes
        overrides = {"Execute": {"timeout": limits.cell_seconds},
                     "GuardedExecute": {"sandboxed": sandboxed, "limits": limits.to_dict(), "seed": seed,
                                        "hidden_tests": str(hidden_tests) if has_hidden_tests(assignment) else ""}}
        if db_url:
            overrides["CourseDirectory"] = {"db_url": db_url}
        if show_hidden:
            overrides["GenerateFeedback"] = {"preprocessors": [GetGrades, CSSHTMLHeaderPreprocessor]}
        self.api = nbgrader_api(self.root, **overrides)

    def generate(self):
        """Puts solutions/<assignment>, with the checks and badge inlined, in as the nbgrader source,
        generates the student version and records the assignment in the gradebook."""
        write_release_source(self.assignment, self.root / "solutions" / self.assignment)
        with self._schema_lock():
            self._check(self.api.generate_assignment(self.assignment, force=True, create=True), "generate_assignment")
        return self

    @contextmanager
    def _schema_lock(self):
        """Holds a PostgreSQL advisory lock while nbgrader creates or updates the gradebook's tables.

        Shards that start together on several machines would otherwise create the same tables at
        once, and PostgreSQL refuses the second creation (a unique violation in pg_type).
        """
        if not (self.db_url or "").startswith("postgresql"):
            yield
            return
        engine = sqlalchemy.create_engine(self.db_url)
        try:
            with engine.connect() as connection:
                connection.execute(sqlalchemy.text(f"SELECT pg_advisory_lock({SCHEMA_LOCK})"))
                try:
                    yield
                finally:
                    connection.execute(sqlalchemy.text(f"SELECT pg_advisory_unlock({SCHEMA_LOCK})"))
        finally:
            engine.dispose()

    def notebook_names(self):
        return repo.notebook_names(self.assignment)

    def parts(self):
        return parts(self.assignment)

    def released_folder(self):
        """The student version generated by `generate`."""
        return self.root / "exercises" / self.assignment

    def released_notebook(self, name):
        return nbformat.read(self.released_folder() / f"{name}.ipynb", as_version=4)

    def submitted_folder(self, student):
        return self.root / "submitted" / student / self.assignment

    def feedback_files(self, student):
        return sorted((self.root / "feedback" / student / self.assignment).glob("*.html"))

    def submit(self, student, notebooks):
        """Places `{notebook name: NotebookNode}` where nbgrader looks for `student`'s submission."""
        folder = self.submitted_folder(student)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for name, notebook in notebooks.items():
            nbformat.write(notebook, folder / f"{name}.ipynb")

    def autograde(self, student):
        self._check(self.api.autograde(self.assignment, student, force=True, create=True), f"autograde {student}")

    def feedback(self, student):
        """Writes the feedback HTML of `student` and returns the paths of the files."""
        self._check(self.api.generate_feedback(self.assignment, student, force=True), f"generate_feedback {student}")
        return self.feedback_files(student)

    def scores(self, student):
        """`{grade_id: (score, max_score)}` of every graded cell in `student`'s submission."""
        with Gradebook(self.api.coursedir.db_url, self.api.coursedir.course_id) as gradebook:
            submission = gradebook.find_submission(self.assignment, student)
            return {grade.name: (grade.score, grade.max_score)
                    for notebook in submission.notebooks for grade in notebook.grades}

    def _check(self, result, what):
        if not result["success"]:
            raise GradingError(f"nbgrader {what} failed for {self.assignment}:\n{result.get('error', '')}\n{result['log']}")
