"""The result of a synthesis: images, the record of how they were made, save and load."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import io as wio
from .config import SynthesisConfig

__all__ = ["SynthesisResult"]


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

    def metadata(self) -> dict[str, Any]:
        """Everything but the images, as plain JSON-ready data."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        del data["images"], data["raw_images"]
        data["config"] = self.config.to_dict()
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
        images = np.stack([wio.read_image(sidecar.with_name(name)) for name in files["images"]])
        raw = np.load(sidecar.with_name(files["raw"]))
        data["config"] = SynthesisConfig.from_dict(data["config"])
        return cls(images=images, raw_images=raw, **data)
