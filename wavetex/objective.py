"""The synthesis objective: per-sample loss and gradient of a batch, best point so far.

For images x with statistics Φ(x) (means over pixels) and a target Φ̄,

    L(x) = 1e-6 · (M̄N̄)² · ‖Φ(x) − Φ̄‖²  (+ ‖C(x) − C̄‖² for colour)

where M̄N̄ is the exemplar's pixel count, so that at the exemplar's size L is the
paper's loss on summed statistics, and C the colour correlation matrix. The optimiser
sees flat variables, one row per sample: every pixel, or only the unknown pixels of a
:class:`Constraint`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from .errors import SynthesisError
from .statistics import TextureStatistics

__all__ = ["LOSS_WEIGHT", "Target", "Constraint", "Objective", "SynthesisError", "statistics_error"]

LOSS_WEIGHT = 1e-6  # the paper's weight on squared differences of summed statistics


@dataclass(frozen=True)
class Target:
    """What a synthesis matches.

    Attributes
    ----------
    statistics : torch.Tensor, shape (n_stats,)
    colour_correlation : torch.Tensor, shape (3, 3), or None for gray models
    masked : bool
        Compare the synthesis's statistics with the border masks (the paper's loss)
        instead of its circular statistics.
    region : torch.Tensor, shape (K, J + 1, H, W), optional
        Compare the statistics estimated inside each of these K sets of masks
        (:meth:`TextureStatistics.within`), concatenated; ``statistics`` then holds the
        K targets one after the other. For a constrained synthesis: the responses that
        reach the unknown pixels (so that a small fill is not diluted by the known
        pixels), and those that straddle the boundary (so that a fill cannot match on
        average with a smooth interior and a sharp edge). The colour correlation is then
        compared in each region too, over its finest mask.
    """

    statistics: torch.Tensor
    colour_correlation: torch.Tensor | None = None
    masked: bool = False
    region: torch.Tensor | None = None


@dataclass(frozen=True)
class Constraint:
    """Pixels kept as they are: only those where ``unknown`` is true are optimised.

    Attributes
    ----------
    known : torch.Tensor, shape (C, H, W)
        The image whose pixels outside ``unknown`` stay bit-identical.
    unknown : torch.Tensor, shape (H, W), bool
    """

    known: torch.Tensor
    unknown: torch.Tensor


def statistics_error(values: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """‖Φ(s) − Φ(x̄)‖ / ‖Φ(x̄)‖ along the last dimension.

    Examples
    --------
    >>> statistics_error(torch.tensor([3.0, 4.0]), torch.tensor([0.0, 5.0])).item()
    0.6324555277824402
    """
    return (values - target).norm(dim=-1) / target.norm()


class Objective:
    """Loss and gradient of a batch of images, one loss per sample.

    Calling it on flat variables X (B, D) returns the losses (B,) and their gradient
    (B, D), and records, per sample, the best point seen so far and the statistics
    error of every evaluated point (so that the error of each accepted iterate is known
    without another evaluation).

    Parameters
    ----------
    statistics : TextureStatistics
        On the device and in the dtype of the synthesis.
    target : Target
    shape : (B, C, H, W)
        Shape of the images.
    weight : float
        Factor of the squared statistics difference (see the module's docstring).
    constraint : Constraint, optional
    """

    def __init__(
        self,
        statistics: TextureStatistics,
        target: Target,
        shape: tuple[int, int, int, int],
        weight: float,
        constraint: Constraint | None = None,
    ) -> None:
        self.statistics = statistics
        self.target = target
        self.shape = tuple(shape)
        self.weight = weight
        self.constraint = constraint
        # The paper weighs the colour correlation 1, which beside 1e-6·(M̄N̄)² on the
        # statistics makes it negligible (objective="paper" keeps that). Otherwise its
        # relative error weighs as much as the statistics': with weight 1, a 32² hole in
        # tissue kept channel correlations of 0.3 where the known pixels have 0.95
        # (purple and yellow streaks), and a 256² synthesis of tissue showed rainbow
        # tints after the default schedule; so weighted, neither.
        self.colour_weight = 1.0
        if target.colour_correlation is not None and not target.masked:
            regions = len(target.region) if target.region is not None else 1
            ratio = target.statistics.pow(2).sum() / (regions * target.colour_correlation.pow(2).sum())
            self.colour_weight = weight * ratio.item()
        n_samples = shape[0]
        self.best_loss = [math.inf] * n_samples
        self.best_x: list[torch.Tensor | None] = [None] * n_samples  # rows of one buffer
        self._best_buffer: torch.Tensor | None = None
        self.initial_losses: list[float] | None = None
        self.initial_errors: list[float] | None = None
        self._errors_by_loss: list[dict[float, float]] = [{} for _ in range(n_samples)]

    # -- variables <-> images -----------------------------------------------------------

    def images(self, X: torch.Tensor) -> torch.Tensor:
        """Images (B, C, H, W) of flat variables (B, D)."""
        if self.constraint is None:
            return X.view(self.shape)
        B, C = self.shape[:2]
        images = self.constraint.known.expand(B, *self.shape[1:]).clone()
        images[:, :, self.constraint.unknown] = X.view(B, C, -1)
        return images

    def variables(self, images: torch.Tensor) -> torch.Tensor:
        """Flat variables (B, D) of images (B, C, H, W): the pixels being optimised."""
        if self.constraint is None:
            return images.reshape(images.shape[0], -1)
        return images[:, :, self.constraint.unknown].reshape(images.shape[0], -1)

    # -- evaluation ---------------------------------------------------------------------

    def measure(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Statistics (B, n_stats) and losses (B,) of images, as the target compares them."""
        stats = self.statistics
        if self.target.region is not None:
            values = torch.cat([stats.within(images, masks) for masks in self.target.region], dim=1)
        else:
            values = stats(images) if self.target.masked else stats.circular(images)
        losses = self.weight * (values - self.target.statistics).pow(2).sum(dim=1)
        if self.target.colour_correlation is not None:
            for correlation in self._colour_correlations(images):
                difference = correlation - self.target.colour_correlation
                losses = losses + self.colour_weight * difference.pow(2).sum((1, 2))
        return values, losses

    def _colour_correlations(self, images: torch.Tensor) -> list[torch.Tensor]:
        """The colour correlation of the images, or of each region (over its finest mask)."""
        if self.target.region is None:
            return [self.statistics.colour_correlation(images)]
        return [self.statistics.colour_correlation(images, masks[0]) for masks in self.target.region]

    def block_errors(self, images: torch.Tensor, values: torch.Tensor) -> list[dict[str, float]]:
        """Per sample, the statistics error of each block (and of the colour correlation)."""
        target = self.target.statistics
        blocks = self.statistics.index.block_slices()
        errors = [
            {name: statistics_error(values[b, s], target[s]).item() for name, s in blocks.items()}
            for b in range(values.shape[0])
        ]
        if self.target.colour_correlation is not None:
            reference = self.target.colour_correlation
            difference = self._colour_correlations(images)[0] - reference
            for b, entry in enumerate(errors):
                entry["colour"] = (difference[b].norm() / reference.norm()).item()
        return errors

    def __call__(self, X: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        images = self.images(X.detach()).requires_grad_()
        values, losses = self.measure(images)
        if not torch.isfinite(losses).all():
            bad = [b for b, loss in enumerate(losses.tolist()) if not math.isfinite(loss)]
            raise SynthesisError(
                f"the loss became {losses[bad[0]].item()} for sample(s) {bad}: the optimisation diverged. "
                "Try {}, another {}, or fewer scales ({})",
                ("dtype", "float64"),
                ("seed",),
                ("n_scales",),
            )
        (grad,) = torch.autograd.grad(losses.sum(), images)
        with torch.no_grad():
            errors = statistics_error(values.detach(), self.target.statistics).tolist()
            losses_list = losses.tolist()
            if self.initial_losses is None:  # the first evaluation is at the starting images
                self.initial_losses, self.initial_errors = losses_list, errors
            for b, loss in enumerate(losses_list):
                self._errors_by_loss[b][loss] = errors[b]
                if loss < self.best_loss[b]:
                    if self._best_buffer is None:  # allocated once (see wavetex.lbfgs._History)
                        self._best_buffer = torch.empty_like(X.detach())
                    self.best_loss[b] = loss
                    self.best_x[b] = self._best_buffer[b].copy_(X[b].detach())
        return losses.detach(), self.variables(grad)

    def iteration_error(self, sample: int, loss: float) -> float:
        """The statistics error of the evaluated point of ``sample`` whose loss was
        ``loss`` (an accepted iterate); forgets the other points evaluated since."""
        error = self._errors_by_loss[sample].get(loss, math.nan)
        self._errors_by_loss[sample].clear()
        return error
