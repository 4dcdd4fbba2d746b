"""The words a report uses: what each metric means, and how faithful a synthesis is."""

from __future__ import annotations

from typing import Any

from ..config import SCHEDULES
from ..memorization import VERDICT_WORDS
from ..result import SynthesisResult

__all__ = ["VERDICT_WORDS", "METRIC_LEGEND", "fidelity", "fidelity_words", "number"]

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


def fidelity_words(record: dict[str, Any]) -> str:
    """One line: statistics error, iterations and whether the synthesis converged."""
    state = "converged" if record["converged"] else f"NOT converged ({record['stop_reason']})"
    return f"statistics error {record['statistics_error']:.4f} after {record['iterations']} iterations, {state}"


def number(value: Any) -> str:
    """A score with two decimals, or a dash for a missing one.

    Examples
    --------
    >>> number(0.123), number(None)
    ('0.12', '—')
    """
    return "—" if value is None else f"{value:.2f}"


#: Iterations over which the relative loss decrease is reported beside a status.
RECENT_WINDOW = 50


def recent_decrease(loss_history: list[float], window: int = RECENT_WINDOW) -> float | None:
    """Relative loss decrease over the last ``window`` iterations (None when the run was
    shorter): ``(loss[-window-1] - loss[-1]) / loss[-window-1]``.

    Examples
    --------
    >>> recent_decrease([4.0] + [2.0] * 50)
    0.5
    >>> recent_decrease([1.0, 0.5]) is None
    True
    """
    if len(loss_history) <= window or not loss_history[-window - 1]:
        return None
    before = loss_history[-window - 1]
    return float((before - loss_history[-1]) / before)
