"""Image validation and small array helpers shared by the memorization probe.

Images are numpy arrays of shape ``(H, W)`` or ``(H, W, C)`` (``C = 1`` or ``3``),
float in ``[0, 1]`` or ``uint8`` / ``uint16``; internally float64 ``(H, W, C)``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ParameterError

#: A window (or template) whose per-pixel variance, summed over channels, is below
#: this value is flat (images in [0, 1]); its NCC is 0 (window) or excluded (template).
FLAT_VARIANCE = 1e-10
#: Smallest exemplar side: the default crop size ``min(side) // 4`` must be >= 16.
MIN_EXEMPLAR_SIDE = 64
#: Smallest crop size.
MIN_CROP_SIZE = 16

SeedLike = int | np.random.Generator | None


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


def _unknown_mask(unknown: Any, shape: Sequence[int]) -> np.ndarray:
    """``unknown`` as a bool (H, W) array of the image's size ``shape[:2]``."""
    unknown = np.asarray(unknown)
    if unknown.dtype != bool or unknown.shape != tuple(shape[:2]):
        raise ValueError(
            f"unknown must be a bool array of the image's size {tuple(shape[:2])}, got "
            f"{unknown.dtype} {unknown.shape}; pass mask > 0"
        )
    return unknown


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


def _read_only(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


def _statistic(values: np.ndarray, quantile: float) -> float:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return float("nan")
    return float(np.quantile(finite, quantile))
