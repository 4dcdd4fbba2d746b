"""Measures of a synthesis's quality that the synthesis does not optimise.

A synthesis is never judged by the loss it minimised alone. These measures compare it
with its exemplar in ways the objective does not see directly:

* :func:`straight_edge_ratio` — invented straight horizontal and vertical edges and
  bands (the trace of a wrap-around seam matched as texture): the share of spectral
  energy on the frequency axes, synthesis over exemplar, both as periodic components.
  About 1 for a good synthesis.
* :func:`masked_statistics_error` — the ALPHA statistics with the paper's border masks
  on both images, ‖S(s) − S(x̄)‖ / ‖S(x̄)‖. Compare it with the same error between the
  exemplar and other crops of the same photograph (the natural variation).
* :func:`boundary_step_ratio` and :func:`fill_step_ratio` — for a constrained
  synthesis, the steps between neighbouring pixels across the boundary of the fill, and
  inside the fill, over those between known pixels: about 1 when the fill has no
  visible edge and is as sharp as the rest.
* :func:`wrap_step_ratio` — the step across the wrap-around seam of an image over the
  steps between neighbouring rows and columns inside it: at most about 1 for an image
  that tiles without a seam.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ._layout import channels_first
from .representation import periodic_component

__all__ = [
    "axis_energy_share",
    "straight_edge_ratio",
    "masked_statistics_error",
    "boundary_step_ratio",
    "fill_step_ratio",
    "wrap_step_ratio",
]


def _channels_first(image: Any) -> torch.Tensor:
    """(H, W) or (H, W, C) array, or (C, H, W) tensor -> float64 (C, H, W) tensor."""
    image = channels_first(np.asarray(image, dtype=np.float64) if not isinstance(image, torch.Tensor) else image)
    tensor = image.detach().cpu().double()
    return tensor[None] if tensor.ndim == 2 else tensor


def axis_energy_share(image: Any) -> float:
    """Share of the spectral energy of the image's periodic component that lies on the
    frequency axes (``|k_y| ≤ 1`` or ``|k_x| ≤ 1``, the mean excluded), all channels together.

    Straight horizontal or vertical edges and bands put their energy there.

    Parameters
    ----------
    image : array (H, W) / (H, W, C) or tensor (C, H, W)

    Examples
    --------
    >>> bands = np.tile((np.arange(64) // 16 % 2).astype(float), (64, 1))  # vertical bands
    >>> round(axis_energy_share(bands), 3)
    1.0
    """
    x = periodic_component(_channels_first(image))
    power = torch.fft.fft2(x - x.mean(dim=(-2, -1), keepdim=True)).abs().pow(2).sum(0)
    M, N = power.shape
    rows = (torch.fft.fftfreq(M) * M).abs() <= 1
    cols = (torch.fft.fftfreq(N) * N).abs() <= 1
    on_axes = rows[:, None] | cols[None, :]
    power[0, 0] = 0
    total = power.sum().item()
    return power[on_axes].sum().item() / total if total > 0 else 0.0


def straight_edge_ratio(synthesis: Any, exemplar: Any) -> float:
    """:func:`axis_energy_share` of the synthesis over the exemplar's: about 1 when the
    synthesis has no straight edges or bands that the exemplar lacks, above when it has.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> noise = rng.random((64, 64))
    >>> banded = noise + 0.5 * (np.arange(64) // 16 % 2)[None, :]
    >>> straight_edge_ratio(rng.random((64, 64)), noise) < 1.2 < straight_edge_ratio(banded, noise)
    True
    """
    return axis_energy_share(synthesis) / axis_energy_share(exemplar)


def masked_statistics_error(statistics: Any, image: Any) -> float:
    """‖S(image) − S(x̄)‖ / ‖S(x̄)‖ with the paper's border masks on both images.

    Parameters
    ----------
    statistics : TextureStatistics
        Fitted to the exemplar x̄ (its ``target`` holds S(x̄)).
    image : array (H, W) / (H, W, C) or tensor (C, H, W)

    Examples
    --------
    >>> import wavetex
    >>> exemplar = np.random.default_rng(0).random((32, 32))
    >>> stats = wavetex.TextureStatistics(torch.tensor(exemplar), n_scales=3)
    >>> masked_statistics_error(stats, exemplar)
    0.0
    """
    target = statistics.target
    x = _channels_first(image).to(dtype=target.dtype, device=target.device)
    with torch.no_grad():
        values = statistics(x)
    return ((values - target).norm() / target.norm()).item()


def _neighbour_steps(image: Any, unknown: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """|x(u) − x(v)| for every pair of horizontal or vertical neighbours (on the torus),
    channels summed in quadrature, and how many of the two pixels are unknown (0, 1, 2)."""
    x = _channels_first(image).numpy()
    unknown = np.asarray(unknown, dtype=bool)
    steps, counts = [], []
    for axis in (-2, -1):
        steps.append(np.sqrt(((np.roll(x, -1, axis=axis) - x) ** 2).sum(0)).ravel())
        counts.append((unknown.astype(int) + np.roll(unknown, -1, axis=axis)).ravel())
    return np.concatenate(steps), np.concatenate(counts)


def boundary_step_ratio(image: Any, unknown: np.ndarray) -> float:
    """Mean step between neighbouring pixels across the boundary of the unknown region
    (one known, one synthesised) over the mean step between two known neighbours.

    About 1 when the boundary cannot be seen in the gradients; above 1, an edge along
    it (a visible seam); below, a smoothed transition.

    Parameters
    ----------
    image : array (H, W) / (H, W, C) or tensor (C, H, W)
    unknown : ndarray of bool, shape (H, W)
        True where the pixels were synthesised.

    Examples
    --------
    >>> image = np.random.default_rng(0).random((64, 64))
    >>> unknown = np.zeros((64, 64), dtype=bool); unknown[16:48, 16:48] = True
    >>> 0.9 < boundary_step_ratio(image, unknown) < 1.2  # 256 pairs across: some spread
    True
    >>> image[unknown] += 0.5  # a fill brighter than its surroundings
    >>> boundary_step_ratio(image, unknown) > 1.5
    True
    """
    steps, counts = _neighbour_steps(image, unknown)
    return float(steps[counts == 1].mean() / steps[counts == 0].mean())


def fill_step_ratio(image: Any, unknown: np.ndarray) -> float:
    """Mean step between two synthesised neighbours over that between two known ones:
    below 1, a fill smoother (blurrier) than the image; above, a noisier one.

    Examples
    --------
    >>> image = np.random.default_rng(0).random((64, 64))
    >>> unknown = np.zeros((64, 64), dtype=bool); unknown[16:48, 16:48] = True
    >>> image[unknown] = 0.5 + 0.1 * (image[unknown] - 0.5)  # a washed-out fill
    >>> round(fill_step_ratio(image, unknown), 2)
    0.1
    """
    steps, counts = _neighbour_steps(image, unknown)
    return float(steps[counts == 2].mean() / steps[counts == 0].mean())


def wrap_step_ratio(image: Any) -> float:
    """The larger, over both axes, of the mean absolute step across the wrap-around seam
    (last row to first, last column to first) over the largest mean step between two
    neighbouring rows (columns) inside the image: at most 1 when the seam is no stronger
    a step than one found inside.

    Examples
    --------
    >>> ramp = np.tile(np.linspace(0, 1, 32), (32, 1))  # jumps from 1 back to 0 at the wrap
    >>> round(wrap_step_ratio(ramp), 1)
    31.0
    >>> round(wrap_step_ratio(np.tile(np.sin(np.linspace(0, 2 * np.pi, 32, endpoint=False)), (32, 1))), 2)
    1.0
    """
    x = _channels_first(image).numpy()
    ratios = []
    for axis in (1, 2):
        other = tuple(a for a in range(x.ndim) if a != axis)
        inside = np.abs(np.diff(x, axis=axis)).mean(axis=other).max()
        seam = np.abs(np.take(x, 0, axis=axis) - np.take(x, -1, axis=axis)).mean()
        if inside > 0:
            ratios.append(seam / inside)
    return float(max(ratios, default=0.0))
