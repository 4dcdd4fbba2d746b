"""Leave-one-out calibration of the crop search on the exemplar, with its cache.

See docs/memorization.md, "Calibration".
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from ._arrays import _as_image, _digest, _read_only, _resolve_crop_size, _statistic
from ._ncc import _PeriodicTarget, _search_crops

_CACHE_SIZE = 8


@dataclass(frozen=True, eq=False)
class Calibration:
    """Leave-one-out calibration of the crop search on the exemplar itself.

    Crops of the exemplar (stride ``crop_size // 4``, taken on the torus) are searched
    in the whole periodic exemplar, excluding positions whose window overlaps the crop.
    The best NCCs say how similar two genuinely different pieces of this texture are.
    Arrays are read-only; instances are cached and shared (compare by identity).

    Attributes
    ----------
    crop_size, stride : int
        Crop side ``p`` and stride between crops.
    exemplar_shape : tuple of int
        ``(H, W, C)`` of the exemplar.
    exemplar_digest : str
        Hash of the exemplar (as float64 in [0, 1]); ties the calibration to it.
    crop_positions : ndarray of int, shape (M, 2)
        Top-left ``(y, x)`` of every exemplar crop.
    match_positions : ndarray of int, shape (M, 2)
        Top-left of each crop's best non-overlapping match.
    heldout_matches : ndarray, shape (M,)
        Best held-out NCC per crop (NaN for flat crops).
    n_crops, n_flat_crops : int
    heldout_median, heldout_q95, heldout_max : float
        Statistics over the non-flat crops (NaN when all are flat).
    """

    crop_size: int
    stride: int
    exemplar_shape: tuple[int, int, int]
    exemplar_digest: str
    crop_positions: np.ndarray = field(repr=False)
    match_positions: np.ndarray = field(repr=False)
    heldout_matches: np.ndarray = field(repr=False)
    n_crops: int
    n_flat_crops: int
    heldout_median: float
    heldout_q95: float
    heldout_max: float


_calibration_cache: OrderedDict[tuple[str, int], Calibration] = OrderedDict()
_cache_lock = threading.Lock()


def clear_calibration_cache() -> None:
    """Empty the in-memory cache of exemplar calibrations.

    Examples
    --------
    >>> clear_calibration_cache()
    """
    with _cache_lock:
        _calibration_cache.clear()


def _calibrate_array(
    exemplar: np.ndarray, crop_size: int, digest: str, target: _PeriodicTarget | None
) -> Calibration:
    key = (digest, crop_size)
    with _cache_lock:
        if key in _calibration_cache:
            _calibration_cache.move_to_end(key)
            return _calibration_cache[key]
    stride = max(1, crop_size // 4)
    grid_y, grid_x = np.meshgrid(
        np.arange(0, exemplar.shape[0], stride),
        np.arange(0, exemplar.shape[1], stride),
        indexing="ij",
    )
    positions = np.stack([grid_y.ravel(), grid_x.ravel()], axis=1)
    if target is None:
        target = _PeriodicTarget(exemplar)
    best, match_positions = _search_crops(
        exemplar, positions, crop_size, target, exclude_own_window=True
    )
    calibration = Calibration(
        crop_size=crop_size,
        stride=stride,
        exemplar_shape=tuple(int(n) for n in exemplar.shape),  # type: ignore[arg-type]
        exemplar_digest=digest,
        crop_positions=_read_only(positions),
        match_positions=_read_only(match_positions),
        heldout_matches=_read_only(best),
        n_crops=len(positions),
        n_flat_crops=int(np.count_nonzero(np.isnan(best))),
        heldout_median=_statistic(best, 0.5),
        heldout_q95=_statistic(best, 0.95),
        heldout_max=_statistic(best, 1.0),
    )
    with _cache_lock:
        _calibration_cache[key] = calibration
        _calibration_cache.move_to_end(key)
        while len(_calibration_cache) > _CACHE_SIZE:
            _calibration_cache.popitem(last=False)
    return calibration


def calibrate(exemplar: np.ndarray, crop_size: int | None = None) -> Calibration:
    """Leave-one-out calibration of an exemplar (cached in memory).

    Parameters
    ----------
    exemplar : ndarray, shape (H, W) or (H, W, C)
        At least 64 x 64 pixels.
    crop_size : int, optional
        Crop side ``p``; default ``min(H, W) // 4``. Must lie in
        ``[16, min(H, W) // 2]``.

    Returns
    -------
    Calibration
        The same object is returned for the same exemplar values and crop size while
        it stays in the cache (the 8 most recently used calibrations are kept).

    Examples
    --------
    >>> exemplar = np.random.default_rng(0).random((64, 64))
    >>> calibration = calibrate(exemplar)
    >>> calibration.crop_size, calibration.n_crops, calibration.heldout_q95 < 0.9
    (16, 256, True)
    >>> calibrate(exemplar) is calibration
    True
    """
    exemplar_array = _as_image(exemplar, "exemplar")
    size = _resolve_crop_size(exemplar_array, crop_size)
    return _calibrate_array(exemplar_array, size, _digest(exemplar_array), None)

