"""Local fidelity: which regions of a synthesis have no counterpart in the exemplar.

The memorization probe asks whether a synthesis copies its exemplar; this asks the
opposite question, region by region: is there a place in the exemplar that looks like
this part of the synthesis? Every window of the synthesis is described by oriented
derivative energies normalised to the window's own contrast (so lighting does not
count), searched among all windows of the exemplar, and its nearest-neighbour distance
compared with what the exemplar's own windows reach among the *other* exemplar windows
(leave-out). See docs/fidelity.md.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import ndimage

from ..errors import ParameterError
from ..files import to_plain
from ._arrays import (
    _as_image,
    _check_channels,
    _check_exemplar_size,
    _digest,
    _read_only,
    _unknown_mask,
)

__all__ = ["FidelityMap", "local_fidelity", "fill_fidelity", "default_fidelity_window", "FLAG_FRACTION"]

#: Derivative-of-Gaussian scales of the features, in pixels for a 32-pixel window
#: (they scale with the window).
SCALES = (1.0, 2.0, 4.0)
#: Orientation axes; each axis gives two half-wave rectified (signed) channels.
N_ORIENTATIONS = 4
#: Cells per window side of the two descriptors: a 4 x 4 layout and the whole window.
LEVELS = (4, 1)
#: The exemplar's windows are taken at stride window / REFERENCE_STRIDE.
REFERENCE_STRIDE = 8
#: Quantile of the exemplar's leave-out distances that bounds "has a counterpart" ...
QUANTILE = 0.99
#: ... times this margin.
MARGIN = 1.1
#: Distance maps are smoothed with a Gaussian of this many grid steps (window / 4).
SMOOTHING = 1.5
#: A defect region must hold at least this many windows (a window's area at stride
#: window / 4); smaller groups are dropped.
MIN_WINDOWS = 16
#: A synthesis is flagged when at least this fraction of it is defective.
FLAG_FRACTION = 0.05
#: Thresholds are at least this distance (an exemplar whose windows are all alike, a
#: flat one for instance, would otherwise have a threshold of 0).
MIN_THRESHOLD = 0.02
#: The smallest window.
MIN_WINDOW = 16

_CACHE_SIZE = 4
_cache: OrderedDict[tuple[str, int], tuple[np.ndarray, ...]] = OrderedDict()
_cache_lock = threading.Lock()


def default_fidelity_window(exemplar_shape: tuple[int, ...]) -> int:
    """Window side used by default: an eighth of the exemplar's smaller side, a
    multiple of 4, at least 16.

    Examples
    --------
    >>> default_fidelity_window((256, 384, 3))
    32
    """
    return max(MIN_WINDOW, int(min(exemplar_shape[0], exemplar_shape[1]) // 8) // 4 * 4)


@dataclass(frozen=True, eq=False)
class FidelityMap:
    """Result of :func:`local_fidelity`.

    Attributes
    ----------
    defect_fraction : float
        Fraction of the synthesis's windows, in ``[0, 1]``, that have no counterpart
        in the exemplar (after the minimum-area rule).
    flagged : bool
        ``defect_fraction >= FLAG_FRACTION`` (0.05).
    window, stride : int
        Window side and the stride of the synthesis's windows (``window // 4``).
    thresholds : tuple of float
        Distance beyond which a window has no counterpart, per descriptor (4 x 4
        layout, whole window): ``MARGIN`` times the ``QUANTILE`` of the exemplar's
        own smoothed leave-out distances, at least ``MIN_THRESHOLD`` (0.02).
    quantile, margin, smoothing : float
        The calibration used (see the module constants).
    min_windows : int
        Smallest defect region, in windows.
    scores : ndarray, shape (rows, cols)
        Per window, the larger of its two smoothed distances over their thresholds:
        above 1 means no counterpart.
    defect_windows : ndarray of bool, shape (rows, cols)
        Windows that count as defects (score above 1, in a region of at least
        ``min_windows``).
    window_positions : ndarray of int, shape (rows * cols, 2)
        Top-left ``(y, x)`` of each window, row-major.
    map : ndarray of bool, shape (H, W)
        Per pixel: does the window centred nearest to it count as a defect.
    """

    defect_fraction: float
    flagged: bool
    window: int
    stride: int
    thresholds: tuple[float, float]
    quantile: float
    margin: float
    smoothing: float
    min_windows: int
    scores: np.ndarray = field(repr=False)
    defect_windows: np.ndarray = field(repr=False)
    window_positions: np.ndarray = field(repr=False)
    map: np.ndarray = field(repr=False)

    _ARRAYS = ("scores", "defect_windows", "window_positions", "map")

    def to_dict(self) -> dict[str, Any]:
        """The scalars as plain JSON-ready data (without the maps).

        Examples
        --------
        >>> image = np.random.default_rng(0).random((64, 64))
        >>> sorted(local_fidelity(image, image).to_dict())[:3]
        ['defect_fraction', 'flagged', 'margin']
        """
        return {name: to_plain(getattr(self, name)) for name in self.__dataclass_fields__ if name not in self._ARRAYS}


def _features(gray: np.ndarray, window: int) -> np.ndarray:
    """Half-wave rectified first and second oriented derivatives, shape (48, H, W).

    The image is first high-passed (minus a Gaussian blur of ``window / 2``), which
    removes slow lighting changes such as a brightness ramp.
    """
    gray = gray - ndimage.gaussian_filter(gray, window / 2, mode="reflect")
    channels = []
    for sigma in (scale * window / 32 for scale in SCALES):
        derivative = {
            order: ndimage.gaussian_filter(gray, sigma, order=order, mode="reflect")
            for order in ((1, 0), (0, 1), (2, 0), (0, 2), (1, 1))
        }
        for k in range(N_ORIENTATIONS):
            cos, sin = np.cos(np.pi * k / N_ORIENTATIONS), np.sin(np.pi * k / N_ORIENTATIONS)
            first = cos * derivative[(0, 1)] + sin * derivative[(1, 0)]
            second = sigma * (
                cos * cos * derivative[(0, 2)] + 2 * cos * sin * derivative[(1, 1)] + sin * sin * derivative[(2, 0)]
            )
            for response in (first, second):
                channels.append(np.maximum(response, 0.0))
                channels.append(np.maximum(-response, 0.0))
    return np.stack(channels)


def _cell_sums(features: np.ndarray, window: int, cells: int) -> np.ndarray:
    """Sum of each channel over every ``window / cells`` box, indexed by its top-left corner."""
    cell = window // cells
    # uniform_filter centres its box; the origin shift puts it at the top-left corner.
    return ndimage.uniform_filter(
        features, size=(1, cell, cell), mode="reflect", origin=(0, -(cell // 2), -(cell // 2))
    ) * (cell * cell)


def _descriptors(sums: np.ndarray, window: int, positions: np.ndarray, cells: int) -> np.ndarray:
    """Hellinger descriptor (square root of the L1-normalised cell sums, from
    :func:`_cell_sums`) of the window at each top-left position: shape (N, cells² K)."""
    offsets = np.arange(cells) * (window // cells)
    rows = positions[:, 0, None] + offsets
    cols = positions[:, 1, None] + offsets
    values = sums[:, rows[:, :, None], cols[:, None, :]]  # (K, N, cells, cells)
    values = np.maximum(np.moveaxis(values, 0, -1).reshape(len(positions), -1), 0.0)
    total = values.sum(axis=1, keepdims=True)
    return np.sqrt(values / np.maximum(total, 1e-12))


def _grid(shape: tuple[int, ...], window: int, stride: int) -> tuple[np.ndarray, tuple[int, int]]:
    rows = np.arange(0, shape[0] - window + 1, stride)
    cols = np.arange(0, shape[1] - window + 1, stride)
    grid_y, grid_x = np.meshgrid(rows, cols, indexing="ij")
    return np.stack([grid_y.ravel(), grid_x.ravel()], axis=1), (len(rows), len(cols))


def _nearest(
    queries: np.ndarray,
    references: np.ndarray,
    *,
    exclude: tuple[np.ndarray, np.ndarray, int] | None = None,
) -> np.ndarray:
    """Euclidean distance of each query to its nearest reference; with ``exclude =
    (query_positions, reference_positions, window)`` references whose window overlaps
    the query's are skipped."""
    reference_norms = np.einsum("nd,nd->n", references, references)
    best = np.empty(len(queries))
    step = 256
    for start in range(0, len(queries), step):
        chunk = queries[start : start + step]
        squared = np.einsum("nd,nd->n", chunk, chunk)[:, None] + reference_norms - 2.0 * chunk @ references.T
        if exclude is not None:
            query_positions, reference_positions, window = exclude
            delta = np.abs(query_positions[start : start + step, None, :] - reference_positions[None])
            squared[np.all(delta < window, axis=-1)] = np.inf
        best[start : start + len(chunk)] = np.sqrt(np.maximum(squared.min(axis=1), 0.0))
    return best


def _smooth(distances: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    return ndimage.gaussian_filter(distances.reshape(shape), SMOOTHING, mode="nearest")


def _exemplar_model(exemplar_gray: np.ndarray, window: int) -> tuple[np.ndarray, ...]:
    """Reference descriptors per level and the calibrated thresholds (cached)."""
    key = (_digest(exemplar_gray[:, :, None]), window)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    features = _features(exemplar_gray, window)
    reference_positions, _ = _grid(exemplar_gray.shape, window, max(1, window // REFERENCE_STRIDE))
    null_positions, null_shape = _grid(exemplar_gray.shape, window, window // 4)
    references, thresholds = [], []
    for cells in LEVELS:
        sums = _cell_sums(features, window, cells)
        level_references = _descriptors(sums, window, reference_positions, cells)
        null = _nearest(
            _descriptors(sums, window, null_positions, cells),
            level_references,
            exclude=(null_positions, reference_positions, window),
        )
        references.append(level_references)
        thresholds.append(max(MIN_THRESHOLD, MARGIN * float(np.quantile(_smooth(null, null_shape), QUANTILE))))
    model = (*references, np.asarray(thresholds))
    with _cache_lock:
        _cache[key] = model
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return model


def _resolve_window(exemplar: np.ndarray, synthesis: np.ndarray, window: int | None) -> int:
    _check_exemplar_size(exemplar)
    largest = min(exemplar.shape[:2]) // 4 // 4 * 4
    if window is None:
        window = default_fidelity_window(exemplar.shape)
    elif isinstance(window, bool) or not isinstance(window, (int, np.integer)):
        raise TypeError(f"window must be an int or None; got {type(window).__name__}. Pass e.g. window=32.")
    elif not (MIN_WINDOW <= window <= largest and window % 4 == 0):
        raise ParameterError(
            "window",
            "{} must be a multiple of 4 in [%d, %d] (a quarter of the exemplar's smaller side) for this "
            "%d×%d (width×height) exemplar; use {} or leave it out."
            % (MIN_WINDOW, largest, exemplar.shape[1], exemplar.shape[0]),
            ("window", window),
            ("window", default_fidelity_window(exemplar.shape)),
        )
    if min(synthesis.shape[:2]) < window:
        raise ParameterError(
            "window",
            "the synthesis (%d×%d pixels, width×height) is smaller than one {} window; use a synthesis "
            "at least %d pixels wide and high." % (synthesis.shape[1], synthesis.shape[0], window),
            ("window", window),
        )
    return int(window)


def local_fidelity(synthesis: Any, exemplar: Any, *, window: int | None = None) -> FidelityMap:
    """Find the regions of a synthesis that have no counterpart in the exemplar.

    Each ``window x window`` window of the synthesis (stride ``window // 4``) is
    described by the energies of first and second oriented derivatives at three
    scales, half-wave rectified, summed in a 4 x 4 grid of cells and over the whole
    window, each normalised to the window's own total (so brightness and contrast,
    and with them slow lighting changes, do not count). For each descriptor the
    distance to the nearest window of the exemplar is compared with the exemplar's
    own leave-out distances (each exemplar window against the exemplar windows that
    do not overlap it): distance maps are smoothed over 1.5 steps, and a window is a
    defect when either distance exceeds 1.1 times the 99th percentile of the
    exemplar's. Defect regions smaller than 16 windows are dropped.

    Parameters
    ----------
    synthesis : ndarray, shape (H, W) or (H, W, 3)
        Values in [0, 1] (or uint8 / uint16); any size with both sides at least
        ``window``. Colour images are judged on their luminance (channel mean).
    exemplar : ndarray, shape (H', W') or (H', W', 3)
        At least 64 x 64, same number of channels. Its windows are taken inside it
        (no wrapping: a photograph's opposite borders do not join).
    window : int, optional
        Window side, a multiple of 4 in ``[16, min(H', W') // 4]``; default
        :func:`default_fidelity_window` (32 for a 256-pixel exemplar).

    Returns
    -------
    FidelityMap
        ``defect_fraction``, ``flagged`` (fraction at least 0.05), the per-window
        scores, the defect map and the calibration used. The exemplar's references
        and thresholds are cached (4 exemplars), so checking several syntheses of one
        exemplar costs only their own windows.

    Examples
    --------
    >>> from scipy import ndimage
    >>> rng = np.random.default_rng(0)
    >>> exemplar = ndimage.gaussian_filter(rng.random((128, 128)), 1)
    >>> other_draw = ndimage.gaussian_filter(rng.random((128, 128)), 1)
    >>> local_fidelity(other_draw, exemplar).flagged
    False
    >>> blurred = other_draw.copy()
    >>> blurred[32:96, 32:96] = ndimage.gaussian_filter(other_draw, 3)[32:96, 32:96]
    >>> report = local_fidelity(blurred, exemplar)
    >>> report.flagged, bool(report.map[64, 64]), bool(report.map[4, 4])
    (True, True, False)
    """
    synthesis_array = _as_image(synthesis, "synthesis")
    exemplar_array = _as_image(exemplar, "exemplar")
    _check_channels(synthesis_array, exemplar_array, "synthesis and exemplar")
    size = _resolve_window(exemplar_array, synthesis_array, window)
    stride = size // 4
    *references, thresholds = _exemplar_model(exemplar_array.mean(axis=-1), size)

    synthesis_gray = synthesis_array.mean(axis=-1)
    features = _features(synthesis_gray, size)
    positions, grid_shape = _grid(synthesis_gray.shape, size, stride)
    scores = np.max(
        [
            _smooth(_nearest(_descriptors(_cell_sums(features, size, cells), size, positions, cells), level_references), grid_shape)
            / threshold
            for cells, level_references, threshold in zip(LEVELS, references, thresholds)
        ],
        axis=0,
    )
    return _result(scores, np.ones(grid_shape, dtype=bool), positions, synthesis_gray.shape, size, thresholds)


def _result(
    scores: np.ndarray,
    judged: np.ndarray,
    positions: np.ndarray,
    shape: tuple[int, int],
    window: int,
    thresholds: Sequence[float],
) -> FidelityMap:
    """Defects: windows among ``judged`` (grid of bool) with score above 1, in groups of
    at least ``MIN_WINDOWS``; the fraction is over the judged windows."""
    labels, n_labels = ndimage.label((scores > 1.0) & judged, structure=np.ones((3, 3)))
    large = np.bincount(labels.ravel(), minlength=n_labels + 1) >= MIN_WINDOWS
    large[0] = False
    defects = large[labels]
    n_judged = int(judged.sum())
    defect_fraction = float(defects.sum()) / n_judged if n_judged else float("nan")
    stride = window // 4
    return FidelityMap(
        defect_fraction=defect_fraction,
        flagged=bool(defect_fraction >= FLAG_FRACTION),
        window=window,
        stride=stride,
        thresholds=(float(thresholds[0]), float(thresholds[1])),
        quantile=QUANTILE,
        margin=MARGIN,
        smoothing=SMOOTHING,
        min_windows=MIN_WINDOWS,
        scores=_read_only(scores),
        defect_windows=_read_only(defects),
        window_positions=_read_only(positions),
        map=_read_only(_pixel_map(defects, shape, window, stride)),
    )


def fill_fidelity(image: Any, unknown: Any, *, window: int | None = None) -> FidelityMap:
    """:func:`local_fidelity` of the synthesised pixels of an image against its known ones.

    After :func:`wavetex.inpaint` or :func:`wavetex.extend` the references are the
    image's windows that are entirely known, the calibration their leave-out distances
    among themselves, and the windows judged those at least half synthesised.

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, 3)
        The filled image.
    unknown : ndarray of bool, shape (H, W)
        True where the pixels were synthesised.
    window : int, optional
        Window side, a multiple of 4, at least 16; default
        :func:`default_fidelity_window` of the image.

    Returns
    -------
    FidelityMap
        ``defect_fraction`` is over the judged windows (NaN when no window is at least
        half synthesised, or no window is entirely known).

    Examples
    --------
    >>> from scipy import ndimage
    >>> rng = np.random.default_rng(0)
    >>> image = ndimage.gaussian_filter(rng.random((128, 128)), 1)
    >>> unknown = np.zeros((128, 128), dtype=bool)
    >>> unknown[32:96, 32:96] = True
    >>> fill_fidelity(image, unknown).defect_fraction  # a fill of the same texture
    0.0
    >>> image[unknown] = ndimage.gaussian_filter(image, 3)[unknown]  # a blurred fill
    >>> fill_fidelity(image, unknown).flagged
    True
    """
    array = _as_image(image, "image")
    unknown = _unknown_mask(unknown, array.shape)
    size = default_fidelity_window(array.shape) if window is None else window
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size % 4 or not MIN_WINDOW <= size <= min(array.shape[:2]):
        raise ParameterError(
            "window",
            "{} must be a multiple of 4 in [%d, %d] for this %d×%d (width×height) image; leave it out for %d."
            % (MIN_WINDOW, min(array.shape[:2]) // 4 * 4, array.shape[1], array.shape[0], default_fidelity_window(array.shape)),
            ("window", window),
        )
    size = int(size)
    stride = size // 4
    gray = array.mean(axis=-1)
    features = _features(gray, size)
    positions, grid_shape = _grid(gray.shape, size, stride)
    unknown_share = ndimage.uniform_filter(
        unknown.astype(np.float64), size=size, mode="constant", origin=-(size // 2)
    )[positions[:, 0], positions[:, 1]]
    known = unknown_share < 1e-9
    judged = (unknown_share >= 0.5).reshape(grid_shape)
    reference_positions, _ = _grid(gray.shape, size, max(1, size // REFERENCE_STRIDE))
    reference_share = ndimage.uniform_filter(
        unknown.astype(np.float64), size=size, mode="constant", origin=-(size // 2)
    )[reference_positions[:, 0], reference_positions[:, 1]]
    reference_positions = reference_positions[reference_share < 1e-9]
    if not known.any() or not judged.any() or not len(reference_positions):
        nothing = np.full(grid_shape, np.nan)
        return _result(nothing, np.zeros(grid_shape, dtype=bool), positions, gray.shape, size, (np.nan, np.nan))
    levels, thresholds = [], []
    for cells in LEVELS:
        sums = _cell_sums(features, size, cells)
        references = _descriptors(sums, size, reference_positions, cells)
        queries = _descriptors(sums, size, positions, cells)
        distances = np.empty(len(positions))
        distances[~known] = _nearest(queries[~known], references)
        distances[known] = _nearest(queries[known], references, exclude=(positions[known], reference_positions, size))
        finite = np.isfinite(distances)
        if not finite[known].any():  # no known window has a non-overlapping known window
            nothing = np.full(grid_shape, np.nan)
            return _result(nothing, np.zeros(grid_shape, dtype=bool), positions, gray.shape, size, (np.nan, np.nan))
        distances[~finite] = distances[finite].max()  # conservative: raises the threshold
        smoothed = _smooth(distances, grid_shape)
        thresholds.append(max(MIN_THRESHOLD, MARGIN * float(np.quantile(smoothed.ravel()[known], QUANTILE))))
        levels.append(smoothed / thresholds[-1])
    return _result(np.max(levels, axis=0), judged, positions, gray.shape, size, thresholds)


def _pixel_map(defects: np.ndarray, shape: tuple[int, int], window: int, stride: int) -> np.ndarray:
    """Each pixel takes the value of the window whose centre is nearest to it."""
    centre = window / 2
    rows = np.clip(np.rint((np.arange(shape[0]) + 0.5 - centre) / stride), 0, defects.shape[0] - 1).astype(int)
    cols = np.clip(np.rint((np.arange(shape[1]) + 0.5 - centre) / stride), 0, defects.shape[1] - 1).astype(int)
    return defects[rows[:, None], cols[None, :]]
