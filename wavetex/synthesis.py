"""Texture synthesis: match the ALPHA statistics of an exemplar with L-BFGS.

:func:`synthesize` starts from noise and minimises, for each sample independently,

    L(x) = 1e-6 · (M̄N̄)² · ‖Φ(x) − Φ(x̄)‖²  (+ ‖C(x) − C(x̄)‖² for colour)

where Φ are the statistics as means over pixels and M̄N̄ the exemplar's pixel count, so
that at the exemplar's size L is the paper's loss on sums. The synthesis is periodic, so
its statistics are circular (every pixel counts) and the exemplar's are estimated from
its interior (:meth:`TextureStatistics.circular`, ``target_circular``): the output tiles
without a seam. (The paper applies the exemplar's border masks to the synthesis too,
which leaves a band along the borders unconstrained — a visible seam when tiled; with
``masks=False`` both coincide.) Samples are optimised
together as a batch (one statistics evaluation for all), each with its own L-BFGS
(:mod:`wavetex.lbfgs`), so a batch gives the same images as samples run one by one.
"""

from __future__ import annotations

import dataclasses
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from . import _validate
from . import io as wio
from ._layout import channels_last
from .errors import ParameterError, SynthesisError
from .lbfgs import LBFGSOptions, SampleState, lbfgs_run, minimize_batch
from .statistics import ModelConfig, TextureStatistics

__all__ = [
    "Schedule",
    "SCHEDULES",
    "SynthesisConfig",
    "SynthesisResult",
    "SynthesisError",
    "SEED_MAX",
    "synthesize",
    "statistics_error",
]

LOSS_WEIGHT = 1e-6  # the paper's weight on squared differences of summed statistics
SEED_MAX = 2**63 - 1
"""Largest seed: torch's CPU generator keeps 63 bits, so 2**63 would repeat seed 0."""
MAX_SIDE = 8192
"""Largest side, in pixels, of a synthesis."""


@dataclass(frozen=True)
class Schedule:
    """How long to optimise: ``runs`` L-BFGS runs (fresh history each) of ``max_iter``
    iterations, stopping early once the loss decreased by less than a fraction
    ``min_decrease`` over the last ``window`` iterations (``None``: never)."""

    runs_gray: int
    runs_colour: int
    max_iter: int
    history_size: int = 50
    min_decrease: float | None = None
    window: int = 50

    def runs(self, n_colours: int) -> int:
        return self.runs_colour if n_colours == 3 else self.runs_gray


SCHEDULES: dict[str, Schedule] = {
    # The paper: 5 runs of 500 iterations for gray, 2 for colour (docs/model.md, Synthesis).
    "paper": Schedule(runs_gray=5, runs_colour=2, max_iter=500),
    # Chosen by measurement (benchmarks/bench_synthesis.py, 256² gravel, 2 threads): the
    # paper's 2500 iterations reach a statistics error of 0.0091 in about 19 minutes;
    # 1.25× that (0.0114) is reached after ~190 iterations, 0.0105 after ~300. One run of
    # at most 300 iterations, stopped earlier when the loss falls by less than 5 % over
    # 50 iterations.
    "default": Schedule(runs_gray=1, runs_colour=1, max_iter=300, min_decrease=0.05, window=50),
}

INITS = ("noise", "spectrum")
DTYPES = ("float32", "float64")


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
        Match each channel's histogram to the exemplar's afterwards (the paper does).
    probe_every : int or None
        Run the memorization probe (:func:`wavetex.memorization.probe`) on every sample
        each ``probe_every`` iterations; the scores land in ``SynthesisResult.probe_history``.
    model : ModelConfig
        Options of the statistics.
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


def versions() -> dict[str, str]:
    """Versions of wavetex and of the libraries that determine its results."""
    from importlib.metadata import PackageNotFoundError, version

    from . import __version__

    found = {"wavetex": __version__, "python": sys.version.split()[0]}
    for package in ("torch", "kymatio", "numpy", "scikit-image"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:  # pragma: no cover - all are dependencies
            found[package] = "unknown"
    return found


@dataclass(frozen=True)
class SynthesisResult:
    """Images and the record of how they were made.

    Images are numpy arrays with values in [0, 1] (matched) or unbounded (raw), shape
    (n_samples, H, W) for gray and (n_samples, H, W, 3) for colour.
    """

    images: np.ndarray
    raw_images: np.ndarray
    loss_history: list[list[float]]  # per sample, after each iteration
    error_history: list[list[float]]  # per sample, statistics error after each iteration
    initial_losses: list[float]
    initial_errors: list[float]
    losses: list[float]
    errors: list[float]  # ‖Φ(s) − Φ(x̄)‖ / ‖Φ(x̄)‖ per sample
    block_errors: list[dict[str, float]]  # the same per block (wavelet, lowpass, haar, colour)
    n_iterations: list[int]
    n_evaluations: list[int]
    stop_reasons: list[str]
    wall_time: float
    device: str
    dtype: str
    seeds: list[int]
    config: SynthesisConfig
    versions: dict[str, str]
    interrupted: bool = False
    probe_history: list[dict[str, Any]] = field(default_factory=list)  # per checkpoint, see probe_every
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def n_samples(self) -> int:
        return self.images.shape[0]

    def metadata(self) -> dict[str, Any]:
        """Everything but the images, as plain JSON-ready data."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        del data["images"], data["raw_images"]
        data["config"] = self.config.to_dict()
        return data

    @staticmethod
    def output_paths(path: str | Path, n_samples: int) -> list[Path]:
        """Every file :meth:`save` writes: the images (``path`` for one sample, else
        ``<stem>_<k><suffix>`` for each sample k), then ``<stem>.json`` and ``<stem>.npy``."""
        path = Path(path)
        images = [path] if n_samples == 1 else [path.with_name(f"{path.stem}_{k}{path.suffix}") for k in range(n_samples)]
        return images + [path.with_suffix(".json"), path.with_suffix(".npy")]

    def save(self, path: str | Path, *, overwrite: bool = False, bit_depth: int = 8) -> list[Path]:
        """Write the image(s), a JSON sidecar ``<stem>.json`` and the raw floats ``<stem>.npy``.

        Nothing is written if any target exists and ``overwrite`` is False.
        Returns the paths written.
        """
        path = Path(path)
        targets = self.output_paths(path, self.n_samples)
        if not overwrite:
            for target in targets:
                if target.exists():
                    raise FileExistsError(f"{target} exists; pass overwrite=True (--force) to replace it")
        written = [
            wio.write_image(target, image, bit_depth=bit_depth, overwrite=overwrite)
            for target, image in zip(targets, self.images)
        ]
        metadata = self.metadata()
        metadata["files"] = {"images": [p.name for p in written], "raw": path.with_suffix(".npy").name}
        written.append(wio.write_json(path.with_suffix(".json"), metadata, overwrite=overwrite))
        written.append(
            wio.atomic_write(path.with_suffix(".npy"), lambda p: np.save(p, self.raw_images), overwrite=overwrite)
        )
        return written

    @classmethod
    def load(cls, path: str | Path) -> "SynthesisResult":
        """Read back what :meth:`save` wrote (give the image path or the sidecar's)."""
        sidecar = Path(path).with_suffix(".json")
        data = wio.read_json(sidecar)
        files = data.pop("files")
        images = np.stack([wio.read_image(sidecar.with_name(name)) for name in files["images"]])
        raw = np.load(sidecar.with_name(files["raw"]))
        data["config"] = SynthesisConfig.from_dict(data["config"])
        return cls(images=images, raw_images=raw, **data)


def statistics_error(values: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """‖Φ(s) − Φ(x̄)‖ / ‖Φ(x̄)‖ along the last dimension."""
    return (values - target).norm(dim=-1) / target.norm()


def _resolve_device(name: str) -> torch.device:
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


def _validate_config(config: SynthesisConfig, exemplar_size: tuple[int, int]) -> tuple[int, int]:
    for name, choices in (("schedule", SCHEDULES), ("init", INITS)):
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


def initial_images(
    exemplar: torch.Tensor, size: tuple[int, int], seeds: list[int], init: str
) -> torch.Tensor:
    """Starting images (B, C, H, W) in float64 on the CPU, one seed per sample.

    ``"noise"``: i.i.d. Gaussian with the exemplar's per-channel mean and unbiased std.
    ``"spectrum"``: Gaussian noise whitened and filtered with the exemplar's amplitude
    spectrum (the exemplar is periodically extended or cropped to the output size),
    with the exemplar's per-channel mean; one random phase field for all channels.
    """
    exemplar = exemplar.detach().double().cpu()
    C = exemplar.shape[0]
    mean = exemplar.mean(dim=(-2, -1), keepdim=True)
    std = exemplar.flatten(1).std(dim=1)[:, None, None]
    out = []
    for seed in seeds:
        generator = torch.Generator().manual_seed(seed)
        noise = torch.randn(C, *size, generator=generator, dtype=torch.float64)
        if init == "noise":
            out.append(mean + std * noise)
            continue
        H, W = size
        rows = torch.arange(H) % exemplar.shape[-2]
        cols = torch.arange(W) % exemplar.shape[-1]
        extended = exemplar[:, rows][:, :, cols]
        amplitude = torch.fft.fft2(extended - extended.mean(dim=(-2, -1), keepdim=True)).abs()
        phase = torch.fft.fft2(noise[0])
        phase = phase / phase.abs().clamp_min(1e-12)
        out.append(mean + torch.fft.ifft2(amplitude * phase).real)
    return torch.stack(out)


def _histogram_matched(images: np.ndarray, exemplar: np.ndarray) -> np.ndarray:
    from skimage.exposure import match_histograms

    colour = exemplar.ndim == 3
    return np.stack(
        [np.clip(match_histograms(image, exemplar, channel_axis=-1 if colour else None), 0, 1) for image in images]
    )


class _Stop(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def synthesize(
    exemplar: Any,
    *,
    config: SynthesisConfig | None = None,
    progress: bool = True,
    callback: Callable[[int, torch.Tensor, torch.Tensor], None] | None = None,
    **options: Any,
) -> SynthesisResult:
    """Synthesise new images of the exemplar's texture.

    Parameters
    ----------
    exemplar : torch.Tensor or np.ndarray
        Values in [0, 1]. Tensor: (H, W) or (1, H, W) gray, (3, H, W) colour (as for
        :class:`~wavetex.TextureStatistics`); numpy array: (H, W) or (H, W, 3) (as read
        by :func:`wavetex.io.read_image`).
    config : SynthesisConfig, optional
        All options at once; or pass them as keywords (``size=(256, 384)``,
        ``n_samples=4``, ``seed=1``, ``schedule="paper"``, ...). Model options
        (``n_scales``, ``delta_j``, ...) may be given directly or as ``model=ModelConfig()``.
    progress : bool
        Show a progress bar on stderr.
    callback : callable, optional
        ``callback(step, images, losses)`` after every completed iteration of the slowest
        sample: images (B, C, H, W) and per-sample losses (B,), both detached.

    Returns
    -------
    SynthesisResult

    Raises
    ------
    SynthesisError
        If the loss becomes NaN or infinite.

    Examples
    --------
    >>> import torch, wavetex
    >>> exemplar = torch.rand(32, 32, generator=torch.Generator().manual_seed(0))
    >>> result = wavetex.synthesize(exemplar, n_scales=3, max_iter=5, progress=False)
    >>> result.images.shape, result.n_iterations
    ((1, 32, 32), [5])
    """
    model_fields = set(ModelConfig.__dataclass_fields__)
    model_options = {k: options.pop(k) for k in list(options) if k in model_fields}
    if config is not None and (options or model_options):
        raise TypeError("pass either config=SynthesisConfig(...) or options, not both")
    if config is None:
        unknown = sorted(set(options) - set(SynthesisConfig.__dataclass_fields__))
        if unknown:
            raise TypeError(
                f"unknown option(s) {', '.join(unknown)}; expected synthesis options "
                f"{', '.join(SynthesisConfig.__dataclass_fields__)} or model options {', '.join(sorted(model_fields))}"
            )
        if model_options:
            options["model"] = replace(options.get("model", ModelConfig()), **model_options)
        config = SynthesisConfig(**options)

    exemplar = _validate.exemplar(exemplar)  # (C, H, W)
    device = _resolve_device(config.device)
    if config.dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(map(repr, DTYPES))}, got {config.dtype!r}")
    dtype = getattr(torch, config.dtype)
    stats = TextureStatistics(exemplar.to(torch.float64), config=config.model)
    size = _validate_config(config, stats.exemplar_size)
    _validate.image_size(size, stats.config.n_scales, "output")
    config = replace(config, size=tuple(size), model=stats.config, device=str(device))
    if device.type == "cpu":
        torch.set_flush_denormal(True)
    stats = stats.to(device=device, dtype=dtype)
    n_colours = stats.n_colours
    exemplar_pixels = stats.exemplar_size[0] * stats.exemplar_size[1]
    weight = LOSS_WEIGHT * exemplar_pixels**2
    seeds = [config.seed + k for k in range(config.n_samples)]
    x0 = initial_images(exemplar, size, seeds, config.init).to(device=device, dtype=dtype)
    shape = x0.shape
    # The synthesis is periodic: its statistics are circular (no border masks), matched
    # to the exemplar's estimated from its interior (stats.target_circular), so that the
    # output tiles without a seam. With masks off this is exactly the paper's loss.
    target = stats.target_circular
    blocks = stats.index.block_slices()

    best_loss = [math.inf] * config.n_samples
    best_x = [x0[b].flatten().clone() for b in range(config.n_samples)]
    # statistics error of each evaluated point, by its loss: the accepted iterate of a
    # line search is one of them
    errors_by_loss: list[dict[float, float]] = [{} for _ in range(config.n_samples)]
    initial: dict[str, list[float]] = {}

    def loss_of(images: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
        """Per-sample loss (B,) of images whose circular statistics are ``values``."""
        losses = weight * (values - target).pow(2).sum(dim=1)
        if n_colours == 3:
            losses = losses + (stats.colour_correlation(images) - stats.target_colour_correlation).pow(2).sum((1, 2))
        return losses

    def evaluate(X: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        images = X.detach().view(shape).requires_grad_()
        values = stats.circular(images)
        losses = loss_of(images, values)
        if not torch.isfinite(losses).all():
            bad = [b for b in range(len(losses)) if not math.isfinite(losses[b].item())]
            raise SynthesisError(
                f"the loss became {losses[bad[0]].item()} for sample(s) {bad}: the optimisation diverged. "
                "Try {}, another {}, or fewer scales ({})",
                ("dtype", "float64"),
                ("seed",),
                ("n_scales",),
            )
        (grad,) = torch.autograd.grad(losses.sum(), images)
        with torch.no_grad():
            current_errors = statistics_error(values.detach(), target).tolist()
            if not initial:  # the first evaluation is at the starting images
                initial.update(losses=losses.tolist(), errors=current_errors)
            for b, loss in enumerate(losses.tolist()):
                errors_by_loss[b][loss] = current_errors[b]
                if loss < best_loss[b]:
                    best_loss[b] = loss
                    best_x[b] = X[b].detach().clone()
        return losses.detach(), grad.reshape(X.shape)

    schedule = SCHEDULES[config.schedule]
    run_options = LBFGSOptions(
        max_iter=schedule.max_iter, history_size=schedule.history_size, max_eval=schedule.max_iter * 5 // 4
    )
    n_runs = schedule.runs(n_colours)
    cap = config.max_iter if config.max_iter is not None else n_runs * schedule.max_iter
    n_runs = max(n_runs, math.ceil(cap / schedule.max_iter))  # a larger cap adds runs
    errors: list[list[float]] = [[] for _ in range(config.n_samples)]

    def runs(state: SampleState):
        first = None
        for _ in range(n_runs):
            remaining = cap - state.n_iter
            if remaining <= 0:
                state.stop_reason = "iteration cap"
                return
            options = replace(run_options, max_iter=min(run_options.max_iter, remaining))
            first = yield from lbfgs_run(
                state, options, first, stop=_plateau(schedule) if schedule.min_decrease else None
            )
            if state.stop_reason.startswith("converged"):
                return

    probing = config.probe_every is not None
    probe_history: list[dict[str, Any]] = []
    exemplar_np = channels_last(exemplar)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=cap, desc="synthesis", unit="it", file=sys.stderr, dynamic_ncols=True, leave=False)
    start = time.perf_counter()
    step = [0]
    iterations_seen = [0] * config.n_samples

    def on_evaluation(states: list[SampleState], X: torch.Tensor, losses: torch.Tensor) -> None:
        for b, state in enumerate(states):
            if iterations_seen[b] < state.n_iter:
                iterations_seen[b] = state.n_iter
                errors[b].append(errors_by_loss[b].get(state.loss, math.nan))
                errors_by_loss[b].clear()
        active = [s.n_iter for s in states if not s.done] or [s.n_iter for s in states]
        new_step = min(active)
        if new_step > step[0]:
            step[0] = new_step
            if bar is not None:
                bar.update(new_step - bar.n)
                current = [e[-1] for e in errors if e]
                bar.set_postfix(loss=f"{np.mean([s.loss for s in states]):.4g}", err=f"{np.mean(current):.4f}")
            if callback is not None or probing:
                images = torch.stack([s.x for s in states]).view(shape).detach()
                if callback is not None:
                    callback(new_step, images, torch.tensor([s.loss for s in states]))
                if probing and new_step % config.probe_every == 0:
                    probe_history.append(_probe_checkpoint(new_step, images, exemplar_np))
        if config.time_budget is not None and time.perf_counter() - start > config.time_budget:
            raise _Stop("time budget")

    interrupted, stop_override = False, None
    states = [SampleState(x=x.clone()) for x in x0.flatten(1)]
    try:
        minimize_batch(evaluate, states, runs, on_evaluation)
        final = torch.stack([s.x for s in states])
    except _Stop as stop:
        stop_override, final = stop.reason, torch.stack(best_x)
    except KeyboardInterrupt:
        interrupted, stop_override, final = True, "interrupted", torch.stack(best_x)
    finally:
        if bar is not None:
            bar.close()
    wall_time = time.perf_counter() - start

    with torch.no_grad():
        images = final.view(shape)
        values = stats.circular(images)
        losses = loss_of(images, values)
        block_errors = [
            {name: statistics_error(values[b, s], target[s]).item() for name, s in blocks.items()}
            for b in range(config.n_samples)
        ]
        if n_colours == 3:
            difference = stats.colour_correlation(images) - stats.target_colour_correlation
            for b in range(config.n_samples):
                block_errors[b]["colour"] = (difference[b].norm() / stats.target_colour_correlation.norm()).item()
        final_errors = statistics_error(values, target).tolist()

    raw = np.stack([channels_last(image) for image in images])
    matched = _histogram_matched(raw, exemplar_np) if config.histogram_match else np.clip(raw, 0, 1)
    return SynthesisResult(
        images=matched,
        raw_images=raw,
        loss_history=[list(s.history) for s in states],
        error_history=errors,
        initial_losses=initial.get("losses", losses.tolist()),
        initial_errors=initial.get("errors", final_errors),
        losses=losses.tolist(),
        errors=final_errors,
        block_errors=block_errors,
        n_iterations=[s.n_iter for s in states],
        n_evaluations=[s.n_evals for s in states],
        stop_reasons=[stop_override or s.stop_reason for s in states],
        wall_time=wall_time,
        device=str(device),
        dtype=config.dtype,
        seeds=seeds,
        config=config,
        versions=versions(),
        interrupted=interrupted,
        probe_history=probe_history,
    )


def _probe_checkpoint(step: int, images: torch.Tensor, exemplar: np.ndarray) -> dict[str, Any]:
    from .memorization import probe

    keys = ("verdict", "global_match", "crop_match_median", "copy_rate", "memorization_index", "excess_rate", "coherence")
    reports = [probe(channels_last(image), exemplar).to_dict() for image in images]
    return {"iteration": step, "samples": [{k: r[k] for k in keys} for r in reports]}


def _plateau(schedule: Schedule) -> Callable[[list[float]], str | None]:
    def stop(history: list[float]) -> str | None:
        w = schedule.window
        if len(history) > w and history[-w - 1] - history[-1] < schedule.min_decrease * history[-w - 1]:
            return f"converged: loss fell by less than {schedule.min_decrease:.0%} over {w} iterations"
        return None

    return stop
