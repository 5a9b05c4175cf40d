"""Student notebooks: exercises/ is what nbgrader's generate_assignment makes of solutions/."""
import filecmp
import shutil
import tempfile
from pathlib import Path

from .course import EXERCISES, assignments
from .grading import Course


def generate(assignment, root):
    """Runs nbgrader generate_assignment on solutions/<assignment> inside the course directory `root`.

    Returns the folder of generated student files. The gradebook it writes stays in `root`.
    """
    Course(root, assignment, sandboxed=False).generate()  # runs no student code: no sandbox needed
    return Path(root) / "exercises" / assignment


def release(assignment):
    """Regenerates exercises/<assignment> from solutions/<assignment>."""
    with tempfile.TemporaryDirectory() as root:
        generated = generate(assignment, root)
        target = EXERCISES / assignment
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(generated, target)


def differences(assignment):
    """Files of exercises/<assignment> that differ from a fresh generate_assignment (empty when in sync)."""
    with tempfile.TemporaryDirectory() as root:
        generated = generate(assignment, root)
        committed = EXERCISES / assignment
        if not committed.exists():
            return [f"{committed} is missing"]
        names = sorted({p.relative_to(generated).as_posix() for p in generated.rglob("*") if p.is_file()}
                       | {p.relative_to(committed).as_posix() for p in committed.rglob("*") if p.is_file()})
        return [f"exercises/{assignment}/{name}" for name in names
                if not (generated / name).is_file() or not (committed / name).is_file()
                or not filecmp.cmp(generated / name, committed / name, shallow=False)]


def out_of_sync():
    return [line for assignment in assignments() for line in differences(assignment)]
