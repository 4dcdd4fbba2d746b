"""The one finishing step of synth, inpaint, extend and tile, and what they print.

:func:`run_and_finish` checks the outputs, runs the library call (SIGTERM acting as
Ctrl-C), records the input in the sidecar beside what the library recorded (the
coarse stage, the fill probe), saves, prints the summary and exits 130 when the run was
interrupted.
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import signal
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from wavetex import SynthesisConfig, SynthesisResult
from wavetex.files import check_outputs
from wavetex.textures import Source

from ._options import show_progress
from ._paths import check_image_suffix

BIT_DEPTH = inspect.signature(SynthesisResult.save).parameters["bit_depth"].default
INTERRUPTED_EXIT_CODE = 130  # 128 + SIGINT, as shells report Ctrl-C


def bit_depth_option(command: Callable) -> Callable:
    """``--bit-depth 8|16`` of the image-writing commands."""
    return click.option("--bit-depth", type=click.Choice(["8", "16"]), default=str(BIT_DEPTH), show_default=True,
                        help="Bits per sample of the output image (16: PNG or TIFF only).")(command)


def run_and_finish(
    task: str,
    source: Source,
    config: SynthesisConfig,
    call: Callable[..., SynthesisResult],
    *,
    inputs: list[Path],
    output: Path | None,
    bit_depth: str,
    overwrite: bool,
    quiet: bool,
    record: dict[str, Any],
    measure: Callable[[SynthesisResult], dict[str, Any]] = lambda result: {},
    lines: Callable[[SynthesisResult], list[str]] = lambda result: [],
) -> SynthesisResult:
    """Check the outputs, run ``call(config=..., progress=...)``, save, print, exit 130 if interrupted.

    The sidecar's ``extra`` holds the input, ``record``, the library's own ``result.extra``
    (the coarse stage, the fill probe) and ``measure(result)`` (e.g. the probe); ``lines(result)``
    are printed after the summary.
    """
    output = output if output is not None else Path(f"{source.stem}_{task}.png")
    check_image_suffix(output, int(bit_depth))
    check_outputs(SynthesisResult.output_paths(output, config.n_samples), inputs=inputs, overwrite=overwrite)
    with sigterm_as_ctrl_c():
        result = call(config=config, progress=show_progress(quiet))
    extra = {"input": source.record(), **record, **result.extra}
    result = dataclasses.replace(result, extra={**extra, **measure(result)})
    written = result.save(output, overwrite=overwrite, bit_depth=int(bit_depth))
    if not quiet:
        made = "Synthesised" if task == "synth" else f"{task.capitalize()}: made"
        click.echo(summary(result, source.text, written).replace("Synthesised", made, 1))
        for line in lines(result):
            click.echo(line)
    if result.interrupted:
        click.echo(
            "Interrupted: saved the best images so far (the sidecar records \"interrupted\": true).", err=True
        )
        click.get_current_context().exit(INTERRUPTED_EXIT_CODE)
    return result


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
        f"{result.status(k)['words']}"
        for k in range(result.n_samples)
    )
    images, sidecar, raw = written[:-2], written[-2], written[-1]
    text = (
        f"Synthesised {samples} of {width}×{height} pixels ({colour}) from {input_text} in "
        f"{result.wall_time:.1f} s on {result.device} ({result.dtype}). {per_sample}. "
        f"Wrote {', '.join(map(str, images))}, the sidecar {sidecar} and the raw floats {raw}."
    )
    return textwrap.fill(text, width=88, break_long_words=False, break_on_hyphens=False)


def probe_line(report: dict[str, Any], sample: int | None = None) -> str:
    """One line of memorization scores for the screen."""
    from wavetex.memorization import VERDICT_WORDS

    def number(name: str) -> str:
        value = report[name]
        return "—" if value is None else f"{value:.2f}"

    prefix = f"sample {sample}: " if sample is not None else ""
    return (
        f"Memorization {prefix}{report['verdict']} ({VERDICT_WORDS[report['verdict']]}); global match "
        f"{number('global_match')}, copy rate {number('copy_rate')}, memorization index "
        f"{number('memorization_index')}, excess rate {number('excess_rate')}, coherence {number('coherence')}."
    )


def fill_probe_lines(result: SynthesisResult) -> list[str]:
    """The fill probe's verdict and reason, per sample."""
    return [
        f"Fill probe {f'sample {k}: ' if result.n_samples > 1 else ''}{report['verdict']}. {report['verdict_reason']}"
        for k, report in enumerate(result.extra["fill_probe"])
    ]
