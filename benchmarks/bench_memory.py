"""Peak live memory of one loss + gradient, against the formulation it replaced, same run.

    python benchmarks/bench_memory.py                  # colour and gray 256², paper default model (~1 min)
    python benchmarks/bench_memory.py --size 64        # smoke test

The torch profiler records every CPU allocation and release during one evaluation of
the synthesis objective (statistics, loss, gradient) of a 256² image, after a warm-up
evaluation; the peak of the bytes alive is what the evaluation itself needs, apart
from what the allocator keeps (the synthesis benchmark's resident-set growth, which
includes that, is larger). The baseline is the formulation before issue 17: the
zero-shift products between colours (τ = (0, 0) for c ≠ c′) as a plain matrix product
under autograd, whose backward held three gradients the size of all rectified maps
(a ``select_backward`` of zeros, a ``bmm`` and their sum). Gray models have no such
products, so both rows of a gray case measure the same code. It also checks that both
give bit-identical statistics and gradients.
"""

from __future__ import annotations

import argparse
import types

import torch


def _autograd_gram(self, r: torch.Tensor) -> torch.Tensor:
    """The wavelet covariances as computed before issue 17 (baseline)."""
    from wavetex.lagged_products import grouped_lagged_products

    B, (M, N) = r.shape[0], r.shape[-2:]
    channels = r.reshape(B, -1, M, N)
    parts = [grouped_lagged_products(channels, self._plan.groups, self._shifts)] if self._plan.groups else []
    if self._plan.needs_zero_shift_gram:
        phase0 = channels.view(B, -1, self.config.n_phases, M, N)[:, :, 0]
        gram = channels.reshape(B, -1, M * N) @ phase0.reshape(B, -1, M * N).transpose(1, 2)
        parts.append(gram.reshape(B, -1))
    return torch.cat(parts, dim=1)


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


def measure(texture: str, size: int) -> dict:
    """Peak live memory and result of one objective evaluation, current code and baseline."""
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
            prepared.statistics._wavelet_covariances = types.MethodType(_autograd_gram, prepared.statistics)
        else:
            del prepared.statistics._wavelet_covariances  # back to the class's method
        objective(X)  # warm-up: filters and caches
        result = {}
        out[name] = {"mib": peak_live_mib(lambda: result.update(value=objective(X))), "result": result["value"]}
    same = all(torch.equal(a, b) for a, b in zip(out["baseline"]["result"], out["current"]["result"]))
    return {"baseline": out["baseline"]["mib"], "current": out["current"]["mib"], "bit_identical": same}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)
    print(f"{args.size}², paper default model, one loss + gradient, peak live CPU memory (torch profiler)")
    print(f"{'case':8s} {'baseline':>10s} {'current':>10s} {'ratio':>6s}  bit-identical")
    for case, texture in (("colour", "retina"), ("gray", "gravel")):
        m = measure(texture, args.size)
        print(f"{case:8s} {m['baseline']:7.0f} MB {m['current']:7.0f} MB {m['current'] / m['baseline']:6.2f}  {m['bit_identical']}")


if __name__ == "__main__":
    main()
