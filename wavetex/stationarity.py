"""Is the exemplar one texture? A check that its parts look alike.

A texture model reproduces what is the same everywhere in its exemplar. An exemplar that
is two textures (a gland and the tissue around it, a wall and the sky) gives statistics
of the mixture, and a synthesis that mixes them. :func:`check_stationarity` compares
the exemplar's halves with the local fidelity measure
(:func:`wavetex.memorization.local_fidelity`): how much of each half has no counterpart
in the other half, top against bottom and left against right, both ways. Crops of
stationary textures score 0; lighting that changes slowly across the exemplar does not
count (the measure normalises each window's contrast). See docs/fidelity.md,
"Stationarity".
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .memorization import default_fidelity_window, local_fidelity
from .memorization._arrays import _as_image, _digest

__all__ = ["StationarityReport", "check_stationarity", "STATIONARITY_THRESHOLD", "MIN_SIDE"]

#: The exemplar is called not stationary when a half has at least this fraction of its
#: windows without counterpart in the other half. Stationary photographs score 0; the
#: bundled brick 0.15 (its bricks lean the other way on the right); tissue 0.32.
STATIONARITY_THRESHOLD = 0.25
#: Exemplars smaller than this on a side are not checked (a half must be 64 pixels).
MIN_SIDE = 128


@dataclass(frozen=True)
class StationarityReport:
    """Result of :func:`check_stationarity`.

    Attributes
    ----------
    stationary : bool
        False when ``score >= threshold``; True also when the check did not run.
    checked : bool
        False when the exemplar is smaller than 128 pixels on a side.
    score : float
        The largest of ``halves`` (NaN when not checked).
    threshold : float
        :data:`STATIONARITY_THRESHOLD`.
    halves : dict of str to float
        Defect fraction of one half judged against the other: ``"bottom vs top"``,
        ``"top vs bottom"``, ``"right vs left"``, ``"left vs right"``.
    message : str
        One sentence for people; a warning when not stationary.
    """

    stationary: bool
    checked: bool
    score: float
    threshold: float
    halves: dict[str, float] = field(default_factory=dict)
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (NaN becomes None).

        Examples
        --------
        >>> check_stationarity(np.zeros((32, 32))).to_dict()["checked"]
        False
        """
        return {
            "stationary": self.stationary,
            "checked": self.checked,
            "score": self.score if math.isfinite(self.score) else None,
            "threshold": self.threshold,
            "halves": dict(self.halves),
            "message": self.message,
        }


def check_stationarity(exemplar: Any, *, threshold: float = STATIONARITY_THRESHOLD) -> StationarityReport:
    """Tell whether an exemplar is one texture: do its halves look alike?

    Parameters
    ----------
    exemplar : ndarray, shape (H, W) or (H, W, 3)
        Values in [0, 1] (or uint8 / uint16). Exemplars smaller than 128 pixels on a
        side are not checked.
    threshold : float, default 0.25
        Largest defect fraction of a half against the other that still counts as
        one texture.

    Returns
    -------
    StationarityReport
        ``stationary`` is False when some half has at least ``threshold`` of its
        windows without counterpart in the other half (local fidelity with the
        window of the whole exemplar).

    Examples
    --------
    >>> from scipy import ndimage
    >>> rng = np.random.default_rng(0)
    >>> texture = ndimage.gaussian_filter(rng.random((128, 128)), 1)
    >>> check_stationarity(texture).stationary
    True
    >>> two = texture.copy()
    >>> two[64:] = ndimage.gaussian_filter(rng.random((64, 128)), 4)  # another texture below
    >>> report = check_stationarity(two)
    >>> report.stationary, report.message.startswith("the exemplar may not be one texture")
    (False, True)
    """
    image = _as_image(exemplar, "exemplar")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 < threshold <= 1:
        raise ValueError(f"threshold must be a number in (0, 1]; got {threshold!r}. Pass e.g. threshold=0.25.")
    height, width = image.shape[:2]
    if min(height, width) < MIN_SIDE:
        return StationarityReport(
            stationary=True,
            checked=False,
            score=float("nan"),
            threshold=float(threshold),
            message=f"stationarity not checked: the exemplar ({width}×{height}) is smaller than "
            f"{MIN_SIDE} pixels on a side",
        )
    key = (_digest(image), float(threshold))
    with _LOCK:
        if key in _CACHE:  # every synthesis of the same exemplar asks again
            _CACHE.move_to_end(key)
            return _CACHE[key]
    report = _check_halves(image, float(threshold))
    with _LOCK:
        _CACHE[key] = report
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return report


_CACHE: OrderedDict[tuple[str, float], StationarityReport] = OrderedDict()
_CACHE_SIZE = 8
_LOCK = threading.Lock()


def _check_halves(image: np.ndarray, threshold: float) -> StationarityReport:
    """The check itself, on an exemplar at least MIN_SIDE on a side."""
    height, width = image.shape[:2]
    window = default_fidelity_window(image.shape)  # fits a half: at most its smaller side / 4
    top, bottom = image[: height // 2], image[height // 2 :]
    left, right = image[:, : width // 2], image[:, width // 2 :]
    pairs = {
        "bottom vs top": (bottom, top),
        "top vs bottom": (top, bottom),
        "right vs left": (right, left),
        "left vs right": (left, right),
    }
    halves = {name: local_fidelity(half, other, window=window).defect_fraction for name, (half, other) in pairs.items()}
    worst = max(halves, key=halves.__getitem__)
    score = halves[worst]
    if score >= threshold:
        half, other = worst.split(" vs ")
        message = (
            f"the exemplar may not be one texture: {100 * score:.0f}% of its {half} half has no counterpart "
            f"in its {other} half (crops of one texture: below {100 * threshold:.0f}%); the synthesis will "
            "mix its parts. Crop the exemplar to one texture"
        )
    else:
        message = f"the exemplar's halves look alike (score {score:.2f} < {threshold:.2f})"
    return StationarityReport(
        stationary=score < threshold,
        checked=True,
        score=float(score),
        threshold=float(threshold),
        halves=halves,
        message=message,
    )
