"""``wavetex synth``: synthesise new images of a texture."""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import signal
import textwrap
from collections.abc import Iterator
from pathlib import Path

import click

import wavetex
from wavetex import SynthesisResult, synthesize

from ._common import (
    DEFAULTS,
    check_image_suffix,
    check_outputs,
    probe_line,
    read,
    resolve_source,
    show_progress,
    synthesis_config,
    synthesis_options,
)
from ._errors import library_errors

BIT_DEPTH = inspect.signature(SynthesisResult.save).parameters["bit_depth"].default
INTERRUPTED_EXIT_CODE = 130  # 128 + SIGINT, as shells report Ctrl-C


@click.command()
@click.argument("input", metavar="INPUT")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
    help="Output image; with several samples, sample k goes to <stem>_<k><suffix>. A sidecar "
    "<stem>.json and the raw floats <stem>.npy go next to it.  [default: <input stem>_synth.png]",
)
@click.option("--n-samples", type=click.IntRange(min=1), default=DEFAULTS.n_samples, show_default=True, metavar="K",
              help="Number of independent syntheses.")
@click.option("--gray", is_flag=True, help="Synthesise in gray (mean of R, G and B) even for a colour input.")
@synthesis_options
@click.option("--bit-depth", type=click.Choice(["8", "16"]), default=str(BIT_DEPTH), show_default=True,
              help="Bits per sample of the output image (16: PNG or TIFF only).")
@click.option("--force", is_flag=True, help="Replace existing output files (never the input).")
@click.option("--probe", is_flag=True,
              help="Run the memorization probe on each sample; its summary goes to the sidecar and the screen.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary (the bar is drawn only on a terminal).")
@library_errors()
def synth(
    input: str, output: Path | None, gray: bool, bit_depth: str, force: bool, probe: bool, quiet: bool, **options
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
    output = output if output is not None else Path(f"{source.stem}_synth.png")
    check_image_suffix(output, int(bit_depth))
    check_outputs(SynthesisResult.output_paths(output, config.n_samples), [source.path], force=force)
    exemplar = read(source, gray=gray)

    with sigterm_as_ctrl_c():
        result = synthesize(exemplar, config=config, progress=show_progress(quiet))

    extra = {"input": source.record(), "gray": gray, "stationarity": result.extra["stationarity"]}
    if not extra["stationarity"]["stationary"]:
        click.echo(f"warning: {extra['stationarity']['message']}.", err=True)
    if probe:
        extra["probe"] = [wavetex.probe(image, exemplar).to_dict() for image in result.images]
    result = dataclasses.replace(result, extra=extra)
    written = result.save(output, overwrite=force, bit_depth=int(bit_depth))
    if not quiet:
        click.echo(summary(result, source.text, written))
        for k, report in enumerate(extra.get("probe", [])):
            click.echo(probe_line(report, k if result.n_samples > 1 else None))
    if result.interrupted:
        click.echo(
            "Interrupted: saved the best images so far (the sidecar records \"interrupted\": true).", err=True
        )
        click.get_current_context().exit(INTERRUPTED_EXIT_CODE)


@contextlib.contextmanager
def sigterm_as_ctrl_c() -> Iterator[None]:
    """Within the block, SIGTERM raises KeyboardInterrupt, which the synthesis handles as
    Ctrl-C (best images so far); the previous handler comes back afterwards. Outside the
    main thread, where Python cannot install handlers, nothing changes."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def summary(result: SynthesisResult, input_text: str, written: list[Path]) -> str:
    """One paragraph: what was made, how long it took, how well it matches, where it went."""
    height, width = result.config.size
    colour = "colour" if result.raw_images.ndim == 4 else "gray"
    samples = "1 sample" if result.n_samples == 1 else f"{result.n_samples} samples"
    per_sample = "; ".join(
        f"{'' if result.n_samples == 1 else f'sample {k}: '}{result.n_iterations[k]} iterations, "
        f"statistics error {result.errors[k]:.4g} (from {result.initial_errors[k]:.4g}), "
        f"stopped: {result.stop_reasons[k]}"
        for k in range(result.n_samples)
    )
    images, sidecar, raw = written[:-2], written[-2], written[-1]
    text = (
        f"Synthesised {samples} of {width}×{height} pixels ({colour}) from {input_text} in "
        f"{result.wall_time:.1f} s on {result.device} ({result.dtype}). {per_sample}. "
        f"Wrote {', '.join(map(str, images))}, the sidecar {sidecar} and the raw floats {raw}."
    )
    return textwrap.fill(text, width=88, break_long_words=False, break_on_hyphens=False)
