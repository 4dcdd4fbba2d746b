"""``wavetex sweep``: the quality/diversity trade-off of growing models, as numbers."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from wavetex import report as wreport
from wavetex.survey.plan import build_plan

from wavetex.textures import resolve_source

from ._errors import library_errors
from ._options import force_option, synthesis_config, synthesis_options
from ._paths import check_output_folder, new_folder, read
from ._jobs import run_plan


@click.command(short_help="Sweep model capacity: statistics error against copying.")
@click.argument("exemplar", metavar="EXEMPLAR")
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for sweep.png, sweep.json and one synthesis per model (created if its parent exists).")
@click.option("--gray", is_flag=True, help="Synthesise in gray even for a colour exemplar.")
@synthesis_options
@force_option("Replace existing files in the folder.")
@click.option("-q", "--quiet", is_flag=True, help="No progress.")
@library_errors()
def sweep(exemplar: str, out_dir: Path, gray: bool, overwrite: bool, quiet: bool, **options) -> None:
    """Synthesise EXEMPLAR with models of growing capacity — spatial shifts none → same
    (j, l) → all, scale gaps Δj 0 → 2 → 4 — and plot the number of statistics against
    the statistics error and the memorization index. --shifts and --delta-j, when given,
    pin that axis of the ladder (e.g. --shifts none sweeps only Δj); the other model
    options set the rest of the model (scales, orientations, phases). The syntheses
    run as a plan on the survey engine (a local Ray instance, one job per model): they
    land in DIR/jobs/ and DIR/results.jsonl, and a rerun reuses them.

    \b
    Example:
      wavetex sweep gravel -o sweep/ --size 128
    """
    config = synthesis_config(options)
    ladder = wreport.pinned_ladder(shifts=config.model.shifts, delta_j=config.model.delta_j)
    source = resolve_source(exemplar)
    image = read(source, gray=gray)
    targets = [out_dir / name for name in ("sweep.png", "sweep.json")]
    targets += [out_dir / f"rung_{k}.png" for k in range(len(ladder))]
    check_output_folder(out_dir, targets, [source.path], overwrite=overwrite)
    configs = [(label, replace(config, model=replace(config.model, **options))) for label, options in ladder]
    plan = build_plan({source.text: (source.path, image)}, configs, seeds=[config.seed], gray=gray)
    with new_folder(out_dir):  # made when the work starts, removed if it fails before writing
        done = run_plan(plan, out_dir, quiet=quiet)
        rungs = [(label, *done[job.key]) for (label, _), job in zip(ladder, plan.jobs)]
        content = wreport.capacity_sweep(image, out_dir, rungs=rungs, overwrite=overwrite)
    for rung in content["rungs"]:
        click.echo(f"{rung['label']:32s} {rung['n_stats']:7d} statistics  error {rung['statistics_error']:.4f}  "
                   f"memorization index {rung['probe']['memorization_index']:.2f}  {rung['probe']['verdict']}")
    click.echo(f"Wrote {out_dir / 'sweep.png'} and {out_dir / 'sweep.json'}.")
