"""``wavetex report``: synthesise, probe and summarise several textures in one HTML page."""

from __future__ import annotations

from pathlib import Path

import click

from wavetex import report as wreport
from wavetex.survey.plan import build_plan

from wavetex.textures import resolve_source

from ._errors import library_errors
from ._options import force_option, n_samples_option, synthesis_config, synthesis_options
from ._paths import check_output_folder, new_folder, read
from ._jobs import run_plan


@click.command(short_help="Synthesise, probe and summarise textures in one HTML page.")
@click.argument("texture_names", metavar="TEXTURE...", nargs=-1, required=True)
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for index.html and one subfolder per texture (created if its parent exists).")
@n_samples_option(3, "Syntheses per texture (their diversity is measured too).")
@click.option("--gray", is_flag=True, help="Synthesise in gray even for colour textures.")
@synthesis_options
@force_option("Replace existing files in the folder.")
@click.option("-q", "--quiet", is_flag=True, help="No progress.")
@library_errors()
def report(texture_names: tuple[str, ...], out_dir: Path, gray: bool, overwrite: bool, quiet: bool, **options) -> None:
    """Synthesise each TEXTURE (files or bundled names), probe every sample for copying,
    measure the diversity between samples, and write DIR/index.html with one row per
    texture (thumbnails, scores, the verdict in words). The page works offline.
    The syntheses run as a plan on the survey engine (a local Ray instance, one job
    per sample): they land in DIR/jobs/ and DIR/results.jsonl, and a rerun reuses them.

    \b
    Example:
      wavetex report gravel brick tissue -o report/ --n-samples 2
    """
    config = synthesis_config(options)
    sources = [resolve_source(name) for name in texture_names]
    stems = [source.stem for source in sources]
    if len(set(stems)) != len(stems):
        raise click.ClickException("two inputs have the same name; rename one so each gets its own folder")
    check_output_folder(out_dir, [out_dir / "index.html"], [s.path for s in sources], overwrite=overwrite)
    for stem in stems:
        if (out_dir / stem).exists() and not overwrite:
            raise click.ClickException(
                f"{str(out_dir / stem)!r} already exists; pass --force to replace its files, or choose another -o"
            )
    images = [read(source, gray=gray) for source in sources]  # every input is readable before any work
    plan = build_plan({source.text: (source.path, image) for source, image in zip(sources, images)},
                      [("cli", config)], seeds=[config.seed + k for k in range(config.n_samples)], gray=gray)
    with new_folder(out_dir):  # made when the work starts, removed if it fails before writing
        done = run_plan(plan, out_dir, quiet=quiet)
        contents = [
            wreport.texture_report(source.stem, image, out_dir, overwrite=overwrite,
                                   jobs=[done[job.key] for job in plan.jobs if job.texture == source.text])
            for source, image in zip(sources, images)
        ]
        index = wreport.write_index(contents, out_dir, overwrite=overwrite)
    click.echo(f"Wrote {index} ({len(contents)} textures).")
