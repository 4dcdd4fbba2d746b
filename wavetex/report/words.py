"""The words a report uses: what each metric means, and how faithful a synthesis is."""

from __future__ import annotations

from typing import Any

from ..config import SCHEDULES
from ..memorization import VERDICT_WORDS
from ..result import SynthesisResult

__all__ = ["VERDICT_WORDS", "METRIC_LEGEND", "STATUS_LABELS", "fidelity", "fidelity_words", "derived_status",
           "record_status", "schedule_words", "number"]

#: What each number of a report means, for legends (HTML) and figure captions.
METRIC_LEGEND: tuple[tuple[str, str], ...] = (
    ("verdict", "answers \u201cwas the exemplar copied?\u201d, not \u201cis this a good texture?\u201d; "
     "novel means no copying detected"),
    ("statistics error", "\u2016\u03a6(synthesis) \u2212 \u03a6(exemplar)\u2016 / \u2016\u03a6(exemplar)\u2016: "
     "how well the synthesis reproduces the exemplar's statistics (lower is better); each model "
     "measures its own statistics, so compare it across seeds of one model, not across models"),
    ("status", "how the optimisation stopped: \u201cconverged\u201d only when its loss fell by less than 5 % "
     "over 50 iterations (or L-BFGS's tolerance stopped it); otherwise it completed its schedule, hit its "
     "iteration cap, ran out of time or was interrupted, with how much the loss still fell over the last 50 "
     "iterations"),
    ("global match", "best normalized cross-correlation (NCC) of the whole synthesis with a shifted exemplar; "
     "1 for a shifted copy"),
    ("copy rate", "fraction of the synthesis's crops that reproduce a piece of the exemplar"),
    ("memorization index", "1: crops copied; 0: crops resemble the exemplar as much as its own pieces "
     "resemble each other; below 0: they resemble it less (a poor or different texture, not a copy)"),
    ("defect fraction", "local fidelity (\u201cdefects\u201d in the grid): fraction of the synthesis's windows that have no "
     "counterpart anywhere in the exemplar (docs/fidelity.md); 0 when every region of the synthesis looks like some "
     "region of the exemplar, flagged in bold from 0.05. It measures faithfulness, not copying: a copy has 0, and a "
     "novel synthesis with a high fraction has regions unlike its exemplar (blur, stripes, a failed optimisation)"),
    ("excess rate", "fraction of crops that match the exemplar better than 95% of its own pieces match each other"),
    ("coherence", "fraction of crops found in the exemplar next to where a neighbouring crop was found "
     "(pieces of a copy stay together)"),
)

#: Iterations over which the relative loss decrease is reported beside a status.
RECENT_WINDOW = 50

_TOLERANCE_STOPS = ("gradient below tolerance", "step below tolerance", "loss change below tolerance")
_RUN_LIMITS = ("iteration limit of the run", "evaluation limit of the run", "iteration cap")

#: A status in one or two words, for badges and grids (the full words say more).
STATUS_LABELS = {
    "converged": "converged",
    "completed_schedule": "schedule done",
    "max_iter": "iteration cap",
    "time_budget": "time budget",
    "interrupted": "interrupted",
    "stopped": "stopped",
}


def schedule_words(schedule: str, n_colours: int = 1, coarse_iter: int | None = None) -> str:
    """The stages of a named schedule, as a status says them; ``coarse_iter`` as in
    :class:`~wavetex.config.SynthesisConfig` (None: the schedule's).

    Examples
    --------
    >>> schedule_words("default"), schedule_words("default", 3), schedule_words("paper")
    ('450 coarse + 40', '100 coarse + 30', '5 runs of 500')
    >>> schedule_words("default", coarse_iter=0), schedule_words("paper", coarse_iter=50)
    ('40', '50 coarse + 5 runs of 500')
    """
    return SCHEDULES[schedule].stages(n_colours, coarse_iter)


def derived_status(
    stop_reason: str, *, schedule: str, max_iter: int | None, iterations: int, n_colours: int = 1,
    decrease: float | None = None, coarse_iter: int | None = None,
) -> dict[str, Any]:
    """An honest status from what a record keeps, for records written before syntheses
    carried :meth:`SynthesisResult.status` (whose rules it follows): ``converged`` only for a stop by the plateau
    test or an L-BFGS tolerance, never for a finished schedule or a cap.

    Examples
    --------
    >>> derived_status("iteration limit of the run", schedule="default", max_iter=None, iterations=40)["words"]
    'completed the default schedule (450 coarse + 40); loss decrease over the last 50 iterations not recorded'
    >>> derived_status("iteration limit of the run", schedule="default", max_iter=40, iterations=40,
    ...                decrease=0.072)["words"]
    'stopped at --max-iter 40; loss fell 7.2 % over the last 50 iterations'
    """
    if stop_reason.startswith("converged") or stop_reason in _TOLERANCE_STOPS:
        status, words = "converged", stop_reason if stop_reason.startswith("converged") else f"converged: {stop_reason}"
    elif stop_reason == "interrupted":
        status, words = "interrupted", "interrupted"
    elif stop_reason == "time budget":
        status, words = "time_budget", "stopped by the time budget"
    elif stop_reason in _RUN_LIMITS and max_iter is not None:
        status, words = "max_iter", f"stopped at --max-iter {max_iter}"
    elif stop_reason in _RUN_LIMITS:
        status, words = "completed_schedule", f"completed the {schedule} schedule ({schedule_words(schedule, n_colours, coarse_iter)})"
    else:
        status, words = "stopped", f"stopped: {stop_reason}"
    if decrease is None:
        words += f"; loss decrease over the last {RECENT_WINDOW} iterations not recorded"
    else:
        words += f"; loss fell {100 * decrease:.1f} % over the last {RECENT_WINDOW} iterations"
    return {"status": status, "words": words, "recent_decrease": decrease}


def record_status(record: dict[str, Any]) -> dict[str, Any]:
    """The status of a survey job's record: the one it carries, or one derived honestly
    from its stop reason, configuration and loss decrease (older records).

    Examples
    --------
    >>> record = {"metrics": {"stop_reason": "iteration limit of the run", "iterations": 100},
    ...           "config": {"schedule": "default", "max_iter": None}, "probe": {"exemplar_shape": [64, 64, 1]}}
    >>> record_status(record)["status"]
    'completed_schedule'
    """
    if isinstance(record.get("convergence"), dict):
        return record["convergence"]
    metrics, config = record["metrics"], record["config"]
    shape = record.get("probe", {}).get("exemplar_shape") or [0, 0, 1]
    return derived_status(
        metrics["stop_reason"], schedule=config["schedule"], max_iter=config.get("max_iter"),
        iterations=metrics["iterations"], n_colours=3 if len(shape) == 3 and shape[2] == 3 else 1,
        decrease=metrics.get("recent_decrease"), coarse_iter=config.get("coarse_iter"),
    )


def fidelity(result: SynthesisResult, sample: int = 0) -> dict[str, Any]:
    """How faithful one synthesis is: its statistics error, and how it stopped.

    ``converged`` is true only when the plateau test or an L-BFGS tolerance stopped it
    (:meth:`SynthesisResult.status`); a finished schedule, an iteration cap, a time
    budget or an interruption is not convergence, and ``status_words`` says which.

    Examples
    --------
    >>> import numpy as np, wavetex
    >>> exemplar = np.random.default_rng(0).random((32, 32))
    >>> result = wavetex.synthesize(exemplar, n_scales=3, max_iter=2, progress=False)
    >>> record = fidelity(result)
    >>> record["converged"], record["iterations"], record["status_words"]
    (False, 2, 'stopped at --max-iter 2; loss fell 13.2 % over its last 1 iteration')
    """
    status = result.status(sample)
    return {
        "statistics_error": float(result.errors[sample]),
        "iterations": int(result.n_iterations[sample]),
        "stop_reason": result.stop_reasons[sample],
        "converged": status["status"] == "converged",
        "status": status["status"],
        "status_words": status["words"],
        "recent_decrease": status["recent_decrease"],
    }


def fidelity_words(record: dict[str, Any]) -> str:
    """One line: statistics error, iterations and how the synthesis stopped."""
    words = record.get("status_words") or ("converged" if record["converged"] else record["stop_reason"])
    return f"statistics error {record['statistics_error']:.4f} after {record['iterations']} iterations, {words}"


def number(value: Any) -> str:
    """A score with two decimals, or a dash for a missing one.

    Examples
    --------
    >>> number(0.123), number(None)
    ('0.12', '—')
    """
    return "—" if value is None else f"{value:.2f}"

