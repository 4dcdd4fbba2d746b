"""What watches a synthesis while it runs: progress, time budget, callback, probes.

The optimiser calls the :class:`Monitor` after every batched evaluation. It records the
statistics error after each iteration of each sample, advances a progress bar, calls
the user's callback once per completed iteration, runs memorization probes at
checkpoints, and stops the run when the time budget is spent.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from ._layout import channels_last
from .lbfgs import SampleState
from .objective import Objective

__all__ = ["Monitor", "Stop", "plateaued", "loss_decrease"]

Callback = Callable[[int, torch.Tensor, torch.Tensor], None]


class Stop(Exception):
    """Ends the optimisation early; ``reason`` goes into the result's stop reasons."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Monitor:
    """Bookkeeping after every evaluation of the batch.

    Parameters
    ----------
    objective : Objective
        Source of the statistics error of each accepted iterate.
    total : int
        Iterations expected per sample (for the progress bar).
    progress : bool
        Draw a progress bar on stderr.
    time_budget : float or None
        Seconds after which :class:`Stop` is raised.
    callback : callable, optional
        ``callback(step, images, losses)`` after each completed iteration of the slowest
        sample, with detached images (B, C, H, W) and losses (B,).
    probe_every : int or None
        Probe every sample against ``exemplar`` each ``probe_every`` iterations.
    exemplar : np.ndarray, optional
        Channels-last exemplar for the probes.

    Attributes
    ----------
    errors : list of list of float
        Per sample, the statistics error after each iteration.
    probe_history : list of dict
        One entry per checkpoint: ``{"iteration": k, "samples": [scores, ...]}``.

    Examples
    --------
    >>> import wavetex
    >>> from wavetex.objective import Objective, Target
    >>> exemplar = torch.rand(1, 1, 32, 32, dtype=torch.float64)
    >>> stats = wavetex.TextureStatistics(exemplar[0], n_scales=2)
    >>> objective = Objective(stats, Target(stats.circular(exemplar)[0]), (1, 1, 32, 32), weight=1.0)
    >>> monitor = Monitor(objective, total=10, time_budget=0.0)
    >>> losses, grad = objective(exemplar.flatten(1))
    >>> monitor([SampleState(x=exemplar.flatten())], exemplar.flatten(1), losses)
    Traceback (most recent call last):
    ...
    wavetex.monitor.Stop: time budget
    """

    def __init__(
        self,
        objective: Objective,
        total: int,
        *,
        progress: bool = False,
        time_budget: float | None = None,
        callback: Callback | None = None,
        probe_every: int | None = None,
        exemplar: np.ndarray | None = None,
    ) -> None:
        n_samples = objective.shape[0]
        self.objective = objective
        self.time_budget = time_budget
        self.callback = callback
        self.probe_every = probe_every
        self.exemplar = exemplar
        self.errors: list[list[float]] = [[] for _ in range(n_samples)]
        self.probe_history: list[dict[str, Any]] = []
        self._iterations_seen = [0] * n_samples
        self._step = 0
        self._start = time.perf_counter()
        self._bar = None
        if progress:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=total, desc="synthesis", unit="it", file=sys.stderr, dynamic_ncols=True, leave=False)

    @property
    def elapsed(self) -> float:
        """Seconds since the monitor was created."""
        return time.perf_counter() - self._start

    def __call__(self, states: list[SampleState], X: torch.Tensor, losses: torch.Tensor) -> None:
        for b, state in enumerate(states):
            if self._iterations_seen[b] < state.n_iter:
                self._iterations_seen[b] = state.n_iter
                self.errors[b].append(self.objective.iteration_error(b, state.loss))
        active = [s.n_iter for s in states if not s.done] or [s.n_iter for s in states]
        step = min(active)
        if step > self._step:
            self._step = step
            self._completed_iteration(step, states)
        if self.time_budget is not None and self.elapsed > self.time_budget:
            raise Stop("time budget")

    def _completed_iteration(self, step: int, states: list[SampleState]) -> None:
        if self._bar is not None:
            self._bar.update(step - self._bar.n)
            current = [e[-1] for e in self.errors if e]
            self._bar.set_postfix(loss=f"{np.mean([s.loss for s in states]):.4g}", err=f"{np.mean(current):.4f}")
        probing = self.probe_every is not None and step % self.probe_every == 0
        if self.callback is None and not probing:
            return
        images = self.objective.images(torch.stack([s.x for s in states])).detach()
        if self.callback is not None:
            self.callback(step, images, torch.tensor([s.loss for s in states]))
        if probing:
            self.probe_history.append(probe_checkpoint(step, images, self.exemplar))

    def close(self) -> None:
        """Remove the progress bar."""
        if self._bar is not None:
            self._bar.close()


def probe_checkpoint(step: int, images: torch.Tensor, exemplar: np.ndarray) -> dict[str, Any]:
    """The probe's main scores for each image (B, C, H, W) at iteration ``step``."""
    from .memorization import probe

    keys = ("verdict", "global_match", "crop_match_median", "copy_rate", "memorization_index", "excess_rate", "coherence")
    reports = [probe(channels_last(image), exemplar).to_dict() for image in images]
    return {"iteration": step, "samples": [{k: r[k] for k in keys} for r in reports]}


def loss_decrease(history: Sequence[float], window: int = 50) -> float | None:
    """Relative decrease of the loss over the last ``window`` iterations,
    ``(L[-window-1] - L[-1]) / L[-window-1]``; None with ``window`` iterations or fewer.

    Examples
    --------
    >>> loss_decrease([10.0, 9.0, 8.0], window=2)
    0.2
    >>> loss_decrease([10.0, 9.0], window=2) is None
    True
    """
    if len(history) <= window:
        return None
    before, after = history[-window - 1], history[-1]
    return (before - after) / before if before != 0 else 0.0


def plateaued(history: Sequence[float], window: int, min_decrease: float) -> bool:
    """The plateau test: the loss fell by less than ``min_decrease`` (a fraction) over
    the last ``window`` iterations. It stops a schedule's runs
    (:func:`wavetex.synthesis.run_schedule`, ``Schedule.min_decrease``) and
    :meth:`SynthesisResult.status` reads it.

    Examples
    --------
    >>> plateaued([100.0] + [99.0] * 50, window=50, min_decrease=0.05)
    True
    >>> plateaued([100.0] + [90.0] * 50, window=50, min_decrease=0.05)
    False
    >>> plateaued([100.0] * 50, window=50, min_decrease=0.05)  # too short to judge
    False
    """
    decrease = loss_decrease(history, window)
    return decrease is not None and decrease < min_decrease
