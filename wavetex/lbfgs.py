"""L-BFGS with strong-Wolfe line search, one independent optimiser per batch entry.

``torch.optim.LBFGS`` treats all parameters as one vector: optimising a batch of
syntheses with it couples them (shared line search, shared curvature pairs), so sample
k of a batch differs from the same sample run alone. Here each sample runs its own
L-BFGS — the same algorithm as torch's (two-loop recursion, initial step
min(1, 1/‖g‖₁), strong-Wolfe line search with cubic interpolation, c1 = 1e-4,
c2 = 0.9) — written as a generator that asks for evaluations, so that a driver can
evaluate every sample's trial point in one batched call.

A run with B = 1 follows ``torch.optim.LBFGS(line_search_fn="strong_wolfe")`` step for
step (tested).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field

import torch

__all__ = ["LBFGSOptions", "SampleState", "lbfgs_run", "minimize_batch"]

Evaluation = tuple[float, torch.Tensor]  # loss, flat gradient


@dataclass(frozen=True)
class LBFGSOptions:
    """Options of one L-BFGS run, as in ``torch.optim.LBFGS``."""

    max_iter: int = 500
    history_size: int = 50
    tolerance_grad: float = 1e-10
    tolerance_change: float = 1e-10
    max_eval: int | None = None  # default 1.25 × max_iter, as torch
    line_search_max: int = 25


@dataclass
class SampleState:
    """What the driver can read about one sample while it runs."""

    x: torch.Tensor  # current iterate (flat)
    loss: float = float("inf")
    n_iter: int = 0  # completed iterations, all runs together
    n_evals: int = 0
    done: bool = False
    stop_reason: str = ""
    history: list[float] = field(default_factory=list)  # loss after each iteration


def _cubic_minimum(x1, f1, g1, x2, f2, g2, bounds=None) -> float:
    """Minimiser of the cubic interpolating (x1, f1, g1), (x2, f2, g2), within bounds."""
    low, high = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 * d1 - g1 * g2
    if d2_square < 0:
        return (low + high) / 2
    d2 = d2_square**0.5
    if x1 <= x2:
        position = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        position = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(position, low), high)


def _strong_wolfe(
    x: torch.Tensor, t: float, d: torch.Tensor, f: float, g: torch.Tensor, gtd: float,
    c1: float = 1e-4, c2: float = 0.9, tolerance_change: float = 1e-9, max_ls: int = 25,
) -> Generator[torch.Tensor, Evaluation, tuple[float, torch.Tensor, float, int]]:
    """Line search along d from x; yields trial points, returns (f, g, t, evaluations)."""
    d_norm = d.abs().max().item()
    f_new, g_new = yield x + t * d
    evals = 1
    gtd_new = g_new.dot(d).item()
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done, ls_iter = False, 0
    # bracketing phase
    while ls_iter < max_ls:
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev):
            bracket = [[t_prev, f_prev, g_prev, gtd_prev], [t, f_new, g_new, gtd_new]]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, done = [[t, f_new, g_new, gtd_new]], True
            break
        if gtd_new >= 0:
            bracket = [[t_prev, f_prev, g_prev, gtd_prev], [t, f_new, g_new, gtd_new]]
            break
        step = _cubic_minimum(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                              bounds=(t + 0.01 * (t - t_prev), t * 10))
        t_prev, f_prev, g_prev, gtd_prev = t, f_new, g_new, gtd_new
        t = step
        f_new, g_new = yield x + t * d
        evals += 1
        gtd_new = g_new.dot(d).item()
        ls_iter += 1
    if ls_iter == max_ls:
        bracket = [[0.0, f, g, gtd], [t, f_new, g_new, gtd_new]]
    # zoom phase: bracket[low] has the lowest loss
    insufficient_progress = False
    low, high = (0, 1) if bracket[0][1] <= bracket[-1][1] else (1, 0)
    while not done and ls_iter < max_ls:
        (t0, f0, _, gtd0), (t1, f1, _, gtd1) = bracket
        if abs(t1 - t0) * d_norm < tolerance_change:
            break
        t = _cubic_minimum(t0, f0, gtd0, t1, f1, gtd1)
        lo_t, hi_t = min(t0, t1), max(t0, t1)
        eps = 0.1 * (hi_t - lo_t)
        if min(hi_t - t, t - lo_t) < eps:
            if insufficient_progress or t >= hi_t or t <= lo_t:
                t = hi_t - eps if abs(t - hi_t) < abs(t - lo_t) else lo_t + eps
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False
        f_new, g_new = yield x + t * d
        evals += 1
        gtd_new = g_new.dot(d).item()
        ls_iter += 1
        if f_new > f + c1 * t * gtd or f_new >= bracket[low][1]:
            bracket[high] = [t, f_new, g_new, gtd_new]
            low, high = (0, 1) if bracket[0][1] <= bracket[1][1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high][0] - bracket[low][0]) >= 0:
                bracket[high] = bracket[low]
            bracket[low] = [t, f_new, g_new, gtd_new]
    t, f_new, g_new, _ = bracket[low]
    return f_new, g_new, t, evals


class _History:
    """The last ``size`` curvature pairs (s, y) of one run, in buffers allocated once.

    A new tensor for every pair would interleave long-lived vectors with the large,
    short-lived temporaries of each evaluation, and the heap could then never shrink:
    the peak memory of a 256² synthesis grew by about 200 MB in 40 iterations.
    """

    def __init__(self, size: int, like: torch.Tensor) -> None:
        self.steps = like.new_empty(size, like.numel())
        self.directions = like.new_empty(size, like.numel())
        self.rho: list[float] = []
        self.slots: list[int] = []  # buffer rows, oldest pair first

    def push(self, step: torch.Tensor, direction: torch.Tensor, rho: float) -> None:
        if len(self.slots) == len(self.steps):  # full: the oldest pair's row is reused
            slot = self.slots.pop(0)
            self.rho.pop(0)
        else:
            slot = len(self.slots)
        self.steps[slot].copy_(step)
        self.directions[slot].copy_(direction)
        self.slots.append(slot)
        self.rho.append(rho)

    def pairs(self) -> list[tuple[torch.Tensor, torch.Tensor, float]]:
        """(s, y, 1 / yᵀs) for every kept pair, oldest first."""
        return [(self.steps[k], self.directions[k], rho) for k, rho in zip(self.slots, self.rho)]


def lbfgs_run(
    state: SampleState,
    options: LBFGSOptions,
    first: Evaluation | None = None,
    stop: Callable[[list[float]], str | None] | None = None,
) -> Generator[torch.Tensor, Evaluation, Evaluation]:
    """One L-BFGS run (fresh history) from ``state.x``; yields points to evaluate.

    ``first`` is the evaluation at ``state.x`` if already known (saves one evaluation).
    ``stop(state.history)``, checked after every iteration, ends the run when it returns
    a reason. Updates ``state`` as it goes and returns the evaluation at the final iterate.
    """
    max_eval = options.max_eval or options.max_iter * 5 // 4
    if first is None:
        first = yield state.x
        state.n_evals += 1
    loss, grad = first
    state.loss = loss
    evals = 1
    if grad.abs().max().item() <= options.tolerance_grad:
        state.stop_reason = "gradient below tolerance"
        return loss, grad
    history = _History(min(options.history_size, options.max_iter), grad)
    h_diag = 1.0
    d = t = prev_grad = None
    for n_iter in range(1, options.max_iter + 1):
        if n_iter == 1:
            d = -grad
        else:
            y = grad - prev_grad
            s = d * t
            ys = y.dot(s).item()
            if ys > 1e-10:
                history.push(s, y, 1.0 / ys)
                h_diag = ys / y.dot(y).item()
            pairs = history.pairs()
            q = -grad
            alpha = [0.0] * len(pairs)
            for i in range(len(pairs) - 1, -1, -1):
                step, direction, rho = pairs[i]
                alpha[i] = step.dot(q).item() * rho
                q = q - alpha[i] * direction
            d = q * h_diag
            for i, (step, direction, rho) in enumerate(pairs):
                beta = direction.dot(d).item() * rho
                d = d + (alpha[i] - beta) * step
        prev_grad, prev_loss = grad, loss
        t = min(1.0, 1.0 / grad.abs().sum().item()) if n_iter == 1 else 1.0
        gtd = grad.dot(d).item()
        if gtd > -options.tolerance_change:
            state.stop_reason = "no descent direction"
            break
        loss, grad, t, ls_evals = yield from _strong_wolfe(
            state.x, t, d, loss, grad, gtd, max_ls=options.line_search_max
        )
        state.x.add_(d, alpha=t)  # in place: no new long-lived vector per iteration
        state.loss = loss
        state.n_iter += 1
        state.n_evals += ls_evals
        state.history.append(loss)
        evals += ls_evals
        if n_iter == options.max_iter:
            state.stop_reason = "iteration limit of the run"
            break
        if evals >= max_eval:
            state.stop_reason = "evaluation limit of the run"
            break
        if grad.abs().max().item() <= options.tolerance_grad:
            state.stop_reason = "gradient below tolerance"
            break
        if (d * t).abs().max().item() <= options.tolerance_change:
            state.stop_reason = "step below tolerance"
            break
        if abs(loss - prev_loss) < options.tolerance_change:
            state.stop_reason = "loss change below tolerance"
            break
        reason = stop(state.history) if stop is not None else None
        if reason:
            state.stop_reason = reason
            break
    return loss, grad


def minimize_batch(
    evaluate: Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]],
    states: list[SampleState],
    runs: Callable[[SampleState], Generator[torch.Tensor, Evaluation, None]],
    on_evaluation: Callable[[list[SampleState], torch.Tensor, torch.Tensor], None] | None = None,
) -> list[SampleState]:
    """Drive one optimiser generator per sample, evaluating all trial points together.

    Parameters
    ----------
    evaluate : callable
        ``evaluate(X)`` with X of shape (B, D) returns per-sample losses (B,) and
        gradients (B, D); sample b's loss must depend on X[b] only.
    states : list of SampleState
        One per sample, holding its starting point ``x`` (flat, shape (D,)); updated in
        place, so they keep the progress made even if the driver is interrupted.
    runs : callable
        ``runs(state)`` returns the generator optimising one sample (e.g. several
        :func:`lbfgs_run` in sequence); it yields points and receives evaluations.
    on_evaluation : callable, optional
        Called after every batched evaluation with the states, the evaluated points
        and their losses; it may raise to stop (the states keep the last iterates).

    Returns
    -------
    list of SampleState
        ``states``, finished.
    """
    generators = [runs(state) for state in states]
    points = []
    for state, generator in zip(states, generators):
        points.append(_advance(state, generator, None))
    while not all(state.done for state in states):
        X = torch.stack([p if p is not None else s.x for p, s in zip(points, states)])
        losses, grads = evaluate(X)
        loss_values = losses.tolist()
        for b, (state, generator) in enumerate(zip(states, generators)):
            if not state.done:
                points[b] = _advance(state, generator, (loss_values[b], grads[b]))
        if on_evaluation is not None:
            on_evaluation(states, X, losses)
    return states


def _advance(state: SampleState, generator, evaluation) -> torch.Tensor | None:
    try:
        return generator.send(evaluation)
    except StopIteration:
        state.done = True
        return None
