"""Peak live memory of one loss + gradient, against the formulation it replaced, same run.

    python benchmarks/bench_memory.py                  # colour and gray 256², paper default model (~1 min)
    python benchmarks/bench_memory.py --threads 2      # as the synthesis benchmark runs
    python benchmarks/bench_memory.py --size 64        # smoke test
    python benchmarks/bench_memory.py --evaluations 0  # only the peak live memory (first table)

The torch profiler records every CPU allocation and release during one evaluation of
the synthesis objective (statistics, loss, gradient) of a 256² image, after a warm-up
evaluation; the peak of the bytes alive is what the evaluation itself needs, apart
from what the allocator keeps (the synthesis benchmark's resident-set growth, which
includes that, is larger). The baseline is the formulation before issue 17, all under
plain autograd: the generalized rectifier, then the standardisation (it kept each
phase's rectified maps for the backward and made stacked, centred and scaled copies in
turn), and the zero-shift products between colours (τ = (0, 0) for c ≠ c′) as a matrix
product (its backward held three gradients the size of all rectified maps: a
``select_backward`` of zeros, a ``bmm`` and their sum; colour only). It also checks that
both give bit-identical losses and gradients.

The second table is what the allocator keeps: the resident-set growth
(``_memory.PeakGrowth``, as the synthesis benchmark measures it) of the preparation and
``--evaluations`` evaluations with an L-BFGS history (50 touched pairs) alive, each case
in a fresh process, with glibc's mmap threshold fixed at 1 MiB (``benchmarks/_heap.py``, a lever
measured and not adopted: it costs time) against glibc's default, which a synthesis
runs with (the baseline: the threshold rises to every freed mapped block's size, and the
heap then keeps freed temporaries of up to 32 MB).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import types
from pathlib import Path

import torch


def _former_statistics(self, x: torch.Tensor, borders: str) -> torch.Tensor:
    """The circular statistics as computed before issue 17 (baseline): the rectifier, the
    standardisation and the zero-shift products between colours under plain autograd."""
    from wavetex.lagged_products import grouped_lagged_products

    assert borders == "circular", "the baseline covers the synthesis's circular statistics only"
    B, (M, N) = x.shape[0], x.shape[-2:]
    wavelet, lowpass, haar = self._channels(x, borders)  # plain generalized_rectifier
    wavelet, lowpass = self.wavelet_standardisation(wavelet), self.lowpass_standardisation(lowpass)
    channels = wavelet.reshape(B, -1, M, N)
    parts = [grouped_lagged_products(channels, self._plan.groups, self._shifts)] if self._plan.groups else []
    if self._plan.needs_zero_shift_gram:
        phase0 = channels.view(B, -1, self.config.n_phases, M, N)[:, :, 0]
        gram = channels.reshape(B, -1, M * N) @ phase0.reshape(B, -1, M * N).transpose(1, 2)
        parts.append(gram.reshape(B, -1))
    raw = [torch.cat(parts, dim=1), self._lowpass_correlations(lowpass), self._haar_correlations(haar)]
    return torch.cat([r.reshape(B, -1) for r in raw], dim=1).index_select(1, self._order) / (M * N)


def peak_live_mib(evaluate) -> float:
    """Peak of the CPU bytes alive during ``evaluate()``, from the profiler's allocation events."""
    from torch._C._profiler import _EventType
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        evaluate()
    events = []

    def walk(node) -> None:
        if node.tag == _EventType.Allocation:
            events.append((node.start_time_ns, node.typed[1].ptr, node.typed[1].alloc_size))
        for child in node.children:
            walk(child)

    for root in prof.profiler.kineto_results.experimental_event_tree():
        walk(root)
    live: dict[int, int] = {}
    current = peak = 0
    for _, ptr, size in sorted(events):
        if size > 0:
            live[ptr] = size
            current += size
        else:
            current -= live.pop(ptr, 0)
        peak = max(peak, current)
    return peak / 2**20


def measure(texture: str, size: int, repeats: int = 3) -> dict:
    """Peak live memory, time (median of ``repeats``) and result of one objective
    evaluation, current code and baseline."""
    from wavetex import _validate, textures
    from wavetex.config import synthesis_config
    from wavetex.objective import LOSS_WEIGHT, Objective
    from wavetex.synthesis import prepare

    exemplar = _validate.exemplar(textures.load(texture)[:size, :size]).double()  # (C, H, W)
    prepared = prepare(exemplar, synthesis_config(None, {}))
    objective = Objective(prepared.statistics, prepared.target, (1, *exemplar.shape), LOSS_WEIGHT * size**4)
    X = prepared.start.float().reshape(1, -1)
    out = {}
    for name in ("baseline", "current"):
        if name == "baseline":
            prepared.statistics._statistics = types.MethodType(_former_statistics, prepared.statistics)
        else:
            del prepared.statistics._statistics  # back to the class's method
        objective(X)  # warm-up: filters and caches
        result = {}
        out[name] = {"mib": peak_live_mib(lambda: result.update(value=objective(X))), "result": result["value"]}
        seconds = []
        for _ in range(repeats):
            start = time.perf_counter()
            objective(X)
            seconds.append(time.perf_counter() - start)
        out[name]["seconds"] = statistics.median(seconds)
    same = all(torch.equal(a, b) for a, b in zip(out["baseline"]["result"], out["current"]["result"]))
    return {**{f"{k}_{name}": out[name][k] for name in out for k in ("mib", "seconds")}, "bit_identical": same}


def resident_growth(texture: str, size: int, evaluations: int, fixed: bool) -> dict:
    """In this process: resident-set growth (MiB) of the preparation, then of it and
    ``evaluations`` objective evaluations with an L-BFGS history alive; glibc's mmap
    threshold fixed (``fixed``) or as glibc has it."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _heap import return_large_blocks
    from _memory import PeakGrowth

    from wavetex import _validate, synthesis, textures
    from wavetex.config import synthesis_config
    from wavetex.lbfgs import LBFGSOptions
    from wavetex.objective import LOSS_WEIGHT, Objective

    if fixed:  # else glibc's dynamic threshold, as a synthesis runs by default
        return_large_blocks()
    exemplar = _validate.exemplar(textures.load(texture)[:size, :size]).double()
    with PeakGrowth() as whole:
        with PeakGrowth() as preparation:
            prepared = synthesis.prepare(exemplar, synthesis_config(None, {}))
        objective = Objective(prepared.statistics, prepared.target, (1, *exemplar.shape), LOSS_WEIGHT * size**4)
        X = prepared.start.float().reshape(1, -1)
        history = X.new_ones(2, LBFGSOptions().history_size, X.numel())  # steps and gradient changes, touched
        seconds = []
        for k in range(evaluations):
            start = time.perf_counter()
            objective(X + 1e-3 * k)
            seconds.append(time.perf_counter() - start)
        del history
    return {"preparation": preparation.mib, "whole": whole.mib, "exact": whole.exact,
            "seconds": statistics.median(seconds) if seconds else None}


def _resident_in_subprocess(texture: str, size: int, evaluations: int, fixed: bool, threads: int) -> dict:
    command = [sys.executable, __file__, "--resident-worker", json.dumps([texture, size, evaluations, fixed, threads])]
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--evaluations", type=int, default=3,
                        help="evaluations in the resident-set table (default 3; 0: no such table)")
    parser.add_argument("--resident-worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.resident_worker:
        texture, size, evaluations, fixed, threads = json.loads(args.resident_worker)
        torch.set_num_threads(threads)
        torch.set_flush_denormal(True)
        print(json.dumps(resident_growth(texture, size, evaluations, fixed)))
        return
    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)
    print(f"{args.size}², paper default model, one loss + gradient: peak live CPU memory (torch profiler) and "
          f"time (median of 3), {args.threads} thread(s); baseline = the formulation before issue 17, same run")
    print(f"{'case':8s} {'baseline':>10s} {'current':>10s} {'ratio':>6s}   {'baseline':>9s} {'current':>9s} {'ratio':>6s}  bit-identical")
    for case, texture in (("colour", "retina"), ("gray", "gravel")):
        m = measure(texture, args.size)
        print(f"{case:8s} {m['mib_baseline']:7.0f} MB {m['mib_current']:7.0f} MB {m['mib_current'] / m['mib_baseline']:6.2f}   "
              f"{m['seconds_baseline']:7.3f} s {m['seconds_current']:7.3f} s {m['seconds_current'] / m['seconds_baseline']:6.2f}  "
              f"{m['bit_identical']}")
    if args.evaluations <= 0:
        return
    print(f"\nresident-set growth (PeakGrowth) of the preparation + {args.evaluations} loss + gradient with an L-BFGS "
          f"history (50 pairs) alive, fresh process each; default = glibc's dynamic mmap threshold, as a synthesis runs; "
          f"fixed = at 1 MiB (benchmarks/_heap.py, a lever not adopted)")
    print(f"{'case':8s} {'':12s} {'default':>10s} {'fixed':>10s} {'ratio':>6s}   time per evaluation, default / fixed")
    for case, texture in (("colour", "retina"), ("gray", "gravel")):
        base, now = (_resident_in_subprocess(texture, args.size, args.evaluations, fixed, args.threads) for fixed in (False, True))
        for part in ("preparation", "whole"):
            print(f"{case:8s} {part:12s} {base[part]:7.0f} MB {now[part]:7.0f} MB {now[part] / base[part]:6.2f}" +
                  (f"   {base['seconds']:.3f} s / {now['seconds']:.3f} s" if part == "whole" and base["seconds"] else ""))


if __name__ == "__main__":
    main()
