"""Model configurations of increasing capacity, for capacity sweeps and studies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["CAPACITY_LADDER", "pinned_ladder"]

#: Model configurations of increasing capacity for :func:`wavetex.report.capacity_sweep`.
CAPACITY_LADDER: tuple[tuple[str, dict[str, Any]], ...] = (
    ("no shifts, Δj=0", dict(shifts="none", delta_j=0)),
    ("no shifts, Δj=2", dict(shifts="none", delta_j=2)),
    ("same (j,l) shifts, Δj=2", dict(shifts="same_scale_orientation", delta_j=2)),
    ("all shifts, Δj=0", dict(shifts="all", delta_j=0)),
    ("all shifts, Δj=2 (paper, gray)", dict(shifts="all", delta_j=2)),
    ("all shifts, Δj=4", dict(shifts="all", delta_j=4)),
)

_SHIFT_WORDS = {"none": "no shifts", "same_scale_orientation": "same (j,l) shifts", "all": "all shifts",
                "same_colour": "same-colour shifts"}


def pinned_ladder(
    *, shifts: str | None = None, delta_j: int | None = None,
    ladder: Sequence[tuple[str, dict[str, Any]]] = CAPACITY_LADDER,
) -> tuple[tuple[str, dict[str, Any]], ...]:
    """The capacity ladder with ``shifts`` and/or ``delta_j`` fixed (``None``: swept).

    Rungs that become equal are kept once, in ladder order.

    Examples
    --------
    >>> [label for label, _ in pinned_ladder(shifts="none")]
    ['no shifts, Δj=0', 'no shifts, Δj=2', 'no shifts, Δj=4']
    >>> pinned_ladder(shifts="none", delta_j=0)
    (('no shifts, Δj=0', {'shifts': 'none', 'delta_j': 0}),)
    """
    if shifts is None and delta_j is None:
        return tuple(ladder)
    rungs: dict[tuple[Any, Any], tuple[str, dict[str, Any]]] = {}
    for _, options in ladder:
        pinned = dict(options)
        if shifts is not None:
            pinned["shifts"] = shifts
        if delta_j is not None:
            pinned["delta_j"] = delta_j
        key = (pinned["shifts"], pinned["delta_j"])
        label = f"{_SHIFT_WORDS.get(pinned['shifts'], pinned['shifts'])}, Δj={pinned['delta_j']}"
        rungs.setdefault(key, (label, pinned))
    return tuple(sorted(rungs.values(), key=lambda rung: rung[1]["delta_j"]))
