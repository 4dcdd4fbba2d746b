"""The memorization probe: crop matches, derived measures, verdict and report.

See docs/memorization.md for the measures and the verdict rules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ParameterError
from ._arrays import (
    MIN_CROP_SIZE,
    _as_image,
    _check_channels,
    _digest,
    _is_flat,
    _plain,
    _read_only,
    _resolve_crop_size,
    _statistic,
)
from ._calibration import Calibration, _calibrate_array
from ._ncc import _global_match_arrays, _PeriodicTarget, _search_crops
from ._verdict import THRESHOLDS, VerdictThresholds, decide

#: Two displacements agree when they differ by at most this many pixels per axis.
COHERENCE_TOLERANCE = 2


@dataclass(frozen=True, eq=False)
class MemorizationReport:
    """Result of :func:`probe`: how much a synthesis copies its exemplar.

    Scalars are NaN where undefined (e.g. no calibration, all crops flat);
    :meth:`to_dict` turns NaN into ``None``.

    Attributes
    ----------
    verdict : str
        ``"undefined"``, ``"indeterminate"``, ``"copy"``, ``"suspicious"`` or
        ``"novel"``.
    verdict_reason : str
        The verdict explained in a sentence that names the measures that decided it.
    verdict_measures : tuple of str
        Names of the fields that decided the verdict (e.g. ``("global_match",)``;
        ``("heldout_q95",)`` for ``"indeterminate"``; empty for ``"novel"``).
    global_match : float
        Best NCC of the whole synthesis against the periodic exemplar.
    global_offset : tuple of int
        Where the template lands at the global match (see :class:`GlobalMatch`).
    global_transform : str
        Best flip / rotation of the synthesis (``"identity"`` without flips).
    global_template : str
        ``"synthesis"`` or ``"exemplar"``: which image was searched in the other.
    crop_size, crop_stride : int
        Crop side ``p`` and stride of the synthesis tiling (``p // 2``).
    n_crops, n_flat_crops : int
        Number of synthesis crops, and how many of them are flat (excluded).
    crop_match_median, crop_match_p90, crop_match_max : float
        Statistics of the best NCC of the non-flat crops.
    copy_threshold : float
        Crop copy cut ``max(0.95, (1 + heldout_q95) / 2)``.
    global_copy_threshold : float
        Global-match copy cut ``max(0.8, (1 + heldout_q95) / 2)``.
    copy_rate : float
        Fraction of non-flat crops whose best NCC reaches ``copy_threshold``.
    excess_rate : float
        Fraction of non-flat crops whose best NCC exceeds ``heldout_q95``.
    coherence : float
        Fraction of non-flat crops whose displacement agrees (within 2 px per axis)
        with that of a non-overlapping neighbour crop ``p`` away.
    heldout_median, heldout_q95, heldout_max : float
        Calibration statistics (see :class:`Calibration`).
    memorization_index : float
        ``(crop_match_median - heldout_median) / (1 - heldout_median)``: 1 for a copy,
        about 0 when the synthesis's pieces resemble the exemplar as much as the
        exemplar's own pieces resemble each other, below 0 when they resemble it less
        (a poor or different texture; not evidence of copying either way).
    calibrated, search_flips : bool
        Options the probe ran with.
    synthesis_shape, exemplar_shape : tuple of int
        ``(H, W, C)`` of the inputs.
    crop_positions : ndarray of int, shape (N, 2)
        Top-left ``(y, x)`` of each crop in the synthesis (row-major grid).
    match_positions : ndarray of int, shape (N, 2)
        Top-left of each crop's best match in the periodic exemplar.
    displacements : ndarray of int, shape (N, 2)
        ``(match_positions - crop_positions) mod exemplar shape``.
    crop_matches : ndarray, shape (N,)
        Best NCC of each crop (NaN for flat crops).
    heldout_matches : ndarray, shape (M,)
        Held-out NCCs of the exemplar crops (empty without calibration).
    thresholds : VerdictThresholds
        The thresholds the verdict used.
    """

    verdict: str
    verdict_reason: str
    verdict_measures: tuple[str, ...]
    global_match: float
    global_offset: tuple[int, int]
    global_transform: str
    global_template: str
    crop_size: int
    crop_stride: int
    n_crops: int
    n_flat_crops: int
    crop_match_median: float
    crop_match_p90: float
    crop_match_max: float
    copy_threshold: float
    global_copy_threshold: float
    copy_rate: float
    excess_rate: float
    coherence: float
    heldout_median: float
    heldout_q95: float
    heldout_max: float
    memorization_index: float
    calibrated: bool
    search_flips: bool
    synthesis_shape: tuple[int, int, int]
    exemplar_shape: tuple[int, int, int]
    crop_positions: np.ndarray = field(repr=False)
    match_positions: np.ndarray = field(repr=False)
    displacements: np.ndarray = field(repr=False)
    crop_matches: np.ndarray = field(repr=False)
    heldout_matches: np.ndarray = field(repr=False)
    thresholds: VerdictThresholds = THRESHOLDS

    _ARRAY_FIELDS = (
        "crop_positions",
        "match_positions",
        "displacements",
        "crop_matches",
        "heldout_matches",
    )

    def to_dict(self, *, include_arrays: bool = False) -> dict[str, Any]:
        """Plain, JSON-serialisable view (NaN becomes ``None``).

        Parameters
        ----------
        include_arrays : bool, default False
            Also include the per-crop arrays as nested lists.

        Returns
        -------
        dict
            Scalars, shapes and the verdict; with ``include_arrays`` also the fields
            ``crop_positions``, ``match_positions``, ``displacements``,
            ``crop_matches`` and ``heldout_matches``.

        Examples
        --------
        >>> import json
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
            result[name] = value.to_dict() if name == "thresholds" else _plain(value)
        return result


def _crop_grid(shape: tuple[int, ...], crop_size: int, stride: int) -> tuple[np.ndarray, int, int]:
    rows = np.arange(0, shape[0] - crop_size + 1, stride)
    cols = np.arange(0, shape[1] - crop_size + 1, stride)
    grid_y, grid_x = np.meshgrid(rows, cols, indexing="ij")
    return np.stack([grid_y.ravel(), grid_x.ravel()], axis=1), len(rows), len(cols)


def _coherence(
    displacements: np.ndarray,
    valid: np.ndarray,
    grid_shape: tuple[int, int],
    steps: int,
    period: tuple[int, int],
) -> float:
    """Fraction of valid crops agreeing with a valid neighbour ``steps`` cells away."""
    displacement_grid = displacements.reshape(*grid_shape, 2)
    valid_grid = valid.reshape(grid_shape)
    agrees = np.zeros(grid_shape, dtype=bool)
    has_neighbour = np.zeros(grid_shape, dtype=bool)
    period_array = np.asarray(period)
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
            difference = np.minimum(difference, period_array - difference)
            close = np.all(difference <= COHERENCE_TOLERANCE, axis=-1)
            has_neighbour[tuple(here)] |= pair_valid
            agrees[tuple(here)] |= pair_valid & close
    n_eligible = int(np.count_nonzero(has_neighbour & valid_grid))
    if n_eligible == 0:
        return float("nan")
    return float(np.count_nonzero(agrees & valid_grid)) / n_eligible


def probe(
    synthesis: np.ndarray,
    exemplar: np.ndarray,
    *,
    crop_size: int | None = None,
    search_flips: bool = False,
    calibration: Calibration | bool | None = None,
) -> MemorizationReport:
    """Measure how much a synthesis copies its exemplar.

    Parameters
    ----------
    synthesis : ndarray, shape (H, W) or (H, W, C)
        The synthesized texture; any size with both sides at least ``crop_size``.
    exemplar : ndarray, shape (H', W') or (H', W', C)
        The exemplar, at least 64 x 64, with the same number of channels; searched
        as a periodic image.
    crop_size : int, optional
        Crop side ``p``; default ``min(H', W') // 4``, allowed ``[16, min(H', W') // 2]``.
    search_flips : bool, default False
        Also search the 8 flips / 90 degree rotations of the synthesis for the global
        match (crop matches always use the synthesis as is).
    calibration : Calibration, bool or None, default None
        ``None`` or ``True``: calibrate the exemplar (cached, see :func:`calibrate`).
        A :class:`Calibration` of this exemplar at this crop size: use it.
        ``False``: skip calibration (copy threshold 0.95; held-out statistics, the
        memorization index and the excess rate are NaN; no "indeterminate" verdict).

    Returns
    -------
    MemorizationReport
        The verdict answers "was the exemplar copied?", not "is this a good
        texture?". It is the first rule that applies (thresholds of
        :class:`VerdictThresholds`; docs/memorization.md, "Verdict"):

        1. ``"undefined"`` -- synthesis or exemplar flat, or more than half the
           synthesis crops flat;
        2. ``"indeterminate"`` -- ``heldout_q95 >= 0.95``;
        3. ``"copy"`` -- ``global_match >= max(0.8, (1 + heldout_q95) / 2)`` or
           ``copy_rate >= 0.25``;
        4. ``"suspicious"`` -- ``copy_rate > 0``, ``excess_rate >= 0.5`` or
           ``coherence >= 0.25``;
        5. ``"novel"`` (no copying detected).

    Examples
    --------
    >>> from wavetex.memorization import matched_noise, shifted_copy
    >>> rng = np.random.default_rng(0)
    >>> exemplar = rng.random((64, 64))
    >>> report = probe(shifted_copy(exemplar, seed=1), exemplar)
    >>> report.verdict, report.copy_rate, round(report.global_match, 3)
    ('copy', 1.0, 1.0)
    >>> probe(matched_noise(exemplar, seed=2), exemplar).verdict
    'novel'
    """
    synthesis_array = _as_image(synthesis, "synthesis")
    exemplar_array = _as_image(exemplar, "exemplar")
    _check_channels(synthesis_array, exemplar_array, "synthesis and exemplar")
    size = _resolve_crop_size(exemplar_array, crop_size)
    smaller_side = min(synthesis_array.shape[:2])
    if smaller_side < size:
        fits = smaller_side >= MIN_CROP_SIZE
        raise ParameterError(
            "crop_size",
            "the synthesis (%d×%d pixels, width×height) must be at least as large as one crop "
            "(%d×%d) along both axes; use %s" % (
                synthesis_array.shape[1], synthesis_array.shape[0], size, size,
                "{} or less, or a larger synthesis." if fits
                else "a synthesis at least %d pixels wide and high." % MIN_CROP_SIZE),
            *([("crop_size", smaller_side)] if fits else []),
        )
    if not (calibration is None or isinstance(calibration, (bool, Calibration))):
        raise TypeError(
            "calibration must be None, True, False or a Calibration from "
            f"wavetex.memorization.calibrate; got {type(calibration).__name__}."
        )

    exemplar_target = _PeriodicTarget(exemplar_array)
    exemplar_flat = _is_flat(exemplar_array)
    synthesis_flat = _is_flat(synthesis_array)

    calibrated = calibration is not False
    heldout_median = heldout_q95 = heldout_max = float("nan")
    heldout_matches = _read_only(np.empty(0))
    if calibrated:
        digest = _digest(exemplar_array)
        if isinstance(calibration, Calibration):
            if calibration.exemplar_digest != digest or calibration.crop_size != size:
                raise ValueError(
                    "the calibration does not belong to this exemplar and crop size "
                    f"(it was made for crop size {calibration.crop_size} on an exemplar "
                    f"of shape {calibration.exemplar_shape}; probing with crop size "
                    f"{size}). Pass calibrate(exemplar, crop_size) or calibration=None."
                )
            exemplar_calibration = calibration
        else:
            exemplar_calibration = _calibrate_array(exemplar_array, size, digest, exemplar_target)
        heldout_median = exemplar_calibration.heldout_median
        heldout_q95 = exemplar_calibration.heldout_q95
        heldout_max = exemplar_calibration.heldout_max
        heldout_matches = exemplar_calibration.heldout_matches

    match = _global_match_arrays(synthesis_array, exemplar_array, bool(search_flips))

    stride = max(1, size // 2)
    positions, n_rows, n_cols = _crop_grid(synthesis_array.shape, size, stride)
    crop_matches, match_positions = _search_crops(
        synthesis_array, positions, size, exemplar_target, exclude_own_window=False
    )
    period = exemplar_array.shape[:2]
    displacements = (match_positions - positions) % np.asarray(period)
    valid = np.isfinite(crop_matches)
    n_valid = int(np.count_nonzero(valid))
    valid_matches = crop_matches[valid]

    copy_threshold = THRESHOLDS.crop_copy_cut(heldout_q95)
    if n_valid:
        copy_rate = float(np.count_nonzero(valid_matches >= copy_threshold)) / n_valid
        excess_rate = (
            float(np.count_nonzero(valid_matches > heldout_q95)) / n_valid
            if math.isfinite(heldout_q95)
            else float("nan")
        )
    else:
        copy_rate = excess_rate = float("nan")
    crop_match_median = _statistic(crop_matches, 0.5)
    if math.isfinite(heldout_median) and heldout_median < 1.0:
        memorization_index = (crop_match_median - heldout_median) / (1.0 - heldout_median)
    else:
        memorization_index = float("nan")
    coherence = _coherence(
        displacements, valid, (n_rows, n_cols), steps=math.ceil(size / stride), period=period
    )

    verdict = decide(
        synthesis_flat=synthesis_flat,
        exemplar_flat=exemplar_flat,
        n_crops=len(positions),
        n_flat_crops=len(positions) - n_valid,
        heldout_q95=heldout_q95,
        crop_size=size,
        global_match=match.score,
        copy_rate=copy_rate,
        excess_rate=excess_rate,
        coherence=coherence,
    )
    return MemorizationReport(
        verdict=verdict.name,
        verdict_reason=verdict.reason,
        verdict_measures=verdict.measures,
        global_match=match.score,
        global_offset=match.offset,
        global_transform=match.transform,
        global_template="synthesis" if match.template == "first" else "exemplar",
        crop_size=size,
        crop_stride=stride,
        n_crops=len(positions),
        n_flat_crops=len(positions) - n_valid,
        crop_match_median=crop_match_median,
        crop_match_p90=_statistic(crop_matches, 0.9),
        crop_match_max=_statistic(crop_matches, 1.0),
        copy_threshold=copy_threshold,
        global_copy_threshold=THRESHOLDS.global_copy_cut(heldout_q95),
        copy_rate=copy_rate,
        excess_rate=excess_rate,
        coherence=coherence,
        heldout_median=heldout_median,
        heldout_q95=heldout_q95,
        heldout_max=heldout_max,
        memorization_index=memorization_index,
        calibrated=calibrated,
        search_flips=bool(search_flips),
        synthesis_shape=tuple(int(n) for n in synthesis_array.shape),  # type: ignore[arg-type]
        exemplar_shape=tuple(int(n) for n in exemplar_array.shape),  # type: ignore[arg-type]
        crop_positions=_read_only(positions),
        match_positions=_read_only(match_positions),
        displacements=_read_only(displacements),
        crop_matches=_read_only(crop_matches),
        heldout_matches=heldout_matches,
        thresholds=THRESHOLDS,
    )

