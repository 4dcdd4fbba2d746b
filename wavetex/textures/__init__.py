"""Example textures bundled with wavetex (installed as ``wavetex.textures``).

Eight 256 x 256 8-bit PNG images: six crops of photographs shipped with
scikit-image, three gray (``brick``, ``grass``, ``gravel``) and three colour
(``galaxies``, ``retina``, ``tissue``), and two drawn textures, marked
``"source": "drawn"`` in :func:`info`: ``dots``, an exactly regular lattice,
and ``clouds``, fractal noise. ``scripts/make_textures.py`` in the repository
recreates every file. ``SOURCES.md`` gives the origin, licence and crop of
each; :func:`info` returns the same table.

:func:`resolve_source` turns what a user typed -- a file path or a texture name -- into
a :class:`Source`, for the command line and for survey plans alike.

Examples
--------
In a script, ``from wavetex import textures`` and then
``textures.load("tissue")``; the functions of this module:

>>> names()[:3]
['brick', 'clouds', 'dots']
>>> load("tissue").shape
(256, 256, 3)
>>> load("tissue", mode="gray").shape
(256, 256)
"""

from __future__ import annotations

import dataclasses
import importlib.resources
import os
import pathlib
from typing import Any, Literal

import numpy as np

__all__ = ["Source", "info", "load", "names", "path", "resolve_source"]

_CC0_SKIMAGE = "CC0 (as stated by scikit-image)"
_CC0_WAVETEX = "CC0 (made for wavetex)"

# One row per PNG file; tests check this table against SOURCES.md, the files and
# scripts/make_textures.py. "source" is "photograph" or "drawn".
_TEXTURES: tuple[dict[str, Any], ...] = (
    {"name": "brick", "mode": "gray", "kind": "regular", "source": "photograph",
     "periodic": False, "origin": "skimage.data.brick()[128:384, 128:384]",
     "licence": _CC0_SKIMAGE},
    {"name": "clouds", "mode": "gray", "kind": "stochastic", "source": "drawn",
     "periodic": True, "origin": "make_textures.clouds(seed=1)", "licence": _CC0_WAVETEX},
    {"name": "dots", "mode": "gray", "kind": "regular", "source": "drawn",
     "periodic": True, "origin": "make_textures.dots(seed=7)", "licence": _CC0_WAVETEX},
    {"name": "galaxies", "mode": "rgb", "kind": "stochastic", "source": "photograph",
     "periodic": False, "origin": "skimage.data.hubble_deep_field()[0:256, 250:506]",
     "licence": "public domain (NASA, as stated by scikit-image)"},
    {"name": "grass", "mode": "gray", "kind": "stochastic", "source": "photograph",
     "periodic": False, "origin": "skimage.data.grass()[256:512, 128:384]",
     "licence": _CC0_SKIMAGE},
    {"name": "gravel", "mode": "gray", "kind": "stochastic", "source": "photograph",
     "periodic": False, "origin": "skimage.data.gravel()[128:384, 128:384]",
     "licence": _CC0_SKIMAGE},
    {"name": "retina", "mode": "rgb", "kind": "stochastic", "source": "photograph",
     "periodic": False, "origin": "skimage.data.retina()[800:1056, 800:1056]",
     "licence": _CC0_SKIMAGE},
    {"name": "tissue", "mode": "rgb", "kind": "quasi-regular", "source": "photograph",
     "periodic": False, "origin": "skimage.data.immunohistochemistry()[128:384, 0:256]",
     "licence": "no known copyright restrictions (as stated by scikit-image)"},
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
    """One dict per texture: name, width, height, mode, kind, source, periodic, origin, licence.

    ``mode`` is ``"gray"`` or ``"rgb"``; ``kind`` is ``"regular"``,
    ``"quasi-regular"`` or ``"stochastic"``; ``source`` is ``"photograph"`` or
    ``"drawn"``; ``periodic`` tells whether the texture tiles the plane without
    a seam; ``origin`` is the scikit-image function and crop, or the function
    and seed in the repository's ``scripts/make_textures.py``.

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
    >>> path("gravel").name
    'gravel.png'
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


@dataclasses.dataclass(frozen=True)
class Source:
    """An input as a user gave it: an image file, or a bundled texture by name.

    Attributes
    ----------
    text : str
        What was given (a path or a name).
    path : pathlib.Path
        The image file.
    texture : str or None
        The bundled texture's name; None for a file.
    """

    text: str
    path: pathlib.Path
    texture: str | None

    def record(self) -> dict[str, Any]:
        """Where the input came from, for sidecars: the texture and its file, or the
        absolute path of the file.

        Examples
        --------
        >>> resolve_source("gravel").record()["texture"]
        'gravel'
        """
        from wavetex.files import resolve_path

        if self.texture is not None:
            return {"texture": self.texture, "path": str(self.path)}
        return {"path": str(resolve_path(self.path))}

    @property
    def stem(self) -> str:
        """The name outputs are named after: the texture's name or the file's stem."""
        return self.texture if self.texture is not None else self.path.stem


def resolve_source(
    name_or_path: str | os.PathLike[str],
    *,
    base_dir: str | os.PathLike[str] | None = None,
    base_dir_name: str = "the folder",
) -> Source:
    """Resolve what a user typed into an image file: a file path wins over a texture name.

    ``~`` is expanded; a relative path is taken from ``base_dir`` (default: the working
    folder), which messages call ``base_dir_name`` (e.g. "the plan's folder"). A name with a suffix or a folder in it is a path; anything else that is
    not an existing file is a bundled texture's name.

    Raises
    ------
    FileNotFoundError
        A path names no file (or folder); the message says where it was looked for.
    ValueError
        A name is not a bundled texture (the message lists the names), or the path is a
        symbolic link loop.

    Examples
    --------
    >>> resolve_source("gravel").path.name, resolve_source("gravel").texture
    ('gravel.png', 'gravel')
    >>> resolve_source("photos/bark.png")
    Traceback (most recent call last):
    ...
    FileNotFoundError: no file 'photos/bark.png'; check the path, or use a bundled texture name (wavetex textures).
    """
    from wavetex.files import resolve_path

    text = os.fspath(name_or_path)
    given = pathlib.Path(text).expanduser()
    file = given if base_dir is None or given.is_absolute() else pathlib.Path(base_dir) / given
    resolve_path(file)  # a symbolic link loop: ValueError
    if file.exists():
        return Source(text, file, None)
    if given.suffix or len(given.parts) > 1 or os.path.lexists(file):
        where = "" if file is given else f" (relative to {base_dir_name} {str(base_dir)!r})"
        raise FileNotFoundError(
            f"no file {str(file)!r}{where}; check the path, or use a bundled texture name (wavetex textures)."
        )
    return Source(text, path(text), text)  # ValueError listing the names
