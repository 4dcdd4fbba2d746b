"""Recompute the table of docs/memorization_study.md from the study's results.jsonl.

One line per texture, exemplar size and model: the number of statistics and statistics
per exemplar pixel, then over the seeds the memorization index and copy rate (mean and
min–max), the verdicts, how the syntheses stopped, the local fidelity (defect fraction)
and the judge's statistics error (one model for every synthesis). Every number comes
from the library's reading of the records (:func:`wavetex.report.records.study_rows`),
the same rows the study's figures are drawn from.

Run from the repository root; rewrites the table between the markers in place::

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
STUDY = DOCS / "memorization_study"
COLUMNS = ("texture", "exemplar", "model", "statistics", "per pixel", "seeds", "memorization index",
           "copy rate", "verdicts", "converged", "iterations", "defect fraction", "judge's error")


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


def table(rows: list[dict], verdicts: dict[str, str]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault((row["texture"], row["exemplar_size"], row["n_stats"], row["model"]), []).append(row)
    for (texture, size, n_stats, model), group in sorted(groups.items()):
        counts = Counter(verdicts[r["key"]] for r in group)
        words = ", ".join(f"{v} {counts[v]}" for v in VERDICT_SEVERITY if counts[v])
        iterations = sorted(r["iterations"] for r in group)
        cells = (texture, f"{size[1]}²", model, f"{n_stats:,}", f"{group[0]['stats_per_pixel']:.2f}", len(group),
                 spread([r["memorization_index"] for r in group]), spread([r["copy_rate"] for r in group]), words,
                 f"{sum(r['status'] == 'converged' for r in group)} of {len(group)}",
                 f"{iterations[0]}–{iterations[-1]}" if iterations[0] != iterations[-1] else f"{iterations[0]}",
                 spread([r["defect_fraction"] for r in group]), spread([r["judge_error"] for r in group]))
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    records = load_records(STUDY)
    rows = study_rows(STUDY, records)
    text = PAGE.read_text(encoding="utf-8")
    pattern = re.compile(r"(<!-- table from memorization_study/results.jsonl -->\n).*?(<!-- end of table -->)", re.S)
    new_text, count = pattern.subn(
        lambda m: m[1] + table(rows, {r["key"]: r["probe"]["verdict"] for r in records}) + m[2], text)
    if count != 1:
        raise SystemExit(f"expected one table between the markers in {PAGE}, found {count}")
    PAGE.write_text(new_text, encoding="utf-8")


if __name__ == "__main__":
    main()
