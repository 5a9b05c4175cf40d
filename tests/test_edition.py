"""The student edition (`python -m autograder edition OUT`) holds no answer and no hidden test, and its links open it.

Fast: no kernel, no nbgrader. The answers and hidden tests are read here from solutions/ on their own,
not with the edition module's helpers, so that a bug there cannot hide a leak.
"""
import ast
import re
import subprocess
import sys

import nbformat
from babel.messages.pofile import read_po
import pytest
import yaml

from autograder import __main__ as cli
from autograder.authoring import badges, edition, inline
from autograder.repo import EXERCISES, REPO, SOLUTIONS

EDITION_URL = "https://github.com/some-school/keras-course-student"
EDITION_BRANCH = "spring"
LONG = 25  # shorter lines are ordinary code found anywhere: `return x`, `super().__init__()`
BADGE = re.compile(r"\]\((https://colab\.research\.google\.com/github/[^)]*)\)")


def _stripped(text):
    return {line.strip() for line in text.splitlines()}


def _file_lines(path):
    """A file's stripped lines: its raw text's, and for a notebook its cells' source lines too."""
    try:
        lines = _stripped(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        return set()
    if path.suffix == ".ipynb":
        for cell in nbformat.read(path, as_version=4).cells:
            lines |= _stripped(cell.source)
    return lines


def _answers():
    """Every line between `### BEGIN SOLUTION` and `### END SOLUTION` of every solution notebook."""
    found = set()
    for path in SOLUTIONS.glob("*/*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            for answer in re.findall(r"### BEGIN SOLUTION[^\n]*\n(.*?)### END SOLUTION", cell.source, re.S):
                found |= _stripped(answer)
    return found


def _hidden_test_lines():
    """Every line of the body of every function of every hidden_tests.py."""
    found = set()
    for path in SOLUTIONS.glob("*/hidden_tests.py"):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found |= _stripped("\n".join(lines[node.body[0].lineno - 1:node.end_lineno]))
    return found


def _public():
    """Lines students see by design: the book teaches idioms (`with tf.GradientTape() as tape:`), the checks
    are inlined in every notebook, and the notebooks' instructions, stubs and visible tests are released."""
    found = set()
    for path in (REPO / "book").rglob("*"):
        if path.is_file():
            found |= _file_lines(path)
    found |= _stripped(inline.checks_source())
    for path in SOLUTIONS.glob("*/*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            found |= _stripped(re.sub(r"### BEGIN SOLUTION.*?### END SOLUTION", "", cell.source, flags=re.S))
    return found


def _released():
    return set().union(*(_file_lines(path) for path in EXERCISES.glob("*/*.ipynb")))


def _files(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("edition") / "student"
    cli.main(["edition", str(out), "--repository", EDITION_URL + ".git", "--branch", EDITION_BRANCH])
    return out


def test_the_edition_holds_no_instructor_file(written):
    files = _files(written)
    assert not [f for f in files if f.startswith(("solutions/", "autograder/", "tests/"))]
    assert not [f for f in files if f.endswith("hidden_tests.py")]
    assert not [f for f in files if f.startswith(".git/")]
    assert {"README.md", "Makefile", "_config.yml", "_toc.yml", "requirements.txt", "constraints.txt"} <= set(files)
    assert "_config.ko.yml" in files and any(f.startswith("locales/ko/") for f in files)  # the Korean book
    assert [f for f in files if f.startswith("exercises/")] == [f"exercises/{f}" for f in _files(EXERCISES)]
    book = subprocess.run(["git", "ls-files", "book"], cwd=REPO, capture_output=True, text=True).stdout.split()
    assert [f for f in files if f.startswith("book/")] == sorted(book)
    requirements = (written / "requirements.txt").read_text()
    assert "tensorflow==" in requirements and "jupyter-book==" in requirements
    assert "nbgrader" not in requirements and "psycopg" not in requirements
    assert "book:" in (written / "Makefile").read_text() and "make book" in (written / "README.md").read_text()


def test_no_answer_line_is_in_the_edition(written):
    answers = {line for line in _answers() - _public() if len(line) > LONG}
    assert len(answers) > 50, "too few answer lines to check: is the parsing of solutions/ broken?"
    leaked = {f: sorted(_file_lines(written / f) & answers) for f in _files(written)}
    assert not {f: lines for f, lines in leaked.items() if lines}


def test_no_hidden_test_line_is_in_the_edition(written):
    # A hidden test may repeat a line of the released notebook (the release never reads hidden_tests.py).
    hidden = {line for line in _hidden_test_lines() - _public() - _released() if len(line) > LONG}
    assert len(hidden) > 200, "too few hidden test lines to check: is the parsing of hidden_tests.py broken?"
    leaked = {f: sorted(_file_lines(written / f) & hidden) for f in _files(written)}
    assert not {f: lines for f, lines in leaked.items() if lines}


def test_links_open_the_edition(written):
    config = yaml.safe_load((written / "_config.yml").read_text())
    assert config["repository"]["url"] == EDITION_URL and config["repository"]["branch"] == EDITION_BRANCH
    assert config["launch_buttons"] == yaml.safe_load((REPO / "_config.yml").read_text())["launch_buttons"]
    notebooks = sorted(written.glob("exercises/*/*.ipynb"))
    assert len(notebooks) == len(list(EXERCISES.glob("*/*.ipynb"))) > 0
    for path in notebooks:
        relative = path.relative_to(written).as_posix()
        links = BADGE.findall(nbformat.read(path, as_version=4).cells[0].source)
        assert links == [f"https://colab.research.google.com/github/some-school/keras-course-student/blob/"
                         f"{EDITION_BRANCH}/{relative}"]
    instructor = badges.repository()["url"].removeprefix("https://github.com/")
    assert not [f for f in _files(written) if instructor in (written / f).read_text(errors="replace")]
    # The Korean catalogs quote the badges of the pages they translate (their lines are wrapped).
    quoted = [m.id for path in written.glob("locales/**/*.po") for m in read_po(path.open("rb"))
              if isinstance(m.id, str) and "colab.research.google.com" in m.id]
    assert quoted and all("some-school/keras-course-student" in text and instructor not in text for text in quoted)


def test_the_exercises_are_the_release_but_for_the_badge(written):
    for path in sorted(EXERCISES.glob("*/*.ipynb")):
        ours = nbformat.read(written / path.relative_to(REPO), as_version=4)
        released = nbformat.read(path, as_version=4)
        assert BADGE.sub("](LINK)", ours.cells[0].source) == BADGE.sub("](LINK)", released.cells[0].source)
        ours.cells[0].source = released.cells[0].source
        assert ours == released, path.name


def test_by_default_the_links_open_the_configured_repository(tmp_path):
    edition.write_edition(tmp_path / "student")
    for path in sorted(EXERCISES.glob("*/*.ipynb")):
        assert (tmp_path / "student" / path.relative_to(REPO)).read_bytes() == path.read_bytes()
    assert (tmp_path / "student" / "_config.yml").read_text() == (REPO / "_config.yml").read_text()


@pytest.mark.parametrize("where", [REPO / "student", REPO / "exercises" / "student", REPO, REPO.parent])
def test_refuses_a_folder_inside_or_around_the_repository(where, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["edition", str(where), "--force", "--repository", EDITION_URL])
    assert "outside the course repository" in str(stop.value.code)
    assert not (REPO / "student").exists() and (REPO / "solutions").is_dir()


def test_refuses_a_folder_that_is_not_empty_unless_forced(tmp_path):
    out = tmp_path / "student"
    (out / ".git").mkdir(parents=True)
    (out / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    edition.write_edition(out, EDITION_URL)  # a fresh clone of an empty repository: only .git
    (out / "old-page.md").write_text("stale")
    with pytest.raises(SystemExit) as stop:
        cli.main(["edition", str(out), "--repository", EDITION_URL])
    assert "is not empty" in str(stop.value.code) and "--force" in str(stop.value.code)
    cli.main(["edition", str(out), "--repository", EDITION_URL, "--force"])
    assert not (out / "old-page.md").exists() and (out / ".git" / "HEAD").exists() and (out / "_config.yml").exists()


def test_an_edition_that_would_leak_is_not_left_behind(tmp_path, monkeypatch):
    monkeypatch.setattr(edition, "FOLDERS", (*edition.FOLDERS, "solutions"))
    with pytest.raises(edition.EditionError, match="instructor"):
        edition.write_edition(tmp_path / "student", EDITION_URL)
    assert not list((tmp_path / "student").iterdir())


def test_the_command_line_lists_it():
    out = subprocess.run([sys.executable, "-m", "autograder", "edition", "--help"], cwd=REPO, capture_output=True,
                         text=True, check=True).stdout
    assert "--repository" in out and "--branch" in out and "--force" in out
