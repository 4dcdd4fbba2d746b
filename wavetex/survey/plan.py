"""Survey plans: a TOML file that names textures, seeds, sizes, schedules and models,
parsed and checked into frozen jobs, each with a key that identifies its result.

A job is one texture × seed × size × schedule × model. Its key hashes the exemplar's
pixels, the job's whole configuration and the wavetex version, so a finished job is
recognised on disk whatever the plan that asked for it, and a changed image, option or
version gives a new job instead of a stale result.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__, _validate, textures
from .. import io as wio
from ..errors import ArgumentMessage
from ..memorization import calibrate, default_crop_size
from ..config import DTYPES, INITS, OBJECTIVES, SCHEDULES, ModelConfig, SynthesisConfig, check_run, parse_size

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = ["Exemplar", "Job", "Plan", "build_plan", "fit_exemplar", "parse_plan", "read_plan", "parse_size"]

#: How a plan's ``exemplar_sizes`` shrinks an image: the centre crop, or the whole image
#: downscaled (anti-aliased).
EXEMPLAR_FITS = ("crop", "downscale")

#: Keys a plan may hold, with what each means (the error for an unknown key lists them).
PLAN_KEYS = {
    "textures": "bundled texture names or image paths (required)",
    "seeds": "list of seeds (default [0])",
    "sizes": 'output sizes as "WxH" or N (default: each exemplar\'s size)',
    "exemplar_sizes": 'make each texture\'s exemplar this size first, as "WxH" or N; one exemplar per size '
                      "(default: the image as it is)",
    "exemplar_fit": f"how an exemplar is made smaller for exemplar_sizes: {' or '.join(map(repr, EXEMPLAR_FITS))} "
                    '(default "crop")',
    "schedules": f"list of {', '.join(SCHEDULES)} (default [\"default\"])",
    "models": "tables [models.NAME] of model options (default: one model \"paper\")",
    "max_iter": "cap on L-BFGS iterations (optional)",
    "coarse_iter": "iterations of the coarse stage at half resolution, 0 for none (default: the schedule's)",
    "probe_every": "probe every N iterations (optional)",
    "gray": "synthesise colour textures in gray (default false)",
    "init": f"starting images, one of {', '.join(INITS)} (default \"noise\")",
    "dtype": f"one of {', '.join(DTYPES)} (default \"float32\")",
    "objective": f"one of {', '.join(OBJECTIVES)} (default \"periodic\")",
    "title": "heading of index.html (optional)",
}
_MODEL_FIELDS = tuple(f.name for f in dataclasses.fields(ModelConfig))
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class Exemplar:
    """A texture of the plan: its name as written, its file and its pixels' digest."""

    name: str
    path: Path
    sha256: str
    shape: tuple[int, ...]

    @property
    def stem(self) -> str:
        return _UNSAFE.sub("_", Path(self.name).stem) or "texture"


@dataclass(frozen=True)
class Job:
    """One synthesis of the survey: ``config`` has ``n_samples=1`` and the job's seed."""

    key: str
    texture: str
    model: str
    config: SynthesisConfig
    gray: bool
    exemplar_sha256: str
    #: The texture as the plan names it and how its exemplar was made (``exemplar_sizes``):
    #: ``{"texture": "gravel", "fit": "crop", "size": [64, 64]}``; None for the image as it is.
    exemplar_fit: Mapping[str, Any] | None = None

    @property
    def source_texture(self) -> str:
        """The texture as the plan names it (``texture`` adds the exemplar's size when the
        plan shrinks it)."""
        return self.exemplar_fit["texture"] if self.exemplar_fit else self.texture

    def to_dict(self) -> dict[str, Any]:
        """The job as plain data (what the key hashes, plus the names)."""
        return {
            "key": self.key, "texture": self.texture, "source_texture": self.source_texture, "model": self.model,
            "gray": self.gray, "exemplar_sha256": self.exemplar_sha256, "config": self.config.to_dict(),
            **({"exemplar_fit": dict(self.exemplar_fit)} if self.exemplar_fit else {}),
        }

    def describe(self) -> str:
        """One line for people: texture, model, size, schedule, seed."""
        height, width = self.config.size
        return f"{self.texture} · {self.model} · {width}x{height} · {self.config.schedule} · seed {self.config.seed}"


@dataclass(frozen=True)
class Plan:
    """A checked plan: its exemplars (pixels included) and its jobs, in plan order.

    Build one with :func:`read_plan` (a TOML file) or :func:`parse_plan` (a mapping).
    """

    exemplars: tuple[Exemplar, ...]
    jobs: tuple[Job, ...]
    pixels: Mapping[str, np.ndarray] = dataclasses.field(repr=False, compare=False)
    probe_every: int | None = None
    title: str = "wavetex memorization survey"


def job_key(exemplar: Exemplar, config: SynthesisConfig, *, gray: bool, model: str) -> str:
    """Readable prefix + 16 hex digits of SHA-256 over the pixels' digest, the whole
    configuration (the named schedule's definition included) and the wavetex version."""
    content = {
        "exemplar_sha256": exemplar.sha256, "config": config.to_dict(),
        "schedule": dataclasses.asdict(SCHEDULES[config.schedule]), "gray": gray, "wavetex": __version__,
    }
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:16]
    height, width = config.size
    label = _UNSAFE.sub("_", model)
    return f"{exemplar.stem}-{label}-{width}x{height}-{config.schedule}-seed{config.seed}-{digest}"


def read_plan(path: str | Path) -> Plan:
    """Read and check a TOML plan; relative image paths are relative to the plan's folder.

    Raises
    ------
    FileNotFoundError, ValueError, TypeError
        With a one-line message that names the fix; nothing has run yet.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"plan {str(path)!r} does not exist; pass the path of a TOML plan file")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"plan {str(path)!r} is not valid TOML ({error}); fix the file") from None
    except UnicodeDecodeError:
        raise ValueError(f"plan {str(path)!r} is not a UTF-8 text file; pass a TOML plan") from None
    return parse_plan(data, base_dir=path.parent)


def parse_plan(data: Mapping[str, Any], *, base_dir: str | Path = ".") -> Plan:
    """Check a plan given as a mapping (the TOML's content) and expand it into jobs.

    Every texture is read and every (texture, size, model) combination is checked
    here, so that a bad plan fails before any job runs.

    Examples
    --------
    >>> plan = parse_plan({"textures": ["gravel"], "seeds": [0, 1], "sizes": ["64x64"],
    ...                    "max_iter": 5, "models": {"small": {"n_scales": 3}}})
    >>> [job.describe() for job in plan.jobs]
    ['gravel · small · 64x64 · default · seed 0', 'gravel · small · 64x64 · default · seed 1']
    """
    if not isinstance(data, Mapping):
        raise TypeError(f"a plan must be a table of keys, got {type(data).__name__}")
    unknown = sorted(set(data) - set(PLAN_KEYS))
    if unknown:
        known = "; ".join(f"{k}: {v}" for k, v in PLAN_KEYS.items())
        raise ValueError(f"unknown plan key(s) {', '.join(map(repr, unknown))}; a plan may hold {known}")
    if "textures" not in data:
        raise ValueError('the plan names no textures; add e.g. textures = ["gravel", "photos/bark.png"]')
    names = _list(data, "textures", str)
    seeds = _list(data, "seeds", int, default=[0])
    for seed in seeds:
        if seed < 0:
            raise ValueError(f"seeds must be non-negative integers, got {seed}; use e.g. seeds = [0, 1]")
    sizes = [parse_size(s) for s in _list(data, "sizes", (str, int), default=[])] or [None]
    schedules = _list(data, "schedules", str, default=["default"])
    for schedule in schedules:
        if schedule not in SCHEDULES:
            raise ValueError(f"schedules: unknown schedule {schedule!r}; use some of {', '.join(SCHEDULES)}")
    max_iter, coarse_iter, probe_every = data.get("max_iter"), data.get("coarse_iter"), data.get("probe_every")
    gray = data.get("gray", False)
    if not isinstance(gray, bool):
        raise TypeError(f"gray must be true or false, got {gray!r}")
    init, dtype, objective = data.get("init", "noise"), data.get("dtype", "float32"), data.get("objective", "periodic")
    title = data.get("title", Plan.title)
    if not isinstance(title, str):
        raise TypeError(f"title must be a string, got {title!r}")
    models = _models(data.get("models", {"paper": {}}))

    exemplar_sizes = [parse_size(s) for s in _list(data, "exemplar_sizes", (str, int), default=[])]
    fit = data.get("exemplar_fit", "crop")  # checked by fit_exemplar
    if "exemplar_fit" in data and not exemplar_sizes:
        raise ValueError('exemplar_fit needs exemplar_sizes; add e.g. exemplar_sizes = [64, 128], or drop exemplar_fit')

    base_dir = Path(base_dir)
    read = {}
    for name in names:
        path = textures.resolve_source(name, base_dir=base_dir, base_dir_name="the plan's folder").path
        read[name] = (path, wio.read_image(path, mode="gray" if gray else "auto"))
    images, fits = ({}, {}) if exemplar_sizes else (read, {})
    for height, width in exemplar_sizes:  # smallest exemplars first when listed so: the cheap jobs run first
        for name, (path, image) in read.items():
            label = f"{name}@{width}x{height}" + ("" if fit == "crop" else "-downscaled")
            images[label] = (path, fit_exemplar(image, (height, width), fit=fit, name=name))
            fits[label] = {"texture": name, "fit": fit, "size": [height, width]}
    configs = [
        (model_name, _config(size=size, schedule=schedule, max_iter=max_iter, coarse_iter=coarse_iter, init=init,
                             dtype=dtype, objective=objective, probe_every=probe_every, model=model))
        for size in sizes for model_name, model in models for schedule in schedules
    ]
    return build_plan(images, configs, seeds=seeds, gray=gray, title=title, exemplar_fits=fits)


def fit_exemplar(image: np.ndarray, size: tuple[int, int], *, fit: str = "crop", name: str = "image") -> np.ndarray:
    """``image`` made ``size`` (height, width): its centre crop, or the whole image
    downscaled with anti-aliasing.

    Examples
    --------
    >>> image = np.arange(16.0).reshape(4, 4) / 15
    >>> fit_exemplar(image, (2, 2)) * 15
    array([[ 5.,  6.],
           [ 9., 10.]])
    >>> fit_exemplar(image, (2, 2), fit="downscale").shape
    (2, 2)
    """
    if fit not in EXEMPLAR_FITS:
        raise ValueError(f"exemplar_fit must be one of {', '.join(map(repr, EXEMPLAR_FITS))}, got {fit!r}")
    height, width = size
    if height > image.shape[0] or width > image.shape[1]:
        raise ValueError(
            f"{name}: cannot make a {image.shape[1]}x{image.shape[0]} image {width}x{height}; exemplar_sizes may "
            f"only shrink an image, ask for at most {image.shape[1]}x{image.shape[0]}"
        )
    if fit == "crop":
        top, left = (image.shape[0] - height) // 2, (image.shape[1] - width) // 2
        return np.ascontiguousarray(image[top:top + height, left:left + width])
    from skimage.transform import resize

    shape = (height, width) + image.shape[2:]
    return np.clip(resize(image, shape, order=1, anti_aliasing=True, preserve_range=True), 0, 1).astype(image.dtype)


def build_plan(
    images: Mapping[str, tuple[Path, np.ndarray]],
    configs: Sequence[tuple[str, SynthesisConfig]],
    *,
    seeds: Sequence[int],
    gray: bool = False,
    title: str = Plan.title,
    exemplar_fits: Mapping[str, Mapping[str, Any]] | None = None,
) -> Plan:
    """Jobs for every texture × configuration × seed, in that order, after checking them.

    ``images`` maps a texture's name to its file and pixels (as read by
    :func:`wavetex.io.read_image`); ``configs`` pairs a model's name with a
    :class:`~wavetex.SynthesisConfig` whose ``n_samples`` and ``seed`` are replaced by
    each job's (one sample, one seed). A ``size`` of None is the exemplar's size.
    ``exemplar_fits`` tells, per texture name, how its exemplar was made from the
    texture the plan names (see :attr:`Job.exemplar_fit`).

    Examples
    --------
    >>> from wavetex import textures
    >>> image = textures.load("gravel")
    >>> plan = build_plan({"gravel": (textures.path("gravel"), image)},
    ...                   [("small", SynthesisConfig(size=(64, 64), model=ModelConfig(n_scales=3)))], seeds=[3])
    >>> plan.jobs[0].config.seed, plan.jobs[0].config.n_samples
    (3, 1)
    """
    exemplars, pixels, jobs = [], {}, []
    for name, (path, image) in images.items():
        _validate.exemplar(image)  # flat, non-finite or out-of-range images
        calibrate(image)  # the probe's own size check (exemplar >= 64 pixels a side); cached
        digest = hashlib.sha256(repr(image.shape).encode() + np.ascontiguousarray(image).tobytes()).hexdigest()
        exemplar = Exemplar(name, Path(path), digest, image.shape)
        exemplars.append(exemplar)
        pixels[name] = image
        for model_name, template in configs:
            size = tuple(template.size) if template.size is not None else tuple(image.shape[:2])
            _check_size(exemplar, replace(template, size=size, n_samples=1), model_name)
            for seed in seeds:
                config = replace(template, size=size, n_samples=1, seed=seed)
                key = job_key(exemplar, config, gray=gray, model=model_name)
                jobs.append(Job(key, exemplar.name, model_name, config, gray, exemplar.sha256,
                                (exemplar_fits or {}).get(name)))
    probe_every = next((c.probe_every for _, c in configs if c.probe_every is not None), None)
    return Plan(tuple(exemplars), tuple(jobs), pixels, probe_every, title)


def _config(**options: Any) -> SynthesisConfig:
    """A job's configuration (checked as it is built), its errors spelled as in a plan."""
    try:
        return SynthesisConfig(**options)
    except (TypeError, ValueError) as error:
        raise (TypeError if isinstance(error, TypeError) else ValueError)(_as_written_in_a_plan(error)) from None


def _list(data: Mapping[str, Any], name: str, kind: type | tuple[type, ...], default: list | None = None) -> list:
    if name not in data:
        return list(default)
    values = data[name]
    if not isinstance(values, list) or not values:
        raise TypeError(f"{name} must be a non-empty list, got {values!r}; write e.g. {name} = {PLAN_EXAMPLES[name]}")
    for value in values:
        if isinstance(value, bool) or not isinstance(value, kind):
            raise TypeError(f"{name}: {value!r} is not valid; write e.g. {name} = {PLAN_EXAMPLES[name]}")
    if len(set(values)) != len(values):
        raise ValueError(f"{name} lists {sorted({v for v in values if values.count(v) > 1})} twice; list each once")
    return values


PLAN_EXAMPLES = {
    "textures": '["gravel", "photos/bark.png"]', "seeds": "[0, 1]", "sizes": '["256x256"]',
    "exemplar_sizes": "[64, 128]",
    "schedules": '["default"]',
}


def _models(table: Any) -> list[tuple[str, ModelConfig]]:
    if not isinstance(table, Mapping) or not table:
        raise TypeError('models must hold tables like [models.paper] or [models.no_shifts] with shifts = "none"')
    models = []
    for name, options in table.items():
        if not isinstance(options, Mapping):
            raise TypeError(f"models.{name} must be a table of model options ([models.{name}]), got {options!r}")
        unknown = sorted(set(options) - set(_MODEL_FIELDS))
        if unknown:
            raise ValueError(
                f"models.{name}: unknown option(s) {', '.join(unknown)}; model options are {', '.join(_MODEL_FIELDS)}"
            )
        try:
            model = ModelConfig(**options)  # checks every option
        except (TypeError, ValueError) as error:
            raise (TypeError if isinstance(error, TypeError) else ValueError)(
                f"models.{name}: {_as_written_in_a_plan(error)}") from None
        models.append((name, model))
    return models


def _toml_spelling(name: str, *value: Any) -> str:
    """An option as a plan writes it: ``n_scales = 3``, ``shifts = "none"``."""
    return name if not value else f"{name} = {json.dumps(value[0])}"


def _as_written_in_a_plan(error: Exception) -> str:
    """The message of a library error with its arguments spelled as in a plan."""
    return error.message(_toml_spelling) if isinstance(error, ArgumentMessage) else str(error)


def _check_size(exemplar: Exemplar, config: SynthesisConfig, model_name: str) -> None:
    size = config.size
    try:
        check_run(config, exemplar.shape[:2], 3 if len(exemplar.shape) == 3 else 1)
    except ValueError as error:
        raise ValueError(f"{exemplar.name} with models.{model_name}: {_as_written_in_a_plan(error)}") from None
    crop = default_crop_size(exemplar.shape)
    if min(size) < crop:
        raise ValueError(
            f"{exemplar.name}: a {size[1]}x{size[0]} synthesis is smaller than one probe crop ({crop}x{crop}, "
            "a quarter of the exemplar's side); ask for a larger size"
        )
