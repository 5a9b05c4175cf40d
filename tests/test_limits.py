"""One set of limits, from the command line to the worker's job and the kernel's sandbox."""
import importlib.util

import pytest

from autograder import __main__ as cli
from autograder.grading.job import Job
from autograder.kernel import INSIDE, sandbox
from autograder.limits import Limits, kernel_threads


@pytest.mark.parametrize("workers, cores, threads", [(1, 2, 0), (2, 2, 1), (3, 2, 1), (2, 16, 8), (4, 16, 4)])
def test_kernels_graded_side_by_side_share_the_cores(workers, cores, threads):
    assert kernel_threads(workers, cores) == threads


def test_command_line_defaults_are_the_limits_defaults():
    args = cli.parser().parse_args(["grade", "01_custom_layers", "somewhere"])
    assert Limits.from_arguments(args) == Limits()


def test_command_line_flags_reach_the_job_and_the_sandbox():
    args = cli.parser().parse_args(["grade", "01_custom_layers", "x", "--cell-seconds", "7",
                                    "--submission-seconds", "300", "--memory-gb", "2.5"])
    limits = Limits.from_arguments(args).with_threads(3)
    job = Job.from_line(Job("ada", "/course", "01_custom_layers", limits).to_line())
    assert job.limits == limits and (job.limits.cell_seconds, job.limits.submission_seconds) == (7, 300)
    assert sandbox.kernel_limits(job.limits)["memory_bytes"] == int(2.5 * 2**30)
    assert sandbox.environment(job.limits)["TF_NUM_INTRAOP_THREADS"] == "3"
    assert job.limits.kernel_seconds < job.limits.submission_seconds  # cells that finished keep their points


def test_a_job_is_one_line():
    assert Job("ada", "/course", "01_custom_layers").to_line().count("\n") == 1


def test_the_zygote_sets_every_limit_the_sandbox_names(monkeypatch):
    monkeypatch.syspath_prepend(str(INSIDE))  # as when it runs: its own folder first
    spec = importlib.util.spec_from_file_location("zygote_inside", INSIDE / "zygote.py")
    inside = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(inside)
    assert set(sandbox.kernel_limits(Limits())) == set(inside.LIMITS)
    assert sandbox.ANCHOR_NAME == inside.ANCHOR_NAME  # the name the grader waits for is the anchor's
