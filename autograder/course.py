"""The nbgrader course: its directory, its configuration and the nbgrader API bound to both."""
import os
import sys
from pathlib import Path

from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from traitlets.config.loader import PyFileConfigLoader

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "solutions"
EXERCISES = REPO / "exercises"

# TensorFlow's C++ start-up logs are noise in every kernel nbgrader starts from here.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# nbgrader runs the `alembic` command of its environment: find it even when the venv is not activated.
os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


def load_config(root):
    """The course's nbgrader config, with `root` as the course directory."""
    config = PyFileConfigLoader("nbgrader_config.py", path=str(Path(__file__).parent)).load_config()
    config.CourseDirectory.root = str(Path(root).resolve())
    return config


def nbgrader_api(root, **overrides):
    """An NbGraderAPI for the course directory `root`; `overrides` are `{"Class": {"trait": value}}`."""
    config = load_config(root)
    for section, values in overrides.items():
        for trait, value in values.items():
            config[section][trait] = value
    return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)


def assignments():
    """Assignment names: the folders of solutions/."""
    return sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir() and not p.name.startswith("."))
