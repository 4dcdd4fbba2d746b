"""The options the commands share: model, synthesis, sizes, counts, threads, --force.

Option defaults are read from the library's configuration objects
(:class:`wavetex.ModelConfig`, :class:`wavetex.SynthesisConfig`), never repeated here;
parameter names are the configuration's field names (``--force`` sets ``overwrite``, the
library's name), so that library errors name the command's own flags.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from typing import Any

import click

from wavetex import SEED_MAX, ModelConfig, SynthesisConfig
from wavetex.config import DTYPES, INITS, MAX_ORIENTATIONS, MAX_PHASES, MAX_SCALES, OBJECTIVES, SCHEDULES, parse_size
from wavetex.statistics import SHIFT_MODES

MODEL_DEFAULTS = ModelConfig()
DEFAULTS = SynthesisConfig()
_MODEL_FIELDS = tuple(f.name for f in dataclasses.fields(ModelConfig))


# ------------------------------------------------------------------ model options


def model_options(command: Callable) -> Callable:
    """Add ``--n-scales --n-orientations --n-phases --delta-j --shifts --masks/--no-masks``.

    Each option's parameter name is the :class:`~wavetex.ModelConfig` field it sets;
    :func:`pop_model_config` collects them.
    """
    options = [
        click.option(
            "--n-scales", "n_scales", type=click.IntRange(1, MAX_SCALES), default=MODEL_DEFAULTS.n_scales, show_default=True,
            metavar="J", help="Number of wavelet scales J; image sides need at least 2^(J+1) pixels.",
        ),
        click.option(
            "--n-orientations", "n_orientations", type=click.IntRange(1, MAX_ORIENTATIONS), default=MODEL_DEFAULTS.n_orientations,
            show_default=True, metavar="L", help="Number of wavelet orientations L.",
        ),
        click.option(
            "--n-phases", "n_phases", type=click.IntRange(1, MAX_PHASES), default=MODEL_DEFAULTS.n_phases, show_default=True,
            metavar="A", help="Number of rectifier phases A.",
        ),
        click.option(
            "--delta-j", "delta_j", type=click.IntRange(0, MAX_SCALES), default=MODEL_DEFAULTS.delta_j, metavar="N",
            help="Largest scale gap of the covariances  [default: the paper's, 2 for gray, 4 for colour]",
        ),
        click.option(
            "--shifts", "shifts", type=click.Choice(list(SHIFT_MODES)), default=MODEL_DEFAULTS.shifts,
            help="Which wavelet pairs get spatial shifts: "
            + "; ".join(f"{name}: {meaning}" for name, meaning in SHIFT_MODES.items())
            + "  [default: the paper's, all for gray, same_colour for colour]",
        ),
        click.option(
            "--masks/--no-masks", "masks", default=MODEL_DEFAULTS.masks, show_default=True,
            help="Border masks on the exemplar's statistics. With the periodic objective (the default) the target is "
            "circular and the masks only change the standardisation fitted on the exemplar; with --objective paper "
            "they mask both images' statistics (turn off for periodic exemplars).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def pop_model_config(options: dict[str, Any]) -> ModelConfig:
    """Remove the model options from a command's keyword arguments; return the config."""
    return ModelConfig(**{name: options.pop(name) for name in _MODEL_FIELDS})


# ------------------------------------------------------------------ threads and progress


def _set_threads(ctx: click.Context, param: click.Parameter, value: int | None) -> None:
    if value is not None:
        import torch

        torch.set_num_threads(value)


threads_option = click.option(
    "--threads", type=click.IntRange(min=1), default=None, expose_value=False, callback=_set_threads,
    metavar="N", help="CPU threads for the computation.  [default: torch's choice, usually all cores]",
)


def _stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


def show_progress(quiet: bool) -> bool:
    """Draw progress bars only on a terminal: a log file would get every frame."""
    return not quiet and _stderr_is_terminal()


# ------------------------------------------------------------------ synthesis options


def synthesis_options(command: Callable) -> Callable:
    """Add the :class:`~wavetex.SynthesisConfig` options shared by synth, report and
    sweep (size, seed, schedule, limits, device, precision, start, histogram matching)
    and the model options. Parameter names are the config's field names."""
    return synthesis_options_except()(command)


def synthesis_options_except(*names: str) -> Callable[[Callable], Callable]:
    """:func:`synthesis_options` without the options of the given parameter names (for
    commands that fix them, e.g. ``"size"`` and ``"objective"`` for inpaint)."""

    def decorate(command: Callable) -> Callable:
        options = [
            option for option in _synthesis_option_list()
            if option is model_options or _parameter_name(option) not in names
        ]
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def _parameter_name(option: Callable) -> str:
    holder = option(lambda: None)  # a click.option decorator records its parameter on the function
    return holder.__click_params__[-1].name


def _synthesis_option_list() -> list[Callable]:
    return [
        click.option(
            "--size", type=SIZE, default=DEFAULTS.size, metavar="WxH",
            help="Output size, width first (e.g. 384x256), or N for N×N.  [default: the input's size]",
        ),
        click.option("--seed", type=click.IntRange(0, SEED_MAX), default=DEFAULTS.seed, show_default=True,
                     help="Sample k starts from noise drawn with seed + k (0 to 2**63 - 1)."),
        click.option("--schedule", type=click.Choice(list(SCHEDULES)), default=DEFAULTS.schedule, show_default=True,
                     help=f"How long to optimise: default ({SCHEDULES['default'].stages(1)}; colour "
                          f"{SCHEDULES['default'].stages(3)}) or paper ({SCHEDULES['paper'].stages(1)})."),
        click.option("--max-iter", type=click.IntRange(min=1), default=DEFAULTS.max_iter, metavar="N",
                     help="Cap on L-BFGS iterations per sample.  [default: the schedule's]"),
        click.option("--coarse-iter", type=click.IntRange(min=0), default=DEFAULTS.coarse_iter, metavar="N",
                     help="Iterations at half resolution before the full one; 0: none.  [default: the schedule's]"),
        click.option("--time-budget", type=click.FloatRange(min=0, min_open=True), default=DEFAULTS.time_budget, metavar="SECONDS",
                     help="Stop after this many seconds and keep the best images so far.  [default: none]"),
        click.option("--device", default=DEFAULTS.device, show_default=True, metavar="auto|cpu|cuda[:N]",
                     help="Where to compute; auto uses a CUDA GPU when there is one."),
        click.option("--dtype", type=click.Choice(list(DTYPES)), default=DEFAULTS.dtype, show_default=True,
                     help="Floating-point precision of the optimisation."),
        click.option("--init", type=click.Choice(list(INITS)), default=DEFAULTS.init, show_default=True,
                     help="Starting images: noise with the input's mean and spread, or noise with its spectrum."),
        click.option("--histogram-match/--no-histogram-match", default=DEFAULTS.histogram_match, show_default=True,
                     help="Match each channel's histogram to the input's at the end."),
        click.option("--objective", type=click.Choice(list(OBJECTIVES)), default=DEFAULTS.objective, show_default=True,
                     help="periodic: seam-free, tileable output that ignores the jumps between the input's "
                          "opposite borders; paper: the authors' loss, border masks on both images."),
        threads_option,
        model_options,
    ]


def synthesis_config(options: dict[str, Any]) -> SynthesisConfig:
    """Remove the synthesis and model options from a command's keyword arguments."""
    model = pop_model_config(options)
    fields = [f.name for f in dataclasses.fields(SynthesisConfig) if f.name != "model"]
    return SynthesisConfig(model=model, **{name: options.pop(name) for name in fields if name in options})


# ------------------------------------------------------------------ sizes


class SizeType(click.ParamType):
    """``WxH`` (width first, like image tools) or ``N`` for N×N; converts to (height, width)
    with the library's :func:`wavetex.config.parse_size`, the parser of survey plans too.

    Only the form and the sign are checked here; the library bounds the size.
    """

    name = "size"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> tuple[int, int]:
        if isinstance(value, tuple):
            return value
        try:
            return parse_size(str(value))
        except ValueError as error:
            self.fail(f"{error}.", param, ctx)


SIZE = SizeType()


def n_samples_option(default: int = DEFAULTS.n_samples, help: str = "Number of independent syntheses.") -> Callable:
    """``--n-samples K``: every command's count goes through this one option and is checked
    by :class:`~wavetex.SynthesisConfig` (its ``__post_init__``), so 0 and negative counts
    get the same one-line error in every command."""
    return click.option("--n-samples", "n_samples", type=int, default=default,
                        show_default=True, metavar="K", help=help)


def force_option(help: str = "Replace existing output files (never an input).") -> Callable:
    """``--force``, whose parameter is the library's ``overwrite``."""
    return click.option("--force", "overwrite", is_flag=True, help=help)
