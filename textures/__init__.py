"""Example textures bundled with wavetex (installed as ``wavetex.textures``).

Ten 256 x 256 8-bit PNG images: three crops of CC0 photographs shipped with
scikit-image (``brick``, ``grass``, ``gravel``) and seven textures drawn by
``_generate.py`` in this folder, which recreates every image bit for bit.
``SOURCES.md`` gives the origin and licence of each; :func:`info` returns the
same table.

Examples
--------
In a script, ``from wavetex import textures`` and then
``textures.load("marble")``; the functions of this module:

>>> names()[:3]
['brick', 'cells', 'clouds']
>>> load("marble").shape
(256, 256, 3)
>>> load("marble", mode="gray").shape
(256, 256)
"""

from __future__ import annotations

import importlib.resources
import pathlib
from typing import Any, Literal

import numpy as np

__all__ = ["info", "load", "names", "path"]

_SKIMAGE_LICENCE = "CC0 (as stated by scikit-image)"
_WAVETEX_LICENCE = "CC0 (made for wavetex)"

# One row per PNG file; tests check this table against SOURCES.md and the files.
_TEXTURES: tuple[dict[str, Any], ...] = (
    {"name": "brick", "mode": "gray", "kind": "regular", "periodic": False,
     "origin": "skimage.data.brick()[128:384, 128:384]", "licence": _SKIMAGE_LICENCE},
    {"name": "cells", "mode": "rgb", "kind": "quasi-regular", "periodic": True,
     "origin": "_generate.cells(seed=4)", "licence": _WAVETEX_LICENCE},
    {"name": "clouds", "mode": "gray", "kind": "stochastic", "periodic": True,
     "origin": "_generate.clouds(seed=1)", "licence": _WAVETEX_LICENCE},
    {"name": "dots", "mode": "gray", "kind": "regular", "periodic": True,
     "origin": "_generate.dots(seed=7)", "licence": _WAVETEX_LICENCE},
    {"name": "fibres", "mode": "gray", "kind": "stochastic", "periodic": True,
     "origin": "_generate.fibres(seed=3)", "licence": _WAVETEX_LICENCE},
    {"name": "grass", "mode": "gray", "kind": "stochastic", "periodic": False,
     "origin": "skimage.data.grass()[256:512, 128:384]", "licence": _SKIMAGE_LICENCE},
    {"name": "gravel", "mode": "gray", "kind": "stochastic", "periodic": False,
     "origin": "skimage.data.gravel()[128:384, 128:384]", "licence": _SKIMAGE_LICENCE},
    {"name": "marble", "mode": "rgb", "kind": "stochastic", "periodic": True,
     "origin": "_generate.marble(seed=2)", "licence": _WAVETEX_LICENCE},
    {"name": "tiles", "mode": "rgb", "kind": "regular", "periodic": True,
     "origin": "_generate.tiles(seed=5)", "licence": _WAVETEX_LICENCE},
    {"name": "weave", "mode": "rgb", "kind": "regular", "periodic": True,
     "origin": "_generate.weave(seed=6)", "licence": _WAVETEX_LICENCE},
)
_SIZE = 256  # every bundled texture is _SIZE x _SIZE pixels


def names() -> list[str]:
    """Names of the bundled textures, sorted.

    Examples
    --------
    >>> "gravel" in names()
    True
    """
    return [row["name"] for row in _TEXTURES]


def info() -> list[dict[str, Any]]:
    """One dict per texture: name, width, height, mode, kind, periodic, origin, licence.

    ``mode`` is ``"gray"`` or ``"rgb"``; ``kind`` is ``"regular"``,
    ``"quasi-regular"`` or ``"stochastic"``; ``periodic`` tells whether the
    texture tiles the plane without a seam; ``origin`` is the scikit-image
    function and crop, or the generator function and seed in ``_generate.py``.

    Examples
    --------
    >>> info()[0]["name"], info()[0]["licence"]
    ('brick', 'CC0 (as stated by scikit-image)')
    """
    return [{"width": _SIZE, "height": _SIZE, **row} for row in _TEXTURES]


def path(name: str) -> pathlib.Path:
    """Path of the PNG file of texture ``name``.

    Raises
    ------
    ValueError
        ``name`` is not a bundled texture; the message lists the names.

    Examples
    --------
    >>> path("tiles").name
    'tiles.png'
    """
    if name not in names():
        raise ValueError(
            f"unknown texture {name!r}; available textures: {', '.join(names())}. "
            "To use your own image, pass its file path instead."
        )
    resource = importlib.resources.files(__name__) / f"{name}.png"
    if not isinstance(resource, pathlib.Path):
        raise RuntimeError(
            f"wavetex.textures is installed inside an archive ({resource!r}); reinstall "
            "wavetex unzipped (pip installs it so by default) to get file paths."
        )
    return resource


def load(name: str, *, mode: Literal["auto", "gray", "rgb"] = "auto") -> np.ndarray:
    """Load texture ``name`` as a float64 array in [0, 1].

    Parameters
    ----------
    name : str
        One of :func:`names`.
    mode : {"auto", "gray", "rgb"}, keyword-only
        As in :func:`wavetex.io.read_image`: ``"auto"`` returns shape
        (256, 256) for gray textures and (256, 256, 3) for colour ones.

    Examples
    --------
    >>> image = load("clouds")
    >>> image.shape, image.dtype
    ((256, 256), dtype('float64'))
    """
    from wavetex.io import read_image

    return read_image(path(name), mode=mode)
