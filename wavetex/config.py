"""Every option of wavetex: the model, the synthesis, its schedule, the limits and sizes.

One source of truth for every default and every check; the command line and survey
plans read them from here. Each configuration checks itself when it is built
(``__post_init__``), so a configuration that exists is valid; what depends on the
exemplar as well (its size against the number of scales, the output's size, the memory
a run needs) is checked by one function, :func:`check_run`.

Errors are :class:`~wavetex.errors.ParameterError` (a ValueError that names the
argument, so the command line can spell it as its flag) or TypeError, each naming the
fix.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import operator
import os
import re
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import ParameterError

__all__ = [
    "ModelConfig",
    "SHIFT_MODES",
    "Schedule",
    "SCHEDULES",
    "SynthesisConfig",
    "INITS",
    "DTYPES",
    "OBJECTIVES",
    "SEED_MAX",
    "MAX_SIDE",
    "MAX_SCALES",
    "MAX_ORIENTATIONS",
    "MAX_PHASES",
    "minimum_side",
    "largest_fitting_scales",
    "parse_size",
    "synthesis_config",
    "resolve_device",
    "check_run",
    "memory_needed",
    "memory_available",
    "check_fit_memory",
]

# ------------------------------------------------------------------ limits

SEED_MAX = 2**63 - 1
"""Largest seed: torch's CPU generator keeps 63 bits, so 2**63 would repeat seed 0."""
MAX_SIDE = 8192
"""Largest side, in pixels, of a synthesis."""
MAX_SCALES = 10
MAX_ORIENTATIONS = 32
MAX_PHASES = 16


def minimum_side(n_scales: int) -> int:
    """Smallest image side the model with J scales accepts: 2^(J+1).

    Examples
    --------
    >>> minimum_side(5)
    64
    """
    return 2 ** (n_scales + 1)


def largest_fitting_scales(height: int, width: int) -> int:
    """The largest J whose minimum side fits an image of this size (0 if none).

    Examples
    --------
    >>> largest_fitting_scales(100, 40)
    4
    """
    J = 0
    while minimum_side(J + 1) <= min(height, width):
        J += 1
    return J


# ------------------------------------------------------------------ small checks


def _integer(name: str, value: Any, low: int, high: int | None = None, hint: str = "") -> int:
    """``value`` as an int (numpy integers accepted, bools and floats not) in [low, high]."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an integer, got {value!r} (bool)")
    try:
        value = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})") from None
    if value < low or (high is not None and value > high):
        hint = f"; {hint}" if hint else ""
        if high is None:
            expected = "a positive integer" if low == 1 else f"an integer of at least {low}"
            raise ParameterError(name, "{} must be %s, got %d%s" % (expected, value, hint), (name,))
        raise ParameterError(name, "{} must be between %d and %d, got %d%s" % (low, high, value, hint), (name,))
    return value


def _choice(name: str, value: Any, choices: Any) -> None:
    if not isinstance(value, str) or value not in choices:
        raise ParameterError(name, "{} must be one of %s, got %r" % (", ".join(map(repr, choices)), value), (name,))


def _set(config: Any, name: str, value: Any) -> None:
    object.__setattr__(config, name, value)  # normalising a frozen dataclass's field


# ------------------------------------------------------------------ the model

#: Which wavelet pairs get the whole shift set T (the others get τ = (0, 0) only).
SHIFT_MODES = {
    "all": "every pair",
    "same_colour": "pairs of the same colour channel (the paper's colour default; = 'all' for gray)",
    "same_scale_orientation": "pairs of the same colour, scale and orientation (j = j', l = l')",
    "none": "no pair: τ = (0, 0) only",
}


@dataclass(frozen=True)
class ModelConfig:
    """Options of the ALPHA model; ``None`` means the paper's default for the colour mode.

    Parameters
    ----------
    n_scales : int
        J, number of wavelet scales (default 5). Images need sides of at least 2^(J+1).
    n_orientations : int
        L, number of orientations (default 4).
    n_phases : int
        A, number of rectifier phases (default 4).
    delta_j : int or None
        Largest scale gap j' − j of the covariances (paper: 2 for gray, 4 for colour).
    shifts : str or None
        One of :data:`SHIFT_MODES` (paper: ``"all"`` for gray, ``"same_colour"`` for colour).
        Shift modes concern the wavelet covariances; low-pass and Haar terms always use T.
    masks : bool
        Border masks on (default; for non-periodic exemplars) or off.

    Examples
    --------
    >>> ModelConfig().resolved(n_colours=3).delta_j
    4
    >>> ModelConfig(n_scales=0)
    Traceback (most recent call last):
    ...
    wavetex.errors.ParameterError: n_scales must be between 1 and 10, got 0; the paper uses 5 (J)
    """

    n_scales: int = 5
    n_orientations: int = 4
    n_phases: int = 4
    delta_j: int | None = None
    shifts: str | None = None
    masks: bool = True

    def __post_init__(self) -> None:
        _set(self, "n_scales", _integer("n_scales", self.n_scales, 1, MAX_SCALES, "the paper uses 5 (J)"))
        _set(self, "n_orientations", _integer(
            "n_orientations", self.n_orientations, 1, MAX_ORIENTATIONS, "the paper uses 4 (L)"))
        _set(self, "n_phases", _integer("n_phases", self.n_phases, 1, MAX_PHASES, "the paper uses 4 (A)"))
        if self.delta_j is not None:
            _set(self, "delta_j", _integer(
                "delta_j", self.delta_j, 0, MAX_SCALES, "the paper uses 2 for gray, 4 for colour"))
        if self.shifts is not None and (not isinstance(self.shifts, str) or self.shifts not in SHIFT_MODES):
            raise ParameterError(
                "shifts",
                "{} must be one of %s (or None for the paper's default), got %r"
                % (", ".join(map(repr, SHIFT_MODES)), self.shifts),
                ("shifts",),
            )
        if not isinstance(self.masks, bool):
            raise TypeError(f"masks must be True or False, got {self.masks!r}")

    def resolved(self, n_colours: int) -> "ModelConfig":
        """The configuration with the paper's defaults filled in for gray (1) or colour (3)."""
        colour = n_colours == 3
        return replace(
            self,
            delta_j=self.delta_j if self.delta_j is not None else (4 if colour else 2),
            shifts=self.shifts if self.shifts is not None else ("same_colour" if colour else "all"),
        )

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> "ModelConfig":
        """A configuration from keyword options, refusing names that are no model option.

        Examples
        --------
        >>> ModelConfig.from_options({"n_scales": 3}).n_scales
        3
        """
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(options) - known)
        if unknown:
            raise TypeError(
                f"unknown model option(s) {', '.join(unknown)}; expected some of {', '.join(sorted(known))}"
            )
        return cls(**options)


# ------------------------------------------------------------------ the schedule


@dataclass(frozen=True)
class Schedule:
    """How long to optimise: ``runs`` L-BFGS runs (fresh history each) of ``max_iter``
    iterations, at most ``full_iter`` in all (``None``: no limit but the runs'), stopping
    early once the loss decreased by less than a fraction ``min_decrease`` over the last
    ``window`` iterations (``None``: never). With ``coarse_iter`` > 0, a first stage of
    that many iterations, in runs of ``max_iter``, synthesises at half the resolution
    with one scale fewer, and its result, upsampled, starts the runs. A configuration's
    ``max_iter`` replaces the full-resolution stage's limit (``full_iter`` and the runs').
    """

    runs_gray: int
    runs_colour: int
    max_iter: int
    history_size: int = 50
    min_decrease: float | None = None
    window: int = 50
    coarse_iter: int = 0
    max_iter_colour: int | None = None  # per-run limit for colour models; None: max_iter
    coarse_iter_colour: int | None = None  # coarse iterations for colour models; None: coarse_iter
    full_iter: int | None = None  # at most this many full-resolution iterations (gray and colour); None: all runs

    def __post_init__(self) -> None:
        for name in ("runs_gray", "runs_colour", "max_iter", "history_size", "window"):
            _set(self, name, _integer(name, getattr(self, name), 1))
        _set(self, "coarse_iter", _integer("coarse_iter", self.coarse_iter, 0))
        if self.max_iter_colour is not None:
            _set(self, "max_iter_colour", _integer("max_iter_colour", self.max_iter_colour, 1))
        if self.coarse_iter_colour is not None:
            _set(self, "coarse_iter_colour", _integer("coarse_iter_colour", self.coarse_iter_colour, 0))
        if self.full_iter is not None:
            _set(self, "full_iter", _integer("full_iter", self.full_iter, 1))
        if self.min_decrease is not None and not 0 < self.min_decrease < 1:
            raise ParameterError("min_decrease", "{} must lie in (0, 1), got %r" % (self.min_decrease,), ("min_decrease",))

    def runs(self, n_colours: int) -> int:
        """L-BFGS runs for a gray (1) or colour (3) model.

        Examples
        --------
        >>> SCHEDULES["paper"].runs(1), SCHEDULES["paper"].runs(3)
        (5, 2)
        """
        return self.runs_colour if n_colours == 3 else self.runs_gray

    def iterations(self, n_colours: int) -> int:
        """Iteration limit of one run for a gray (1) or colour (3) model.

        Examples
        --------
        >>> SCHEDULES["paper"].iterations(3)
        500
        """
        return self.max_iter_colour if n_colours == 3 and self.max_iter_colour is not None else self.max_iter

    def full_iterations(self, n_colours: int) -> int:
        """Iterations of the full-resolution stage for a gray (1) or colour (3) model: all
        its runs', or ``full_iter`` where that is fewer.

        Examples
        --------
        >>> SCHEDULES["paper"].full_iterations(1), SCHEDULES["default"].full_iterations(1)
        (2500, 40)
        """
        every_run = self.runs(n_colours) * self.iterations(n_colours)
        return every_run if self.full_iter is None else min(self.full_iter, every_run)

    def coarse_iterations(self, n_colours: int) -> int:
        """Iterations of the coarse stage for a gray (1) or colour (3) model (0: none).

        Examples
        --------
        >>> SCHEDULES["default"].coarse_iterations(1), SCHEDULES["default"].coarse_iterations(3)
        (450, 100)
        """
        return self.coarse_iter_colour if n_colours == 3 and self.coarse_iter_colour is not None else self.coarse_iter

    def stages(self, n_colours: int, coarse_iter: int | None = None) -> str:
        """The stages for a gray (1) or colour (3) model, as a status says them;
        ``coarse_iter`` replaces the schedule's coarse iterations (0: no coarse stage).

        Examples
        --------
        >>> SCHEDULES["default"].stages(1), SCHEDULES["default"].stages(3), SCHEDULES["default"].stages(3, coarse_iter=0)
        ('450 coarse + 40', '100 coarse + 30', '30')
        >>> SCHEDULES["paper"].stages(1, coarse_iter=50)
        '50 coarse + 5 runs of 500'
        """
        runs, per_run, total = self.runs(n_colours), self.iterations(n_colours), self.full_iterations(n_colours)
        full = f"{runs} runs of {per_run}" if runs > 1 and total == runs * per_run else f"{total}"
        coarse = self.coarse_iterations(n_colours) if coarse_iter is None else coarse_iter
        return f"{coarse} coarse + {full}" if coarse else full


SCHEDULES: dict[str, Schedule] = {
    # The paper: 5 runs of 500 iterations for gray, 2 for colour (docs/model.md, "Synthesis").
    "paper": Schedule(runs_gray=5, runs_colour=2, max_iter=500),
    # Chosen by measurement (benchmarks/bench_synthesis.py; README, "Performance"): 450
    # iterations at half resolution with one scale fewer (about a fifth of the cost
    # each, in runs of 100), then at most 40 at full resolution. The coarse iterations
    # are what removes defects on structured textures and the full-resolution ones after
    # the first 30-40 change little: against the former 300 coarse + 100, fewer defect
    # windows on brick, brick turned and cells, every seed, in about four fifths of the
    # time (docs/fidelity.md, "Levers"). Colour: 100 coarse + 30 (a colour iteration
    # costs about four gray ones; from 100 to 300 coarse iterations and from 30 to 120
    # full-resolution ones, none of the judges moved on retina and galaxies,
    # docs/benchmarks.md).
    "default": Schedule(
        runs_gray=1, runs_colour=1, max_iter=100, max_iter_colour=30, min_decrease=0.05, window=50, coarse_iter=450,
        coarse_iter_colour=100, full_iter=40,
    ),
}

INITS = ("noise", "spectrum")
DTYPES = ("float32", "float64")
#: What the synthesis matches (see :class:`SynthesisConfig`).
OBJECTIVES = {
    "periodic": "circular statistics of the synthesis against those of the exemplar's periodic component",
    "paper": "the paper's loss: masked statistics of the synthesis against the masked exemplar's",
}

# ------------------------------------------------------------------ sizes

_SIZE = re.compile(r"\s*(\d+)\s*(?:[x×X*]\s*(\d+)\s*)?")


def parse_size(value: Any) -> tuple[int, int]:
    """``"WxH"`` (width first, as on the command line) or ``N`` -> ``(height, width)``.

    Examples
    --------
    >>> parse_size("384x256"), parse_size(64), parse_size("128")
    ((256, 384), (64, 64), (128, 128))
    """
    if not isinstance(value, bool):
        try:
            value = str(operator.index(value))
        except TypeError:
            pass
    match = _SIZE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f'size {value!r} is not a size; write "WIDTHxHEIGHT" in pixels (e.g. "256x128") or N for N×N')
    width = int(match[1])
    height = int(match[2]) if match[2] is not None else width
    if width < 1 or height < 1:
        raise ValueError(f"size {value!r} has a side of 0 pixels; each side needs at least 1 pixel")
    return height, width


def _size(value: Any, name: str = "size") -> tuple[int, int]:
    """(height, width) as two ints from 1 to :data:`MAX_SIDE` (numpy integers accepted)."""
    bad = ParameterError(name, "{} must be (height, width) in pixels, got %r" % (value,), (name,))
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        raise bad
    sides = []
    for side in value:
        try:
            if isinstance(side, bool):
                raise TypeError
            side = operator.index(side)
        except TypeError:
            raise bad from None
        if side < 1:
            raise bad
        sides.append(side)
    if max(sides) > MAX_SIDE:
        raise ParameterError(
            name,
            "{} of %d×%d pixels (width×height) is too large (at most %d per side); ask for a smaller size"
            % (sides[1], sides[0], MAX_SIDE),
            (name,),
        )
    return sides[0], sides[1]


# ------------------------------------------------------------------ the synthesis


@dataclass(frozen=True)
class SynthesisConfig:
    """Everything that determines a synthesis (with the exemplar and the versions).

    Parameters
    ----------
    size : (int, int) or None
        Output (height, width); None for the exemplar's size.
    n_samples : int
        Independent syntheses, optimised together as a batch.
    seed : int
        Sample k starts from noise drawn (on the CPU) with seed ``seed + k``; from 0 to
        :data:`SEED_MAX` (2**63 - 1), ``seed + n_samples - 1`` included.
    schedule : str
        A name of :data:`SCHEDULES`: ``"default"`` (fast) or ``"paper"``.
    max_iter : int or None
        Cap on L-BFGS iterations per sample, all runs together.
    coarse_iter : int or None
        Iterations of the coarse stage, which synthesises at half the resolution with one
        scale fewer and starts the full-resolution runs from its result, upsampled;
        ``None``: the schedule's (for ``"default"`` 300 gray, 150 colour; none for
        ``"paper"``); ``0``: no coarse stage.
    time_budget : float or None
        Wall-time budget in seconds; the best images so far are returned when spent.
    init : str
        ``"noise"``: Gaussian noise with the exemplar's per-channel mean and std (the
        paper); ``"spectrum"``: noise with the exemplar's power spectrum.
    device : str
        ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
    dtype : str
        ``"float32"`` or ``"float64"``.
    histogram_match : bool
        Match each channel's histogram to the exemplar's afterwards, as the paper does
        (with the periodic objective, to its periodic component's: the image the
        statistics came from).
    objective : str
        ``"periodic"`` (default): the synthesis is periodic and tiles without a seam;
        its circular statistics match those of the exemplar's periodic component
        (:func:`wavetex.representation.periodic_component`), so the jumps between the
        exemplar's opposite borders — uneven light, strong structure — are not
        reproduced as straight edges and bands. ``"paper"``: the authors' loss, the
        border-masked statistics of both images (the synthesis keeps an unconstrained
        band along its borders, a seam when tiled).
    probe_every : int or None
        Run the memorization probe (:func:`wavetex.memorization.probe`) on every sample
        each ``probe_every`` iterations; the scores land in ``SynthesisResult.probe_history``.
    model : ModelConfig
        Options of the statistics.

    Examples
    --------
    >>> config = SynthesisConfig(size=(128, 192), n_samples=2, seed=7)
    >>> config.schedule, config.objective, config.model.n_scales
    ('default', 'periodic', 5)
    >>> SynthesisConfig.from_dict(config.to_dict()) == config
    True
    >>> SynthesisConfig(schedule="fast")
    Traceback (most recent call last):
    ...
    wavetex.errors.ParameterError: schedule must be one of 'paper', 'default', got 'fast'
    """

    size: tuple[int, int] | None = None
    n_samples: int = 1
    seed: int = 0
    schedule: str = "default"
    max_iter: int | None = None
    coarse_iter: int | None = None
    time_budget: float | None = None
    init: str = "noise"
    device: str = "auto"
    dtype: str = "float32"
    histogram_match: bool = True
    objective: str = "periodic"
    probe_every: int | None = None
    model: ModelConfig = field(default_factory=ModelConfig)

    def __post_init__(self) -> None:
        _choice("schedule", self.schedule, SCHEDULES)
        _choice("objective", self.objective, OBJECTIVES)
        _choice("init", self.init, INITS)
        _choice("dtype", self.dtype, DTYPES)
        _set(self, "n_samples", _integer("n_samples", self.n_samples, 1))
        for name in ("max_iter", "probe_every"):
            if getattr(self, name) is not None:
                _set(self, name, _integer(name, getattr(self, name), 1))
        if self.coarse_iter is not None:
            _set(self, "coarse_iter", _integer("coarse_iter", self.coarse_iter, 0))
        _set(self, "seed", _integer("seed", self.seed, 0, SEED_MAX))
        if self.seed + self.n_samples - 1 > SEED_MAX:
            raise ParameterError(
                "seed",
                "sample k uses seed + k, so with {} the largest {} is %d (2**63 - 1 in all), got %d"
                % (SEED_MAX - self.n_samples + 1, self.seed),
                ("n_samples", self.n_samples),
                ("seed",),
            )
        if self.time_budget is not None:
            budget = self.time_budget
            if isinstance(budget, bool) or not isinstance(budget, numbers.Real):
                raise TypeError(
                    f"time_budget must be a number of seconds, got {budget!r} ({type(budget).__name__}); "
                    "pass e.g. time_budget=60.0"
                )
            budget = float(budget)
            if not budget > 0 or math.isnan(budget):
                raise ParameterError(
                    "time_budget", "{} must be a positive number of seconds, got %r" % (self.time_budget,),
                    ("time_budget",),
                )
            _set(self, "time_budget", budget)
        if self.size is not None:
            _set(self, "size", _size(self.size))
        if not isinstance(self.device, str):
            raise TypeError(f"device must be a string such as 'cpu' or 'cuda', got {self.device!r}")
        if not isinstance(self.histogram_match, bool):
            raise TypeError(f"histogram_match must be True or False, got {self.histogram_match!r}")
        if not isinstance(self.model, ModelConfig):
            raise TypeError(f"model must be a ModelConfig, got {type(self.model).__name__}")

    def seeds(self) -> list[int]:
        """The seed of each sample: ``seed + k`` for sample k.

        Examples
        --------
        >>> SynthesisConfig(seed=7, n_samples=3).seeds()
        [7, 8, 9]
        """
        return [self.seed + k for k in range(self.n_samples)]

    def coarse_iterations(self, n_colours: int) -> int:
        """Iterations of the coarse stage of a gray (1) or colour (3) synthesis:
        ``coarse_iter``, or the schedule's.

        Examples
        --------
        >>> SynthesisConfig().coarse_iterations(1), SynthesisConfig().coarse_iterations(3)
        (450, 100)
        >>> SynthesisConfig(coarse_iter=0).coarse_iterations(3), SynthesisConfig(schedule="paper").coarse_iterations(1)
        (0, 0)
        """
        return SCHEDULES[self.schedule].coarse_iterations(n_colours) if self.coarse_iter is None else self.coarse_iter

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["size"] = list(self.size) if self.size is not None else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "SynthesisConfig":
        data = dict(data)
        data["model"] = ModelConfig(**data["model"])
        data["size"] = tuple(data["size"]) if data.get("size") is not None else None
        return cls(**data)


def synthesis_config(config: SynthesisConfig | None, options: dict[str, Any]) -> SynthesisConfig:
    """One configuration from ``config=`` or keyword options (model options included).

    Examples
    --------
    >>> synthesis_config(None, {"n_scales": 3, "seed": 2}).model.n_scales
    3
    """
    options = dict(options)
    model_fields = set(ModelConfig.__dataclass_fields__)
    model_options = {k: options.pop(k) for k in list(options) if k in model_fields}
    if config is not None:
        if options or model_options:
            raise TypeError("pass either config=SynthesisConfig(...) or options, not both")
        if not isinstance(config, SynthesisConfig):
            raise TypeError(f"config must be a SynthesisConfig, got {type(config).__name__}")
        return config
    unknown = sorted(set(options) - set(SynthesisConfig.__dataclass_fields__))
    if unknown:
        raise TypeError(
            f"unknown option(s) {', '.join(unknown)}; expected synthesis options "
            f"{', '.join(SynthesisConfig.__dataclass_fields__)} or model options {', '.join(sorted(model_fields))}"
        )
    if model_options:
        options["model"] = replace(options.get("model", ModelConfig()), **model_options)
    return SynthesisConfig(**options)


def resolve_device(name: str) -> Any:
    """The torch device a configuration's ``device`` names (``"auto"``: CUDA when available)."""
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    alternatives = (("device", "auto"), ("device", "cpu"), ("device", "cuda"))
    try:
        device = torch.device(name)
    except RuntimeError as error:
        raise ParameterError("device", "unknown {}; use {}, {} or {}", ("device", name), *alternatives) from error
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ParameterError(
            "device", "{} was requested but no CUDA GPU is available; use {} or {}", ("device", name), *alternatives[:2]
        )
    if device.type not in ("cpu", "cuda"):
        raise ParameterError("device", "{} is not supported; use {}, {} or {}", ("device", name), *alternatives)
    return device


# ------------------------------------------------------------------ what depends on the exemplar


def check_image_size(size: tuple[int, int], n_scales: int, what: str = "image") -> None:
    """The (height, width) ``size`` must fit the model's n_scales; the message is width first.

    Examples
    --------
    >>> check_image_size((20, 100), 4, "output")
    Traceback (most recent call last):
    ...
    wavetex.errors.ParameterError: the output of 100×20 pixels (width×height) is too small for n_scales=4, \
which needs at least 32 pixels per side; use n_scales=3 or less, or a larger output
    """
    height, width = int(size[0]), int(size[1])
    need = minimum_side(n_scales)
    if min(height, width) < need:
        fit = largest_fitting_scales(height, width)
        if fit >= 1:
            remedy = "use {} or less, or a larger %s" % what
            arguments = [("n_scales", fit)]
        else:
            remedy = "use a larger %s: at least %d pixels wide and high (or at least %d with {})" % (
                what, need, minimum_side(1)
            )
            arguments = [("n_scales", 1)]
        raise ParameterError(
            "n_scales",
            "the %s of %d×%d pixels (width×height) is too small for {}, which needs at least %d "
            "pixels per side; %s" % (what, width, height, need, remedy),
            ("n_scales", n_scales),
            *arguments,
        )


def check_run(
    config: SynthesisConfig, exemplar_size: tuple[int, int], n_colours: int, *, device: Any = None
) -> SynthesisConfig:
    """Check a configuration against its exemplar; return it with the output size filled in.

    The exemplar and the output must fit the model's number of scales, and the run
    must fit in memory (:func:`memory_needed` against :func:`memory_available`).

    Parameters
    ----------
    config : SynthesisConfig
    exemplar_size : (int, int)
        (height, width) of the image the statistics are fitted to.
    n_colours : int
        1 (gray) or 3 (colour).
    device : torch.device, optional
        Where the run computes; its free memory is compared with the estimate (default:
        the CPU's).

    Examples
    --------
    >>> check_run(SynthesisConfig(model=ModelConfig(n_scales=3)), (64, 48), 1).size
    (64, 48)
    """
    check_image_size(exemplar_size, config.model.n_scales, "exemplar")
    size = config.size if config.size is not None else _size(exemplar_size)
    check_image_size(size, config.model.n_scales, "output")
    config = replace(config, size=size)
    needed = memory_needed(config, exemplar_size, n_colours)
    available = memory_available(device)
    if available is not None and needed > available:
        height, width = size
        raise ParameterError(
            "size",
            "a synthesis of %d sample(s) of %d×%d pixels (width×height)%s needs about %s of memory, "
            "but %s is available; ask for a smaller {}, fewer {} or fewer {}"
            % (config.n_samples, width, height, " in colour" if n_colours == 3 else "",
               _gigabytes(needed), _gigabytes(available)),
            ("size",), ("n_samples",), ("n_scales",),
        )
    return config


# ------------------------------------------------------------------ memory

# The model: BASE_BYTES + pixels × samples × channels × (BYTES_PER_RESPONSE × responses ×
# bytes of the dtype + BYTES_PER_PIXEL), responses = J·L·A + 2. Fitted to peak resident
# memory measured on the CPU (paper schedule, 2 iterations, float32, torch 2.13): gray
# 128², 256², 384² (J = 5): 387, 507, 724 MiB, estimated 457, 626, 910; colour 128²,
# 256²: 577, 896 MiB, estimated 570, 1080; gray 256² × 2 samples: 729, estimated 853;
# gray 256² J = 3: 397, estimated 562; gray 96² -> 192² J = 4 adds 81 MiB, estimated 82.
# Fitting alone (no gradient) costs about half the response term: TextureStatistics of
# 256², 512² gray, 512² colour in float64: 498, 1081, 2444 MiB. Small runs vary by tens
# of MiB with what the interpreter has loaded; at large images, where the check matters,
# the model errs on the large side (tests/test_config.py checks it against a measured run).
BYTES_PER_RESPONSE = 8.0
BYTES_PER_PIXEL = 1000.0
#: Fixed cost: the interpreter, torch, the filters and their cache.
BASE_BYTES = 400 * 2**20


def _bytes_per_pixel(model: ModelConfig, n_colours: int, item: int, gradient: bool) -> float:
    responses = model.n_scales * model.n_orientations * model.n_phases + 2
    return n_colours * (BYTES_PER_RESPONSE * responses * item * (1.0 if gradient else 0.5) + BYTES_PER_PIXEL)


def memory_needed(config: SynthesisConfig, exemplar_size: tuple[int, int], n_colours: int) -> int:
    """Estimated peak memory in bytes of a run: the larger of fitting the exemplar and
    optimising the batch, each proportional to pixels × responses (see :data:`BYTES_PER_RESPONSE`).

    Examples
    --------
    >>> small = memory_needed(SynthesisConfig(size=(64, 64)), (64, 64), 1)
    >>> large = memory_needed(SynthesisConfig(size=(64, 64), n_samples=100_000), (64, 64), 1)
    >>> large > 1000 * small
    True
    """
    item = 8 if config.dtype == "float64" else 4
    height, width = config.size if config.size is not None else exemplar_size
    fit = exemplar_size[0] * exemplar_size[1] * _bytes_per_pixel(config.model, n_colours, item, gradient=False)
    run = config.n_samples * height * width * _bytes_per_pixel(config.model, n_colours, item, gradient=True)
    return int(BASE_BYTES + max(fit, run))


def check_fit_memory(size: tuple[int, int], n_colours: int, model: ModelConfig, item: int, device: Any = None) -> None:
    """Refuse to fit statistics to an image (``item`` bytes per value) that would not fit in memory."""
    needed = BASE_BYTES + size[0] * size[1] * _bytes_per_pixel(model, n_colours, item, gradient=False)
    available = memory_available(device)
    if available is not None and needed > available:
        raise ParameterError(
            "n_scales",
            "the statistics of a %d×%d %s image (width×height) with {} need about %s of memory, but %s is "
            "available; use a smaller image (crop or downscale it) or fewer {}"
            % (size[1], size[0], "colour" if n_colours == 3 else "gray", _gigabytes(needed), _gigabytes(available)),
            ("n_scales", model.n_scales), ("n_scales",),
        )


def memory_available(device: Any = None) -> int | None:
    """Bytes of memory available to a new computation: on a CUDA device its free
    memory, else ``MemAvailable`` of /proc/meminfo (or the free pages); None where
    nothing can be read."""
    if device is not None and getattr(device, "type", None) == "cuda":
        import torch

        try:
            return int(torch.cuda.mem_get_info(device)[0])
        except (RuntimeError, AssertionError):
            return None
    try:
        with open("/proc/meminfo", encoding="ascii") as file:
            for line in file:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _gigabytes(n_bytes: float) -> str:
    return f"{n_bytes / 2**30:.1f} GiB"
