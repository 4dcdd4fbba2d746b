"""Is it the model or the optimisation? Default schedule against a long one, by local fidelity.

    flock /tmp/wavetex-heavy.lock python scripts/fidelity_schedules.py [--seeds 0 1] [--long-iter 600]

On structured 256² gray exemplars (the bundled brick, the same turned a quarter, the
drawn dots lattice, and cells: the walls of a jittered hexagonal Voronoi diagram drawn
here), synthesises each with the default schedule and with the paper's schedule capped
at ``--long-iter`` full-resolution iterations, and prints the defect fraction of each
(``wavetex.memorization.local_fidelity`` against the exemplar) with the wall time. The
table goes to docs/fidelity.md, "Default against a long schedule", by hand.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy import ndimage

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import wavetex  # noqa: E402
from wavetex import textures  # noqa: E402
from wavetex.memorization import local_fidelity  # noqa: E402


def cells(size: int = 256, spacing: float = 24.0, seed: int = 0) -> np.ndarray:
    """Bright 3-px walls between cells of a jittered hexagonal lattice, on a noisy ground."""
    rng = np.random.default_rng(seed)
    rows = np.arange(-1, size / (spacing * 0.866) + 2)
    points = np.array(
        [(r * spacing * 0.866, c * spacing + (r % 2) * spacing / 2) for r in rows for c in np.arange(-1, size / spacing + 2)]
    )
    points += rng.normal(0, spacing * 0.08, points.shape)
    y, x = np.mgrid[:size, :size]
    distances = np.sqrt((y[..., None] - points[:, 0]) ** 2 + (x[..., None] - points[:, 1]) ** 2)
    nearest = np.sort(distances, axis=-1)[..., :2]
    walls = (nearest[..., 1] - nearest[..., 0]) < 3.0
    ground = 0.35 + 0.05 * ndimage.gaussian_filter(rng.standard_normal((size, size)), 1.0)
    return np.clip(np.where(walls, 0.75, ground), 0.0, 1.0)


def exemplars() -> dict[str, np.ndarray]:
    brick = textures.load("brick")
    return {"brick": brick, "brick turned": brick.T.copy(), "dots": textures.load("dots"), "cells": cells()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--long-iter", type=int, default=600)
    arguments = parser.parse_args()
    print("| exemplar | seed | default: defect_fraction | time (s) | long: defect_fraction | time (s) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, exemplar in exemplars().items():
        for seed in arguments.seeds:
            row = [name, str(seed)]
            for options in ({}, {"schedule": "paper", "max_iter": arguments.long_iter}):
                start = time.perf_counter()
                result = wavetex.synthesize(exemplar, seed=seed, progress=False, **options)
                seconds = time.perf_counter() - start
                fidelity = local_fidelity(result.images[0], exemplar)
                row += [f"{fidelity.defect_fraction:.3f}", f"{seconds:.0f}"]
            print("| " + " | ".join(row) + " |", flush=True)


if __name__ == "__main__":
    main()
