"""Every figure of wavetex: the probe figure, the capacity sweep, the survey's
figures, and the status of one synthesis.

The only module of wavetex that uses matplotlib (imported lazily, Agg backend). The
numbers come from :mod:`wavetex.memorization`, :mod:`wavetex.synthesis` and a
survey's ``results.jsonl``; this module only lays them out. Functions that return a
:class:`matplotlib.figure.Figure` leave saving to the caller (:func:`save_figure`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .. import io as wio
from ..memorization import VERDICT_WORDS, MemorizationReport
from ..result import SynthesisResult
from .words import fidelity_words

__all__ = [
    "probe_figure",
    "sweep_figure",
    "synthesis_status",
    "memorization_figure",
    "fidelity_figure",
    "tradeoff_figure",
    "probe_history_figure",
    "save_figure",
]


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
    outlined on both (boxes wrap across the exemplar's periodic edges), the local
    fidelity (the synthesis again, its windows with no counterpart in the exemplar
    tinted and outlined, and the defect fraction), the displacement map with its
    colour key, and the crop-match histogram over the held-out one (PNG).
    ``fidelity`` (see :func:`fidelity`) is printed beside the verdict.

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
    figure = plt.figure(figsize=(18, 4.4))
    grid = figure.add_gridspec(1, 6, width_ratios=[1, 1, 1, 1, 0.45, 1.3], wspace=0.35)
    axes = [figure.add_subplot(grid[0, k]) for k in range(6)]
    _show(axes[0], exemplar, "exemplar (best matches outlined)", extent)
    _show(axes[1], synthesis, "synthesis (its best-matching crops)", extent)
    _defect_panel(axes.pop(2), report, synthesis, extent)
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
        lines.append("Fidelity: " + fidelity_words(fidelity))
    figure.suptitle("\n".join(lines), fontsize=9, wrap=True)
    figure.subplots_adjust(top=0.76, bottom=0.14, left=0.02, right=0.99)
    return save_figure(figure, path, overwrite=overwrite)


#: Tint of the windows with no counterpart in the exemplar (local fidelity).
DEFECT_COLOUR = (0.85, 0.0, 0.55)


def _defect_words(defect_fraction: float) -> str:
    """The local fidelity in a few words, for a panel title.

    Examples
    --------
    >>> _defect_words(0.125), _defect_words(0.0), _defect_words(float("nan"))
    ('defect fraction 0.12: flagged (≥ 0.05)', 'defect fraction 0.00', 'local fidelity not measured')
    """
    from ..memorization._fidelity import FLAG_FRACTION

    if not np.isfinite(defect_fraction):
        return "local fidelity not measured"
    flag = f": flagged (≥ {FLAG_FRACTION:g})" if defect_fraction >= FLAG_FRACTION else ""
    return f"defect fraction {defect_fraction:.2f}{flag}"


def _defect_panel(ax, report: MemorizationReport, synthesis: np.ndarray, extent: tuple[int, int]) -> None:
    """The synthesis with its defect map (``report.defect_map``: windows with no
    counterpart in the exemplar) tinted and outlined, the defect fraction in the title."""
    _show(ax, synthesis, _defect_words(report.defect_fraction) + "\ntinted: no counterpart in the exemplar", extent)
    defects = report.defect_map
    if defects is None or not defects.any():
        return
    limits = ax.get_xlim(), ax.get_ylim()
    tint = np.zeros((*defects.shape, 4))
    tint[..., :3] = DEFECT_COLOUR
    tint[..., 3] = 0.45 * defects
    ax.imshow(tint, interpolation="nearest")
    ax.contour(defects.astype(float), levels=[0.5], colors=[DEFECT_COLOUR], linewidths=1.2)
    ax.set_xlim(*limits[0])
    ax.set_ylim(*limits[1])


def save_figure(figure, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write ``figure`` as PNG to ``path`` (atomically) and close it; returns the path.

    Examples
    --------
    >>> import tempfile
    >>> figure = _pyplot().figure()
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     save_figure(figure, Path(folder) / "f.png").name
    'f.png'
    """
    try:
        return wio.atomic_write(path, lambda p: figure.savefig(p, dpi=90, format="png"), overwrite=overwrite)
    finally:
        _pyplot().close(figure)


def sweep_figure(rungs: Sequence[dict[str, Any]], exemplar: np.ndarray, path: Path, *, overwrite: bool = False) -> Path:
    """The capacity sweep: number of statistics against statistics error and memorization
    index, with each rung's synthesis (read from ``path``'s folder) below."""
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
    return save_figure(figure, path, overwrite=overwrite)


#: Colours for models, textures or seeds: Okabe–Ito and Tableau hues, distinct to the
#: eye; a figure that needs more than these many raises instead of reusing one.
COLOURS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#8c564b",
           "#7f7f7f", "#bcbd22", "#17becf", "#9467bd")
#: Marker per exemplar size (smallest first) and line style per model.
_MARKERS = "os^Dv<>ph*"
_STYLES = [(line, marker) for line in ("-", "--", ":", "-.") for marker in "os^Dv<>ph"]


def _colour(k: int) -> str:
    if k >= len(COLOURS):
        raise ValueError(f"a figure needs {k + 1} distinct colours, wavetex has {len(COLOURS)}; split the figure")
    return COLOURS[k]


def _log_axis(axis) -> None:
    """Log scale labelled in plain numbers at 1, 2 and 5 times each power of ten."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    axis.axes.set_xscale("log") if axis.axis_name == "x" else axis.axes.set_yscale("log")
    axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axis.set_minor_locator(LogLocator(subs=tuple(float(k) for k in range(1, 10))))
    axis.set_minor_formatter(NullFormatter())


_SIZE_LINES = ("-", ":", "-.")  # "--" is for the reference lines


def _size_words(size: tuple[int, int]) -> str:
    return f"{size[1]}×{size[0]} exemplar"


def _per_point(rows: Sequence[dict[str, Any]], value: str) -> dict[tuple, tuple[float, float, float, float, int]]:
    """(texture, exemplar size, model) -> (statistics per pixel, mean, min, max, n seeds) of ``value``."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["texture"], row["exemplar_size"], row["model"]), []).append(row)
    points = {}
    for key, group in groups.items():
        values = np.array([r[value] for r in group], dtype=float)
        values = values[np.isfinite(values)]
        if values.size:
            points[key] = (group[0]["stats_per_pixel"], values.mean(), values.min(), values.max(), values.size)
    return points


def _against_capacity(ax, rows: Sequence[dict[str, Any]], value: str, textures: list[str],
                      sizes: list[tuple[int, int]]) -> None:
    """One line per texture and exemplar size (colour: texture, marker and line style:
    size), mean over seeds with min–max bars, against the statistics per exemplar pixel."""
    points = _per_point(rows, value)
    for t, texture in enumerate(textures):
        for s, size in enumerate(sizes):
            line = sorted(p for (tex, sz, _), p in points.items() if tex == texture and sz == size)
            if not line:
                continue
            x, mean, low, high, _ = map(np.array, zip(*line))
            ax.errorbar(x, mean, yerr=[mean - low, high - mean], color=_colour(t), marker=_MARKERS[s % len(_MARKERS)],
                        markersize=5, linewidth=1.2, capsize=2, markerfacecolor="white" if s % 2 else _colour(t),
                        linestyle=_SIZE_LINES[s % len(_SIZE_LINES)])
    _log_axis(ax.xaxis)
    ax.set_xlabel("statistics per exemplar pixel (log scale)")


def _texture_size_legend(figure, textures: list[str], sizes: list[tuple[int, int]]) -> None:
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=_colour(t), linewidth=2, label=texture) for t, texture in enumerate(textures)]
    handles += [Line2D([], [], color="k", linestyle=_SIZE_LINES[s % len(_SIZE_LINES)], marker=_MARKERS[s % len(_MARKERS)],
                       markerfacecolor="white" if s % 2 else "k", label=_size_words(size))
                for s, size in enumerate(sizes)]
    figure.legend(handles=handles, loc="center left", bbox_to_anchor=(0.86, 0.5), fontsize=8, frameon=False)


def _seeds_words(rows: Sequence[dict[str, Any]]) -> str:
    counts = sorted({n for *_, n in _per_point(rows, "memorization_index").values()})
    return "seeds per point: " + "–".join(map(str, [counts[0], counts[-1]] if counts[0] != counts[-1] else counts[:1]))


def memorization_figure(rows: Sequence[dict[str, Any]]):
    """Memorization index and copy rate against the number of statistics per exemplar
    pixel (log x): one line per texture and exemplar size, mean over seeds with min–max
    bars, dashed lines at 0 (as alike as the exemplar's own pieces) and 1 (copied).

    ``rows`` as :func:`wavetex.report.records.study_rows` gives them. Returns the Figure.

    Examples
    --------
    >>> rows = [{"texture": "t", "exemplar_size": (64, 64), "model": m, "seed": s, "stats_per_pixel": x,
    ...          "memorization_index": x / 10, "copy_rate": 0.0} for m, x in (("a", 0.1), ("b", 2.0)) for s in (0, 1)]
    >>> [ax.get_ylabel() for ax in memorization_figure(rows).axes]
    ['memorization index', 'copy rate']
    """
    plt = _pyplot()
    textures = list(dict.fromkeys(r["texture"] for r in rows))
    sizes = sorted({r["exemplar_size"] for r in rows})
    figure, axes = plt.subplots(1, 2, figsize=(12, 4.4))
    for ax, value, label in ((axes[0], "memorization_index", "memorization index"), (axes[1], "copy_rate", "copy rate")):
        ax.axhline(0, color="gray", linestyle="--", linewidth=1)
        ax.axhline(1, color="gray", linestyle="--", linewidth=1)
        _against_capacity(ax, rows, value, textures, sizes)
        ax.set_ylabel(label)
    axes[0].set_title("memorization index (1: copied; 0: as alike as the exemplar's own pieces)", fontsize=9)
    axes[1].set_title("copy rate (share of crops found verbatim in the exemplar)", fontsize=9)
    low = min([-0.1] + [r["memorization_index"] for r in rows if np.isfinite(r["memorization_index"])])
    axes[0].set_ylim(low - 0.05, 1.05)
    axes[1].set_ylim(-0.05, 1.05)
    figure.suptitle(f"Does more capacity copy the exemplar? (mean over seeds, bars: min–max; {_seeds_words(rows)})",
                    fontsize=10)
    figure.subplots_adjust(left=0.06, right=0.85, top=0.85, bottom=0.13, wspace=0.25)
    _texture_size_legend(figure, textures, sizes)
    return figure


def fidelity_figure(rows: Sequence[dict[str, Any]]):
    """The judge's statistics error (one model for every synthesis of an exemplar, with
    the paper's border masks: it compares across models) against the number of
    statistics per exemplar pixel, like :func:`memorization_figure`. Returns the Figure,
    or None when no job has a judge's error (its files are missing).

    Examples
    --------
    >>> rows = [{"texture": "t", "exemplar_size": (64, 64), "model": "a", "seed": 0, "stats_per_pixel": 1.0,
    ...          "judge_error": 0.2, "memorization_index": 0.0}]
    >>> fidelity_figure(rows).axes[0].get_yscale()
    'log'
    """
    if not any(np.isfinite(r["judge_error"]) for r in rows):
        return None
    plt = _pyplot()
    textures = list(dict.fromkeys(r["texture"] for r in rows))
    sizes = sorted({r["exemplar_size"] for r in rows})
    figure, ax = plt.subplots(figsize=(8, 4.4))
    _against_capacity(ax, rows, "judge_error", textures, sizes)
    _log_axis(ax.yaxis)
    ax.set_ylabel("judge's statistics error (lower: more faithful)")
    ax.set_title("Fidelity on one yardstick: every synthesis measured with the default model's masked statistics\n"
                 f"(mean over seeds, bars: min–max; {_seeds_words(rows)})", fontsize=9)
    figure.subplots_adjust(left=0.1, right=0.78, top=0.86, bottom=0.13)
    _texture_size_legend(figure, textures, sizes)
    figure.legends[0].set_bbox_to_anchor((0.79, 0.5))
    return figure


def tradeoff_figure(rows: Sequence[dict[str, Any]], texture: str):
    """The judge's statistics error against the memorization index of one texture's
    jobs, a colour per model (never reused), a marker per exemplar size, a point per
    seed. None when the texture has fewer than two models (a trade-off needs two) or no
    judge's error.

    Examples
    --------
    >>> rows = [{"texture": "t", "exemplar_size": (64, 64), "model": "a", "judge_error": 0.1,
    ...          "memorization_index": 0.0}]
    >>> tradeoff_figure(rows, "t") is None
    True
    """
    rows = [r for r in rows if r["texture"] == texture]
    models = list(dict.fromkeys(r["model"] for r in rows))
    if len(models) < 2 or not any(np.isfinite(r["judge_error"]) for r in rows):
        return None
    plt = _pyplot()
    sizes = sorted({r["exemplar_size"] for r in rows})
    figure, ax = plt.subplots(figsize=(8, 4.4))
    for m, model in enumerate(models):
        for s, size in enumerate(sizes):
            group = [r for r in rows if r["model"] == model and r["exemplar_size"] == size]
            if group:
                ax.scatter([r["judge_error"] for r in group], [r["memorization_index"] for r in group],
                           color=_colour(m), marker=_MARKERS[s % len(_MARKERS)], s=22,
                           label=model if len(sizes) == 1 else f"{model}, {_size_words(size)}")
    ax.axhline(0, color="gray", linestyle="--", linewidth=1)
    ax.axhline(1, color="gray", linestyle="--", linewidth=1)
    _log_axis(ax.xaxis)
    ax.set_xlabel("judge's statistics error (one model for all: compares across models)")
    ax.set_ylabel("memorization index")
    ax.set_title(f"{texture}: fidelity against memorization, a point per seed", fontsize=10)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    figure.subplots_adjust(left=0.09, right=0.62, top=0.9, bottom=0.12)
    return figure


def probe_history_figure(rows: Sequence[dict[str, Any]], texture: str):
    """The memorization index over the iterations of one texture's jobs, a panel per
    exemplar size: colour by seed, line style by model, the final probe as each line's
    last point, a fixed y range that includes 0 and 1, one iteration axis for all panels
    (a size whose runs stopped early shows it), the legend outside. Returns the Figure.

    Examples
    --------
    >>> history = [{"iteration": 25, "samples": [{"memorization_index": 0.1}]}]
    >>> rows = [{"texture": "t", "exemplar_size": (64, 64), "model": "a", "seed": 0, "iterations": 40,
    ...          "probe_history": history, "final_index": 0.2}]
    >>> probe_history_figure(rows, "t").axes[0].get_lines()[0].get_xdata().tolist()
    [25, 40]
    """
    from matplotlib.lines import Line2D

    plt = _pyplot()
    rows = [r for r in rows if r["texture"] == texture]
    sizes = sorted({r["exemplar_size"] for r in rows})
    models = list(dict.fromkeys(r["model"] for r in rows))
    seeds = sorted({r["seed"] for r in rows})
    if len(models) > len(_STYLES):
        raise ValueError(f"{len(models)} models need more line styles than the {len(_STYLES)} there are")
    figure, axes = plt.subplots(1, len(sizes), figsize=(4.2 * len(sizes) + 2.6, 4), squeeze=False, sharex=True,
                             sharey=True)
    values = [r["final_index"] for r in rows] + [
        h["samples"][0]["memorization_index"] for r in rows for h in r["probe_history"]]
    values = [v for v in values if v is not None and np.isfinite(v)]
    low = min([-0.25] + values) - 0.05
    for ax, size in zip(axes[0], sizes):
        for row in (r for r in rows if r["exemplar_size"] == size):
            steps = [h["iteration"] for h in row["probe_history"]]
            index = [np.nan if h["samples"][0]["memorization_index"] is None else h["samples"][0]["memorization_index"]
                     for h in row["probe_history"]]
            if not steps or steps[-1] != row["iterations"]:  # the final probe closes the line
                steps.append(row["iterations"])
                index.append(row["final_index"])
            line, marker = _STYLES[models.index(row["model"])]
            ax.plot(steps, index, linestyle=line, marker=marker, markersize=3, linewidth=1,
                    color=_colour(seeds.index(row["seed"])))
        ax.axhline(0, color="gray", linestyle="--", linewidth=0.8)
        ax.axhline(1, color="gray", linestyle="--", linewidth=0.8)
        ax.set_ylim(low, 1.05)
        ax.set_xlabel("L-BFGS iteration (after the coarse stage)")
        ax.set_title(_size_words(size), fontsize=9)
    axes[0][0].set_ylabel("memorization index")
    handles = [Line2D([], [], color=_colour(k), linewidth=2, label=f"seed {seed}") for k, seed in enumerate(seeds)]
    handles += [Line2D([], [], color="k", linestyle=_STYLES[m][0], marker=_STYLES[m][1], markersize=4, label=model)
                for m, model in enumerate(models)]
    figure.legend(handles=handles, loc="center left", bbox_to_anchor=(1 - 2.4 / figure.get_figwidth(), 0.5),
                  fontsize=7, frameon=False)
    figure.suptitle(f"{texture}: the probe over iterations (last point: the final probe)", fontsize=10)
    figure.subplots_adjust(left=0.08 * 6 / figure.get_figwidth(), right=1 - 2.6 / figure.get_figwidth(),
                           top=0.86, bottom=0.13, wspace=0.08)
    return figure


def synthesis_status(result: SynthesisResult, sample: int = 0):
    """The status of one synthesis at a glance: its image, its loss over the iterations
    (log scale) and the statistics error of each block of statistics.

    Like plenoptic's synthesis status plot: read it to see whether the optimisation
    was still improving when it stopped (the loss curve), and which statistics it
    reproduces worst (the bars; the dashed line is the error over all statistics).

    Parameters
    ----------
    result : SynthesisResult
        A finished synthesis (:func:`wavetex.synthesize`).
    sample : int
        Which of its samples.

    Returns
    -------
    matplotlib.figure.Figure
        Three panels; save it with :func:`save_figure` or ``figure.savefig``.

    Examples
    --------
    >>> import numpy as np, wavetex
    >>> exemplar = np.random.default_rng(0).random((32, 32))
    >>> result = wavetex.synthesize(exemplar, n_scales=3, max_iter=5, progress=False)
    >>> figure = synthesis_status(result)
    >>> [ax.get_title() for ax in figure.axes][1:]
    ['loss over iterations', 'statistics error per block']
    """
    if isinstance(sample, bool) or not isinstance(sample, (int, np.integer)) or not 0 <= sample < result.n_samples:
        raise ValueError(f"sample must be an integer from 0 to {result.n_samples - 1}, got {sample!r}")
    plt = _pyplot()
    figure, axes = plt.subplots(1, 3, figsize=(13, 4), gridspec_kw={"width_ratios": [1, 1.4, 1.2]})
    _show(axes[0], result.images[sample], f"sample {sample} (seed {result.seeds[sample]})")
    loss = np.asarray(result.loss_history[sample], dtype=float)
    iterations = np.arange(1, loss.size + 1)
    positive = loss > 0
    axes[1].plot(iterations[positive], loss[positive], color=COLOURS[0])
    axes[1].set_yscale("log")
    axes[1].set_xlabel("L-BFGS iteration" + (" (after the coarse stage)" if "coarse" in result.extra else ""))
    axes[1].set_ylabel("loss")
    axes[1].set_title("loss over iterations")
    blocks = result.block_errors[sample]
    names = list(blocks)
    axes[2].bar(names, [blocks[name] for name in names], color=COLOURS[2])
    axes[2].axhline(result.errors[sample], color="k", linestyle="--", linewidth=1,
                    label=f"all statistics: {result.errors[sample]:.4f}")
    if all(blocks[name] > 0 for name in names):
        axes[2].set_yscale("log")
    axes[2].set_ylabel("‖Φ(synthesis) − Φ(exemplar)‖ / ‖Φ(exemplar)‖")
    axes[2].set_title("statistics error per block")
    axes[2].legend(fontsize=8)
    figure.suptitle(f"{result.n_iterations[sample]} iterations, {result.status(sample)['words']}", fontsize=10)
    figure.tight_layout()
    return figure
