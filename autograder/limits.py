"""The limits of grading one submission: one set, with one name each from the command line to the kernel.

`python -m autograder grade` has a flag per field (`--cell-seconds`, ...), the batch hands the
worker a Limits in its job (autograder/grading/job.py), the worker's nbgrader run passes it to
the kernel (autograder/kernel/execute.py), and the sandbox applies it (autograder/kernel/sandbox.py).
"""
import os
from dataclasses import asdict, dataclass, fields, replace


@dataclass(frozen=True)
class Limits:
    cell_seconds: int = 180  # a test cell that trains a small model on CPU fits
    submission_seconds: int = 900  # past it the worker and its kernel are killed
    memory_gb: float = 6.0  # address space of the worker and of each kernel process: TensorFlow maps ~3 GiB
    output_bytes: int = 2**20  # output kept per cell; the rest is dropped
    notebook_output_bytes: int = 8 * 2**20  # output kept in the whole notebook (the feedback page's size)
    threads: int = 0  # CPU threads of the kernel's TensorFlow and OpenMP pools (0: one per core)
    processes: int = 256 + 8 * (os.cpu_count() or 1)  # the kernel uid's processes and threads (TF starts ~4 per core)
    file_bytes: int = 2**30  # largest file a kernel may write
    open_files: int = 4096
    tmp_bytes: int = 512 * 2**20  # each of the kernel's private /tmp, /dev/shm and working folder (RAM-backed)

    HELP = {
        "cell_seconds": "seconds per cell",
        "submission_seconds": "seconds per submission (worker and kernel are then killed)",
        "memory_gb": "address-space cap per grading process, in GiB (raise it on GPU machines)",
    }

    @property
    def memory_bytes(self):
        return int(self.memory_gb * 2**30)

    @property
    def kernel_seconds(self):
        """The kernel's own time limit: short of the submission's, so that the cells that finished
        keep their points; the submission limit (the worker is killed) stays the backstop."""
        return max(1, self.submission_seconds - max(30, self.submission_seconds // 10))

    def with_threads(self, threads):
        return replace(self, threads=threads)

    def thread_environment(self):
        """Environment variables that size the kernel's thread pools: kernels graded side by side
        each sized to the whole machine would spend their time switching between threads."""
        if not self.threads:
            return {}
        return {name: str(self.threads) for name in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS")}

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, values):
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})

    @classmethod
    def add_arguments(cls, parser):
        """A flag per limit that the instructor sets (`--cell-seconds`, ...), its default from here."""
        defaults = cls()
        for name, text in cls.HELP.items():
            kind = type(getattr(defaults, name))
            parser.add_argument("--" + name.replace("_", "-"), type=kind, default=getattr(defaults, name),
                                help=f"{text} (default {getattr(defaults, name):g})")

    @classmethod
    def from_arguments(cls, args):
        return cls(**{name: getattr(args, name) for name in cls.HELP})


def kernel_threads(workers, cores=None):
    """CPU threads per kernel when `workers` kernels run at once: a share of the cores, or 0 (the
    default, one per core) for a single worker, which has the machine to itself."""
    cores = cores or os.cpu_count() or 1
    return 0 if workers <= 1 else max(1, cores // workers)
