"""Controls: images with known copying, to check the probe on a texture of one's own.

Positive controls (shifted, noisy, collaged and partial copies) must be found; negative
controls (phase-randomized exemplar, matched noise) must not. See docs/memorization.md,
"Controls".
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._arrays import SeedLike, _as_image, _rng


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


def natural_crops(
    photograph: np.ndarray, exemplar_box: tuple[int, int, int, int], size: int, *, step: int | None = None
) -> list[np.ndarray]:
    """Crops of the exemplar's photograph that do not overlap the exemplar (negative control).

    A faithful synthesis of a quasi-periodic texture (bricks, weaves) resembles the
    exemplar the way another piece of the same wall does; the probe must not call
    such pieces copies. They are the ``size x size`` crops of ``photograph`` on a grid of
    step ``step`` (default ``size``) that share no pixel with the exemplar.

    Parameters
    ----------
    photograph : ndarray, shape (H, W) or (H, W, C)
        The photograph the exemplar was cut from.
    exemplar_box : tuple of int
        ``(top, left, height, width)`` of the exemplar in ``photograph``.
    size : int
        Side of the crops.
    step : int, optional
        Distance between neighbouring crops (default ``size``: crops do not overlap).

    Returns
    -------
    list of ndarray
        Crops with the dtype of ``photograph``, row-major.

    Examples
    --------
    >>> photograph = np.random.default_rng(0).random((128, 128))
    >>> len(natural_crops(photograph, (0, 0, 64, 64), 64))
    3
    """
    array = np.asarray(photograph)
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"size must be a positive integer; got {size!r}. Pass e.g. 64.")
    step = size if step is None else step
    if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or step < 1:
        raise ValueError(f"step must be a positive integer; got {step!r}. Pass e.g. {size // 2}.")
    top, left, height, width = exemplar_box
    crops = []
    for y in range(0, array.shape[0] - size + 1, step):
        for x in range(0, array.shape[1] - size + 1, step):
            if y < top + height and top < y + size and x < left + width and left < x + size:
                continue
            crops.append(array[y : y + size, x : x + size].copy())
    return crops
