"""``wavetex probe``: did a synthesis copy its exemplar?"""

from __future__ import annotations

import math
from pathlib import Path

import click

import wavetex
from wavetex import io as wio
from wavetex.provenance import versions
from wavetex.report import probe_figure
from wavetex.textures import resolve_source

from ._errors import library_errors
from ._finish import probe_line
from ._options import force_option
from ._paths import check_output_folder, new_folder, read


def read_pair(synthesis_text: str, exemplar_text: str):
    """Both images, the exemplar read in gray when the synthesis is gray."""
    synthesis_source, exemplar_source = resolve_source(synthesis_text), resolve_source(exemplar_text)
    synthesis = read(synthesis_source, gray=False)
    exemplar = read(exemplar_source, gray=synthesis.ndim == 2)
    if synthesis.ndim == 3 and exemplar.ndim == 2:
        synthesis = synthesis.mean(axis=-1)
    return synthesis_source, synthesis, exemplar_source, exemplar


@click.command(short_help="Measure how much a synthesis copies its exemplar.")
@click.argument("synthesis", metavar="SYNTHESIS")
@click.argument("exemplar", metavar="EXEMPLAR")
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for report.json and report.png (created if its parent exists).  "
              "[default: <synthesis stem>_probe]")
@click.option("--crop-size", type=click.IntRange(min=16), default=None, metavar="P",
              help="Side of the crops compared with the exemplar.  [default: a quarter of the exemplar's side]")
@click.option("--flips", is_flag=True, help="Also search flipped and rotated copies for the global match (8× slower).")
@force_option("Replace an existing report in the folder.")
@library_errors()
def probe(synthesis: str, exemplar: str, out_dir: Path | None, crop_size: int | None, flips: bool, overwrite: bool) -> None:
    """Measure how much SYNTHESIS copies EXEMPLAR (a file or a bundled texture name).

    Prints the verdict and scores, and writes report.json (every number, with versions)
    and report.png (best-matching crops outlined on both images, the displacement map
    and the crop-match histogram against the exemplar's own pieces).

    \b
    Example:
      wavetex probe gravel_synth.png gravel -o probe/
    """
    synthesis_source, image, exemplar_source, reference = read_pair(synthesis, exemplar)
    out_dir = out_dir if out_dir is not None else Path(f"{synthesis_source.stem}_probe")
    targets = [out_dir / "report.json", out_dir / "report.png"]
    # the folder itself is made once there is something to put in it
    check_output_folder(out_dir, targets, [synthesis_source.path, exemplar_source.path], overwrite=overwrite)

    report = wavetex.probe(image, reference, crop_size=crop_size, search_flips=flips)
    content = {
        "synthesis": synthesis_source.record(),
        "exemplar": exemplar_source.record(),
        "report": report.to_dict(),
        "versions": versions(),
    }
    with new_folder(out_dir):
        wio.write_json(targets[0], content, overwrite=overwrite)
        probe_figure(report, image, reference, targets[1], overwrite=overwrite)
    click.echo(probe_line(report.to_dict()))
    synthesis_crops = (
        f"crops of the synthesis at median {report.crop_match_median:.2f}"
        if math.isfinite(report.crop_match_median)
        else "the synthesis has no crop to compare (it is flat)"
    )
    click.echo(f"Held-out pieces of the exemplar match each other at median {report.heldout_median:.2f} "
               f"(95th percentile {report.heldout_q95:.2f}); {synthesis_crops}. "
               f"Wrote {targets[0]} and {targets[1]}.")
