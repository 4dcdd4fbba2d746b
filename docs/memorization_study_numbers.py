"""Recompute the tables of docs/memorization_study.md from the study's results.jsonl files.

One line per texture, exemplar size and model: the number of statistics and statistics
per exemplar pixel, then over the seeds the memorization index (of the final synthesis,
and at iteration 100 of the probe over iterations, over the seeds that reached it) and
copy rate (mean and min–max), the verdicts, how the syntheses stopped and how long they
took (the synthesis alone, one CPU thread, on a shared machine), the local
fidelity (defect fraction) and the judge's statistics error (one model for every
synthesis). Every number comes
from the library's reading of the records (:func:`wavetex.report.records.study_rows`),
the same rows the study's figures are drawn from.

Run from the repository root; rewrites each table between its markers in place::

    python docs/memorization_study_numbers.py
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np

from wavetex.memorization._verdict import VERDICT_SEVERITY
from wavetex.report.records import load_records, study_rows

DOCS = Path(__file__).parent
PAGE = DOCS / "memorization_study.md"
#: The study's folder and its control's (another schedule, so another folder).
FOLDERS = ("memorization_study", "memorization_study_long_128")
#: The probe over iterations is compared at this iteration, which nearly every job reached.
AT = 100
COLUMNS = ("texture", "exemplar", "model", "statistics", "per pixel", "seeds", "memorization index",
           f"index at {AT} it.", "copy rate", "verdicts", "converged", "iterations", "synthesis (s)",
           "defect fraction", "judge's error")


def spread(values: list[float], digits: int = 2) -> str:
    """Mean (min–max) of the finite values."""
    finite = np.array([v for v in values if np.isfinite(v)])
    if not finite.size:
        return "—"
    if finite.size == 1:
        text = f"{finite[0]:.{digits}f}"
    else:
        text = f"{finite.mean():.{digits}f} ({finite.min():.{digits}f}–{finite.max():.{digits}f})"
    return text.replace("-", "−")


def index_at(row: dict, iteration: int) -> float:
    """The memorization index of the probe at ``iteration`` (NaN when the run stopped before)."""
    for probe in row["probe_history"]:
        if probe["iteration"] == iteration and probe["samples"][0]["memorization_index"] is not None:
            return probe["samples"][0]["memorization_index"]
    return float("nan")


def table(rows: list[dict], records: list[dict]) -> str:
    verdicts = {r["key"]: r["probe"]["verdict"] for r in records}
    seconds = {r["key"]: r["metrics"]["wall_time"] for r in records}
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault((row["texture"], row["exemplar_size"], row["n_stats"], row["model"]), []).append(row)
    for (texture, size, n_stats, model), group in sorted(groups.items()):
        counts = Counter(verdicts[r["key"]] for r in group)
        words = ", ".join(f"{v} {counts[v]}" for v in VERDICT_SEVERITY if counts[v])
        iterations = sorted(r["iterations"] for r in group)
        cells = (texture, f"{size[1]}²", model, f"{n_stats:,}", f"{group[0]['stats_per_pixel']:.2f}", len(group),
                 spread([r["memorization_index"] for r in group]), spread([index_at(r, AT) for r in group]),
                 spread([r["copy_rate"] for r in group]), words,
                 f"{sum(r['status'] == 'converged' for r in group)} of {len(group)}",
                 f"{iterations[0]}–{iterations[-1]}" if iterations[0] != iterations[-1] else f"{iterations[0]}",
                 spread([seconds[r["key"]] for r in group], 0),
                 spread([r["defect_fraction"] for r in group]), spread([r["judge_error"] for r in group]))
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    text = PAGE.read_text(encoding="utf-8")
    for folder in FOLDERS:
        records = load_records(DOCS / folder)
        rows = study_rows(DOCS / folder, records)
        pattern = re.compile(rf"(<!-- table from {folder}/results.jsonl -->\n).*?(<!-- end of table -->)", re.S)
        text, count = pattern.subn(
            lambda m: m[1] + table(rows, records) + m[2], text)
        if count != 1:
            raise SystemExit(f"expected one table from {folder} between markers in {PAGE}, found {count}")
    PAGE.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
