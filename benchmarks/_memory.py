"""Peak resident memory of one block of work, for the benchmarks.

``getrusage``'s ``ru_maxrss`` is the peak of the whole process: when anything before
the block (imports, loading a photograph, building the natural-variation crops) rose
higher than the block itself, the difference reads as zero. On Linux the high-water
mark can be reset: writing ``5`` to ``/proc/self/clear_refs`` sets ``VmHWM`` to the
current ``VmRSS`` (Linux ≥ 4.0), so ``VmHWM`` after the block minus ``VmRSS`` before it
is the block's own peak growth. Elsewhere this falls back to ``ru_maxrss`` and says so.

    >>> import mmap
    >>> with PeakGrowth() as peak:
    ...     block = mmap.mmap(-1, 64 * 2**20)  # fresh pages, whatever malloc holds already
    ...     block[::mmap.PAGESIZE] = b"x" * (64 * 2**20 // mmap.PAGESIZE)  # touch every page
    >>> peak.mib >= 60 or not peak.exact
    True

It measures resident-set growth: memory that the allocator had already taken from the
kernel and reuses does not count (as in the synthesis itself).
"""

from __future__ import annotations

import resource
import sys
from pathlib import Path

_STATUS, _CLEAR_REFS = Path("/proc/self/status"), Path("/proc/self/clear_refs")


def _status_mib(field: str) -> float:
    for line in _STATUS.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024  # kB
    raise KeyError(field)


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (2**20 if sys.platform == "darwin" else 1024)


def _can_reset() -> bool:
    try:
        _CLEAR_REFS.write_text("5")
        return True
    except OSError:
        return False


class PeakGrowth:
    """Context manager: ``mib`` = peak resident-set growth (MiB) inside the ``with`` block;
    ``exact`` is False where the peak could not be reset (then ``mib`` may read low)."""

    def __enter__(self) -> "PeakGrowth":
        self.exact = _can_reset()
        self._before = _status_mib("VmRSS") if self.exact else _maxrss_mib()
        self.mib = 0.0
        return self

    def __exit__(self, *exc) -> None:
        after = _status_mib("VmHWM") if self.exact else _maxrss_mib()
        self.mib = after - self._before
