"""Constrained synthesis: fill a hole, extend an image, make an image tile.

Each keeps the known pixels of an image **bit-identical** and optimises only the
unknown ones, so that the whole image has the texture's statistics. They run the same
preparation and engine as :func:`wavetex.synthesize` (:func:`wavetex.synthesis.prepare`,
then :func:`wavetex.synthesis.optimise` with a :class:`~wavetex.objective.Constraint`):
seeds, schedules, batches of samples, progress, time budget, Ctrl-C and sidecars behave
the same. What differs is overridden, nothing else: the target is compared in the
regions that reach the unknown pixels, colour noise starts with the known pixels'
colour covariance, and the fill probe runs at the end. The output images are periodic, like
syntheses; their statistics are circular.

* :func:`inpaint` — the target statistics are estimated from the known pixels only
  (:meth:`TextureStatistics.fitted_to_known`), or come from an exemplar;
* :func:`extend` — the image placed in a larger canvas (its statistics are the
  target, as for :func:`~wavetex.synthesize`);
* :func:`make_tileable` — a band along the borders re-synthesised, the interior kept,
  so that the image repeats without a seam.

After the optimisation the fill probe (:func:`wavetex.memorization.probe_fill`) says, for
each sample, whether the synthesised pixels reproduce a piece of the known ones; its
summary is in ``result.extra["fill_probe"]`` and so in the sidecar.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any

import numpy as np
import torch

from . import _validate
from .config import SynthesisConfig, check_image_size, synthesis_config
from .errors import ParameterError
from .masks import ANCHORS, border_band, check_mask, placement
from .memorization import probe_fill
from .monitor import Callback
from .objective import Constraint, Target
from .representation import downsample_by_two, reach_masks
from .result import SynthesisResult
from .statistics import TextureStatistics, colour_correlation
from .synthesis import (
    Prepared, coarse_config, optimise, prepare, prepare_coarse, start_from_coarse, with_coarse_record,
)

__all__ = ["inpaint", "extend", "make_tileable", "ANCHORS"]


def inpaint(
    image: Any,
    mask: Any,
    *,
    exemplar: Any = None,
    config: SynthesisConfig | None = None,
    progress: bool = True,
    callback: Callback | None = None,
    **options: Any,
) -> SynthesisResult:
    """Fill the unknown pixels of an image with its texture.

    Parameters
    ----------
    image : np.ndarray or torch.Tensor
        Values in [0, 1], as for :func:`~wavetex.synthesize`: numpy (H, W) / (H, W, 3)
        or tensor (H, W) / (1, H, W) / (3, H, W). Unknown pixels may hold anything.
    mask : array-like of bool or 0/1, shape (H, W)
        True (1) where the pixel is unknown and must be synthesised.
    exemplar : np.ndarray or torch.Tensor, optional
        An image of the texture whose statistics the whole image should have. By
        default they are estimated from the known pixels of ``image``; the known region
        must then hold a square of :func:`wavetex.masks.minimum_known_side` pixels.
    config, progress, callback, **options
        As for :func:`~wavetex.synthesize` (the size is the image's).

    Returns
    -------
    SynthesisResult
        ``images`` equal ``image`` where the mask is False, bit for bit;
        ``extra`` holds ``"task"``, ``"unknown_pixels"`` and ``"fill_probe"``.

    Examples
    --------
    >>> import numpy as np, wavetex
    >>> image = np.random.default_rng(0).random((64, 64))
    >>> mask = np.zeros((64, 64), dtype=bool); mask[24:40, 24:40] = True
    >>> result = wavetex.inpaint(image, mask, n_scales=2, max_iter=5, progress=False)
    >>> bool((result.images[0][~mask] == image[~mask]).all()), result.extra["fill_probe"][0]["verdict"]
    (True, 'novel')
    """
    config = _checked_config(config, options, "inpaint")
    picture = _image_tensor(image, "image")
    size = tuple(picture.shape[-2:])
    if config.size is not None and tuple(config.size) != size:
        raise ParameterError("size", "inpaint keeps the image's size; drop {}, or use extend for a larger image", ("size",))
    unknown = check_mask(mask, size, None if exemplar is not None else config.model.n_scales)
    texture = None
    if exemplar is not None:
        texture = _image_tensor(exemplar, "exemplar")
        if texture.shape[0] != picture.shape[0]:
            raise ValueError(
                f"the exemplar has {texture.shape[0]} channel(s) but the image {picture.shape[0]}; "
                "pass both in gray or both in colour"
            )
    return _run(texture, picture, unknown, replace(config, size=size), progress=progress, callback=callback,
                task="inpaint")


def extend(
    image: Any,
    size: tuple[int, int],
    *,
    anchor: str = "center",
    config: SynthesisConfig | None = None,
    progress: bool = True,
    callback: Callback | None = None,
    **options: Any,
) -> SynthesisResult:
    """Place an image in a larger canvas and synthesise the rest from its texture.

    Parameters
    ----------
    image : np.ndarray or torch.Tensor
        As for :func:`inpaint`.
    size : (int, int)
        Output (height, width), no smaller than the image on either side.
    anchor : str
        Where the image sits: one of :data:`ANCHORS` (``"center"``, ``"top-left"``, ...).
        The output is periodic, so the synthesised pixels also join the image across the
        canvas's opposite borders.
    config, progress, callback, **options
        As for :func:`~wavetex.synthesize`.

    Returns
    -------
    SynthesisResult
        ``extra`` holds ``"task"``, ``"unknown_pixels"``, ``"placement"`` (top-left
        row and column of the image) and ``"fill_probe"``.

    Examples
    --------
    >>> import numpy as np, wavetex
    >>> image = np.random.default_rng(0).random((32, 32))
    >>> result = wavetex.extend(image, (48, 64), anchor="top-left", n_scales=2, max_iter=5, progress=False)
    >>> result.images.shape, bool((result.images[0, :32, :32] == image).all())
    ((1, 48, 64), True)
    """
    if "size" in options:
        raise TypeError("pass the output size as extend's second argument, not as a keyword option")
    config = _checked_config(config, options, "extend")
    picture = _image_tensor(image, "image")
    height, width = picture.shape[-2:]
    config = replace(config, size=size)
    row, column = placement((height, width), config.size, anchor)
    canvas = torch.zeros(picture.shape[0], *config.size, dtype=picture.dtype)
    canvas[:, row : row + height, column : column + width] = picture
    unknown = np.ones(config.size, dtype=bool)
    unknown[row : row + height, column : column + width] = False
    return _run(picture, canvas, unknown, config, progress=progress, callback=callback, task="extend",
                placement=[row, column])


def make_tileable(
    image: Any,
    band: int,
    *,
    config: SynthesisConfig | None = None,
    progress: bool = True,
    callback: Callback | None = None,
    **options: Any,
) -> SynthesisResult:
    """Re-synthesise a band along the borders so that the image repeats without a seam.

    Parameters
    ----------
    image : np.ndarray or torch.Tensor
        As for :func:`inpaint`.
    band : int
        Width in pixels of the band along each of the four borders; the interior is
        kept bit for bit. The seam of the tiled image falls in the middle of a
        2·band-wide synthesised strip.
    config, progress, callback, **options
        As for :func:`~wavetex.synthesize` (the size is the image's).

    Returns
    -------
    SynthesisResult
        ``extra`` holds ``"task"``, ``"unknown_pixels"``, ``"band"`` and ``"fill_probe"``.

    Examples
    --------
    >>> import numpy as np, wavetex
    >>> image = np.random.default_rng(0).random((64, 64))
    >>> result = wavetex.make_tileable(image, 8, n_scales=2, max_iter=5, progress=False)
    >>> bool((result.images[0, 8:-8, 8:-8] == image[8:-8, 8:-8]).all())
    True
    """
    config = _checked_config(config, options, "make_tileable")
    picture = _image_tensor(image, "image")
    size = tuple(picture.shape[-2:])
    if config.size is not None and tuple(config.size) != size:
        raise ParameterError("size", "make_tileable keeps the image's size; drop {}", ("size",))
    check_image_size(size, config.model.n_scales, "image")
    unknown = border_band(size, band, config.model.n_scales)
    return _run(picture, picture, unknown, replace(config, size=size), progress=progress, callback=callback,
                task="tile", band=int(band))


# ------------------------------------------------------------------ shared steps


def _checked_config(config: SynthesisConfig | None, options: dict[str, Any], task: str) -> SynthesisConfig:
    """The configuration, with what the constrained tasks do not offer refused."""
    config = synthesis_config(config, options)
    if config.objective != "periodic":
        raise ParameterError(
            "objective", task + " uses the periodic objective only, got {}; drop the option", ("objective", config.objective)
        )
    if config.probe_every is not None:
        raise ParameterError(
            "probe_every", "{} is not available for " + task + ": the exemplar probe would find the known "
            "pixels in the image itself; the fill probe runs at the end (result.extra['fill_probe'])", ("probe_every",),
        )
    return config


def _image_tensor(image: Any, what: str) -> torch.Tensor:
    """(C, H, W) float64 tensor with values in [0, 1]."""
    try:
        return _validate.exemplar(image).to(torch.float64)
    except (TypeError, ValueError) as error:
        raise type(error)(str(error).replace("exemplar", what, 1)) from None


def _fit_to_known(
    picture: torch.Tensor, known: torch.Tensor, config: SynthesisConfig, device: torch.device
) -> tuple[TextureStatistics, torch.Tensor, Target]:
    """Inpainting without an exemplar: statistics and colour correlation of the known
    pixels only; the reference (whose histogram the fill takes) is those pixels, (C, 1, n)."""
    dtype = getattr(torch, config.dtype)
    x, known_there = picture.to(device=device, dtype=dtype), known.to(device)
    stats = TextureStatistics.fitted_to_known(x, known_there, config=config.model)
    colour = colour_correlation(x[None], known_there)[0] if stats.n_colours == 3 else None
    return stats, picture[:, known][:, None, :], Target(stats.target, colour)


def _regions(unknown: np.ndarray, n_scales: int) -> torch.Tensor:
    """(2, J + 1, H, W): the responses that reach an unknown pixel, and those that reach
    both an unknown and a known one (the band that straddles the boundary)."""
    reach = reach_masks(torch.from_numpy(unknown), n_scales, dtype=torch.float64)
    reach_known = reach_masks(torch.from_numpy(~unknown), n_scales, dtype=torch.float64)
    return torch.stack([reach, reach * reach_known])


def _with_colour_covariance(start: torch.Tensor, pixels: torch.Tensor) -> torch.Tensor:
    """Noise starts (B, 3, H, W) recoloured to the covariance of ``pixels`` (3, n), mean kept.

    Independent noise in each channel starts a fill with no correlation between
    channels, which the loss restores slowly: in a 32² hole in tissue, after 30
    iterations, the fill's channel correlations differed from the known pixels' by up
    to 0.13 from independent noise, by 0.02 from recoloured noise.
    """
    mean = start.mean(dim=(-2, -1), keepdim=True)
    white = (start - mean) / start.flatten(2).std(dim=-1)[..., None, None]
    covariance = torch.cov(pixels.double()) + 1e-12 * torch.eye(3, dtype=torch.float64)
    factor = torch.linalg.cholesky(covariance).to(start.dtype)
    return mean + torch.einsum("ij,bjhw->bihw", factor, white)


def constrain(prepared: Prepared, known_image: torch.Tensor, unknown: np.ndarray) -> Prepared:
    """What a constrained synthesis changes in a preparation: the target is compared in
    the regions that reach the unknown pixels (over the whole image a small fill would
    count for little) and, separately, in those that straddle the boundary (else a fill
    can match on average with a smooth inside and a sharp step along its edge); colour
    noise starts with the known pixels' colour covariance."""
    config, target = prepared.config, prepared.target
    device, dtype = torch.device(config.device), getattr(torch, config.dtype)
    regions = _regions(unknown, config.model.n_scales).to(device=device, dtype=dtype)
    statistics = target.statistics.to(device=device, dtype=dtype)
    # a region narrower than a shift has no pair of pixels for it: that statistic (0 in
    # TextureStatistics.within) is compared with 0, so it drops out of the loss
    target = Target(
        torch.cat([torch.where(prepared.statistics.estimable(region), statistics, 0.0) for region in regions]),
        None if target.colour_correlation is None else target.colour_correlation.to(device=device, dtype=dtype),
        region=regions,
    )
    start = prepared.start
    if config.init == "noise" and known_image.shape[0] == 3:
        start = _with_colour_covariance(start, known_image[:, torch.from_numpy(~unknown)])
    return replace(prepared, target=target, start=start)


def _prepared(
    texture: torch.Tensor | None, image: torch.Tensor, unknown: np.ndarray, config: SynthesisConfig
) -> Prepared:
    """The preparation of a constrained run: the statistics of ``texture`` (None: of the
    known pixels of ``image``, whose mean then starts the unknown ones)."""
    if texture is None:
        known = torch.from_numpy(~unknown)
        mean = image[:, known].mean(dim=1)[:, None, None]
        return prepare(image, config, fit_with=partial(_fit_to_known, image, known),
                       start_from=torch.where(known, image, mean))
    return prepare(texture, config)


def _coarse_stage(
    texture: torch.Tensor | None, image: torch.Tensor, unknown: np.ndarray, prepared: Prepared, progress: bool
) -> SynthesisResult | None:
    """The same task at half the resolution with one scale fewer, as synthesize's coarse
    stage (:func:`~wavetex.synthesis.coarse_config`): a half-resolution pixel is unknown
    where any of its four pixels is. None where the schedule has no coarse stage, the
    sizes do not allow one, or (statistics of the known pixels) the known region at half
    resolution holds no square the smaller model needs.

    Measured at 256², J = 4, seed 0, the default schedule with and without it
    (``benchmarks/bench_constrained.py --max-iter schedule [--no-coarse]``, results in
    benchmarks/results/constrained_coarse/): statistics error of the fill, with / without,
    gravel inpaint 0.096 / 0.098, tile 0.067 / 0.203, extend 0.044 / 0.191; brick inpaint
    0.124 / 0.144, tile 0.138 / 0.82, extend 0.16 / 0.87 (defect fraction 0.77 / 1.0,
    step inside the fill over the known pixels' 1.18 / 3.63), at about the same time.
    """
    small = coarse_config(prepared.config, tuple((image if texture is None else texture).shape))
    if small is None:
        return None
    small_image = downsample_by_two(image)
    small_unknown = downsample_by_two(torch.from_numpy(unknown).double()).numpy() > 0
    if small_unknown.all() or not small_unknown.any():  # (an odd last row or column is dropped)
        return None
    if texture is None:
        try:
            check_mask(small_unknown, small.size, small.model.n_scales)
        except ParameterError:
            return None
        small_prepared = _prepared(None, small_image, small_unknown, small)
    else:
        small_prepared = prepare_coarse(texture, prepared, small)
    constraint = Constraint(small_image, torch.from_numpy(small_unknown))
    return optimise(constrain(small_prepared, small_image, small_unknown), constraint=constraint, progress=progress)


def _run(
    texture: torch.Tensor | None,
    known_image: torch.Tensor,
    unknown: np.ndarray,
    config: SynthesisConfig,
    *,
    progress: bool,
    callback: Callback | None,
    task: str,
    **extra: Any,
) -> SynthesisResult:
    """Prepare, run the coarse stage where it applies, optimise the unknown pixels, then
    probe the fill."""
    prepared = constrain(_prepared(texture, known_image, unknown, config), known_image, unknown)
    constraint = Constraint(known_image, torch.from_numpy(unknown))
    coarse = _coarse_stage(texture, known_image, unknown, prepared, progress)
    if coarse is None:
        result = optimise(prepared, constraint=constraint, progress=progress, callback=callback)
    else:
        result = optimise(start_from_coarse(prepared, coarse), constraint=constraint, progress=progress,
                          callback=callback)
        result = with_coarse_record(result, coarse)
    probes = [probe_fill(image, unknown).to_dict() for image in result.images]
    record = {"task": task, "unknown_pixels": int(unknown.sum()), **extra, "fill_probe": probes}
    return replace(result, extra={**result.extra, **record})
