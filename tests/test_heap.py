"""benchmarks/_heap.py (a memory lever measured, not adopted): freed large tensors leave the
resident set (glibc)."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"

glibc = pytest.mark.skipif(
    not (sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"), reason="glibc's allocator only"
)

# In a fresh process: a heap that earlier work left with free space would serve the blocks
# from it whatever the threshold (glibc looks in its free lists before mapping).
SCENARIO = """
from pathlib import Path
import torch
import sys
sys.path.insert(0, sys.argv[1])
import _heap

def resident_mib():
    line = next(l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024

assert _heap.return_large_blocks()
# glibc's default would now serve blocks up to 24 MiB from the heap (a freed mapped block
# raises its threshold), where freeing them gives nothing back while smaller allocations
# made after them are alive
torch.ones(6 * 2**20).zero_()  # 24 MiB, freed at once
blocks, pins = [], []
for _ in range(10):
    blocks.append(torch.ones(2 * 2**20))  # 8 MiB each, touched
    pins.append(torch.ones(1024))  # small, alive: the heap cannot shrink past them
before = resident_mib()
del blocks
print(before - resident_mib())
"""


@glibc
def test_freed_blocks_of_a_few_megabytes_leave_the_resident_set():
    returned = float(subprocess.run([sys.executable, "-c", SCENARIO, str(BENCHMARKS)], capture_output=True, text=True, check=True).stdout)
    assert returned > 0.9 * 80  # all of the 80 MiB
