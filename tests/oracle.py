"""A straightforward per-pair implementation of the ALPHA statistics, written from the
loops of docs/model.md (Statistics): the oracle the efficient path is tested against,
and the benchmark's baseline. Slow on purpose: one rolled product per (pair, shift).
"""

from __future__ import annotations

import math

import torch

from wavetex.filters import filter_bank
from wavetex.statistics import ModelConfig, shift_set


def _filters(M, N, config, dtype):
    bank = filter_bank(M, N, config.n_scales, config.n_orientations)
    return (
        torch.tensor(bank.psi_hat, dtype=dtype),
        torch.tensor(bank.phi_hat, dtype=dtype),
        torch.tensor(bank.haar_hat),
    )


def _mask(M, N, j, enabled, dtype):
    m = torch.ones(M, N, dtype=dtype)
    b = 2**j // 2
    if enabled and b:
        m[:b] = 0
        m[-b:] = 0
        m[:, :b] = 0
        m[:, -b:] = 0
    return m


def _raw_channels(x, config, masked=True):
    """Per-colour lists of rectified (masked) maps r[c][j][l][a], low-pass y[c], Haar h[c][k]."""
    C, M, N = x.shape
    J, L, A = config.n_scales, config.n_orientations, config.n_phases
    psi_hat, phi_hat, haar_hat = _filters(M, N, config, x.dtype)
    r, y, h = [], [], []
    for c in range(C):
        x_hat = torch.fft.fft2(x[c])
        r.append([[[None] * A for _ in range(L)] for _ in range(J)])
        for j in range(J):
            for l in range(L):
                z = torch.fft.ifft2(psi_hat[j, l] * x_hat)
                for a in range(A):
                    alpha = 2 * math.pi * a / A
                    rect = torch.relu(math.cos(alpha) * z.real - math.sin(alpha) * z.imag)
                    r[c][j][l][a] = rect * _mask(M, N, j, config.masks and masked, x.dtype)
        y.append(torch.fft.ifft2(phi_hat * x_hat).real)
        h.append([torch.fft.ifft2(haar_hat[k].to(x_hat.dtype) * x_hat).real for k in range(3)])
    return r, y, h


def _mean_std(t):
    mean = t.mean()
    return mean, ((t - mean) ** 2).mean().sqrt() + 1e-9


def _phi(a, b, tau):
    """Σ_u a(u + τ) b(u), circular."""
    return (torch.roll(a, shifts=(-tau[0], -tau[1]), dims=(0, 1)) * b).sum()


def oracle_statistics(
    exemplar: torch.Tensor, x: torch.Tensor, config: ModelConfig, borders: str = "masked"
) -> torch.Tensor:
    """Statistics of x (C, M, N) standardised by exemplar (C, M', N'), as means over pixels.

    borders: "masked" (docs/model.md), "circular" (x unmasked) or "interior" (sums over the
    pixel pairs inside both masks, divided by their number).
    """
    C, M, N = x.shape
    config = config.resolved(C)
    J, L, A, dj = config.n_scales, config.n_orientations, config.n_phases, config.delta_j
    T = shift_set(J)
    r_ex, y_ex, h_ex = _raw_channels(exemplar, config)
    r, y, h = _raw_channels(x, config, masked=borders != "circular")
    masks_on = config.masks and borders != "circular"
    mask_last = _mask(M, N, J - 1, masks_on, x.dtype)
    interior = borders == "interior" and config.masks

    def phi(a, b, tau, mask_a, mask_b):
        if not interior:
            return _phi(a, b, tau) / (M * N)
        return _phi(a * mask_a, b * mask_b, tau) / _phi(mask_a, mask_b, tau)

    def wavelet_mask(j):
        return _mask(M, N, j, True, x.dtype)
    mask_last_ex = _mask(*exemplar.shape[1:], J - 1, config.masks, x.dtype)

    def std_r(c, j, l, a):
        mean, std = _mean_std(r_ex[c][j][l][a])
        return (r[c][j][l][a] - mean) / std

    def shifts_for(c, j, l, c2, j2, l2):
        mode = config.shifts
        if mode == "all" or (mode == "same_colour" and c == c2):
            return T
        if mode == "same_scale_orientation" and (c, j, l) == (c2, j2, l2):
            return T
        return [(0, 0)]

    out = []
    for c in range(C):
        for c2 in range(C):
            for j in range(J):
                for j2 in range(j, min(J - 1, j + dj) + 1):
                    for l in range(L):
                        for l2 in range(L):
                            for a in range(A):
                                first, second = std_r(c, j, l, a), std_r(c2, j2, l2, 0)
                                for tau in shifts_for(c, j, l, c2, j2, l2):
                                    out.append(phi(first, second, tau, wavelet_mask(j), wavelet_mask(j2)))
    lows = []
    for c in range(C):
        if C == 1:
            mean, std = _mean_std(y_ex[c])
            factor = mask_last * (M * N / mask_last.sum()) if borders == "masked" else 1
            lows.append(((y[c] - mean) / std * factor).abs())
        else:
            mean, std = _mean_std(y_ex[c] * mask_last_ex)
            lows.append(((y[c] * mask_last - mean) / std).abs())
    last = wavelet_mask(J - 1)
    for k in range(C * C):
        for tau in T:
            out.append(phi(lows[k % C], lows[k // C], tau, last, last))
    for c in range(C):
        for k in range(3):
            centred = h_ex[c][k] - h_ex[c][k].mean()
            b = h[c][k].abs() / (centred**2).mean().sqrt()
            for tau in T:
                out.append(_phi(b, b, tau) / (M * N))
    return torch.stack(out)
