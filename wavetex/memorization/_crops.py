"""The crop-measure engine shared by the probe and the fill probe, and their common report.

Both probes tile an image into ``p x p`` crops at stride ``p // 2``, search each selected
crop at every allowed window of a periodic target (the exemplar, or the image's own
known pixels), and compare the best matches with a leave-one-out calibration: how well
the target's own pieces match each other. :func:`_measure_crops` turns that into the
copy rate, excess rate, memorization index and coherence; :func:`decide` (in
``_verdict``) turns those into the verdict. See docs/memorization.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..files import to_plain
from ._arrays import _read_only, _statistic
from ._ncc import _PeriodicTarget, _search_crops
from ._verdict import THRESHOLDS, Verdict, VerdictThresholds

#: Two displacements agree when they differ by at most this many pixels per axis.
COHERENCE_TOLERANCE = 2


@dataclass(frozen=True, eq=False, kw_only=True)
class CropReport:
    """What both probes report: the verdict and the crop measures behind it.

    :class:`MemorizationReport` (probe of a synthesis against its exemplar) and
    :class:`FillReport` (probe of a fill against the image's known pixels) extend it.
    Scalars are NaN where undefined; :meth:`to_dict` turns NaN into ``None``.

    Attributes
    ----------
    verdict : str
        ``"undefined"``, ``"indeterminate"``, ``"copy"``, ``"suspicious"`` or
        ``"novel"``.
    verdict_reason : str
        The verdict explained in a sentence that names the measures that decided it.
    verdict_measures : tuple of str
        Names of the fields that decided the verdict (empty for ``"novel"``).
    crop_size, crop_stride : int
        Crop side ``p`` and stride of the tiling (``p // 2``).
    n_crops, n_flat_crops : int
        Number of crops searched, and how many of them are flat (excluded).
    crop_match_median, crop_match_p90, crop_match_max : float
        Statistics of the best NCC of the non-flat crops.
    copy_threshold : float
        Crop copy cut ``max(0.95, (1 + heldout_q95) / 2)``.
    copy_rate : float
        Fraction of non-flat crops whose best NCC reaches ``copy_threshold``.
    excess_rate : float
        Fraction of non-flat crops whose best NCC exceeds ``heldout_q95``.
    coherence : float
        Fraction of non-flat crops whose displacement agrees (within 2 px per axis)
        with that of a non-overlapping neighbour crop ``p`` away.
    heldout_median, heldout_q95, heldout_max : float
        Calibration: best leave-one-out NCC of the target's own crops.
    memorization_index : float
        ``(crop_match_median - heldout_median) / (1 - heldout_median)``: 1 for a copy,
        about 0 when the crops resemble the target as much as the target's own pieces
        resemble each other.
    crop_positions : ndarray of int, shape (N, 2)
        Top-left ``(y, x)`` of each crop (row-major grid).
    match_positions : ndarray of int, shape (N, 2)
        Top-left of each crop's best match in the target.
    crop_matches : ndarray, shape (N,)
        Best NCC of each crop (NaN for flat crops).
    thresholds : VerdictThresholds
        The thresholds the verdict used.
    defect_fraction : float
        Local fidelity (docs/fidelity.md): the fraction of the synthesis's (or the
        fill's) windows with no counterpart in the exemplar (the known region); NaN
        when not measured.
    defect_map : ndarray of bool, shape (H, W), or None
        Where those windows are (:attr:`FidelityMap.map`); None when not measured.
    """

    verdict: str
    verdict_reason: str
    verdict_measures: tuple[str, ...]
    crop_size: int
    crop_stride: int
    n_crops: int
    n_flat_crops: int
    crop_match_median: float
    crop_match_p90: float
    crop_match_max: float
    copy_threshold: float
    copy_rate: float
    excess_rate: float
    coherence: float
    heldout_median: float
    heldout_q95: float
    heldout_max: float
    memorization_index: float
    crop_positions: np.ndarray = field(repr=False)
    match_positions: np.ndarray = field(repr=False)
    crop_matches: np.ndarray = field(repr=False)
    thresholds: VerdictThresholds = THRESHOLDS
    defect_fraction: float = math.nan
    defect_map: np.ndarray | None = field(default=None, repr=False)

    _ARRAY_FIELDS = ("crop_positions", "match_positions", "crop_matches", "defect_map")

    def to_dict(self, *, include_arrays: bool = False) -> dict[str, Any]:
        """Plain, JSON-serialisable view (NaN becomes ``None``).

        Parameters
        ----------
        include_arrays : bool, default False
            Also include the per-crop arrays (the fields of ``_ARRAY_FIELDS``) as
            nested lists.

        Returns
        -------
        dict
            Scalars, shapes, the verdict and the thresholds.

        Examples
        --------
        >>> import json
        >>> from wavetex.memorization import probe
        >>> exemplar = np.random.default_rng(0).random((64, 64))
        >>> summary = probe(exemplar, exemplar).to_dict()
        >>> summary["verdict"], summary["copy_rate"]
        ('copy', 1.0)
        >>> _ = json.dumps(summary, allow_nan=False)
        """
        result: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            if name in self._ARRAY_FIELDS and not include_arrays:
                continue
            value = getattr(self, name)
            result[name] = value.to_dict() if name == "thresholds" else to_plain(value)
        return result


@dataclass(frozen=True)
class _CropMeasures:
    """The measures of :func:`_measure_crops`, named as the report fields they fill."""

    crop_size: int
    crop_stride: int
    n_crops: int
    n_flat_crops: int
    crop_match_median: float
    crop_match_p90: float
    crop_match_max: float
    copy_threshold: float
    copy_rate: float
    excess_rate: float
    coherence: float
    heldout_median: float
    heldout_q95: float
    heldout_max: float
    memorization_index: float
    crop_positions: np.ndarray
    match_positions: np.ndarray
    crop_matches: np.ndarray
    displacements: np.ndarray
    in_second_target: np.ndarray

    def report_fields(self, verdict: Verdict) -> dict[str, Any]:
        """The keyword arguments of :class:`CropReport` (its subclasses add their own)."""
        fields = {name: getattr(self, name) for name in self.__dataclass_fields__}
        del fields["displacements"], fields["in_second_target"]
        for name in CropReport._ARRAY_FIELDS:
            if name in fields:  # the defect map comes from the fidelity measure
                fields[name] = _read_only(fields[name])
        return {
            "verdict": verdict.name,
            "verdict_reason": verdict.reason,
            "verdict_measures": verdict.measures,
            **fields,
            "thresholds": THRESHOLDS,
        }


def _crop_grid(shape: tuple[int, ...], crop_size: int, stride: int) -> tuple[np.ndarray, int, int]:
    """Top-left corners ``(N, 2)`` of the crops that fit in ``shape``, and the grid's shape."""
    rows = np.arange(0, shape[0] - crop_size + 1, stride)
    cols = np.arange(0, shape[1] - crop_size + 1, stride)
    grid_y, grid_x = np.meshgrid(rows, cols, indexing="ij")
    return np.stack([grid_y.ravel(), grid_x.ravel()], axis=1), len(rows), len(cols)


def _coherence(
    displacements: np.ndarray,
    valid: np.ndarray,
    grid_shape: tuple[int, int],
    steps: int,
    period: tuple[int, int] | np.ndarray,
    labels: np.ndarray | None = None,
) -> float:
    """Fraction of valid crops agreeing with a valid neighbour ``steps`` cells away.

    ``period`` is the searched image's shape, or one per crop (shape ``(N, 2)``) when
    crops matched in different images, told apart by ``labels`` (shape ``(N,)``):
    crops that matched in different images never agree.
    """
    displacement_grid = displacements.reshape(*grid_shape, 2)
    valid_grid = valid.reshape(grid_shape)
    period_grid = np.broadcast_to(np.asarray(period), displacements.shape).reshape(*grid_shape, 2)
    label_grid = (np.zeros(len(displacements), dtype=np.int64) if labels is None else labels).reshape(grid_shape)
    agrees = np.zeros(grid_shape, dtype=bool)
    has_neighbour = np.zeros(grid_shape, dtype=bool)
    for axis in (0, 1):
        if grid_shape[axis] <= steps:
            continue
        here = [slice(None), slice(None)]
        there = [slice(None), slice(None)]
        for sign in (1, -1):
            here[axis] = slice(0, grid_shape[axis] - steps) if sign > 0 else slice(steps, None)
            there[axis] = slice(steps, None) if sign > 0 else slice(0, grid_shape[axis] - steps)
            pair_valid = valid_grid[tuple(here)] & valid_grid[tuple(there)]
            difference = np.abs(displacement_grid[tuple(here)] - displacement_grid[tuple(there)])
            difference = np.minimum(difference, period_grid[tuple(here)] - difference)
            close = np.all(difference <= COHERENCE_TOLERANCE, axis=-1)
            close &= label_grid[tuple(here)] == label_grid[tuple(there)]
            has_neighbour[tuple(here)] |= pair_valid
            agrees[tuple(here)] |= pair_valid & close
    n_eligible = int(np.count_nonzero(has_neighbour & valid_grid))
    if n_eligible == 0:
        return float("nan")
    return float(np.count_nonzero(agrees & valid_grid)) / n_eligible


def _measure_crops(
    image: np.ndarray,
    target: _PeriodicTarget,
    crop_size: int,
    heldout_matches: np.ndarray,
    *,
    selected: np.ndarray | None = None,
    allowed: np.ndarray | None = None,
    second_target: _PeriodicTarget | None = None,
) -> _CropMeasures:
    """Search the crops of ``image`` in ``target`` and measure them against a calibration.

    Parameters
    ----------
    image : ndarray, shape (H, W, C)
        The image whose crops are searched (a synthesis, or a filled image).
    target : _PeriodicTarget
        Where they are searched, shape ``(H', W', C)``, as a periodic image.
    crop_size : int
        Crop side ``p``; the crops tile ``image`` at stride ``p // 2``.
    heldout_matches : ndarray, shape (M,)
        Leave-one-out best NCCs of the target's own crops (empty: uncalibrated).
    selected : ndarray of bool, shape (N_grid,), optional
        Which crops of the grid to search (default all); coherence is measured on the
        whole grid with the others left out.
    allowed : ndarray of bool, shape (H', W'), optional
        Top-left positions of the target windows a crop may match (default all).
    second_target : _PeriodicTarget, optional
        Another image searched too (every window, periodic); a crop's best match is
        the better of the two, and ``in_second_target`` says which.
    """
    stride = max(1, crop_size // 2)
    grid, n_rows, n_cols = _crop_grid(image.shape, crop_size, stride)
    if selected is None:
        selected = np.ones(len(grid), dtype=bool)
    positions = grid[selected]
    if len(positions) and (allowed is None or allowed.any()):
        matches, match_positions = _search_crops(
            image, positions, crop_size, target, exclude_own_window=False, allowed=allowed
        )
    else:
        matches = np.full(len(positions), np.nan)
        match_positions = np.zeros((len(positions), 2), dtype=np.int64)
    periods = np.broadcast_to(np.array([target.height, target.width]), (len(positions), 2)).copy()
    in_second = np.zeros(len(positions), dtype=bool)
    if second_target is not None and len(positions):
        second, second_positions = _search_crops(image, positions, crop_size, second_target, exclude_own_window=False)
        in_second = np.isfinite(second) & ~(matches >= second)  # also where no known window was searched
        matches = np.where(in_second, second, matches)
        match_positions = np.where(in_second[:, None], second_positions, match_positions)
        periods[in_second] = (second_target.height, second_target.width)
    valid = np.isfinite(matches)
    n_valid = int(np.count_nonzero(valid))
    heldout_median, heldout_q95, heldout_max = (_statistic(heldout_matches, q) for q in (0.5, 0.95, 1.0))

    copy_threshold = THRESHOLDS.crop_copy_cut(heldout_q95)
    copy_rate = excess_rate = float("nan")
    if n_valid:
        copy_rate = float(np.count_nonzero(matches[valid] >= copy_threshold)) / n_valid
        if math.isfinite(heldout_q95):
            excess_rate = float(np.count_nonzero(matches[valid] > heldout_q95)) / n_valid
    crop_match_median = _statistic(matches, 0.5)
    memorization_index = float("nan")
    if math.isfinite(heldout_median) and heldout_median < 1.0:
        memorization_index = (crop_match_median - heldout_median) / (1.0 - heldout_median)

    displacements = (match_positions - positions) % periods
    grid_displacements = np.zeros((len(grid), 2), dtype=np.int64)
    grid_displacements[selected] = displacements
    grid_periods = np.ones((len(grid), 2), dtype=np.int64)
    grid_periods[selected] = periods
    grid_labels = np.zeros(len(grid), dtype=np.int64)
    grid_labels[selected] = in_second
    grid_valid = np.zeros(len(grid), dtype=bool)
    grid_valid[np.flatnonzero(selected)[valid]] = True
    coherence = _coherence(
        grid_displacements, grid_valid, (n_rows, n_cols), steps=math.ceil(crop_size / stride), period=grid_periods,
        labels=grid_labels,
    )
    return _CropMeasures(
        crop_size=crop_size,
        crop_stride=stride,
        n_crops=len(positions),
        n_flat_crops=len(positions) - n_valid,
        crop_match_median=crop_match_median,
        crop_match_p90=_statistic(matches, 0.9),
        crop_match_max=_statistic(matches, 1.0),
        copy_threshold=copy_threshold,
        copy_rate=copy_rate,
        excess_rate=excess_rate,
        coherence=coherence,
        heldout_median=heldout_median,
        heldout_q95=heldout_q95,
        heldout_max=heldout_max,
        memorization_index=memorization_index,
        crop_positions=positions,
        match_positions=match_positions,
        crop_matches=matches,
        displacements=displacements,
        in_second_target=in_second,
    )
