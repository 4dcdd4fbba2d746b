"""Texture synthesis: match the ALPHA statistics of an exemplar with L-BFGS.

:func:`synthesize` starts from noise and minimises, for each sample independently, the
distance between the synthesis's statistics and the exemplar's (:mod:`wavetex.objective`).
By default the synthesis is periodic: its statistics are circular (every pixel counts)
and the target is the circular statistics of the exemplar's **periodic component**
(:func:`wavetex.representation.periodic_component`). An exemplar whose opposite borders
differ — uneven light, strong structure, most photographs — has a wrap-around seam that
circular filters see at every scale; matched as it is, a periodic synthesis can only
reproduce that seam by drawing straight edges and bands inside. The periodic component
has no seam, so neither has the synthesis, which also tiles. ``objective="paper"`` keeps
the authors' loss (border masks on both images).

Samples are optimised together as a batch (one statistics evaluation for all), each
with its own L-BFGS (:mod:`wavetex.lbfgs`), so a batch gives the same images as samples
run one by one. The pieces: :class:`~wavetex.objective.Objective` (loss, gradient, best
point so far), :class:`~wavetex.monitor.Monitor` (progress, budget, callback, probes),
and :func:`optimise`, the loop that wires them to L-BFGS runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import torch

from . import _validate
from .config import DTYPES, SCHEDULES, SEED_MAX, Schedule, SynthesisConfig, output_size
from .errors import ParameterError, SynthesisError
from .lbfgs import LBFGSOptions, SampleState, lbfgs_run, minimize_batch
from ._layout import channels_last
from .monitor import Callback, Monitor, Stop
from .objective import LOSS_WEIGHT, Constraint, Objective, Target, statistics_error
from .provenance import versions
from .representation import periodic_component
from .result import SynthesisResult
from .stationarity import check_stationarity
from .statistics import ModelConfig, TextureStatistics

__all__ = [
    "Schedule",
    "SCHEDULES",
    "SynthesisConfig",
    "SynthesisResult",
    "SynthesisError",
    "SEED_MAX",
    "synthesize",
    "optimise",
    "statistics_error",
]


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


def _config_of(config: SynthesisConfig | None, options: dict[str, Any]) -> SynthesisConfig:
    """One configuration from ``config=`` or keyword options (model options included)."""
    model_fields = set(ModelConfig.__dataclass_fields__)
    model_options = {k: options.pop(k) for k in list(options) if k in model_fields}
    if config is not None:
        if options or model_options:
            raise TypeError("pass either config=SynthesisConfig(...) or options, not both")
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


def synthesize(
    exemplar: Any,
    *,
    config: SynthesisConfig | None = None,
    progress: bool = True,
    callback: Callback | None = None,
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
        sample: images (B, C, H, W) and per-sample losses (B,), both detached. A
        schedule's coarse stage (half resolution, see :class:`~wavetex.config.Schedule`)
        runs first and calls nothing; ``step`` counts the full-resolution iterations.

    Returns
    -------
    SynthesisResult
        ``extra["coarse"]`` records the coarse stage when there was one;
        ``extra["stationarity"]`` whether the exemplar is one texture
        (:func:`wavetex.stationarity.check_stationarity`, a plain dict; exemplars
        under 128 pixels a side are not checked).

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
    config = _config_of(config, dict(options))
    exemplar = _validate.exemplar(exemplar).to(torch.float64)  # (C, H, W); numpy is channels last
    device = _resolve_device(config.device)
    if config.dtype not in DTYPES:
        raise ParameterError(
            "dtype", "{} must be one of %s, got %r" % (", ".join(map(repr, DTYPES)), config.dtype), ("dtype",)
        )
    dtype = getattr(torch, config.dtype)
    # fitted where and in the precision the synthesis runs: float64 on the CPU would
    # double the memory of the largest temporaries
    stats = TextureStatistics(exemplar.to(device=device, dtype=dtype), config=config.model)
    size = output_size(config, stats.exemplar_size)
    _validate.image_size(size, stats.config.n_scales, "output")
    config = replace(config, size=tuple(size), model=stats.config, device=str(device))
    periodic = config.objective == "periodic"
    # The image the synthesis imitates: its statistics are the target, its spectrum the
    # "spectrum" start, its histogram the output's.
    reference = periodic_component(exemplar) if periodic else exemplar
    target = _target_of(stats, reference, config.objective)
    seeds = [config.seed + k for k in range(config.n_samples)]
    start = initial_images(reference, size, seeds, config.init)
    coarse = None
    if _coarse_stage_fits(config, stats.exemplar_size):
        coarse = _coarse_stage(exemplar, reference, seeds, config, progress)
        start = upsample_periodic(torch.from_numpy(coarse.raw_images).movedim(-1, 1) if stats.n_colours == 3
                                  else torch.from_numpy(coarse.raw_images)[:, None], size)
        if coarse.interrupted or config.time_budget is not None:
            # what the coarse stage left of the budget (an interrupted run: none)
            left = 0.0 if coarse.interrupted else config.time_budget - coarse.wall_time
            config = replace(config, time_budget=max(left, 1e-9))
    result = optimise(
        stats, target, start, config,
        reference=channels_last(reference), exemplar=channels_last(exemplar), progress=progress, callback=callback,
    )
    if coarse is None:
        return _with_stationarity(result, exemplar)
    record = {"size": list(coarse.config.size), "n_scales": coarse.config.model.n_scales,
              "iterations": coarse.n_iterations, "evaluations": coarse.n_evaluations, "wall_time": coarse.wall_time}
    changes: dict[str, Any] = dict(wall_time=result.wall_time + coarse.wall_time, extra={**result.extra, "coarse": record})
    if coarse.interrupted:
        changes.update(interrupted=True, stop_reasons=["interrupted"] * result.n_samples)
    result = replace(result, config=replace(result.config, time_budget=coarse.config.time_budget), **changes)
    return _with_stationarity(result, exemplar)


def _with_stationarity(result: SynthesisResult, exemplar: torch.Tensor) -> SynthesisResult:
    """Record in ``extra["stationarity"]`` whether the exemplar (C, H, W) is one texture."""
    report = check_stationarity(channels_last(exemplar))
    return replace(result, extra={**result.extra, "stationarity": report.to_dict()})


def _target_of(stats: TextureStatistics, reference: torch.Tensor, objective: str) -> Target:
    """What the synthesis matches: the circular statistics of ``reference`` (the periodic
    component) or, for the paper's objective, the exemplar's masked statistics."""
    periodic = objective == "periodic"
    with torch.no_grad():
        x = reference[None].to(device=stats.target.device, dtype=stats.target.dtype)
        return Target(
            statistics=stats.circular(x)[0] if periodic else stats.target,
            colour_correlation=stats.colour_correlation(x)[0] if stats.n_colours == 3 else None,
            masked=not periodic,
        )


def _coarse_stage_fits(config: SynthesisConfig, exemplar_size: tuple[int, int]) -> bool:
    """Whether the schedule's coarse stage applies: half the output and the exemplar
    must fit a model with one scale fewer."""
    n_scales = config.model.n_scales - 1
    smallest = min(*config.size, *exemplar_size) // 2
    return SCHEDULES[config.schedule].coarse_iter > 0 and n_scales >= 1 and smallest >= _validate.minimum_side(n_scales)


def _coarse_stage(
    exemplar: torch.Tensor, reference: torch.Tensor, seeds: list[int], config: SynthesisConfig, progress: bool
) -> SynthesisResult:
    """Synthesise at half the resolution with one scale fewer: the large structures at a
    quarter of the cost per iteration, as the start of the full synthesis."""
    device, dtype = torch.device(config.device), getattr(torch, config.dtype)
    small_exemplar = downsample_by_two(exemplar)
    small_reference = downsample_by_two(reference)
    model = replace(config.model, n_scales=config.model.n_scales - 1)
    stats = TextureStatistics(small_exemplar.to(device=device, dtype=dtype), config=model)
    target = _target_of(stats, small_reference, config.objective)
    small_size = (config.size[0] // 2, config.size[1] // 2)
    coarse_config = replace(
        config, size=small_size, model=stats.config, max_iter=SCHEDULES[config.schedule].coarse_iter,
        histogram_match=False, probe_every=None,
    )
    start = initial_images(small_reference, small_size, seeds, config.init)
    return optimise(stats, target, start, coarse_config, reference=channels_last(small_reference), progress=progress)


def downsample_by_two(image: torch.Tensor) -> torch.Tensor:
    """Mean of each 2×2 block of (..., H, W) → (..., H // 2, W // 2); an odd last row or
    column is dropped.

    Examples
    --------
    >>> downsample_by_two(torch.arange(16.0).reshape(4, 4))
    tensor([[ 2.5000,  4.5000],
            [10.5000, 12.5000]])
    """
    H, W = image.shape[-2] // 2 * 2, image.shape[-1] // 2 * 2
    blocks = image[..., :H, :W].unflatten(-1, (W // 2, 2)).unflatten(-3, (H // 2, 2))
    return blocks.mean(dim=(-3, -1))


def upsample_periodic(image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Band-limited (Fourier) interpolation of periodic images (..., h, w) to a larger
    size (..., H, W): the spectrum is zero-padded, so the result stays periodic.

    Examples
    --------
    >>> x = torch.cos(2 * torch.pi * torch.arange(8.0) / 8).repeat(8, 1)
    >>> y = upsample_periodic(x, (16, 16))
    >>> torch.allclose(y[0], torch.cos(2 * torch.pi * torch.arange(16.0) / 16), atol=1e-6)
    True
    """
    h, w = image.shape[-2:]
    H, W = size
    spectrum = torch.fft.fft2(image)
    padded = spectrum.new_zeros(*image.shape[:-2], H, W)
    rows = list(range((h + 1) // 2)) + list(range(H - h // 2, H))
    cols = list(range((w + 1) // 2)) + list(range(W - w // 2, W))
    source_rows = list(range((h + 1) // 2)) + list(range(h - h // 2, h))
    source_cols = list(range((w + 1) // 2)) + list(range(w - w // 2, w))
    padded[..., torch.tensor(rows)[:, None], torch.tensor(cols)[None, :]] = spectrum[
        ..., torch.tensor(source_rows)[:, None], torch.tensor(source_cols)[None, :]
    ]
    return torch.fft.ifft2(padded).real * (H * W / (h * w))


def optimise(
    statistics: TextureStatistics,
    target: Target,
    start: torch.Tensor,
    config: SynthesisConfig,
    *,
    reference: np.ndarray,
    exemplar: np.ndarray | None = None,
    constraint: Constraint | None = None,
    progress: bool = True,
    callback: Callback | None = None,
) -> SynthesisResult:
    """Optimise images towards a target: the loop behind every kind of synthesis.

    Parameters
    ----------
    statistics : TextureStatistics
        Fitted to the exemplar, on the configuration's device and dtype.
    target : Target
    start : torch.Tensor, shape (B, C, H, W)
        Starting images (pixels outside a constraint's unknown region are replaced by
        the known ones).
    config : SynthesisConfig
        Resolved: ``size``, ``model`` and ``device`` filled in.
    reference : np.ndarray
        Channels-last image whose histogram the output is matched to.
    exemplar : np.ndarray, optional
        Channels-last image the memorization probes compare with (default: reference).
    constraint : Constraint, optional
        Pixels that stay bit-identical, in the raw and the matched images.
    progress, callback
        As for :func:`synthesize`.
    """
    device, dtype = torch.device(config.device), getattr(torch, config.dtype)
    if device.type == "cpu":
        torch.set_flush_denormal(True)
    start = start.to(device=device, dtype=dtype)
    if constraint is not None:
        known = channels_last(constraint.known)  # as given, before any conversion
        constraint = Constraint(constraint.known.to(device=device, dtype=dtype), constraint.unknown.to(device))
        start = torch.where(constraint.unknown, start, constraint.known)
    height, width = statistics.exemplar_size
    objective = Objective(statistics, target, start.shape, LOSS_WEIGHT * (height * width) ** 2, constraint)

    schedule = SCHEDULES[config.schedule]
    per_run = schedule.iterations(statistics.n_colours)
    run_options = LBFGSOptions(
        max_iter=per_run, history_size=schedule.history_size, max_eval=per_run * 5 // 4
    )
    n_runs = schedule.runs(statistics.n_colours)
    cap = config.max_iter if config.max_iter is not None else n_runs * per_run
    n_runs = max(n_runs, math.ceil(cap / per_run))  # a larger cap adds runs
    stop = _plateau(schedule) if schedule.min_decrease else None

    def runs(state: SampleState):
        first = None
        for _ in range(n_runs):
            remaining = cap - state.n_iter
            if remaining <= 0:
                state.stop_reason = "iteration cap"
                return
            options = replace(run_options, max_iter=min(run_options.max_iter, remaining))
            first = yield from lbfgs_run(state, options, first, stop=stop)
            if state.stop_reason.startswith("converged"):
                return

    monitor = Monitor(
        objective, cap, progress=progress, time_budget=config.time_budget, callback=callback,
        probe_every=config.probe_every, exemplar=exemplar if exemplar is not None else reference,
    )
    states = [SampleState(x=x.clone()) for x in objective.variables(start)]
    interrupted, stop_override = False, None
    try:
        minimize_batch(objective, states, runs, monitor)
        final = torch.stack([s.x for s in states])
    except (Stop, KeyboardInterrupt) as stopped:
        interrupted = isinstance(stopped, KeyboardInterrupt)
        stop_override = "interrupted" if interrupted else stopped.reason
        final = torch.stack([best if best is not None else s.x for best, s in zip(objective.best_x, states)])
    finally:
        monitor.close()
    wall_time = monitor.elapsed

    with torch.no_grad():
        images = objective.images(final)
        values, losses = objective.measure(images)
        block_errors = objective.block_errors(images, values)
        final_errors = statistics_error(values, target.statistics).tolist()

    raw = np.stack([channels_last(image) for image in images])
    matched = _histogram_matched(raw, reference) if config.histogram_match else np.clip(raw, 0, 1)
    if constraint is not None:  # the known pixels stay exactly as given
        unknown = constraint.unknown.cpu().numpy()
        raw[:, ~unknown] = matched[:, ~unknown] = known[~unknown]
    return SynthesisResult(
        images=matched,
        raw_images=raw,
        loss_history=[list(s.history) for s in states],
        error_history=monitor.errors,
        initial_losses=objective.initial_losses or losses.tolist(),
        initial_errors=objective.initial_errors or final_errors,
        losses=losses.tolist(),
        errors=final_errors,
        block_errors=block_errors,
        n_iterations=[s.n_iter for s in states],
        n_evaluations=[s.n_evals for s in states],
        stop_reasons=[stop_override or s.stop_reason for s in states],
        wall_time=wall_time,
        device=str(device),
        dtype=config.dtype,
        seeds=[config.seed + k for k in range(start.shape[0])],
        config=config,
        versions=versions(),
        interrupted=interrupted,
        probe_history=monitor.probe_history,
    )


def _plateau(schedule: Schedule) -> Callable[[list[float]], str | None]:
    def stop(history: list[float]) -> str | None:
        w = schedule.window
        if len(history) > w and history[-w - 1] - history[-1] < schedule.min_decrease * history[-w - 1]:
            return f"converged: loss fell by less than {schedule.min_decrease:.0%} over {w} iterations"
        return None

    return stop
