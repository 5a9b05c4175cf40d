"""Grading with nbgrader in a course directory: set up the assignment, take submissions, autograde, read scores."""
import shutil
from contextlib import contextmanager
from pathlib import Path

import nbformat
import sqlalchemy
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.api import Gradebook
from nbgrader.preprocessors import GetGrades

from .course import SOLUTIONS, nbgrader_api

SCHEMA_LOCK = 7263  # PostgreSQL advisory lock key: any fixed number, one lock per course database


class GradingError(RuntimeError):
    """nbgrader could not process a submission; the message carries its log."""


class Course:
    """An nbgrader course directory at `root` holding one assignment from solutions/.

    `db_url` puts the gradebook elsewhere than `root`/gradebook.db (e.g. PostgreSQL);
    `show_hidden` keeps hidden tests and full tracebacks in the feedback.
    """

    def __init__(self, root, assignment, db_url=None, show_hidden=False, cell_timeout=None):
        self.root, self.assignment, self.db_url = Path(root), assignment, db_url
        overrides = {"CourseDirectory": {}, "GenerateFeedback": {}, "Execute": {}}
        if db_url:
            overrides["CourseDirectory"]["db_url"] = db_url
        if show_hidden:
            overrides["GenerateFeedback"]["preprocessors"] = [GetGrades, CSSHTMLHeaderPreprocessor]
        if cell_timeout:
            overrides["Execute"]["timeout"] = cell_timeout
        self.api = nbgrader_api(self.root, **overrides)

    def generate(self):
        """Copies solutions/<assignment> in as the nbgrader source and records it in the gradebook."""
        source = self.root / "solutions" / self.assignment
        if source.exists():
            shutil.rmtree(source)
        shutil.copytree(SOLUTIONS / self.assignment, source, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
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

    @staticmethod
    def notebook_names_of(assignment):
        return sorted(p.stem for p in (SOLUTIONS / assignment).glob("*.ipynb"))

    @staticmethod
    def parts_of(assignment):
        """`{grade_id: points}` of every graded cell of `assignment`, in notebook order."""
        return {cell.metadata.nbgrader["grade_id"]: cell.metadata.nbgrader["points"]
                for name in Course.notebook_names_of(assignment)
                for cell in nbformat.read(SOLUTIONS / assignment / f"{name}.ipynb", as_version=4).cells
                if cell.metadata.get("nbgrader", {}).get("grade")}

    def notebook_names(self):
        return self.notebook_names_of(self.assignment)

    def parts(self):
        return self.parts_of(self.assignment)

    def submitted_folder(self, student):
        return self.root / "submitted" / student / self.assignment

    def autograded_notebooks(self, student):
        return sorted((self.root / "autograded" / student / self.assignment).glob("*.ipynb"))

    def submit(self, student, notebooks):
        """Places `{notebook name: NotebookNode}` where nbgrader looks for `student`'s submission."""
        folder = self.submitted_folder(student)
        folder.mkdir(parents=True, exist_ok=True)
        for name, notebook in notebooks.items():
            nbformat.write(notebook, folder / f"{name}.ipynb")

    def autograde(self, student):
        self._check(self.api.autograde(self.assignment, student, force=True, create=True), f"autograde {student}")

    def feedback(self, student):
        """Writes the feedback HTML of `student` and returns the paths of the files."""
        self._check(self.api.generate_feedback(self.assignment, student, force=True), f"generate_feedback {student}")
        return sorted((self.root / "feedback" / student / self.assignment).glob("*.html"))

    def scores(self, student):
        """`{grade_id: (score, max_score)}` of every graded cell in `student`'s submission."""
        with Gradebook(self.api.coursedir.db_url, self.api.coursedir.course_id) as gradebook:
            submission = gradebook.find_submission(self.assignment, student)
            return {grade.name: (grade.score, grade.max_score)
                    for notebook in submission.notebooks for grade in notebook.grades}

    def _check(self, result, what):
        if not result["success"]:
            raise GradingError(f"nbgrader {what} failed for {self.assignment}:\n{result.get('error', '')}\n{result['log']}")
