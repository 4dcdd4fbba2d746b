"""The probe on a fill: does the synthesised region copy the known pixels?

After :func:`wavetex.inpaint`, :func:`wavetex.extend` or :func:`wavetex.make_tileable`
the unknown pixels were synthesised to have the statistics of the known ones. A fill
can satisfy them by repeating a piece of the known region; this probe says whether it
did, with the measures of :mod:`wavetex.memorization` restricted to the two regions:

* **crop matches** -- the image is tiled into ``p x p`` crops at stride ``p / 2``; the
  crops at least half made of synthesised pixels are searched at every position of the
  image whose window is entirely known (and does not wrap around the borders);
* **calibration** -- crops of the known region (stride ``p / 4``) searched the same way,
  leave-one-out (windows overlapping the crop excluded): how similar two genuinely
  different pieces of the known region are;
* **copy rate**, **excess rate**, **memorization index** and **coherence** as in
  :func:`wavetex.memorization.probe`, and a verdict by the same rules and thresholds
  (:class:`VerdictThresholds`; there is no global match: the image contains the known
  pixels themselves).

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> image = rng.random((96, 96))
>>> unknown = np.zeros((96, 96), dtype=bool)
>>> unknown[32:64, 32:64] = True
>>> image[32:64, 32:64] = image[0:32, 0:32]  # a fill that copies a known piece
>>> probe_fill(image, unknown).verdict
'copy'
>>> image[32:64, 32:64] = rng.random((32, 32))  # a new piece of the same noise
>>> probe_fill(image, unknown).verdict
'novel'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._arrays import MIN_CROP_SIZE, _as_image, _is_flat, _plain, _read_only, _statistic
from ._ncc import _circular_box_sum, _PeriodicTarget, _window_normalized_maps
from ._probe import _coherence, _crop_grid
from ._verdict import THRESHOLDS, VerdictThresholds

__all__ = ["FillReport", "probe_fill", "default_fill_crop_size"]

#: A crop belongs to the fill when at least this fraction of its pixels was synthesised.
FILL_FRACTION = 0.5
_BATCH = 64


@dataclass(frozen=True, eq=False)
class FillReport:
    """Result of :func:`probe_fill` (NaN where undefined; :meth:`to_dict` gives None).

    Attributes
    ----------
    verdict : str
        ``"undefined"``, ``"indeterminate"``, ``"copy"``, ``"suspicious"`` or ``"novel"``.
    verdict_reason : str
        The verdict explained in a sentence.
    crop_size, crop_stride : int
        Crop side ``p`` and stride of the fill's crops (``p // 2``).
    n_crops, n_flat_crops : int
        Crops of the fill, and how many of them are flat (excluded).
    crop_match_median, crop_match_p90, crop_match_max : float
        Best NCC of the fill's crops against the known windows.
    n_heldout_crops : int
        Crops of the known region used for the calibration.
    heldout_median, heldout_q95, heldout_max : float
        Best leave-one-out NCC of the known crops against the other known windows.
    copy_threshold, copy_rate, excess_rate, memorization_index, coherence : float
        As in :class:`wavetex.MemorizationReport`.
    crop_positions, match_positions : ndarray of int, shape (N, 2)
        Top-left of each fill crop and of its best known window.
    crop_matches : ndarray, shape (N,)
        Best NCC per fill crop (NaN when flat).
    """

    verdict: str
    verdict_reason: str
    crop_size: int
    crop_stride: int
    n_crops: int
    n_flat_crops: int
    crop_match_median: float
    crop_match_p90: float
    crop_match_max: float
    n_heldout_crops: int
    heldout_median: float
    heldout_q95: float
    heldout_max: float
    copy_threshold: float
    copy_rate: float
    excess_rate: float
    memorization_index: float
    coherence: float
    crop_positions: np.ndarray = field(repr=False)
    match_positions: np.ndarray = field(repr=False)
    crop_matches: np.ndarray = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The scalars and the verdict as plain JSON-ready data (NaN becomes None).

        Examples
        --------
        >>> image = np.random.default_rng(1).random((64, 64))
        >>> unknown = np.zeros((64, 64), dtype=bool)
        >>> unknown[24:48, 24:48] = True
        >>> sorted(probe_fill(image, unknown).to_dict())[:3]
        ['coherence', 'copy_rate', 'copy_threshold']
        """
        arrays = ("crop_positions", "match_positions", "crop_matches")
        return {name: _plain(getattr(self, name)) for name in self.__dataclass_fields__ if name not in arrays}

    def summary(self) -> str:
        """One line for people.

        Examples
        --------
        >>> image = np.random.default_rng(1).random((64, 64))
        >>> unknown = np.zeros((64, 64), dtype=bool)
        >>> unknown[24:48, 24:48] = True
        >>> probe_fill(image, unknown).summary()[:19]
        'Fill probe: novel ('
        """

        def number(value: float) -> str:
            return "—" if not math.isfinite(value) else f"{value:.2f}"

        return (
            f"Fill probe: {self.verdict} ({self.verdict_reason}) {self.n_crops} crops of {self.crop_size} px: "
            f"median match {number(self.crop_match_median)} vs {number(self.heldout_median)} between known "
            f"pieces, copy rate {number(self.copy_rate)}, coherence {number(self.coherence)}."
        )


def default_fill_crop_size(shape: tuple[int, ...]) -> int:
    """``min(H, W) // 8``, at least 16: smaller than the probe's exemplar crops, since a
    fill is usually a fraction of the image.

    Examples
    --------
    >>> default_fill_crop_size((256, 384))
    32
    """
    return max(MIN_CROP_SIZE, int(min(shape[0], shape[1]) // 8))


def _allowed_windows(unknown: np.ndarray, crop_size: int) -> np.ndarray:
    """Top-left positions (H, W) whose window is entirely known and does not wrap."""
    height, width = unknown.shape
    touched = _circular_box_sum(unknown[:, :, None].astype(np.float64), crop_size, crop_size)[..., 0]
    allowed = touched < 0.5
    allowed[height - crop_size + 1 :] = False
    allowed[:, width - crop_size + 1 :] = False
    return allowed


def _best_known_matches(
    image: np.ndarray,
    target: _PeriodicTarget,
    positions: np.ndarray,
    crop_size: int,
    allowed: np.ndarray,
    *,
    leave_one_out: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Best NCC (NaN for flat crops) of each crop of ``image`` at ``positions`` over the
    allowed windows, and where it is; windows overlapping the crop excluded if
    ``leave_one_out``."""
    best = np.full(len(positions), np.nan)
    where = np.zeros((len(positions), 2), dtype=np.int64)
    offsets = np.arange(crop_size)
    overlap = np.arange(-crop_size + 1, crop_size)
    forbidden = np.where(allowed, 0.0, -np.inf)
    for start in range(0, len(positions), _BATCH):
        chunk = positions[start : start + _BATCH]
        crops = image[(chunk[:, 0, None] + offsets)[:, :, None], (chunk[:, 1, None] + offsets)[:, None, :]]
        maps, inverse_norm, flat = _window_normalized_maps(np.moveaxis(crops, -1, 1), target)
        maps = maps * inverse_norm[:, None, None] + forbidden
        if leave_one_out:
            rows = (chunk[:, 0, None] + overlap) % target.height
            cols = (chunk[:, 1, None] + overlap) % target.width
            maps[np.arange(len(chunk))[:, None, None], rows[:, :, None], cols[:, None, :]] = -np.inf
        flat_index = np.argmax(maps.reshape(len(chunk), -1), axis=1)
        values = np.clip(maps.reshape(len(chunk), -1)[np.arange(len(chunk)), flat_index], -1.0, 1.0)
        values[flat | ~np.isfinite(values)] = np.nan
        best[start : start + len(chunk)] = values
        where[start : start + len(chunk)] = np.stack(np.divmod(flat_index, target.width), axis=1)
    return best, where


def probe_fill(image: Any, unknown: Any, *, crop_size: int | None = None) -> FillReport:
    """Measure whether the synthesised pixels of an image copy its known pixels.

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, 3)
        The filled image, values in [0, 1].
    unknown : ndarray of bool, shape (H, W)
        True where the pixels were synthesised.
    crop_size : int, optional
        Crop side ``p`` (at least 16); default :func:`default_fill_crop_size`.

    Returns
    -------
    FillReport
        The verdict is the first rule that applies: ``"undefined"`` (fill or known
        region flat, no fill crop, or more than half the fill crops flat);
        ``"indeterminate"`` (``heldout_q95 >= 0.95``); ``"copy"`` (``copy_rate >=
        0.25``); ``"suspicious"`` (``copy_rate > 0``, ``excess_rate >= 0.5`` or
        ``coherence >= 0.25``); ``"novel"`` -- the thresholds of
        :class:`VerdictThresholds`.
    """
    array = _as_image(image, "image")
    unknown = np.asarray(unknown)
    if unknown.dtype != bool or unknown.shape != array.shape[:2]:
        raise ValueError(
            f"unknown must be a bool array of the image's size {array.shape[:2]}, got "
            f"{unknown.dtype} {unknown.shape}; pass mask > 0"
        )
    size = default_fill_crop_size(array.shape) if crop_size is None else crop_size
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or not MIN_CROP_SIZE <= size <= min(array.shape[:2]):
        raise ValueError(
            f"crop_size must be an integer in [{MIN_CROP_SIZE}, {min(array.shape[:2])}] for this "
            f"{array.shape[0]}x{array.shape[1]} image, got {crop_size!r}; pass None for the default"
        )
    size = int(size)
    stride = max(1, size // 2)
    target = _PeriodicTarget(array)
    allowed = _allowed_windows(unknown, size)

    grid, n_rows, n_cols = _crop_grid(array.shape, size, stride)
    fraction = _circular_box_sum(unknown[:, :, None].astype(np.float64), size, size)[..., 0] / size**2
    in_fill = fraction[grid[:, 0], grid[:, 1]] >= FILL_FRACTION
    positions = grid[in_fill]

    known_stride = max(1, size // 4)
    known_grid = np.argwhere(allowed)
    known_grid = known_grid[(known_grid[:, 0] % known_stride == 0) & (known_grid[:, 1] % known_stride == 0)]
    if allowed.any() and len(known_grid):
        heldout, _ = _best_known_matches(array, target, known_grid, size, allowed, leave_one_out=True)
    else:
        heldout = np.empty(0)
    heldout_median, heldout_q95, heldout_max = (_statistic(heldout, q) for q in (0.5, 0.95, 1.0))

    if len(positions) and allowed.any():
        matches, match_positions = _best_known_matches(array, target, positions, size, allowed, leave_one_out=False)
    else:
        matches, match_positions = np.full(len(positions), np.nan), np.zeros((len(positions), 2), dtype=np.int64)
    valid = np.isfinite(matches)
    n_valid = int(valid.sum())
    copy_threshold = THRESHOLDS.crop_copy_cut(heldout_q95)
    copy_rate = float((matches[valid] >= copy_threshold).mean()) if n_valid else math.nan
    excess_rate = float((matches[valid] > heldout_q95).mean()) if n_valid and math.isfinite(heldout_q95) else math.nan
    median = _statistic(matches, 0.5)
    index = (median - heldout_median) / (1 - heldout_median) if math.isfinite(heldout_median) and heldout_median < 1 else math.nan

    # Coherence on the whole crop grid, with only the fill crops valid.
    displacements = np.zeros((len(grid), 2), dtype=np.int64)
    displacements[in_fill] = match_positions - positions
    grid_valid = np.zeros(len(grid), dtype=bool)
    grid_valid[np.flatnonzero(in_fill)[valid]] = True
    coherence = _coherence(displacements, grid_valid, (n_rows, n_cols), steps=math.ceil(size / stride), period=array.shape[:2])

    fill_pixels, known_pixels = array[unknown], array[~unknown]
    verdict, reason = _verdict(
        fill_flat=fill_pixels.size == 0 or _is_flat(fill_pixels[:, None]),
        known_flat=known_pixels.size == 0 or _is_flat(known_pixels[:, None]),
        n_crops=len(positions),
        n_flat=len(positions) - n_valid,
        crop_size=size,
        heldout_q95=heldout_q95,
        copy_rate=copy_rate,
        copy_threshold=copy_threshold,
        excess_rate=excess_rate,
        coherence=coherence,
        thresholds=THRESHOLDS,
    )
    return FillReport(
        verdict=verdict,
        verdict_reason=reason,
        crop_size=size,
        crop_stride=stride,
        n_crops=len(positions),
        n_flat_crops=len(positions) - n_valid,
        crop_match_median=median,
        crop_match_p90=_statistic(matches, 0.9),
        crop_match_max=_statistic(matches, 1.0),
        n_heldout_crops=int(np.isfinite(heldout).sum()),
        heldout_median=heldout_median,
        heldout_q95=heldout_q95,
        heldout_max=heldout_max,
        copy_threshold=copy_threshold,
        copy_rate=copy_rate,
        excess_rate=excess_rate,
        memorization_index=index,
        coherence=coherence,
        crop_positions=_read_only(positions),
        match_positions=_read_only(match_positions),
        crop_matches=_read_only(matches),
    )


def _verdict(
    *,
    fill_flat: bool,
    known_flat: bool,
    n_crops: int,
    n_flat: int,
    crop_size: int,
    heldout_q95: float,
    copy_rate: float,
    copy_threshold: float,
    excess_rate: float,
    coherence: float,
    thresholds: VerdictThresholds,
) -> tuple[str, str]:
    t = thresholds
    if fill_flat or known_flat:
        return "undefined", f"the {'fill' if fill_flat else 'known region'} is flat, so similarity cannot be measured"
    if n_crops == 0:
        return "undefined", (
            f"no {crop_size}x{crop_size} crop is at least half synthesised; pass a smaller crop_size"
        )
    if n_flat * 2 > n_crops:
        return "undefined", f"{n_flat} of the {n_crops} fill crops are flat (more than half)"
    if math.isfinite(heldout_q95) and heldout_q95 >= t.indeterminate_heldout_q95:
        return "indeterminate", (
            f"the known region repeats itself almost exactly at crop size {crop_size} (held-out 95th "
            f"percentile NCC {heldout_q95:.3f}), so copying cannot be told from faithful synthesis"
        )
    share = f"{100 * copy_rate:.0f}% of the fill's crops reproduce a known piece (NCC >= {copy_threshold:.3f})"
    if copy_rate >= t.copy_rate:
        return "copy", f"the fill copies the known region: {share}"
    reasons = []
    if copy_rate > 0:
        reasons.append(share)
    if math.isfinite(excess_rate) and excess_rate >= t.suspicious_excess_rate:
        reasons.append(f"{100 * excess_rate:.0f}% of its crops match better than 95% of the known pieces match each other")
    if math.isfinite(coherence) and coherence >= t.suspicious_coherence:
        reasons.append(f"{100 * coherence:.0f}% of its crops come from the same place as a neighbouring crop")
    if reasons:
        return "suspicious", "the fill may copy parts of the known region: " + "; ".join(reasons)
    return "novel", f"no sign of copying: no crop above the copy threshold, coherence {coherence:.2f}"
