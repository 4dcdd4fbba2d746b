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
and the steps every synthesis shares, constrained ones included
(:mod:`wavetex.constrained`): :func:`prepare` (fit, target, seeds, start), then
:func:`optimise` = :func:`run_schedule` (the L-BFGS runs of the schedule, stopped by
:func:`plateaued`) followed by :func:`build_result`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import numpy as np
import torch

from . import _validate
from ._layout import channels_last
from .config import (
    SCHEDULES,
    SEED_MAX,
    Schedule,
    SynthesisConfig,
    check_run,
    minimum_side,
    resolve_device,
    synthesis_config,
)
from .errors import SynthesisError
from .lbfgs import LBFGSOptions, SampleState, lbfgs_run, minimize_batch
from .monitor import Callback, Monitor, Stop, loss_decrease, plateaued
from .objective import LOSS_WEIGHT, Constraint, Objective, Target, statistics_error
from .provenance import versions
from .representation import downsample_by_two, periodic_component, upsample_periodic
from .result import SynthesisResult
from .stationarity import check_stationarity
from .statistics import TextureStatistics

__all__ = [
    "Schedule",
    "SCHEDULES",
    "SynthesisConfig",
    "SynthesisResult",
    "SynthesisError",
    "SEED_MAX",
    "synthesize",
    "Prepared",
    "prepare",
    "fit",
    "target_of",
    "initial_images",
    "coarse_config",
    "prepare_coarse",
    "start_from_coarse",
    "with_coarse_record",
    "optimise",
    "run_schedule",
    "build_result",
    "plateaued",
    "loss_decrease",
    "statistics_error",
]

#: ``fit(config, device)`` -> (statistics on the device, reference image, target): see :func:`fit`.
Fit = Callable[[SynthesisConfig, torch.device], tuple[TextureStatistics, torch.Tensor, Target]]


@dataclass(frozen=True)
class Prepared:
    """Everything a run starts from, made by :func:`prepare`.

    Attributes
    ----------
    config : SynthesisConfig
        Resolved: ``size``, ``model`` (the paper's defaults filled in) and ``device`` set.
    statistics : TextureStatistics
        Fitted, on the run's device and in its dtype.
    target : Target
    reference : torch.Tensor, shape (C, H', W'), float64 on the CPU
        The image the synthesis imitates: its histogram is the output's.
    start : torch.Tensor, shape (B, C, H, W), float64 on the CPU
        One starting image per seed of :meth:`SynthesisConfig.seeds`.
    """

    config: SynthesisConfig
    statistics: TextureStatistics
    target: Target
    reference: torch.Tensor
    start: torch.Tensor


def fit(
    texture: torch.Tensor, config: SynthesisConfig, device: torch.device, *, reference: torch.Tensor | None = None
) -> tuple[TextureStatistics, torch.Tensor, Target]:
    """Statistics fitted to ``texture`` (C, H, W), the image the synthesis imitates, and
    the target: the default :data:`Fit` of :func:`prepare`.

    The statistics are fitted where and in the precision the synthesis runs (float64 on
    the CPU would double the memory of the largest temporaries). The reference is the
    periodic component of the texture for the periodic objective, else the texture
    (``reference`` given: that image).
    """
    dtype = getattr(torch, config.dtype)
    stats = TextureStatistics(texture.to(device=device, dtype=dtype), config=config.model)
    if reference is None:
        reference = periodic_component(texture) if config.objective == "periodic" else texture
    return stats, reference, target_of(stats, reference, config.objective)


def target_of(stats: TextureStatistics, reference: torch.Tensor, objective: str) -> Target:
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


def prepare(
    texture: torch.Tensor,
    config: SynthesisConfig,
    *,
    fit_with: Fit | None = None,
    start_from: torch.Tensor | None = None,
) -> Prepared:
    """The one preparation of every synthesis: check, fit, target, seeds, start.

    Parameters
    ----------
    texture : torch.Tensor, shape (C, H, W), float64
        The image the statistics are fitted to (checked by the caller).
    config : SynthesisConfig
        ``size`` None: the texture's size.
    fit_with : callable, optional
        ``fit_with(config, device)`` -> (statistics, reference, target); default
        :func:`fit` of ``texture``. Inpainting from the known pixels alone fits its own way.
    start_from : torch.Tensor, optional
        The image whose mean, spread or spectrum the starting noise takes
        (:func:`initial_images`); default the reference.

    Examples
    --------
    >>> texture = torch.rand(1, 32, 32, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    >>> from wavetex import ModelConfig
    >>> config = SynthesisConfig(size=(32, 48), n_samples=2, device="cpu", model=ModelConfig(n_scales=2))
    >>> prepared = prepare(texture, config)
    >>> tuple(prepared.start.shape), prepared.config.model.delta_j
    ((2, 1, 32, 48), 2)
    """
    device = resolve_device(config.device)
    config = check_run(config, tuple(texture.shape[-2:]), texture.shape[0], device=device)
    stats, reference, target = (fit_with or partial(fit, texture))(config, device)
    config = replace(config, model=stats.config, device=str(device))
    start_from = reference if start_from is None else start_from
    start = initial_images(start_from, config.size, config.seeds(), config.init)
    return Prepared(config, stats, target, reference, start)


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
    config = synthesis_config(config, options)
    exemplar = _validate.exemplar(exemplar).to(torch.float64)  # (C, H, W); numpy is channels last
    prepared = prepare(exemplar, config)
    small = coarse_config(prepared.config, tuple(exemplar.shape))
    if small is None:
        result = optimise(prepared, exemplar=channels_last(exemplar), progress=progress, callback=callback)
        return _with_stationarity(result, exemplar)
    coarse = optimise(prepare_coarse(exemplar, prepared, small), progress=progress)
    result = optimise(
        start_from_coarse(prepared, coarse), exemplar=channels_last(exemplar), progress=progress, callback=callback
    )
    return _with_stationarity(with_coarse_record(result, coarse), exemplar)


def _with_stationarity(result: SynthesisResult, exemplar: torch.Tensor) -> SynthesisResult:
    """Record in ``extra["stationarity"]`` whether the exemplar (C, H, W) is one texture."""
    report = check_stationarity(channels_last(exemplar))
    return replace(result, extra={**result.extra, "stationarity": report.to_dict()})


def coarse_config(config: SynthesisConfig, exemplar_shape: tuple[int, int, int]) -> SynthesisConfig | None:
    """The configuration of the schedule's coarse stage, or None where it does not apply.

    The coarse stage synthesises at half the resolution with one scale fewer: the large
    structures at about a sixth of the cost per iteration, as the start of the full
    synthesis (:func:`start_from_coarse`). It applies when it has iterations
    (``coarse_iter``, or the schedule's for the exemplar's colours; ``exemplar_shape`` is
    (C, H, W)) and half the output and of the exemplar fit a model with one scale fewer.

    Examples
    --------
    >>> from wavetex import ModelConfig
    >>> small = coarse_config(SynthesisConfig(size=(64, 96), model=ModelConfig(n_scales=3)), (1, 64, 64))
    >>> small.size, small.model.n_scales, small.max_iter, small.histogram_match
    ((32, 48), 2, 450, False)
    >>> coarse_config(SynthesisConfig(size=(64, 96), model=ModelConfig(n_scales=3)), (3, 64, 64)).max_iter
    100
    >>> coarse_config(SynthesisConfig(size=(64, 96), schedule="paper", model=ModelConfig(n_scales=3)), (1, 64, 64)) is None
    True
    >>> coarse_config(SynthesisConfig(size=(64, 96), coarse_iter=20, model=ModelConfig(n_scales=3)), (1, 64, 64)).max_iter
    20
    """
    n_scales = config.model.n_scales - 1
    iterations = config.coarse_iterations(exemplar_shape[0])
    smallest = min(*config.size, *exemplar_shape[-2:]) // 2
    if iterations == 0 or n_scales < 1 or smallest < minimum_side(n_scales):
        return None
    return replace(
        config, size=(config.size[0] // 2, config.size[1] // 2), model=replace(config.model, n_scales=n_scales),
        max_iter=iterations, histogram_match=False, probe_every=None,
    )


def prepare_coarse(exemplar: torch.Tensor, prepared: Prepared, small: SynthesisConfig) -> Prepared:
    """The coarse stage of ``prepared`` (configuration ``small``, from :func:`coarse_config`):
    the exemplar (C, H, W) halved, its statistics fitted against the halved reference image
    of the full run."""
    small_exemplar = downsample_by_two(exemplar)
    return prepare(small_exemplar, small,
                   fit_with=partial(fit, small_exemplar, reference=downsample_by_two(prepared.reference)))


def start_from_coarse(prepared: Prepared, coarse: SynthesisResult) -> Prepared:
    """The full-resolution run of ``prepared``, started from the coarse stage's images
    upsampled (:func:`~wavetex.representation.upsample_periodic`), with what the coarse
    stage left of the time budget (an interrupted coarse stage: none)."""
    config, small = prepared.config, torch.from_numpy(coarse.raw_images)
    start = upsample_periodic(small.movedim(-1, 1) if small.ndim == 4 else small[:, None], config.size)
    if coarse.interrupted or config.time_budget is not None:
        left = 0.0 if coarse.interrupted else config.time_budget - coarse.wall_time
        config = replace(config, time_budget=max(left, 1e-9))
    return replace(prepared, config=config, start=start)


def with_coarse_record(result: SynthesisResult, coarse: SynthesisResult) -> SynthesisResult:
    """The full-resolution result with the coarse stage counted: its time added, its
    record in ``extra["coarse"]``, the whole run's time budget, and an interruption of
    the coarse stage marking the whole run interrupted."""
    record = {"size": list(coarse.config.size), "n_scales": coarse.config.model.n_scales,
              "iterations": coarse.n_iterations, "evaluations": coarse.n_evaluations, "wall_time": coarse.wall_time}
    changes: dict[str, Any] = dict(wall_time=result.wall_time + coarse.wall_time, extra={**result.extra, "coarse": record})
    if coarse.interrupted:
        changes.update(interrupted=True, stop_reasons=["interrupted"] * result.n_samples)
    return replace(result, config=replace(result.config, time_budget=coarse.config.time_budget), **changes)


def optimise(
    prepared: Prepared,
    *,
    exemplar: np.ndarray | None = None,
    constraint: Constraint | None = None,
    progress: bool = True,
    callback: Callback | None = None,
) -> SynthesisResult:
    """Optimise the prepared start towards its target: :func:`run_schedule`, then
    :func:`build_result`.

    Parameters
    ----------
    prepared : Prepared
    exemplar : np.ndarray, optional
        Channels-last image the memorization probes compare with (default: the reference).
    constraint : Constraint, optional
        Pixels that stay bit-identical, in the raw and the matched images.
    progress, callback
        As for :func:`synthesize`.
    """
    run = run_schedule(prepared, exemplar=exemplar, constraint=constraint, progress=progress, callback=callback)
    return build_result(prepared, run, constraint=constraint)


@dataclass(frozen=True)
class Run:
    """What :func:`run_schedule` leaves: the objective, each sample's state, the final
    variables (the best point so far where the run was stopped) and the record."""

    objective: Objective
    states: list[SampleState]
    final: torch.Tensor  # (B, D)
    stop_reasons: list[str]
    interrupted: bool
    wall_time: float
    error_history: list[list[float]]
    probe_history: list[dict[str, Any]]


def run_schedule(
    prepared: Prepared,
    *,
    exemplar: np.ndarray | None = None,
    constraint: Constraint | None = None,
    progress: bool = True,
    callback: Callback | None = None,
) -> Run:
    """The L-BFGS runs of the configuration's schedule, all samples together.

    Each sample runs ``schedule.runs`` runs of ``schedule.iterations`` iterations (more
    runs when ``max_iter`` asks for more), stopped at ``max_iter``, by the plateau test
    (:func:`plateaued`), the time budget or Ctrl-C.
    """
    config, statistics = prepared.config, prepared.statistics
    device, dtype = torch.device(config.device), getattr(torch, config.dtype)
    if device.type == "cpu":
        torch.set_flush_denormal(True)
    start = prepared.start.to(device=device, dtype=dtype)
    if constraint is not None:
        constraint = Constraint(constraint.known.to(device=device, dtype=dtype), constraint.unknown.to(device))
        start = torch.where(constraint.unknown, start, constraint.known)
    height, width = statistics.exemplar_size
    objective = Objective(statistics, prepared.target, start.shape, LOSS_WEIGHT * (height * width) ** 2, constraint)

    schedule = SCHEDULES[config.schedule]
    per_run = schedule.iterations(statistics.n_colours)
    run_options = LBFGSOptions(max_iter=per_run, history_size=schedule.history_size, max_eval=per_run * 5 // 4)
    n_runs = schedule.runs(statistics.n_colours)
    cap = config.max_iter if config.max_iter is not None else schedule.full_iterations(statistics.n_colours)
    n_runs = max(n_runs, math.ceil(cap / per_run))  # a larger cap adds runs
    stop = partial(_plateau_stop, schedule) if schedule.min_decrease else None

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
        probe_every=config.probe_every, exemplar=exemplar if exemplar is not None else channels_last(prepared.reference),
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
    return Run(
        objective, states, final, [stop_override or s.stop_reason for s in states], interrupted,
        monitor.elapsed, monitor.errors, monitor.probe_history,
    )


def build_result(prepared: Prepared, run: Run, *, constraint: Constraint | None = None) -> SynthesisResult:
    """The result of a run: final measures, images (histogram-matched to the reference
    when the configuration asks), known pixels restored bit for bit, and the record."""
    config, objective = prepared.config, run.objective
    with torch.no_grad():
        images = objective.images(run.final)
        values, losses = objective.measure(images)
        block_errors = objective.block_errors(images, values)
        final_errors = statistics_error(values, objective.target.statistics).tolist()

    raw = np.stack([channels_last(image) for image in images])
    reference = channels_last(prepared.reference)
    matched = _histogram_matched(raw, reference) if config.histogram_match else np.clip(raw, 0, 1)
    if constraint is not None:  # the known pixels stay exactly as given
        known = channels_last(constraint.known)
        unknown = constraint.unknown.cpu().numpy()
        raw[:, ~unknown] = matched[:, ~unknown] = known[~unknown]
    states = run.states
    return SynthesisResult(
        images=matched,
        raw_images=raw,
        loss_history=[list(s.history) for s in states],
        error_history=run.error_history,
        initial_losses=objective.initial_losses or losses.tolist(),
        initial_errors=objective.initial_errors or final_errors,
        losses=losses.tolist(),
        errors=final_errors,
        block_errors=block_errors,
        n_iterations=[s.n_iter for s in states],
        n_evaluations=[s.n_evals for s in states],
        stop_reasons=run.stop_reasons,
        wall_time=run.wall_time,
        device=config.device,
        dtype=config.dtype,
        seeds=config.seeds(),
        config=config,
        versions=versions(),
        interrupted=run.interrupted,
        probe_history=run.probe_history,
    )


def _plateau_stop(schedule: Schedule, history: list[float]) -> str | None:
    if plateaued(history, schedule.window, schedule.min_decrease):
        return f"converged: loss fell by less than {schedule.min_decrease:.0%} over {schedule.window} iterations"
    return None
