"""Time one loss + gradient of the ALPHA statistics, against the per-pair oracle.

    python benchmarks/bench_statistics.py            # every case, baseline included
    python benchmarks/bench_statistics.py --quick    # fewer repeats, no baseline

For each case (paper-default models, float32) it prints the median time of one loss +
gradient evaluation of wavetex and, measured in the same run, of the straightforward
per-pair implementation kept in ``tests/oracle.py`` (one rolled product per pair and
shift), their ratio, and the peak memory (resident set growth) of each. Every
measurement runs in a fresh subprocess, one at a time, with ``--threads`` threads
(default 2) and flush-denormal on.

Targets (the project's goals for the statistics, two-core CPU): ≤ 0.25 s at 256² gray, ≤ 0.07 s at 128² gray,
≤ 0.5 s at 128² colour.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _memory import PeakGrowth  # noqa: E402  (this folder's helper)

ROOT = Path(__file__).resolve().parents[1]
CASES = {  # name: (colours, side, target seconds)
    "gray-256": (1, 256, 0.2),
    "gray-128": (1, 128, 0.07),
    "colour-128": (3, 128, 0.5),
}


def _exemplar(colours: int, side: int):
    import numpy as np
    import torch
    from skimage import data

    if colours == 1:
        image = data.gravel()[:side, :side] / 255.0
        return torch.tensor(image, dtype=torch.float32)
    image = data.astronaut()[100 : 100 + side, 180 : 180 + side] / 255.0  # hair and uniform
    return torch.tensor(np.moveaxis(image, -1, 0).copy(), dtype=torch.float32)


def _measure(case: str, implementation: str, repeats: int, threads: int) -> dict:
    """Runs inside the subprocess."""
    import torch

    torch.set_num_threads(threads)
    torch.set_flush_denormal(True)
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "tests"))
    import wavetex

    colours, side, _ = CASES[case]
    exemplar = _exemplar(colours, side)
    stats = wavetex.TextureStatistics(exemplar)
    image = torch.rand(1, colours, side, side, generator=torch.Generator().manual_seed(0)).requires_grad_()
    if implementation == "wavetex":
        compute = stats
    else:
        from oracle import oracle_statistics

        exemplar_chw = exemplar if exemplar.ndim == 3 else exemplar[None]

        def compute(x):
            return oracle_statistics(exemplar_chw, x[0], stats.config)[None]

    def step():
        image.grad = None
        loss = ((compute(image) - stats.target) ** 2).sum()
        loss.backward()

    with PeakGrowth() as peak:
        step()  # warm-up (filters, allocator)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            step()
            times.append(time.perf_counter() - start)
    return {"median_s": statistics.median(times), "times_s": times, "peak_mib": peak.mib, "n_stats": stats.n_stats}


def _run(case: str, implementation: str, repeats: int, threads: int) -> dict:
    command = [sys.executable, __file__, "--worker", case, implementation, str(repeats), "--threads", str(threads)]
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    out = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--quick", action="store_true", help="3 repeats, no baseline")
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=list(CASES))
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        case, implementation, repeats = args.worker
        print(json.dumps(_measure(case, implementation, int(repeats), args.threads)))
        return

    import torch

    repeats = 3 if args.quick else args.repeats
    print(f"loss + gradient, float32, {args.threads} threads, torch {torch.__version__}; median of {repeats}")
    print(f"{'case':12s} {'n_stats':>8s} {'wavetex':>9s} {'target':>7s} {'peak':>8s} | {'per-pair':>9s} {'peak':>8s} {'speed-up':>9s}")
    for case in args.cases:
        fast = _run(case, "wavetex", repeats, args.threads)
        line = (
            f"{case:12s} {fast['n_stats']:8d} {fast['median_s']:8.3f}s {CASES[case][2]:6.2f}s "
            f"{fast['peak_mib']:6.0f}MB |"
        )
        if not args.quick:
            slow = _run(case, "oracle", 1, args.threads)
            line += f" {slow['median_s']:8.2f}s {slow['peak_mib']:6.0f}MB {slow['median_s'] / fast['median_s']:8.0f}×"
        print(line, flush=True)


if __name__ == "__main__":
    main()
