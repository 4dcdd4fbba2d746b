"""``wavetex stats``: the ALPHA statistics of an image, saved as an .npz file
(:func:`wavetex.statistics_file.save_statistics`)."""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from wavetex import TextureStatistics
from wavetex.files import check_outputs
from wavetex.statistics_file import save_statistics
from wavetex.textures import resolve_source

from ._errors import library_errors
from ._options import force_option, model_options, pop_model_config, threads_option
from ._paths import read


def _colours(image: np.ndarray) -> str:
    return "colour" if image.ndim == 3 else "gray"


@click.command(short_help="Save the statistics of an image as an .npz file.")
@click.argument("input", metavar="INPUT")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
    help="The .npz file to write.  [default: <input stem>_stats.npz]",
)
@click.option(
    "--reference", metavar="EXEMPLAR",
    help="Image file or bundled texture whose statistics standardise INPUT's (the model is "
    "fitted to it).  [default: INPUT itself]",
)
@click.option("--gray", is_flag=True, help="Use gray images (mean of R, G and B) even for colour files.")
@model_options
@threads_option
@force_option("Replace an existing output file (never an input).")
@library_errors()
def stats(input: str, output: Path | None, reference: str | None, gray: bool, overwrite: bool, **options) -> None:
    """Compute the ALPHA statistics of INPUT and save them as an .npz file.

    The file holds `values` (float64, one per statistic), the index fields that say
    what each statistic is (`kind`, `colour`, `scale`, `orientation`, `phase`,
    `shift`, ...; −1 where a field does not apply), `blocks` (the names of the kind
    codes), `config` (the resolved model configuration, JSON) and `provenance`
    (inputs and versions, JSON); wavetex.statistics_file.load_statistics reads it.
    INPUT and EXEMPLAR are files or bundled texture names.

    \b
    Example:
      wavetex stats gravel_synth.png --reference gravel -o synth_stats.npz
    """
    source = resolve_source(input)
    exemplar_source = resolve_source(reference) if reference is not None else source
    model = pop_model_config(options)
    output = output if output is not None else Path(f"{source.stem}_stats.npz")
    check_outputs([output], inputs=[source.path, exemplar_source.path], overwrite=overwrite)
    image = read(source, gray=gray)
    exemplar = read(exemplar_source, gray=gray) if reference is not None else image
    if image.ndim != exemplar.ndim:
        raise click.ClickException(
            f"INPUT is {_colours(image)} but the reference is {_colours(exemplar)}; "
            "pass --gray to compare both in gray"
        )

    statistics = TextureStatistics(exemplar, config=model)  # numpy, channels last
    values = statistics(image).numpy()
    provenance = {"input": source.record(), "reference": exemplar_source.record(), "gray": gray}
    save_statistics(output, statistics, values, provenance=provenance, overwrite=overwrite)
    click.echo(summary(statistics, values, source.text, exemplar_source.text, output))


def summary(statistics: TextureStatistics, values: np.ndarray, input_text: str, reference_text: str, output: Path) -> str:
    lines = [
        f"{input_text}: {statistics.n_stats} statistics ({'colour' if statistics.n_colours == 3 else 'gray'}), "
        f"standardised by {reference_text}",
        f"  {'block':8s} {'count':>7s}  {'mean |value|':>12s}",
    ]
    for name, where in statistics.index.block_slices().items():
        block = values[where]
        mean = f"{np.abs(block).mean():12.4g}" if block.size else f"{'-':>12s}"
        lines.append(f"  {name:8s} {block.size:7d}  {mean}")
    lines.append(f"Wrote {output}")
    return "\n".join(lines)
