"""Benchmark of the memorization probe: 512x512 synthesis against a 256x256 exemplar.

Prints the median wall time (single thread) of :func:`wavetex.memorization.probe`
with and without a cached calibration, and, measured in the same run, a
straightforward baseline: ``skimage.feature.match_template`` called once per crop on
the periodically padded exemplar. The baseline is timed on a subset of crops and
extrapolated to all crops (the output says so); its best NCCs are checked against the
probe's.

Run from the repository root::

    PYTHONPATH=. python benchmarks/bench_memorization.py
"""

from __future__ import annotations

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"  # single thread, set before numpy is imported

import argparse  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402
import skimage  # noqa: E402
import skimage.data  # noqa: E402
from skimage.feature import match_template  # noqa: E402

from wavetex.memorization import (  # noqa: E402
    calibrate,
    clear_calibration_cache,
    phase_randomized,
    probe,
)


def median_time(function: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``function()`` over ``repeats`` runs, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def baseline_best_match(crop: np.ndarray, padded_exemplar: np.ndarray) -> float:
    """Best NCC of one crop over the periodic exemplar, the straightforward way."""
    return float(match_template(padded_exemplar, crop).max())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs per timing (median)")
    parser.add_argument(
        "--baseline-crops", type=int, default=12, help="crops timed for the baseline"
    )
    arguments = parser.parse_args()

    exemplar = skimage.data.gravel()[:256, :256].astype(np.float64) / 255.0
    synthesis = np.tile(phase_randomized(exemplar, seed=0), (2, 2))  # 512x512, a null

    probe(synthesis, exemplar)  # warm-up (FFT plans, imports)

    def uncached() -> object:
        clear_calibration_cache()
        return probe(synthesis, exemplar)

    time_uncached = median_time(uncached, arguments.repeats)
    calibration = calibrate(exemplar)
    time_cached = median_time(lambda: probe(synthesis, exemplar), arguments.repeats)
    time_calibration = median_time(
        lambda: (clear_calibration_cache(), calibrate(exemplar)), arguments.repeats
    )
    report = probe(synthesis, exemplar, calibration=calibrate(exemplar))

    # Baseline: match_template per crop on the wrap-padded exemplar (a subset, extrapolated).
    crop_size = report.crop_size
    padded = np.pad(exemplar, ((0, crop_size - 1), (0, crop_size - 1)), mode="wrap")
    rng = np.random.default_rng(1)
    n_subset = min(arguments.baseline_crops, report.n_crops)
    subset = rng.choice(report.n_crops, size=n_subset, replace=False)
    crops = [
        synthesis[y : y + crop_size, x : x + crop_size] for y, x in report.crop_positions[subset]
    ]
    start = time.perf_counter()
    baseline_values = np.array([baseline_best_match(crop, padded) for crop in crops])
    time_per_crop = (time.perf_counter() - start) / len(crops)
    agreement = float(np.max(np.abs(baseline_values - report.crop_matches[subset])))
    padded_synthesis = np.pad(synthesis, ((0, 255), (0, 255)), mode="wrap")
    time_global = median_time(lambda: match_template(padded_synthesis, exemplar), 1)
    n_calibration_crops = calibration.n_crops
    baseline_cached = time_per_crop * report.n_crops + time_global
    baseline_uncached = baseline_cached + time_per_crop * n_calibration_crops

    print("wavetex memorization probe benchmark")
    print(
        f"  numpy {np.__version__}, scikit-image {skimage.__version__}, "
        f"python {platform.python_version()}, {platform.machine()}, single thread"
    )
    print(
        f"  synthesis 512x512 (2x2 tiling of a phase-randomized gravel crop), "
        f"exemplar 256x256 gravel; crop size {crop_size}, {report.n_crops} synthesis crops, "
        f"{n_calibration_crops} calibration crops; median of {arguments.repeats} runs"
    )
    print(f"  probe, calibration computed  : {time_uncached:6.3f} s")
    print(f"  probe, calibration cached    : {time_cached:6.3f} s")
    print(f"  calibration alone            : {time_calibration:6.3f} s")
    print(
        f"  baseline (match_template per crop, wrap-padded exemplar; timed on "
        f"{len(crops)} crops, {time_per_crop * 1e3:.1f} ms/crop, EXTRAPOLATED to all crops; "
        f"global match timed once: {time_global:.3f} s):"
    )
    for label, baseline, ours in [
        ("calibration computed", baseline_uncached, time_uncached),
        ("calibration cached", baseline_cached, time_cached),
    ]:
        print(f"    {label:27s}: {baseline:6.2f} s  (ratio {baseline / ours:5.1f}x)")
    print(f"  max |best NCC baseline - probe| on the timed crops: {agreement:.1e}")
    print(f"  verdict on this null: {report.verdict} ({report.verdict_reason})")


if __name__ == "__main__":
    main()
