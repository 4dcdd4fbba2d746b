"""Recompute the table of docs/memorization_survey.md from the survey's results.jsonl.

The verdict depends only on measures each job's record keeps (global match, copy rate,
excess rate, coherence, the exemplar's held-out q95), so a change of the verdict rules
needs no new synthesis; how each synthesis stopped comes from the library too
(:func:`wavetex.report.words.record_status`, which reads the schedule from the record's
configuration and :data:`wavetex.config.SCHEDULES`). Nothing here names a schedule.

Run from the repository root; rewrites the table between the markers in place::

    python docs/survey_verdicts.py
"""

from __future__ import annotations

import re
from pathlib import Path

from wavetex.memorization._verdict import decide
from wavetex.report.records import load_records
from wavetex.report.words import STATUS_LABELS, record_status

DOCS = Path(__file__).parent
PAGE = DOCS / "memorization_survey.md"
SURVEY = DOCS / "survey_256"
COLUMNS = ("texture", "seed", "verdict", "decided by", "stopped", "loss fell (last 50)", "statistics error",
           "global match", "copy rate", "mem. index", "excess", "coherence", "held-out q95")


def verdict(probe: dict) -> tuple[str, str]:
    """The verdict of the library's current rules, and the measures that decided it."""
    decided = decide(
        synthesis_flat=probe["n_flat_crops"] == probe["n_crops"], exemplar_flat=False, n_crops=probe["n_crops"],
        n_flat_crops=probe["n_flat_crops"], heldout_q95=probe["heldout_q95"], crop_size=probe["crop_size"],
        global_match=probe["global_match"], copy_rate=probe["copy_rate"], excess_rate=probe["excess_rate"],
        coherence=probe["coherence"],
    )
    return decided.name, ", ".join(decided.measures) or "—"


def table(records: list[dict]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for record in sorted(records, key=lambda r: (r["texture"], r["config"]["seed"])):
        probe, status = record["probe"], record_status(record)
        name, measures = verdict(probe)
        fell = "—" if status["recent_decrease"] is None else f"{100 * status['recent_decrease']:.1f} %"
        cells = (record["texture"], record["config"]["seed"], name, measures, STATUS_LABELS[status["status"]], fell,
                 f"{record['metrics']['statistics_error']:.4f}", f"{probe['global_match']:.2f}",
                 f"{probe['copy_rate']:.2f}", f"{probe['memorization_index']:.2f}", f"{probe['excess_rate']:.2f}",
                 f"{probe['coherence']:.2f}", f"{probe['heldout_q95']:.2f}")
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    text = PAGE.read_text(encoding="utf-8")
    pattern = re.compile(r"(<!-- table from survey_256/results.jsonl -->\n).*?(<!-- end of table -->)", re.S)
    new_text, count = pattern.subn(lambda m: m[1] + table(load_records(SURVEY)) + m[2], text)
    if count != 1:
        raise SystemExit(f"expected one table between the markers in {PAGE}, found {count}")
    PAGE.write_text(new_text, encoding="utf-8")
    print(f"rewrote the table of {PAGE} from {SURVEY / 'results.jsonl'}")


if __name__ == "__main__":
    main()
