"""Checks at the library's boundary. Each error says what was expected, what was given,
and how to fix it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch

from ._layout import channels_first
from .errors import ParameterError

_MAX_SCALES = 10
_MAX_ORIENTATIONS = 32
_MAX_PHASES = 16


def minimum_side(n_scales: int) -> int:
    """Smallest image side the model with J scales accepts: 2^(J+1)."""
    return 2 ** (n_scales + 1)


def largest_fitting_scales(height: int, width: int) -> int:
    """The largest J whose minimum side fits an image of this size (0 if none)."""
    J = 0
    while minimum_side(J + 1) <= min(height, width):
        J += 1
    return J


def model_config(options: dict[str, Any], config_class: type) -> Any:
    known = set(config_class.__dataclass_fields__)
    unknown = sorted(set(options) - known)
    if unknown:
        raise TypeError(
            f"unknown model option(s) {', '.join(unknown)}; expected some of {', '.join(sorted(known))}"
        )
    return config_class(**options)


def integer(name: str, value: Any, low: int, high: int, hint: str = "") -> None:
    """``value`` must be an int (not a bool) in [low, high]; ``hint`` ends the message."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    if not low <= value <= high:
        raise ParameterError(
            name, "{} must be between %d and %d, got %d%s" % (low, high, value, f"; {hint}" if hint else ""), (name,)
        )



def model_options(config: Any, shift_modes: Iterable[str]) -> None:
    """Check a ModelConfig; ``shift_modes`` are the names its ``shifts`` may take."""
    integer("n_scales", config.n_scales, 1, _MAX_SCALES, "the paper uses 5 (J)")
    integer("n_orientations", config.n_orientations, 1, _MAX_ORIENTATIONS, "the paper uses 4 (L)")
    integer("n_phases", config.n_phases, 1, _MAX_PHASES, "the paper uses 4 (A)")
    if config.delta_j is not None:
        integer("delta_j", config.delta_j, 0, _MAX_SCALES, "the paper uses 2 for gray, 4 for colour")
    if config.shifts is not None and config.shifts not in shift_modes:
        raise ParameterError(
            "shifts",
            "{} must be one of %s (or None for the paper's default), got %r"
            % (", ".join(map(repr, shift_modes)), config.shifts),
            ("shifts",),
        )
    if not isinstance(config.masks, bool):
        raise TypeError(f"masks must be True or False, got {config.masks!r}")


def _finite_float(image: Any, what: str) -> torch.Tensor:
    """A float tensor without NaN; numpy arrays (channels last) are converted first."""
    image = channels_first(image)
    if not isinstance(image, torch.Tensor):
        raise TypeError(
            f"{what} must be a torch.Tensor (channels first) or a numpy array (channels last, "
            f"as wavetex.io.read_image returns), got {type(image).__name__}"
        )
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


def image_size(size: tuple[int, int], n_scales: int, what: str = "image") -> None:
    """The (height, width) ``size`` must fit the model's n_scales; the message is width first."""
    height, width = int(size[0]), int(size[1])
    need = minimum_side(n_scales)
    if min(height, width) < need:
        fit = largest_fitting_scales(height, width)
        if fit >= 1:
            remedy = "use {} or less, or a larger %s" % what
            arguments = [("n_scales", fit)]
        else:
            remedy = "use a larger %s: at least %d pixels wide and high (or at least %d with {})" % (
                what, need, minimum_side(1)
            )
            arguments = [("n_scales", 1)]
        raise ParameterError(
            "n_scales",
            "the %s of %d×%d pixels (width×height) is too small for {}, which needs at least %d "
            "pixels per side; %s" % (what, width, height, need, remedy),
            ("n_scales", n_scales),
            *arguments,
        )


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
    image_size(images.shape[-2:], n_scales)
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
