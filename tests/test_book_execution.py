"""`make book`'s first step: the book's notebooks run side by side into the execution cache, where
the build (myst-nb, reading the page as it does) finds them; a failing notebook is left to the build."""
import nbformat
import pytest
from jupyter_cache import get_cache
from myst_nb.core.read import standard_nb_read

from autograder.authoring import book_execution
from autograder.repo import REPO


def test_it_runs_the_pages_the_build_would_run():
    notebooks, cache, timeout = book_execution.pages_to_execute()
    names = {path.relative_to(REPO).as_posix() for path in notebooks}
    assert {"book/introduction.ipynb", "book/01_custom_layers.ipynb", "book/05_autodiff.ipynb"} <= names
    assert not [name for name in names if name.startswith("exercises/")], "the exercises are excluded from execution"
    assert cache == REPO / "_build" / ".jupyter_cache" and timeout == 300


def notebook(path, source):
    page = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A page"), nbformat.v4.new_code_cell(source)])
    page.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(page, path)
    return path


@pytest.mark.kernels
def test_the_build_finds_what_it_ran_and_not_what_failed(tmp_path):
    works = notebook(tmp_path / "works.ipynb", "print(6 * 7)")
    fails = notebook(tmp_path / "fails.ipynb", "raise ValueError('on purpose')")
    said = []
    book_execution.run([works, fails], tmp_path / "cache", timeout=120, out=said.append)
    cache = get_cache(str(tmp_path / "cache"))
    record = cache.match_cache_notebook(standard_nb_read(works.read_text()))
    _, executed = cache.merge_match_into_notebook(standard_nb_read(works.read_text()))
    assert record and executed.cells[1].outputs[0]["text"] == "42\n"
    with pytest.raises(KeyError):
        cache.match_cache_notebook(standard_nb_read(fails.read_text()))
    assert any("fails.ipynb: failed" in line for line in said), said
    said.clear()
    book_execution.run([works], tmp_path / "cache", timeout=120, out=said.append)
    assert said == [], "a notebook in the cache is not run again"
