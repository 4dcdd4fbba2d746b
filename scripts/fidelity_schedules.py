"""Is it the model or the optimisation? Syntheses of structured exemplars, judged locally.

    heavy python scripts/fidelity_schedules.py run TEXTURE ARM SEED   # one synthesis, cached
    python scripts/fidelity_schedules.py missing [--arms ...]          # what is not cached yet
    python scripts/fidelity_schedules.py table [--write]               # the tables of docs/fidelity.md
    python scripts/fidelity_schedules.py figure TEXTURE ARM... [--seed N]  # side by side at 1:1

Exemplars (``EXEMPLARS``): the structured 256² gray ones (the bundled brick, the same
turned a quarter, the drawn dots lattice, and cells: the walls of a jittered hexagonal
Voronoi diagram drawn here) and every bundled texture by name (the gallery,
``scripts/gallery.py``). Arms (``ARMS``): the default schedule when the study began
(``default``: 150 coarse + at most 100), a long one (150 coarse + 1000 full-resolution
iterations, snapshots kept at 100, 300 and 600), the paper's masked objective (border
masks on both images, the previous default schedule: 300 coarse + at most 100), and the
levers tried on the default (more coarse iterations — ``coarse300`` was the default, and
``coarse450``, 450 coarse + 40, is today's —, a third level, spectrum start).

Every synthesis is written once to ``docs/gallery/raw/TEXTURE-ARM-seedN.npy`` (the
histogram-matched image, float32) with a ``.json`` beside it (time, iterations, defect
fraction, masked ALPHA error, configuration); ``run`` does nothing when both exist, so
the study resumes where it stopped and nothing is run twice. Times are one thread
(``heavy``) on a shared 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import asdict, replace
from functools import partial
from pathlib import Path

import numpy as np
import torch
from scipy import ndimage

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "docs" / "gallery" / "raw"
DOC = ROOT / "docs" / "fidelity.md"

import wavetex  # noqa: E402
from wavetex import synthesis, textures  # noqa: E402
from wavetex.config import SCHEDULES, Schedule, synthesis_config  # noqa: E402
from wavetex.memorization import local_fidelity  # noqa: E402
from wavetex.quality import masked_statistics_error  # noqa: E402
from wavetex.representation import downsample_by_two, periodic_component  # noqa: E402

STRUCTURED = ("brick", "brick-turned", "dots", "cells")
LABELS = {"brick-turned": "brick turned a quarter", "dots": "dots (drawn lattice)", "cells": "cells (drawn hexagonal walls)"}
LONG_ITER, SNAPSHOTS = 1000, (100, 300, 600)


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


def exemplar(name: str) -> np.ndarray:
    """A structured exemplar by its name here, or a bundled texture."""
    if name == "cells":
        return cells()
    if name == "brick-turned":
        return textures.load("brick").T.copy()
    return textures.load(name)


def three_level_synthesize(image: np.ndarray, *, callback=None, **options) -> wavetex.SynthesisResult:
    """:func:`wavetex.synthesize` (gray or colour, no progress bar, no stationarity record)
    with a third level: the coarse stage (half resolution, one scale fewer) is itself
    started by a stage at a quarter of the resolution with two scales fewer, of the same
    number of iterations; each stage is the library's coarse stage of the one above it
    (:func:`wavetex.synthesis.coarse_config`). The coarse record (``extra["coarse"]``) is
    the half-resolution stage's, as in the runs cached before the library's refactor."""
    config = synthesis_config(None, options)
    channels = image[None] if image.ndim == 2 else np.moveaxis(image, -1, 0)
    levels = [torch.as_tensor(np.ascontiguousarray(channels), dtype=torch.float64)]
    stages = [synthesis.prepare(levels[0], config)]
    while len(stages) < 3:
        small = synthesis.coarse_config(stages[-1].config, tuple(levels[-1].shape))
        if small is None:
            break
        stages.append(synthesis.prepare_coarse(levels[-1], stages[-1], small))
        levels.append(downsample_by_two(levels[-1]))
    if len(stages) == 1:
        return synthesis.optimise(stages[0], exemplar=image, progress=False, callback=callback)
    coarse = None
    for stage in stages[:0:-1]:  # quarter (where it fits), then half
        coarse = synthesis.optimise(stage if coarse is None else synthesis.start_from_coarse(stage, coarse), progress=False)
    result = synthesis.optimise(
        synthesis.start_from_coarse(stages[0], coarse), exemplar=image, progress=False, callback=callback
    )
    return synthesis.with_coarse_record(result, coarse)


#: The default schedule when the study began (150 coarse + at most 100), pinned so that a
#: change of the library's default does not change what the "default" arm means.
DEFAULT = Schedule(
    runs_gray=1, runs_colour=1, max_iter=100, max_iter_colour=120, min_decrease=0.05, window=50, coarse_iter=150
)
#: The default before this one (300 coarse + at most 100, adopted from this study's ``coarse300``;
#: colour 150 coarse + at most 30), pinned too.
PREVIOUS = replace(DEFAULT, coarse_iter=300, max_iter_colour=30, coarse_iter_colour=150)
#: Today's default schedule (450 coarse in runs of 100, then 40; colour 100 coarse + 30), pinned too.
CURRENT = replace(PREVIOUS, coarse_iter=450, full_iter=40, coarse_iter_colour=100)
#: arm -> (schedule registered under the arm's name, synthesize options, what it is)
ARMS = {
    "default": (DEFAULT, {}, "the default schedule (150 coarse + at most 100)"),
    "long": (
        replace(DEFAULT, max_iter=LONG_ITER, max_iter_colour=LONG_ITER, min_decrease=None),
        {}, f"150 coarse + {LONG_ITER} iterations, no plateau stop",
    ),
    "masked": (PREVIOUS, {"objective": "paper"}, "the paper's masked objective, the previous default schedule (300 coarse)"),
    "coarse300": (PREVIOUS, {}, "default, 300 coarse iterations instead of 150 (the previous default; colour 150 + 30)"),
    "coarse450": (CURRENT, {}, "450 coarse iterations, then at most 40 (today's default schedule; colour 100 + 30)"),
    "coarse800": (replace(DEFAULT, coarse_iter=800), {}, "default, 800 coarse iterations instead of 150"),
    "three-level": (DEFAULT, {}, "default with a third level: 150 at quarter, 150 at half resolution, then full"),
    "spectrum": (DEFAULT, {"init": "spectrum"}, "default, started from noise with the exemplar's spectrum"),
}


def path(texture: str, arm: str, seed: int, step: int | None = None) -> Path:
    return RAW / (f"{texture}-{arm}-seed{seed}" + (f"-it{step}" if step else "") + ".npy")


def judge(image: np.ndarray, reference: np.ndarray, stats: wavetex.TextureStatistics) -> dict:
    fidelity = local_fidelity(image, reference)
    return {"defect_fraction": fidelity.defect_fraction, "alpha_masked": masked_statistics_error(stats, image)}


def _statistics(image: np.ndarray) -> wavetex.TextureStatistics:
    channels = image[None] if image.ndim == 2 else np.moveaxis(image, -1, 0)
    return wavetex.TextureStatistics(torch.as_tensor(np.ascontiguousarray(channels), dtype=torch.float64))


def _write(target: Path, image: np.ndarray, record: dict) -> None:
    """npy then json, each through a temporary file: a record exists only when complete."""
    RAW.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".tmp.npy")
    np.save(temporary, image.astype(np.float32))
    temporary.replace(target)
    json_path = target.with_suffix(".json")
    json_path.with_suffix(".tmp").write_text(json.dumps(record, indent=1, default=str))
    json_path.with_suffix(".tmp").replace(json_path)


def run(texture: str, arm: str, seed: int) -> None:
    """One synthesis (and, for the long arm, its snapshots), unless already cached."""
    target = path(texture, arm, seed)
    if target.exists() and target.with_suffix(".json").exists():
        print(f"cached: {target.name}")
        return
    schedule, options, _ = ARMS[arm]
    if schedule is not None:
        SCHEDULES[arm] = schedule
        options = {**options, "schedule": arm}
    image = exemplar(texture)
    stats = _statistics(image)
    reference = periodic_component(torch.as_tensor(image[None] if image.ndim == 2 else np.moveaxis(image, -1, 0)))
    reference = reference[0].numpy() if image.ndim == 2 else np.moveaxis(reference.numpy(), 0, -1)
    snapshots: dict[int, tuple[np.ndarray, float]] = {}
    start = time.perf_counter()

    def keep(step, images, losses):
        if arm == "long" and step in SNAPSHOTS:
            raw = images[0].double().cpu().numpy()
            raw = raw[0] if raw.shape[0] == 1 else np.moveaxis(raw, 0, -1)
            snapshots[step] = (synthesis._histogram_matched(raw[None], reference)[0], time.perf_counter() - start)

    synthesize = three_level_synthesize if arm == "three-level" else partial(wavetex.synthesize, progress=False)
    result = synthesize(image, seed=seed, callback=keep, **options)
    seconds = time.perf_counter() - start
    base = {"texture": texture, "arm": arm, "seed": seed, "what": ARMS[arm][2], "threads": torch.get_num_threads()}
    for step, (snapshot, at) in snapshots.items():
        coarse = result.extra.get("coarse", {}).get("iterations", [0])[0]
        record = {**base, "seconds": at, "iterations": step, "coarse_iterations": coarse, **judge(snapshot, image, stats)}
        _write(path(texture, arm, seed, step), snapshot, record)
    record = {
        **base, "seconds": seconds, "wall_time": result.wall_time, "iterations": result.n_iterations[0],
        "coarse_iterations": result.extra.get("coarse", {}).get("iterations", [0])[0],
        "coarse_seconds": result.extra.get("coarse", {}).get("wall_time"),
        "stop_reason": result.stop_reasons[0], "error": result.errors[0],
        **judge(result.images[0], image, stats), "config": asdict(result.config),
        "versions": result.versions,
    }
    _write(target, result.images[0], record)
    print(f"{target.name}: defect_fraction {record['defect_fraction']:.3f}, alpha_masked {record['alpha_masked']:.4f}, "
          f"{seconds:.0f} s", flush=True)


def records() -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(RAW.glob("*.json")) if not p.name.endswith(".tmp")]


def _summary(values: list[float], digits: int = 3) -> str:
    if not values:
        return "—"
    if len(values) == 1:
        return f"{values[0]:.{digits}f} (1 seed)"
    return f"{np.mean(values):.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f}, {len(values)} seeds)"


def table(arms: list[str], textures_: tuple[str, ...] = STRUCTURED) -> str:
    """Per exemplar and arm: defect fraction, masked ALPHA error, time; mean (min–max) over seeds."""
    rows = ["| exemplar | arm | defect_fraction | masked ALPHA error | time (s) | of which coarse (s) | seeds |",
            "|---|---|---:|---:|---:|---:|---|"]
    everything = records()
    for texture in textures_:
        for arm in arms:
            step = None
            if (match := re.fullmatch(r"long@(\d+)", arm)) is not None:
                arm_name, step = "long", int(match[1])
            else:
                arm_name = arm
            found = [r for r in everything if r["texture"] == texture and r["arm"] == arm_name
                     and (r["iterations"] == step if step else not _is_snapshot(r))]
            if not found:
                continue
            found.sort(key=lambda r: r["seed"])
            rows.append(
                f"| {LABELS.get(texture, texture)} | {arm} | {_summary([r['defect_fraction'] for r in found])} | "
                f"{_summary([r['alpha_masked'] for r in found], 4)} | {np.mean([r['seconds'] for r in found]):.0f} | "
                f"{_coarse(found)} | "
                f"{', '.join(str(r['seed']) for r in found)} |"
            )
    return "\n".join(rows)


def _coarse(found: list[dict]) -> str:
    seconds = [r["coarse_seconds"] for r in found if r.get("coarse_seconds") is not None]
    return f"{np.mean(seconds):.0f}" if seconds else "—"


def _is_snapshot(record: dict) -> bool:
    return record["arm"] == "long" and "stop_reason" not in record


def missing(arms: list[str], textures_: list[str], seeds: list[int]) -> None:
    for seed in seeds:
        for texture in textures_:
            for arm in arms:
                if not path(texture, arm, seed).with_suffix(".json").exists():
                    print(texture, arm, seed)


def figure(texture: str, arms: list[str], seed: int, out: Path | None = None) -> Path:
    """Exemplar | each arm, at 1:1 (gray, 4 px white gaps), as an 8-bit PNG."""
    from skimage import io

    panels = [exemplar(texture)] + [np.load(path(texture, arm, seed)) for arm in arms]
    height = max(p.shape[0] for p in panels)
    gap = np.ones((height, 4) + panels[0].shape[2:])
    row = np.concatenate(sum(([p, gap] for p in panels), [])[:-1], axis=1)
    out = out or RAW.parent / f"{texture}-{'-'.join(arms)}-seed{seed}.png"
    io.imsave(out, (np.clip(row, 0, 1) * 255).round().astype(np.uint8), check_contrast=False)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("run")
    one.add_argument("texture")
    one.add_argument("arm", choices=ARMS)
    one.add_argument("seed", type=int)
    todo = commands.add_parser("missing")
    todo.add_argument("--arms", nargs="+", default=["coarse450", "long", "masked"])
    todo.add_argument("--textures", nargs="+", default=list(STRUCTURED))
    todo.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    show = commands.add_parser("table")
    show.add_argument("--arms", nargs="+", default=["default", *(f"long@{s}" for s in SNAPSHOTS), "long", "masked",
                                                      "coarse300", "coarse450", "coarse800", "three-level", "spectrum"])
    show.add_argument("--write", action="store_true", help="replace the table in docs/fidelity.md")
    side = commands.add_parser("figure")
    side.add_argument("texture")
    side.add_argument("arms", nargs="+")
    side.add_argument("--seed", type=int, default=0)
    side.add_argument("--out", type=Path)
    arguments = parser.parse_args()
    if arguments.command == "run":
        run(arguments.texture, arguments.arm, arguments.seed)
    elif arguments.command == "missing":
        missing(arguments.arms, arguments.textures, arguments.seeds)
    elif arguments.command == "table":
        text = table(arguments.arms)
        print(text)
        if arguments.write:
            start, end = "<!-- schedules:start -->\n", "<!-- schedules:end -->"
            page = DOC.read_text()
            DOC.write_text(page[: page.index(start) + len(start)] + text + "\n" + page[page.index(end):])
    else:
        print(figure(arguments.texture, arguments.arms, arguments.seed, arguments.out))


if __name__ == "__main__":
    main()
