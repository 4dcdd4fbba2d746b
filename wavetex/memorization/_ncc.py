"""Periodic normalized cross-correlation (NCC) engine and whole-image global match.

Lewis' fast NCC: the numerator is one FFT correlation with the zero-mean template, the
denominator comes from circular box sums (integral images on the torus). Colour NCC is
one NCC over all channels jointly with each channel's own mean removed. Flat windows
give NCC 0; flat templates are excluded. See docs/memorization.md, "Engine".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._arrays import FLAT_VARIANCE, _as_image, _check_channels

#: Memory budget (bytes) for one batch of template spectra.
_BATCH_BYTES = 48 * 2**20

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
    allowed: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Best NCC of each ``crop_size`` crop of ``source`` over the periodic target.

    Crops are taken circularly from ``source`` (shape ``(Hs, Ws, C)``) at the top-left
    ``positions`` (shape ``(N, 2)``). With ``exclude_own_window`` the source is the
    target and positions whose window overlaps the crop (circularly) are excluded.
    ``allowed`` (bool, shape ``(H, W)`` of the target) restricts the windows searched
    to the top-left positions where it is True.

    Returns the best NCC per crop (NaN for flat crops and for crops with no window
    left to search), shape ``(N,)``, and the top-left position of the best window in
    the target, shape ``(N, 2)``.
    """
    n_crops = len(positions)
    best = np.full(n_crops, np.nan)
    best_positions = np.zeros((n_crops, 2), dtype=np.int64)
    offsets = np.arange(crop_size)
    overlap = np.arange(-crop_size + 1, crop_size)
    step = _batch_size(target)
    forbidden = None if allowed is None else np.where(allowed, 0.0, -np.inf)
    for start in range(0, n_crops, step):
        chunk = positions[start : start + step]
        rows = (chunk[:, 0, None] + offsets) % source.shape[0]
        cols = (chunk[:, 1, None] + offsets) % source.shape[1]
        crops = source[rows[:, :, None], cols[:, None, :]]  # (B, p, p, C)
        maps, inverse_template_norm, flat = _window_normalized_maps(
            np.moveaxis(crops, -1, 1), target
        )
        if forbidden is not None:
            maps += forbidden
        if exclude_own_window:
            own_rows = (chunk[:, 0, None] + overlap) % target.height
            own_cols = (chunk[:, 1, None] + overlap) % target.width
            batch_index = np.arange(len(chunk))[:, None, None]
            maps[batch_index, own_rows[:, :, None], own_cols[:, None, :]] = -np.inf
        flat_index = np.argmax(maps.reshape(len(chunk), -1), axis=1)
        values = maps.reshape(len(chunk), -1)[np.arange(len(chunk)), flat_index]
        searched = np.isfinite(values)
        values = np.clip(np.where(searched, values, 0.0) * inverse_template_norm, -1.0, 1.0)
        values[flat | ~searched] = np.nan
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

