"""Lagged inner products of many maps at a few spatial shifts, with a hand-written backward.

The wavelet covariances need Φ(a, b, τ) = Σ_u a(u + τ) b(u) for every row map a,
every column map b and every shift τ of a short list. Written as one matrix product
per group — rows (P maps) against the column maps rolled by each shift (Q·T maps) —
the arithmetic runs at BLAS speed, and only Q·T rolled copies are built, never one
lag map per pair. Plain autograd would keep a gradient for every rolled copy and
roll it back one by one; the backward here accumulates those gradients in one padded
buffer and folds its borders once.
"""

from __future__ import annotations

import torch
from torch.autograd.function import once_differentiable

__all__ = ["lagged_products", "rolled_stack"]

Shifts = tuple[tuple[int, int], ...]


def _margin(shifts: Shifts) -> int:
    return max(max(abs(dy), abs(dx)) for dy, dx in shifts)


def rolled_stack(maps: torch.Tensor, shifts: Shifts) -> torch.Tensor:
    """``torch.roll(maps, τ, dims=(-2, -1))`` for every τ, built from one circular pad.

    Parameters
    ----------
    maps : torch.Tensor, shape (B, Q, M, N)
    shifts : tuple of (row, col) offsets, each smaller than the map in magnitude

    Returns
    -------
    torch.Tensor, shape (B, Q, T, M, N)

    Examples
    --------
    >>> maps = torch.arange(12.0).reshape(1, 1, 3, 4)
    >>> stack = rolled_stack(maps, ((0, 0), (1, -1)))
    >>> torch.equal(stack[0, 0, 1], torch.roll(maps[0, 0], (1, -1), (0, 1)))
    True
    """
    B, Q, M, N = maps.shape
    s = _margin(shifts)
    padded = _circular_pad(maps, s)
    out = maps.new_empty(B, Q, len(shifts), M, N)
    for t, (dy, dx) in enumerate(shifts):
        out[:, :, t] = padded[:, :, s - dy : s - dy + M, s - dx : s - dx + N]
    return out


def _circular_pad(maps: torch.Tensor, s: int) -> torch.Tensor:
    if s == 0:
        return maps
    M, N = maps.shape[-2:]
    rows = torch.cat([maps[..., M - s :, :], maps, maps[..., :s, :]], dim=-2)
    return torch.cat([rows[..., N - s :], rows, rows[..., :s]], dim=-1)


def _unroll_sum(grads: torch.Tensor, shifts: Shifts) -> torch.Tensor:
    """Σ_t roll(grads[:, :, t], −τ_t): adjoint of :func:`rolled_stack`."""
    B, Q, T, M, N = grads.shape
    s = _margin(shifts)
    acc = grads.new_zeros(B, Q, M + 2 * s, N + 2 * s)
    for t, (dy, dx) in enumerate(shifts):
        acc[:, :, s - dy : s - dy + M, s - dx : s - dx + N] += grads[:, :, t]
    if s == 0:
        return acc
    # fold the margins back onto the torus, rows then columns
    acc[..., M : M + s, :] += acc[..., :s, :]
    acc[..., s : 2 * s, :] += acc[..., M + s :, :]
    acc = acc[..., s : M + s, :]
    acc[..., N : N + s] += acc[..., :s]
    acc[..., s : 2 * s] += acc[..., N + s :]
    return acc[..., s : N + s].contiguous()


class _LaggedProducts(torch.autograd.Function):
    @staticmethod
    def forward(ctx, rows: torch.Tensor, cols: torch.Tensor, shifts: Shifts) -> torch.Tensor:
        B, P, M, N = rows.shape
        Q = cols.shape[1]
        stack = rolled_stack(cols, shifts).view(B, Q * len(shifts), M * N)
        rows_flat = rows.reshape(B, P, M * N)
        out = torch.bmm(rows_flat, stack.transpose(1, 2))
        ctx.shifts = shifts
        ctx.save_for_backward(rows_flat, stack)
        ctx.shape = (B, P, Q, M, N)
        return out.view(B, P, Q, len(shifts))

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out: torch.Tensor):
        rows_flat, stack = ctx.saved_tensors
        B, P, Q, M, N = ctx.shape
        T = len(ctx.shifts)
        grad_out = grad_out.reshape(B, P, Q * T)
        grad_rows = grad_cols = None
        if ctx.needs_input_grad[0]:
            grad_rows = torch.bmm(grad_out, stack).view(B, P, M, N)
        if ctx.needs_input_grad[1]:
            grad_stack = torch.bmm(grad_out.transpose(1, 2), rows_flat)
            grad_cols = _unroll_sum(grad_stack.view(B, Q, T, M, N), ctx.shifts)
        return grad_rows, grad_cols, None


def lagged_products(rows: torch.Tensor, cols: torch.Tensor, shifts: Shifts) -> torch.Tensor:
    """Φ(rows_p, cols_q, τ_t) = Σ_u rows_p(u + τ_t) · cols_q(u), circular sums.

    Parameters
    ----------
    rows : torch.Tensor, shape (B, P, M, N)
    cols : torch.Tensor, shape (B, Q, M, N)
    shifts : tuple of (row, col) offsets τ_t, |offset| < M, N

    Returns
    -------
    torch.Tensor, shape (B, P, Q, T)

    Examples
    --------
    >>> a, b = torch.rand(1, 1, 5, 6), torch.rand(1, 1, 5, 6)
    >>> phi = lagged_products(a, b, ((0, 0), (2, -1)))
    >>> direct = (torch.roll(a, (-2, 1), (2, 3)) * b).sum()  # a(u + τ) b(u)
    >>> torch.allclose(phi[0, 0, 0, 1], direct)
    True
    """
    return _LaggedProducts.apply(rows, cols, tuple(tuple(int(v) for v in s) for s in shifts))
