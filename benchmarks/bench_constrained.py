"""Quality of constrained synthesis (inpaint, make_tileable, extend) on bundled textures.

    python benchmarks/bench_constrained.py                        # three textures, ~15 min on 2 cores
    python benchmarks/bench_constrained.py --textures gravel --max-iter 60
    python benchmarks/bench_constrained.py --textures gravel brick --max-iter schedule [--no-coarse]
                                                                  # the default schedule, with or without its coarse stage

Quality figures, not timing. For each texture (256² bundled image):

* **inpaint** a blob-shaped hole (two overlapping ellipses, about 8 % of the image): the
  steps between neighbouring pixels across the hole's edge and inside the fill, over
  those between known pixels (:func:`wavetex.quality.boundary_step_ratio`,
  :func:`~wavetex.quality.fill_step_ratio`), against the same measures on the original
  image, whose true pixels in the hole are the baseline of the same run; the fill probe's
  verdict and median crop match against the known region's own (held-out) median;
* **tile** with a 24-pixel band: the step across the wrap-around seam over the largest
  step between neighbouring rows or columns inside (:func:`~wavetex.quality.wrap_step_ratio`),
  before and after;
* **extend** a 160² crop to 256²: the boundary step ratio along the crop's edge.

Every part also reports the fill's local fidelity (``defect_fraction`` of
:func:`wavetex.memorization.fill_fidelity`, 0 for a fill every window of which has a
counterpart among the known pixels), its statistics error and its time. ``--max-iter
schedule`` runs the default schedule as a user gets it (450 coarse iterations at half
resolution, then 40); ``--no-coarse`` drops that coarse stage (``coarse_iter=0``),
to measure it.

Writes ``benchmarks/results/constrained.json`` (after each texture; runs with the same
options add to it) and, per texture, the figure
``benchmarks/results/inpaint_<texture>.png`` (before | mask | after).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

import wavetex
from wavetex import textures
from wavetex.config import SynthesisConfig
from wavetex.io import write_image
from wavetex.provenance import versions
from wavetex.quality import boundary_step_ratio, fill_step_ratio, wrap_step_ratio

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def blob_mask(size: int) -> np.ndarray:
    """Two overlapping tilted ellipses off the centre: an irregular hole, ~8 % of the image."""
    y, x = np.mgrid[:size, :size] / size
    first = ((x - 0.45) * np.cos(0.5) + (y - 0.42) * np.sin(0.5)) ** 2 / 0.14**2 + (
        -(x - 0.45) * np.sin(0.5) + (y - 0.42) * np.cos(0.5)
    ) ** 2 / 0.08**2
    second = ((x - 0.56) / 0.08) ** 2 + ((y - 0.58) / 0.11) ** 2
    return (first < 1) | (second < 1)


def rounded(value: float) -> float:
    return round(float(value), 3)


def inpaint_case(image: np.ndarray, options: dict) -> tuple[dict, np.ndarray, np.ndarray]:
    mask = blob_mask(image.shape[0])
    start = time.perf_counter()
    result = wavetex.inpaint(image, mask, **options)
    filled = result.images[0]
    probe = result.extra["fill_probe"][0]
    record = {
        "unknown_fraction": rounded(mask.mean()),
        "boundary_step_ratio": rounded(boundary_step_ratio(filled, mask)),
        "boundary_step_ratio_original": rounded(boundary_step_ratio(image, mask)),
        "fill_step_ratio": rounded(fill_step_ratio(filled, mask)),
        "fill_step_ratio_original": rounded(fill_step_ratio(image, mask)),
        "crop_match_median": rounded(probe["crop_match_median"]),
        "heldout_median": rounded(probe["heldout_median"]),
        "stop_reason": result.stop_reasons[0],
        **run_record(result, start),
    }
    return record, mask, filled


def run_record(result: wavetex.SynthesisResult, start: float) -> dict:
    """What every part reports about its run and its fill."""
    probe = result.extra["fill_probe"][0]
    coarse = result.extra.get("coarse")
    return {
        "probe_verdict": probe["verdict"],
        "defect_fraction": rounded(probe["defect_fraction"]),
        "statistics_error": rounded(result.errors[0]),
        "iterations": result.n_iterations[0],
        "coarse_iterations": coarse["iterations"][0] if coarse else 0,
        "seconds": round(time.perf_counter() - start, 1),
    }


def tile_case(image: np.ndarray, options: dict, band: int = 24) -> dict:
    start = time.perf_counter()
    result = wavetex.make_tileable(image, band, **options)
    return {
        "band": band,
        "wrap_step_ratio_before": rounded(wrap_step_ratio(image)),
        "wrap_step_ratio_after": rounded(wrap_step_ratio(result.images[0])),
        **run_record(result, start),
    }


def extend_case(image: np.ndarray, options: dict, crop: int = 160) -> dict:
    size = image.shape[0]
    small = image[:crop, :crop]
    start = time.perf_counter()
    result = wavetex.extend(small, (size, size), **options)
    row, column = result.extra["placement"]
    unknown = np.ones((size, size), dtype=bool)
    unknown[row : row + crop, column : column + crop] = False
    return {
        "crop": crop,
        "boundary_step_ratio": rounded(boundary_step_ratio(result.images[0], unknown)),
        "fill_step_ratio": rounded(fill_step_ratio(result.images[0], unknown)),
        **run_record(result, start),
    }


def figure(image: np.ndarray, mask: np.ndarray, filled: np.ndarray, path: Path) -> None:
    """before (the hole in black) | mask (white: unknown) | after, 8-pixel white gaps."""
    colour = image.ndim == 3
    shown_mask = np.repeat(mask[..., None], 3, -1) if colour else mask
    before = np.where(shown_mask, 0.0, image)
    gap = np.ones((image.shape[0], 8) + image.shape[2:])
    panels = [before, gap, shown_mask.astype(float), gap, filled]
    write_image(path, np.concatenate(panels, axis=1), overwrite=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--textures", nargs="+", default=["gravel", "grass", "tissue"])
    parser.add_argument("--n-scales", type=int, default=4)
    parser.add_argument("--max-iter", type=lambda text: None if text == "schedule" else int(text), default=150,
                        help="iterations at full resolution, or 'schedule': the default schedule's own")
    parser.add_argument("--no-coarse", action="store_true", help="drop the default schedule's coarse stage")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder of constrained.json and the figures")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--parts", nargs="+", default=["inpaint", "tile", "extend"])
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    options = dict(n_scales=args.n_scales, max_iter=args.max_iter, seed=0, progress=False)
    if args.no_coarse:
        options["coarse_iter"] = 0
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "constrained.json"
    settings = {k: v for k, v in options.items() if k != "progress"}
    config = SynthesisConfig(coarse_iter=options.get("coarse_iter"))
    settings["coarse_iter"] = {"gray": config.coarse_iterations(1), "colour": config.coarse_iterations(3)}
    for name in args.textures:
        image = textures.load(name)
        entry = {}
        if "inpaint" in args.parts:
            entry["inpaint"], mask, filled = inpaint_case(image, options)
            figure(image, mask, filled, args.out / f"inpaint_{name}.png")
        if "tile" in args.parts:
            entry["tile"] = tile_case(image, options)
        if "extend" in args.parts:
            entry["extend"] = extend_case(image, options)
        print(name, json.dumps(entry), flush=True)
        report = {"options": settings, "versions": versions(), "textures": {}}
        if path.exists():  # runs with the same options (even at the same time) share the file
            previous = json.loads(path.read_text())
            if previous.get("options") == settings:
                report["textures"] = previous["textures"]
        report["textures"][name] = entry
        path.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
