"""wavetex._heap: freed large tensors leave the resident set (glibc)."""

from __future__ import annotations

import platform
import sys
from pathlib import Path

import pytest
import torch

from wavetex import _heap

glibc = pytest.mark.skipif(
    not (sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"), reason="glibc's allocator only"
)


def _resident_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise KeyError("VmRSS")


@glibc
def test_freed_blocks_of_a_few_megabytes_leave_the_resident_set():
    assert _heap.return_large_blocks()
    # glibc's default would now serve blocks up to 24 MiB from the heap (a freed mapped
    # block raises its threshold), where freeing them gives nothing back while smaller
    # allocations after them are alive
    torch.ones(6 * 2**20).zero_()  # 24 MiB, freed at once
    blocks, pins = [], []
    for _ in range(10):
        blocks.append(torch.ones(2 * 2**20))  # 8 MiB each, touched
        pins.append(torch.ones(1024))  # small, alive: the heap cannot shrink past them
    before = _resident_mib()
    del blocks
    assert before - _resident_mib() > 0.9 * 80  # all of it

