"""What the pages and figures read from a survey's results.jsonl: each finished job as
one flat row (texture, exemplar size, model, seed, number of statistics, scores,
status), with the measures that compare across models computed once and cached.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .. import io as wio
from ..statistics import ModelConfig
from ..synthesis import loss_decrease
from .words import record_status

__all__ = ["load_records", "source_texture", "exemplar_size", "study_rows", "defect_fractions", "JUDGE_FILE",
           "DEFECT_FILE"]

#: Cache of the judge's errors in a survey folder, by job key.
JUDGE_FILE = "figures/judge_errors.json"
#: Cache of the defect fractions measured on the saved syntheses of jobs recorded before
#: the probe measured the local fidelity, by job key.
DEFECT_FILE = "figures/defect_fractions.json"


def load_records(out_dir: str | Path) -> list[dict[str, Any]]:
    """The records of ``DIR/results.jsonl``; a record written before jobs kept the loss
    decrease over the last iterations gets it from its job's sidecar
    (``jobs/<key>/synthesis.json``, its loss history) when that is there.

    Examples
    --------
    >>> import tempfile
    >>> load_records(tempfile.mkdtemp())
    []
    """
    from ..survey.store import read_results

    out_dir = Path(out_dir)
    records = read_results(out_dir)
    for record in records:
        metrics = record.get("metrics", {})
        sidecar = out_dir / "jobs" / record["key"] / "synthesis.json"
        if "recent_decrease" not in metrics and "convergence" not in record and sidecar.is_file():
            history = wio.read_json(sidecar).get("loss_history") or [[]]
            metrics["recent_decrease"] = loss_decrease(history[0])
    return records


def source_texture(record: dict[str, Any]) -> str:
    """The texture as the plan names it (without the exemplar size a plan may add).

    Examples
    --------
    >>> source_texture({"texture": "gravel@64x64", "source_texture": "gravel"}), source_texture({"texture": "brick"})
    ('gravel', 'brick')
    """
    return record.get("source_texture") or record["texture"]


def exemplar_size(record: dict[str, Any]) -> tuple[int, int]:
    """(height, width) of the job's exemplar.

    Examples
    --------
    >>> exemplar_size({"probe": {"exemplar_shape": [64, 96, 3]}})
    (64, 96)
    """
    shape = record["probe"]["exemplar_shape"]
    return int(shape[0]), int(shape[1])


@lru_cache(maxsize=256)
def _n_stats(model_json: str, shape: tuple[int, ...]) -> int:
    from ..statistics import TextureStatistics

    image = np.random.default_rng(0).random(shape)  # the count depends on the shape and the model only
    return TextureStatistics(image, config=ModelConfig(**json.loads(model_json))).n_stats


def n_statistics(record: dict[str, Any]) -> int:
    """Number of statistics of the job's model on its exemplar."""
    shape = tuple(record["probe"]["exemplar_shape"])
    shape = shape[:2] if len(shape) == 3 and shape[2] == 1 else shape
    return _n_stats(json.dumps(record["config"]["model"], sort_keys=True), shape)


def judge_errors(out_dir: Path, records: Sequence[dict[str, Any]]) -> dict[str, float]:
    """The masked statistics error of every job's synthesis under ONE model per exemplar,
    the default model (:class:`~wavetex.ModelConfig` defaults: the paper's gray model,
    the colour default for colour) with the paper's border masks — a yardstick that,
    unlike each model's own statistics error, compares across models. Cached in
    ``DIR/figures/judge_errors.json``; jobs without files are left out."""
    from ..quality import masked_statistics_error
    from ..statistics import TextureStatistics
    from ..survey.store import exemplar_file

    cache_path = out_dir / JUDGE_FILE
    cache = wio.read_json(cache_path) if cache_path.is_file() else {}
    judges: dict[str, Any] = {}
    missing = [r for r in records if r["key"] not in cache]
    for record in missing:
        synthesis = out_dir / "jobs" / record["key"] / "synthesis.png"
        exemplar = out_dir / exemplar_file(record["exemplar_sha256"])
        if not synthesis.is_file() or not exemplar.is_file():
            continue
        if record["exemplar_sha256"] not in judges:
            judges[record["exemplar_sha256"]] = TextureStatistics(wio.read_image(exemplar).astype(np.float64))
        cache[record["key"]] = masked_statistics_error(judges[record["exemplar_sha256"]],
                                                       wio.read_image(synthesis).astype(np.float64))
    if missing and cache:
        cache_path.parent.mkdir(exist_ok=True)
        wio.write_json(cache_path, dict(sorted(cache.items())), overwrite=True)
    return cache


def defect_fractions(out_dir: str | Path, records: Sequence[dict[str, Any]]) -> dict[str, float | None]:
    """Each job's local fidelity (docs/fidelity.md): the fraction of its synthesis's
    windows with no counterpart in the exemplar. The probe's own ``defect_fraction``
    where the record has it; for a job recorded before the probe measured it,
    :func:`~wavetex.memorization.local_fidelity` of its saved ``synthesis.png`` against
    its exemplar, cached in ``DIR/figures/defect_fractions.json``. None for a job
    without files or too small for one fidelity window.

    Examples
    --------
    >>> import tempfile
    >>> defect_fractions(tempfile.mkdtemp(), [{"key": "k", "probe": {"defect_fraction": 0.25}}])
    {'k': 0.25}
    """
    from ..memorization import default_fidelity_window, local_fidelity
    from ..survey.store import exemplar_file

    out_dir = Path(out_dir)
    cache_path = out_dir / DEFECT_FILE
    cache = wio.read_json(cache_path) if cache_path.is_file() else {}
    fractions: dict[str, float | None] = {}
    measured = False
    for record in records:
        key = record["key"]
        if "defect_fraction" in record["probe"]:
            fractions[key] = record["probe"]["defect_fraction"]
            continue
        if key not in cache:
            synthesis = out_dir / "jobs" / key / "synthesis.png"
            exemplar = out_dir / exemplar_file(record["exemplar_sha256"])
            if not synthesis.is_file() or not exemplar.is_file():
                fractions[key] = None
                continue
            image, source = wio.read_image(synthesis), wio.read_image(exemplar)
            fits = min(image.shape[:2]) >= default_fidelity_window(source.shape)
            cache[key] = local_fidelity(image, source).defect_fraction if fits else None
            measured = True
        fractions[key] = cache[key]
    if measured:
        cache_path.parent.mkdir(exist_ok=True)
        wio.write_json(cache_path, dict(sorted(cache.items())), overwrite=True)
    return fractions


def study_rows(out_dir: str | Path, records: Sequence[dict[str, Any]], *, judge: bool = True) -> list[dict[str, Any]]:
    """One flat row per finished job, for the study's figures.

    Examples
    --------
    >>> import tempfile
    >>> study_rows(tempfile.mkdtemp(), [])
    []
    """
    out_dir = Path(out_dir)
    errors = judge_errors(out_dir, records) if judge and records else {}
    defects = defect_fractions(out_dir, records)
    rows = []
    for record in records:
        height, width = exemplar_size(record)
        n_stats = n_statistics(record)
        probe = record["probe"]
        rows.append({
            "key": record["key"], "texture": source_texture(record), "exemplar_size": (height, width),
            "model": record["model"], "seed": record["config"]["seed"], "n_stats": n_stats,
            "stats_per_pixel": n_stats / (height * width),
            "memorization_index": _nan(probe.get("memorization_index")), "copy_rate": _nan(probe.get("copy_rate")),
            "statistics_error": record["metrics"]["statistics_error"], "judge_error": _nan(errors.get(record["key"])),
            "defect_fraction": _nan(defects.get(record["key"])),
            "iterations": record["metrics"]["iterations"], "status": record_status(record)["status"],
            "probe_history": record.get("probe_history") or [], "final_index": _nan(probe.get("memorization_index")),
        })
    return rows


def _nan(value: Any) -> float:
    return float("nan") if value is None else float(value)
