"""Checks of the images and masks given at the library's boundary (the options are
checked by :mod:`wavetex.config`). Each error says what was expected, what was given,
and how to fix it."""

from __future__ import annotations

from typing import Any

import torch

from ._layout import channels_first
from .config import MAX_ORIENTATIONS, MAX_PHASES, MAX_SCALES, check_image_size

# The command line read the limits here before wavetex.config owned them (kept for it).
_MAX_SCALES, _MAX_ORIENTATIONS, _MAX_PHASES = MAX_SCALES, MAX_ORIENTATIONS, MAX_PHASES


def _finite_float(image: Any, what: str) -> torch.Tensor:
    """A float tensor without NaN; numpy arrays (channels last) are converted first."""
    image = channels_first(image)
    if not isinstance(image, torch.Tensor):
        raise TypeError(
            f"{what} must be a torch.Tensor (channels first) or a numpy array (channels last, "
            f"as wavetex.io.read_image returns), got {type(image).__name__}"
        )
    if image.numel() == 0:
        raise ValueError(f"{what} is empty (shape {tuple(image.shape)}); pass an image with pixels")
    if image.dtype not in (torch.float32, torch.float64):
        raise TypeError(
            f"{what} must be float32 or float64 with values in [0, 1], got {image.dtype}; "
            "for 8-bit data use image.float() / 255"
        )
    if not torch.isfinite(image).all():
        n_nan = int(torch.isnan(image).sum())
        found = f"{n_nan} NaN value(s)" if n_nan else "infinite values"
        raise ValueError(f"{what} contains {found}; replace them first (e.g. np.nan_to_num)")
    return image


def _channel_count_error(what: str, shape: tuple, expected: str) -> ValueError:
    return ValueError(
        f"{what} must have shape {expected}, got {tuple(shape)}; "
        "gray images are (H, W) or (1, H, W), colour images (3, H, W), "
        "batches (B, C, H, W); drop an alpha channel with image[:3]"
    )


def exemplar(image: Any) -> torch.Tensor:
    """Return the exemplar as (C, H, W) with C in {1, 3}."""
    image = _finite_float(image, "exemplar")
    if image.ndim == 2:
        image = image[None]
    if image.ndim != 3 or image.shape[0] not in (1, 3):
        raise _channel_count_error("exemplar", image.shape, "(H, W), (1, H, W) or (3, H, W)")
    low, high = image.min().item(), image.max().item()
    if low < 0 or high > 1:
        raise ValueError(
            f"exemplar values must lie in [0, 1], got [{low:.4g}, {high:.4g}]; "
            "for 8-bit data divide by 255 (16-bit: by 65535)"
        )
    if high == low:
        raise ValueError("exemplar is constant (a flat image has no texture); pass a textured image")
    return image


def images(images: Any, n_colours: int, n_scales: int, like: torch.Tensor) -> tuple[torch.Tensor, bool]:
    """Return (B, C, H, W) and whether the input was batched."""
    images = _finite_float(images, "image")
    batched = images.ndim == 4
    if images.ndim == 2 and n_colours == 1:
        images = images[None]
    if images.ndim == 3:
        images = images[None]
    expected = "(H, W), (1, H, W) or (B, 1, H, W)" if n_colours == 1 else "(3, H, W) or (B, 3, H, W)"
    if images.ndim != 4 or images.shape[1] != n_colours:
        raise _channel_count_error(
            f"image for this {'gray' if n_colours == 1 else 'colour'} model", images.shape, expected
        )
    if images.device != like.device:
        raise ValueError(
            f"image is on {images.device} but the statistics are on {like.device}; "
            f"move one of them, e.g. stats.to('{images.device}')"
        )
    check_image_size(images.shape[-2:], n_scales)
    return images, batched


def known_mask(known: Any, size: tuple[int, int]) -> torch.Tensor:
    """A bool (H, W) tensor, True where the pixel is known, of the image's size."""
    if not isinstance(known, torch.Tensor) or known.dtype != torch.bool:
        raise TypeError(
            f"known must be a bool torch.Tensor of shape (H, W), got "
            f"{getattr(known, 'dtype', type(known).__name__)}; convert with torch.as_tensor(mask) > 0"
        )
    if tuple(known.shape) != tuple(size):
        raise ValueError(
            f"known is {tuple(known.shape)} but the image is {tuple(size)} (rows, columns); "
            "pass a mask of the image's size"
        )
    if not known.any():
        raise ValueError("no pixel is known (the mask marks the whole image as unknown); keep some pixels")
    return known
