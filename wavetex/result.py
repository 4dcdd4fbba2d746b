"""The result of a synthesis: images, the record of how they were made, save and load."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import io as wio
from .config import SCHEDULES, SynthesisConfig
from .monitor import loss_decrease

__all__ = ["SynthesisResult", "STATUSES"]

#: How a sample's optimisation ended (:meth:`SynthesisResult.status`).
STATUSES = ("converged", "completed_schedule", "max_iter", "time_budget", "interrupted")
#: Stop reasons of an L-BFGS run (wavetex.lbfgs) that mean it met a tolerance.
_TOLERANCES = ("gradient below tolerance", "step below tolerance", "loss change below tolerance")


@dataclass(frozen=True)
class SynthesisResult:
    """Images and the record of how they were made.

    Images are numpy arrays with values in [0, 1] (matched) or unbounded (raw), shape
    (n_samples, H, W) for gray and (n_samples, H, W, 3) for colour.
    """

    images: np.ndarray
    raw_images: np.ndarray
    loss_history: list[list[float]]  # per sample, after each iteration
    error_history: list[list[float]]  # per sample, statistics error after each iteration
    initial_losses: list[float]
    initial_errors: list[float]
    losses: list[float]
    errors: list[float]  # ‖Φ(s) − Φ(x̄)‖ / ‖Φ(x̄)‖ per sample
    block_errors: list[dict[str, float]]  # the same per block (wavelet, lowpass, haar, colour)
    n_iterations: list[int]
    n_evaluations: list[int]
    stop_reasons: list[str]
    wall_time: float
    device: str
    dtype: str
    seeds: list[int]
    config: SynthesisConfig
    versions: dict[str, str]
    interrupted: bool = False
    probe_history: list[dict[str, Any]] = field(default_factory=list)  # per checkpoint, see probe_every
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def n_samples(self) -> int:
        return self.images.shape[0]

    def status(self, sample: int = 0) -> dict[str, Any]:
        """How the optimisation of one sample ended, in words a person can cite.

        ``"converged"`` only for a stop by the plateau test
        (:func:`wavetex.monitor.plateaued`, the one the runs stop by) or an L-BFGS tolerance, never for a
        finished schedule or a cap.

        Returns
        -------
        dict
            ``"status"``: one of :data:`STATUSES`; ``"words"``: e.g. "completed the
            default schedule (450 coarse + 40); loss fell 9.6 % over its last 39
            iterations" (the last 50 iterations where it ran more); ``"recent_decrease"``:
            the relative decrease of the loss over the last 50 iterations, or None after
            fewer.

        Examples
        --------
        >>> import numpy as np, wavetex
        >>> result = wavetex.synthesize(np.random.default_rng(0).random((32, 32)), n_scales=2, max_iter=4,
        ...                             progress=False)
        >>> result.status(0)["status"], result.status(0)["words"]
        ('max_iter', 'stopped at --max-iter 4; loss fell 43.0 % over its last 3 iterations')
        """
        window = 50
        reason = self.stop_reasons[sample]
        if self.interrupted or reason == "interrupted":
            status, words = "interrupted", "interrupted"
        elif reason == "time budget":
            status, words = "time_budget", "stopped by the time budget"
        elif reason.startswith("converged") or reason in _TOLERANCES:
            status = "converged"
            words = reason if reason.startswith("converged") else f"converged: {reason}"
        elif self.config.max_iter is not None and self.n_iterations[sample] >= self.config.max_iter:
            status, words = "max_iter", f"stopped at --max-iter {self.config.max_iter}"
        else:
            status = "completed_schedule"
            n_colours = 3 if self.images.ndim == 4 else 1
            coarse = self.config.coarse_iterations(n_colours) if "coarse" in self.extra else 0  # the stages that ran
            stages = SCHEDULES[self.config.schedule].stages(n_colours, coarse)
            words = f"completed the {self.config.schedule} schedule ({stages})"
        history = self.loss_history[sample]
        decrease = loss_decrease(history, window)
        if decrease is not None:
            words += f"; loss fell {100 * decrease:.1f} % over the last {window} iterations"
        elif len(history) >= 2:  # a shorter run: its whole decrease, from its first iteration
            n = len(history) - 1
            words += f"; loss fell {100 * loss_decrease(history, n):.1f} % over its last {n} iteration{'s' * (n > 1)}"
        else:
            words += "; too few iterations to measure a decrease"
        return {"status": status, "words": words, "recent_decrease": decrease}

    def metadata(self) -> dict[str, Any]:
        """Everything but the images, as plain JSON-ready data, with each sample's
        :meth:`status`."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        del data["images"], data["raw_images"]
        data["config"] = self.config.to_dict()
        data["status"] = [self.status(k) for k in range(self.n_samples)]
        return data

    @staticmethod
    def output_paths(path: str | Path, n_samples: int) -> list[Path]:
        """Every file :meth:`save` writes: the images (``path`` for one sample, else
        ``<stem>_<k><suffix>`` for each sample k), then ``<stem>.json`` and ``<stem>.npy``.

        Examples
        --------
        >>> [p.name for p in SynthesisResult.output_paths("out/brick.png", 2)]
        ['brick_0.png', 'brick_1.png', 'brick.json', 'brick.npy']
        """
        path = Path(path)
        images = [path] if n_samples == 1 else [path.with_name(f"{path.stem}_{k}{path.suffix}") for k in range(n_samples)]
        return images + [path.with_suffix(".json"), path.with_suffix(".npy")]

    def save(self, path: str | Path, *, overwrite: bool = False, bit_depth: int = 8) -> list[Path]:
        """Write the image(s), a JSON sidecar ``<stem>.json`` and the raw floats ``<stem>.npy``.

        Nothing is written if any target exists and ``overwrite`` is False.
        Returns the paths written.
        """
        path = Path(path)
        targets = self.output_paths(path, self.n_samples)
        if not overwrite:
            for target in targets:
                if target.exists():
                    raise FileExistsError(f"{target} exists; pass overwrite=True (--force) to replace it")
        written = [
            wio.write_image(target, image, bit_depth=bit_depth, overwrite=overwrite)
            for target, image in zip(targets, self.images)
        ]
        metadata = self.metadata()
        metadata["files"] = {"images": [p.name for p in written], "raw": path.with_suffix(".npy").name}
        written.append(wio.write_json(path.with_suffix(".json"), metadata, overwrite=overwrite))
        written.append(
            wio.atomic_write(path.with_suffix(".npy"), lambda p: np.save(p, self.raw_images), overwrite=overwrite)
        )
        return written

    @classmethod
    def load(cls, path: str | Path) -> "SynthesisResult":
        """Read back what :meth:`save` wrote (give the image path or the sidecar's)."""
        sidecar = Path(path).with_suffix(".json")
        data = wio.read_json(sidecar)
        files = data.pop("files")
        data.pop("status", None)  # derived, see status()
        images = np.stack([wio.read_image(sidecar.with_name(name)) for name in files["images"]])
        raw = np.load(sidecar.with_name(files["raw"]))
        data["config"] = SynthesisConfig.from_dict(data["config"])
        return cls(images=images, raw_images=raw, **data)
