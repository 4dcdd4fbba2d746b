"""Running a command's syntheses as a plan on the survey engine (Ray), as report and
sweep do: their jobs land in DIR/jobs/ and DIR/results.jsonl like a survey's, so a
rerun reuses finished jobs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from wavetex.survey import Plan, read_results

from ._options import show_progress


def run_plan(plan: Plan, out_dir: Path, *, quiet: bool) -> dict[str, tuple[dict[str, Any], Path]]:
    """Run the plan's missing jobs; return every job's record and folder by key.

    Raises a one-line error when Ray is missing or a job failed.
    """
    from wavetex.survey import engine

    def log(record: dict[str, Any]) -> None:
        if record["status"] == "failed":
            click.echo(f"{record['key']}: failed: {record['error']}", err=True)
        else:
            click.echo(f"{record['texture']} seed {record['config']['seed']} ({record['model']}): "
                       f"{record['probe']['verdict']}, statistics error {record['metrics']['statistics_error']:.4f}",
                       err=True)

    progress = show_progress(quiet)
    try:
        summary = engine.run_jobs(plan.jobs, dict(plan.pixels), out_dir, progress=progress,
                                  on_record=None if quiet or progress else log)
    except ImportError as error:
        raise click.ClickException(str(error)) from None
    if summary.failed:
        key, error = next(iter(summary.failed.items()))
        raise click.ClickException(f"{len(summary.failed)} synthesis job(s) failed, e.g. {key}: {error}; "
                                   "run the same command again to retry them")
    return {r["key"]: (r, out_dir / "jobs" / r["key"]) for r in read_results(out_dir)}
