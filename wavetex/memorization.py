"""Memorization probe: did a synthesis make a new texture or copy its exemplar?

Texture models with many statistics (all spatial shifts, many scale pairs) can be
satisfied by a translated copy of the exemplar -- circular convolutions make a
circularly shifted exemplar match the statistics almost perfectly -- or by a collage
of exemplar pieces. This module measures that quality/diversity trade-off with
weight-free, CPU-only measures built on normalized cross-correlation (NCC):

* **global match** -- the best NCC of the whole synthesis over all circular shifts of
  the exemplar (optionally also its 8 flips and 90 degree rotations);
* **crop matches** -- the synthesis is tiled into ``p x p`` crops at stride ``p / 2``
  and every crop is searched at every position of the *periodic* exemplar;
* **calibration** -- the same search, leave-one-out, for crops of the exemplar itself:
  how similar two genuinely different pieces of this texture are;
* **copy rate**, **memorization index**, **excess rate** and **coherence** (do
  neighbouring crops come from neighbouring places of the exemplar?), summarised in a
  verdict: ``"undefined"``, ``"indeterminate"``, ``"copy"``, ``"suspicious"`` or
  ``"novel"``.

Controls (shifted copies, collages, noisy and partial copies, phase-randomized
exemplars, matched noise) are provided to check the probe on a texture of one's own.

Image convention: numpy arrays of shape ``(H, W)`` (gray) or ``(H, W, C)`` with
``C = 1`` or ``3`` (channels last), float with values in ``[0, 1]`` or ``uint8`` /
``uint16`` (rescaled to ``[0, 1]``). NCC is invariant to gain and offset, so floats in
another range work too; only the tolerance that declares a window flat (per-pixel
variance below ``1e-10``) assumes the ``[0, 1]`` range.

The engine is Lewis' fast NCC: the numerator is one FFT correlation with the
zero-mean template, the denominator comes from circular box sums (integral images on
the torus). Colour NCC is one NCC over all channels jointly with each channel's own
mean removed, which makes it invariant to per-channel offsets. Flat windows give NCC
0; flat templates are excluded and counted.

Examples
--------
>>> import numpy as np
>>> from wavetex.memorization import probe, shifted_copy, phase_randomized
>>> exemplar = np.random.default_rng(0).random((64, 64))
>>> probe(shifted_copy(exemplar, (5, 7)), exemplar).verdict
'copy'
>>> probe(phase_randomized(exemplar, seed=1), exemplar).verdict
'novel'
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import ParameterError

__all__ = [
    "Calibration",
    "DiversityReport",
    "GlobalMatch",
    "MemorizationReport",
    "calibrate",
    "clear_calibration_cache",
    "crop_collage",
    "default_crop_size",
    "diversity",
    "global_match",
    "matched_noise",
    "noisy_shifted_copy",
    "normalized_cross_correlation",
    "partial_copy",
    "phase_randomized",
    "probe",
    "shifted_copy",
]

#: A window (or template) whose per-pixel variance, summed over channels, is below
#: this value is flat (images in [0, 1]); its NCC is 0 (window) or excluded (template).
FLAT_VARIANCE = 1e-10
#: Smallest exemplar side: the default crop size ``min(side) // 4`` must be >= 16.
MIN_EXEMPLAR_SIDE = 64
#: Smallest crop size.
MIN_CROP_SIZE = 16
#: Lower bound of the copy threshold on the best NCC of a crop.
MIN_COPY_THRESHOLD = 0.95
#: Verdict thresholds (see :func:`probe`).
INDETERMINATE_HELDOUT_Q95 = 0.98
COPY_GLOBAL_MATCH = 0.8
COPY_RATE_THRESHOLD = 0.25
SUSPICIOUS_EXCESS_RATE = 0.5
SUSPICIOUS_COHERENCE = 0.25
#: Two displacements agree when they differ by at most this many pixels per axis.
COHERENCE_TOLERANCE = 2
#: Memory budget (bytes) for one batch of template spectra.
_BATCH_BYTES = 48 * 2**20
_CACHE_SIZE = 8

_DIHEDRAL_NAMES = (
    "identity",
    "rot90",
    "rot180",
    "rot270",
    "flip",
    "flip_rot90",
    "flip_rot180",
    "flip_rot270",
)

SeedLike = int | np.random.Generator | None


# --------------------------------------------------------------------------- inputs


def _as_image(image: Any, name: str) -> np.ndarray:
    """Validate an image and return it as float64 of shape ``(H, W, C)``."""
    if isinstance(image, (str, bytes)) or image is None:
        raise TypeError(
            f"{name} must be a numpy array of shape (H, W) or (H, W, 3); got "
            f"{type(image).__name__}. Load the image first, e.g. with "
            "wavetex.io or skimage.io.imread."
        )
    array = np.asarray(image)
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or array.dtype == bool
    ):
        raise TypeError(
            f"{name} must hold numbers (float in [0, 1] or uint8); got dtype "
            f"{array.dtype}. Convert it with np.asarray(..., dtype=float)."
        )
    if np.iscomplexobj(array):
        raise TypeError(
            f"{name} must be real-valued; got dtype {array.dtype}. Pass the real "
            "part or the magnitude instead."
        )
    if array.ndim == 3 and array.shape[0] in (1, 3) and array.shape[-1] not in (1, 3):
        raise ValueError(
            f"{name} has shape {array.shape}, which looks channel-first; images are "
            "(H, W) or (H, W, C) with channels last. Use np.moveaxis(image, 0, -1)."
        )
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.shape[-1] not in (1, 3):
        hint = (
            " Drop the alpha channel with image[..., :3]."
            if array.ndim == 3 and array.shape[-1] == 4
            else ""
        )
        raise ValueError(
            f"{name} must have shape (H, W) or (H, W, C) with C = 1 or 3; got shape "
            f"{np.shape(image)}.{hint}"
        )
    if array.dtype == np.uint8:
        result = array.astype(np.float64) / 255.0
    elif array.dtype == np.uint16:
        result = array.astype(np.float64) / 65535.0
    elif array.dtype == bool or np.issubdtype(array.dtype, np.floating):
        result = array.astype(np.float64)
    else:
        raise TypeError(
            f"{name} has integer dtype {array.dtype}, whose range is ambiguous; "
            "expected float in [0, 1], uint8 or uint16. Convert it, e.g. "
            "image.astype(np.uint8) or image / 255.0."
        )
    if not np.all(np.isfinite(result)):
        n_bad = int(np.count_nonzero(~np.isfinite(result)))
        raise ValueError(
            f"{name} contains {n_bad} NaN or infinite values; expected finite "
            "values. Replace them, e.g. with np.nan_to_num(image)."
        )
    if min(result.shape[:2]) < 1:
        raise ValueError(f"{name} is empty (shape {np.shape(image)}).")
    return result


def _check_exemplar_size(exemplar: np.ndarray) -> None:
    height, width = exemplar.shape[:2]
    if min(height, width) < MIN_EXEMPLAR_SIDE:
        raise ValueError(
            f"the exemplar must be at least {MIN_EXEMPLAR_SIDE}x{MIN_EXEMPLAR_SIDE} "
            f"pixels (crop size min(side) // 4 >= {MIN_CROP_SIZE}); got "
            f"{height}x{width}. Use a larger exemplar."
        )


def _check_channels(first: np.ndarray, second: np.ndarray, names: str) -> None:
    if first.shape[-1] != second.shape[-1]:
        raise ValueError(
            f"{names} must have the same number of channels; got "
            f"{first.shape[-1]} and {second.shape[-1]}. Convert both to gray "
            "(e.g. skimage.color.rgb2gray) or both to RGB."
        )


def default_crop_size(exemplar_shape: Sequence[int]) -> int:
    """Crop size used by default: a quarter of the exemplar's smaller side.

    Parameters
    ----------
    exemplar_shape : sequence of int
        ``(H, W)`` or ``(H, W, C)``.

    Returns
    -------
    int
        ``min(H, W) // 4``.

    Examples
    --------
    >>> default_crop_size((256, 384, 3))
    64
    """
    return int(min(exemplar_shape[0], exemplar_shape[1]) // 4)


def _resolve_crop_size(exemplar: np.ndarray, crop_size: int | None) -> int:
    _check_exemplar_size(exemplar)
    if crop_size is None:
        return default_crop_size(exemplar.shape)
    if isinstance(crop_size, bool) or not isinstance(crop_size, (int, np.integer)):
        raise TypeError(
            f"crop_size must be an int or None; got {type(crop_size).__name__}. "
            "Pass e.g. crop_size=64, or None for min(exemplar side) // 4."
        )
    largest = min(exemplar.shape[:2]) // 2
    if not MIN_CROP_SIZE <= crop_size <= largest:
        raise ParameterError(
            "crop_size",
            "{} must lie in [%d, %d] (half the exemplar's smaller side) for this %d×%d "
            "(width×height) exemplar; got %d. Use a crop size in that range, or leave it "
            "out for the default %d." % (MIN_CROP_SIZE, largest, exemplar.shape[1], exemplar.shape[0],
                                         crop_size, default_crop_size(exemplar.shape)),
            ("crop_size",),
        )
    return int(crop_size)


def _rng(seed: SeedLike) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)):
        return np.random.default_rng(seed)
    raise TypeError(
        f"seed must be an int, a numpy Generator or None; got {type(seed).__name__}. "
        "Pass e.g. seed=0."
    )


def _digest(image: np.ndarray) -> str:
    hasher = hashlib.blake2b(digest_size=16)
    hasher.update(str(image.shape).encode())
    hasher.update(np.ascontiguousarray(image, dtype=np.float64).tobytes())
    return hasher.hexdigest()


def _is_flat(image: np.ndarray) -> bool:
    return float(image.var(axis=(0, 1)).sum()) < FLAT_VARIANCE


# --------------------------------------------------------------------------- engine


class _PeriodicTarget:
    """An image searched as a periodic (torus) image, with its spectrum.

    Holds the per-channel spectrum, shape ``(C, H, W // 2 + 1)``, and, per window
    shape, the inverse norm of every window (0 for flat windows), shape ``(H, W)``.
    """

    def __init__(self, image: np.ndarray) -> None:
        self.image = image
        self.height, self.width, self.n_channels = image.shape
        self.spectrum_hat = np.fft.rfft2(np.moveaxis(image, -1, 0))
        self._inverse_norms: dict[tuple[int, int], np.ndarray] = {}

    def inverse_window_norm(self, window_shape: tuple[int, int]) -> np.ndarray:
        if window_shape not in self._inverse_norms:
            window_height, window_width = window_shape
            centred = self.image - self.image.mean(axis=(0, 1))
            box_sum = _circular_box_sum(centred, window_height, window_width)
            box_sum_squares = _circular_box_sum(centred**2, window_height, window_width)
            n_pixels = window_height * window_width
            energy = (box_sum_squares - box_sum**2 / n_pixels).sum(axis=-1)
            flat = energy < FLAT_VARIANCE * n_pixels * self.n_channels
            inverse = np.zeros_like(energy)
            inverse[~flat] = 1.0 / np.sqrt(energy[~flat])
            self._inverse_norms[window_shape] = inverse
        return self._inverse_norms[window_shape]


def _circular_box_sum(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Sum of every ``height x width`` window of a periodic image (integral image).

    ``image`` has shape ``(H, W, C)``; the result too, with entry ``[y, x]`` the sum of
    the window whose top-left corner is ``(y, x)``, wrapping around the borders.
    """
    n_rows, n_cols = image.shape[:2]
    padded = np.concatenate([image, image[: height - 1]], axis=0)
    padded = np.concatenate([padded, padded[:, : width - 1]], axis=1)
    integral = np.zeros((padded.shape[0] + 1, padded.shape[1] + 1, image.shape[2]))
    np.cumsum(np.cumsum(padded, axis=0), axis=1, out=integral[1:, 1:])
    return (
        integral[height : height + n_rows, width : width + n_cols]
        - integral[:n_rows, width : width + n_cols]
        - integral[height : height + n_rows, :n_cols]
        + integral[:n_rows, :n_cols]
    )


def _window_normalized_maps(
    templates: np.ndarray, target: _PeriodicTarget
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Correlation of each zero-mean template with every window, over the window norm.

    Parameters
    ----------
    templates : ndarray, shape (B, C, h, w)
        Templates, channel-first, ``h <= H`` and ``w <= W``.
    target : _PeriodicTarget
        Image of shape ``(H, W, C)``.

    Returns
    -------
    maps : ndarray, shape (B, H, W)
        Multiplied by ``inverse_template_norm[b]`` (a positive scalar per template,
        so it does not move the maximum) these are the NCCs of each template with the
        window whose top-left corner is at each position; 0 on flat windows.
    inverse_template_norm : ndarray, shape (B,)
        0 for flat templates.
    flat : ndarray of bool, shape (B,)
        Which templates are flat.
    """
    n_templates, n_channels, height, width = templates.shape
    zero_mean = templates - templates.mean(axis=(2, 3), keepdims=True)
    energy = np.einsum("bchw,bchw->b", zero_mean, zero_mean)
    flat = energy < FLAT_VARIANCE * n_channels * height * width
    inverse_template_norm = np.zeros_like(energy)
    inverse_template_norm[~flat] = 1.0 / np.sqrt(energy[~flat])
    # Zero-padded template spectrum: the row transform only touches the h non-zero rows.
    template_hat = np.fft.fft(
        np.fft.rfft(zero_mean, n=target.width, axis=-1), n=target.height, axis=-2
    )
    np.conjugate(template_hat, out=template_hat)
    template_hat *= target.spectrum_hat  # broadcast over the batch
    cross_hat = template_hat.sum(axis=1) if n_channels > 1 else template_hat[:, 0]
    maps = np.fft.irfft2(cross_hat, s=(target.height, target.width))
    maps *= target.inverse_window_norm((height, width))
    return maps, inverse_template_norm, flat


def _ncc_maps(templates: np.ndarray, target: _PeriodicTarget) -> tuple[np.ndarray, np.ndarray]:
    """NCC of each template (B, C, h, w) at every position of the periodic target.

    Returns the maps, shape ``(B, H, W)`` (all zeros for flat templates), and which
    templates are flat, shape ``(B,)``.
    """
    maps, inverse_template_norm, flat = _window_normalized_maps(templates, target)
    maps *= inverse_template_norm[:, None, None]
    return maps, flat


def _batch_size(target: _PeriodicTarget) -> int:
    bytes_per_template = 16 * target.n_channels * target.height * (target.width // 2 + 1)
    return max(1, _BATCH_BYTES // bytes_per_template)


def _search_crops(
    source: np.ndarray,
    positions: np.ndarray,
    crop_size: int,
    target: _PeriodicTarget,
    *,
    exclude_own_window: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Best NCC of each ``crop_size`` crop of ``source`` over the periodic target.

    Crops are taken circularly from ``source`` (shape ``(Hs, Ws, C)``) at the top-left
    ``positions`` (shape ``(N, 2)``). With ``exclude_own_window`` the source is the
    target and positions whose window overlaps the crop (circularly) are excluded.

    Returns the best NCC per crop (NaN for flat crops), shape ``(N,)``, and the
    top-left position of the best window in the target, shape ``(N, 2)``.
    """
    n_crops = len(positions)
    best = np.full(n_crops, np.nan)
    best_positions = np.zeros((n_crops, 2), dtype=np.int64)
    offsets = np.arange(crop_size)
    overlap = np.arange(-crop_size + 1, crop_size)
    step = _batch_size(target)
    for start in range(0, n_crops, step):
        chunk = positions[start : start + step]
        rows = (chunk[:, 0, None] + offsets) % source.shape[0]
        cols = (chunk[:, 1, None] + offsets) % source.shape[1]
        crops = source[rows[:, :, None], cols[:, None, :]]  # (B, p, p, C)
        maps, inverse_template_norm, flat = _window_normalized_maps(
            np.moveaxis(crops, -1, 1), target
        )
        if exclude_own_window:
            own_rows = (chunk[:, 0, None] + overlap) % target.height
            own_cols = (chunk[:, 1, None] + overlap) % target.width
            batch_index = np.arange(len(chunk))[:, None, None]
            maps[batch_index, own_rows[:, :, None], own_cols[:, None, :]] = -np.inf
        flat_index = np.argmax(maps.reshape(len(chunk), -1), axis=1)
        values = maps.reshape(len(chunk), -1)[np.arange(len(chunk)), flat_index]
        values = np.clip(values * inverse_template_norm, -1.0, 1.0)
        values[flat] = np.nan
        best[start : start + step] = values
        best_positions[start : start + step, 0] = flat_index // target.width
        best_positions[start : start + step, 1] = flat_index % target.width
    return best, best_positions


def normalized_cross_correlation(template: np.ndarray, image: np.ndarray) -> np.ndarray:
    """NCC of a template at every position of a periodic image.

    Parameters
    ----------
    template : ndarray, shape (h, w) or (h, w, C)
        Template, no larger than ``image`` along either axis.
    image : ndarray, shape (H, W) or (H, W, C)
        Image, treated as periodic: windows wrap around its borders.

    Returns
    -------
    ndarray, shape (H, W)
        Entry ``[y, x]`` is the NCC between the template and the window of ``image``
        whose top-left corner is ``(y, x)``; in [-1, 1]. Flat windows give 0, and a
        flat template gives a map of zeros. Colour: one NCC over all channels, each
        channel with its own mean removed.

    Examples
    --------
    >>> image = np.random.default_rng(0).random((32, 32))
    >>> ncc = normalized_cross_correlation(image[4:12, 30:32], image)
    >>> ncc.shape, round(float(ncc[4, 30]), 6)
    ((32, 32), 1.0)
    """
    template_array = _as_image(template, "template")
    image_array = _as_image(image, "image")
    _check_channels(template_array, image_array, "template and image")
    if any(t > i for t, i in zip(template_array.shape[:2], image_array.shape[:2])):
        raise ValueError(
            f"the template ({template_array.shape[0]}x{template_array.shape[1]}) must "
            f"not be larger than the image ({image_array.shape[0]}x"
            f"{image_array.shape[1]}) along either axis. Crop the template or swap "
            "the arguments."
        )
    maps, _ = _ncc_maps(np.moveaxis(template_array, -1, 0)[None], _PeriodicTarget(image_array))
    return np.clip(maps[0], -1.0, 1.0)


# --------------------------------------------------------------------------- global


@dataclass(frozen=True)
class GlobalMatch:
    """Best whole-image alignment between two images.

    Attributes
    ----------
    score : float
        Best NCC (NaN when the template is flat).
    offset : tuple of int
        ``(dy, dx)``: top-left position, in the periodic searched image, where the
        (transformed) template lands at the best match.
    transform : str
        Which of the 8 flips / 90 degree rotations of the first image was best
        (``"identity"`` without ``search_flips``).
    template : str
        ``"first"`` when the (transformed) first image was searched in the second,
        ``"second"`` when the second was searched in the first (the smaller one is
        the template; a template larger than the other image along one axis is
        cropped to its top-left part that fits).
    """

    score: float
    offset: tuple[int, int]
    transform: str
    template: str


def _dihedral(image: np.ndarray, index: int) -> np.ndarray:
    if index >= 4:
        image = image[:, ::-1]
    return np.ascontiguousarray(np.rot90(image, index % 4, axes=(0, 1)))


def _global_match_arrays(first: np.ndarray, second: np.ndarray, search_flips: bool) -> GlobalMatch:
    best = GlobalMatch(float("nan"), (0, 0), "identity", "first")
    targets: dict[int, _PeriodicTarget] = {}
    for index in range(8 if search_flips else 1):
        transformed = _dihedral(first, index)
        if transformed.shape[0] * transformed.shape[1] <= second.shape[0] * second.shape[1]:
            template, searched, role = transformed, second, "first"
            key = -1
        else:
            template, searched, role = second, transformed, "second"
            key = index
        template = template[: searched.shape[0], : searched.shape[1]]
        if key not in targets:
            targets[key] = _PeriodicTarget(searched)
        maps, flat = _ncc_maps(np.moveaxis(template, -1, 0)[None], targets[key])
        if flat[0]:
            continue
        position = int(np.argmax(maps[0]))
        score = float(np.clip(maps[0].flat[position], -1.0, 1.0))
        if not score <= best.score:  # also replaces NaN
            width = targets[key].width
            best = GlobalMatch(
                score, (position // width, position % width), _DIHEDRAL_NAMES[index], role
            )
    return best


def global_match(
    first: np.ndarray, second: np.ndarray, *, search_flips: bool = False
) -> GlobalMatch:
    """Best NCC between two whole images over all circular shifts.

    Equal sizes: the first image is compared with every circular shift of the second.
    Unequal sizes: the smaller image is searched in the larger one, treated as
    periodic.

    Parameters
    ----------
    first, second : ndarray, shape (H, W) or (H, W, C)
        Images with the same number of channels (typically synthesis, exemplar).
    search_flips : bool, default False
        Also try the 8 flips / 90 degree rotations of ``first`` (8 times slower).

    Returns
    -------
    GlobalMatch

    Examples
    --------
    >>> image = np.random.default_rng(0).random((32, 48))
    >>> match = global_match(np.roll(image, (3, -5), axis=(0, 1)), image)
    >>> round(match.score, 6), match.offset
    (1.0, (29, 5))
    """
    first_array = _as_image(first, "first")
    second_array = _as_image(second, "second")
    _check_channels(first_array, second_array, "first and second")
    return _global_match_arrays(first_array, second_array, bool(search_flips))


# --------------------------------------------------------------------------- calibration


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


def _read_only(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


def _statistic(values: np.ndarray, quantile: float) -> float:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return float("nan")
    return float(np.quantile(finite, quantile))


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


# --------------------------------------------------------------------------- probe


@dataclass(frozen=True, eq=False)
class MemorizationReport:
    """Result of :func:`probe`: how much a synthesis copies its exemplar.

    Scalars are NaN where undefined (e.g. no calibration, all crops flat);
    :meth:`to_dict` turns NaN into ``None``.

    Attributes
    ----------
    verdict : str
        ``"undefined"``, ``"indeterminate"``, ``"copy"``, ``"suspicious"`` or
        ``"novel"``.
    verdict_reason : str
        The verdict explained in a sentence.
    global_match : float
        Best NCC of the whole synthesis against the periodic exemplar.
    global_offset : tuple of int
        Where the template lands at the global match (see :class:`GlobalMatch`).
    global_transform : str
        Best flip / rotation of the synthesis (``"identity"`` without flips).
    global_template : str
        ``"synthesis"`` or ``"exemplar"``: which image was searched in the other.
    crop_size, crop_stride : int
        Crop side ``p`` and stride of the synthesis tiling (``p // 2``).
    n_crops, n_flat_crops : int
        Number of synthesis crops, and how many of them are flat (excluded).
    crop_match_median, crop_match_p90, crop_match_max : float
        Statistics of the best NCC of the non-flat crops.
    copy_threshold : float
        ``max(0.95, (1 + heldout_q95) / 2)``.
    copy_rate : float
        Fraction of non-flat crops whose best NCC reaches ``copy_threshold``.
    excess_rate : float
        Fraction of non-flat crops whose best NCC exceeds ``heldout_q95``.
    coherence : float
        Fraction of non-flat crops whose displacement agrees (within 2 px per axis)
        with that of a non-overlapping neighbour crop ``p`` away.
    heldout_median, heldout_q95, heldout_max : float
        Calibration statistics (see :class:`Calibration`).
    memorization_index : float
        ``(crop_match_median - heldout_median) / (1 - heldout_median)``.
    calibrated, search_flips : bool
        Options the probe ran with.
    synthesis_shape, exemplar_shape : tuple of int
        ``(H, W, C)`` of the inputs.
    crop_positions : ndarray of int, shape (N, 2)
        Top-left ``(y, x)`` of each crop in the synthesis (row-major grid).
    match_positions : ndarray of int, shape (N, 2)
        Top-left of each crop's best match in the periodic exemplar.
    displacements : ndarray of int, shape (N, 2)
        ``(match_positions - crop_positions) mod exemplar shape``.
    crop_matches : ndarray, shape (N,)
        Best NCC of each crop (NaN for flat crops).
    heldout_matches : ndarray, shape (M,)
        Held-out NCCs of the exemplar crops (empty without calibration).
    """

    verdict: str
    verdict_reason: str
    global_match: float
    global_offset: tuple[int, int]
    global_transform: str
    global_template: str
    crop_size: int
    crop_stride: int
    n_crops: int
    n_flat_crops: int
    crop_match_median: float
    crop_match_p90: float
    crop_match_max: float
    copy_threshold: float
    copy_rate: float
    excess_rate: float
    coherence: float
    heldout_median: float
    heldout_q95: float
    heldout_max: float
    memorization_index: float
    calibrated: bool
    search_flips: bool
    synthesis_shape: tuple[int, int, int]
    exemplar_shape: tuple[int, int, int]
    crop_positions: np.ndarray = field(repr=False)
    match_positions: np.ndarray = field(repr=False)
    displacements: np.ndarray = field(repr=False)
    crop_matches: np.ndarray = field(repr=False)
    heldout_matches: np.ndarray = field(repr=False)

    _ARRAY_FIELDS = (
        "crop_positions",
        "match_positions",
        "displacements",
        "crop_matches",
        "heldout_matches",
    )

    def to_dict(self, *, include_arrays: bool = False) -> dict[str, Any]:
        """Plain, JSON-serialisable view (NaN becomes ``None``).

        Parameters
        ----------
        include_arrays : bool, default False
            Also include the per-crop arrays as nested lists.

        Returns
        -------
        dict
            Scalars, shapes and the verdict; with ``include_arrays`` also the fields
            ``crop_positions``, ``match_positions``, ``displacements``,
            ``crop_matches`` and ``heldout_matches``.

        Examples
        --------
        >>> import json
        >>> exemplar = np.random.default_rng(0).random((64, 64))
        >>> summary = probe(exemplar, exemplar).to_dict()
        >>> summary["verdict"], summary["copy_rate"]
        ('copy', 1.0)
        >>> _ = json.dumps(summary, allow_nan=False)
        """
        result: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            if name in self._ARRAY_FIELDS and not include_arrays:
                continue
            result[name] = _plain(getattr(self, name))
        return result


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    return value


def _crop_grid(shape: tuple[int, ...], crop_size: int, stride: int) -> tuple[np.ndarray, int, int]:
    rows = np.arange(0, shape[0] - crop_size + 1, stride)
    cols = np.arange(0, shape[1] - crop_size + 1, stride)
    grid_y, grid_x = np.meshgrid(rows, cols, indexing="ij")
    return np.stack([grid_y.ravel(), grid_x.ravel()], axis=1), len(rows), len(cols)


def _coherence(
    displacements: np.ndarray,
    valid: np.ndarray,
    grid_shape: tuple[int, int],
    steps: int,
    period: tuple[int, int],
) -> float:
    """Fraction of valid crops agreeing with a valid neighbour ``steps`` cells away."""
    displacement_grid = displacements.reshape(*grid_shape, 2)
    valid_grid = valid.reshape(grid_shape)
    agrees = np.zeros(grid_shape, dtype=bool)
    has_neighbour = np.zeros(grid_shape, dtype=bool)
    period_array = np.asarray(period)
    for axis in (0, 1):
        if grid_shape[axis] <= steps:
            continue
        here = [slice(None), slice(None)]
        there = [slice(None), slice(None)]
        for sign in (1, -1):
            here[axis] = slice(0, grid_shape[axis] - steps) if sign > 0 else slice(steps, None)
            there[axis] = slice(steps, None) if sign > 0 else slice(0, grid_shape[axis] - steps)
            pair_valid = valid_grid[tuple(here)] & valid_grid[tuple(there)]
            difference = np.abs(displacement_grid[tuple(here)] - displacement_grid[tuple(there)])
            difference = np.minimum(difference, period_array - difference)
            close = np.all(difference <= COHERENCE_TOLERANCE, axis=-1)
            has_neighbour[tuple(here)] |= pair_valid
            agrees[tuple(here)] |= pair_valid & close
    n_eligible = int(np.count_nonzero(has_neighbour & valid_grid))
    if n_eligible == 0:
        return float("nan")
    return float(np.count_nonzero(agrees & valid_grid)) / n_eligible


def _verdict(
    *,
    synthesis_flat: bool,
    exemplar_flat: bool,
    n_crops: int,
    n_flat_crops: int,
    heldout_q95: float,
    crop_size: int,
    global_score: float,
    copy_rate: float,
    copy_threshold: float,
    excess_rate: float,
    coherence: float,
) -> tuple[str, str]:
    if synthesis_flat or exemplar_flat:
        which = "synthesis" if synthesis_flat else "exemplar"
        return "undefined", f"The {which} is flat, so similarity cannot be measured."
    if n_flat_crops * 2 > n_crops:
        return "undefined", (
            f"{n_flat_crops} of the {n_crops} synthesis crops are flat (more than half), "
            "so too little of the synthesis can be compared."
        )
    if heldout_q95 >= INDETERMINATE_HELDOUT_Q95:
        return "indeterminate", (
            f"The exemplar repeats itself almost exactly at crop size {crop_size} "
            f"(held-out 95th percentile NCC {heldout_q95:.3f} >= "
            f"{INDETERMINATE_HELDOUT_Q95}), so copying cannot be told from faithful "
            "synthesis; a larger crop_size may help."
        )
    percent = f"{100 * copy_rate:.0f}%"
    if global_score >= COPY_GLOBAL_MATCH or copy_rate >= COPY_RATE_THRESHOLD:
        reasons = []
        if global_score >= COPY_GLOBAL_MATCH:
            reasons.append(
                f"the whole synthesis matches a shifted exemplar with NCC "
                f"{global_score:.3f} (>= {COPY_GLOBAL_MATCH})"
            )
        if copy_rate >= COPY_RATE_THRESHOLD:
            reasons.append(
                f"{percent} of its crops reproduce a piece of the exemplar "
                f"(NCC >= {copy_threshold:.3f}; copy when >= "
                f"{100 * COPY_RATE_THRESHOLD:.0f}%)"
            )
        return "copy", "The synthesis copies the exemplar: " + " and ".join(reasons) + "."
    reasons = []
    if copy_rate > 0:
        reasons.append(
            f"{percent} of its crops reproduce a piece of the exemplar "
            f"(NCC >= {copy_threshold:.3f})"
        )
    if excess_rate >= SUSPICIOUS_EXCESS_RATE:
        reasons.append(
            f"{100 * excess_rate:.0f}% of its crops match the exemplar better than "
            "95% of the exemplar's own pieces match each other"
        )
    if coherence >= SUSPICIOUS_COHERENCE:
        reasons.append(
            f"{100 * coherence:.0f}% of its crops come from the same place of the "
            "exemplar as a neighbouring crop"
        )
    if reasons:
        return "suspicious", "The synthesis may copy parts of the exemplar: " + (
            "; ".join(reasons) + "."
        )
    details = [f"global match {global_score:.2f}", "no crop above the copy threshold"]
    if math.isfinite(excess_rate):
        details.append(f"excess rate {excess_rate:.2f}")
    if math.isfinite(coherence):
        details.append(f"coherence {coherence:.2f}")
    return "novel", "No sign of copying: " + ", ".join(details) + "."


def probe(
    synthesis: np.ndarray,
    exemplar: np.ndarray,
    *,
    crop_size: int | None = None,
    search_flips: bool = False,
    calibration: Calibration | bool | None = None,
) -> MemorizationReport:
    """Measure how much a synthesis copies its exemplar.

    Parameters
    ----------
    synthesis : ndarray, shape (H, W) or (H, W, C)
        The synthesized texture; any size with both sides at least ``crop_size``.
    exemplar : ndarray, shape (H', W') or (H', W', C)
        The exemplar, at least 64 x 64, with the same number of channels; searched
        as a periodic image.
    crop_size : int, optional
        Crop side ``p``; default ``min(H', W') // 4``, allowed ``[16, min(H', W') // 2]``.
    search_flips : bool, default False
        Also search the 8 flips / 90 degree rotations of the synthesis for the global
        match (crop matches always use the synthesis as is).
    calibration : Calibration, bool or None, default None
        ``None`` or ``True``: calibrate the exemplar (cached, see :func:`calibrate`).
        A :class:`Calibration` of this exemplar at this crop size: use it.
        ``False``: skip calibration (copy threshold 0.95; held-out statistics, the
        memorization index and the excess rate are NaN; no "indeterminate" verdict).

    Returns
    -------
    MemorizationReport
        The verdict is the first rule that applies:

        1. ``"undefined"`` -- synthesis or exemplar flat, or more than half the
           synthesis crops flat;
        2. ``"indeterminate"`` -- ``heldout_q95 >= 0.98``;
        3. ``"copy"`` -- ``global_match >= 0.8`` or ``copy_rate >= 0.25``;
        4. ``"suspicious"`` -- ``copy_rate > 0``, ``excess_rate >= 0.5`` or
           ``coherence >= 0.25``;
        5. ``"novel"``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> exemplar = rng.random((64, 64))
    >>> report = probe(shifted_copy(exemplar, seed=1), exemplar)
    >>> report.verdict, report.copy_rate, round(report.global_match, 3)
    ('copy', 1.0, 1.0)
    >>> probe(matched_noise(exemplar, seed=2), exemplar).verdict
    'novel'
    """
    synthesis_array = _as_image(synthesis, "synthesis")
    exemplar_array = _as_image(exemplar, "exemplar")
    _check_channels(synthesis_array, exemplar_array, "synthesis and exemplar")
    size = _resolve_crop_size(exemplar_array, crop_size)
    smaller_side = min(synthesis_array.shape[:2])
    if smaller_side < size:
        fits = smaller_side >= MIN_CROP_SIZE
        raise ParameterError(
            "crop_size",
            "the synthesis (%d×%d pixels, width×height) must be at least as large as one crop "
            "(%d×%d) along both axes; use %s" % (
                synthesis_array.shape[1], synthesis_array.shape[0], size, size,
                "{} or less, or a larger synthesis." if fits
                else "a synthesis at least %d pixels wide and high." % MIN_CROP_SIZE),
            *([("crop_size", smaller_side)] if fits else []),
        )
    if not (calibration is None or isinstance(calibration, (bool, Calibration))):
        raise TypeError(
            "calibration must be None, True, False or a Calibration from "
            f"wavetex.memorization.calibrate; got {type(calibration).__name__}."
        )

    exemplar_target = _PeriodicTarget(exemplar_array)
    exemplar_flat = _is_flat(exemplar_array)
    synthesis_flat = _is_flat(synthesis_array)

    calibrated = calibration is not False
    heldout_median = heldout_q95 = heldout_max = float("nan")
    heldout_matches = _read_only(np.empty(0))
    if calibrated:
        digest = _digest(exemplar_array)
        if isinstance(calibration, Calibration):
            if calibration.exemplar_digest != digest or calibration.crop_size != size:
                raise ValueError(
                    "the calibration does not belong to this exemplar and crop size "
                    f"(it was made for crop size {calibration.crop_size} on an exemplar "
                    f"of shape {calibration.exemplar_shape}; probing with crop size "
                    f"{size}). Pass calibrate(exemplar, crop_size) or calibration=None."
                )
            exemplar_calibration = calibration
        else:
            exemplar_calibration = _calibrate_array(exemplar_array, size, digest, exemplar_target)
        heldout_median = exemplar_calibration.heldout_median
        heldout_q95 = exemplar_calibration.heldout_q95
        heldout_max = exemplar_calibration.heldout_max
        heldout_matches = exemplar_calibration.heldout_matches

    match = _global_match_arrays(synthesis_array, exemplar_array, bool(search_flips))

    stride = max(1, size // 2)
    positions, n_rows, n_cols = _crop_grid(synthesis_array.shape, size, stride)
    crop_matches, match_positions = _search_crops(
        synthesis_array, positions, size, exemplar_target, exclude_own_window=False
    )
    period = exemplar_array.shape[:2]
    displacements = (match_positions - positions) % np.asarray(period)
    valid = np.isfinite(crop_matches)
    n_valid = int(np.count_nonzero(valid))
    valid_matches = crop_matches[valid]

    if math.isfinite(heldout_q95):
        copy_threshold = max(MIN_COPY_THRESHOLD, (1.0 + heldout_q95) / 2.0)
    else:
        copy_threshold = MIN_COPY_THRESHOLD
    if n_valid:
        copy_rate = float(np.count_nonzero(valid_matches >= copy_threshold)) / n_valid
        excess_rate = (
            float(np.count_nonzero(valid_matches > heldout_q95)) / n_valid
            if math.isfinite(heldout_q95)
            else float("nan")
        )
    else:
        copy_rate = excess_rate = float("nan")
    crop_match_median = _statistic(crop_matches, 0.5)
    if math.isfinite(heldout_median) and heldout_median < 1.0:
        memorization_index = (crop_match_median - heldout_median) / (1.0 - heldout_median)
    else:
        memorization_index = float("nan")
    coherence = _coherence(
        displacements, valid, (n_rows, n_cols), steps=math.ceil(size / stride), period=period
    )

    verdict, reason = _verdict(
        synthesis_flat=synthesis_flat,
        exemplar_flat=exemplar_flat,
        n_crops=len(positions),
        n_flat_crops=len(positions) - n_valid,
        heldout_q95=heldout_q95,
        crop_size=size,
        global_score=match.score,
        copy_rate=copy_rate,
        copy_threshold=copy_threshold,
        excess_rate=excess_rate,
        coherence=coherence,
    )
    return MemorizationReport(
        verdict=verdict,
        verdict_reason=reason,
        global_match=match.score,
        global_offset=match.offset,
        global_transform=match.transform,
        global_template="synthesis" if match.template == "first" else "exemplar",
        crop_size=size,
        crop_stride=stride,
        n_crops=len(positions),
        n_flat_crops=len(positions) - n_valid,
        crop_match_median=crop_match_median,
        crop_match_p90=_statistic(crop_matches, 0.9),
        crop_match_max=_statistic(crop_matches, 1.0),
        copy_threshold=copy_threshold,
        copy_rate=copy_rate,
        excess_rate=excess_rate,
        coherence=coherence,
        heldout_median=heldout_median,
        heldout_q95=heldout_q95,
        heldout_max=heldout_max,
        memorization_index=memorization_index,
        calibrated=calibrated,
        search_flips=bool(search_flips),
        synthesis_shape=tuple(int(n) for n in synthesis_array.shape),  # type: ignore[arg-type]
        exemplar_shape=tuple(int(n) for n in exemplar_array.shape),  # type: ignore[arg-type]
        crop_positions=_read_only(positions),
        match_positions=_read_only(match_positions),
        displacements=_read_only(displacements),
        crop_matches=_read_only(crop_matches),
        heldout_matches=heldout_matches,
    )


# --------------------------------------------------------------------------- diversity


@dataclass(frozen=True, eq=False)
class DiversityReport:
    """Pairwise global matches between several syntheses (see :func:`diversity`).

    Attributes
    ----------
    pairwise_matches : ndarray, shape (n, n)
        Symmetric; entry ``[i, j]`` is the global match between syntheses ``i`` and
        ``j`` (the diagonal is 1).
    max_match, mean_match : float
        Over the ``n (n - 1) / 2`` distinct pairs.
    """

    pairwise_matches: np.ndarray = field(repr=False)
    max_match: float
    mean_match: float

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-serialisable view (NaN becomes ``None``).

        Examples
        --------
        >>> rng = np.random.default_rng(0)
        >>> diversity([rng.random((32, 32)) for _ in range(3)]).to_dict()["max_match"] < 0.5
        True
        """
        return {
            "pairwise_matches": _plain(self.pairwise_matches),
            "max_match": _plain(self.max_match),
            "mean_match": _plain(self.mean_match),
        }


def diversity(syntheses: Sequence[np.ndarray], *, search_flips: bool = False) -> DiversityReport:
    """Pairwise global matches between syntheses (e.g. from several seeds).

    Parameters
    ----------
    syntheses : sequence of ndarray, each (H, W) or (H, W, C)
        At least two images with the same number of channels.
    search_flips : bool, default False
        Also try the 8 flips / 90 degree rotations (8 times slower).

    Returns
    -------
    DiversityReport
        Low matches mean diverse syntheses; a match near 1 means two seeds gave
        (shifted) copies of each other.

    Examples
    --------
    >>> image = np.random.default_rng(0).random((32, 32))
    >>> report = diversity([image, np.roll(image, 5, axis=1)])
    >>> round(report.max_match, 6)
    1.0
    """
    if isinstance(syntheses, np.ndarray) or not isinstance(syntheses, Sequence):
        raise TypeError(
            "syntheses must be a list or tuple of images; got "
            f"{type(syntheses).__name__}. Wrap a batch as list(batch)."
        )
    if len(syntheses) < 2:
        raise ValueError(
            f"diversity needs at least two syntheses; got {len(syntheses)}. "
            "Synthesize with several seeds."
        )
    images = [_as_image(image, f"syntheses[{index}]") for index, image in enumerate(syntheses)]
    for index, image in enumerate(images[1:], start=1):
        _check_channels(images[0], image, f"syntheses[0] and syntheses[{index}]")
    n_images = len(images)
    matches = np.eye(n_images)
    for first in range(n_images):
        for second in range(first + 1, n_images):
            score = _global_match_arrays(images[first], images[second], bool(search_flips)).score
            matches[first, second] = matches[second, first] = score
    pairs = matches[np.triu_indices(n_images, k=1)]
    finite_pairs = pairs[np.isfinite(pairs)]
    return DiversityReport(
        pairwise_matches=_read_only(matches),
        max_match=_statistic(pairs, 1.0),
        mean_match=float(np.mean(finite_pairs)) if finite_pairs.size else float("nan"),
    )


# --------------------------------------------------------------------------- controls


def _restore(result: np.ndarray, original: Any) -> np.ndarray:
    """Give a float ``(H, W, C)`` control the dtype, range and layout of the input."""
    array = np.asarray(original)
    if array.ndim == 2:
        result = result[:, :, 0]
    if array.dtype in (np.uint8, np.uint16):
        scale = np.iinfo(array.dtype).max
        return np.round(np.clip(result, 0.0, 1.0) * scale).astype(array.dtype)
    if np.issubdtype(array.dtype, np.floating):
        if array.min() >= 0.0 and array.max() <= 1.0:
            result = np.clip(result, 0.0, 1.0)
        return result.astype(array.dtype)
    return result


def _check_shift(shift: Any) -> tuple[int, int]:
    try:
        dy, dx = (int(value) for value in shift)
    except (TypeError, ValueError):
        raise TypeError(
            f"shift must be a pair of ints (dy, dx) or None; got {shift!r}. "
            "Pass e.g. shift=(17, 40)."
        ) from None
    return dy, dx


def _shifted(
    image: np.ndarray, shift: tuple[int, int] | None, rng: np.random.Generator
) -> np.ndarray:
    if shift is None:
        shift = (int(rng.integers(image.shape[0])), int(rng.integers(image.shape[1])))
    return np.roll(image, _check_shift(shift), axis=(0, 1))


def shifted_copy(
    exemplar: np.ndarray, shift: tuple[int, int] | None = None, *, seed: SeedLike = None
) -> np.ndarray:
    """Circularly shifted copy of the exemplar (positive control).

    Parameters
    ----------
    exemplar : ndarray, shape (H, W) or (H, W, C)
    shift : tuple of int, optional
        ``(dy, dx)`` passed to ``np.roll``; drawn uniformly when ``None``.
    seed : int, numpy Generator or None
        Randomness for the shift.

    Returns
    -------
    ndarray
        Same shape and dtype as ``exemplar``.

    Examples
    --------
    >>> shifted_copy(np.arange(4.0).reshape(2, 2) / 3, (0, 1)) * 3
    array([[1., 0.],
           [3., 2.]])
    """
    image = _as_image(exemplar, "exemplar")
    return _restore(_shifted(image, shift, _rng(seed)), exemplar)


def noisy_shifted_copy(
    exemplar: np.ndarray,
    noise_sigma: float,
    *,
    shift: tuple[int, int] | None = None,
    seed: SeedLike = None,
) -> np.ndarray:
    """Shifted copy plus Gaussian white noise (approximate copy, positive control).

    Parameters
    ----------
    exemplar : ndarray, shape (H, W) or (H, W, C)
    noise_sigma : float
        Noise standard deviation in units of the exemplar's standard deviation
        (per channel); e.g. 0.5 to 2.
    shift : tuple of int, optional
        ``(dy, dx)``; drawn uniformly when ``None``.
    seed : int, numpy Generator or None

    Returns
    -------
    ndarray
        Same shape and dtype as ``exemplar`` (clipped to its range).

    Examples
    --------
    >>> exemplar = np.random.default_rng(0).random((64, 64))
    >>> noisy = noisy_shifted_copy(exemplar, 0.5, shift=(0, 0), seed=1)
    >>> bool(np.corrcoef(noisy.ravel(), exemplar.ravel())[0, 1] > 0.8)
    True
    """
    is_number = isinstance(noise_sigma, (int, float, np.number))
    if not (is_number and math.isfinite(noise_sigma) and noise_sigma >= 0):
        raise ValueError(
            f"noise_sigma must be a finite number >= 0 (in units of the exemplar's "
            f"standard deviation); got {noise_sigma!r}. Pass e.g. 0.5."
        )
    image = _as_image(exemplar, "exemplar")
    rng = _rng(seed)
    shifted = _shifted(image, shift, rng)
    noise = rng.standard_normal(image.shape) * (noise_sigma * image.std(axis=(0, 1)))
    return _restore(shifted + noise, exemplar)


def crop_collage(
    exemplar: np.ndarray,
    piece_size: int,
    *,
    size: tuple[int, int] | None = None,
    grid_offset: tuple[int, int] = (0, 0),
    seed: SeedLike = None,
) -> np.ndarray:
    """Collage of square exemplar pieces taken at random offsets (positive control).

    The output is tiled by a grid of ``piece_size`` squares (shifted by
    ``grid_offset``, pieces cut at the borders); each square is copied from a uniformly
    random position of the periodic exemplar.

    Parameters
    ----------
    exemplar : ndarray, shape (H, W) or (H, W, C)
    piece_size : int
        Side of the pieces, ``1 <= piece_size <= min(H, W)``.
    size : tuple of int, optional
        ``(height, width)`` of the output; default the exemplar's.
    grid_offset : tuple of int, default (0, 0)
        Shift of the piece grid relative to the output's top-left corner.
    seed : int, numpy Generator or None

    Returns
    -------
    ndarray
        Shape ``size`` (plus channels as in ``exemplar``), dtype of ``exemplar``.

    Examples
    --------
    >>> exemplar = np.random.default_rng(0).random((64, 64))
    >>> crop_collage(exemplar, 32, size=(48, 80), seed=1).shape
    (48, 80)
    """
    image = _as_image(exemplar, "exemplar")
    if isinstance(piece_size, bool) or not isinstance(piece_size, (int, np.integer)):
        raise TypeError(f"piece_size must be an int; got {type(piece_size).__name__}.")
    if not 1 <= piece_size <= min(image.shape[:2]):
        raise ValueError(
            f"piece_size must lie in [1, {min(image.shape[:2])}] (the exemplar's "
            f"smaller side); got {piece_size}."
        )
    height, width = image.shape[:2] if size is None else (int(size[0]), int(size[1]))
    if height < 1 or width < 1:
        raise ValueError(f"size must be positive (height, width); got {size!r}.")
    rng = _rng(seed)
    offset_y, offset_x = (int(value) % piece_size for value in grid_offset)
    result = np.empty((height, width, image.shape[2]))
    starts_y = range(offset_y - piece_size if offset_y else 0, height, piece_size)
    starts_x = range(offset_x - piece_size if offset_x else 0, width, piece_size)
    for top in starts_y:
        for left in starts_x:
            source_y = int(rng.integers(image.shape[0]))
            source_x = int(rng.integers(image.shape[1]))
            rows = np.arange(max(top, 0), min(top + piece_size, height))
            cols = np.arange(max(left, 0), min(left + piece_size, width))
            source_rows = (source_y + rows - top) % image.shape[0]
            source_cols = (source_x + cols - left) % image.shape[1]
            piece = image[source_rows[:, None], source_cols[None, :]]
            result[rows[:, None], cols[None, :]] = piece
    return _restore(result, exemplar)


def _phase_randomized(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    height, width = image.shape[:2]
    phases = np.angle(np.fft.rfft2(rng.standard_normal((height, width))))
    phases[0, 0] = 0.0  # keep the mean
    spectrum = np.fft.rfft2(image, axes=(0, 1))
    rotated = spectrum * np.exp(1j * phases)[:, :, None]
    return np.fft.irfft2(rotated, s=(height, width), axes=(0, 1))


def phase_randomized(exemplar: np.ndarray, *, seed: SeedLike = None) -> np.ndarray:
    """Exemplar with random Fourier phases (negative control).

    Each channel keeps its power spectrum (and mean); one random phase field, the
    phase of the spectrum of white noise, is added to every channel, so correlations
    between colour channels survive.

    Parameters
    ----------
    exemplar : ndarray, shape (H, W) or (H, W, C)
    seed : int, numpy Generator or None

    Returns
    -------
    ndarray
        Same shape and dtype as ``exemplar`` (clipped to its range).

    Examples
    --------
    >>> exemplar = np.random.default_rng(0).random((64, 64))
    >>> randomized = phase_randomized(exemplar, seed=1)
    >>> randomized.shape, bool(abs(randomized.mean() - exemplar.mean()) < 0.01)
    ((64, 64), True)
    """
    image = _as_image(exemplar, "exemplar")
    return _restore(_phase_randomized(image, _rng(seed)), exemplar)


def matched_noise(exemplar: np.ndarray, *, seed: SeedLike = None) -> np.ndarray:
    """Gaussian white noise with the exemplar's per-channel mean and std (negative control).

    Parameters
    ----------
    exemplar : ndarray, shape (H, W) or (H, W, C)
    seed : int, numpy Generator or None

    Returns
    -------
    ndarray
        Same shape and dtype as ``exemplar`` (clipped to its range).

    Examples
    --------
    >>> exemplar = np.random.default_rng(0).random((64, 64, 3))
    >>> matched_noise(exemplar, seed=1).shape
    (64, 64, 3)
    """
    image = _as_image(exemplar, "exemplar")
    rng = _rng(seed)
    noise = rng.standard_normal(image.shape) * image.std(axis=(0, 1)) + image.mean(axis=(0, 1))
    return _restore(noise, exemplar)


def partial_copy(
    exemplar: np.ndarray, fraction: float, *, seed: SeedLike = None
) -> np.ndarray:
    """Phase-randomized exemplar with a strip copied verbatim (positive control).

    A full-height vertical strip covering ``fraction`` of the width (placed at a random
    column) is copied from a random position of the periodic exemplar into a
    :func:`phase_randomized` version of it.

    Parameters
    ----------
    exemplar : ndarray, shape (H, W) or (H, W, C)
    fraction : float
        Fraction of the area copied, in ``(0, 1]``.
    seed : int, numpy Generator or None

    Returns
    -------
    ndarray
        Same shape and dtype as ``exemplar``.

    Examples
    --------
    >>> exemplar = np.random.default_rng(0).random((64, 64))
    >>> half = partial_copy(exemplar, 0.5, seed=1)
    >>> half.shape
    (64, 64)
    """
    if not (isinstance(fraction, (int, float, np.number)) and 0 < fraction <= 1):
        raise ValueError(f"fraction must lie in (0, 1]; got {fraction!r}. Pass e.g. 0.5.")
    image = _as_image(exemplar, "exemplar")
    rng = _rng(seed)
    result = _phase_randomized(image, rng)
    width = image.shape[1]
    strip_width = max(1, round(fraction * width))
    left = int(rng.integers(width - strip_width + 1))
    source = _shifted(image, None, rng)
    result[:, left : left + strip_width] = source[:, left : left + strip_width]
    return _restore(result, exemplar)
