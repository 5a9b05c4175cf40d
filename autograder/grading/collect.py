"""Finding submissions: a folder of notebooks named by student, an nbgrader `submitted/` tree, or an LMS zip.

Student ids are read from names, never guessed: a file whose name yields no valid id is reported
as unrecognised, by file name. Entries are taken for what they are (lstat), never through a
symbolic link: a link, FIFO or device named as a student's notebook is that student's submission,
which intake.py rejects as `unreadable` without reading it.
"""
import hashlib
import os
import re
import shutil
import stat
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from . import intake

# Matched whole (fullmatch): a name ending in a newline is not an id.
STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]*")
# nbgrader zip_collect's convention: a regexp with named groups `student_id` and `file_id` (the
# original file name), matched against whole names; here also `late` and `upload_id` (the LMS's
# number of the upload: of two uploads, the larger wins). This default matches Canvas-style
# exports: <login>_[late_]<user id>_<upload id>_<original name>.
LMS_FILE_PATTERN = r"(?P<student_id>[A-Za-z0-9.@-]+)_(?P<late>late_)?\d+_(?P<upload_id>\d+)_(?P<file_id>.+)"
MAX_ZIP_ENTRIES = 10_000
MAX_UNZIPPED_BYTES = 2 * 2**30  # what is unpacked: the newest notebooks only, each cut at intake.MAX_BYTES + 1
# A corrupt entry, an unknown compression, an encrypted entry (RuntimeError): that upload is not graded.
UNPACK_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError)


class SourceRefused(ValueError):
    """The submissions as a whole cannot be taken (a zip over the limits)."""


@dataclass
class Submission:
    student: str
    files: dict  # notebook name (without .ipynb) -> path of the submitted file, below `root`
    origin: str  # where it came from, for messages
    root: Path  # the folder the files were found in; nothing outside it is read
    late: bool = False
    submitted_at: float = None  # when it was submitted (epoch seconds) where known: a file's mtime, a zip entry's date
    digest: str = field(init=False)

    def __post_init__(self):
        sha = hashlib.sha256()
        for name in sorted(self.files):
            sha.update(name.encode() + b"\0" + _content(self.root, self.files[name]) + b"\0")
        self.digest = sha.hexdigest()


def _content(root, path):
    """A file's bytes or, for a file intake refuses to read, the reason: a change still changes the digest."""
    try:
        return intake.read_bytes(root, path)
    except intake.Rejected as rejected:
        return rejected.reason.encode(errors="backslashreplace")


@dataclass
class Collection:
    submissions: list
    unrecognised: list  # (file name, reason)


def collect(source, assignment, notebook_names, id_pattern=LMS_FILE_PATTERN, extract_to=None):
    """Submissions for `assignment` found at `source` (folder or .zip); SourceRefused for a zip over the limits."""
    source = Path(source)
    if source.is_file() and zipfile.is_zipfile(source):
        folder = Path(extract_to) if extract_to else Path(tempfile.mkdtemp(prefix="submissions-"))
        return _from_lms_zip(source, folder, notebook_names, re.compile(id_pattern))
    if not source.is_dir():
        raise FileNotFoundError(f"{source}: not a folder of submissions nor a zip file")
    nbgrader_root = source / "submitted" if _is_folder(source / "submitted") else source
    if any(kind == "a folder" and os.path.lexists(nbgrader_root / name / assignment)
           for name, kind in _entries(nbgrader_root)):
        return _from_nbgrader_tree(nbgrader_root, assignment, notebook_names)
    return _from_named_files(source, notebook_names)


def _entries(folder):
    """(name, kind) of the entries of `folder` but hidden ones (.ipynb_checkpoints), sorted; the kind as
    lstat sees it ("a file", "a folder", "a symbolic link", "a FIFO", ...), never what a link points at."""
    with os.scandir(folder) as scan:
        return sorted((entry.name, intake.kind(entry.stat(follow_symlinks=False).st_mode))
                      for entry in scan if not entry.name.startswith("."))


def _is_folder(path):
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except FileNotFoundError:
        return False


def _notebook_name(file_name, notebook_names):
    """Which notebook of the assignment a file is: its own name, or the only one there is."""
    stem = Path(file_name).stem
    if stem in notebook_names:
        return stem
    return notebook_names[0] if len(notebook_names) == 1 else None


def _from_named_files(folder, notebook_names):
    submissions, unrecognised = [], []
    for name, kind in _entries(folder):
        stem, suffix = os.path.splitext(name)
        if kind == "a folder":
            continue
        if suffix != ".ipynb":
            unrecognised.append((name, "not a .ipynb file" if kind == "a file" else f"{kind}: not read"))
        elif not STUDENT_ID.fullmatch(stem):
            unrecognised.append((name, "the file name is not a valid student id"))
        else:
            notebook = notebook_names[0] if len(notebook_names) == 1 else stem
            submissions.append(Submission(stem, {notebook: folder / name}, origin=name, root=folder,
                                          submitted_at=_modified(folder / name)))
    return Collection(submissions, unrecognised)


def _from_nbgrader_tree(root, assignment, notebook_names):
    """`<student>/<assignment>/<notebook>.ipynb`: the assignment's notebooks by name, nothing else (Jupyter's
    empty Untitled.ipynb, copies and notes are listed as not graded, and never make a submission unreadable)."""
    submissions, unrecognised = [], []
    wanted = {f"{name}.ipynb": name for name in notebook_names}
    for student, kind in _entries(root):
        where = f"{student}/{assignment}"
        if kind != "a folder":
            unrecognised.append((student, f"{kind}, not a student's folder: not read"))
        elif not os.path.lexists(root / where):
            continue  # the student's folder for other assignments
        elif not STUDENT_ID.fullmatch(student):
            unrecognised.append((where, "the folder name is not a valid student id"))
        elif not _is_folder(root / where):
            unrecognised.append((where, f"{intake.kind(os.lstat(root / where).st_mode)}, not a folder: not read"))
        else:
            files, not_graded = _assignment_files(root, where, wanted)
            unrecognised += not_graded
            if files:
                submitted_at = _nbgrader_timestamp(root, root / where / NBGRADER_TIMESTAMP)
                submissions.append(Submission(student, files, origin=where, root=root, submitted_at=submitted_at
                                              or _latest(map(_modified, files.values()))))
    return Collection(submissions, unrecognised)


def _modified(path):
    """The modification time of the entry at `path` itself (lstat: a link is not followed), or None."""
    try:
        return os.lstat(path).st_mtime
    except OSError:
        return None


NBGRADER_TIMESTAMP = "timestamp.txt"  # nbgrader's record of when the student submitted, in UTC


def _nbgrader_timestamp(root, path):
    """The time in nbgrader's timestamp.txt (`2026-03-02 10:00:00.123456 UTC`) as epoch seconds, or None."""
    if not os.path.lexists(path):
        return None
    try:
        text = intake.read_bytes(root, path)[:100].decode("ascii").strip()
        moment = datetime.fromisoformat(text.removesuffix("UTC").strip())
    except (intake.Rejected, UnicodeDecodeError, ValueError):
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()


def _latest(times):
    return max((time for time in times if time is not None), default=None)


def _zip_time(info):
    """A zip entry's date as epoch seconds: zip dates have no time zone, read as the machine's local time."""
    try:
        return datetime(*info.date_time).timestamp()
    except (ValueError, OverflowError):
        return None


def _assignment_files(root, where, wanted):
    """({notebook name: path} of the `wanted` file names in the folder `where` below `root`, [(name, reason)
    of what is not graded there])."""
    try:
        entries = _entries(root / where)
    except OSError as error:
        return {}, [(where, f"cannot be read ({error.strerror})")]
    files = {wanted[name]: root / where / name for name, _ in entries if name in wanted}
    not_graded = [(f"{where}/{name}", f"not one of the assignment's notebooks ({', '.join(wanted)})")
                  for name, _ in entries if name not in wanted and name != NBGRADER_TIMESTAMP]
    if not files:
        not_graded.append((where, f"no {' or '.join(wanted)} in the folder"))
    return files, not_graded


class Upload(NamedTuple):
    """A notebook in an LMS export, for one student."""
    info: zipfile.ZipInfo
    student: str
    notebook: str
    late: bool
    order: tuple  # later is newer


def _from_lms_zip(archive_path, folder, notebook_names, pattern):
    """Each student's newest upload of each notebook, unpacked into `folder`, which is emptied first: nothing
    of an earlier export stays. Older uploads, and entries not safe to unpack, are listed as not graded."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    with zipfile.ZipFile(archive_path) as archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise SourceRefused(f"{archive_path}: {len(entries):,} entries, over the {MAX_ZIP_ENTRIES:,} an export "
                                "may have; nothing was unpacked")
        uploads, unrecognised = _uploads(entries, notebook_names, pattern)
        newest = _newest(uploads)
        unrecognised += [(u.info.filename, f"superseded by a newer upload ({newer.info.filename})")
                         for u in uploads if (newer := newest[u.student, u.notebook]) is not u]
        by_student, failed = _unpack_all(archive, archive_path, newest.values(), folder)
    submissions = [Submission(student, {u.notebook: path for u, path in chosen},
                              origin=", ".join(u.info.filename for u, _ in chosen), root=folder / student,
                              late=any(u.late for u, _ in chosen),
                              submitted_at=_latest(_zip_time(u.info) for u, _ in chosen))
                   for student, chosen in sorted(by_student.items())]
    return Collection(submissions, unrecognised + failed)


def _uploads(entries, notebook_names, pattern):
    """(Upload of each entry that is a student's notebook, (name, reason) of the others)."""
    uploads, unrecognised = [], []
    for index, info in enumerate(entries):
        name = PurePosixPath(info.filename).name
        if info.is_dir() or name.startswith("."):
            continue
        match = pattern.fullmatch(name)
        if problem := _unsafe(info):
            unrecognised.append((info.filename, problem))
        elif not name.endswith(".ipynb"):
            unrecognised.append((info.filename, "not a .ipynb file"))
        elif not match or not STUDENT_ID.fullmatch(match["student_id"]):
            unrecognised.append((info.filename, "no student id in the file name"))
        elif not (notebook := _notebook_name(match["file_id"], notebook_names)):
            unrecognised.append((info.filename, f"not one of the assignment's notebooks {notebook_names}"))
        else:
            groups = match.groupdict()
            order = (_as_number(groups.get("upload_id") or ""), info.date_time, index)
            uploads.append(Upload(info, match["student_id"], notebook, bool(groups.get("late")), order))
    return uploads, unrecognised


def _unsafe(info):
    """Why an entry must not be unpacked (a symbolic link, a name leading out of the folder), or None."""
    if stat.S_ISLNK(info.external_attr >> 16):
        return "a symbolic link in the zip: not unpacked"
    parts = info.filename.replace("\\", "/").split("/")
    if parts[0] == "" or ".." in parts or re.match(r"[A-Za-z]:", info.filename):
        return "an absolute path, or one with '..', in the zip: not unpacked"
    return None


def _as_number(digits):
    """A key that orders strings of digits as the integers they write (1000 after 999), without converting
    them: Python refuses to convert over 4300 digits."""
    significant = digits.lstrip("0")
    return len(significant), significant


def _newest(uploads):
    """{(student, notebook): the newest of its uploads}."""
    newest = {}
    for upload in sorted(uploads, key=lambda u: u.order):
        newest[upload.student, upload.notebook] = upload
    return newest


def _unpack_all(archive, archive_path, uploads, folder):
    """({student: [(upload, path)]}, [(name, reason) of the uploads that could not be unpacked]); SourceRefused
    once more than MAX_UNZIPPED_BYTES came out."""
    by_student, failed, unpacked = {}, [], 0
    for upload in uploads:
        try:
            path, size = _unpack(archive, upload, folder)
        except UNPACK_ERRORS as error:
            failed.append((upload.info.filename, f"could not be unpacked ({error})"))
            continue
        unpacked += size
        if unpacked > MAX_UNZIPPED_BYTES:
            raise SourceRefused(f"{archive_path}: over {MAX_UNZIPPED_BYTES // 2**20:,} MiB unpacked, more than an "
                                "export of notebooks holds (a zip bomb?); unpacking stopped")
        by_student.setdefault(upload.student, []).append((upload, path))
    return by_student, failed


def _unpack(archive, upload, folder):
    """(path, size) of the upload unpacked into `folder`/<student>/, cut at intake.MAX_BYTES + 1 (enough for
    intake to reject it: a bomb is never inflated in full); only its base name is used, never its path."""
    target = folder / upload.student / PurePosixPath(upload.info.filename).name
    target.parent.mkdir(exist_ok=True)
    with archive.open(upload.info) as source:
        data = source.read(intake.MAX_BYTES + 1)
    target.write_bytes(data)
    return target, len(data)
