"""Finding submissions: a folder of notebooks named by student, an nbgrader `submitted/` tree, or an LMS zip.

Student ids are read from names, never guessed: a file whose name yields no valid id is reported
as unrecognised, by file name.
"""
import hashlib
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$")
# nbgrader zip_collect's convention: a regexp with named groups `student_id` and `file_id`.
# This default matches Canvas-style exports: <login>_[late_]<user id>_<file id>_<original name>.
LMS_FILE_PATTERN = r"^(?P<student_id>[A-Za-z0-9.@-]+)_(?P<late>late_)?\d+_\d+_(?P<file_id>.+)$"


@dataclass
class Submission:
    student: str
    files: dict  # notebook name (without .ipynb) -> path of the submitted file
    origin: str  # where it came from, for messages
    late: bool = False
    digest: str = field(init=False)

    def __post_init__(self):
        sha = hashlib.sha256()
        for name in sorted(self.files):
            sha.update(name.encode() + b"\0" + Path(self.files[name]).read_bytes() + b"\0")
        self.digest = sha.hexdigest()


@dataclass
class Collection:
    submissions: list
    unrecognised: list  # (file name, reason)


def collect(source, assignment, notebook_names, id_pattern=LMS_FILE_PATTERN, extract_to=None):
    """Submissions for `assignment` found at `source` (folder or .zip)."""
    source = Path(source)
    if source.is_file() and zipfile.is_zipfile(source):
        folder = Path(extract_to or tempfile.mkdtemp(prefix="submissions-"))
        with zipfile.ZipFile(source) as archive:
            archive.extractall(folder)
        return _from_lms_files(folder, notebook_names, re.compile(id_pattern))
    if not source.is_dir():
        raise FileNotFoundError(f"{source}: not a folder of submissions nor a zip file")
    nbgrader_root = source / "submitted" if (source / "submitted").is_dir() else source
    if any(nbgrader_root.glob(f"*/{assignment}")):
        return _from_nbgrader_tree(nbgrader_root, assignment)
    return _from_named_files(source, notebook_names)


def _notebook_name(file_name, notebook_names):
    """Which notebook of the assignment a file is: its own name, or the only one there is."""
    stem = Path(file_name).stem
    if stem in notebook_names:
        return stem
    return notebook_names[0] if len(notebook_names) == 1 else None


def _from_named_files(folder, notebook_names):
    submissions, unrecognised = [], []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.is_dir():
            continue
        if path.suffix != ".ipynb":
            unrecognised.append((path.name, "not a .ipynb file"))
        elif not STUDENT_ID.match(path.stem):
            unrecognised.append((path.name, "the file name is not a valid student id"))
        else:
            submissions.append(Submission(path.stem, {notebook_names[0] if len(notebook_names) == 1 else path.stem: path},
                                          origin=path.name))
    return Collection(submissions, unrecognised)


def _from_nbgrader_tree(root, assignment):
    submissions, unrecognised = [], []
    for folder in sorted(root.glob(f"*/{assignment}")):
        student = folder.parent.name
        files = {p.stem: p for p in sorted(folder.glob("*.ipynb"))}
        if not STUDENT_ID.match(student):
            unrecognised.append((str(folder.relative_to(root)), "the folder name is not a valid student id"))
        elif not files:
            unrecognised.append((str(folder.relative_to(root)), "no notebook in the folder"))
        else:
            submissions.append(Submission(student, files, origin=str(folder.relative_to(root))))
    return Collection(submissions, unrecognised)


def _from_lms_files(folder, notebook_names, pattern):
    by_student, unrecognised, late = {}, [], set()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
        match = pattern.match(path.name)
        if path.suffix != ".ipynb":
            unrecognised.append((path.name, "not a .ipynb file"))
        elif not match or not STUDENT_ID.match(match.group("student_id")):
            unrecognised.append((path.name, "no student id in the file name"))
        elif not (name := _notebook_name(match.group("file_id"), notebook_names)):
            unrecognised.append((path.name, f"not one of the assignment's notebooks {notebook_names}"))
        else:
            student = match.group("student_id")
            by_student.setdefault(student, {})[name] = path
            if "late" in pattern.groupindex and match.group("late"):
                late.add(student)
    submissions = [Submission(s, files, origin=", ".join(p.name for p in files.values()), late=s in late)
                   for s, files in sorted(by_student.items())]
    return Collection(submissions, unrecognised)
