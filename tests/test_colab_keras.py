"""The exercises on the oldest TensorFlow/Keras they support: what Google Colab ships, older than requirements.txt's.

Students open the released notebooks on Colab, whose Keras lags the pinned one (on Keras 3.8-3.13, for
one, `{m.name: m.result() for m in self.metrics}` in a `test_step` gives nested dicts). For each
assignment, the released notebook with the instructor's solution in every solution cell (the course
checks are inlined, as on Colab) runs in a kernel of .venv-colab, which `make colab-env` builds from
colab-requirements.txt: every cell, so every visible test, must pass there.
"""
import json
import re
import tempfile

import pytest
from jupyter_client import KernelManager
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell

from autograder.authoring.samples import solved
from autograder.kernel.manager import connect_over_ipc
from autograder.repo import REPO, assignments, notebook_names

pytestmark = pytest.mark.kernels

COLAB_PYTHON = REPO / ".venv-colab" / "bin" / "python"
REQUIREMENTS = REPO / "colab-requirements.txt"
VERSIONS = "import tensorflow as tf, keras\nprint('versions', tf.__version__, keras.__version__)"


def pinned(package):
    """The version of `package` that colab-requirements.txt pins."""
    [version] = re.findall(rf"^{package}==([^\s#]+)", REQUIREMENTS.read_text(), flags=re.MULTILINE)
    return version


@pytest.fixture
def colab_kernel(tmp_path, monkeypatch):
    """The name of a kernelspec, found through JUPYTER_PATH, that runs .venv-colab's Python."""
    if not COLAB_PYTHON.exists():
        pytest.fail(f"{COLAB_PYTHON} is missing: run `make colab-env` (`make test` builds it)")
    spec = {"argv": [str(COLAB_PYTHON), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python (Colab's Keras)", "language": "python",
            "env": {"TF_CPP_MIN_LOG_LEVEL": "3"}}
    folder = tmp_path / "jupyter" / "kernels" / "colab-keras"
    folder.mkdir(parents=True)
    (folder / "kernel.json").write_text(json.dumps(spec))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    return "colab-keras"


@pytest.mark.xdist_group("colab")
@pytest.mark.parametrize("assignment", assignments())
def test_the_solution_passes_its_visible_tests_on_colabs_keras(assignment, colab_kernel, tmp_path):
    for name in notebook_names(assignment):
        notebook = solved(assignment, name)
        notebook.cells.append(new_code_cell(VERSIONS))
        manager = KernelManager(kernel_name=colab_kernel)
        with tempfile.TemporaryDirectory() as sockets:
            connect_over_ipc(manager, sockets)  # other tests start kernels at the same time
            try:
                # allow_errors=False: the first cell that raises (a failing visible test) fails the test, with its
                # traceback.
                NotebookClient(notebook, km=manager, timeout=300, startup_timeout=300, allow_errors=False,
                               resources={"metadata": {"path": str(tmp_path)}}).execute()
            finally:  # nbclient shuts down only the kernels of managers it made
                if manager.has_kernel:
                    manager.shutdown_kernel(now=True)
        summary = "".join(output.get("text", "") for output in notebook.cells[-2].outputs)
        [(passing, parts)] = re.findall(r"Visible tests: (\d+) of (\d+) parts pass", summary)
        assert passing == parts, f"{name}: the summary cell says\n{summary}"
        printed = "".join(output.get("text", "") for output in notebook.cells[-1].outputs)
        assert f"versions {pinned('tensorflow')} {pinned('keras')}" in printed, (
            f"{name}: the kernel did not run colab-requirements.txt's versions: {printed!r}")
