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
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .representation import periodic_component

__all__ = ["axis_energy_share", "straight_edge_ratio", "masked_statistics_error"]


def _channels_first(image: Any) -> torch.Tensor:
    """(H, W) or (H, W, C) array, or (C, H, W) tensor -> float64 (C, H, W) tensor."""
    if isinstance(image, torch.Tensor):
        tensor = image.detach().cpu().double()
        return tensor[None] if tensor.ndim == 2 else tensor
    array = np.asarray(image, dtype=np.float64)
    return torch.from_numpy(array[None] if array.ndim == 2 else np.moveaxis(array, -1, 0).copy())


def axis_energy_share(image: Any) -> float:
    """Share of the spectral energy of the image's periodic component that lies on the
    frequency axes (|k_y| ≤ 1 or |k_x| ≤ 1, the mean excluded), all channels together.

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
