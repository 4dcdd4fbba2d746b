"""Figures and HTML pages for people: memorization reports, texture reports, capacity sweeps.

The only module of wavetex that uses matplotlib (imported lazily, Agg backend). The
numbers come from :mod:`wavetex.memorization` and :mod:`wavetex.synthesis`; this module
only lays them out.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from . import io as wio
from .memorization import MemorizationReport, diversity, probe
from .statistics import TextureStatistics
from .synthesis import SynthesisConfig, synthesize

__all__ = [
    "VERDICT_WORDS",
    "probe_figure",
    "texture_report",
    "write_index",
    "capacity_sweep",
    "CAPACITY_LADDER",
]

#: The verdict of the memorization probe, in words for a reader.
VERDICT_WORDS = {
    "novel": "new texture: no part of the exemplar is reproduced",
    "suspicious": "mostly new, but some regions look copied from the exemplar",
    "copy": "copies the exemplar (shifted, or as a collage of pieces)",
    "indeterminate": "cannot tell: the exemplar repeats itself too exactly at this crop size",
    "undefined": "cannot tell: the image is flat",
}

#: Model configurations of increasing capacity for :func:`capacity_sweep`.
CAPACITY_LADDER: tuple[tuple[str, dict[str, Any]], ...] = (
    ("no shifts, Δj=0", dict(shifts="none", delta_j=0)),
    ("no shifts, Δj=2", dict(shifts="none", delta_j=2)),
    ("same (j,l) shifts, Δj=2", dict(shifts="same_scale_orientation", delta_j=2)),
    ("all shifts, Δj=0", dict(shifts="all", delta_j=0)),
    ("all shifts, Δj=2 (paper, gray)", dict(shifts="all", delta_j=2)),
    ("all shifts, Δj=4", dict(shifts="all", delta_j=4)),
)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _show(ax, image: np.ndarray, title: str) -> None:
    ax.imshow(np.clip(image, 0, 1), cmap="gray" if image.ndim == 2 else None, vmin=0, vmax=1, interpolation="nearest")
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


def _displacement_image(report: MemorizationReport) -> np.ndarray:
    """Crops on their grid, hue = direction of the displacement on the exemplar's torus,
    brightness = best NCC; copied regions show as patches of one colour."""
    from matplotlib.colors import hsv_to_rgb

    rows = np.unique(report.crop_positions[:, 0]).size
    cols = report.n_crops // rows
    height, width = report.exemplar_shape[:2]
    dy, dx = report.displacements[:, 0] / height, report.displacements[:, 1] / width
    hue = (np.arctan2(np.sin(2 * np.pi * dy), np.sin(2 * np.pi * dx)) / (2 * np.pi)) % 1.0
    value = np.nan_to_num(np.clip(report.crop_matches, 0, 1))
    hsv = np.stack([hue, np.full_like(hue, 0.8), value], axis=-1).reshape(rows, cols, 3)
    return hsv_to_rgb(hsv)


def probe_figure(
    report: MemorizationReport, synthesis: np.ndarray, exemplar: np.ndarray, path: str | Path,
    *, title: str = "", overwrite: bool = False, n_boxes: int = 3,
) -> Path:
    """Exemplar and synthesis with the best-matching crops outlined on both, the
    displacement map, and the crop-match histogram over the held-out one (PNG)."""
    plt = _pyplot()
    from matplotlib.patches import Rectangle

    figure, axes = plt.subplots(1, 4, figsize=(14, 3.8), gridspec_kw={"width_ratios": [1, 1, 1, 1.3]})
    _show(axes[0], exemplar, "exemplar (best matches outlined)")
    _show(axes[1], synthesis, "synthesis (its best-matching crops)")
    p = report.crop_size
    order = np.argsort(np.nan_to_num(report.crop_matches, nan=-2))[::-1][:n_boxes]
    for rank, k in enumerate(order):
        colour = ["#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00"][rank % 5]
        y, x = report.crop_positions[k]
        axes[1].add_patch(Rectangle((x - 0.5, y - 0.5), p, p, fill=False, edgecolor=colour, linewidth=1.5))
        y, x = report.match_positions[k]
        axes[0].add_patch(Rectangle((x - 0.5, y - 0.5), p, p, fill=False, edgecolor=colour, linewidth=1.5))
        axes[1].text(report.crop_positions[k][1], report.crop_positions[k][0], f"{report.crop_matches[k]:.2f}",
                     color=colour, fontsize=7, va="bottom")
    axes[2].imshow(_displacement_image(report), interpolation="nearest")
    axes[2].set_title("displacement map (hue: where, brightness: NCC)", fontsize=9)
    axes[2].set_xticks([])
    axes[2].set_yticks([])
    bins = np.linspace(-0.2, 1.0, 49)
    matches = report.crop_matches[np.isfinite(report.crop_matches)]
    if report.heldout_matches.size:
        axes[3].hist(report.heldout_matches, bins=bins, density=True, alpha=0.5, color="gray", label="exemplar vs itself (held out)")
    if matches.size:  # a flat synthesis has no crop to compare
        axes[3].hist(matches, bins=bins, density=True, alpha=0.6, color="#d95f02", label="synthesis crops")
    else:
        axes[3].text(0.5, 0.5, "no synthesis crop to compare (flat)", transform=axes[3].transAxes,
                     ha="center", fontsize=8)
    axes[3].axvline(report.copy_threshold, color="k", linestyle="--", linewidth=1, label=f"copy threshold {report.copy_threshold:.2f}")
    axes[3].set_xlabel("best NCC of a crop in the exemplar", fontsize=8)
    axes[3].legend(fontsize=7, loc="upper left")
    axes[3].set_title(f"{report.verdict}: copy rate {report.copy_rate:.2f}, index {report.memorization_index:.2f}", fontsize=9)
    figure.suptitle(title or VERDICT_WORDS[report.verdict], fontsize=10)
    figure.tight_layout()
    return _save_figure(figure, path, overwrite)


def _save_figure(figure, path: str | Path, overwrite: bool) -> Path:
    try:
        return wio.atomic_write(path, lambda p: figure.savefig(p, dpi=90, format="png"), overwrite=overwrite)
    finally:
        _pyplot().close(figure)


def _thumbnail(image: np.ndarray, path: Path, overwrite: bool) -> Path:
    return wio.write_image(path, np.clip(image, 0, 1), overwrite=overwrite)


def texture_report(
    name: str,
    exemplar: np.ndarray,
    out_dir: str | Path,
    *,
    config: SynthesisConfig | None = None,
    overwrite: bool = False,
    progress: bool = False,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Synthesise ``config.n_samples`` images of one texture, probe each, measure their
    diversity, and write ``<name>/`` under ``out_dir``: the exemplar, every synthesis
    and its probe figure (PNG), and ``report.json``. Returns the JSON's content."""
    config = config or SynthesisConfig()
    folder = Path(out_dir) / name
    folder.mkdir(parents=True, exist_ok=True)
    result = synthesize(exemplar, config=config, progress=progress)
    files = {"exemplar": _thumbnail(exemplar, folder / "exemplar.png", overwrite).name, "samples": []}
    samples = []
    for k, image in enumerate(result.images):
        report = probe(image, exemplar)
        image_file = _thumbnail(image, folder / f"synthesis_{k}.png", overwrite)
        figure_file = probe_figure(report, image, exemplar, folder / f"probe_{k}.png",
                                   title=f"{name}, sample {k}: {VERDICT_WORDS[report.verdict]}", overwrite=overwrite)
        samples.append({"seed": result.seeds[k], "statistics_error": result.errors[k], "probe": report.to_dict()})
        files["samples"].append({"synthesis": image_file.name, "probe_figure": figure_file.name})
        if log:
            log(f"{name} sample {k}: error {result.errors[k]:.4f}, {report.verdict} "
                f"(global match {report.global_match:.2f}, index {report.memorization_index:.2f})")
    content = {
        "texture": name,
        "samples": samples,
        "diversity": diversity(list(result.images)).to_dict() if len(result.images) > 1 else None,
        "synthesis": result.metadata(),
        "files": files,
    }
    wio.write_json(folder / "report.json", content, overwrite=overwrite)
    return content


def _verdict_summary(samples: Sequence[dict[str, Any]]) -> str:
    verdicts = [s["probe"]["verdict"] for s in samples]
    worst = next(v for v in ("copy", "suspicious", "indeterminate", "undefined", "novel") if v in verdicts)
    return worst


def write_index(reports: Sequence[dict[str, Any]], out_dir: str | Path, *, overwrite: bool = False) -> Path:
    """``index.html``: one row per texture with thumbnails, scores and the verdict in
    words. Relative links only: the page works from the file system."""
    rows = []
    for content in reports:
        name = html.escape(content["texture"])
        files = content["files"]
        thumbs = "".join(
            f'<a href="{name}/{html.escape(s["probe_figure"])}"><img src="{name}/{html.escape(s["synthesis"])}" alt="sample"></a>'
            for s in files["samples"]
        )
        scores = "".join(
            f"<li>seed {s['seed']}: <b>{s['probe']['verdict']}</b> — global match {_num(s['probe']['global_match'])}, "
            f"copy rate {_num(s['probe']['copy_rate'])}, memorization index {_num(s['probe']['memorization_index'])}, "
            f"excess rate {_num(s['probe']['excess_rate'])}, coherence {_num(s['probe']['coherence'])}; "
            f"statistics error {s['statistics_error']:.4f}</li>"
            for s in content["samples"]
        )
        worst = _verdict_summary(content["samples"])
        diversity_note = ""
        if content.get("diversity"):
            diversity_note = f"<p>Between samples: max global match {_num(content['diversity']['max_match'])}.</p>"
        rows.append(
            f'<tr class="{worst}"><td><a href="{name}/report.json">{name}</a><br>'
            f'<img src="{name}/{html.escape(files["exemplar"])}" alt="exemplar"></td>'
            f"<td>{thumbs}</td><td><p class=\"verdict\">{worst}: {html.escape(VERDICT_WORDS[worst])}</p>"
            f"<ul>{scores}</ul>{diversity_note}</td></tr>"
        )
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>wavetex memorization report</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; }} table {{ border-collapse: collapse; }}
td {{ border-top: 1px solid #ccc; padding: 0.6em; vertical-align: top; }}
img {{ width: 160px; height: auto; margin-right: 4px; image-rendering: pixelated; }}
.verdict {{ font-weight: bold; }} tr.copy .verdict {{ color: #b30000; }} tr.suspicious .verdict {{ color: #b36b00; }}
tr.novel .verdict {{ color: #006d2c; }} li {{ font-size: 0.9em; }}
</style></head><body>
<h1>Did the model make a new texture, or copy the exemplar?</h1>
<p>For each texture: the exemplar, the syntheses (click one for its probe figure), and the
memorization probe's scores. Verdicts follow the probe's description in docs/memorization.md:
<i>copy</i> (global match ≥ 0.8 or copy rate ≥ 0.25), <i>suspicious</i> (some crops copied, many
crops closer than the exemplar's own pieces, or coherent displacements), <i>novel</i> otherwise.</p>
<table><tr><th>texture</th><th>syntheses</th><th>verdict and scores</th></tr>
{''.join(rows)}
</table></body></html>
"""
    path = Path(out_dir) / "index.html"
    return wio.atomic_write(path, lambda p: p.write_text(page, encoding="utf-8"), overwrite=overwrite)


def _num(value: Any) -> str:
    return "—" if value is None else f"{value:.2f}"


def capacity_sweep(
    exemplar: np.ndarray,
    out_dir: str | Path,
    *,
    config: SynthesisConfig | None = None,
    ladder: Sequence[tuple[str, dict[str, Any]]] = CAPACITY_LADDER,
    overwrite: bool = False,
    progress: bool = False,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Synthesise with models of increasing capacity and plot the number of statistics
    against the statistics error and the memorization index (``sweep.png``,
    ``sweep.json`` and one synthesis per rung in ``out_dir``)."""
    config = config or SynthesisConfig()
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    rungs = []
    for k, (label, options) in enumerate(ladder):
        model = replace(config.model, **options)
        result = synthesize(exemplar, config=replace(config, model=model), progress=progress)
        report = probe(result.images[0], exemplar)
        n_stats = TextureStatistics(np.asarray(exemplar, dtype=np.float64), config=model).n_stats
        image = wio.write_image(folder / f"rung_{k}.png", np.clip(result.images[0], 0, 1), overwrite=overwrite)
        rungs.append({
            "label": label, "model": model.to_dict(), "n_stats": n_stats, "statistics_error": result.errors[0],
            "wall_time": result.wall_time, "iterations": result.n_iterations[0], "probe": report.to_dict(),
            "image": image.name,
        })
        if log:
            log(f"{label}: {n_stats} statistics, error {result.errors[0]:.4f}, "
                f"memorization index {report.memorization_index:.2f} ({report.verdict})")
    content = {"rungs": rungs, "synthesis": config.to_dict()}
    wio.write_json(folder / "sweep.json", content, overwrite=overwrite)
    _sweep_figure(rungs, exemplar, folder / "sweep.png", overwrite)
    return content


def _sweep_figure(rungs: Sequence[dict[str, Any]], exemplar: np.ndarray, path: Path, overwrite: bool) -> Path:
    plt = _pyplot()
    n = [r["n_stats"] for r in rungs]
    figure = plt.figure(figsize=(12, 4.2))
    grid = figure.add_gridspec(2, len(rungs) + 2, height_ratios=[3, 1.3])
    ax = figure.add_subplot(grid[0, : len(rungs) + 2])
    ax.plot(n, [r["statistics_error"] for r in rungs], "o-", color="#1b9e77", label="statistics error (left)")
    ax.set_xscale("log")
    ax.set_xlabel("number of statistics")
    ax.set_ylabel("statistics error", color="#1b9e77")
    twin = ax.twinx()
    twin.plot(n, [r["probe"]["memorization_index"] for r in rungs], "s--", color="#d95f02", label="memorization index (right)")
    twin.set_ylabel("memorization index (0: new, 1: copy)", color="#d95f02")
    indices = [r["probe"]["memorization_index"] for r in rungs if r["probe"]["memorization_index"] is not None]
    twin.set_ylim(min([-0.1] + indices) - 0.05, max([0.5] + indices) + 0.05)
    for r in rungs:
        ax.annotate(r["label"], (r["n_stats"], r["statistics_error"]), fontsize=7, xytext=(3, 5), textcoords="offset points")
    ax.set_title("model capacity: statistics error (of each model's own statistics) and memorization", fontsize=10)
    _show(figure.add_subplot(grid[1, 0]), exemplar, "exemplar")
    for k, r in enumerate(rungs):
        image = wio.read_image(path.parent / r["image"])
        _show(figure.add_subplot(grid[1, k + 1]), image, f"{r['n_stats']}")
    figure.tight_layout()
    return _save_figure(figure, path, overwrite)
