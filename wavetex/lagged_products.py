"""Lagged inner products of many maps at a few spatial shifts, with a hand-written backward.

The wavelet covariances need Φ(a, b, τ) = Σ_u a(u + τ) b(u) for every row map a,
every column map b and every shift τ of a short list T. Written as a matrix product —
rows (P maps) against the column maps rolled by each shift (Q·T maps) — the arithmetic
runs at BLAS speed, and no lag map is ever built per pair.

Memory traffic, not arithmetic, is what limits this on a CPU, so the work runs over
horizontal bands of the image: each band's rolled copies (Q·T maps of a few rows) are
cut from one circularly padded copy of the columns and stay in cache while they are
multiplied. The full rolled stack is never materialised (memory ∝ maps × pixels), and
the backward, instead of keeping a gradient per rolled copy and rolling each back,
accumulates band by band into one padded buffer whose margins are folded once.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.autograd.function import once_differentiable

__all__ = ["LaggedGroup", "lagged_products", "grouped_lagged_products"]

Shifts = tuple[tuple[int, int], ...]

#: Pixels per band: the band's rolled copies (Q·T maps) should fit in the L2/L3 cache.
BAND_PIXELS = 16384


@dataclass(frozen=True)
class LaggedGroup:
    """One matrix product: rows ``maps[:, row_start:row_stop]`` against ``maps[:, cols]``.

    ``cols`` are channel indices; each is rolled by every shift.
    """

    row_start: int
    row_stop: int
    cols: tuple[int, ...]


def _margin(shifts: Shifts) -> int:
    return max(max(abs(dy), abs(dx)) for dy, dx in shifts)


def _circular_pad(maps: torch.Tensor, s: int) -> torch.Tensor:
    """Pad the last two dims by s on each side, circularly."""
    if s == 0:
        return maps.contiguous()
    M, N = maps.shape[-2:]
    rows = torch.cat([maps[..., M - s :, :], maps, maps[..., :s, :]], dim=-2)
    return torch.cat([rows[..., N - s :], rows, rows[..., :s]], dim=-1)


def _fold(padded: torch.Tensor, s: int) -> torch.Tensor:
    """Adjoint of :func:`_circular_pad`: add the margins back onto the torus."""
    if s == 0:
        return padded
    M, N = padded.shape[-2] - 2 * s, padded.shape[-1] - 2 * s
    padded[..., M : M + s, :] += padded[..., :s, :]
    padded[..., s : 2 * s, :] += padded[..., M + s :, :]
    padded = padded[..., s : M + s, :]
    padded[..., N : N + s] += padded[..., :s]
    padded[..., s : 2 * s] += padded[..., N + s :]
    return padded[..., s : N + s]


def _band_rows(M: int, N: int) -> int:
    return max(1, min(M, BAND_PIXELS // N))


def _rolled_band(padded: torch.Tensor, shifts: Shifts, s: int, r0: int, r1: int, buffer: torch.Tensor):
    """Rows r0:r1 of roll(cols, τ) for every τ, written into ``buffer``: (B, Q·T, (r1−r0)·N).

    ``buffer`` has room for a full band, shape (B, Q, T, band, N); it is reused across
    bands so that no large allocation happens inside the loop.
    """
    B, Q, T, _, N = buffer.shape
    out = buffer[:, :, :, : r1 - r0]
    for t, (dy, dx) in enumerate(shifts):
        out[:, :, t] = padded[:, :, s - dy + r0 : s - dy + r1, s - dx : s - dx + N]
    return out.reshape(B, Q * T, (r1 - r0) * N)


class _GroupedLaggedProducts(torch.autograd.Function):
    @staticmethod
    def forward(ctx, maps: torch.Tensor, groups: tuple[LaggedGroup, ...], shifts: Shifts, gram_cols: tuple[int, ...]):
        maps = maps.contiguous()
        B, K, M, N = maps.shape
        s, band = _margin(shifts), _band_rows(M, N)
        outputs, kept_stacks = [], []
        for group in groups:
            padded = _circular_pad(maps[:, list(group.cols)], s)
            rows = maps[:, group.row_start : group.row_stop]
            # computed transposed, (Q·T, P): the faster layout for BLAS here
            out_t = maps.new_zeros(B, len(group.cols) * len(shifts), rows.shape[1])
            buffer = maps.new_empty(B, len(group.cols), len(shifts), band, N)
            for r0 in range(0, M, band):
                r1 = min(M, r0 + band)
                stack = _rolled_band(padded, shifts, s, r0, r1, buffer)
                out_t.baddbmm_(stack, rows[:, :, r0:r1].reshape(B, rows.shape[1], -1).transpose(1, 2))
            if band >= M:  # one band: the stack is small, keep it for the backward
                kept_stacks.append(stack)
            outputs.append(out_t.transpose(1, 2).reshape(B, -1))
        if gram_cols:
            gram = maps.view(B, K, M * N) @ maps[:, list(gram_cols)].reshape(B, -1, M * N).transpose(1, 2)
            outputs.append(gram.reshape(B, -1))
        ctx.save_for_backward(maps)
        ctx.groups, ctx.shifts, ctx.kept_stacks, ctx.gram_cols = groups, shifts, kept_stacks, gram_cols
        return torch.cat(outputs, dim=1)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out: torch.Tensor):
        (maps,) = ctx.saved_tensors
        groups, shifts = ctx.groups, ctx.shifts
        B, _, M, N = maps.shape
        T, s, band = len(shifts), _margin(shifts), _band_rows(M, N)
        grad_maps = torch.zeros_like(maps)
        offset = 0
        for g, group in enumerate(groups):
            P, Q = group.row_stop - group.row_start, len(group.cols)
            grad = grad_out[:, offset : offset + P * Q * T].reshape(B, P, Q * T)
            offset += P * Q * T
            grad_t = grad.transpose(1, 2).contiguous()
            padded = _circular_pad(maps[:, list(group.cols)], s)
            rows = maps[:, group.row_start : group.row_stop]
            grad_rows = grad_maps[:, group.row_start : group.row_stop]
            grad_padded = maps.new_zeros(B, Q, M + 2 * s, N + 2 * s)
            buffer = None if ctx.kept_stacks else maps.new_empty(B, Q, T, band, N)
            per_shift_buffer = maps.new_empty(B, Q * T, band * N)
            for r0 in range(0, M, band):
                r1 = min(M, r0 + band)
                if ctx.kept_stacks:
                    stack = ctx.kept_stacks[g]
                else:
                    stack = _rolled_band(padded, shifts, s, r0, r1, buffer)
                grad_rows[:, :, r0:r1].view(B, P, -1).baddbmm_(grad, stack)
                per_shift = per_shift_buffer[:, :, : (r1 - r0) * N]
                torch.bmm(grad_t, rows[:, :, r0:r1].reshape(B, P, -1), out=per_shift)
                per_shift = per_shift.view(B, Q, T, r1 - r0, N)
                for t, (dy, dx) in enumerate(shifts):
                    grad_padded[:, :, s - dy + r0 : s - dy + r1, s - dx : s - dx + N] += per_shift[:, :, t]
            grad_maps[:, list(group.cols)] += _fold(grad_padded, s)
        if ctx.gram_cols:
            _add_gram_gradient(grad_maps, maps, grad_out[:, offset:], list(ctx.gram_cols))
        return grad_maps, None, None, None


#: Channels per chunk of the zero-shift products' gradient (see _add_gram_gradient).
GRAM_CHUNK = 16


def _add_gram_gradient(grad_maps: torch.Tensor, maps: torch.Tensor, grad_gram: torch.Tensor, cols: list[int]) -> None:
    """Add the gradient of gram = maps·maps[:, cols]ᵀ (zero shift) to ``grad_maps``, in place.

    Both factors' parts are summed before they join the lagged products' gradient, in
    the order autograd summed them when the gram was a plain matrix product (so results
    stay bit-identical); chunks of GRAM_CHUNK channels keep the temporary small, instead
    of three gradients the size of ``maps``.
    """
    B, K, M, N = maps.shape
    grad_gram = grad_gram.reshape(B, K, len(cols))
    col_maps = maps[:, cols].reshape(B, len(cols), M * N)
    grad_cols = (grad_gram.transpose(1, 2) @ maps.view(B, K, M * N)).view(B, len(cols), M, N)
    slot = {q: k for k, q in enumerate(cols)}
    for k0 in range(0, K, GRAM_CHUNK):
        k1 = min(K, k0 + GRAM_CHUNK)
        part = torch.bmm(grad_gram[:, k0:k1], col_maps).view(B, k1 - k0, M, N)
        here = [(k - k0, slot[k]) for k in range(k0, k1) if k in slot]
        if here:
            rows, sources = zip(*here)
            part[:, list(rows)] += grad_cols[:, list(sources)]
        grad_maps[:, k0:k1] += part


def grouped_lagged_products(
    maps: torch.Tensor, groups: tuple[LaggedGroup, ...], shifts: Shifts, gram_cols: tuple[int, ...] = ()
) -> torch.Tensor:
    """Lagged products of several (rows, columns) groups of one stack of maps.

    For each group, in order, Φ(maps[:, p], maps[:, q], τ) for p in the group's row
    range, q in its columns and τ in ``shifts`` (p-major, then q, then τ), flattened
    and concatenated; then, with ``gram_cols``, the products at τ = (0, 0) of every map
    with each of ``maps[:, gram_cols]`` (p-major). The gradient of both accumulates into
    one buffer the size of ``maps``.

    Parameters
    ----------
    maps : torch.Tensor, shape (B, K, M, N)
    groups : tuple of LaggedGroup
    shifts : tuple of (row, col) offsets, |offset| < M, N
    gram_cols : tuple of int
        Channel indices (G of them) of the zero-shift products; default none.

    Returns
    -------
    torch.Tensor, shape (B, Σ_groups P·Q·T + K·G)

    Examples
    --------
    >>> maps = torch.rand(1, 3, 4, 5)
    >>> out = grouped_lagged_products(maps, (), ((0, 0),), gram_cols=(0, 2))
    >>> torch.allclose(out.view(3, 2), maps.view(3, 20) @ maps.view(3, 20)[[0, 2]].T)
    True
    """
    shifts = tuple((int(dy), int(dx)) for dy, dx in shifts)
    return _GroupedLaggedProducts.apply(maps, tuple(groups), shifts, tuple(int(q) for q in gram_cols))


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
    P, Q = rows.shape[1], cols.shape[1]
    group = LaggedGroup(0, P, tuple(range(P, P + Q)))
    out = grouped_lagged_products(torch.cat([rows, cols], dim=1), (group,), shifts)
    return out.view(rows.shape[0], P, Q, len(shifts))
