"""``wavetex survey``: run a plan of syntheses on Ray, resumable, with an HTML summary."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from wavetex.survey import plan as wplan
from wavetex.survey.store import SurveyFolder, read_results

from ._options import show_progress
from ._errors import library_errors


@click.command(short_help="Run a plan of syntheses on Ray, resumable, with an HTML summary.")
@click.argument("plan_file", metavar="PLAN.toml", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Survey folder: jobs/, results.jsonl, index.html (created if its parent exists).")
@click.option("--workers", type=click.IntRange(min=1), metavar="N",
              help="Workers of the local Ray instance.  [default: the number of cores]")
@click.option("--address", metavar="ADDR",
              help="Run on this Ray cluster (HOST:PORT of the head, or auto) instead of a local instance.")
@click.option("--retries", type=click.IntRange(min=0), default=1, show_default=True, metavar="K",
              help="Reruns of a job that raised before it counts as failed.")
@click.option("--dry-run", is_flag=True, help="List the jobs and which are done; run nothing.")
@click.option("--report-only", "report_dir", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Only rewrite DIR/index.html from DIR/results.jsonl.")
@click.option("-q", "--quiet", is_flag=True, help="No progress.")
@library_errors()
def survey(plan_file: Path | None, out_dir: Path | None, workers: int | None, address: str | None, retries: int,
           dry_run: bool, report_dir: Path | None, quiet: bool) -> None:
    """Run every job of PLAN.toml (texture × seed × size × schedule × model: a
    synthesis and its memorization probe) as Ray tasks, and summarise them in
    DIR/index.html. Finished jobs are kept: after a crash, Ctrl-C or a kill, the same
    command runs only the missing ones. The exit status is 1 when a job failed.

    \b
    Example plan:
      textures = ["gravel", "dots", "photos/bark.png"]
      seeds = [0, 1]
      sizes = ["256x256"]
      schedules = ["default"]
      [models.paper]
      [models.no_shifts]
      shifts = "none"
    \b
    Examples:
      wavetex survey plan.toml -o survey/ --workers 2
      wavetex survey plan.toml -o survey/ --address HEAD_IP:6379
      wavetex survey --report-only survey/
    """
    from wavetex.survey.index import write_index

    if report_dir is not None:
        if plan_file is not None or out_dir is not None:
            raise click.ClickException("--report-only DIR takes no plan and no -o; run: wavetex survey --report-only DIR")
        if not (report_dir / "results.jsonl").is_file():
            raise click.ClickException(f"{str(report_dir)!r} holds no results.jsonl; pass the -o folder of a survey")
        click.echo(f"Wrote {write_index(report_dir, title=_title(report_dir))} ({len(read_results(report_dir))} jobs).")
        return
    if plan_file is None:
        raise click.ClickException("no plan given; run: wavetex survey PLAN.toml -o DIR (or --report-only DIR)")
    if out_dir is None:
        raise click.ClickException("no output folder; add -o DIR")
    if workers is not None and address is not None:
        raise click.ClickException("--workers sets the size of a local Ray instance; drop it when you pass --address")
    if not out_dir.parent.is_dir():
        raise click.ClickException(f"the folder {str(out_dir.parent)!r} does not exist; create it first")
    if out_dir.exists() and not out_dir.is_dir():
        raise click.ClickException(f"{str(out_dir)!r} is a file; choose a folder with -o")
    try:
        plan = wplan.read_plan(plan_file)
    except (ValueError, TypeError, OSError) as error:  # spelled as in the plan, not as flags
        raise click.ClickException(" ".join(str(error).split())) from None
    if dry_run:
        _list_jobs(plan, out_dir)
        return
    from wavetex.survey import engine

    progress = show_progress(quiet)
    log = None if quiet or progress else _job_logger(len(plan.jobs), _n_done(plan, out_dir))
    try:
        summary = engine.run_jobs(plan.jobs, dict(plan.pixels), out_dir, workers=workers, address=address,
                                  retries=retries, progress=progress, on_record=log)
    except ImportError as error:
        raise click.ClickException(str(error)) from None
    except KeyboardInterrupt:
        write_index(out_dir, title=plan.title)
        click.echo(f"Interrupted; the finished jobs are kept in {out_dir}. Run the same command to continue.", err=True)
        sys.exit(130)
    _remember_title(out_dir, plan.title)
    index = write_index(out_dir, title=plan.title)
    click.echo(f"{len(summary.done)} jobs run, {len(summary.skipped)} done before, {len(summary.failed)} failed "
               f"({summary.wall_time:.0f} s); wrote {index}.")
    if summary.failed:
        raise click.ClickException(
            f"{len(summary.failed)} job(s) failed (errors in {out_dir / 'failures.jsonl'}); "
            "fix the cause and run the same command to retry them"
        )


def _list_jobs(plan: wplan.Plan, out_dir: Path) -> None:
    folder = SurveyFolder(out_dir)
    failed = {f["key"]: f["error"] for f in folder.failures_since_done()} if out_dir.is_dir() else {}
    n_done = 0
    for job in plan.jobs:
        done = folder.is_done(job.key)
        n_done += done
        status = "done" if done else ("failed" if job.key in failed else "to run")
        click.echo(f"{status:7s} {job.describe():60s} {job.key}")
    click.echo(f"{len(plan.jobs)} jobs: {n_done} done, {len(plan.jobs) - n_done} to run.")


def _n_done(plan: wplan.Plan, out_dir: Path) -> int:
    """How many of the plan's jobs an earlier run of the same command finished."""
    if not out_dir.is_dir():
        return 0
    folder = SurveyFolder(out_dir)
    return sum(folder.is_done(job.key) for job in plan.jobs)


def _job_logger(total: int, done_before: int = 0):
    """One line per finished job, numbered on from the jobs an earlier run finished."""
    count = [done_before]

    def log(record: dict[str, Any]) -> None:
        count[0] += 1
        if record["status"] == "failed":
            click.echo(f"[{count[0]}/{total}] failed: {record['key']}: {record['error']}", err=True)
            return
        click.echo(f"[{count[0]}/{total}] {record['key']}: {record['probe']['verdict']}, statistics error "
                   f"{record['metrics']['statistics_error']:.4f}, {record['metrics']['wall_time']:.0f} s", err=True)

    return log


def _remember_title(out_dir: Path, title: str) -> None:
    from wavetex import io as wio

    wio.write_json(out_dir / "survey.json", {"title": title}, overwrite=True)


def _title(out_dir: Path) -> str:
    from wavetex import io as wio

    path = out_dir / "survey.json"
    return wio.read_json(path)["title"] if path.is_file() else wplan.Plan.title
