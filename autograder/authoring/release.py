"""Student notebooks: exercises/ is what nbgrader's generate_assignment makes of the release source.

Every assignment is generated in one temporary course folder (one gradebook, created once), then
copied to exercises/ (`release`) or compared with it (`out_of_sync`). Beside each generated
notebook, exercises/ko/<assignment>/ holds its Korean version: the same cells, its markdown
translated from the Korean edition's catalogs (translation.py), its badge opening itself on Colab.
"""
import filecmp
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import nbformat

from .. import repo
from . import badges, translation

KOREAN = repo.EXERCISES / translation.LANGUAGE


@contextmanager
def generated(assignments):
    """{assignment: (folder of the generated student files, folder of their Korean versions)}, in a
    temporary course folder."""
    from ..course import Course  # the course imports this package's inlining

    with tempfile.TemporaryDirectory(prefix="release-") as root:
        folders = {}
        for assignment in assignments:
            folder = Course(root, assignment, sandboxed=False).generate().released_folder()
            korean = Path(root) / "korean" / assignment
            _write_korean(folder, korean, assignment)
            folders[assignment] = folder, korean
        yield folders


def _write_korean(folder, target, assignment):
    """Writes the Korean version of each notebook generated in `folder` into `target`."""
    target.mkdir(parents=True)
    for path in sorted(Path(folder).glob("*.ipynb")):
        notebook, _ = translation.korean_notebook(nbformat.read(path, as_version=4),
                                                  f"exercises/{assignment}/{path.stem}")
        english, korean = (badges.colab_url(place / assignment / path.name) for place in (repo.EXERCISES, KOREAN))
        for cell in notebook.cells:
            if cell.cell_type == "markdown":  # one folder deeper: relative links climb one more level
                cell.source = cell.source.replace(f"]({english})", f"]({korean})").replace("](../", "](../../")
        nbformat.write(notebook, target / path.name)


def release(assignments):
    """Regenerates exercises/<assignment> of each of `assignments`."""
    with generated(assignments) as folders:
        for assignment, (folder, korean) in folders.items():
            for source, target in ((folder, repo.EXERCISES / assignment), (korean, KOREAN / assignment)):
                if target.exists():
                    shutil.rmtree(target)
                shutil.copytree(source, target)


def _files(folder):
    return {p.relative_to(folder).as_posix() for p in Path(folder).rglob("*") if p.is_file()}


def out_of_sync(assignments=None):
    """Files of exercises/ that differ from a fresh generation (empty when in sync)."""
    assignments = assignments or repo.assignments()
    stale = []
    if assignments == repo.assignments():
        for place in (repo.EXERCISES, KOREAN):
            stale += [p.relative_to(repo.REPO).as_posix() for p in sorted(place.iterdir() if place.exists() else [])
                      if p.is_dir() and p != KOREAN and p.name not in assignments]
    with generated(assignments) as folders:
        for assignment, (folder, korean) in folders.items():
            stale += _differences(folder, repo.EXERCISES / assignment) + _differences(korean, KOREAN / assignment)
    return stale


def _differences(generated_folder, committed):
    """Files of `committed` (under exercises/) missing from, or different from, `generated_folder`."""
    found = []
    for name in sorted(_files(generated_folder) | (_files(committed) if committed.exists() else set())):
        ours, theirs = generated_folder / name, committed / name
        if not (ours.is_file() and theirs.is_file() and filecmp.cmp(ours, theirs, shallow=False)):
            found.append((committed / name).relative_to(repo.REPO).as_posix())
    return found
