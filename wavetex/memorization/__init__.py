"""Memorization probe: did a synthesis make a new texture or copy its exemplar?

Texture models with many statistics (all spatial shifts, many scale pairs) can be
satisfied by a translated copy of the exemplar -- circular convolutions make a
circularly shifted exemplar match the statistics almost perfectly -- or by a collage
of exemplar pieces. This module measures that quality/diversity trade-off with
weight-free, CPU-only measures built on normalized cross-correlation (NCC):

* **global match** -- the best NCC of the whole synthesis over all circular shifts of
  the exemplar (optionally also its 8 flips and 90 degree rotations);
* **crop matches** -- the synthesis is tiled into ``p x p`` crops at stride ``p / 2``
  and every crop is searched at every position of the *periodic* exemplar;
* **calibration** -- the same search, leave-one-out, for crops of the exemplar itself:
  how similar two genuinely different pieces of this texture are;
* **copy rate**, **memorization index**, **excess rate** and **coherence** (do
  neighbouring crops come from neighbouring places of the exemplar?), summarised in a
  verdict: ``"undefined"``, ``"indeterminate"``, ``"copy"``, ``"suspicious"`` or
  ``"novel"``.

The verdict answers "was the exemplar copied?", not "is the synthesis a good
texture?": ``"novel"`` means no copying was detected.

Controls (shifted copies, collages, noisy and partial copies, phase-randomized
exemplars, matched noise, other crops of the exemplar's photograph) are provided to check the probe on a texture of one's own.
The measures and verdict rules are described in docs/memorization.md.

Image convention: numpy arrays of shape ``(H, W)`` (gray) or ``(H, W, C)`` with
``C = 1`` or ``3`` (channels last), float with values in ``[0, 1]`` or ``uint8`` /
``uint16`` (rescaled to ``[0, 1]``). NCC is invariant to gain and offset, so floats in
another range work too; only the tolerance that declares a window flat (per-pixel
variance below ``1e-10``) assumes the ``[0, 1]`` range.

Both probes -- :func:`probe` (a synthesis against its exemplar) and :func:`probe_fill`
(a fill against the image's known pixels) -- measure their crops with one engine and
decide with one verdict; their reports share :class:`CropReport`.

The engine is Lewis' fast NCC: the numerator is one FFT correlation with the
zero-mean template, the denominator comes from circular box sums (integral images on
the torus). Colour NCC is one NCC over all channels jointly with each channel's own
mean removed, which makes it invariant to per-channel offsets. Flat windows give NCC
0; flat templates are excluded and counted.

Examples
--------
>>> import numpy as np
>>> from wavetex.memorization import probe, shifted_copy, phase_randomized
>>> exemplar = np.random.default_rng(0).random((64, 64))
>>> probe(shifted_copy(exemplar, (5, 7)), exemplar).verdict
'copy'
>>> probe(phase_randomized(exemplar, seed=1), exemplar).verdict
'novel'
"""

from ._arrays import default_crop_size
from ._calibration import Calibration, calibrate, clear_calibration_cache
from ._crops import CropReport
from ._controls import (
    crop_collage,
    matched_noise,
    natural_crops,
    noisy_shifted_copy,
    partial_copy,
    phase_randomized,
    shifted_copy,
)
from ._diversity import DiversityReport, diversity
from ._fidelity import FidelityMap, default_fidelity_window, fill_fidelity, local_fidelity
from ._fill import FillReport, default_fill_crop_size, probe_fill
from ._ncc import GlobalMatch, global_match, normalized_cross_correlation
from ._probe import MemorizationReport, probe
from ._verdict import VERDICT_WORDS, VerdictThresholds

__all__ = [
    "VERDICT_WORDS",
    "Calibration",
    "CropReport",
    "DiversityReport",
    "FidelityMap",
    "FillReport",
    "GlobalMatch",
    "MemorizationReport",
    "VerdictThresholds",
    "calibrate",
    "clear_calibration_cache",
    "crop_collage",
    "default_crop_size",
    "default_fidelity_window",
    "default_fill_crop_size",
    "diversity",
    "fill_fidelity",
    "global_match",
    "local_fidelity",
    "matched_noise",
    "natural_crops",
    "noisy_shifted_copy",
    "normalized_cross_correlation",
    "partial_copy",
    "phase_randomized",
    "probe",
    "probe_fill",
    "shifted_copy",
]
