"""A progress line for long batches: counts by status, elapsed time and an estimate of time left."""
import sys
import time
from collections import Counter

from .report import printable


class Progress:
    def __init__(self, total, stream=sys.stderr, width=30):
        self.total, self.stream, self.width = total, stream, width
        self.counts, self.start = Counter(), time.monotonic()
        self.live = stream.isatty()  # redraw one line on a terminal, one line per student in logs

    def update(self, student, status):
        self.counts[status] += 1
        done = sum(self.counts.values())
        elapsed = time.monotonic() - self.start
        left = elapsed / done * (self.total - done)
        filled = int(self.width * done / max(self.total, 1))
        counts = ", ".join(f"{name} {n}" for name, n in sorted(self.counts.items()))
        line = (f"[{'#' * filled}{'.' * (self.width - filled)}] {done}/{self.total}  {counts}  "
                f"elapsed {_clock(elapsed)}, left ~{_clock(left)}")
        if self.live:
            self.stream.write("\r" + line + ("\n" if done == self.total else ""))
        else:
            self.stream.write(f"{line}  ({printable(student)}: {status})\n")
        self.stream.flush()


def _clock(seconds):
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}:{seconds:02d}"
