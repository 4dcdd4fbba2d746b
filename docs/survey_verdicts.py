"""Recompute the verdicts of docs/memorization_survey.md from the numbers it stores.

The survey's syntheses took hours of CPU time; the verdict depends only on measures the
tables already hold (global match, copy rate, excess rate, coherence, heldout_q95), so a
change of the verdict rules needs no new synthesis. The tables round to two decimals:
each verdict is recomputed at every corner of the rounding intervals of the continuous
measures (global match, heldout_q95, +-0.005) and marked ``?`` if the corners disagree.
The rates are exact: each synthesis has 9 crops, so they are multiples of 1/9.

Run from the repository root; rewrites the tables in place::

    python docs/survey_verdicts.py
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from wavetex.memorization._verdict import decide

SURVEY = Path(__file__).with_name("memorization_survey.md")
N_CROPS = 9
#: Iterations of a full run per schedule: (gray, colour).
FULL_RUN = {"default": (300, 300), "paper": (2500, 1000)}
COLOUR = {"cells", "marble", "tiles", "weave"}
HEADER = (
    f"{'texture':8s} {'verdict':13s} {'rule':12s} {'stopped':9s} {'err':>7s} {'iters':>5s} "
    f"{'global':>6s} {'median':>6s} {'p90':>5s} {'max':>5s} {'copy':>5s} {'index':>6s} "
    f"{'excess':>6s} {'coher':>5s} {'ho_med':>6s} {'ho_q95':>6s} {'old':>6s}"
)


def verdict(row: dict[str, str]) -> tuple[str, str]:
    """The verdict and the measures that decided it, robust to the tables' rounding."""
    outcomes = set()
    for d_global, d_q95 in itertools.product((-0.005, 0.005), repeat=2):
        decided = decide(
            synthesis_flat=False,
            exemplar_flat=False,
            n_crops=N_CROPS,
            n_flat_crops=0,
            heldout_q95=float(row["ho_q95"]) + d_q95,
            crop_size=64,
            global_match=float(row["global"]) + d_global,
            copy_rate=float(row["copy"]),
            excess_rate=float(row["excess"]),
            coherence=float(row["coher"]),
        )
        outcomes.add((decided.name, ",".join(decided.measures) or "-"))
    if len(outcomes) > 1:
        return "?", "/".join(sorted(name for name, _ in outcomes))
    return outcomes.pop()


def stopped(row: dict[str, str], schedule: str) -> str:
    """How the synthesis stopped, from its iteration count (the tables keep no stop reason).

    ``plateau``: the default schedule's convergence test stopped it (converged);
    ``cap``: it reached the default schedule's 300 iterations still improving by 5 % per
    50 iterations (not converged); ``full``: it ran the paper's whole schedule;
    ``early``: an L-BFGS tolerance ended the paper's schedule early.
    """
    full = FULL_RUN[schedule][row["texture"] in COLOUR]
    iterations = int(row["iters"])
    if schedule == "default":
        return "plateau" if iterations < full else "cap"
    return "full" if iterations >= full else "early"


def rewrite(block: str, schedule: str) -> str:
    lines = block.strip("\n").splitlines()
    names = lines[0].split()
    if "rule" in names:  # already rewritten: keep the old verdict column as it was
        names[names.index("verdict")] = "new"
        names[names.index("old")] = "verdict"
    out = [HEADER]
    for line in lines[1:]:
        row = dict(zip(names, line.split()))
        name, measures = verdict(row)
        out.append(
            f"{row['texture']:8s} {name:13s} {measures:12s} {stopped(row, schedule):9s} "
            f"{float(row['err']):7.4f} {int(row['iters']):5d} {float(row['global']):6.2f} "
            f"{float(row['median']):6.2f} {float(row['p90']):5.2f} {float(row['max']):5.2f} "
            f"{float(row['copy']):5.2f} {float(row['index']):6.2f} {float(row['excess']):6.2f} "
            f"{float(row['coher']):5.2f} {float(row['ho_med']):6.2f} {float(row['ho_q95']):6.2f} "
            f"{row['verdict']:>6s}"
        )
    return "\n".join(out) + "\n"


def main() -> None:
    text = SURVEY.read_text(encoding="utf-8")
    pattern = re.compile(r"(?P<title>(Default|Paper) schedule:\n)```\n(?P<table>.*?)```", re.S)

    def replace(match: re.Match) -> str:
        schedule = match["title"].split()[0].lower()
        return f"{match['title']}```\n{rewrite(match['table'], schedule)}```"

    new_text, count = pattern.subn(replace, text)
    if count != 2:
        raise SystemExit(f"expected 2 tables in {SURVEY}, found {count}")
    SURVEY.write_text(new_text, encoding="utf-8")
    print(f"rewrote {count} tables in {SURVEY}")


if __name__ == "__main__":
    main()
