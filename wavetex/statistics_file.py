"""The statistics file: a :class:`~wavetex.TextureStatistics` vector, its index and its model, as .npz.

The file holds ``values`` (float64, one per statistic), the fields of
:class:`~wavetex.statistics.StatisticsIndex` that say what each statistic is (``kind``,
``colour``, ``scale``, ``orientation``, ``phase``, ``shift``, ...; -1 where a field does
not apply), ``blocks`` (the names of the kind codes), ``config`` (the resolved
:class:`~wavetex.ModelConfig`, JSON) and ``provenance`` (inputs and versions, JSON).
``wavetex stats`` writes it; :func:`load_statistics` reads it back.

Examples
--------
>>> import tempfile
>>> from wavetex import ModelConfig, TextureStatistics, textures
>>> image = textures.load("gravel")[:64, :64]
>>> statistics = TextureStatistics(image, config=ModelConfig(n_scales=3))
>>> path = save_statistics(tempfile.mkdtemp() + "/gravel.npz", statistics, statistics(image).numpy())
>>> saved = load_statistics(path)
>>> saved.values.shape == (statistics.n_stats,), saved.config.n_scales, saved.provenance["versions"]["wavetex"] != ""
(True, 3, True)
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np

from .config import ModelConfig
from .files import PathLike, atomic_write, to_plain
from .provenance import versions
from .statistics import BLOCKS, StatisticsIndex, TextureStatistics

__all__ = ["SavedStatistics", "load_statistics", "save_statistics"]


@dataclasses.dataclass(frozen=True, eq=False)
class SavedStatistics:
    """A statistics file read back by :func:`load_statistics`.

    Attributes
    ----------
    values : ndarray of float64, shape (n_stats,)
    index : StatisticsIndex
        What each value is.
    config : ModelConfig
        The resolved model the statistics were computed with.
    provenance : dict
        Inputs and versions (always with ``"versions"``).
    """

    values: np.ndarray
    index: StatisticsIndex
    config: ModelConfig
    provenance: dict[str, Any]


def save_statistics(
    path: PathLike,
    statistics: TextureStatistics,
    values: np.ndarray,
    *,
    provenance: dict[str, Any] | None = None,
    overwrite: bool = False,
) -> Path:
    """Write ``values`` (the output of ``statistics``) with its index and model, atomically.

    Parameters
    ----------
    path : str or os.PathLike
        The .npz file; its folder must exist.
    statistics : TextureStatistics
        The model that computed ``values`` (its index and configuration are saved).
    values : ndarray, shape (n_stats,)
    provenance : dict, optional
        Where the values came from (inputs, options); the versions are added.
    overwrite : bool, keyword-only
        Replace an existing file (see :func:`wavetex.files.atomic_write`).
    """
    values = np.asarray(values, dtype=np.float64)
    if values.shape != (statistics.n_stats,):
        raise ValueError(
            f"values must hold the model's {statistics.n_stats} statistics, got shape {values.shape}; "
            "pass statistics(image) for one image"
        )
    index = {field.name: getattr(statistics.index, field.name) for field in dataclasses.fields(statistics.index)}
    record = {**to_plain(provenance or {}), "n_colours": statistics.n_colours, "versions": versions()}
    arrays = {
        "values": values,
        **index,
        "blocks": np.array(BLOCKS),
        "config": np.array(json.dumps(statistics.config.to_dict(), sort_keys=True)),
        "provenance": np.array(json.dumps(record, sort_keys=True)),
    }

    def write(temporary: Path) -> None:
        with open(temporary, "wb") as file:  # a file object: np.savez adds no suffix
            np.savez(file, **arrays)

    return atomic_write(path, write, overwrite=overwrite)


def load_statistics(path: PathLike) -> SavedStatistics:
    """Read a file written by :func:`save_statistics` (or ``wavetex stats``).

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ValueError
        The file is not a statistics file (the message names what is missing).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no statistics file at {str(path)!r}; check the path")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except (OSError, ValueError) as error:
        raise ValueError(f"{str(path)!r} is not an .npz statistics file ({error}); write one with wavetex stats") from None
    fields = [field.name for field in dataclasses.fields(StatisticsIndex)]
    missing = [name for name in ("values", "config", "provenance", *fields) if name not in arrays]
    if missing:
        raise ValueError(
            f"{str(path)!r} is not a wavetex statistics file (it lacks {', '.join(missing)}); write one with wavetex stats"
        )
    return SavedStatistics(
        values=arrays["values"],
        index=StatisticsIndex(**{name: arrays[name] for name in fields}),
        config=ModelConfig(**json.loads(str(arrays["config"]))),
        provenance=json.loads(str(arrays["provenance"])),
    )

