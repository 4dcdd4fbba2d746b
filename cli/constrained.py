"""``wavetex inpaint``, ``wavetex extend``, ``wavetex tile``: constrained synthesis.

Thin commands: parse, call :func:`wavetex.inpaint`, :func:`wavetex.extend` or
:func:`wavetex.make_tileable` once, write the result and its sidecar (which carries the
fill probe), print a summary. Same conventions as ``wavetex synth``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

import wavetex
from wavetex import SynthesisResult
from wavetex.files import resolve_path
from wavetex.masks import ANCHORS, read_mask
from wavetex.textures import Source, resolve_source

from ._errors import library_errors
from ._finish import bit_depth_option, fill_probe_lines, run_and_finish
from ._options import SIZE, force_option, n_samples_option, synthesis_config, synthesis_options_except
from ._paths import read


def _shared_options(command: Callable) -> Callable:
    """The options every constrained command takes, after its own."""
    options = [
        click.option(
            "-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
            help="Output image; with several samples, sample k goes to <stem>_<k><suffix>. A sidecar "
            "<stem>.json and the raw floats <stem>.npy go next to it.  [default: <input stem>_<command>.png]",
        ),
        n_samples_option(help="Number of independent results."),
        click.option("--gray", is_flag=True, help="Work in gray (mean of R, G and B) even for a colour input."),
        synthesis_options_except("size", "objective"),
        bit_depth_option,
        force_option("Replace existing output files (never an input)."),
        click.option("-q", "--quiet", is_flag=True,
                     help="No progress bar and no summary (the bar is drawn only on a terminal)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _run(
    task: str, source: Source, inputs: list[Path], output: Path | None, bit_depth: str, overwrite: bool,
    quiet: bool, options: dict[str, Any], call: Callable[..., SynthesisResult], record: dict[str, Any],
) -> None:
    run_and_finish(task, source, synthesis_config(options), call, inputs=inputs, output=output, bit_depth=bit_depth,
                   overwrite=overwrite, quiet=quiet, record=record, lines=fill_probe_lines)


@click.command(short_help="Fill the white pixels of a mask with the image's texture.")
@click.argument("input", metavar="IMAGE")
@click.option("--mask", "mask_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Black-and-white image of IMAGE's size: white where pixels are to be filled, black where kept.")
@click.option("--exemplar", metavar="TEXTURE",
              help="Take the texture's statistics from this image (file or bundled name) instead of from "
                   "IMAGE's known pixels.")
@_shared_options
@library_errors()
def inpaint(
    input: str, mask_path: Path, exemplar: str | None, output: Path | None, gray: bool, bit_depth: str,
    overwrite: bool, quiet: bool, **options: Any,
) -> None:
    """Fill the white pixels of MASK in IMAGE with IMAGE's texture; the others stay as they are.

    IMAGE is an image file or the name of a bundled texture. The statistics come from
    the known pixels (or from --exemplar); the sidecar records whether the fill copies a
    piece of the known region (the fill probe).

    \b
    Examples:
      wavetex inpaint wall.jpg --mask blemish.png -o wall_fixed.png
      wavetex inpaint gravel --mask hole.png --n-scales 4 --seed 2
    """
    source = resolve_source(input)
    texture = resolve_source(exemplar) if exemplar is not None else None
    image = read(source, gray=gray)
    mask = read_mask(mask_path)
    texture_image = read(texture, gray=gray or image.ndim == 2) if texture is not None else None
    inputs = [source.path, mask_path] + ([texture.path] if texture is not None else [])
    record = {"gray": gray, "mask": str(resolve_path(mask_path))}
    if texture is not None:
        record["exemplar"] = texture.record()
    _run("inpaint", source, inputs, output, bit_depth, overwrite, quiet, options,
         lambda **kw: wavetex.inpaint(image, mask, exemplar=texture_image, **kw), record)


@click.command(short_help="Put an image in a larger canvas and synthesise the rest.")
@click.argument("input", metavar="IMAGE")
@click.option("--size", "size", required=True, type=SIZE, metavar="WxH",
              help="Output size, width first (e.g. 512x384), or N for N×N; no smaller than IMAGE.")
@click.option("--anchor", type=click.Choice(list(ANCHORS)), default="center", show_default=True,
              help="Where IMAGE sits in the output.")
@_shared_options
@library_errors()
def extend(
    input: str, size: tuple[int, int], anchor: str, output: Path | None, gray: bool, bit_depth: str,
    overwrite: bool, quiet: bool, **options: Any,
) -> None:
    """Place IMAGE in a larger canvas and synthesise the rest from its texture.

    IMAGE's pixels stay as they are; the output is periodic (it tiles). Ctrl-C or
    SIGTERM saves the best images so far (exit status 130), as for `wavetex synth`.

    \b
    Examples:
      wavetex extend scan.png --size 1024x768 -o print.png
      wavetex extend gravel --size 384x256 --anchor left
    """
    source = resolve_source(input)
    image = read(source, gray=gray)
    _run("extend", source, [source.path], output, bit_depth, overwrite, quiet, options,
         lambda **kw: wavetex.extend(image, size, anchor=anchor, **kw), {"gray": gray, "anchor": anchor})


@click.command(short_help="Re-synthesise a band along the borders so the image tiles.")
@click.argument("input", metavar="IMAGE")
@click.option("--band", required=True, type=int, metavar="PX",
              help="Width of the band along each border that is re-synthesised.")
@_shared_options
@library_errors()
def tile(
    input: str, band: int, output: Path | None, gray: bool, bit_depth: str, overwrite: bool, quiet: bool,
    **options: Any,
) -> None:
    """Make IMAGE tileable: re-synthesise a band along its borders, keep the interior.

    \b
    Examples:
      wavetex tile photo.jpg --band 24 -o photo_tile.png
      wavetex tile grass --band 16 --n-scales 4
    """
    source = resolve_source(input)
    image = read(source, gray=gray)
    _run("tile", source, [source.path], output, bit_depth, overwrite, quiet, options,
         lambda **kw: wavetex.make_tileable(image, band, **kw), {"gray": gray})
