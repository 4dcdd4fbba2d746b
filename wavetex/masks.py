"""Masks of unknown pixels: reading, checking, and the regions of extend and tile.

A mask is a bool (H, W) array, **True where the pixel is unknown** (to be synthesised),
False where it is known and kept. In files: white (or any value 1) is unknown, black
(0) is known.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from . import io as wio
from .config import largest_fitting_scales
from .errors import ParameterError
from .representation import erode, support_widths

__all__ = [
    "ANCHORS",
    "read_mask",
    "check_binary",
    "check_mask",
    "minimum_known_side",
    "largest_known_square",
    "border_band",
    "minimum_interior",
    "placement",
]

#: Where extend puts the image in the larger canvas.
ANCHORS = ("center", "top-left", "top", "top-right", "left", "right", "bottom-left", "bottom", "bottom-right")


def read_mask(path: str | Path) -> np.ndarray:
    """Read a black-and-white mask file: white (1) unknown, black (0) known.

    Colour files are read as gray (the mean of R, G and B); every value must be 0 or 1.

    Returns
    -------
    ndarray of bool, shape (H, W)
        True where the pixel is unknown.

    Examples
    --------
    >>> import tempfile
    >>> path = tempfile.mkdtemp() + "/mask.png"
    >>> mask = np.zeros((8, 8)); mask[2:4, 2:6] = 1
    >>> _ = wio.write_image(path, mask)
    >>> read_mask(path).sum()
    np.int64(8)
    """
    return check_binary(wio.read_image(path, mode="gray"), f"the mask {str(path)!r}")


def check_binary(mask: Any, what: str = "mask") -> np.ndarray:
    """A bool array from bools, or from numbers that are all 0 or 1."""
    if isinstance(mask, torch.Tensor):
        mask = mask.detach().cpu().numpy()
    array = np.asarray(mask)
    if array.dtype == bool:
        return array
    if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise TypeError(f"{what} must be a bool or 0/1 array (H, W), got dtype {array.dtype}; pass mask > 0")
    values = np.unique(array)
    if not np.isin(values, (0, 1)).all():
        between = values[(values != 0) & (values != 1)]
        raise ValueError(
            f"{what} is not binary: it has {len(between)} value(s) other than 0 and 1 "
            f"(from {between.min():.3g} to {between.max():.3g}); paint it in pure black (known) and "
            "white (unknown), e.g. threshold it at 50% without anti-aliasing"
        )
    return array == 1


def minimum_known_side(n_scales: int) -> int:
    """Side of the smallest square of known pixels from which the model with J scales
    estimates its statistics: 2^J plus the support of the largest filters on both sides.

    Examples
    --------
    >>> [minimum_known_side(J) for J in (3, 4, 5)]
    [22, 42, 84]
    """
    return 2**n_scales + 2 * support_widths(n_scales)[-1]


def largest_known_square(known: np.ndarray) -> int:
    """Side of the largest odd square of True pixels in a bool (H, W) array (0 if none).

    Examples
    --------
    >>> known = np.zeros((20, 30), dtype=bool); known[2:15, 5:30] = True
    >>> largest_known_square(known)
    13
    """
    tensor = torch.as_tensor(np.asarray(known, dtype=bool))
    if not tensor.any():
        return 0
    low, high = 0, (min(tensor.shape) - 1) // 2  # half-widths: 2w + 1 fits for w = low
    while low < high:
        middle = (low + high + 1) // 2
        if erode(tensor, middle, periodic=False).any():
            low = middle
        else:
            high = middle - 1
    return 2 * low + 1


def check_mask(mask: Any, image_size: tuple[int, int], n_scales: int | None) -> np.ndarray:
    """Check a mask of unknown pixels against the image it belongs to.

    Parameters
    ----------
    mask : array-like, shape (H, W)
        True (or 1) where the pixel is unknown.
    image_size : (int, int)
        The image's (height, width).
    n_scales : int or None
        When given, the known region must hold a square of :func:`minimum_known_side`
        known pixels, from which the statistics are estimated.

    Returns
    -------
    ndarray of bool, shape (H, W)

    Examples
    --------
    >>> mask = np.zeros((128, 128), dtype=bool); mask[40:70, 40:70] = True
    >>> check_mask(mask, (128, 128), 3).sum()
    np.int64(900)
    >>> check_mask(mask, (128, 128), 5)
    Traceback (most recent call last):
    ...
    wavetex.errors.ParameterError: the known region holds no 84×84 square of known pixels (its largest is 57×57), which n_scales=5 needs to estimate the texture's statistics; use n_scales=4 or less, a smaller hole, or an exemplar
    """
    unknown = check_binary(mask)
    height, width = (int(n) for n in image_size)
    if unknown.shape != (height, width):
        shape = f"{unknown.shape[1]}×{unknown.shape[0]}" if unknown.ndim == 2 else f"of shape {unknown.shape}"
        raise ValueError(
            f"the mask is {shape} pixels but the image is {width}×{height} (width×height); "
            "draw the mask at the image's size"
        )
    if not unknown.any():
        raise ValueError("the mask marks no pixel as unknown (it is all black); paint the pixels to fill in white")
    if unknown.all():
        raise ValueError(
            "the mask marks every pixel as unknown (it is all white); keep some known pixels (black), "
            "or make a new texture with synthesize (wavetex synth)"
        )
    if n_scales is not None:
        need = minimum_known_side(n_scales)
        have = largest_known_square(~unknown)
        if have < need:
            fit = max((J for J in range(1, n_scales) if minimum_known_side(J) <= have), default=0)
            fit = min(fit, largest_fitting_scales(height, width))
            template = (
                f"the known region holds no {need}×{need} square of known pixels (its largest is {have}×{have}), "
                "which {} needs to estimate the texture's statistics; "
                + ("use {} or less, " if fit >= 1 else "")
                + "a smaller hole, or an exemplar"
            )
            arguments = [("n_scales", n_scales)] + ([("n_scales", fit)] if fit >= 1 else [])
            raise ParameterError("n_scales", template, *arguments)
    return unknown


def border_band(size: tuple[int, int], band: int, n_scales: int | None = None) -> np.ndarray:
    """The unknown pixels of :func:`wavetex.make_tileable`: ``band`` pixels along each border.

    With ``n_scales`` J, the known interior must keep at least 2^(J-1) pixels per side
    (:func:`minimum_interior`): the constrained loss compares statistics in the region
    that straddles the boundary, and a smaller interior leaves it no pairs of pixels at
    the largest shifts, whose covariances then divide by zero.

    Examples
    --------
    >>> border_band((6, 8), 1).sum()
    np.int64(24)
    >>> border_band((128, 128), 63, n_scales=5)
    Traceback (most recent call last):
    ...
    wavetex.errors.ParameterError: band=63 along each border leaves a known interior of 2×2 pixels in this 128×128 image, and n_scales=5 needs at least 16×16; use band=56 or less
    """
    height, width = size
    if isinstance(band, bool) or not isinstance(band, (int, np.integer)) or band < 1:
        raise ParameterError("band", "{} must be a positive number of pixels", ("band", band))
    band = int(band)
    interior = minimum_interior(n_scales)
    largest = (min(height, width) - interior) // 2
    if band > largest:
        left = min(height, width) - 2 * band
        leaves = "nothing" if left <= 0 else "a known interior of %d×%d pixels" % (width - 2 * band, height - 2 * band)
        need = ", and {} needs at least %d×%d" % (interior, interior) if n_scales is not None else ""
        arguments = [("band", band)] + ([("n_scales", n_scales)] if n_scales is not None else [])
        if largest >= 1:
            remedy, arguments = "use {} or less", arguments + [("band", largest)]
        else:
            remedy = "use a larger image (at least %d pixels per side)" % (2 + interior)
        raise ParameterError(
            "band", "{} along each border leaves %s in this %d×%d image%s; %s" % (leaves, width, height, need, remedy),
            *arguments,
        )
    unknown = np.zeros((height, width), dtype=bool)
    unknown[:band] = unknown[-band:] = True
    unknown[:, :band] = unknown[:, -band:] = True
    return unknown


def minimum_interior(n_scales: int | None) -> int:
    """Smallest side of the known interior that :func:`border_band` leaves for J scales:
    2^(J-1), the largest shift of the statistics (1 without J).

    Measured on 96² noise: the first loss of make_tileable is of order 1e2-1e3 with this
    interior and 1e19 or NaN with the next smaller even one, for J = 3, 4 and 5.

    Examples
    --------
    >>> [minimum_interior(J) for J in (3, 4, 5)]
    [4, 8, 16]
    """
    return 1 if n_scales is None else 2 ** (n_scales - 1)


def placement(image_size: tuple[int, int], size: tuple[int, int], anchor: str) -> tuple[int, int]:
    """Top-left (row, column) of an image placed in a larger canvas at an anchor.

    Examples
    --------
    >>> placement((100, 100), (200, 300), "center"), placement((100, 100), (200, 300), "bottom-right")
    ((50, 100), (100, 200))
    """
    if anchor not in ANCHORS:
        raise ParameterError("anchor", "{} must be one of %s" % ", ".join(ANCHORS), ("anchor", anchor))
    (height, width), (new_height, new_width) = image_size, size
    if new_height < height or new_width < width or (new_height, new_width) == (height, width):
        raise ParameterError(
            "size", "{} must be larger than the image (%d×%d) on at least one side and smaller on none; "
            "ask for a larger size" % (width, height), ("size", (new_height, new_width)),
        )
    vertical = "top" if anchor.startswith("top") else "bottom" if anchor.startswith("bottom") else "middle"
    horizontal = "left" if anchor.endswith("left") else "right" if anchor.endswith("right") else "middle"
    row = {"top": 0, "middle": (new_height - height) // 2, "bottom": new_height - height}[vertical]
    column = {"left": 0, "middle": (new_width - width) // 2, "right": new_width - width}[horizontal]
    return row, column
