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
  :func:`wavetex.memorization.probe`, measured by the same engine, and the same verdict
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

from ._arrays import MIN_CROP_SIZE, _as_image, _check_channels, _digest, _is_flat, _read_only, _unknown_mask
from ._calibration import _calibrate_array
from ._crops import CropReport, _crop_grid, _measure_crops
from ._fidelity import MIN_WINDOW, fill_fidelity
from ._ncc import _circular_box_sum, _PeriodicTarget, _search_crops
from ._verdict import decide

__all__ = ["FillReport", "probe_fill", "default_fill_crop_size"]

#: A crop belongs to the fill when at least this fraction of its pixels was synthesised.
FILL_FRACTION = 0.5


@dataclass(frozen=True, eq=False, kw_only=True)
class FillReport(CropReport):
    """Result of :func:`probe_fill` (NaN where undefined; :meth:`to_dict` gives None).

    The verdict and the crop measures are those of :class:`CropReport`, with the
    fill's crops searched in the image's known windows and the calibration made of
    the known region's own crops.

    Attributes
    ----------
    verdict, verdict_reason, verdict_measures, crop_size, crop_stride, n_crops, \
n_flat_crops, crop_match_median, crop_match_p90, crop_match_max, copy_threshold, \
copy_rate, excess_rate, coherence, heldout_median, heldout_q95, heldout_max, \
memorization_index, crop_positions, match_positions, crop_matches, thresholds, \
defect_fraction, defect_map
        See :class:`CropReport`; the local fidelity is :func:`fill_fidelity` (the
        fill's windows against the image's entirely known windows).
    n_heldout_crops : int
        Crops used for the calibration (of the known region, and of the exemplar
        when one was searched).
    searched_exemplar : bool
        Whether an exemplar was searched besides the known pixels.
    match_in_exemplar : ndarray of bool, shape (N,)
        Which crops' best match lies in the exemplar (their ``match_positions`` are
        then positions in the exemplar).
    """

    n_heldout_crops: int
    searched_exemplar: bool = False
    match_in_exemplar: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0, dtype=bool))

    _ARRAY_FIELDS = (*CropReport._ARRAY_FIELDS, "match_in_exemplar")

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
            f"pieces, copy rate {number(self.copy_rate)}, coherence {number(self.coherence)}, "
            f"defect fraction {number(self.defect_fraction)}."
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


def probe_fill(image: Any, unknown: Any, *, crop_size: int | None = None, exemplar: Any = None) -> FillReport:
    """Measure whether the synthesised pixels of an image copy its known pixels.

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, 3)
        The filled image, values in [0, 1].
    unknown : ndarray of bool, shape (H, W)
        True where the pixels were synthesised.
    crop_size : int, optional
        Crop side ``p`` (at least 16); default :func:`default_fill_crop_size`.
    exemplar : ndarray, shape (H', W') or (H', W', C), optional
        The image the fill's statistics came from (``inpaint(..., exemplar=...)``):
        searched too, as a periodic image, so that a piece of it pasted into the fill
        reads as a copy; its own leave-one-out calibration joins the known region's.

    Returns
    -------
    FillReport
        The verdict of :func:`wavetex.memorization.probe`, by the same rules and
        thresholds (:class:`VerdictThresholds`), without the global match:
        ``"undefined"`` (fill or known region flat, no fill crop, or more than half
        the fill crops flat); ``"indeterminate"`` (``heldout_q95 >= 0.95``);
        ``"copy"`` (``copy_rate >= 0.25``); ``"suspicious"`` (``copy_rate > 0``,
        ``excess_rate >= 0.5`` or ``coherence >= 0.25``); ``"novel"``.
    """
    array = _as_image(image, "image")
    unknown = _unknown_mask(unknown, array.shape)
    size = default_fill_crop_size(array.shape) if crop_size is None else crop_size
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or not MIN_CROP_SIZE <= size <= min(array.shape[:2]):
        raise ValueError(
            f"crop_size must be an integer in [{MIN_CROP_SIZE}, {min(array.shape[:2])}] for this "
            f"{array.shape[0]}x{array.shape[1]} image, got {crop_size!r}; pass None for the default"
        )
    size = int(size)
    target = _PeriodicTarget(array)
    allowed = _allowed_windows(unknown, size)

    known_stride = max(1, size // 4)
    known_grid = np.argwhere(allowed)
    known_grid = known_grid[(known_grid[:, 0] % known_stride == 0) & (known_grid[:, 1] % known_stride == 0)]
    heldout = np.empty(0)
    if len(known_grid):
        heldout, _ = _search_crops(array, known_grid, size, target, exclude_own_window=True, allowed=allowed)
    exemplar_target = None
    if exemplar is not None:
        exemplar_array = _as_image(exemplar, "exemplar")
        _check_channels(array, exemplar_array, "image and exemplar")
        if min(exemplar_array.shape[:2]) < 2 * size:
            raise ValueError(
                f"the exemplar ({exemplar_array.shape[0]}x{exemplar_array.shape[1]}) must be at least two crops "
                f"({2 * size} pixels) wide and high to be searched at crop size {size}; pass a smaller crop_size"
            )
        exemplar_target = _PeriodicTarget(exemplar_array)
        calibration = _calibrate_array(exemplar_array, size, _digest(exemplar_array), exemplar_target)
        heldout = np.concatenate([heldout, calibration.heldout_matches])

    grid, _, _ = _crop_grid(array.shape, size, max(1, size // 2))
    fraction = _circular_box_sum(unknown[:, :, None].astype(np.float64), size, size)[..., 0] / size**2
    in_fill = fraction[grid[:, 0], grid[:, 1]] >= FILL_FRACTION
    measures = _measure_crops(
        array, target, size, heldout, selected=in_fill, allowed=allowed, second_target=exemplar_target
    )

    fill_pixels, known_pixels = array[unknown], array[~unknown]
    verdict = decide(
        synthesis_flat=fill_pixels.size == 0 or _is_flat(fill_pixels[:, None]),
        exemplar_flat=known_pixels.size == 0 or _is_flat(known_pixels[:, None]),
        n_crops=measures.n_crops,
        n_flat_crops=measures.n_flat_crops,
        heldout_q95=measures.heldout_q95,
        crop_size=size,
        global_match=math.nan,
        copy_rate=measures.copy_rate,
        excess_rate=measures.excess_rate,
        coherence=measures.coherence,
        subject="fill",
        source="known region",
    )
    fidelity = fill_fidelity(array, unknown) if min(array.shape[:2]) >= MIN_WINDOW else None
    return FillReport(
        **measures.report_fields(verdict),
        n_heldout_crops=int(np.isfinite(heldout).sum()),
        searched_exemplar=exemplar is not None,
        match_in_exemplar=_read_only(measures.in_second_target),
        defect_fraction=math.nan if fidelity is None else fidelity.defect_fraction,
        defect_map=None if fidelity is None else fidelity.map,
    )
