"""Recreate every example texture of :mod:`wavetex.textures` deterministically.

Run from the repository root to rewrite the PNG files next to this script::

    python textures/_generate.py            # all textures
    python textures/_generate.py marble     # only some of them

Three textures are crops of CC0 photographs bundled with scikit-image
(``skimage.data.brick``, ``grass`` and ``gravel``); the others are drawn here
from a seeded :class:`numpy.random.Generator` with numpy alone. Every drawn
texture is periodic: its left edge continues its right edge and its top edge
continues its bottom edge, so it tiles the plane without a seam.

Each generator returns an 8-bit array, shape (size, size) for gray textures
and (size, size, 3) for colour textures. The arrays are bit-exact for a given
numpy version (the random streams of :class:`numpy.random.Generator` are
stable across platforms; rounding to 8 bits absorbs floating-point noise).

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

TEXTURE_DIRECTORY = Path(__file__).resolve().parent
"""Folder the PNG files are written to (the folder of this script)."""

SKIMAGE_CROPS: dict[str, tuple[str, tuple[int, int, int, int]]] = {
    # name: (function of skimage.data, crop box (top, left, bottom, right)),
    # i.e. the texture is ``skimage.data.<function>()[top:bottom, left:right]``.
    "brick": ("brick", (128, 128, 384, 384)),
    "grass": ("grass", (256, 128, 512, 384)),
    "gravel": ("gravel", (128, 128, 384, 384)),
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


def _sample_periodic(image: np.ndarray, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Bilinear interpolation of a periodic (H, W) ``image`` at fractional pixel indices."""
    height, width = image.shape
    row_floor = np.floor(rows)
    column_floor = np.floor(columns)
    row_fraction = rows - row_floor
    column_fraction = columns - column_floor
    row_0 = row_floor.astype(np.int64) % height
    column_0 = column_floor.astype(np.int64) % width
    row_1 = (row_0 + 1) % height
    column_1 = (column_0 + 1) % width
    left_weight = 1.0 - column_fraction
    top = image[row_0, column_0] * left_weight + image[row_0, column_1] * column_fraction
    bottom = image[row_1, column_0] * left_weight + image[row_1, column_1] * column_fraction
    return top * (1.0 - row_fraction) + bottom * row_fraction


def _distance_to_zero(field: np.ndarray) -> np.ndarray:
    """Approximate distance in pixels to the zero set of a smooth periodic field."""
    gradient_rows = (np.roll(field, -1, axis=0) - np.roll(field, 1, axis=0)) / 2.0
    gradient_columns = (np.roll(field, -1, axis=1) - np.roll(field, 1, axis=1)) / 2.0
    return np.abs(field) / np.maximum(np.hypot(gradient_rows, gradient_columns), 1e-3)


def _mix(weight: np.ndarray, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Per-pixel blend ``(1 - weight) * first + weight * second`` of colours.

    ``weight`` has shape (H, W); ``first`` and ``second`` broadcast to (H, W, 3).
    """
    weight = weight[..., None]
    return (1.0 - weight) * first + weight * second


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


def marble(*, seed: int = 2, size: int = SIZE) -> np.ndarray:
    """Colour marble: gray veins, bent by turbulent domain warping, on a cream ground.

    The main veins are the zero set of a low-frequency oriented noise field,
    the finer veins that of a second field, shown only where a mask allows;
    vein widths are set in pixels through ``|field| / |gradient of field|``.

    Returns
    -------
    numpy.ndarray
        uint8 array of shape (size, size, 3), periodic.

    Examples
    --------
    >>> marble(size=32).shape
    (32, 32, 3)
    """
    _check_size(size, 1)
    generator = np.random.default_rng(seed)
    scale = size / SIZE
    rows, columns = _grid(size)
    main_field = _oriented_noise(
        generator,
        size,
        angle=np.pi / 5,
        angular_width=0.4,
        centre=1.0 / (128 * scale),
        bandwidth=0.7,
    )
    fine_field = _oriented_noise(
        generator,
        size,
        angle=np.pi / 5 + 0.5,
        angular_width=0.5,
        centre=1.0 / (48 * scale),
        bandwidth=0.7,
    )
    warp_rows = np.zeros((size, size))
    warp_columns = np.zeros((size, size))
    for octave, period in enumerate((128, 64, 32, 16, 8)):
        centre = 1.0 / (period * scale)
        warp_rows += _band_noise(generator, size, centre) / 3.0**octave
        warp_columns += _band_noise(generator, size, centre) / 3.0**octave
    warped_rows = rows + 16.0 * scale * warp_rows
    warped_columns = columns + 16.0 * scale * warp_columns
    main_distance = _distance_to_zero(_sample_periodic(main_field, warped_rows, warped_columns))
    fine_distance = _distance_to_zero(_sample_periodic(fine_field, warped_rows, warped_columns))
    mask_noise = _band_noise(generator, size, 1.0 / (64 * scale), bandwidth=0.7)
    fine_mask = _smoothstep(0.0, 1.2, mask_noise)
    width = 1.0 + 0.8 * _smoothstep(-1.0, 1.0, _band_noise(generator, size, 1.0 / (32 * scale)))
    clouding = _band_noise(generator, size, 1.0 / (64 * scale), bandwidth=1.0)

    ground = np.array([0.95, 0.93, 0.89])
    shade = np.array([0.83, 0.83, 0.80])
    vein_colour = np.array([0.35, 0.38, 0.37])
    image = _mix(0.5 * _smoothstep(-2.0, 2.5, clouding), ground, shade)
    image = _mix(0.3 * np.exp(-((main_distance / (6.0 * width)) ** 2)), image, 0.9 * shade)
    image = _mix(0.8 * np.exp(-((main_distance / width) ** 2)), image, vein_colour)
    image = _mix(0.5 * fine_mask * np.exp(-((fine_distance / 0.7) ** 2)), image, vein_colour)
    return _to_uint8(image)


def fibres(*, seed: int = 3, size: int = SIZE) -> np.ndarray:
    """Gray fibres: slightly curved strands, mostly at 30 degrees, drawn in layers.

    Returns
    -------
    numpy.ndarray
        uint8 array of shape (size, size), periodic.

    Examples
    --------
    >>> fibres(size=64).shape
    (64, 64)
    """
    _check_size(size, 1)
    generator = np.random.default_rng(seed)
    rows, columns = _grid(size)
    background = _oriented_noise(
        generator, size, angle=np.pi / 6, angular_width=0.15, centre=1.0 / 16.0
    )
    canvas = 0.22 + 0.05 * background
    n_fibres = int(round(420 * (size / SIZE) ** 2))
    for _ in range(n_fibres):
        centre_row, centre_column = generator.random(2) * size
        angle = np.pi / 6 + 0.12 * generator.standard_normal()
        half_length = min(generator.uniform(25.0, 60.0), 0.45 * size)
        half_width = generator.uniform(0.7, 1.7)
        brightness = generator.uniform(0.45, 0.95)
        curvature = 0.002 * generator.standard_normal()
        d_rows = _wrap(rows - centre_row, size)
        d_columns = _wrap(columns - centre_column, size)
        along = d_columns * np.cos(angle) + d_rows * np.sin(angle)
        across = -d_columns * np.sin(angle) + d_rows * np.cos(angle)
        across = across - curvature * along**2
        distance = np.abs(across) / half_width
        coverage = np.clip(1.5 - distance, 0.0, 1.0)
        coverage *= _smoothstep(half_length, half_length - 6.0, np.abs(along))
        profile = np.sqrt(np.clip(1.0 - distance**2, 0.0, 1.0))
        value = brightness * (0.7 + 0.3 * profile)
        canvas = canvas * (1.0 - coverage) + value * coverage
    return _to_uint8(canvas)


def cells(*, seed: int = 4, size: int = SIZE) -> np.ndarray:
    """Colour cell tissue (stained section look): Voronoi cells with nuclei.

    Seeds sit on a jittered 9 x 9 grid per 256 pixels; cell walls follow the
    periodic Worley distance difference ``F2 - F1``.

    Returns
    -------
    numpy.ndarray
        uint8 array of shape (size, size, 3), periodic.

    Examples
    --------
    >>> cells(size=64).shape
    (64, 64, 3)
    """
    _check_size(size, 32)
    generator = np.random.default_rng(seed)
    rows, columns = _grid(size)
    n_per_side = int(round(9 * size / SIZE))
    spacing = size / n_per_side
    grid_rows, grid_columns = np.meshgrid(
        np.arange(n_per_side), np.arange(n_per_side), indexing="ij"
    )
    jitter = generator.uniform(-0.38, 0.38, (2, n_per_side, n_per_side))
    seed_rows = ((grid_rows + 0.5 + jitter[0]) * spacing).ravel()
    seed_columns = ((grid_columns + 0.5 + jitter[1]) * spacing).ravel()
    n_cells = seed_rows.size

    nearest = np.full((size, size), np.inf)
    second = np.full((size, size), np.inf)
    label = np.zeros((size, size), dtype=np.int64)
    for index in range(n_cells):
        distance = np.hypot(
            _wrap(rows - seed_rows[index], size), _wrap(columns - seed_columns[index], size)
        )
        closer = distance < nearest
        second = np.where(closer, nearest, np.minimum(second, distance))
        label = np.where(closer, index, label)
        nearest = np.minimum(nearest, distance)

    wall_distance = (second - nearest) / 2.0  # about the distance to the wall
    tint = generator.uniform(-1.0, 1.0, n_cells)[label]
    nucleus_radius = generator.uniform(3.2, 5.2, n_cells)
    has_nucleus = generator.random(n_cells) < 0.8
    nucleus = _smoothstep(0.8, -0.8, nearest - nucleus_radius[label]) * has_nucleus[label]
    grain = _band_noise(generator, size, 1.0 / 4.0, bandwidth=1.0)
    blotches = _band_noise(generator, size, 1.0 / 20.0, bandwidth=1.0)

    cytoplasm = np.array([0.95, 0.76, 0.84])
    cytoplasm_dark = np.array([0.86, 0.58, 0.72])
    wall_colour = np.array([0.58, 0.28, 0.50])
    nucleus_colour = np.array([0.33, 0.20, 0.52])
    weight = np.clip(0.45 + 0.25 * tint + 0.15 * blotches, 0.0, 1.0)
    image = _mix(weight, cytoplasm, cytoplasm_dark)
    image = _mix(0.35 * _smoothstep(12.0, 1.0, wall_distance), image, wall_colour)
    image = _mix(_smoothstep(1.6, 0.3, wall_distance), image, wall_colour)
    image = _mix(0.9 * nucleus, image, nucleus_colour * (1.0 + 0.15 * grain[..., None]))
    image = image * (1.0 + 0.035 * grain[..., None])
    return _to_uint8(image)


def tiles(*, seed: int = 5, size: int = SIZE) -> np.ndarray:
    """Colour glazed square tiles (32 pixels) in grout, a regular texture.

    Returns
    -------
    numpy.ndarray
        uint8 array of shape (size, size, 3), periodic.

    Examples
    --------
    >>> tiles(size=64).shape
    (64, 64, 3)
    """
    _check_size(size, 32)
    generator = np.random.default_rng(seed)
    tile = 32
    n_tiles = size // tile
    offset = tile // 2  # the image border cuts tiles in half, not along grout
    rows, columns = _grid(size)
    shifted_rows = (rows + offset) % size
    shifted_columns = (columns + offset) % size
    tile_row = (shifted_rows // tile).astype(np.int64)
    tile_column = (shifted_columns // tile).astype(np.int64)
    u = shifted_columns - tile_column * tile  # in (0, tile)
    v = shifted_rows - tile_row * tile
    edge = np.minimum(np.minimum(u, tile - u), np.minimum(v, tile - v))

    palette = np.array(
        [
            [0.11, 0.27, 0.55],  # cobalt blue
            [0.10, 0.47, 0.52],  # turquoise
            [0.88, 0.87, 0.80],  # tin white
            [0.80, 0.57, 0.22],  # ochre
        ]
    )
    choice = generator.choice(palette.shape[0], size=(n_tiles, n_tiles), p=[0.4, 0.25, 0.25, 0.1])
    lightness = 1.0 + 0.08 * generator.standard_normal((n_tiles, n_tiles))
    colour = palette[choice] * lightness[..., None]
    tile_colour = colour[tile_row, tile_column]

    mottling = _band_noise(generator, size, 1.0 / 12.0, bandwidth=1.0)
    grain = _band_noise(generator, size, 1.0 / 3.0, bandwidth=1.0)
    # bevel: light from the top left, the glaze rounds off over 6 pixels
    lit_edge = _smoothstep(6.0, 2.0, np.minimum(u, v))
    shaded_edge = _smoothstep(6.0, 2.0, np.minimum(tile - u, tile - v))
    bevel = lit_edge - shaded_edge
    surface = tile_colour * (1.0 + 0.05 * mottling + 0.15 * bevel)[..., None]
    grout = np.array([0.74, 0.72, 0.68]) * (1.0 + 0.06 * grain)[..., None]
    on_tile = _smoothstep(1.5, 2.6, edge)
    image = _mix(on_tile, grout, surface)
    return _to_uint8(image)


def weave(*, seed: int = 6, size: int = SIZE) -> np.ndarray:
    """Colour 2/2 twill (denim-like): indigo warp over off-white weft, 8-pixel threads.

    Returns
    -------
    numpy.ndarray
        uint8 array of shape (size, size, 3), periodic.

    Examples
    --------
    >>> weave(size=64).shape
    (64, 64, 3)
    """
    _check_size(size, 32)
    generator = np.random.default_rng(seed)
    thread = 8
    n_threads = size // thread
    row_index, column_index = np.indices((size, size))
    weft = row_index // thread  # horizontal threads, one per band of rows
    warp = column_index // thread  # vertical threads
    across_warp = (column_index % thread + 0.5) / thread * 2.0 - 1.0
    across_weft = (row_index % thread + 0.5) / thread * 2.0 - 1.0
    step = (warp - weft) % 4
    warp_on_top = step < 2
    # position along the float (0 where a thread comes up, 1 where it goes down)
    warp_along = ((1 - step) + (row_index % thread + 0.5) / thread) / 2.0
    weft_along = ((step - 2) + (column_index % thread + 0.5) / thread) / 2.0
    along = np.where(warp_on_top, warp_along, weft_along)
    across = np.where(warp_on_top, across_warp, across_weft)
    cross_section = np.sqrt(np.clip(1.0 - across**2, 0.0, 1.0))
    height = cross_section * np.sin(np.pi * np.clip(along, 0.0, 1.0)) ** 0.4

    # slubs: each thread's thickness and dye vary slowly along its length
    warp_tone = 1.0 + 0.10 * generator.standard_normal(n_threads)
    weft_tone = 1.0 + 0.05 * generator.standard_normal(n_threads)
    warp_fibres = _oriented_noise(
        generator, size, angle=np.pi / 2, angular_width=0.08, centre=1.0 / 3.0
    )
    weft_fibres = _oriented_noise(generator, size, angle=0.0, angular_width=0.08, centre=1.0 / 3.0)
    fading = _band_noise(generator, size, 1.0 / 40.0, bandwidth=1.0)

    indigo = np.array([0.15, 0.24, 0.45])
    worn = np.array([0.42, 0.52, 0.70])
    cotton = np.array([0.86, 0.84, 0.78])
    warp_colour = _mix(np.clip(0.25 + 0.2 * fading + 0.25 * height, 0.0, 1.0), indigo, worn)
    warp_colour = warp_colour * (warp_tone[warp] * (1.0 + 0.10 * warp_fibres))[..., None]
    weft_colour = cotton * (weft_tone[weft] * (1.0 + 0.06 * weft_fibres))[..., None]
    colour = np.where(warp_on_top[..., None], warp_colour, weft_colour)
    image = colour * (0.35 + 0.65 * height)[..., None]
    return _to_uint8(image)


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
    "marble": (marble, 2),
    "fibres": (fibres, 3),
    "cells": (cells, 4),
    "tiles": (tiles, 5),
    "weave": (weave, 6),
    "dots": (dots, 7),
}
"""Drawn textures: all periodic, all CC0 (made for wavetex)."""


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
    >>> make("tiles").shape
    (256, 256, 3)
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
