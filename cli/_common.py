"""Pieces shared by the commands: model options, sizes, inputs and output checks.

Option defaults are read from the library's configuration objects
(:class:`wavetex.ModelConfig`, :class:`wavetex.SynthesisConfig`), never repeated here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import click
import numpy as np

from wavetex import SEED_MAX, ModelConfig, SynthesisConfig, textures
from wavetex import io as wio
from wavetex._validate import _MAX_ORIENTATIONS, _MAX_PHASES, _MAX_SCALES
from wavetex.config import DTYPES, INITS, OBJECTIVES, SCHEDULES
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
            "--n-scales", "n_scales", type=click.IntRange(1, _MAX_SCALES), default=MODEL_DEFAULTS.n_scales, show_default=True,
            metavar="J", help="Number of wavelet scales J; image sides need at least 2^(J+1) pixels.",
        ),
        click.option(
            "--n-orientations", "n_orientations", type=click.IntRange(1, _MAX_ORIENTATIONS), default=MODEL_DEFAULTS.n_orientations,
            show_default=True, metavar="L", help="Number of wavelet orientations L.",
        ),
        click.option(
            "--n-phases", "n_phases", type=click.IntRange(1, _MAX_PHASES), default=MODEL_DEFAULTS.n_phases, show_default=True,
            metavar="A", help="Number of rectifier phases A.",
        ),
        click.option(
            "--delta-j", "delta_j", type=click.IntRange(0, _MAX_SCALES), default=MODEL_DEFAULTS.delta_j, metavar="N",
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
                     help="How long to optimise: default (stops at a plateau) or paper (the paper's runs)."),
        click.option("--max-iter", type=click.IntRange(min=1), default=DEFAULTS.max_iter, metavar="N",
                     help="Cap on L-BFGS iterations per sample.  [default: the schedule's]"),
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


def probe_line(report: dict[str, Any], sample: int | None = None) -> str:
    """One line of memorization scores for the screen."""
    from wavetex.report import VERDICT_WORDS

    def number(name: str) -> str:
        value = report[name]
        return "—" if value is None else f"{value:.2f}"

    prefix = f"sample {sample}: " if sample is not None else ""
    return (
        f"Memorization {prefix}{report['verdict']} ({VERDICT_WORDS[report['verdict']]}); global match "
        f"{number('global_match')}, copy rate {number('copy_rate')}, memorization index "
        f"{number('memorization_index')}, excess rate {number('excess_rate')}, coherence {number('coherence')}."
    )


# ------------------------------------------------------------------ sizes


class SizeType(click.ParamType):
    """``WxH`` (width first, like image tools) or ``N`` for N×N; converts to (height, width)
    with the library's :func:`wavetex.survey.plan.parse_size`, the parser of survey plans.

    Only the form and the sign are checked here; the library bounds the size.
    """

    name = "size"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> tuple[int, int]:
        if isinstance(value, tuple):
            return value
        from wavetex.survey.plan import parse_size

        try:
            return parse_size(str(value))
        except ValueError as error:
            self.fail(f"{error}.", param, ctx)


SIZE = SizeType()


# ------------------------------------------------------------------ inputs


@dataclasses.dataclass(frozen=True)
class Source:
    """An input as given on the command line: a file, or a bundled texture by name."""

    text: str
    path: Path
    texture: str | None

    def record(self) -> dict[str, Any]:
        """Where the input came from, for sidecars."""
        if self.texture is not None:
            return {"texture": self.texture, "path": str(self.path)}
        return {"path": str(self.path.resolve())}

    @property
    def stem(self) -> str:
        return self.texture if self.texture is not None else self.path.stem


def resolve_source(text: str) -> Source:
    """A file path wins over a texture name; a name that looks like a path is a path."""
    path = Path(text)
    looks_like_path = path.exists() or path.suffix != "" or len(path.parts) > 1
    if looks_like_path:
        return Source(text, path, None)
    return Source(text, textures.path(text), text)  # ValueError listing the names


def read(source: Source, *, gray: bool) -> np.ndarray:
    """The image as float64 in [0, 1]: (H, W), or (H, W, 3) unless ``gray``."""
    return wio.read_image(source.path, mode="gray" if gray else "auto")


# ------------------------------------------------------------------ outputs


def check_outputs(targets: Iterable[Path], inputs: Iterable[Path], *, force: bool) -> None:
    """Refuse before any work: outputs that are inputs (even with ``force``), folders that
    are missing, are files or refuse new files, folders in the way, and existing files
    without ``force``."""
    inputs = [Path(p).resolve() for p in inputs]
    for target in targets:
        if Path(target).resolve() in inputs:
            raise click.ClickException(
                f"the output {str(target)!r} is an input file, which is never overwritten "
                "(not even with --force); choose another output path with -o"
            )
        check_folder(target.parent)
        if target.is_dir():
            raise click.ClickException(f"the output {str(target)!r} is a folder; pass a file path with -o")
        if target.exists() and not force:
            raise click.ClickException(
                f"{str(target)!r} already exists; pass --force to replace it, or choose another path with -o"
            )


def check_folder(folder: Path) -> None:
    """``folder`` must be an existing folder that accepts new files (tried, and cleaned up)."""
    folder = Path(folder)
    if not folder.is_dir():
        existing = next((p for p in [folder, *folder.parents] if p.exists()), None)
        if existing is not None and not existing.is_dir():
            inside = "" if existing == folder else f", so it cannot hold the folder {str(folder)!r}"
            raise click.ClickException(
                f"{str(existing)!r} is a file, not a folder{inside}; choose another output path with -o"
            )
        raise click.ClickException(
            f"the output folder {str(folder)!r} does not exist; create it first "
            f"(mkdir -p {folder}) or choose another path with -o"
        )
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise click.ClickException(
            f"cannot write files in the output folder {str(folder)!r} ({error.strerror or error}); "
            "choose another folder with -o"
        ) from None


@contextlib.contextmanager
def new_folder(folder: Path) -> Iterator[Path]:
    """Create ``folder`` if missing; if what follows fails, remove it again when it was
    created here and is still empty, so no empty folder is left behind."""
    created = not folder.exists()
    folder.mkdir(exist_ok=True)
    try:
        yield folder
    except BaseException:
        if created and not any(folder.iterdir()):
            folder.rmdir()
        raise


def check_image_suffix(path: Path, bit_depth: int) -> None:
    """The output's suffix must name an image format that holds ``bit_depth`` bits."""
    image_format = wio.IMAGE_SUFFIXES.get(path.suffix.lower())
    if image_format is None:
        raise click.ClickException(
            f"cannot tell the image format of {str(path)!r} from its suffix; "
            f"end the output name with one of {', '.join(wio.IMAGE_SUFFIXES)}"
        )
    sixteen_bit = [s for s, f in wio.IMAGE_SUFFIXES.items() if f in wio.SIXTEEN_BIT_FORMATS]
    if bit_depth == 16 and image_format not in wio.SIXTEEN_BIT_FORMATS:
        raise click.ClickException(
            f"{image_format} holds 8 bits per sample only; use --bit-depth 8 or an output "
            f"ending in {', '.join(sixteen_bit)}"
        )
