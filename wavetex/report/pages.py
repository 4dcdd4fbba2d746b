"""Pages for people: the one page builder (index.html of ``wavetex report`` and
``wavetex survey``, both from results.jsonl, rendered from the Jinja2 templates shipped
in ``templates/``), a texture report's JSON, and the capacity sweep's files."""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .. import io as wio
from ..memorization import VERDICT_WORDS, diversity
from ..statistics import ModelConfig, TextureStatistics
from ..survey.store import SurveyFolder, exemplar_file
from .figures import (fidelity_figure, memorization_figure, probe_history_figure, save_figure, sweep_figure,
                      tradeoff_figure)
from .records import defect_fractions, exemplar_size, load_records, source_texture, study_rows
from .words import METRIC_LEGEND, STATUS_LABELS, number, record_status

__all__ = ["texture_report", "write_index", "capacity_sweep", "TEMPLATES"]

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def texture_report(
    name: str,
    exemplar: np.ndarray,
    out_dir: str | Path,
    *,
    jobs: Sequence[tuple[dict[str, Any], str | Path]],
    overwrite: bool = False,
) -> dict[str, Any]:
    """``out_dir/<name>/report.json`` for the finished jobs of one texture (one per
    seed): each sample's scores, probe and status, their diversity, and where the job's
    files are. Returns the JSON's content; the page is :func:`write_index`'s.

    ``jobs`` pairs each job's record with its folder, as :mod:`wavetex.survey` writes
    them (``record.json``, ``synthesis.png``, ``probe.png``); the syntheses themselves
    are run by the survey engine (``wavetex report`` does both).
    """
    out_dir = Path(out_dir)
    folder = out_dir / name
    folder.mkdir(parents=True, exist_ok=True)
    samples, images = [], []
    for record, job_folder in jobs:
        status = record_status(record)
        images.append(wio.read_image(Path(job_folder) / "synthesis.png"))
        samples.append({
            "seed": record["config"]["seed"], "statistics_error": record["metrics"]["statistics_error"],
            "fidelity": {**record["fidelity"], "converged": status["status"] == "converged"}, "status": status,
            "probe": record["probe"], "job": record["key"],
            "files": {f.rsplit("/", 1)[-1]: f"../{f}" for f in record.get("files", [])},
        })
    content = {
        "texture": name,
        "exemplar": f"../{exemplar_file(jobs[0][0]['exemplar_sha256'])}" if jobs else None,
        "samples": samples,
        "diversity": diversity(images).to_dict() if len(images) > 1 else None,
        "synthesis": {"config": jobs[0][0]["config"], "versions": jobs[0][0]["versions"]} if jobs else None,
    }
    wio.write_json(folder / "report.json", content, overwrite=overwrite)
    return content


def _copy(source: Path, target: Path, overwrite: bool) -> Path:
    return wio.atomic_write(target, lambda p: shutil.copyfile(source, p), overwrite=overwrite)


#: The page's template and stylesheet, shipped with wavetex (package data).
TEMPLATES = Path(__file__).parent / "templates"


def _environment():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined,
                              keep_trailing_newline=True)


def _group_name(record: dict[str, Any]) -> str:
    fit = record.get("exemplar_fit")
    if not fit:
        return source_texture(record)
    height, width = fit["size"]
    return f"{fit['texture']}, {width}×{height} {'crop' if fit['fit'] == 'crop' else 'downscaled'}"


def _row_label(record: dict[str, Any]) -> str:
    config = record["config"]
    label = record["model"]
    if config["schedule"] != "default":
        label += f", {config['schedule']} schedule"
    if tuple(config["size"]) != exemplar_size(record):
        label += f", {config['size'][1]}×{config['size'][0]}"
    return label


def _cell(record: dict[str, Any], defect_fraction: float | None) -> dict[str, Any]:
    from ..memorization._fidelity import FLAG_FRACTION

    probe, metrics = record["probe"], record["metrics"]
    status = record_status(record)
    job = f"jobs/{record['key']}"
    height, width = record["config"]["size"]
    return {
        "seed": record["config"]["seed"], "image": f"{job}/synthesis.png", "probe": f"{job}/probe.png",
        "sidecar": f"{job}/synthesis.json", "record": f"{job}/record.json", "width": width, "height": height,
        "verdict": probe["verdict"], "verdict_words": VERDICT_WORDS.get(probe["verdict"], ""),
        "index": number(probe.get("memorization_index")), "copy_rate": number(probe.get("copy_rate")),
        "global_match": number(probe.get("global_match")), "statistics_error": f"{metrics['statistics_error']:.4f}",
        "defects": number(defect_fraction),
        "defects_flagged": defect_fraction is not None and defect_fraction >= FLAG_FRACTION,
        "iterations": metrics["iterations"], "converged": status["status"] == "converged",
        "status_label": STATUS_LABELS.get(status["status"], status["status"]), "status_words": status["words"],
    }


def _groups(out_dir: Path, records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    defects = defect_fractions(out_dir, records)
    grouped: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        grouped.setdefault(_group_name(record), []).append(record)
    groups = []
    for name, group in grouped.items():
        rows: dict[str, list[dict[str, Any]]] = {}
        for record in sorted(group, key=lambda r: r["config"]["seed"]):
            rows.setdefault(_row_label(record), []).append(record)
        height, width = exemplar_size(group[0])
        groups.append({
            "name": name, "anchor": _UNSAFE.sub("-", name).strip("-").lower(), "n_jobs": len(group),
            "exemplar": {"src": exemplar_file(group[0]["exemplar_sha256"]), "width": width, "height": height},
            "rows": [{"label": label, "cells": [_cell(r, defects.get(r["key"])) for r in row],
                      "diversity": _diversity(out_dir, row)}
                     for label, row in rows.items()],
        })
    return groups


def _diversity(out_dir: Path, records: Sequence[dict[str, Any]]) -> str | None:
    paths = [out_dir / "jobs" / r["key"] / "synthesis.png" for r in records]
    if len(paths) < 2 or not all(p.is_file() for p in paths):
        return None
    return number(diversity([wio.read_image(p) for p in paths]).max_match)


def _figures(out_dir: Path, records: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    """The study's figures from the records, written into ``DIR/figures/``, where any
    other PNG (an earlier page's figure) is removed."""
    rows = study_rows(out_dir, records)
    folder = out_dir / "figures"
    figures = []

    def save(figure, name: str, caption: str) -> None:
        if figure is not None:
            folder.mkdir(exist_ok=True)
            save_figure(figure, folder / name, overwrite=True)
            figures.append({"src": f"figures/{name}", "caption": caption})

    if len({r["model"] for r in rows}) > 1:
        save(memorization_figure(rows), "memorization.png",
             "Memorization index and copy rate against statistics per exemplar pixel, one line per texture and "
             "exemplar size, mean over seeds with min–max bars.")
        save(fidelity_figure(rows), "fidelity.png",
             "Fidelity measured with one judge model for every synthesis (comparable across models), on the same x.")
    for texture in dict.fromkeys(r["texture"] for r in rows):
        stem = _UNSAFE.sub("_", texture)
        save(tradeoff_figure(rows, texture), f"{stem}-tradeoff.png",
             f"{texture}: judge's statistics error against memorization index, a point per seed.")
        if any(r["probe_history"] for r in rows if r["texture"] == texture):
            save(probe_history_figure(rows, texture), f"{stem}-probe-history.png",
                 f"{texture}: the memorization index over the iterations (colour: seed, style: model).")
    written = {Path(f["src"]).name for f in figures}
    for stale in folder.glob("*.png") if folder.is_dir() else ():  # of an earlier page: not this one's
        if stale.name not in written:
            stale.unlink()
    return figures


def write_index(out_dir: str | Path, *, title: str | None = None) -> Path:
    """Write ``DIR/index.html`` (with ``style.css`` and ``figures/``) from
    ``DIR/results.jsonl`` and the failures not fixed since: the one page builder of
    ``wavetex report`` and ``wavetex survey``. Replaces the previous page.

    At the top, a grid per texture (and exemplar size): its exemplar once, then a row
    per model with each seed's synthesis at 1:1, its verdict badge, memorization
    index, defect fraction (local fidelity, :func:`~wavetex.report.records.defect_fractions`)
    and status word; then the legend of every metric, the figures, a table of
    every job with links to the full-size image, probe figure, sidecar and record,
    and the failed jobs. Relative links only: the folder can be moved or served as
    is. A ``novel`` badge is green only for a synthesis that converged.

    Parameters
    ----------
    out_dir : path
        A survey folder (:class:`wavetex.survey.SurveyFolder`).
    title : str, optional
        The page's heading (default: the one ``DIR/survey.json`` remembers, else
        "wavetex memorization survey").

    Examples
    --------
    >>> import tempfile
    >>> write_index(tempfile.mkdtemp()).name
    'index.html'
    """
    out_dir = Path(out_dir)
    if title is None:
        remembered = out_dir / "survey.json"
        title = wio.read_json(remembered)["title"] if remembered.is_file() else "wavetex memorization survey"
    records = load_records(out_dir)
    page = _environment().get_template("index.html").render(
        title=title, n_jobs=len(records), groups=_groups(out_dir, records), legend=METRIC_LEGEND,
        verdicts=list(VERDICT_WORDS.items()), figures=_figures(out_dir, records) if records else [],
        failures=SurveyFolder(out_dir).failures_since_done(),
    )
    out_dir.mkdir(exist_ok=True)
    wio.atomic_write(out_dir / "style.css", lambda p: shutil.copyfile(TEMPLATES / "style.css", p), overwrite=True)
    return wio.atomic_write(out_dir / "index.html", lambda p: p.write_text(page, encoding="utf-8"), overwrite=True)


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
