"""``wavetex synth``: synthesise new images of a texture."""

from __future__ import annotations

from pathlib import Path

import click

import wavetex
from wavetex import synthesize
from wavetex.textures import resolve_source

from ._errors import library_errors
from ._finish import bit_depth_option, probe_line, run_and_finish
from ._options import force_option, n_samples_option, synthesis_config, synthesis_options
from ._paths import read


@click.command()
@click.argument("input", metavar="INPUT")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
    help="Output image; with several samples, sample k goes to <stem>_<k><suffix>. A sidecar "
    "<stem>.json and the raw floats <stem>.npy go next to it.  [default: <input stem>_synth.png]",
)
@n_samples_option()
@click.option("--gray", is_flag=True, help="Synthesise in gray (mean of R, G and B) even for a colour input.")
@synthesis_options
@bit_depth_option
@force_option()
@click.option("--probe", is_flag=True,
              help="Run the memorization probe on each sample; its summary goes to the sidecar and the screen.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary (the bar is drawn only on a terminal).")
@library_errors()
def synth(
    input: str, output: Path | None, gray: bool, bit_depth: str, overwrite: bool, probe: bool, quiet: bool, **options
) -> None:
    """Synthesise new images of the texture in INPUT.

    INPUT is an image file or the name of a bundled texture (see `wavetex textures`);
    a file of that name wins. Colour inputs give colour images unless --gray.

    Ctrl-C or SIGTERM (kill, a job scheduler's time limit) stops the optimisation and
    saves the best images so far; the sidecar records "interrupted": true and the exit
    status is 130.

    \b
    Examples:
      wavetex synth gravel --size 512x256 --seed 3
      wavetex synth photo.jpg -o out.png --n-samples 4 --device cuda
    """
    source = resolve_source(input)
    config = synthesis_config(options)
    exemplar = read(source, gray=gray)

    def measure(result: wavetex.SynthesisResult) -> dict:
        return {"probe": [wavetex.probe(image, exemplar).to_dict() for image in result.images]} if probe else {}

    def lines(result: wavetex.SynthesisResult) -> list[str]:
        return [probe_line(report, k if result.n_samples > 1 else None)
                for k, report in enumerate(result.extra.get("probe", []))]

    def call(**kw: object) -> wavetex.SynthesisResult:
        result = synthesize(exemplar, **kw)
        if not result.extra["stationarity"]["stationary"]:  # a warning, not an error
            click.echo(f"warning: {result.extra['stationarity']['message']}.", err=True)
        return result

    run_and_finish("synth", source, config, call,
                   inputs=[source.path], output=output, bit_depth=bit_depth, overwrite=overwrite, quiet=quiet,
                   record={"gray": gray}, measure=measure, lines=lines)
