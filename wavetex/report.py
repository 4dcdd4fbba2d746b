"""Figures and HTML pages for people: memorization reports, texture reports, capacity sweeps.

The only module of wavetex that uses matplotlib (imported lazily, Agg backend). The
numbers come from :mod:`wavetex.memorization` and :mod:`wavetex.synthesis`; this module
only lays them out.
"""

from __future__ import annotations

import html
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import io as wio
from .config import SCHEDULES
from .memorization import VERDICT_WORDS, MemorizationReport, diversity
from .memorization._verdict import VERDICT_SEVERITY
from .result import SynthesisResult
from .statistics import ModelConfig, TextureStatistics

__all__ = [
    "VERDICT_WORDS",
    "METRIC_LEGEND",
    "fidelity",
    "pinned_ladder",
    "probe_figure",
    "texture_report",
    "write_index",
    "capacity_sweep",
    "CAPACITY_LADDER",
]

#: Model configurations of increasing capacity for :func:`capacity_sweep`.
CAPACITY_LADDER: tuple[tuple[str, dict[str, Any]], ...] = (
    ("no shifts, Δj=0", dict(shifts="none", delta_j=0)),
    ("no shifts, Δj=2", dict(shifts="none", delta_j=2)),
    ("same (j,l) shifts, Δj=2", dict(shifts="same_scale_orientation", delta_j=2)),
    ("all shifts, Δj=0", dict(shifts="all", delta_j=0)),
    ("all shifts, Δj=2 (paper, gray)", dict(shifts="all", delta_j=2)),
    ("all shifts, Δj=4", dict(shifts="all", delta_j=4)),
)


#: What each number of a report means, for legends (HTML) and figure captions.
METRIC_LEGEND: tuple[tuple[str, str], ...] = (
    ("verdict", "answers \u201cwas the exemplar copied?\u201d, not \u201cis this a good texture?\u201d; "
     "novel means no copying detected"),
    ("statistics error", "\u2016\u03a6(synthesis) \u2212 \u03a6(exemplar)\u2016 / \u2016\u03a6(exemplar)\u2016: "
     "how well the synthesis reproduces the exemplar's statistics (lower is better); with "
     "\u201cnot converged\u201d the optimisation stopped while still improving"),
    ("global match", "best normalized cross-correlation (NCC) of the whole synthesis with a shifted exemplar; "
     "1 for a shifted copy"),
    ("copy rate", "fraction of the synthesis's crops that reproduce a piece of the exemplar"),
    ("memorization index", "1: crops copied; 0: crops resemble the exemplar as much as its own pieces "
     "resemble each other; below 0: they resemble it less (a poor or different texture, not a copy)"),
    ("excess rate", "fraction of crops that match the exemplar better than 95% of its own pieces match each other"),
    ("coherence", "fraction of crops found in the exemplar next to where a neighbouring crop was found "
     "(pieces of a copy stay together)"),
)

_TOLERANCE_STOPS = ("gradient below tolerance", "step below tolerance", "loss change below tolerance")


def fidelity(result: SynthesisResult, sample: int = 0) -> dict[str, Any]:
    """How faithful one synthesis is: its statistics error, and whether it converged.

    A synthesis converged when a convergence test stopped it (the default schedule's
    plateau test, an L-BFGS tolerance), when it ran its whole schedule (the default
    schedule's iteration counts were chosen so that its syntheses sit well inside the
    exemplar's natural variation; README, "Performance"), or when, over its last
    iterations, its loss fell by less than the plateau criterion (5 % over 50
    iterations); a run cut short by a lower iteration cap, a time budget or an
    interruption while still improving did not.

    Examples
    --------
    >>> import numpy as np, wavetex
    >>> exemplar = np.random.default_rng(0).random((32, 32))
    >>> result = wavetex.synthesize(exemplar, n_scales=3, max_iter=2, progress=False)
    >>> record = fidelity(result)
    >>> record["converged"], record["iterations"], record["stop_reason"]
    (False, 2, 'iteration limit of the run')
    """
    reason = result.stop_reasons[sample]
    history = result.loss_history[sample]
    plateau = SCHEDULES["default"]
    window, fall = plateau.window, plateau.min_decrease
    flattened = len(history) > window and history[-window - 1] - history[-1] < fall * history[-window - 1]
    schedule = SCHEDULES[result.config.schedule]
    n_colours = 3 if result.images.ndim == 4 else 1
    planned = schedule.runs(n_colours) * schedule.iterations(n_colours)
    uncapped = result.config.max_iter is None or result.config.max_iter >= planned
    whole_schedule = uncapped and reason in ("iteration limit of the run", "evaluation limit of the run")
    converged = reason.startswith("converged") or reason in _TOLERANCE_STOPS or (
        (flattened or whole_schedule) and not result.interrupted and reason != "time budget"
    )
    return {
        "statistics_error": float(result.errors[sample]),
        "iterations": int(result.n_iterations[sample]),
        "stop_reason": reason,
        "converged": bool(converged),
    }


def _fidelity_words(record: dict[str, Any]) -> str:
    state = "converged" if record["converged"] else f"NOT converged ({record['stop_reason']})"
    return f"statistics error {record['statistics_error']:.4f} after {record['iterations']} iterations, {state}"


_SHIFT_WORDS = {"none": "no shifts", "same_scale_orientation": "same (j,l) shifts", "all": "all shifts",
                "same_colour": "same-colour shifts"}


def pinned_ladder(
    *, shifts: str | None = None, delta_j: int | None = None,
    ladder: Sequence[tuple[str, dict[str, Any]]] = CAPACITY_LADDER,
) -> tuple[tuple[str, dict[str, Any]], ...]:
    """The capacity ladder with ``shifts`` and/or ``delta_j`` fixed (``None``: swept).

    Rungs that become equal are kept once, in ladder order.

    Examples
    --------
    >>> [label for label, _ in pinned_ladder(shifts="none")]
    ['no shifts, Δj=0', 'no shifts, Δj=2', 'no shifts, Δj=4']
    >>> pinned_ladder(shifts="none", delta_j=0)
    (('no shifts, Δj=0', {'shifts': 'none', 'delta_j': 0}),)
    """
    if shifts is None and delta_j is None:
        return tuple(ladder)
    rungs: dict[tuple[Any, Any], tuple[str, dict[str, Any]]] = {}
    for _, options in ladder:
        pinned = dict(options)
        if shifts is not None:
            pinned["shifts"] = shifts
        if delta_j is not None:
            pinned["delta_j"] = delta_j
        key = (pinned["shifts"], pinned["delta_j"])
        label = f"{_SHIFT_WORDS.get(pinned['shifts'], pinned['shifts'])}, Δj={pinned['delta_j']}"
        rungs.setdefault(key, (label, pinned))
    return tuple(sorted(rungs.values(), key=lambda rung: rung[1]["delta_j"]))


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _show(ax, image: np.ndarray, title: str, extent: tuple[int, int] | None = None) -> None:
    """Draw an image; with ``extent`` (height, width) every image drawn with the same
    extent gets the same pixel scale (a smaller image leaves the rest of its panel empty)."""
    ax.imshow(np.clip(image, 0, 1), cmap="gray" if image.ndim == 2 else None, vmin=0, vmax=1, interpolation="nearest")
    if extent is not None:
        ax.set_xlim(-0.5, extent[1] - 0.5)
        ax.set_ylim(extent[0] - 0.5, -0.5)
        for spine in ax.spines.values():
            spine.set_visible(False)
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


def _displacement_hue(dy: np.ndarray, dx: np.ndarray) -> np.ndarray:
    """Hue in [0, 1) of a displacement (fractions of the exemplar's height and width) on its torus."""
    return (np.arctan2(np.sin(2 * np.pi * dy), np.sin(2 * np.pi * dx)) / (2 * np.pi)) % 1.0


def _displacement_image(report: MemorizationReport) -> np.ndarray:
    """Crops on their grid, hue = direction of the displacement on the exemplar's torus,
    brightness = best NCC; copied regions show as patches of one colour."""
    from matplotlib.colors import hsv_to_rgb

    rows = np.unique(report.crop_positions[:, 0]).size
    cols = report.n_crops // rows
    height, width = report.exemplar_shape[:2]
    hue = _displacement_hue(report.displacements[:, 0] / height, report.displacements[:, 1] / width)
    value = np.nan_to_num(np.clip(report.crop_matches, 0, 1))
    hsv = np.stack([hue, np.full_like(hue, 0.8), value], axis=-1).reshape(rows, cols, 3)
    return hsv_to_rgb(hsv)


def _displacement_key(ax) -> None:
    """Colour key of the displacement map: hue by direction, brightness by NCC."""
    from matplotlib.colors import hsv_to_rgb

    direction = np.linspace(-0.25, 0.25, 65)  # a quarter of the exemplar each way
    dy, dx = np.meshgrid(direction, direction, indexing="ij")
    hsv = np.stack([_displacement_hue(dy, dx), np.full_like(dy, 0.8), np.ones_like(dy)], axis=-1)
    ax.imshow(hsv_to_rgb(hsv), extent=(-0.25, 0.25, 0.25, -0.25), interpolation="nearest")
    ax.set_xticks([-0.25, 0, 0.25], ["−.25", "0", ".25"], fontsize=6)
    ax.set_yticks([-0.25, 0, 0.25], ["−.25", "0", ".25"], fontsize=6)
    ax.set_xlabel("dx / exemplar width", fontsize=7)
    ax.set_ylabel("dy / height", fontsize=7)
    ax.set_title("key: hue = direction,\ndark = low NCC", fontsize=8)


def _wrapped_boxes(y: int, x: int, size: int, height: int, width: int) -> list[tuple[int, int, int, int]]:
    """A ``size`` square at (y, x) on a periodic ``height x width`` image, as the
    (y, x, h, w) rectangles it covers inside the image (up to four when it wraps).

    Examples
    --------
    >>> _wrapped_boxes(60, 10, 8, 64, 64)
    [(60, 10, 4, 8), (0, 10, 4, 8)]
    """

    def pieces(start: int, period: int) -> list[tuple[int, int]]:
        start %= period
        first = min(size, period - start)
        return [(start, first)] + ([(0, size - first)] if first < size else [])

    return [(py, px, ph, pw) for py, ph in pieces(y, height) for px, pw in pieces(x, width)]


def probe_figure(
    report: MemorizationReport, synthesis: np.ndarray, exemplar: np.ndarray, path: str | Path,
    *, title: str = "", overwrite: bool = False, n_boxes: int = 3, fidelity: dict[str, Any] | None = None,
) -> Path:
    """Exemplar and synthesis at the same pixel scale with the best-matching crops
    outlined on both (boxes wrap across the exemplar's periodic edges), the
    displacement map with its colour key, and the crop-match histogram over the
    held-out one (PNG). ``fidelity`` (see :func:`fidelity`) is printed beside the verdict.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from wavetex.memorization import probe, shifted_copy
    >>> exemplar = np.random.default_rng(0).random((64, 64))
    >>> copy = shifted_copy(exemplar, (3, 5))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     probe_figure(probe(copy, exemplar), copy, exemplar, Path(folder) / "probe.png").name
    'probe.png'
    """
    plt = _pyplot()
    from matplotlib.patches import Rectangle

    extent = (max(exemplar.shape[0], synthesis.shape[0]), max(exemplar.shape[1], synthesis.shape[1]))
    figure = plt.figure(figsize=(15, 4.4))
    grid = figure.add_gridspec(1, 5, width_ratios=[1, 1, 1, 0.45, 1.3], wspace=0.35)
    axes = [figure.add_subplot(grid[0, k]) for k in range(5)]
    _show(axes[0], exemplar, "exemplar (best matches outlined)", extent)
    _show(axes[1], synthesis, "synthesis (its best-matching crops)", extent)
    p = report.crop_size
    height, width = exemplar.shape[:2]
    order = np.argsort(np.nan_to_num(report.crop_matches, nan=-2))[::-1][:n_boxes]
    for rank, k in enumerate(order):
        colour = ["#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00"][rank % 5]
        y, x = report.crop_positions[k]
        axes[1].add_patch(Rectangle((x - 0.5, y - 0.5), p, p, fill=False, edgecolor=colour, linewidth=1.5))
        axes[1].text(x + 2, y + 2, f"{report.crop_matches[k]:.2f}", color=colour, fontsize=7, va="top",
                     bbox={"facecolor": "white", "alpha": 0.7, "pad": 1, "linewidth": 0})
        for py, px, ph, pw in _wrapped_boxes(*report.match_positions[k], p, height, width):
            axes[0].add_patch(Rectangle((px - 0.5, py - 0.5), pw, ph, fill=False, edgecolor=colour, linewidth=1.5))
    axes[2].imshow(_displacement_image(report), interpolation="nearest")
    axes[2].set_title("displacement of each crop\n(hue: where, brightness: NCC)", fontsize=9)
    axes[2].set_xticks([])
    axes[2].set_yticks([])
    _displacement_key(axes[3])
    bins = np.linspace(-0.2, 1.0, 49)
    matches = report.crop_matches[np.isfinite(report.crop_matches)]
    if report.heldout_matches.size:
        heldout = report.heldout_matches[np.isfinite(report.heldout_matches)]
        axes[4].hist(heldout, bins=bins, density=True, alpha=0.5, color="gray",
                     label=f"exemplar vs itself, held out ({heldout.size} crops)")
    if matches.size:  # a flat synthesis has no crop to compare
        axes[4].hist(matches, bins=bins, density=True, alpha=0.6, color="#d95f02",
                     label=f"synthesis ({matches.size} crops)")
    else:
        axes[4].text(0.5, 0.5, "no synthesis crop to compare (flat)", transform=axes[4].transAxes,
                     ha="center", fontsize=8)
    axes[4].axvline(report.copy_threshold, color="k", linestyle="--", linewidth=1,
                    label=f"copy threshold {report.copy_threshold:.2f}")
    axes[4].set_xlabel("best NCC of a crop in the exemplar", fontsize=8)
    axes[4].set_ylabel("density", fontsize=8)
    axes[4].legend(fontsize=7, loc="upper left")
    axes[4].set_title(f"{report.n_crops} crops: copy rate {report.copy_rate:.2f}, "
                      f"index {report.memorization_index:.2f}", fontsize=9)
    heading = title or f"{report.verdict}: {VERDICT_WORDS[report.verdict]}"
    lines = [heading, report.verdict_reason]
    if fidelity is not None:
        lines.append("Fidelity: " + _fidelity_words(fidelity))
    figure.suptitle("\n".join(lines), fontsize=9, wrap=True)
    figure.subplots_adjust(top=0.76, bottom=0.14, left=0.02, right=0.99)
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
    jobs: Sequence[tuple[dict[str, Any], str | Path]],
    overwrite: bool = False,
) -> dict[str, Any]:
    """Lay out the finished jobs of one texture (one per seed) under ``out_dir/<name>/``:
    the exemplar, every synthesis and its probe figure (PNG), their diversity, and
    ``report.json``. Returns the JSON's content.

    ``jobs`` pairs each job's record with its folder, as :mod:`wavetex.survey` writes
    them (``record.json``, ``synthesis.png``, ``probe.png``); the syntheses themselves
    are run by the survey engine (``wavetex report`` does both).
    """
    folder = Path(out_dir) / name
    folder.mkdir(parents=True, exist_ok=True)
    files = {"exemplar": _thumbnail(exemplar, folder / "exemplar.png", overwrite).name, "samples": []}
    samples, images = [], []
    for k, (record, job_folder) in enumerate(jobs):
        job_folder = Path(job_folder)
        image_file = _copy(job_folder / "synthesis.png", folder / f"synthesis_{k}.png", overwrite)
        figure_file = _copy(job_folder / "probe.png", folder / f"probe_{k}.png", overwrite)
        images.append(wio.read_image(image_file))
        samples.append({"seed": record["config"]["seed"], "statistics_error": record["metrics"]["statistics_error"],
                        "fidelity": record["fidelity"], "probe": record["probe"], "job": record["key"]})
        files["samples"].append({"synthesis": image_file.name, "probe_figure": figure_file.name})
    content = {
        "texture": name,
        "samples": samples,
        "diversity": diversity(images).to_dict() if len(images) > 1 else None,
        "synthesis": {"config": jobs[0][0]["config"], "versions": jobs[0][0]["versions"]} if jobs else None,
        "files": files,
    }
    wio.write_json(folder / "report.json", content, overwrite=overwrite)
    return content


def _copy(source: Path, target: Path, overwrite: bool) -> Path:
    return wio.atomic_write(target, lambda p: shutil.copyfile(source, p), overwrite=overwrite)


def _verdict_summary(samples: Sequence[dict[str, Any]]) -> str:
    verdicts = [s["probe"]["verdict"] for s in samples]
    return next(v for v in VERDICT_SEVERITY if v in verdicts)


#: Width in screen pixels of the exemplar's thumbnail; syntheses are drawn at the same scale.
_THUMBNAIL_WIDTH = 160


def _thumbnail_tag(src: str, image_shape: Sequence[int], scale: float, alt: str) -> str:
    """An <img> at ``scale`` screen pixels per image pixel, linked to the full-size image."""
    width, height = round(image_shape[1] * scale), round(image_shape[0] * scale)
    return f'<img src="{src}" width="{width}" height="{height}" alt="{alt}">'


def write_index(reports: Sequence[dict[str, Any]], out_dir: str | Path, *, overwrite: bool = False) -> Path:
    """``index.html``: one row per texture with thumbnails (exemplar and syntheses at the
    same pixel scale, each linked to its full-size image), the verdict in words beside
    the synthesis's fidelity, the scores, and a legend of every metric. Relative links
    only: the page works from the file system. A verdict is green only when it is
    ``novel`` and every synthesis converged."""
    rows = []
    for content in reports:
        name = html.escape(content["texture"])
        files = content["files"]
        samples = content["samples"]
        exemplar_shape = samples[0]["probe"]["exemplar_shape"]
        scale = _THUMBNAIL_WIDTH / exemplar_shape[1]
        thumbs = "".join(
            f'<figure><a href="{name}/{html.escape(f["synthesis"])}">'
            + _thumbnail_tag(f"{name}/{html.escape(f['synthesis'])}", s["probe"]["synthesis_shape"], scale, "synthesis")
            + f'</a><figcaption>seed {s["seed"]}: <a href="{name}/{html.escape(f["synthesis"])}">full size</a>, '
            f'<a href="{name}/{html.escape(f["probe_figure"])}">probe figure</a></figcaption></figure>'
            for s, f in zip(samples, files["samples"])
        )
        scores = "".join(
            f"<li>seed {s['seed']}: <b>{s['probe']['verdict']}</b> — {html.escape(s['probe']['verdict_reason'])}"
            f"<br>global match {_num(s['probe']['global_match'])}, copy rate {_num(s['probe']['copy_rate'])}, "
            f"memorization index {_num(s['probe']['memorization_index'])}, excess rate {_num(s['probe']['excess_rate'])}, "
            f"coherence {_num(s['probe']['coherence'])}"
            f"<br><span class=\"{'converged' if _converged(s) else 'unconverged'}\">fidelity: "
            f"{html.escape(_sample_fidelity_words(s))}</span></li>"
            for s in samples
        )
        worst = _verdict_summary(samples)
        all_converged = all(_converged(s) for s in samples)
        warning = "" if all_converged else (
            '<p class="unconverged">A synthesis did not converge: the verdict is about copying only; '
            "the image may be a poor texture.</p>"
        )
        diversity_note = ""
        if content.get("diversity"):
            diversity_note = f"<p>Between samples: max global match {_num(content['diversity']['max_match'])}.</p>"
        rows.append(
            f'<tr class="{worst}{" converged" if all_converged else ""}"><td><a href="{name}/report.json">{name}</a><br>'
            f'<a href="{name}/{html.escape(files["exemplar"])}">'
            + _thumbnail_tag(f"{name}/{html.escape(files['exemplar'])}", exemplar_shape, scale, "exemplar")
            + f"</a></td><td>{thumbs}</td><td><p class=\"verdict\">{worst}: {html.escape(VERDICT_WORDS[worst])}</p>"
            f"{warning}<ul>{scores}</ul>{diversity_note}</td></tr>"
        )
    legend = "".join(f"<dt>{html.escape(term)}</dt><dd>{html.escape(meaning)}</dd>" for term, meaning in METRIC_LEGEND)
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>wavetex memorization report</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; }} table {{ border-collapse: collapse; }}
td {{ border-top: 1px solid #ccc; padding: 0.6em; vertical-align: top; }}
img {{ margin-right: 4px; image-rendering: pixelated; }} figure {{ display: inline-block; margin: 0 6px 0 0; }}
figcaption {{ font-size: 0.8em; }} dt {{ font-weight: bold; }} dd {{ margin: 0 0 0.4em 1.5em; }}
.verdict {{ font-weight: bold; }} tr.copy .verdict {{ color: #b30000; }} tr.suspicious .verdict {{ color: #b36b00; }}
tr.novel.converged .verdict {{ color: #006d2c; }} li {{ font-size: 0.9em; margin-bottom: 0.4em; }}
.unconverged {{ color: #b36b00; font-weight: bold; }}
</style></head><body>
<h1>Did the model copy the exemplar?</h1>
<p>For each texture: the exemplar and the syntheses at the same pixel scale (click an image for
its full size), the memorization probe's verdict and scores, and each synthesis's fidelity.
The probe answers whether the exemplar was copied, not whether the synthesis is a good
texture: read the verdict beside the statistics error and whether the synthesis converged.
Verdicts follow docs/memorization.md: <i>copy</i> (global match above what the exemplar's own
pieces reach, or copy rate ≥ 0.25), <i>suspicious</i> (some crops copied, many crops closer than
the exemplar's own pieces, or coherent displacements), <i>indeterminate</i> (the exemplar repeats
itself too exactly to tell), <i>novel</i> (no copying detected).</p>
<h2>Legend</h2><dl>{legend}</dl>
<table><tr><th>texture</th><th>syntheses</th><th>verdict, fidelity and scores</th></tr>
{''.join(rows)}
</table></body></html>
"""
    path = Path(out_dir) / "index.html"
    return wio.atomic_write(path, lambda p: p.write_text(page, encoding="utf-8"), overwrite=overwrite)


def _converged(sample: dict[str, Any]) -> bool:
    return bool(sample.get("fidelity", {}).get("converged", False))


def _sample_fidelity_words(sample: dict[str, Any]) -> str:
    if "fidelity" in sample:
        return _fidelity_words(sample["fidelity"])
    return f"statistics error {sample['statistics_error']:.4f}, convergence not recorded"


def _num(value: Any) -> str:
    return "—" if value is None else f"{value:.2f}"


def capacity_sweep(
    exemplar: np.ndarray,
    out_dir: str | Path,
    *,
    rungs: Sequence[tuple[str, dict[str, Any], str | Path]],
    overwrite: bool = False,
) -> dict[str, Any]:
    """Plot the number of statistics of models of increasing capacity against the
    statistics error and the memorization index of their syntheses (``sweep.png``,
    ``sweep.json`` and one synthesis per rung in ``out_dir``).

    ``rungs`` gives, per model in ladder order, its label, its job's record and the
    job's folder, as :mod:`wavetex.survey` writes them (``wavetex sweep`` runs the jobs).
    """
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    laid_out = []
    for k, (label, record, job_folder) in enumerate(rungs):
        model = ModelConfig(**record["config"]["model"])
        n_stats = TextureStatistics(np.asarray(exemplar, dtype=np.float64), config=model).n_stats
        image = _copy(Path(job_folder) / "synthesis.png", folder / f"rung_{k}.png", overwrite)
        laid_out.append({
            "label": label, "model": model.to_dict(), "n_stats": n_stats,
            "statistics_error": record["metrics"]["statistics_error"], "wall_time": record["metrics"]["wall_time"],
            "iterations": record["metrics"]["iterations"], "fidelity": record["fidelity"], "probe": record["probe"],
            "image": image.name, "job": record["key"],
        })
    content = {"rungs": laid_out, "synthesis": rungs[0][1]["config"] if rungs else None}
    wio.write_json(folder / "sweep.json", content, overwrite=overwrite)
    _sweep_figure(laid_out, exemplar, folder / "sweep.png", overwrite)
    return content


def _sweep_figure(rungs: Sequence[dict[str, Any]], exemplar: np.ndarray, path: Path, overwrite: bool) -> Path:
    plt = _pyplot()
    n = [r["n_stats"] for r in rungs]
    figure = plt.figure(figsize=(12, 6))
    grid = figure.add_gridspec(2, len(rungs) + 1, height_ratios=[3, 1.6], hspace=0.45)
    ax = figure.add_subplot(grid[0, :])
    ax.plot(n, [r["statistics_error"] for r in rungs], "o-", color="#1b9e77")
    for r in rungs:  # hollow markers: the synthesis did not converge
        if not r["fidelity"]["converged"]:
            ax.plot(r["n_stats"], r["statistics_error"], "o", markersize=11, markerfacecolor="none", color="k")
    ax.set_xscale("log")
    ax.set_xlabel("number of statistics (rungs numbered as below; circled: did not converge)", fontsize=9)
    ax.set_ylabel("statistics error", color="#1b9e77")
    twin = ax.twinx()
    twin.plot(n, [r["probe"]["memorization_index"] for r in rungs], "s--", color="#d95f02")
    twin.set_ylabel("memorization index\n(1 copy, 0 as alike as the exemplar's\nown pieces, < 0 less alike)",
                    color="#d95f02", fontsize=8)
    indices = [r["probe"]["memorization_index"] for r in rungs if r["probe"]["memorization_index"] is not None]
    twin.set_ylim(min([-0.1] + indices) - 0.05, max([0.5] + indices) + 0.05)
    for k, r in enumerate(rungs):
        ax.annotate(str(k + 1), (r["n_stats"], r["statistics_error"]), fontsize=8, xytext=(7 * (k % 2) - 3, 7),
                    textcoords="offset points", ha="center")
    ax.margins(x=0.08, y=0.15)
    ax.set_title("model capacity: statistics error (of each model's own statistics) and memorization", fontsize=10)
    images = [wio.read_image(path.parent / r["image"]) for r in rungs]
    extent = (max([exemplar.shape[0]] + [i.shape[0] for i in images]), max([exemplar.shape[1]] + [i.shape[1] for i in images]))
    _show(figure.add_subplot(grid[1, 0]), exemplar, "exemplar", extent)
    for k, (r, image) in enumerate(zip(rungs, images)):
        state = "" if r["fidelity"]["converged"] else ", not conv."
        _show(figure.add_subplot(grid[1, k + 1]), image,
              f"{k + 1}: {r['label']}\n{r['n_stats']} statistics\n{r['probe']['verdict']}{state}", extent)
    figure.subplots_adjust(left=0.06, right=0.9, top=0.93, bottom=0.03)
    for subplot in figure.axes[2:]:
        subplot.title.set_fontsize(7)
    return _save_figure(figure, path, overwrite)
