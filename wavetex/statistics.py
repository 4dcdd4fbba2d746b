"""ALPHA texture statistics: shift set, pair sets, covariances, canonical order.

:class:`TextureStatistics` is fitted to an exemplar (its standardisation is frozen
there) and maps images to a flat vector of statistics in the canonical order of the
model (Brochard, Zhang & Mallat, ICLR 2022; described in docs/model.md, Statistics):
wavelet covariances, then low-pass, then Haar terms. Values are **means** over the M·N pixels, so images of
different sizes are comparable; the reference implementation reports sums, which are
M·N times larger.

Statistic counts of the paper's configurations (reproduced by ``n_stats``):

=========================================================== ========
configuration                                               n_stats
=========================================================== ========
gray, J=5, L=4, A=4, Δj=2, all shifts (paper default)         28,564
gray, J=4, L=4, A=4, Δj=2                                     16,820
gray, J=5, L=4, A=4, Δj=4                                     35,668
gray, J=5, L=8, A=4, Δj=2                                    113,812
gray, J=6, L=4, A=4, Δj=2                                     43,380
gray, J=5, L=4, Δj=2, shifts only when j=j' and l=l'           3,796
colour, J=5, L=4, A=4, Δj=4, same-colour shifts (default)    112,986
colour, J=4, L=4, A=4, Δj=4, same-colour shifts               60,042
colour, J=5, L=4, A=4, Δj=4, all shifts                      320,346
=========================================================== ========
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from . import _validate
from .config import SHIFT_MODES, ModelConfig, check_fit_memory, check_image_size
from .filters import filter_bank
from .lagged_products import LaggedGroup, grouped_lagged_products
from .representation import (
    border_masks,
    generalized_rectifier,
    known_region_masks,
    rectified_standardised,
    haar_channels,
    lowpass_channels,
    standardisation_of,
    wavelet_transform,
)

__all__ = [
    "ModelConfig",
    "SHIFT_MODES",
    "shift_set",
    "StatisticsIndex",
    "TextureStatistics",
    "colour_correlation",
]

BLOCKS = ("wavelet", "lowpass", "haar")


def shift_set(n_scales: int) -> list[tuple[int, int]]:
    """The shift set T in canonical order: (0, 0), then 8 directions per scale.

    τ = (round(2^j cos(kπ/4)), round(2^j sin(kπ/4))) for j = 0..J-1, k = 0..7, each
    appended once, as (row, column) offsets.

    Examples
    --------
    >>> [len(shift_set(J)) for J in (4, 5, 6)]
    [29, 37, 45]
    >>> shift_set(1)[:3]
    [(0, 0), (1, 0), (1, 1)]
    """
    shifts = [(0, 0)]
    for j in range(n_scales):
        for k in range(8):
            angle = k * math.pi / 4
            tau = (round(2**j * math.cos(angle)), round(2**j * math.sin(angle)))
            if tau not in shifts:
                shifts.append(tau)
    return shifts


@dataclass(frozen=True)
class StatisticsIndex:
    """What each statistic is: one entry per position of the statistics vector.

    Attributes are integer arrays of length ``n_stats`` (−1 where not applicable):
    ``kind`` (0 wavelet, 1 low-pass, 2 Haar, see :data:`BLOCKS`), ``colour``/``colour2``,
    ``scale``/``scale2``, ``orientation``/``orientation2``, ``phase`` (of the first
    factor; the second always uses phase 0), ``haar`` (filter k), and ``shift``
    (array (n_stats, 2) of row/column offsets τ).
    """

    kind: np.ndarray
    colour: np.ndarray
    colour2: np.ndarray
    scale: np.ndarray
    scale2: np.ndarray
    orientation: np.ndarray
    orientation2: np.ndarray
    phase: np.ndarray
    haar: np.ndarray
    shift: np.ndarray

    def __len__(self) -> int:
        return len(self.kind)

    def block_slices(self) -> dict[str, slice]:
        """Where each block (wavelet, lowpass, haar) lies in the vector."""
        slices = {}
        for code, name in enumerate(BLOCKS):
            where = np.flatnonzero(self.kind == code)
            slices[name] = slice(int(where[0]), int(where[-1]) + 1) if len(where) else slice(0, 0)
        return slices

    def __getitem__(self, i: int) -> dict[str, Any]:
        """A readable description of statistic i, keeping only the fields that apply."""
        kind = BLOCKS[int(self.kind[i])]
        entry: dict[str, Any] = {"kind": kind, "colours": (int(self.colour[i]), int(self.colour2[i]))}
        if kind == "wavelet":
            entry["scales"] = (int(self.scale[i]), int(self.scale2[i]))
            entry["orientations"] = (int(self.orientation[i]), int(self.orientation2[i]))
            entry["phases"] = (int(self.phase[i]), 0)
        if kind == "haar":
            entry["haar"] = int(self.haar[i])
        entry["shift"] = (int(self.shift[i, 0]), int(self.shift[i, 1]))
        return entry

    def find(self, **fields: Any) -> np.ndarray:
        """Positions whose fields equal the given values, e.g. ``find(kind=0, scale=1)``.

        ``shift`` takes a (row, col) pair; ``kind`` a code or a block name.
        """
        selected = np.ones(len(self), dtype=bool)
        for name, value in fields.items():
            if name == "kind" and isinstance(value, str):
                value = BLOCKS.index(value)
            column = getattr(self, name)
            if name == "shift":
                selected &= (column == np.asarray(value)).all(axis=1)
            else:
                selected &= column == value
        return np.flatnonzero(selected)


@dataclass(frozen=True)
class _Plan:
    """How to compute the wavelet covariances and where each lands in canonical order."""

    groups: tuple[LaggedGroup, ...]  # rows: channel ranges; columns: phase-0 channels
    needs_zero_shift_gram: bool
    order: np.ndarray  # canonical position -> position in the concatenated raw blocks
    index: StatisticsIndex


def _build_plan(config: ModelConfig, n_colours: int) -> _Plan:
    J, L, A, dj = config.n_scales, config.n_orientations, config.n_phases, config.delta_j
    C = n_colours
    T = shift_set(J)
    n_channels, n_maps = C * J * L * A, C * J * L

    def channel(c: int, j: int, l: int, a: int) -> int:
        return ((c * J + j) * L + l) * A + a

    def phase0_map(c: int, j: int, l: int) -> int:
        return (c * J + j) * L + l

    def shifted(c, j, l, c2, j2, l2) -> bool:
        mode = config.shifts
        return (
            mode == "all"
            or (mode == "same_colour" and c == c2)
            or (mode == "same_scale_orientation" and (c, j, l) == (c2, j2, l2))
        )

    # Groups of shifted pairs: one matrix product per column set (the phase-0 maps of one
    # colour and scale, or of one (colour, scale, orientation)), whose rows — a contiguous
    # range of channels — are every channel pairing with those columns.
    groups: list[LaggedGroup] = []
    if config.shifts == "same_scale_orientation":
        for c in range(C):
            for j in range(J):
                for l in range(L):
                    groups.append(LaggedGroup(channel(c, j, l, 0), channel(c, j, l, A - 1) + 1,
                                              (channel(c, j, l, 0),)))
    elif config.shifts in ("all", "same_colour"):
        for c2 in range(C):
            for j2 in range(J):
                cols = tuple(channel(c2, j2, l2, 0) for l2 in range(L))
                for c in range(C) if config.shifts == "all" else [c2]:
                    first = channel(c, max(0, j2 - dj), 0, 0)
                    groups.append(LaggedGroup(first, channel(c, j2, L - 1, A - 1) + 1, cols))

    offsets = []
    offset = 0
    for group in groups:
        offsets.append(offset)
        offset += (group.row_stop - group.row_start) * len(group.cols) * len(T)
    group_of = {
        (ch, q): g
        for g, group in enumerate(groups)
        for ch in range(group.row_start, group.row_stop)
        for q in group.cols
    }
    zero_gram_offset = offset

    order: list[np.ndarray] = []
    fields: dict[str, list] = {k: [] for k in StatisticsIndex.__dataclass_fields__}
    needs_zero = False
    T_array = np.array(T)

    def add(n: int, order_part: np.ndarray, shifts: np.ndarray, **values: int) -> None:
        order.append(order_part)
        for name in fields:
            if name == "shift":
                fields[name].append(shifts)
            else:
                fields[name].append(np.full(n, values.get(name, -1)))

    for c in range(C):
        for c2 in range(C):
            for j in range(J):
                for j2 in range(j, min(J - 1, j + dj) + 1):
                    for l in range(L):
                        for l2 in range(L):
                            for a in range(A):
                                ch, q = channel(c, j, l, a), phase0_map(c2, j2, l2)
                                meta = dict(kind=0, colour=c, colour2=c2, scale=j, scale2=j2,
                                            orientation=l, orientation2=l2, phase=a)
                                if shifted(c, j, l, c2, j2, l2):
                                    g = group_of[ch, channel(c2, j2, l2, 0)]
                                    group = groups[g]
                                    row, col = ch - group.row_start, group.cols.index(channel(c2, j2, l2, 0))
                                    start = offsets[g] + (row * len(group.cols) + col) * len(T)
                                    add(len(T), np.arange(start, start + len(T)), T_array, **meta)
                                else:
                                    needs_zero = True
                                    add(1, np.array([zero_gram_offset + ch * n_maps + q]),
                                        T_array[:1], **meta)
    raw = zero_gram_offset + (n_channels * n_maps if needs_zero else 0)
    # Low-pass: entry k = 0..C²-1 pairs colours (k mod C, k div C); then Haar per colour, k.
    for k in range(C * C):
        add(len(T), raw + np.arange(len(T)), T_array, kind=1, colour=k % C, colour2=k // C)
        raw += len(T)
    for c in range(C):
        for k in range(3):
            add(len(T), raw + np.arange(len(T)), T_array, kind=2, colour=c, colour2=c, haar=k)
            raw += len(T)

    index = StatisticsIndex(
        **{name: np.concatenate(parts) for name, parts in fields.items()}
    )
    return _Plan(tuple(groups), needs_zero, np.concatenate(order), index)


def _at_shifts(correlations: torch.Tensor, shifts: list[tuple[int, int]]) -> torch.Tensor:
    """Pick lags τ from full circular correlation maps (..., M, N) -> (..., T)."""
    M, N = correlations.shape[-2:]
    rows = torch.tensor([dy % M for dy, _ in shifts], device=correlations.device)
    cols = torch.tensor([dx % N for _, dx in shifts], device=correlations.device)
    return correlations[..., rows, cols]


def _correlations(
    maps: torch.Tensor, first: list[int], second: list[int], shifts: list[tuple[int, int]]
) -> torch.Tensor:
    """Φ(maps[:, first[k]], maps[:, second[k]], τ) for each k and τ ∈ shifts, via FFT.

    maps: real (B, K, M, N) -> (B, len(first), T).
    """
    M, N = maps.shape[-2:]
    spectra = torch.fft.rfft2(maps)
    products = spectra[:, first] * spectra[:, second].conj()
    return _at_shifts(torch.fft.irfft2(products, s=(M, N)), shifts)


def colour_correlation(x: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
    """C(x) = U Uᵀ / (M·N), U = channels centred and divided by their unbiased std.

    Parameters
    ----------
    x : torch.Tensor, shape (B, 3, M, N)
    weights : torch.Tensor, shape (M, N), optional
        0/1 mask: the same over the pixels where it is 1 only (means, standard
        deviations and the product), e.g. around the unknown pixels of a fill.

    Returns
    -------
    torch.Tensor, shape (B, 3, 3)

    Examples
    --------
    >>> x = torch.rand(1, 3, 8, 8, dtype=torch.float64)
    >>> torch.allclose(colour_correlation(x, torch.ones(8, 8, dtype=torch.float64)), colour_correlation(x))
    True
    """
    B, C, M, N = x.shape
    U = x.reshape(B, C, M * N)
    if weights is None:
        U = (U - U.mean(-1, keepdim=True)) / U.std(-1, keepdim=True)
        return U @ U.transpose(1, 2) / (M * N)
    w = weights.reshape(M * N).to(x.dtype)
    count = w.sum()
    U = U - (U * w).sum(-1, keepdim=True) / count
    U = U / ((U.pow(2) * w).sum(-1, keepdim=True) / (count - 1)).sqrt()
    return (U * w) @ U.transpose(1, 2) / count


class TextureStatistics(torch.nn.Module):
    """ALPHA statistics fitted to an exemplar.

    The exemplar fixes the standardisation of every channel (means and standard
    deviations, frozen at construction); calling the module on images returns their
    statistics in the canonical order of docs/model.md (Statistics), as **means** over pixels (the
    reference's sums are M·N times larger).

    Parameters
    ----------
    exemplar : torch.Tensor or numpy.ndarray
        Floats with values in [0, 1]. A tensor is channels first: (H, W) or (1, H, W)
        for gray, (3, H, W) for colour. A numpy array is channels last, as
        :func:`wavetex.io.read_image` returns it: (H, W) or (H, W, 3) (the same rule
        as :func:`wavetex.synthesize`). Images passed to the module follow the same
        rule; batches are (B, C, H, W) tensors or (B, H, W, 3) arrays.
    n_scales, n_orientations, n_phases, delta_j, shifts, masks
        Model options, see :class:`ModelConfig`; ``config=ModelConfig(...)`` may be
        passed instead.

    Attributes
    ----------
    config : ModelConfig
        The resolved configuration.
    n_colours : int
        1 (gray) or 3 (colour).
    n_stats : int
        Length of the statistics vector.
    index : StatisticsIndex
        What each statistic is.
    target : torch.Tensor, shape (n_stats,)
        The exemplar's own statistics.

    Examples
    --------
    >>> import torch, wavetex
    >>> exemplar = torch.rand(64, 64, dtype=torch.float64)
    >>> stats = wavetex.TextureStatistics(exemplar, n_scales=4)
    >>> stats.n_stats
    16820
    >>> stats(torch.rand(2, 1, 64, 64, dtype=torch.float64)).shape
    torch.Size([2, 16820])
    >>> stats.index[0]
    {'kind': 'wavelet', 'colours': (0, 0), 'scales': (0, 0), 'orientations': (0, 0), 'phases': (0, 0), 'shift': (0, 0)}
    >>> import numpy as np
    >>> wavetex.TextureStatistics(np.random.rand(64, 64, 3), n_scales=4).n_colours
    3
    """

    def __init__(self, exemplar: torch.Tensor | np.ndarray, *, config: ModelConfig | None = None, **options: Any):
        super().__init__()
        if config is not None and options:
            raise TypeError("pass either config=ModelConfig(...) or model options, not both")
        config = config if config is not None else ModelConfig.from_options(options)
        exemplar = _validate.exemplar(exemplar)
        self.n_colours = exemplar.shape[0]
        self.config = config.resolved(self.n_colours)
        check_image_size(exemplar.shape[-2:], self.config.n_scales, "exemplar")
        check_fit_memory(tuple(exemplar.shape[-2:]), self.n_colours, self.config, exemplar.element_size(), exemplar.device)
        self._plan = _build_plan(self.config, self.n_colours)
        self._shifts = shift_set(self.config.n_scales)
        self.register_buffer("_order", torch.as_tensor(self._plan.order), persistent=False)
        self._filters: dict[tuple, tuple[torch.Tensor, ...]] = {}

        self._overlaps: dict[tuple, torch.Tensor] = {}
        T = {tau: t for t, tau in enumerate(self._shifts)}
        self._shift_position = np.array([T[tuple(tau)] for tau in self._plan.index.shift.tolist()])

        x = exemplar[None]
        with torch.no_grad():
            wavelet, lowpass, haar = self._channels(x, "masked")
            self.wavelet_standardisation = standardisation_of(wavelet)
            self.lowpass_standardisation = standardisation_of(lowpass)
            haar_std = (haar[0] - haar[0].mean((-2, -1), keepdim=True)).pow(2).mean((-2, -1)).sqrt()
            self.register_buffer("haar_std", haar_std[..., None, None].clone())
            self.register_buffer("target", self.forward(x)[0].clone())
            self.register_buffer(
                "target_colour_correlation",
                colour_correlation(x)[0].clone() if self.n_colours == 3 else torch.zeros(0),
            )
        self.exemplar_size = tuple(exemplar.shape[-2:])

    # -- public -------------------------------------------------------------------------

    @property
    def n_stats(self) -> int:
        return len(self._plan.index)

    @property
    def index(self) -> StatisticsIndex:
        return self._plan.index

    @property
    def shifts(self) -> list[tuple[int, int]]:
        """The shift set T, in canonical order."""
        return list(self._shifts)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Statistics of one image (C, H, W) / (H, W) → (n_stats,), or of a batch
        (B, C, H, W) → (B, n_stats), with the border masks of docs/model.md (Representation)."""
        x, batched = _validate.images(images, self.n_colours, self.config.n_scales, self.haar_std)
        values = self._statistics(x, "masked")
        return values if batched else values[0]

    def circular(self, images: torch.Tensor) -> torch.Tensor:
        """Statistics without border masks, for periodic images such as syntheses.

        Same standardisation and order as :meth:`forward`; equal to it when the model's
        masks are off. A synthesis matches them to the circular statistics of the
        exemplar's periodic component (:func:`~wavetex.representation.periodic_component`),
        which has no seam between opposite borders: the synthesis tiles without one.
        """
        x, batched = _validate.images(images, self.n_colours, self.config.n_scales, self.haar_std)
        values = self._statistics(x, "circular")
        return values if batched else values[0]

    @classmethod
    def fitted_to_known(
        cls,
        image: torch.Tensor,
        known: torch.Tensor,
        *,
        periodic: bool = False,
        config: ModelConfig | None = None,
        **options: Any,
    ) -> "TextureStatistics":
        """Statistics fitted to the known pixels of an image only (masked statistics).

        The standardisation is fitted on the known pixels, and :attr:`target` holds the
        circular statistics estimated from them
        (:meth:`known_region`): each channel of scale j is kept only where its filter's
        support (:func:`~wavetex.representation.support_widths`) holds known pixels
        only, and each sum is divided by the number of (u + τ, u) pairs kept in both
        factors. The unknown pixels' values are ignored (they are replaced by the mean of
        the known ones, which reaches the kept responses through the filters' tails only).

        Parameters
        ----------
        image : torch.Tensor
            As the exemplar of :class:`TextureStatistics`: (H, W), (1, H, W) or (3, H, W).
        known : torch.Tensor, shape (H, W), bool
            True where the pixel is known.
        periodic : bool
            Whether the image wraps around (default: its borders are edges, so pixels
            near them count as near unknown ones).
        config, **options
            Model options, as for :class:`TextureStatistics`.

        Examples
        --------
        >>> import torch, wavetex
        >>> image = torch.rand(64, 64, dtype=torch.float64)
        >>> known = torch.ones(64, 64, dtype=torch.bool)
        >>> known[20:40, 20:40] = False
        >>> stats = wavetex.TextureStatistics.fitted_to_known(image, known, n_scales=3)
        >>> image[20:40, 20:40] = 0.5  # unknown pixels do not count (beyond filter tails)
        >>> error = (stats.known_region(image, known) - stats.target).norm() / stats.target.norm()
        >>> bool(error < 0.02)
        True
        """
        image = _validate.exemplar(image)
        known = _validate.known_mask(known, tuple(image.shape[-2:]))
        filled = torch.where(known, image, image[:, known].mean(dim=1)[:, None, None])
        stats = cls(filled, config=config, **options)
        stats._fit_to_known(filled[None], known, periodic)
        return stats

    def known_region(self, images: torch.Tensor, known: torch.Tensor, *, periodic: bool = False) -> torch.Tensor:
        """Circular statistics of images estimated from their known pixels only.

        Same standardisation and order as :meth:`forward`; see :meth:`fitted_to_known`.
        ``known`` is a bool (H, W) tensor, True where the pixel is known. With every
        pixel known and ``periodic=True`` this is :meth:`circular`.
        """
        x, batched = _validate.images(images, self.n_colours, self.config.n_scales, self.haar_std)
        known = _validate.known_mask(known, tuple(x.shape[-2:]))
        masks = known_region_masks(known, self.config.n_scales, periodic=periodic, dtype=x.dtype, device=x.device)
        values = self._statistics_within(x, masks)
        return values if batched else values[0]

    def within(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        """Circular statistics estimated from the pixels inside per-scale masks.

        ``masks`` (J + 1, H, W) of 0/1: m_j for the wavelets of scale j (m_{J-1} for the
        low-pass), m_J for the Haar terms, as made by
        :func:`~wavetex.representation.known_region_masks` or
        :func:`~wavetex.representation.reach_masks`. Responses outside are dropped and
        each sum is divided by the number of (u + τ, u) pairs kept in both factors.
        """
        x, batched = _validate.images(images, self.n_colours, self.config.n_scales, self.haar_std)
        J = self.config.n_scales
        if tuple(masks.shape) != (J + 1, *x.shape[-2:]):
            raise ValueError(f"masks must have shape {(J + 1, *x.shape[-2:])}, got {tuple(masks.shape)}")
        values = self._statistics_within(x, masks.to(device=x.device, dtype=x.dtype))
        return values if batched else values[0]

    def estimable(self, masks: torch.Tensor) -> torch.Tensor:
        """Which statistics :meth:`within` can estimate from ``masks``: those with at least
        one pair of pixels (u + τ, u) inside both factors' masks, (n_stats,) bool. A
        region narrower than a shift has none for that shift; :meth:`within` gives 0 there.

        Examples
        --------
        >>> stats = TextureStatistics(torch.rand(1, 32, 32, generator=torch.Generator().manual_seed(0)),
        ...                           config=ModelConfig(n_scales=2))
        >>> masks = torch.zeros(3, 32, 32); masks[:, :, 5] = 1  # one column: no horizontal shift fits
        >>> bool(stats.estimable(torch.ones(3, 32, 32)).all()), bool(stats.estimable(masks).all())
        (True, False)
        """
        return self._pair_fractions(masks.to(dtype=self.target.dtype, device=self.target.device)) > 0

    def colour_correlation(self, images: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
        """The 3×3 colour correlation matrix C(x) of each image (colour models only),
        over the pixels where ``weights`` (H, W) is 1 when given."""
        if self.n_colours != 3:
            raise ValueError("the colour correlation exists for colour models only (3 channels)")
        x, batched = _validate.images(images, 3, self.config.n_scales, self.haar_std)
        out = colour_correlation(x, weights)
        return out if batched else out[0]

    def split(self, values: torch.Tensor) -> dict[str, torch.Tensor]:
        """Readable per-block view: ``{"wavelet": ..., "lowpass": ..., "haar": ...}``.

        Works on (n_stats,) or (B, n_stats) tensors (views, no copies).
        """
        return {name: values[..., s] for name, s in self.index.block_slices().items()}

    def describe(self) -> str:
        """One line per block with its size, then the configuration."""
        lines = [f"{self.n_stats} statistics ({'colour' if self.n_colours == 3 else 'gray'}):"]
        for name, s in self.index.block_slices().items():
            lines.append(f"  {name:8s} {s.stop - s.start:7d}  [{s.start}:{s.stop}]")
        lines.append(f"  config: {self.config}")
        return "\n".join(lines)

    def extra_repr(self) -> str:
        return f"n_colours={self.n_colours}, n_stats={self.n_stats}, config={self.config}"

    # -- internals ----------------------------------------------------------------------

    def _filter_tensors(self, M: int, N: int, like: torch.Tensor) -> tuple[torch.Tensor, ...]:
        key = (M, N, like.dtype, like.device)
        if key not in self._filters:
            bank = filter_bank(M, N, self.config.n_scales, self.config.n_orientations)
            complex_dtype = torch.complex128 if like.dtype == torch.float64 else torch.complex64
            masks = border_masks(M, N, self.config.n_scales, dtype=like.dtype, device=like.device)
            if not self.config.masks:
                masks = torch.ones_like(masks)
            if len(self._filters) >= 4:
                self._filters.pop(next(iter(self._filters)))
            self._filters[key] = (
                torch.tensor(bank.psi_hat, dtype=like.dtype, device=like.device),
                torch.tensor(bank.phi_hat, dtype=like.dtype, device=like.device),
                torch.tensor(bank.haar_hat, dtype=complex_dtype, device=like.device),
                masks,
            )
        return self._filters[key]

    def _channels(
        self, x: torch.Tensor, borders: str, standardised: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Rectified wavelet maps (B, C, J, L, A, M, N) and low-pass maps (B, C, M, N),
        masked as docs/model.md (Statistics) says unless ``borders`` is "circular", and Haar maps
        (B, C, 3, M, N) — all before standardisation, except the wavelet maps when
        ``standardised`` (:func:`~wavetex.representation.rectified_standardised`)."""
        M, N = x.shape[-2:]
        psi_hat, phi_hat, haar_hat, masks = self._filter_tensors(M, N, x)
        x_hat = torch.fft.fft2(x)
        z = wavelet_transform(x_hat, psi_hat)
        if standardised:
            mask = masks[:, None] if borders != "circular" else None
            wavelet = rectified_standardised(z, self.config.n_phases, self.wavelet_standardisation, mask)
        else:
            wavelet = generalized_rectifier(z, self.config.n_phases)
        del z
        lowpass = lowpass_channels(x_hat, phi_hat)
        if borders != "circular":
            if not standardised:
                wavelet = wavelet * masks[:, None, None]
            if self.n_colours == 3:
                lowpass = lowpass * masks[-1]
        return wavelet, lowpass, haar_channels(x_hat, haar_hat)

    def _fit_to_known(self, x: torch.Tensor, known: torch.Tensor, periodic: bool) -> None:
        """Refit the standardisation and the targets on the known pixels of x (1, C, M, N)."""
        J = self.config.n_scales
        masks = known_region_masks(known, J, periodic=periodic, dtype=x.dtype, device=x.device)
        with torch.no_grad():
            wavelet, lowpass, haar = self._channels(x, "circular")
            self.wavelet_standardisation = standardisation_of(wavelet, masks[:J, None, None])
            self.lowpass_standardisation = standardisation_of(lowpass, masks[J - 1])
            haar_spread = standardisation_of(haar, masks[J]).std - 1e-9  # no epsilon here, as above
            self.haar_std = haar_spread.to(self.haar_std).clone()
            values = self._statistics_within(x, masks)[0].clone()
            self.target = values

    def _statistics_within(self, x: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        """(B, n_stats) circular statistics of (B, C, M, N) images estimated from the
        pixels inside ``masks`` (J + 1, M, N) only: m_j for the wavelets of scale j (and
        m_{J-1} for the low-pass), m_J for the Haar terms. Values outside are set to
        zero after standardisation and each sum is divided by the number of (u + τ, u)
        pairs inside both factors' masks; a statistic with no such pair (a shift wider than
        the region) is 0 (see :meth:`estimable`)."""
        J = self.config.n_scales
        M, N = x.shape[-2:]
        wavelet, lowpass, haar = self._channels(x, "circular")
        wavelet = self.wavelet_standardisation(wavelet) * masks[:J, None, None]
        lowpass = self.lowpass_standardisation(lowpass) * masks[J - 1]
        raw = [
            self._wavelet_covariances(wavelet),
            self._lowpass_correlations(lowpass),
            self._haar_correlations(haar * masks[J]),
        ]
        values = torch.cat([r.reshape(x.shape[0], -1) for r in raw], dim=1)
        fractions = self._pair_fractions(masks)
        return values.index_select(1, self._order) / (M * N) / torch.where(fractions > 0, fractions, 1.0)

    def _statistics(self, x: torch.Tensor, borders: str) -> torch.Tensor:
        """(B, n_stats) statistics of (B, C, M, N) images, borders treated as:

        - "masked": as in docs/model.md (masks before standardisation; the gray low-pass
          masked after it, with an area factor);
        - "circular": no masks, every pixel counts (periodic images);
        - "interior": the circular statistics estimated from pixels inside the masks
          only: masked values set to zero after standardisation and each sum divided by
          the number of (u + τ, u) pairs that lie inside both masks.
        """
        M, N = x.shape[-2:]
        masks = self._filter_tensors(M, N, x)[3]
        if borders == "interior":  # the border masks, Haar terms never masked
            return self._statistics_within(x, torch.cat([masks, torch.ones_like(masks[:1])]))
        wavelet, lowpass, haar = self._channels(x, borders, standardised=True)
        lowpass = self.lowpass_standardisation(lowpass)
        if borders == "masked" and self.n_colours == 1:
            lowpass = lowpass * masks[-1] * (M * N / masks[-1].sum())
        raw = [self._wavelet_covariances(wavelet), self._lowpass_correlations(lowpass), self._haar_correlations(haar)]
        values = torch.cat([r.reshape(x.shape[0], -1) for r in raw], dim=1)
        return values.index_select(1, self._order) / (M * N)

    def _pair_fractions(self, masks: torch.Tensor) -> torch.Tensor:
        """Per statistic, the fraction of pixels u with u + τ inside the first factor's
        mask and u inside the second's, shape (n_stats,); masks as in
        :meth:`_statistics_within`. Cached for the last few mask sets."""
        key = (masks.dtype, masks.device, masks.shape, np.packbits(masks.to(torch.bool).cpu().numpy()).tobytes())
        if key not in self._overlaps:
            M, N = masks.shape[-2:]
            J = self.config.n_scales
            pairs = [(j, j2) for j in range(J + 1) for j2 in range(J + 1)]
            table = _correlations(masks.double().cpu()[None], [j for j, _ in pairs], [j2 for _, j2 in pairs], self._shifts)[0]
            index = self.index
            first = np.select([index.kind == 0, index.kind == 1], [index.scale, J - 1], J)
            second = np.select([index.kind == 0, index.kind == 1], [index.scale2, J - 1], J)
            # pair counts are integers; the FFT correlation leaves ~1e-12 where there is none
            fractions = table[first * (J + 1) + second, self._shift_position].round() / (M * N)
            if len(self._overlaps) >= 4:
                self._overlaps.pop(next(iter(self._overlaps)))
            self._overlaps[key] = fractions.to(device=masks.device, dtype=masks.dtype)
        return self._overlaps[key]

    def _wavelet_covariances(self, r: torch.Tensor) -> torch.Tensor:
        B = r.shape[0]
        M, N = r.shape[-2:]
        channels = r.reshape(B, -1, M, N)
        phase0 = range(0, channels.shape[1], self.config.n_phases) if self._plan.needs_zero_shift_gram else ()
        return grouped_lagged_products(channels, self._plan.groups, self._shifts, gram_cols=tuple(phase0))

    def _lowpass_correlations(self, y: torch.Tensor) -> torch.Tensor:
        C = self.n_colours
        pairs = range(C * C)
        return _correlations(y.abs(), [k % C for k in pairs], [k // C for k in pairs], self._shifts)

    def _haar_correlations(self, h: torch.Tensor) -> torch.Tensor:
        b = (h.abs() / self.haar_std.to(h.dtype)).flatten(1, 2)  # (B, C·3, M, N)
        every = list(range(b.shape[1]))
        return _correlations(b, every, every, self._shifts)
