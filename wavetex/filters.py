"""Filter banks of the ALPHA model: Morlet wavelets, a Gaussian low-pass, three Haar filters.

The Morlet wavelets and the low-pass follow kymatio's definition
(``kymatio.scattering2d.filter_bank.morlet_2d`` / ``gabor_2d``) on an M×N grid,
square or not. kymatio builds them with Python loops (seconds for 256², J=5, L=8);
here the same formula is evaluated vectorised, skipping only periodisation terms
that are below 1e-30 of the peak, and the result is cached in memory and on disk.

This is the only module of wavetex that imports kymatio (for the parity tests).
All filters are returned in the Fourier domain as real numpy arrays (the Fourier
transforms of these filters are real).
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "FilterBank",
    "filter_bank",
    "morlet_hat",
    "gaussian_lowpass_hat",
    "haar_hat",
    "orientation_angles",
    "cache_dir",
]

#: Bump whenever the definition or the on-disk layout changes: old cache files are ignored.
CACHE_FORMAT_VERSION = 1

# What every valid filter bank satisfies (see _is_valid): each Morlet wavelet has zero
# mean and a Fourier peak just below 1 (0.93 to 0.98 for the grids wavetex uses); the
# low-pass has unit gain at frequency 0 (1 + 3e-5, from kymatio's 3.1415).
_WAVELET_PEAK_RANGE = (0.85, 1.0 + 1e-9)
_TOLERANCE = 1e-6

# Periodisation images of the Gaussian envelope further than this (in units of the
# exponent) contribute less than exp(-70) ≈ 4e-31 of the peak and are skipped.
_NEGLIGIBLE_EXPONENT = 70.0


@dataclass(frozen=True)
class FilterBank:
    """Fourier-domain filters for one grid size.

    Attributes
    ----------
    psi_hat : np.ndarray, shape (J, L, M, N), float64
        Morlet wavelets, ``psi_hat[j, l]`` at scale j and orientation l.
    phi_hat : np.ndarray, shape (M, N), float64
        Gaussian low-pass at scale J-1.
    haar_hat : np.ndarray, shape (3, M, N), complex128
        The three 2×2 Haar high-pass filters (complex: they are not symmetric).
    """

    psi_hat: np.ndarray
    phi_hat: np.ndarray
    haar_hat: np.ndarray


def orientation_angles(n_orientations: int) -> np.ndarray:
    """Angles θ_l of the wavelets, in kymatio's order.

    Parameters
    ----------
    n_orientations : int
        Number of orientations L.

    Returns
    -------
    np.ndarray, shape (L,)
        ``θ_l = (int(L - L/2 - 1) - l) π / L``.

    Examples
    --------
    >>> np.round(orientation_angles(4) / np.pi, 2).tolist()
    [0.25, 0.0, -0.25, -0.5]
    """
    L = n_orientations
    return (int(L - L / 2 - 1) - np.arange(L)) * np.pi / L


def _gabor_terms(
    M: int, N: int, sigma: float, theta: float, xi: float, slant: float
) -> tuple[np.ndarray, np.ndarray]:
    """Spatial Gabor filter and its envelope (kymatio's ``gabor_2d`` with xi and with 0).

    Returns ``(gabor, envelope)``, both periodised over the same images as kymatio
    (offsets -2..2 grid periods in each direction) and divided by kymatio's
    normalisation ``2 * 3.1415 * sigma**2 / slant``.
    """
    cos_t, sin_t = np.cos(theta), np.sin(theta)
    rotation = np.array([[cos_t, -sin_t], [sin_t, cos_t]])
    curvature = rotation @ np.diag([1.0, slant * slant]) @ rotation.T / (2 * sigma * sigma)
    c00, c01, c11 = curvature[0, 0], curvature[0, 1] + curvature[1, 0], curvature[1, 1]
    smallest_eigenvalue = np.linalg.eigvalsh(curvature)[0]

    rows = np.arange(M, dtype=np.float64)
    cols = np.arange(N, dtype=np.float64)
    envelope = np.zeros((M, N))
    gabor = np.zeros((M, N), dtype=np.complex128)
    for row_period in range(-2, 3):
        x = rows + row_period * M
        x_gap = 0.0 if x[0] <= 0 <= x[-1] else min(abs(x[0]), abs(x[-1]))
        for col_period in range(-2, 3):
            y = cols + col_period * N
            y_gap = 0.0 if y[0] <= 0 <= y[-1] else min(abs(y[0]), abs(y[-1]))
            if smallest_eigenvalue * (x_gap**2 + y_gap**2) > _NEGLIGIBLE_EXPONENT:
                continue
            term = np.exp(
                -(c00 * x[:, None] ** 2 + c01 * x[:, None] * y[None, :] + c11 * y[None, :] ** 2)
            )
            envelope += term
            if xi != 0:
                gabor += (
                    term
                    * np.exp(1j * xi * cos_t * x)[:, None]
                    * np.exp(1j * xi * sin_t * y)[None, :]
                )
    norm = 2 * 3.1415 * sigma * sigma / slant  # kymatio's constant, 3.1415 included
    envelope /= norm
    if xi == 0:
        gabor = envelope.astype(np.complex128)
    else:
        gabor /= norm
    return gabor, envelope


def morlet_hat(M: int, N: int, sigma: float, theta: float, xi: float, slant: float) -> np.ndarray:
    """Fourier transform of kymatio's ``morlet_2d(M, N, sigma, theta, xi, slant)``.

    Returns
    -------
    np.ndarray, shape (M, N), float64
        The real part of ``FFT2`` of the zero-mean Morlet wavelet.

    Examples
    --------
    >>> psi = morlet_hat(32, 32, sigma=0.8, theta=0.0, xi=3 * np.pi / 4, slant=1.0)
    >>> bool(abs(psi[0, 0]) < 1e-12)  # zero mean
    True
    """
    gabor, envelope = _gabor_terms(M, N, sigma, theta, xi, slant)
    morlet = gabor - gabor.sum() / envelope.sum() * envelope
    return np.real(np.fft.fft2(morlet))


def gaussian_lowpass_hat(M: int, N: int, sigma: float) -> np.ndarray:
    """Fourier transform of kymatio's ``gabor_2d(M, N, sigma, 0, 0)``: the low-pass φ.

    Examples
    --------
    >>> phi = gaussian_lowpass_hat(32, 32, sigma=3.2)
    >>> round(float(phi[0, 0]), 3)  # unit DC gain, up to kymatio's 3.1415
    1.0
    """
    _, envelope = _gabor_terms(M, N, sigma, 0.0, 0.0, 1.0)
    return np.real(np.fft.fft2(envelope))


def haar_hat(M: int, N: int) -> np.ndarray:
    """Fourier transforms of the three 2×2 Haar high-pass filters.

    Spatial supports at pixels (1,1), (1,2), (2,1), (2,2) (row, col), values ±1/4:
    h0 = [[+,−],[+,−]]/4 (differences along columns), h1 = [[+,+],[−,−]]/4 (along rows),
    h2 = [[+,−],[−,+]]/4 (diagonal).

    Returns
    -------
    np.ndarray, shape (3, M, N), complex128
    """
    signs = np.array(
        [[[1, -1], [1, -1]], [[1, 1], [-1, -1]], [[1, -1], [-1, 1]]], dtype=np.float64
    ) / 4
    spatial = np.zeros((3, M, N))
    spatial[:, 1:3, 1:3] = signs
    return np.fft.fft2(spatial)


def _build(M: int, N: int, J: int, L: int) -> FilterBank:
    psi_hat = np.empty((J, L, M, N))
    for j in range(J):
        for l, theta in enumerate(orientation_angles(L)):
            psi_hat[j, l] = morlet_hat(
                M, N, sigma=0.8 * 2**j, theta=theta, xi=3 * np.pi / (4 * 2**j), slant=4 / L
            )
    phi_hat = gaussian_lowpass_hat(M, N, sigma=0.8 * 2 ** (J - 1))
    return FilterBank(psi_hat=psi_hat, phi_hat=phi_hat, haar_hat=haar_hat(M, N))


def cache_dir() -> Path:
    """Directory of the on-disk filter cache.

    ``$WAVETEX_CACHE_DIR`` if set, else the user's cache directory
    (``$XDG_CACHE_HOME`` or ``~/.cache`` on Linux, ``~/Library/Caches`` on macOS,
    ``%LOCALAPPDATA%`` on Windows) followed by ``wavetex/filters``.
    """
    if os.environ.get("WAVETEX_CACHE_DIR"):
        return Path(os.environ["WAVETEX_CACHE_DIR"]) / "filters"
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "wavetex" / "filters"


def _cache_file(M: int, N: int, J: int, L: int) -> Path:
    key = f"v{CACHE_FORMAT_VERSION}-M{M}-N{N}-J{J}-L{L}"
    digest = hashlib.sha1(key.encode()).hexdigest()[:8]
    return cache_dir() / f"{key}-{digest}.npz"


def _load_cached(path: Path, M: int, N: int, J: int, L: int) -> FilterBank | None:
    """The cached bank at ``path``, or None when it is missing, unreadable or invalid."""
    try:
        with np.load(path) as data:
            bank = FilterBank(data["psi_hat"], data["phi_hat"], data["haar_hat"])
    except Exception:  # missing, partial or foreign file: rebuild
        return None
    return bank if _is_valid(bank, M, N, J, L) else None


def _is_valid(bank: FilterBank, M: int, N: int, J: int, L: int) -> bool:
    """Shapes, finite values, zero-mean wavelets with the expected peak, a unit-gain
    low-pass, exact Haar filters, and the finest wavelets equal to a fresh build.

    Examples
    --------
    >>> bank = _build(32, 32, 2, 4)
    >>> _is_valid(bank, 32, 32, 2, 4)
    True
    >>> _is_valid(FilterBank(bank.psi_hat * np.nan, bank.phi_hat, bank.haar_hat), 32, 32, 2, 4)
    False
    """
    if (
        bank.psi_hat.shape != (J, L, M, N)
        or bank.phi_hat.shape != (M, N)
        or bank.haar_hat.shape != (3, M, N)
    ):
        return False
    arrays = (bank.psi_hat, bank.phi_hat, bank.haar_hat)
    if not all(np.isfinite(array).all() for array in arrays):
        return False
    peaks = bank.psi_hat.max(axis=(2, 3))
    low, high = _WAVELET_PEAK_RANGE
    if not (np.abs(bank.psi_hat[:, :, 0, 0]).max() < _TOLERANCE and low <= peaks.min() and peaks.max() <= high):
        return False
    if abs(bank.phi_hat[0, 0] - 1.0) > 1e-3 or not np.array_equal(bank.haar_hat, haar_hat(M, N)):
        return False
    finest = [morlet_hat(M, N, sigma=0.8, theta=theta, xi=3 * np.pi / 4, slant=4 / L) for theta in orientation_angles(L)]
    return bool(np.allclose(bank.psi_hat[0], finest, rtol=0, atol=_TOLERANCE))


def _store(path: Path, bank: FilterBank) -> None:
    """Write the cache file atomically (:func:`wavetex.io.atomic_write`), replacing a bad one."""
    from .io import atomic_write

    def write(temporary: Path) -> None:
        with open(temporary, "wb") as file:  # a file object: np.savez adds no suffix
            np.savez(file, psi_hat=bank.psi_hat, phi_hat=bank.phi_hat, haar_hat=bank.haar_hat)

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, write, overwrite=True)
    except OSError:  # read-only home, full disk...: the cache is an optimisation only
        pass


@functools.lru_cache(maxsize=16)
def filter_bank(M: int, N: int, n_scales: int, n_orientations: int) -> FilterBank:
    """The filters of the ALPHA model on an M×N grid, cached in memory and on disk.

    A cache file that fails the checks of a valid bank (finite values, expected
    norms, see :func:`_is_valid`) is rebuilt and replaced.

    Parameters
    ----------
    M, N : int
        Grid size (rows, columns); need not be square.
    n_scales : int
        Number of scales J.
    n_orientations : int
        Number of orientations L.

    Returns
    -------
    FilterBank
        Read-only arrays; do not modify them (they are shared between callers).

    Examples
    --------
    >>> bank = filter_bank(64, 48, 3, 4)
    >>> bank.psi_hat.shape, bank.phi_hat.shape, bank.haar_hat.shape
    ((3, 4, 64, 48), (64, 48), (3, 64, 48))
    """
    path = _cache_file(M, N, n_scales, n_orientations)
    bank = _load_cached(path, M, N, n_scales, n_orientations)
    if bank is None:
        bank = _build(M, N, n_scales, n_orientations)
        _store(path, bank)
    for array in (bank.psi_hat, bank.phi_hat, bank.haar_hat):
        array.flags.writeable = False
    return bank
