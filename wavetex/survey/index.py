"""DIR/index.html and its figures, regenerated from DIR/results.jsonl alone.

Per texture: a row per (model, schedule, size) with the exemplar, every seed's
synthesis (linking to its probe figure), the statistics error, verdict, memorization
index and copy rate of each, and the diversity across seeds; a figure of statistics
error against memorization index across models (the trade-off), and the probe over
iterations when the plan asked for it. Links are relative, so the folder can be
moved or served as is.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import io as wio
from ..memorization import diversity
from ..report import VERDICT_WORDS
from ..report import figures as figures_module
from ..report.words import number
from .store import SurveyFolder, exemplar_file, read_results

__all__ = ["write_index"]

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def write_index(out_dir: str | Path, *, title: str = "wavetex memorization survey") -> Path:
    """Write ``index.html`` and ``figures/`` from ``results.jsonl`` (and the failures
    not fixed since); replaces the previous page. Returns its path.

    Examples
    --------
    >>> import tempfile
    >>> write_index(tempfile.mkdtemp()).name
    'index.html'
    """
    out_dir = Path(out_dir)
    records = read_results(out_dir)
    failures = SurveyFolder(out_dir).failures_since_done()
    by_texture: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        by_texture[record["texture"]].append(record)
    sections = [_texture_section(out_dir, texture, group) for texture, group in by_texture.items()]
    failed = ""
    if failures:
        items = "".join(
            f"<li><code>{html.escape(f['key'])}</code>: {html.escape(f['error'])} "
            f"({f['attempts']} attempts)</li>" for f in failures
        )
        failed = f"<h2>Failed jobs</h2><p>Rerun the same command to retry them.</p><ul>{items}</ul>"
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; }} table {{ border-collapse: collapse; margin-bottom: 1em; }}
td, th {{ border-top: 1px solid #ccc; padding: 0.4em; vertical-align: top; text-align: left; font-size: 0.9em; }}
img.thumb {{ width: 128px; height: auto; image-rendering: pixelated; }} img.figure {{ max-width: 48%; }}
.copy {{ color: #b30000; font-weight: bold; }} .suspicious {{ color: #b36b00; font-weight: bold; }}
.novel.converged {{ color: #006d2c; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p>{len(records)} finished jobs from <a href="results.jsonl">results.jsonl</a>. Verdicts:
{"; ".join(f"<i>{v}</i>: {html.escape(w)}" for v, w in VERDICT_WORDS.items())}.
Click a synthesis for its probe figure.</p>
{''.join(sections)}{failed}
</body></html>
"""
    return wio.atomic_write(out_dir / "index.html", lambda p: p.write_text(page, encoding="utf-8"), overwrite=True)


def _row_key(record: dict[str, Any]) -> tuple:
    config = record["config"]
    return record["model"], config["schedule"], tuple(config["size"])


def _texture_section(out_dir: Path, texture: str, records: list[dict[str, Any]]) -> str:
    rows: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        rows[_row_key(record)].append(record)
    exemplar = exemplar_file(records[0]["exemplar_sha256"])
    lines = []
    for (model, schedule, (height, width)), group in rows.items():
        group = sorted(group, key=lambda r: r["config"]["seed"])
        thumbs = "".join(
            f'<a href="jobs/{html.escape(r["key"])}/probe.png"><img class="thumb" '
            f'src="jobs/{html.escape(r["key"])}/synthesis.png" alt="seed {r["config"]["seed"]}"></a>'
            for r in group
        )
        scores = "<br>".join(_seed_line(r) for r in group)
        lines.append(
            f"<tr><td>{html.escape(model)}<br>{html.escape(schedule)}<br>{width}x{height}</td>"
            f'<td><img class="thumb" src="{exemplar}" alt="exemplar"></td><td>{thumbs}</td>'
            f"<td>{scores}</td><td>{_diversity(out_dir, group)}</td></tr>"
        )
    stem = _UNSAFE.sub("_", texture)
    figures = [_save(figures_module.tradeoff_figure(records, texture), out_dir, f"{stem}-tradeoff.png")]
    if any(r.get("probe_history") for r in records):
        figures.append(_save(figures_module.probe_history_figure(records, texture), out_dir, f"{stem}-probe-history.png"))
    images = "".join(f'<a href="{f}"><img class="figure" src="{f}" alt="figure"></a>' for f in figures)
    return (
        f"<h2>{html.escape(texture)}</h2><table><tr><th>model, schedule, size</th><th>exemplar</th>"
        f"<th>syntheses (seeds)</th><th>per seed</th><th>diversity across seeds</th></tr>{''.join(lines)}</table>"
        f"<div>{images}</div>"
    )


def _seed_line(record: dict[str, Any]) -> str:
    """Verdict, scores and fidelity of one job; a verdict shows green only for a
    synthesis that converged (an unconverged one is no success, whatever its verdict)."""
    verdict = record["probe"]["verdict"]
    converged = record["fidelity"]["converged"]
    state = "converged" if converged else f"NOT converged ({html.escape(record['fidelity']['stop_reason'])})"
    return (
        f"seed {record['config']['seed']}: <span class=\"{verdict}{' converged' if converged else ''}\">{verdict}"
        f"</span>, statistics error {record['metrics']['statistics_error']:.4f} after "
        f"{record['metrics']['iterations']} iterations, {state}; memorization index "
        f"{number(record['probe']['memorization_index'])}, copy rate {number(record['probe']['copy_rate'])}"
    )


def _diversity(out_dir: Path, group: Sequence[dict[str, Any]]) -> str:
    if len(group) < 2:
        return "—"
    images = [wio.read_image(out_dir / "jobs" / r["key"] / "synthesis.png") for r in group]
    report = diversity(images)
    return f"max global match {number(report.max_match)}<br>mean {number(report.mean_match)}"


def _save(figure, out_dir: Path, name: str) -> str:
    (out_dir / "figures").mkdir(exist_ok=True)
    figures_module.save_figure(figure, out_dir / "figures" / name, overwrite=True)
    return f"figures/{name}"
