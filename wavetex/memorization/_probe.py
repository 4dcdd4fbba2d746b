"""The memorization probe: crop matches, derived measures, verdict and report.

See docs/memorization.md for the measures and the verdict rules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..errors import ParameterError
from ._arrays import MIN_CROP_SIZE, _as_image, _check_channels, _digest, _is_flat, _read_only, _resolve_crop_size
from ._calibration import Calibration, _calibrate_array
from ._crops import CropReport, _measure_crops
from ._fidelity import default_fidelity_window, local_fidelity
from ._ncc import _global_match_arrays, _PeriodicTarget
from ._verdict import THRESHOLDS, decide


@dataclass(frozen=True, eq=False, kw_only=True)
class MemorizationReport(CropReport):
    """Result of :func:`probe`: how much a synthesis copies its exemplar.

    The verdict and the crop measures are those of :class:`CropReport` (the target
    searched is the periodic exemplar); this report adds the whole-image match, the
    calibration's arrays and the options. Scalars are NaN where undefined (e.g. no
    calibration, all crops flat); :meth:`to_dict` turns NaN into ``None``.

    Attributes
    ----------
    verdict, verdict_reason, verdict_measures, crop_size, crop_stride, n_crops, \
n_flat_crops, crop_match_median, crop_match_p90, crop_match_max, copy_threshold, \
copy_rate, excess_rate, coherence, heldout_median, heldout_q95, heldout_max, \
memorization_index, crop_positions, match_positions, crop_matches, thresholds, \
defect_fraction, defect_map
        See :class:`CropReport`; the heldout statistics are those of the exemplar's
        :class:`Calibration` (``verdict_measures`` is ``("heldout_q95",)`` for
        ``"indeterminate"``). ``memorization_index`` is below 0 when the synthesis's
        pieces resemble the exemplar less than the exemplar's own pieces resemble
        each other (a poor or different texture; not evidence of copying either way).
    global_match : float
        Best NCC of the whole synthesis against the periodic exemplar.
    global_offset : tuple of int
        Where the template lands at the global match (see :class:`GlobalMatch`).
    global_transform : str
        Best flip / rotation of the synthesis (``"identity"`` without flips).
    global_template : str
        ``"synthesis"`` or ``"exemplar"``: which image was searched in the other.
    global_copy_threshold : float
        Global-match copy cut ``max(0.8, (1 + heldout_q95) / 2)``.
    calibrated, search_flips : bool
        Options the probe ran with.
    synthesis_shape, exemplar_shape : tuple of int
        ``(H, W, C)`` of the inputs.
    displacements : ndarray of int, shape (N, 2)
        ``(match_positions - crop_positions) mod exemplar shape``.
    heldout_matches : ndarray, shape (M,)
        Held-out NCCs of the exemplar crops (empty without calibration).
    """

    global_match: float
    global_offset: tuple[int, int]
    global_transform: str
    global_template: str
    global_copy_threshold: float
    calibrated: bool
    search_flips: bool
    synthesis_shape: tuple[int, int, int]
    exemplar_shape: tuple[int, int, int]
    displacements: np.ndarray = field(repr=False)
    heldout_matches: np.ndarray = field(repr=False)

    _ARRAY_FIELDS = (*CropReport._ARRAY_FIELDS, "displacements", "heldout_matches")


def probe(
    synthesis: np.ndarray,
    exemplar: np.ndarray,
    *,
    crop_size: int | None = None,
    search_flips: bool = False,
    calibration: Calibration | bool | None = None,
    fidelity: bool = True,
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
    fidelity : bool, default True
        Also measure the local fidelity (:func:`local_fidelity`, docs/fidelity.md):
        ``defect_fraction`` and ``defect_map``, the regions of the synthesis with no
        counterpart in the exemplar. About 0.5 s at 256² (2 s the first time for an
        exemplar); ``False`` leaves them NaN and None. Skipped too when the synthesis
        is smaller than one fidelity window.

    Returns
    -------
    MemorizationReport
        The verdict answers "was the exemplar copied?", not "is this a good
        texture?". It is the first rule that applies (thresholds of
        :class:`VerdictThresholds`; docs/memorization.md, "Verdict"):

        1. ``"undefined"`` -- synthesis or exemplar flat, or more than half the
           synthesis crops flat;
        2. ``"indeterminate"`` -- ``heldout_q95 >= 0.95``;
        3. ``"copy"`` -- ``global_match >= max(0.8, (1 + heldout_q95) / 2)``, or
           ``copy_rate >= 0.25`` with at least 4 crops compared;
        4. ``"indeterminate"`` -- fewer than 4 crops compared (``min_crops``), or a
           quasi-periodic exemplar (``heldout_q95 >= 0.8``) with ``0 < copy_rate <
           0.25`` and no other sign: another piece of the same wall does that too;
        5. ``"suspicious"`` -- ``copy_rate > 0``, ``excess_rate >= 0.5`` or
           ``coherence >= 0.25``;
        6. ``"novel"`` (no copying detected).

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
    heldout_matches = _read_only(np.empty(0))
    if calibration is not False:
        digest = _digest(exemplar_array)
        if isinstance(calibration, Calibration):
            if calibration.exemplar_digest != digest or calibration.crop_size != size:
                raise ValueError(
                    "the calibration does not belong to this exemplar and crop size "
                    f"(it was made for crop size {calibration.crop_size} on an exemplar "
                    f"of shape {calibration.exemplar_shape}; probing with crop size "
                    f"{size}). Pass calibrate(exemplar, crop_size) or calibration=None."
                )
            heldout_matches = calibration.heldout_matches
        else:
            heldout_matches = _calibrate_array(exemplar_array, size, digest, exemplar_target).heldout_matches

    match = _global_match_arrays(synthesis_array, exemplar_array, bool(search_flips))
    measures = _measure_crops(synthesis_array, exemplar_target, size, heldout_matches)
    verdict = decide(
        synthesis_flat=_is_flat(synthesis_array),
        exemplar_flat=_is_flat(exemplar_array),
        n_crops=measures.n_crops,
        n_flat_crops=measures.n_flat_crops,
        heldout_q95=measures.heldout_q95,
        crop_size=size,
        global_match=match.score,
        copy_rate=measures.copy_rate,
        excess_rate=measures.excess_rate,
        coherence=measures.coherence,
    )
    fidelity_map = (
        local_fidelity(synthesis_array, exemplar_array)
        if fidelity and min(synthesis_array.shape[:2]) >= default_fidelity_window(exemplar_array.shape)
        else None
    )
    return MemorizationReport(
        **measures.report_fields(verdict),
        defect_fraction=math.nan if fidelity_map is None else fidelity_map.defect_fraction,
        defect_map=None if fidelity_map is None else fidelity_map.map,
        global_match=match.score,
        global_offset=match.offset,
        global_transform=match.transform,
        global_template="synthesis" if match.template == "first" else "exemplar",
        global_copy_threshold=THRESHOLDS.global_copy_cut(measures.heldout_q95),
        calibrated=calibration is not False,
        search_flips=bool(search_flips),
        synthesis_shape=tuple(int(n) for n in synthesis_array.shape),  # type: ignore[arg-type]
        exemplar_shape=tuple(int(n) for n in exemplar_array.shape),  # type: ignore[arg-type]
        displacements=_read_only(measures.displacements),
        heldout_matches=heldout_matches,
    )
