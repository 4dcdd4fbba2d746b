"""Recreate the example textures of :mod:`wavetex.textures` (the PNG files in ``wavetex/textures/``).

Run from the repository root to rewrite the PNG files::

    python scripts/make_textures.py            # all textures
    python scripts/make_textures.py tissue     # only some of them

Most textures are crops of photographs bundled with scikit-image (listed in
:data:`SKIMAGE_CROPS`; nothing is downloaded). Two are drawn here from a seeded
:class:`numpy.random.Generator` with numpy alone (listed in :data:`GENERATORS`):
``dots``, an exactly regular lattice (an edge case for the memorization probe),
and ``clouds``, fractal noise. Both drawn textures are periodic: the left edge
continues the right edge and the top edge continues the bottom edge.

This script is not part of the installed package; ``tests/test_textures.py``
loads it from the checkout and checks that it reproduces every bundled file.

Examples
--------
>>> image = clouds(seed=1, size=64)
>>> image.shape, image.dtype
((64, 64), dtype('uint8'))
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

SIZE = 256
"""Side length, in pixels, of every bundled texture."""

TEXTURE_DIRECTORY = Path(__file__).resolve().parents[1] / "wavetex" / "textures"
"""Folder the PNG files are written to (``wavetex/textures/`` of the checkout)."""

SKIMAGE_CROPS: dict[str, tuple[str, tuple[int, int, int, int]]] = {
    # name: (function of skimage.data, crop box (top, left, bottom, right)),
    # i.e. the texture is ``skimage.data.<function>()[top:bottom, left:right]``.
    "brick": ("brick", (128, 128, 384, 384)),
    "galaxies": ("hubble_deep_field", (0, 250, 256, 506)),
    "grass": ("grass", (256, 128, 512, 384)),
    "gravel": ("gravel", (128, 128, 384, 384)),
    "retina": ("retina", (800, 800, 1056, 1056)),
    "tissue": ("immunohistochemistry", (128, 0, 384, 256)),
}


# ----------------------------------------------------------------- helpers


def _check_size(size: int, multiple: int) -> None:
    if not isinstance(size, int) or size <= 0 or size % multiple:
        raise ValueError(
            f"size must be a positive multiple of {multiple} so the texture stays "
            f"periodic; got {size!r}. Use for instance size={SIZE}."
        )


def _to_uint8(image: np.ndarray) -> np.ndarray:
    """Quantise a float image in [0, 1] to 8 bits (clip, then round)."""
    return np.round(np.clip(image, 0.0, 1.0) * 255.0).astype(np.uint8)


def _rescale(image: np.ndarray, low: float = 0.5, high: float = 99.5) -> np.ndarray:
    """Map the ``low`` and ``high`` percentiles of ``image`` to 0 and 1."""
    bottom, top = np.percentile(image, [low, high])
    return (image - bottom) / (top - bottom)


def _smoothstep(edge0: float, edge1: float, value: np.ndarray) -> np.ndarray:
    """Cubic ramp from 0 (``value <= edge0``) to 1 (``value >= edge1``)."""
    t = np.clip((value - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates ``(rows, columns)``, each of shape (size, size)."""
    coordinates = np.arange(size, dtype=np.float64) + 0.5
    return np.meshgrid(coordinates, coordinates, indexing="ij")


def _wrap(offset: np.ndarray, period: float) -> np.ndarray:
    """Shortest signed offset on a circle of length ``period``."""
    return (offset + period / 2.0) % period - period / 2.0


def _frequencies(size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frequencies ``(f_rows, f_columns, |f|)`` in cycles per pixel, FFT layout."""
    axis = np.fft.fftfreq(size)
    f_rows, f_columns = np.meshgrid(axis, axis, indexing="ij")
    return f_rows, f_columns, np.hypot(f_rows, f_columns)


def _filtered_noise(
    generator: np.random.Generator, amplitude_hat: np.ndarray
) -> np.ndarray:
    """White Gaussian noise shaped by ``amplitude_hat``; periodic, mean 0, std 1."""
    white = generator.standard_normal(amplitude_hat.shape)
    field = np.fft.ifft2(np.fft.fft2(white) * amplitude_hat).real
    field -= field.mean()
    return field / field.std()


def _band_noise(
    generator: np.random.Generator, size: int, centre: float, bandwidth: float = 0.5
) -> np.ndarray:
    """Isotropic noise in a log-Gaussian band around ``centre`` cycles/pixel."""
    _, _, radius = _frequencies(size)
    log_ratio = np.log2(np.maximum(radius, 1e-12) / centre)
    amplitude_hat = np.exp(-(log_ratio**2) / (2.0 * bandwidth**2))
    amplitude_hat[0, 0] = 0.0
    return _filtered_noise(generator, amplitude_hat)


def _power_law_noise(
    generator: np.random.Generator, size: int, exponent: float
) -> np.ndarray:
    """Noise whose amplitude spectrum falls as ``|f| ** -exponent``."""
    _, _, radius = _frequencies(size)
    amplitude_hat = np.zeros_like(radius)
    nonzero = radius > 0
    amplitude_hat[nonzero] = radius[nonzero] ** -exponent
    return _filtered_noise(generator, amplitude_hat)


def _oriented_noise(
    generator: np.random.Generator,
    size: int,
    *,
    angle: float,
    angular_width: float,
    centre: float,
    bandwidth: float = 1.0,
) -> np.ndarray:
    """Noise made of streaks running along ``angle`` (radians, from the x axis).

    The energy sits on frequencies perpendicular to the streaks, within
    ``angular_width`` (radians, Gaussian std) and a log-Gaussian radial band.
    """
    f_rows, f_columns, radius = _frequencies(size)
    orientation = np.arctan2(f_rows, f_columns)
    normal = angle + np.pi / 2.0
    # angle difference modulo pi, so that f and -f weigh the same
    difference = (orientation - normal + np.pi / 2.0) % np.pi - np.pi / 2.0
    log_ratio = np.log2(np.maximum(radius, 1e-12) / centre)
    amplitude_hat = np.exp(-(difference**2) / (2.0 * angular_width**2)) * np.exp(
        -(log_ratio**2) / (2.0 * bandwidth**2)
    )
    amplitude_hat[0, 0] = 0.0
    return _filtered_noise(generator, amplitude_hat)


# -------------------------------------------------------------- generators


def clouds(*, seed: int = 1, size: int = SIZE) -> np.ndarray:
    """Gray fractal noise (amplitude spectrum ``|f| ** -1.4``), a stochastic texture.

    Returns
    -------
    numpy.ndarray
        uint8 array of shape (size, size), periodic.

    Examples
    --------
    >>> clouds(size=32).shape
    (32, 32)
    """
    _check_size(size, 1)
    generator = np.random.default_rng(seed)
    field = _power_law_noise(generator, size, exponent=1.4)
    return _to_uint8(_rescale(field, 0.2, 99.8))


def dots(*, seed: int = 7, size: int = SIZE) -> np.ndarray:
    """Gray perforated metal: round holes on a hexagonal lattice, brushed plate.

    The lattice has 16 columns and 18 rows per 256 pixels: rows are 2.6 %
    farther apart than in an exact hexagonal lattice, so that the image is
    periodic (an even number of rows keeps the alternate-row shift across
    the seam).

    Returns
    -------
    numpy.ndarray
        uint8 array of shape (size, size), periodic.

    Examples
    --------
    >>> dots().shape
    (256, 256)
    """
    _check_size(size, SIZE)
    generator = np.random.default_rng(seed)
    rows, columns = _grid(size)
    n_columns = 16 * size // SIZE
    n_rows = 18 * size // SIZE
    spacing_columns = size / n_columns
    spacing_rows = size / n_rows
    nearest = np.full((size, size), np.inf)
    nearest_row_offset = np.zeros((size, size))
    nearest_column_offset = np.zeros((size, size))
    radius_map = np.zeros((size, size))
    radii = 4.6 * (1.0 + 0.05 * generator.standard_normal((n_rows, n_columns)))
    for lattice_row in range(n_rows):
        for lattice_column in range(n_columns):
            centre_row = (lattice_row + 0.5) * spacing_rows
            centre_column = (lattice_column + 0.5 + 0.5 * (lattice_row % 2)) * spacing_columns
            d_rows = _wrap(rows - centre_row, size)
            d_columns = _wrap(columns - centre_column, size)
            distance = np.hypot(d_rows, d_columns)
            closer = distance < nearest
            nearest = np.where(closer, distance, nearest)
            nearest_row_offset = np.where(closer, d_rows, nearest_row_offset)
            nearest_column_offset = np.where(closer, d_columns, nearest_column_offset)
            radius_map = np.where(closer, radii[lattice_row, lattice_column], radius_map)

    brushed = _oriented_noise(generator, size, angle=0.0, angular_width=0.03, centre=1.0 / 6.0)
    sheen = _band_noise(generator, size, 1.0 / 64.0, bandwidth=0.7)
    plate = 0.62 + 0.035 * brushed + 0.04 * sheen
    inside = _smoothstep(0.7, -0.7, nearest - radius_map)
    # the far wall of each hole catches the light coming from the top left
    towards_light = (nearest_row_offset + nearest_column_offset) / np.sqrt(2.0)
    facing = np.clip(towards_light / np.maximum(nearest, 1e-9), 0.0, 1.0)
    wall = _smoothstep(radius_map - 2.5, radius_map - 0.5, nearest) * facing
    hole = 0.07 + 0.35 * wall
    # a thin dark chamfer just outside the hole
    chamfer = _smoothstep(1.8, 0.0, np.abs(nearest - radius_map - 0.6))
    plate = plate * (1.0 - 0.25 * chamfer)
    image = (1.0 - inside) * plate + inside * hole
    return _to_uint8(image)


GENERATORS: dict[str, tuple[Callable[..., np.ndarray], int]] = {
    # name: (generator function of this module, seed)
    "clouds": (clouds, 1),
    "dots": (dots, 7),
}
"""Drawn textures: both periodic, both CC0 (made for wavetex)."""


def skimage_crop(name: str) -> np.ndarray:
    """Crop one of the scikit-image photographs listed in :data:`SKIMAGE_CROPS`.

    Examples
    --------
    >>> skimage_crop("brick").shape
    (256, 256)
    """
    import skimage.data

    function_name, (top, left, bottom, right) = SKIMAGE_CROPS[name]
    image = getattr(skimage.data, function_name)()
    return np.ascontiguousarray(image[top:bottom, left:right])


def make(name: str) -> np.ndarray:
    """Recreate the bundled texture ``name`` as an 8-bit array.

    Examples
    --------
    >>> make("dots").shape
    (256, 256)
    """
    if name in GENERATORS:
        function, seed = GENERATORS[name]
        return function(seed=seed, size=SIZE)
    if name in SKIMAGE_CROPS:
        return skimage_crop(name)
    available = ", ".join(sorted([*GENERATORS, *SKIMAGE_CROPS]))
    raise KeyError(f"unknown texture {name!r}; available textures: {available}")


def main(names: list[str]) -> None:
    """Write the PNG of every texture in ``names`` (all textures when empty)."""
    from PIL import Image

    for name in names or sorted([*SKIMAGE_CROPS, *GENERATORS]):
        image = make(name)
        destination = TEXTURE_DIRECTORY / f"{name}.png"
        Image.fromarray(image).save(destination, format="PNG", optimize=True)
        print(f"wrote {destination} {image.shape}")


if __name__ == "__main__":
    main(sys.argv[1:])
