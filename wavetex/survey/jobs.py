"""One survey job: a synthesis, its memorization probe, and the job's files.

The one job runner of wavetex: ``wavetex survey``, ``wavetex report`` and
``wavetex sweep`` all run their syntheses through :func:`run_job`, on the engine
(:mod:`wavetex.survey.engine`).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from .. import io as wio
from ..memorization import probe
from ..report import VERDICT_WORDS, fidelity, probe_figure
from ..synthesis import synthesize
from .plan import Job

__all__ = ["run_job", "JOB_FILES"]

#: The files a job writes into its folder.
JOB_FILES = ("synthesis.png", "synthesis.json", "synthesis.npy", "probe.json", "probe.png")


def run_job(job: Job, exemplar: np.ndarray, folder: str | Path, *, device: str = "cpu") -> dict[str, Any]:
    """Synthesise one image of ``exemplar`` with the job's configuration on ``device``,
    probe it, and write :data:`JOB_FILES` into ``folder`` (which must exist).

    Returns the job's record: the job, the synthesis metrics and the whole probe report.

    Examples
    --------
    >>> import tempfile
    >>> from wavetex.survey.plan import parse_plan
    >>> plan = parse_plan({"textures": ["gravel"], "sizes": [64], "max_iter": 3, "models": {"m": {"n_scales": 3}}})
    >>> folder = Path(tempfile.mkdtemp())
    >>> record = run_job(plan.jobs[0], plan.pixels["gravel"], folder)
    >>> record["metrics"]["iterations"], sorted(p.name for p in folder.iterdir()) == sorted(JOB_FILES)
    (3, True)
    """
    folder = Path(folder)
    result = synthesize(exemplar, config=replace(job.config, device=device), progress=False)
    image = result.images[0]
    report = probe(image, exemplar)
    faithful = fidelity(result, 0)
    result.save(folder / "synthesis.png")
    wio.write_json(folder / "probe.json", report.to_dict())
    probe_figure(report, image, exemplar, folder / "probe.png", fidelity=faithful,
                 title=f"{job.describe()}: {report.verdict} ({VERDICT_WORDS[report.verdict]})")
    return {
        **job.to_dict(),
        "status": "done",
        "metrics": {
            "statistics_error": result.errors[0],
            "block_errors": result.block_errors[0],
            "initial_error": result.initial_errors[0],
            "loss": result.losses[0],
            "iterations": result.n_iterations[0],
            "evaluations": result.n_evaluations[0],
            "stop_reason": result.stop_reasons[0],
            "recent_decrease": result.status(0)["recent_decrease"],
            "wall_time": result.wall_time,
        },
        "convergence": result.status(0),
        "fidelity": faithful,
        "probe": report.to_dict(),
        "probe_history": result.probe_history,
        "versions": result.versions,
    }
