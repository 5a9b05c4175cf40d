"""The book's notebooks run side by side into Jupyter Book's execution cache, before the build.

    python -m autograder execute-book      (the first step of `make book`)

Jupyter Book 1 runs a page's notebook when it reads the page, one page at a time: on a fresh
clone that is most of `make book`. This runs the notebooks the build would run (the .ipynb pages
of _toc.yml that _config.yml does not exclude from execution), one per core, and stores each in
the cache as myst-nb stores what it runs, keyed by the notebook's code; the build then finds them
there. A notebook already in the cache is not run again. One that fails is not stored: the build
runs it again and fails on its error, strictly.
"""
import fnmatch
import multiprocessing
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import yaml
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn
from jupyter_cache.executors.utils import single_nb_execution
from jupyter_client import AsyncKernelManager
from jupyter_core.utils import run_sync

from .. import repo
from ..kernel.manager import connect_over_ipc


def pages_to_execute():
    """The notebooks that `jupyter-book build` would execute, and the cache it would keep them in."""
    config = yaml.safe_load(repo.BOOK_CONFIG.read_text(encoding="utf-8"))["execute"]
    excluded = config.get("exclude_patterns", [])
    notebooks = [repo.REPO / f"{name}.ipynb" for name in repo.book_pages() if (repo.REPO / f"{name}.ipynb").is_file()]
    notebooks = [path for path in notebooks
                 if not any(fnmatch.fnmatch(path.relative_to(repo.REPO).as_posix(), p) for p in excluded)]
    return notebooks, repo.REPO / (config.get("cache") or repo.BOOK_EXECUTION_CACHE), config.get("timeout", 30)


def _execute(path, timeout):
    """(path, executed notebook or None when it failed, seconds): runs in a pool process."""
    notebook = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="book-kernel-") as sockets:
        # Async, as the manager nbclient makes itself: a sync one would start the kernel from a helper thread.
        manager = AsyncKernelManager(kernel_name=notebook.metadata.get("kernelspec", {}).get("name", "python3"))
        connect_over_ipc(manager, sockets)  # the notebooks' kernels start side by side
        try:
            result = single_nb_execution(notebook, cwd=str(path.parent), allow_errors=False, timeout=timeout,
                                         meta_override=True, km=manager)
        finally:  # nbclient shuts down only the kernels of managers it made
            if manager.has_kernel:
                run_sync(manager.shutdown_kernel)(now=True)
    return path, (None if result.err else notebook), result.time


def main(out=print):
    run(*pages_to_execute(), out=out)


def run(notebooks, cache_path, timeout, out=print):
    """Runs those of `notebooks` not in the cache at `cache_path`, a process each, and stores them there."""
    cache = get_cache(str(cache_path))
    pending = []
    for path in notebooks:
        try:
            cache.match_cache_notebook(nbformat.read(path, as_version=4))
        except KeyError:
            pending.append(path)
    if not pending:
        return
    started = time.monotonic()
    # Spawned, not forked: a fork of a process with threads (a test run's) can inherit a lock held forever.
    with ProcessPoolExecutor(max_workers=min(len(pending), os.cpu_count() or 1),
                             mp_context=multiprocessing.get_context("spawn")) as pool:
        for path, executed, seconds in pool.map(_execute, pending, [timeout] * len(pending)):
            name = path.name
            if executed is None:
                out(f"{name}: failed ({seconds:.0f} s); the build runs it again and reports the error")
                continue
            cache.cache_notebook_bundle(CacheBundleIn(executed, str(path), data={"execution_seconds": seconds}),
                                        check_validity=False, overwrite=True)
            out(f"{name}: executed in {seconds:.0f} s")
    out(f"{len(pending)} notebook(s) of the book executed side by side in {time.monotonic() - started:.0f} s")
