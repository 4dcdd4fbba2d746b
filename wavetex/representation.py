"""The ALPHA representation: wavelet transform, generalized rectifier, border masks,
frozen standardisation, and the low-pass and Haar channels.

Pure functions on torch tensors. Shapes use B (batch), C (colours: 1 or 3),
J (scales), L (orientations), A (phases), M×N (rows × columns). Tensors whose name
ends in ``_hat`` live in the Fourier domain. All convolutions are circular.
"""

from __future__ import annotations

import math

import torch

__all__ = [
    "border_widths",
    "border_masks",
    "wavelet_transform",
    "generalized_rectifier",
    "phase_angles",
    "Standardisation",
    "standardisation_of",
    "lowpass_channels",
    "haar_channels",
    "periodic_component",
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


def standardisation_of(maps: torch.Tensor) -> Standardisation:
    """Means and population standard deviations (+1e-9) over the pixels of one image.

    Parameters
    ----------
    maps : torch.Tensor, shape (1, ..., M, N)
        Channels of the exemplar (batch of one).
    """
    mean = maps.mean(dim=(-2, -1), keepdim=True)[0]
    std = (maps[0] - mean).pow(2).mean(dim=(-2, -1), keepdim=True).sqrt() + _EPSILON
    return Standardisation(mean.detach().clone(), std.detach().clone())


def lowpass_channels(x_hat: torch.Tensor, phi_hat: torch.Tensor) -> torch.Tensor:
    """y = Re IFFT2(phi_hat · x̂), shape (B, C, M, N)."""
    return torch.fft.ifft2(x_hat * phi_hat).real


def haar_channels(x_hat: torch.Tensor, haar_hat: torch.Tensor) -> torch.Tensor:
    """h_k = IFFT2(haar_hat_k · x̂), shape (B, C, 3, M, N).

    The filters and images are real, so only the (real) real part is kept.
    """
    return torch.fft.ifft2(x_hat[:, :, None] * haar_hat).real
