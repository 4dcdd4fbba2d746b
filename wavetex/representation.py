"""The ALPHA representation: wavelet transform, generalized rectifier, border masks,
frozen standardisation, and the low-pass and Haar channels.

Pure functions on torch tensors. Shapes use B (batch), C (colours: 1 or 3),
J (scales), L (orientations), A (phases), M×N (rows × columns). Tensors whose name
ends in ``_hat`` live in the Fourier domain. All convolutions are circular.
"""

from __future__ import annotations

import math

import torch
from torch.autograd.function import once_differentiable

__all__ = [
    "border_widths",
    "border_masks",
    "support_widths",
    "erode",
    "known_region_masks",
    "reach_masks",
    "wavelet_transform",
    "generalized_rectifier",
    "rectified_standardised",
    "phase_angles",
    "Standardisation",
    "standardisation_of",
    "lowpass_channels",
    "haar_channels",
    "periodic_component",
    "downsample_by_two",
    "upsample_periodic",
]

_EPSILON = 1e-9  # added to every standard deviation, as the reference does


def border_widths(n_scales: int) -> list[int]:
    """Border width b_j = floor(2^j / 2) of the mask of scale j.

    Examples
    --------
    >>> border_widths(5)
    [0, 1, 2, 4, 8]
    """
    return [2**j // 2 for j in range(n_scales)]


def border_masks(
    M: int, N: int, n_scales: int, *, dtype: torch.dtype = torch.float32, device=None
) -> torch.Tensor:
    """Masks m_j: 1 inside, 0 on the b_j outer rows and columns of each side.

    Returns
    -------
    torch.Tensor, shape (J, M, N)

    Examples
    --------
    >>> border_masks(6, 6, 3)[2].sum().item()  # b_2 = 2 leaves a 2x2 interior
    4.0
    """
    masks = torch.zeros(n_scales, M, N, dtype=dtype, device=device)
    for j, b in enumerate(border_widths(n_scales)):
        masks[j, b : M - b, b : N - b] = 1
    return masks


def support_widths(n_scales: int) -> list[int]:
    """Half-width w_j = ceil(2σ_j), σ_j = 0.8·2^j, of the filters of scale j.

    Beyond 2σ_j from its centre the Gaussian envelope of the Morlet filter of scale j
    (and of the low-pass, whose σ is that of scale J − 1) is below e⁻² of its peak: a
    response at u depends, up to that tail, on the pixels within w_j of u. Wider than
    the specification's border widths b_j, which are meant for image borders only.

    Examples
    --------
    >>> support_widths(5)
    [2, 4, 7, 13, 26]
    """
    return [math.ceil(2 * 0.8 * 2**j) for j in range(n_scales)]


def erode(known: torch.Tensor, width: int, *, periodic: bool) -> torch.Tensor:
    """Pixels of a boolean mask (M, N) whose (2·width + 1)² square neighbourhood lies
    inside it; outside the image counts as outside the mask unless ``periodic``.

    Examples
    --------
    >>> known = torch.ones(5, 7, dtype=torch.bool)
    >>> erode(known, 1, periodic=False).sum().item()  # a 3x5 interior
    15
    >>> erode(known, 1, periodic=True).all().item()
    True
    """
    if width == 0:
        return known.clone()
    outside = (~known).to(torch.float32)[None, None]
    if periodic:
        repeats = (math.ceil(width / known.shape[0]), math.ceil(width / known.shape[1]))
        outside = outside.repeat(1, 1, 2 * repeats[0] + 1, 2 * repeats[1] + 1)
        crop = (repeats[0] * known.shape[0] - width, repeats[1] * known.shape[1] - width)
        outside = outside[..., crop[0] : crop[0] + known.shape[0] + 2 * width, crop[1] : crop[1] + known.shape[1] + 2 * width]
    else:
        outside = torch.nn.functional.pad(outside, (width, width, width, width), value=1.0)
    side = 2 * width + 1
    outside = torch.nn.functional.max_pool2d(outside, (side, 1), stride=1)
    outside = torch.nn.functional.max_pool2d(outside, (1, side), stride=1)
    return outside[0, 0] == 0


def known_region_masks(
    known: torch.Tensor, n_scales: int, *, periodic: bool, dtype: torch.dtype = torch.float32, device=None
) -> torch.Tensor:
    """Where each channel's response depends on known pixels only.

    Parameters
    ----------
    known : torch.Tensor, shape (M, N), bool
        True where the pixel is known.
    n_scales : int
        J.
    periodic : bool
        Whether the image wraps around (else the outside of the image is unknown).

    Returns
    -------
    torch.Tensor, shape (J + 1, M, N)
        m_j, for j < J: ``known`` eroded by :func:`support_widths` ``[j]`` (the wavelets
        of scale j; the low-pass uses m_{J-1}); m_J: eroded by 1 pixel (the 2×2 Haar
        filters).

    Examples
    --------
    >>> known = torch.ones(32, 32, dtype=torch.bool)
    >>> known_region_masks(known, 3, periodic=False).sum((1, 2)).tolist()
    [784.0, 576.0, 324.0, 900.0]
    """
    known = known.to(device="cpu", dtype=torch.bool)
    widths = support_widths(n_scales) + [1]
    masks = torch.stack([erode(known, w, periodic=periodic) for w in widths])
    return masks.to(dtype=dtype, device=device)


def reach_masks(
    unknown: torch.Tensor, n_scales: int, *, dtype: torch.dtype = torch.float32, device=None
) -> torch.Tensor:
    """Where each channel's response reaches an unknown pixel (periodic image).

    The responses that a fill changes: statistics estimated inside these masks are
    those of the fill and of its surroundings, undiluted by the rest of the image.

    Parameters
    ----------
    unknown : torch.Tensor, shape (M, N), bool
    n_scales : int

    Returns
    -------
    torch.Tensor, shape (J + 1, M, N)
        m_j, j < J: ``unknown`` dilated by :func:`support_widths` ``[j]``; m_J: by 1
        pixel (Haar). The complement of :func:`known_region_masks` of the known pixels.

    Examples
    --------
    >>> unknown = torch.zeros(32, 32, dtype=torch.bool); unknown[10:12, 10:12] = True
    >>> reach_masks(unknown, 2).sum((1, 2)).tolist()
    [36.0, 100.0, 16.0]
    """
    known = ~unknown.to(device="cpu", dtype=torch.bool)
    return 1 - known_region_masks(known, n_scales, periodic=True, dtype=dtype, device=device)


def periodic_component(x: torch.Tensor) -> torch.Tensor:
    """The periodic component of images: x minus the smooth image that carries the jumps
    between their opposite borders (Moisan's periodic + smooth decomposition, "Periodic
    plus smooth image decomposition", J. Math. Imaging Vis. 39, 2011).

    Circular filters see an image's opposite borders as neighbours: where they differ
    (uneven light, strong structure) the wrap-around seam puts straight edges into the
    statistics at every scale. The periodic component has the same content without that
    seam. The smooth part s solves Δs = v, where v holds the border jumps and Δ is the
    discrete periodic Laplacian, with mean 0; one FFT pair.

    Parameters
    ----------
    x : torch.Tensor, shape (..., M, N), real

    Returns
    -------
    torch.Tensor, shape (..., M, N): ``x − s``, with the mean of x.

    Examples
    --------
    >>> ramp = torch.linspace(0, 1, 8, dtype=torch.float64).repeat(8, 1)  # jump 1 at the wrap
    >>> p = periodic_component(ramp)
    >>> round(p.mean().item(), 6), round((p[:, 0] - p[:, -1]).abs().max().item(), 6)
    (0.5, 0.125)
    """
    M, N = x.shape[-2:]
    jumps = torch.zeros_like(x)
    row_jump = x[..., -1, :] - x[..., 0, :]
    col_jump = x[..., :, -1] - x[..., :, 0]
    jumps[..., 0, :] += row_jump
    jumps[..., -1, :] -= row_jump
    jumps[..., :, 0] += col_jump
    jumps[..., :, -1] -= col_jump
    rows = torch.arange(M, dtype=torch.float64, device=x.device)[:, None]
    cols = torch.arange(N, dtype=torch.float64, device=x.device)[None, :]
    laplacian = 2 * torch.cos(2 * math.pi * rows / M) + 2 * torch.cos(2 * math.pi * cols / N) - 4
    laplacian[0, 0] = 1.0  # the mean of s is 0
    smooth_hat = torch.fft.fft2(jumps.double()) / laplacian
    smooth_hat[..., 0, 0] = 0
    return x - torch.fft.ifft2(smooth_hat).real.to(x.dtype)


def phase_angles(n_phases: int) -> list[float]:
    """Phases α_a = 2πa/A of the generalized rectifier."""
    return [2 * math.pi * a / n_phases for a in range(n_phases)]


def wavelet_transform(x_hat: torch.Tensor, psi_hat: torch.Tensor) -> torch.Tensor:
    """z_{j,l} = IFFT2(psi_hat[j,l] · x̂), one transform per (colour, j, l).

    Parameters
    ----------
    x_hat : torch.Tensor, shape (B, C, M, N), complex
    psi_hat : torch.Tensor, shape (J, L, M, N), real

    Returns
    -------
    torch.Tensor, shape (B, C, J, L, M, N), complex
    """
    return torch.fft.ifft2(x_hat[:, :, None, None] * psi_hat)


def generalized_rectifier(z: torch.Tensor, n_phases: int) -> torch.Tensor:
    """r_a = ReLU(Re(e^{iα_a} z)) = ReLU(cos α_a Re z − sin α_a Im z) for every phase.

    Parameters
    ----------
    z : torch.Tensor, shape (..., M, N), complex
    n_phases : int
        A; the phases are α_a = 2πa/A.

    Returns
    -------
    torch.Tensor, shape (..., A, M, N), real

    Examples
    --------
    >>> z = torch.tensor([[1.0 + 2.0j]])
    >>> generalized_rectifier(z, 4).flatten().tolist()  # Re, -Im, -Re, Im, rectified
    [1.0, 0.0, 0.0, 2.0]
    """
    real, imag = z.real, z.imag
    # one phase at a time: broadcasting all phases at once would hold four temporaries
    # of the full output's size
    phases = [torch.relu(math.cos(alpha) * real - math.sin(alpha) * imag) for alpha in phase_angles(n_phases)]
    return torch.stack(phases, dim=-3)


class _RectifiedStandardised(torch.autograd.Function):
    """Generalized rectifier, optional mask and frozen standardisation in one step.

    Under plain autograd each phase's rectified map is kept for the backward, and the
    stacked, centred and scaled copies are made one after the other: four tensors the
    size of all channels at once. Here the output is written phase by phase into one
    tensor and the backward keeps only where each rectified value was zero (one byte
    per value). Values and gradients are bit-identical to the plain formulation:
    the same operations per element, the gradients of the four phases summed in the
    order autograd sums them.
    """

    @staticmethod
    def forward(ctx, z, n_phases, mask, mean, std):
        real, imag = z.real, z.imag
        out = real.new_empty(*z.shape[:-2], n_phases, *z.shape[-2:])
        dropped = torch.empty(out.shape, dtype=torch.bool, device=z.device) if ctx.needs_input_grad[0] else None
        for a, alpha in enumerate(phase_angles(n_phases)):
            # in place where the plain formulation allocates: the same operation per
            # element, one temporary the size of a phase fewer at a time
            r = math.cos(alpha) * real
            r.sub_(math.sin(alpha) * imag).relu_()
            if dropped is not None:
                torch.le(r, 0, out=dropped[..., a, :, :])  # where relu's backward gives 0
            if mask is not None:
                r.mul_(mask)
            torch.div(r.sub_(mean[..., a, :, :]), std[..., a, :, :], out=out[..., a, :, :])
            del r  # else the next phase's r is allocated while this one is still held
        ctx.save_for_backward(dropped, mask, std)
        ctx.n_phases = n_phases
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out):
        dropped, mask, std = ctx.saved_tensors
        grad_real = grad_imag = None
        for a in reversed(range(ctx.n_phases)):  # autograd's order: the last phase first
            alpha = phase_angles(ctx.n_phases)[a]
            g = grad_out[..., a, :, :] / std[..., a, :, :]
            if mask is not None:
                g.mul_(mask)
            g.masked_fill_(dropped[..., a, :, :], 0.0)
            to_real = g * math.cos(alpha)
            to_imag = g.neg_().mul_(math.sin(alpha))  # g is not needed any more
            grad_real = to_real if grad_real is None else grad_real.add_(to_real)
            grad_imag = to_imag if grad_imag is None else grad_imag.add_(to_imag)
            del g, to_real, to_imag
        # real and imaginary parts reach z as (re, 0) + (0, im): adding 0 turns -0 into +0
        return torch.complex(grad_real.add_(0.0), grad_imag.add_(0.0)), None, None, None, None


def rectified_standardised(
    z: torch.Tensor, n_phases: int, standardisation: "Standardisation", mask: torch.Tensor | None = None
) -> torch.Tensor:
    """``standardisation(generalized_rectifier(z, n_phases) * mask)``, with less memory.

    Parameters
    ----------
    z : torch.Tensor, shape (B, C, J, L, M, N), complex
    n_phases : int
    standardisation : Standardisation
        Means and standard deviations of shape (C, J, L, A, 1, 1).
    mask : torch.Tensor, optional
        Broadcastable against one phase's maps (B, C, J, L, M, N), e.g. (J, 1, M, N).

    Returns
    -------
    torch.Tensor, shape (B, C, J, L, A, M, N)

    Examples
    --------
    >>> z = torch.randn(1, 1, 2, 2, 8, 8, dtype=torch.complex128)
    >>> s = standardisation_of(generalized_rectifier(z, 4))
    >>> torch.equal(rectified_standardised(z, 4, s), s(generalized_rectifier(z, 4)))
    True
    """
    dtype = z.real.dtype
    mean, std = standardisation.mean.to(dtype), standardisation.std.to(dtype)
    return _RectifiedStandardised.apply(z, n_phases, mask, mean, std)


class Standardisation(torch.nn.Module):
    """Centre and scale with means and standard deviations frozen at the exemplar.

    Parameters
    ----------
    mean, std : torch.Tensor
        Per-channel statistics, broadcastable against the channel maps
        (typically shape (..., 1, 1)).
    """

    def __init__(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("mean", mean)
        self.register_buffer("std", std)

    def forward(self, maps: torch.Tensor) -> torch.Tensor:
        return (maps - self.mean.to(maps.dtype)) / self.std.to(maps.dtype)


def standardisation_of(maps: torch.Tensor, weights: torch.Tensor | None = None) -> Standardisation:
    """Means and population standard deviations (+1e-9) over the pixels of one image.

    Parameters
    ----------
    maps : torch.Tensor, shape (1, ..., M, N)
        Channels of the exemplar (batch of one).
    weights : torch.Tensor, optional
        0/1 masks broadcastable against ``maps[0]``: the means are taken over the
        pixels where the mask is 1 (e.g. :func:`known_region_masks`); default every pixel.

    Examples
    --------
    >>> maps = torch.tensor([[[[1.0, 3.0], [5.0, 100.0]]]])
    >>> standardisation_of(maps, torch.tensor([[1.0, 1.0], [1.0, 0.0]])).mean.flatten().tolist()
    [3.0]
    """
    if weights is None:
        mean = maps.mean(dim=(-2, -1), keepdim=True)[0]
        std = (maps[0] - mean).pow(2).mean(dim=(-2, -1), keepdim=True).sqrt() + _EPSILON
        return Standardisation(mean.detach().clone(), std.detach().clone())
    weights = weights.to(maps.dtype)
    count = weights.expand_as(maps[0]).sum(dim=(-2, -1), keepdim=True)
    mean = (maps[0] * weights).sum(dim=(-2, -1), keepdim=True) / count
    variance = ((maps[0] - mean).pow(2) * weights).sum(dim=(-2, -1), keepdim=True) / count
    std = variance.sqrt() + _EPSILON
    return Standardisation(mean.detach().clone(), std.detach().clone())


def lowpass_channels(x_hat: torch.Tensor, phi_hat: torch.Tensor) -> torch.Tensor:
    """y = Re IFFT2(phi_hat · x̂), shape (B, C, M, N)."""
    return torch.fft.ifft2(x_hat * phi_hat).real


def haar_channels(x_hat: torch.Tensor, haar_hat: torch.Tensor) -> torch.Tensor:
    """h_k = IFFT2(haar_hat_k · x̂), shape (B, C, 3, M, N).

    The filters and images are real, so only the (real) real part is kept.
    """
    return torch.fft.ifft2(x_hat[:, :, None] * haar_hat).real


# ------------------------------------------------------------------ resampling


def downsample_by_two(image: torch.Tensor) -> torch.Tensor:
    """Mean of each 2×2 block of (..., H, W) → (..., H // 2, W // 2); an odd last row or
    column is dropped.

    Examples
    --------
    >>> downsample_by_two(torch.arange(16.0).reshape(4, 4))
    tensor([[ 2.5000,  4.5000],
            [10.5000, 12.5000]])
    """
    H, W = image.shape[-2] // 2 * 2, image.shape[-1] // 2 * 2
    blocks = image[..., :H, :W].unflatten(-1, (W // 2, 2)).unflatten(-3, (H // 2, 2))
    return blocks.mean(dim=(-3, -1))


def upsample_periodic(image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Band-limited (Fourier) interpolation of periodic images (..., h, w) to a larger
    size (..., H, W): the spectrum is zero-padded, so the result stays periodic.

    Examples
    --------
    >>> x = torch.cos(2 * torch.pi * torch.arange(8.0) / 8).repeat(8, 1)
    >>> y = upsample_periodic(x, (16, 16))
    >>> torch.allclose(y[0], torch.cos(2 * torch.pi * torch.arange(16.0) / 16), atol=1e-6)
    True
    """
    h, w = image.shape[-2:]
    H, W = size
    spectrum = torch.fft.fft2(image)
    padded = spectrum.new_zeros(*image.shape[:-2], H, W)
    rows = list(range((h + 1) // 2)) + list(range(H - h // 2, H))
    cols = list(range((w + 1) // 2)) + list(range(W - w // 2, W))
    source_rows = list(range((h + 1) // 2)) + list(range(h - h // 2, h))
    source_cols = list(range((w + 1) // 2)) + list(range(w - w // 2, w))
    padded[..., torch.tensor(rows)[:, None], torch.tensor(cols)[None, :]] = spectrum[
        ..., torch.tensor(source_rows)[:, None], torch.tensor(source_cols)[None, :]
    ]
    return torch.fft.ifft2(padded).real * (H * W / (h * w))
