"""GPU check: the CUDA test cases and batched syntheses on the GPU, in one table.

    bash benchmarks/gpu_check.sh                  # what to run on a CUDA machine (≤ 5 minutes)
    python benchmarks/bench_gpu.py                # the same, without the shell wrapper
    python benchmarks/bench_gpu.py --cpu          # CPU fallback: tiny syntheses, exercises the script only
    python benchmarks/bench_gpu.py --cpu --size 32 --n-samples 2 --max-iter 3   # what the test runs

With CUDA it runs ``pytest -k cuda`` (the cases of the ``device`` fixture in
tests/conftest.py parametrized to ``cuda``), then, for a gray (gravel) and a colour
(``--colour-texture``, default tissue) exemplar, the central ``--size``² crop (default
256), a default-schedule synthesis of 1 and of 8 samples (``--n-samples``) on the GPU,
after a short warm-up (CUDA context, FFT plans). Each synthesis gets ``--time-budget``
seconds (default 60) so the whole check ends within 5 minutes; the table says when a run
stopped on that budget. Per run: wall time of the batch and per sample, iterations, peak
GPU memory (``torch.cuda.max_memory_allocated``), mean final statistics error.

Without CUDA (or with ``--cpu``) it says so, skips the tests and runs the same table on
the CPU at ``--size`` 32, 3 scales, 3 iterations, 2 samples unless told otherwise: the
figures mean nothing, the point is that the script keeps working (tests/test_benchmarks.py).
It exits 0 unless a test or a synthesis fails.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _memory import PeakGrowth  # noqa: E402  (this folder's helper)

ROOT = Path(__file__).resolve().parents[1]
GPU = {"size": 256, "n_scales": None, "max_iter": None, "n_samples": [1, 8], "time_budget": 60.0}
CPU_FALLBACK = {"size": 32, "n_scales": 3, "max_iter": 3, "n_samples": [2], "time_budget": 60.0}


def cuda_tests() -> str:
    """Run the CUDA test cases; return pytest's summary line (raise if any fails)."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "cuda", "tests"]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    lines = [line for line in run.stdout.splitlines() if re.search(r"\d+ (passed|failed|skipped|error)", line)]
    summary = lines[-1].strip("= ") if lines else "no summary"
    if run.returncode not in (0, 5):  # 5: nothing selected
        print(run.stdout[-4000:], run.stderr[-2000:], sep="\n", file=sys.stderr)
        raise SystemExit(f"CUDA tests failed: {summary}")
    return summary


def exemplar(name: str, size: int) -> np.ndarray:
    """Central ``size``² crop of a bundled texture, float64 in [0, 1]."""
    from wavetex import textures

    image = textures.load(name)
    top, left = (image.shape[0] - size) // 2, (image.shape[1] - size) // 2
    return image[top : top + size, left : left + size]


def synthesis_options(settings: dict, device: str) -> dict:
    options = {"device": device, "progress": False, "time_budget": settings["time_budget"]}
    options.update({k: settings[k] for k in ("n_scales", "max_iter") if settings[k] is not None})
    return options


def warm_up(image: np.ndarray, settings: dict, device: str) -> None:
    """CUDA context, kernels and FFT plans, outside the timed runs."""
    import wavetex

    options = {**synthesis_options(settings, device), "max_iter": 2}
    wavetex.synthesize(image, **options)


def timed_synthesis(image: np.ndarray, n_samples: int, settings: dict, device: str) -> dict:
    """One batch of default-schedule syntheses: times, iterations, peak memory, error."""
    import wavetex

    cuda = device.startswith("cuda")
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    with PeakGrowth() as host:
        start = time.perf_counter()
        result = wavetex.synthesize(image, n_samples=n_samples, **synthesis_options(settings, device))
        if cuda:
            torch.cuda.synchronize()
        seconds = time.perf_counter() - start
    peak = torch.cuda.max_memory_allocated() / 2**20 if cuda else host.mib
    return {
        "samples": n_samples,
        "seconds": seconds,
        "per_sample": seconds / n_samples,
        "iterations": max(result.n_iterations),
        "peak_mib": peak,
        "error": float(np.mean(result.errors)),
        "stop": sorted(set(result.stop_reasons)),
    }


def print_table(device: str, tests: str, rows: list[dict]) -> None:
    print(f"device: {device}; CUDA tests: {tests}")
    head = f"{'texture':22s} {'size':>5s} {'samples':>7s} {'batch':>9s} {'per sample':>10s} {'iters':>5s} {'peak mem':>9s} {'error':>7s}  stop"
    print(head)
    for r in rows:
        print(f"{r['texture']:22s} {r['size']:5d} {r['samples']:7d} {r['seconds']:8.2f}s {r['per_sample']:9.2f}s "
              f"{r['iterations']:5d} {r['peak_mib']:7.0f}MB {r['error']:7.4f}  {'; '.join(r['stop'])}")


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cpu", action="store_true", help="CPU fallback even when a GPU is present")
    parser.add_argument("--colour-texture", default="tissue", help="bundled colour texture (default: tissue)")
    parser.add_argument("--size", type=int, help="exemplar side (GPU 256, CPU fallback 32)")
    parser.add_argument("--n-scales", type=int, help="wavelet scales (default: the library's; CPU fallback 3)")
    parser.add_argument("--max-iter", type=int, help="iteration cap (default: the schedule's; CPU fallback 3)")
    parser.add_argument("--n-samples", type=int, nargs="+", help="batch sizes (GPU 1 8, CPU fallback 2)")
    parser.add_argument("--time-budget", type=float, help="seconds per synthesis (default 60)")
    parser.add_argument("--json", type=Path, help="also write the table's numbers to this file")
    return parser.parse_args()


def main() -> None:
    args = parse_arguments()
    on_gpu = torch.cuda.is_available() and not args.cpu
    settings = dict(GPU if on_gpu else CPU_FALLBACK)
    settings.update({k: getattr(args, k) for k in settings if getattr(args, k) is not None})
    if on_gpu:
        device, tests = "cuda", cuda_tests()
        label = f"cuda ({torch.cuda.get_device_name()})"
    else:
        print("no CUDA GPU used: CPU fallback at a tiny size; it exercises the script, the figures mean nothing")
        device, tests, label = "cpu", "skipped (no GPU)", "cpu"
        torch.set_num_threads(1)
    rows = []
    for part, name in (("gray", "gravel"), ("colour", args.colour_texture)):
        image = exemplar(name, settings["size"])
        warm_up(image, settings, device)
        for n_samples in settings["n_samples"]:
            print(f"running {name} × {n_samples} ...", file=sys.stderr, flush=True)
            row = timed_synthesis(image, n_samples, settings, device)
            rows.append({"texture": f"{name} ({part})", "size": settings["size"], **row})
    print_table(label, tests, rows)
    if args.json:
        args.json.write_text(json.dumps({"device": label, "tests": tests, "settings": settings, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
