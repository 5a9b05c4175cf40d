"""Student notebooks: exercises/ is what nbgrader's generate_assignment makes of the release source.

Every assignment is generated in one temporary course folder (one gradebook, created once), then
copied to exercises/ (`release`) or compared with it (`out_of_sync`).
"""
import filecmp
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from .. import repo


@contextmanager
def generated(assignments):
    """{assignment: folder of the generated student files}, in a temporary course folder."""
    from ..course import Course  # the course imports this package's inlining

    with tempfile.TemporaryDirectory(prefix="release-") as root:
        yield {a: Course(root, a, sandboxed=False).generate().released_folder() for a in assignments}


def release(assignments):
    """Regenerates exercises/<assignment> of each of `assignments`."""
    with generated(assignments) as folders:
        for assignment, folder in folders.items():
            target = repo.EXERCISES / assignment
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(folder, target)


def _files(folder):
    return {p.relative_to(folder).as_posix() for p in Path(folder).rglob("*") if p.is_file()}


def out_of_sync(assignments=None):
    """Files of exercises/ that differ from a fresh generation (empty when in sync)."""
    assignments = assignments or repo.assignments()
    stale = [f"exercises/{name}" for name in sorted(p.name for p in repo.EXERCISES.iterdir() if p.is_dir())
             if name not in assignments] if assignments == repo.assignments() else []
    with generated(assignments) as folders:
        for assignment, generated_folder in folders.items():
            committed = repo.EXERCISES / assignment
            for name in sorted(_files(generated_folder) | (_files(committed) if committed.exists() else set())):
                ours, theirs = generated_folder / name, committed / name
                if not (ours.is_file() and theirs.is_file() and filecmp.cmp(ours, theirs, shallow=False)):
                    stale.append(f"exercises/{assignment}/{name}")
    return stale
