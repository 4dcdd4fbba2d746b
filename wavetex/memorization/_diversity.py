"""Diversity: pairwise global matches between several syntheses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..files import to_plain
from ._arrays import _as_image, _check_channels, _read_only, _statistic
from ._ncc import _global_match_arrays


@dataclass(frozen=True, eq=False)
class DiversityReport:
    """Pairwise global matches between several syntheses (see :func:`diversity`).

    Attributes
    ----------
    pairwise_matches : ndarray, shape (n, n)
        Symmetric; entry ``[i, j]`` is the global match between syntheses ``i`` and
        ``j`` (the diagonal is 1).
    max_match, mean_match : float
        Over the ``n (n - 1) / 2`` distinct pairs.
    """

    pairwise_matches: np.ndarray = field(repr=False)
    max_match: float
    mean_match: float

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-serialisable view (NaN becomes ``None``).

        Examples
        --------
        >>> rng = np.random.default_rng(0)
        >>> diversity([rng.random((32, 32)) for _ in range(3)]).to_dict()["max_match"] < 0.5
        True
        """
        return {
            "pairwise_matches": to_plain(self.pairwise_matches),
            "max_match": to_plain(self.max_match),
            "mean_match": to_plain(self.mean_match),
        }


def diversity(syntheses: Sequence[np.ndarray], *, search_flips: bool = False) -> DiversityReport:
    """Pairwise global matches between syntheses (e.g. from several seeds).

    Parameters
    ----------
    syntheses : sequence of ndarray, each (H, W) or (H, W, C)
        At least two images with the same number of channels.
    search_flips : bool, default False
        Also try the 8 flips / 90 degree rotations (8 times slower).

    Returns
    -------
    DiversityReport
        Low matches mean diverse syntheses; a match near 1 means two seeds gave
        (shifted) copies of each other.

    Examples
    --------
    >>> image = np.random.default_rng(0).random((32, 32))
    >>> report = diversity([image, np.roll(image, 5, axis=1)])
    >>> round(report.max_match, 6)
    1.0
    """
    if isinstance(syntheses, np.ndarray) or not isinstance(syntheses, Sequence):
        raise TypeError(
            "syntheses must be a list or tuple of images; got "
            f"{type(syntheses).__name__}. Wrap a batch as list(batch)."
        )
    if len(syntheses) < 2:
        raise ValueError(
            f"diversity needs at least two syntheses; got {len(syntheses)}. "
            "Synthesize with several seeds."
        )
    images = [_as_image(image, f"syntheses[{index}]") for index, image in enumerate(syntheses)]
    for index, image in enumerate(images[1:], start=1):
        _check_channels(images[0], image, f"syntheses[0] and syntheses[{index}]")
    n_images = len(images)
    matches = np.eye(n_images)
    for first in range(n_images):
        for second in range(first + 1, n_images):
            score = _global_match_arrays(images[first], images[second], bool(search_flips)).score
            matches[first, second] = matches[second, first] = score
    pairs = matches[np.triu_indices(n_images, k=1)]
    finite_pairs = pairs[np.isfinite(pairs)]
    return DiversityReport(
        pairwise_matches=_read_only(matches),
        max_match=_statistic(pairs, 1.0),
        mean_match=float(np.mean(finite_pairs)) if finite_pairs.size else float("nan"),
    )

