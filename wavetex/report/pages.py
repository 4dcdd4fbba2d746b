"""Pages for people: a texture report per texture, the report's index.html, and the
capacity sweep's files."""

from __future__ import annotations

import html
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .. import io as wio
from ..memorization import VERDICT_WORDS, diversity
from ..memorization._verdict import VERDICT_SEVERITY
from ..statistics import ModelConfig, TextureStatistics
from .figures import sweep_figure
from .words import METRIC_LEGEND, fidelity_words, number

__all__ = ["texture_report", "write_index", "capacity_sweep"]


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
    ``novel`` and every synthesis converged.

    Examples
    --------
    >>> import tempfile
    >>> write_index([], tempfile.mkdtemp()).name
    'index.html'
    """
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
            f"<br>global match {number(s['probe']['global_match'])}, copy rate {number(s['probe']['copy_rate'])}, "
            f"memorization index {number(s['probe']['memorization_index'])}, excess rate {number(s['probe']['excess_rate'])}, "
            f"coherence {number(s['probe']['coherence'])}"
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
            diversity_note = f"<p>Between samples: max global match {number(content['diversity']['max_match'])}.</p>"
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
        return fidelity_words(sample["fidelity"])
    return f"statistics error {sample['statistics_error']:.4f}, convergence not recorded"


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
    sweep_figure(laid_out, exemplar, folder / "sweep.png", overwrite=overwrite)
    return content
