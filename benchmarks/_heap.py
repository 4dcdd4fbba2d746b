"""Freed large tensors go back to the operating system (glibc's malloc, Linux).

glibc serves an allocation of at least ``M_MMAP_THRESHOLD`` bytes with a mapping of its
own, unmapped when freed; smaller ones come from the heap, which keeps the pages it has
touched. The threshold starts at 128 KiB but, by default, rises to the size of every
mapped block that is freed (up to 32 MiB). After the first evaluation of a synthesis,
its temporaries of 1–32 MB (one phase of a colour 256² image's rectified maps is 16 MB)
all came from the heap, which then kept the high-water mark of the preparation and of
every evaluation, fragmented: a colour 256² synthesis grew by 563 MB where one
evaluation needs 199 MB and the L-BFGS history 75 MB. :func:`return_large_blocks` fixes
the threshold at :data:`MMAP_THRESHOLD`, which also stops it rising.

Measured, not adopted by default (issue 17): colour 256² default synthesis, 2 threads,
peak growth 554 -> 396 MB, images bit-identical, but 245 -> 368 s, since every large
temporary is then faulted in afresh at every evaluation. ``benchmarks/bench_memory.py``
measures it (resident-set growth, same run).

It changes the whole process's allocator, once; an explicit ``MALLOC_MMAP_THRESHOLD_`` in
the environment is left as it is, and elsewhere than glibc nothing happens.

    >>> return_large_blocks() in (True, False)
    True
"""

from __future__ import annotations

import ctypes
import os
import platform
import sys

__all__ = ["MMAP_THRESHOLD", "return_large_blocks"]

#: Allocations of at least this many bytes get their own mapping, returned when freed.
MMAP_THRESHOLD = 1 << 20
_M_MMAP_THRESHOLD = -3  # glibc's malloc.h
_done: bool | None = None


def return_large_blocks() -> bool:
    """Fix glibc's mmap threshold at :data:`MMAP_THRESHOLD` (once per process).

    Returns
    -------
    bool
        Whether the threshold is fixed: False off Linux/glibc, or where the environment
        sets ``MALLOC_MMAP_THRESHOLD_`` itself.
    """
    global _done
    if _done is None:
        _done = False
        if sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc" and "MALLOC_MMAP_THRESHOLD_" not in os.environ:
            try:
                _done = bool(ctypes.CDLL("libc.so.6").mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))
            except (OSError, AttributeError):
                pass
    return _done
