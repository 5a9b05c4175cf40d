"""Submissions are found in each supported form, and unrecognisable files are reported by name."""
import zipfile

import nbformat
import pytest

from autograder.grading.collect import collect

NOTEBOOK = nbformat.writes(nbformat.v4.new_notebook())


def write(path, text=NOTEBOOK):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_folder_of_notebooks_named_by_student(tmp_path):
    write(tmp_path / "ada.ipynb")
    write(tmp_path / "grace.hopper.ipynb")
    write(tmp_path / "my homework.ipynb")
    write(tmp_path / "notes.txt", "hello")
    found = collect(tmp_path, "a1", ["exercise"])
    assert [(s.student, list(s.files)) for s in found.submissions] == [("ada", ["exercise"]), ("grace.hopper", ["exercise"])]
    assert sorted(name for name, _ in found.unrecognised) == ["my homework.ipynb", "notes.txt"]


def test_nbgrader_submitted_tree(tmp_path):
    write(tmp_path / "submitted" / "ada" / "a1" / "exercise.ipynb")
    write(tmp_path / "submitted" / "bob" / "a2" / "exercise.ipynb")
    (tmp_path / "submitted" / "eve" / "a1").mkdir(parents=True)
    found = collect(tmp_path, "a1", ["exercise"])
    assert [s.student for s in found.submissions] == ["ada"]
    assert found.unrecognised == [("eve/a1", "no exercise.ipynb in the folder")]


def test_lms_zip_with_late_flag_and_unrecognised_names(tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("ada_1001_2001_exercise.ipynb", NOTEBOOK)
        handle.writestr("bob_late_1002_2002_exercise-1.ipynb", NOTEBOOK)
        handle.writestr("Final Version (2).ipynb", NOTEBOOK)
    found = collect(archive, "a1", ["exercise"], extract_to=tmp_path / "x")
    assert [(s.student, s.late) for s in found.submissions] == [("ada", False), ("bob", True)]
    assert found.unrecognised == [("Final Version (2).ipynb", "no student id in the file name")]


def test_same_content_same_digest(tmp_path):
    write(tmp_path / "a" / "ada.ipynb")
    write(tmp_path / "b" / "ada.ipynb")
    first, second = (collect(tmp_path / d, "a1", ["exercise"]).submissions[0] for d in "ab")
    assert first.digest == second.digest
    write(tmp_path / "b" / "ada.ipynb", NOTEBOOK.replace("cells", "cells", 1) + "\n")
    assert collect(tmp_path / "b", "a1", ["exercise"]).submissions[0].digest != first.digest


def test_missing_source_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a folder of submissions nor a zip"):
        collect(tmp_path / "nowhere", "a1", ["exercise"])
