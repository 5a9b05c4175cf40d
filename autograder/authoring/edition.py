"""The student edition: the book and the released exercises, without solutions or hidden tests.

This repository is the instructor edition: solutions/ holds every answer and each assignment's
hidden tests. For graded use its Colab badges must not open it. `write_edition(out)` writes,
into a folder outside this repository, what students may see:

- the book sources (book/, _config.yml, _toc.yml), with `repository.url`/`branch` set to the
  student edition's repository so the book's Colab and repository buttons open it;
- exercises/ as the release wrote it, each "Open in Colab" badge pointing at the student edition;
- requirements.txt (without the grading-only packages), constraints.txt, a README and a Makefile
  (`make book`).

Nothing else: no solutions/, no hidden_tests.py, no autograder/ (the released notebooks inline the
checks they run, and the book's pages import nothing from this repository), no tests/. Before it
returns it checks the written files for any file of solutions/, any hidden_tests.py and any line of
an answer or a hidden test that students do not see otherwise, and empties `out` and fails rather
than leave such an edition behind.
"""
import ast
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import yaml
from babel.messages.pofile import read_po, write_po

from .. import cells, repo
from . import badges, translation

# What the book build needs from the repository root, besides the folders below.
ROOT_FILES = ("_config.yml", "_toc.yml", "constraints.txt")
FOLDERS = ("book", "exercises", "locales")
KOREAN_CONFIG = "_config.ko.yml"  # the Korean build's configuration (translation.py), written here
# requirements.txt lines for grading and the course's own tests: students never need them.
INSTRUCTOR_PACKAGES = ("nbgrader", "pytest", "pytest-xdist", "psycopg", "playwright")
SKIPPED_PARTS = ("__pycache__", ".ipynb_checkpoints", "_build")
# A solution line shorter than this can be ordinary code found anywhere (`return x`, `super().__init__()`).
MIN_LEAK_CHARS = 25

README = """# {title}: student edition

The book and the exercise notebooks of the course, for students. The exercises are graded by your
instructor; this repository holds no solutions and no grading code.

## Doing an exercise

Each chapter has an exercise notebook in `exercises/<chapter>/`.

- **On Colab:** use the "Open in Colab" badge at the top of the notebook (or the rocket icon on its
  book page). Colab already has TensorFlow; nothing else is needed.
- **Locally:** with Python 3.11, `make venv`, then `.venv/bin/jupyter lab exercises/`.

Run the two setup cells, then for each part replace `raise NotImplementedError()` with your code and
run the test cell below it. `ok:` lines are passing checks; a failing check prints what it expected
and what your code returned. The grader also runs hidden tests on other shapes and values. Submit
the notebook as your instructor asks.

## Reading the book

`make book` (Python 3.11 and `make`; set `PYTHON=/path/to/python3.11` if `python3.11` is not on your
`PATH`) creates `.venv`, installs the requirements, executes the chapters and builds the HTML book:
open `_build/html/index.html`. It also builds the Korean book, from the same pages and the
translations in `locales/`, into `_build/html/ko/`.

This folder is written by `make edition` in the course's instructor repository: edit the course
there, not here.
"""

MAKEFILE = """# The student edition: `make book` builds the HTML book; `make venv` installs what the notebooks need.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: venv book clean

venv: $(INSTALLED)

$(INSTALLED): requirements.txt constraints.txt
\t@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required; set PYTHON=/path/to/python3.11")'
\ttest -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
\t$(BIN)/python -m pip install --quiet --upgrade pip
\t$(BIN)/python -m pip install --quiet -r requirements.txt -c constraints.txt
\ttouch $@

book: venv
\t$(BIN)/jupyter-book build --warningiserror --keep-going .
\t$(BIN)/jupyter-book build --warningiserror --keep-going --config _config.ko.yml --path-output _build/ko .
\trm -rf _build/html/ko && cp -r _build/ko/_build/html _build/html/ko
\t@echo "The book is at file://$(CURDIR)/_build/html/index.html (Korean: _build/html/ko/index.html)"

clean:
\trm -rf _build
"""

GITIGNORE = ".venv/\n_build/\n__pycache__/\n.ipynb_checkpoints/\n"


class EditionError(Exception):
    """The edition cannot be written there, or would not be safe to publish."""


def normalized(url):
    """`url` as _config.yml holds it: https://github.com/OWNER/NAME, without .git or a trailing /."""
    url = url.strip().removesuffix("/").removesuffix(".git")
    if url.startswith("git@github.com:"):
        url = "https://github.com/" + url.removeprefix("git@github.com:")
    if not re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", url):
        raise EditionError(f"{url!r}: the student edition's repository must be on GitHub "
                           "(https://github.com/OWNER/NAME): Colab opens notebooks from there")
    return url


def colab_url(repository, branch, relative):
    """The Colab address of the file `relative` (a path from the root) on `branch` of `repository`."""
    return f"https://colab.research.google.com/github/{repository.removeprefix('https://github.com/')}/blob/{branch}/{relative}"


def _check_target(out, force):
    out = Path(out).resolve()
    if out == repo.REPO or repo.REPO in out.parents or out in repo.REPO.parents:
        raise EditionError(f"{out}: the student edition must be written outside the course repository "
                           f"({repo.REPO}), e.g. into a clone of the student repository beside it")
    if out.exists() and not out.is_dir():
        raise EditionError(f"{out} is a file, not a folder")
    content = [p for p in out.iterdir() if p.name != ".git"] if out.exists() else []
    if content and not force:
        raise EditionError(f"{out} is not empty ({len(content)} entries, e.g. {content[0].name}): pass --force to "
                           "replace its content (a .git folder is kept), or choose an empty folder")
    _empty(out)
    out.mkdir(parents=True, exist_ok=True)
    return out


def _empty(out):
    """Removes what `out` holds, except a .git folder."""
    for path in (p for p in out.iterdir() if p.name != ".git") if out.exists() else ():
        shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()


def _tracked(folder):
    """Files of `folder` (a folder of the repository) to publish: git's tracked files where git knows them."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "--", folder], cwd=repo.REPO, capture_output=True,
                                check=True).stdout.decode().split("\0")
        files = [repo.REPO / name for name in listed if name]
    except (OSError, subprocess.CalledProcessError):
        files = []
    if not files:  # not a git checkout (an unpacked archive)
        files = [p for p in (repo.REPO / folder).rglob("*") if p.is_file()]
    return sorted(p for p in files if p.is_file() and not any(
        part in SKIPPED_PARTS or part.startswith(".") for part in p.relative_to(repo.REPO).parts))


def _with_repository(config_text, url, branch):
    """_config.yml's text with its `repository:` section's url and branch replaced (comments kept)."""
    section = re.search(r"^repository:\n((?:[ \t]+.*\n?)+)", config_text, re.M)
    if not section:
        raise EditionError("_config.yml has no `repository:` section")
    body = section.group(1)
    for key, value in (("url", url), ("branch", branch)):
        body, found = re.subn(rf"^([ \t]+{key}:)[ \t]*\S.*$", rf"\g<1> {value}", body, count=1, flags=re.M)
        if not found:
            body = body.rstrip("\n") + f"\n  {key}: {value}\n"
    return config_text[:section.start(1)] + body + config_text[section.end(1):]


def _exercise_with_badge(path, url, branch):
    """The text of the released notebook at `path` with its Colab badge pointing at `url`/`branch`."""
    text = path.read_text(encoding="utf-8")
    relative = path.relative_to(repo.REPO).as_posix()
    released = badges.colab_url(path)
    if f"]({released})" not in text:
        raise EditionError(f"{relative}: no Colab badge for {released}; exercises/ is out of date with "
                           "_config.yml: run `make exercises` first")
    return text.replace(f"]({released})", f"]({colab_url(url, branch, relative)})")


def _write_catalog_with_badges(path, target, url, branch):
    """Writes the Korean catalog at `path` to `target` with the exercises' Colab badges, which it
    quotes from the pages it translates, pointing at `url`/`branch` as the edition's pages do."""
    source = badges.repository()
    instructor = colab_url(normalized(source["url"]), source.get("branch", "main"), "")
    edition = colab_url(url, branch, "")
    with open(path, "rb") as handle:
        catalog = read_po(handle)
    for message in [m for m in catalog if isinstance(m.id, str) and instructor in m.id]:
        catalog.delete(message.id)
        catalog.add(message.id.replace(instructor, edition), (message.string or "").replace(instructor, edition))
    with open(target, "wb") as handle:
        write_po(handle, catalog, width=100)


def _requirements():
    kept = []
    for line in (repo.REPO / "requirements.txt").read_text(encoding="utf-8").splitlines():
        name = re.split(r"[\s\[=<>!~;#]", line.strip(), maxsplit=1)[0].lower()
        if name not in INSTRUCTOR_PACKAGES:
            kept.append(line)
    return "\n".join(kept) + "\n"


def _lines(text):
    return {line.strip() for line in text.splitlines()}


def _sources(path):
    """The stripped lines of the file at `path`; a notebook's are its cells' source lines."""
    if path.suffix == ".ipynb":
        return set().union(*(_lines(cell.source) for cell in nbformat.read(path, as_version=4).cells))
    try:
        return _lines(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        return set()


def solution_lines():
    """Stripped lines of the answers (between nbgrader's BEGIN and END SOLUTION) of every solution notebook."""
    found = set()
    for path in sorted(repo.SOLUTIONS.glob("*/*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            inside = False
            for line in cell.source.splitlines():
                marker = cells.SOLUTION_MARKER.match(line)
                if marker:
                    inside = marker.group(1) == "BEGIN"
                elif inside:
                    found.add(line.strip())
    return found


def hidden_test_lines():
    """Stripped lines of the bodies of the functions of every assignment's hidden_tests.py."""
    found = set()
    for path in sorted(repo.SOLUTIONS.glob(f"*/{repo.HIDDEN_TESTS}")):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
                found |= _lines("\n".join(lines[node.body[0].lineno - 1:node.end_lineno]))
    return found


def public_lines():
    """Lines students see anyway: the book's pages, the checks and the released notebooks outside the answers."""
    from .inline import checks_source

    found = _lines(checks_source())
    for path in _tracked("book"):
        found |= _sources(path)
    for path in sorted(repo.SOLUTIONS.glob("*/*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            found |= _lines(cells.without_solution_markers(cell.source)) if not cells.is_solution(cell) else set()
            if cells.is_solution(cell):  # the stub's lines outside BEGIN/END SOLUTION
                found |= _lines(re.sub(r"### BEGIN SOLUTION.*?### END SOLUTION", "", cell.source, flags=re.S))
    return found


def secret_lines():
    """Lines of the answers and hidden tests, long enough to be telling, that students do not see otherwise.

    A line the book teaches (`with tf.GradientTape() as tape:`), the checks hold or a visible test shows is
    public by design. A hidden test may share a line with the released notebook (the release never reads
    hidden_tests.py: the same test code written twice); an answer may not.
    """
    public = public_lines()
    released = set().union(*(_sources(path) for path in _tracked("exercises") if path.suffix == ".ipynb"))
    secret = (solution_lines() - public) | (hidden_test_lines() - public - released)
    return {line for line in secret if len(line) > MIN_LEAK_CHARS}


def leaks(out):
    """What of the instructor edition the folder `out` holds: a list of 'path: why' (empty when none)."""
    out, found = Path(out), []
    secret = secret_lines()
    for path in sorted(p for p in out.rglob("*") if p.is_file() and ".git" not in p.relative_to(out).parts):
        relative = path.relative_to(out).as_posix()
        if relative.startswith("solutions/") or path.name == repo.HIDDEN_TESTS:
            found.append(f"{relative}: instructor-only file")
            continue
        try:
            lines = _lines(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            continue
        # Notebooks store each source line as a JSON string: compare their decoded lines too.
        lines |= _sources(path) if path.suffix == ".ipynb" else set()
        shown = sorted(lines & secret)
        if shown:
            found.append(f"{relative}: solution line {shown[0]!r}" + (f" and {len(shown) - 1} more" if shown[1:] else ""))
    return found


def write_edition(out, repository=None, branch=None, force=False):
    """Writes the student edition into the folder `out`; returns (out, repository url, branch)."""
    configured = badges.repository()
    url = normalized(repository or configured["url"])
    branch = branch or (configured.get("branch", "main") if repository is None else "main")
    out = _check_target(out, force)
    for folder in FOLDERS:
        for path in _tracked(folder):
            target = out / path.relative_to(repo.REPO)
            target.parent.mkdir(parents=True, exist_ok=True)
            if folder == "exercises" and path.suffix == ".ipynb":
                target.write_text(_exercise_with_badge(path, url, branch), encoding="utf-8")
            elif path.suffix == ".po":
                _write_catalog_with_badges(path, target, url, branch)
            else:
                shutil.copy2(path, target)
    for name in ROOT_FILES:
        shutil.copy2(repo.REPO / name, out / name)
    config = out / "_config.yml"
    config.write_text(_with_repository(config.read_text(encoding="utf-8"), url, branch), encoding="utf-8")
    korean = translation.book_config(translation.LANGUAGE, root=None, base=yaml.safe_load(config.read_text(encoding="utf-8")))
    (out / KOREAN_CONFIG).write_text(yaml.safe_dump(korean, sort_keys=False, allow_unicode=True), encoding="utf-8")
    (out / "requirements.txt").write_text(_requirements(), encoding="utf-8")
    title = (repo.BOOK_CONFIG.read_text(encoding="utf-8").split("title:", 1)[1].splitlines()[0].strip()
             if "title:" in repo.BOOK_CONFIG.read_text(encoding="utf-8") else "The course")
    (out / "README.md").write_text(README.format(title=title), encoding="utf-8")
    (out / "Makefile").write_text(MAKEFILE, encoding="utf-8")
    (out / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    found = leaks(out)
    if found:
        _empty(out)
        raise EditionError("the edition would publish instructor material; do not publish "
                           f"{out}:\n  " + "\n  ".join(found) + "\nIf exercises/ is out of date with solutions/ "
                           "(`python -m autograder check`), run `make exercises` first.")
    return out, url, branch


def main(out, repository=None, branch=None, force=False):
    out, url, branch = write_edition(out, repository, branch, force)
    print(f"wrote the student edition to {out}")
    print(f"its Colab badges and book buttons open {url} (branch {branch}): publish it there, e.g.\n"
          f"  cd {out} && git add -A && git commit -m 'Student edition' && git push")
    if repository is None:
        print("(the repository configured in _config.yml: pass --repository/--branch for another one)")
