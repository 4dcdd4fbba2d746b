"""Configuration of a synthesis: schedules, options and their checks.

One source of truth for every default; the command line reads them from here.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from .errors import ParameterError
from .statistics import ModelConfig

__all__ = [
    "Schedule", "SCHEDULES", "SynthesisConfig", "INITS", "DTYPES", "OBJECTIVES", "SEED_MAX", "MAX_SIDE", "output_size"
]

@dataclass(frozen=True)
class Schedule:
    """How long to optimise: ``runs`` L-BFGS runs (fresh history each) of ``max_iter``
    iterations, stopping early once the loss decreased by less than a fraction
    ``min_decrease`` over the last ``window`` iterations (``None``: never). With
    ``coarse_iter`` > 0, a first stage of that many iterations synthesises at half the
    resolution with one scale fewer, and its result, upsampled, starts the runs."""

    runs_gray: int
    runs_colour: int
    max_iter: int
    history_size: int = 50
    min_decrease: float | None = None
    window: int = 50
    coarse_iter: int = 0
    max_iter_colour: int | None = None  # per-run limit for colour models; None: max_iter

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


SCHEDULES: dict[str, Schedule] = {
    # The paper: 5 runs of 500 iterations for gray, 2 for colour (docs/model.md, "Synthesis").
    "paper": Schedule(runs_gray=5, runs_colour=2, max_iter=500),
    # Chosen by measurement (benchmarks/bench_synthesis.py; README, "Performance"): 150
    # iterations at half resolution with one scale fewer (about a sixth of the cost
    # each), then one run of at most 100 iterations (120 for colour: its time budget is
    # larger), stopped earlier when the loss falls by less than 5 % over 50.
    "default": Schedule(
        runs_gray=1, runs_colour=1, max_iter=100, max_iter_colour=120, min_decrease=0.05, window=50, coarse_iter=150
    ),
}

SEED_MAX = 2**63 - 1
"""Largest seed: torch's CPU generator keeps 63 bits, so 2**63 would repeat seed 0."""
MAX_SIDE = 8192
"""Largest side, in pixels, of a synthesis."""

INITS = ("noise", "spectrum")
DTYPES = ("float32", "float64")
#: What the synthesis matches (see :class:`SynthesisConfig`).
OBJECTIVES = {
    "periodic": "circular statistics of the synthesis against those of the exemplar's periodic component",
    "paper": "the paper's loss: masked statistics of the synthesis against the masked exemplar's",
}


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
    """

    size: tuple[int, int] | None = None
    n_samples: int = 1
    seed: int = 0
    schedule: str = "default"
    max_iter: int | None = None
    time_budget: float | None = None
    init: str = "noise"
    device: str = "auto"
    dtype: str = "float32"
    histogram_match: bool = True
    objective: str = "periodic"
    probe_every: int | None = None
    model: ModelConfig = field(default_factory=ModelConfig)

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


def output_size(config: SynthesisConfig, exemplar_size: tuple[int, int]) -> tuple[int, int]:
    """Check the options of ``config`` and return the output (height, width)."""
    for name, choices in (("schedule", SCHEDULES), ("objective", OBJECTIVES), ("init", INITS)):
        if getattr(config, name) not in choices:
            raise ParameterError(
                name, "{} must be one of %s, got %r" % (", ".join(choices), getattr(config, name)), (name,)
            )
    optional = tuple(name for name in ("max_iter", "probe_every") if getattr(config, name) is not None)
    for name in ("n_samples",) + optional:
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ParameterError(name, "{} must be a positive integer, got %r" % (value,), (name,))
    if isinstance(config.seed, bool) or not isinstance(config.seed, int) or not 0 <= config.seed <= SEED_MAX:
        raise ParameterError(
            "seed", "{} must be an integer from 0 to 2**63 - 1 (%d), got %r" % (SEED_MAX, config.seed), ("seed",)
        )
    if config.seed + config.n_samples - 1 > SEED_MAX:
        raise ParameterError(
            "seed",
            "sample k uses seed + k, so with {} the largest {} is %d (2**63 - 1 in all), got %d"
            % (SEED_MAX - config.n_samples + 1, config.seed),
            ("n_samples", config.n_samples),
            ("seed",),
        )
    if config.time_budget is not None and not config.time_budget > 0:
        raise ParameterError(
            "time_budget", "{} must be a positive number of seconds, got %r" % (config.time_budget,), ("time_budget",)
        )
    size = tuple(config.size) if config.size is not None else exemplar_size
    if len(size) != 2 or any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in size):
        raise ParameterError("size", "{} must be (height, width) in pixels, got %r" % (config.size,), ("size",))
    if max(size) > MAX_SIDE:
        raise ParameterError(
            "size",
            "{} of %d×%d pixels (width×height) is too large (at most %d per side); ask for a smaller size"
            % (size[1], size[0], MAX_SIDE),
            ("size",),
        )
    return size
