"""The probe's verdict: its thresholds, its rules and its words.

The verdict answers "was the exemplar copied?", not "is the synthesis a good texture?".
The rules and their reasons are in docs/memorization.md, "Verdict".
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

#: Each verdict in words for a reader (figures, HTML pages, the command line).
VERDICT_WORDS = {
    "novel": "no copying detected (this says nothing about the texture's quality)",
    "suspicious": "some regions may be copied from the exemplar",
    "copy": "copies the exemplar (shifted, or as a collage of pieces)",
    "indeterminate": "cannot tell: the exemplar repeats itself too exactly at this crop size, or too few crops",
    "undefined": "cannot tell: the image, or most of it, is flat",
}

#: The order in which a reader should worry about verdicts, most alarming first.
VERDICT_SEVERITY = ("copy", "suspicious", "indeterminate", "undefined", "novel")


@dataclass(frozen=True)
class VerdictThresholds:
    """Every threshold of the verdict, in one place; each report records the ones it used.

    Attributes
    ----------
    min_copy_match : float
        Floor of the two adaptive copy cuts: a crop (or the whole synthesis) copies
        when its best NCC reaches ``max(min_copy_match, (1 + heldout_q95) / 2)``.
    min_copy_global_match : float
        Floor of the global-match copy cut, ``max(min_copy_global_match,
        (1 + heldout_q95) / 2)``.
    indeterminate_heldout_q95 : float
        The verdict is ``"indeterminate"`` when the exemplar's own pieces match each
        other this well (95th percentile of the held-out NCCs).
    copy_rate : float
        ``"copy"`` when at least this fraction of the crops reach the crop copy cut.
    suspicious_excess_rate, suspicious_coherence : float
        ``"suspicious"`` when the excess rate or the coherence reaches these.
    quasi_periodic_heldout_q95 : float
        A quasi-periodic exemplar (bricks, weaves) whose own pieces match each other
        this well: a few crops over the copy cut (copy rate above 0 but below
        ``copy_rate``, and nothing else) are what faithful synthesis, or another crop
        of the same photograph, gives too -- the verdict is ``"indeterminate"``, not
        ``"suspicious"``.
    min_crops : int
        Fewest non-flat crops that support a verdict drawn from the crops (a 2 x 2
        grid: a synthesis 1.5 crops wide and high; a 64² synthesis at crop 64 gives 1
        crop, 96² gives 4): below it the verdict is ``"indeterminate"`` unless the
        whole-image global match alone says ``"copy"``.

    Examples
    --------
    >>> thresholds = VerdictThresholds()
    >>> thresholds.global_copy_cut(0.9), thresholds.crop_copy_cut(float("nan"))
    (0.95, 0.95)
    """

    min_copy_match: float = 0.95
    min_copy_global_match: float = 0.8
    indeterminate_heldout_q95: float = 0.95
    copy_rate: float = 0.25
    suspicious_excess_rate: float = 0.5
    suspicious_coherence: float = 0.25
    quasi_periodic_heldout_q95: float = 0.8
    min_crops: int = 4

    def crop_copy_cut(self, heldout_q95: float) -> float:
        """Best NCC from which a crop counts as copied (``min_copy_match`` uncalibrated)."""
        return _adaptive_cut(self.min_copy_match, heldout_q95)

    def global_copy_cut(self, heldout_q95: float) -> float:
        """Global match from which the whole synthesis counts as a copy."""
        return _adaptive_cut(self.min_copy_global_match, heldout_q95)

    def to_dict(self) -> dict[str, Any]:
        """The thresholds as a plain dict (recorded in every report)."""
        return asdict(self)


def _side_for(n_crops: int, crop_size: int) -> int:
    """Smallest square side whose crop grid (stride ``crop_size // 2``) holds ``n_crops``."""
    per_axis = math.ceil(math.sqrt(n_crops))
    return crop_size + (per_axis - 1) * max(1, crop_size // 2)


def _adaptive_cut(floor: float, heldout_q95: float) -> float:
    """Halfway between what the exemplar's own pieces reach and a perfect match."""
    if not math.isfinite(heldout_q95):
        return floor
    return max(floor, (1.0 + heldout_q95) / 2.0)


#: The thresholds :func:`wavetex.memorization.probe` uses.
THRESHOLDS = VerdictThresholds()


@dataclass(frozen=True)
class Verdict:
    """A verdict, its sentence, and the report fields that decided it."""

    name: str
    reason: str
    measures: tuple[str, ...]


def decide(
    *,
    synthesis_flat: bool,
    exemplar_flat: bool,
    n_crops: int,
    n_flat_crops: int,
    heldout_q95: float,
    crop_size: int,
    global_match: float,
    copy_rate: float,
    excess_rate: float,
    coherence: float,
    thresholds: VerdictThresholds = THRESHOLDS,
    subject: str = "synthesis",
    source: str = "exemplar",
) -> Verdict:
    """The first rule that applies (docs/memorization.md, "Verdict").

    The one verdict of both probes: :func:`~wavetex.memorization.probe` judges a
    synthesis against its exemplar, :func:`~wavetex.memorization.probe_fill` a fill
    (``subject="fill"``) against the image's known pixels (``source="known region"``),
    with no global match (NaN).

    Examples
    --------
    >>> measures = dict(synthesis_flat=False, exemplar_flat=False, n_crops=9, n_flat_crops=0,
    ...                 crop_size=64, copy_rate=0.0, excess_rate=0.0, coherence=0.0)
    >>> decide(heldout_q95=0.9, global_match=0.9, **measures).name
    'novel'
    >>> decide(heldout_q95=0.9, global_match=0.96, **measures).measures
    ('global_match',)
    >>> decide(heldout_q95=0.96, global_match=1.0, **measures).name
    'indeterminate'
    """
    t = thresholds
    if synthesis_flat or exemplar_flat:
        which = subject if synthesis_flat else source
        return Verdict(
            "undefined",
            f"Undefined: the {which} is flat (no variation), so similarity cannot be measured.",
            ("flat_image",),
        )
    if n_crops == 0:
        return Verdict(
            "undefined",
            f"Undefined: no {crop_size}x{crop_size} crop of the {subject} can be compared "
            f"(n_crops 0; a fill needs crops at least half synthesised); pass a smaller crop size (--crop-size; crop_size= in Python).",
            ("n_crops",),
        )
    if n_flat_crops * 2 > n_crops:
        return Verdict(
            "undefined",
            f"Undefined: {n_flat_crops} of the {n_crops} {subject} crops are flat (n_flat_crops, "
            f"more than half), so too little of the {subject} can be compared.",
            ("n_flat_crops",),
        )
    if heldout_q95 >= t.indeterminate_heldout_q95:
        return Verdict(
            "indeterminate",
            f"Indeterminate: the {source} repeats itself almost exactly at crop size {crop_size} "
            f"(its own pieces match each other at heldout_q95 {heldout_q95:.3f} >= "
            f"{t.indeterminate_heldout_q95}), so copying cannot be told from faithful "
            "synthesis; a larger crop size may help (--crop-size; crop_size= in Python).",
            ("heldout_q95",),
        )
    global_cut = t.global_copy_cut(heldout_q95)
    crop_cut = t.crop_copy_cut(heldout_q95)
    percent = f"{100 * copy_rate:.0f}%"
    reasons, measures = [], []
    if global_match >= global_cut:
        measures.append("global_match")
        reasons.append(
            f"the whole {subject} matches a shifted {source} with global match "
            f"{global_match:.3f} (>= {global_cut:.3f})"
        )
    if copy_rate >= t.copy_rate:
        measures.append("copy_rate")
        reasons.append(
            f"{percent} of its crops reproduce a piece of the {source} (copy rate "
            f"{copy_rate:.2f} >= {t.copy_rate}, crops with NCC >= {crop_cut:.3f})"
        )
    n_compared = n_crops - n_flat_crops
    if "global_match" in measures or (reasons and n_compared >= t.min_crops):
        return Verdict("copy", "Copy: " + " and ".join(reasons) + ".", tuple(measures))
    if n_compared < t.min_crops:
        return Verdict(
            "indeterminate",
            f"Indeterminate: only {n_compared} crop(s) of {crop_size}x{crop_size} pixels of the {subject} can be "
            f"compared (n_crops; at least {t.min_crops} support a verdict), too few to tell copying from chance; "
            f"use a {subject} at least {_side_for(t.min_crops, crop_size)} pixels wide and high, or a smaller "
            "crop size (--crop-size; crop_size= in Python).",
            ("n_crops",),
        )
    if copy_rate > 0:
        measures.append("copy_rate")
        reasons.append(
            f"{percent} of its crops reproduce a piece of the {source} (copy rate "
            f"{copy_rate:.2f} > 0, crops with NCC >= {crop_cut:.3f})"
        )
    if excess_rate >= t.suspicious_excess_rate:
        measures.append("excess_rate")
        reasons.append(
            f"{100 * excess_rate:.0f}% of its crops match the {source} better than 95% of the "
            f"{source}'s own pieces match each other (excess rate {excess_rate:.2f} >= "
            f"{t.suspicious_excess_rate})"
        )
    if coherence >= t.suspicious_coherence:
        measures.append("coherence")
        reasons.append(
            f"{100 * coherence:.0f}% of its crops come from the same place of the {source} "
            f"as a neighbouring crop (coherence {coherence:.2f} >= {t.suspicious_coherence})"
        )
    if measures == ["copy_rate"] and heldout_q95 >= t.quasi_periodic_heldout_q95:
        return Verdict(
            "indeterminate",
            f"Indeterminate: {percent} of the {subject}'s crops reach the copy cut {crop_cut:.3f} (copy rate "
            f"{copy_rate:.2f} < {t.copy_rate}), but the {source} is quasi-periodic (its own pieces match each other "
            f"at heldout_q95 {heldout_q95:.3f} >= {t.quasi_periodic_heldout_q95}), so a few close matches are what "
            "faithful synthesis gives too; a larger crop size (--crop-size; crop_size= in Python) may tell them apart.",
            ("copy_rate", "heldout_q95"),
        )
    if reasons:
        return Verdict("suspicious", "Suspicious: " + "; ".join(reasons) + ".", tuple(measures))
    details = ["copy rate 0"]
    if math.isfinite(global_match):
        details.insert(0, f"global match {global_match:.2f} < {global_cut:.2f}")
    if math.isfinite(excess_rate):
        details.append(f"excess rate {excess_rate:.2f} < {t.suspicious_excess_rate}")
    if math.isfinite(coherence):
        details.append(f"coherence {coherence:.2f} < {t.suspicious_coherence}")
    return Verdict(
        "novel",
        "No copying detected: " + ", ".join(details) + f". This says nothing about whether "
        f"the {subject} is a good texture; check its statistics error.",
        (),
    )
