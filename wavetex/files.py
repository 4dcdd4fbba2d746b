"""Atomic files and JSON: every file wavetex writes appears complete or not at all.

:func:`atomic_write` writes through a temporary file in the destination folder that
then replaces the destination in one step, so an interrupted run never leaves a
half-written file behind; existing files are kept unless the caller passes
``overwrite=True``. :func:`write_json` and :func:`read_json` write and read JSON through
it, with one converter, :func:`to_plain`, for the values :mod:`json` does not know.

NaN policy
----------
Non-finite floats (NaN, infinities) become ``null`` (``None``) -- in every JSON file
wavetex writes and in every ``to_dict()`` view. That is the policy that round-trips:
the files are strict JSON (``allow_nan=False``) that any parser reads, and
``json.loads(json.dumps(to_plain(x))) == to_plain(x)`` holds, which a NaN literal
never satisfies (``nan != nan``; browsers' ``JSON.parse`` and ``jq`` reject it).
Readers treat ``None`` as "undefined".

Examples
--------
>>> import tempfile
>>> path = write_json(tempfile.mkdtemp() + "/run.json", {"loss": float("nan"), "seed": 3})
>>> read_json(path)
{'loss': None, 'seed': 3}
"""

from __future__ import annotations

import dataclasses
import errno
import json
import math
import os
import secrets
import stat
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ParameterError

__all__ = [
    "atomic_write",
    "check_folder",
    "check_outputs",
    "read_json",
    "resolve_path",
    "sidecar_path",
    "to_plain",
    "write_json",
]

PathLike = str | os.PathLike[str]


# ------------------------------------------------------------ paths and output checks


def resolve_path(path: PathLike) -> Path:
    """``path`` made absolute with every symbolic link followed, or a one-line error.

    Raises
    ------
    ValueError
        ``path`` is, or passes through, a symbolic link loop (where
        :meth:`pathlib.Path.resolve` raises a bare ``RuntimeError`` or ``OSError``).

    Examples
    --------
    >>> import tempfile
    >>> loop = Path(tempfile.mkdtemp()) / "loop.png"
    >>> loop.symlink_to(loop)
    >>> resolve_path(loop)
    Traceback (most recent call last):
    ...
    ValueError: '.../loop.png' is a symbolic link loop (it points back to itself); point the link at a real file, or pass another path.
    """
    resolved = Path(path).absolute()
    try:
        resolved = resolved.resolve()
        os.stat(resolved)  # a loop that resolve() left in place
    except (RuntimeError, OSError) as error:
        if isinstance(error, OSError) and error.errno != errno.ELOOP:
            return resolved  # missing, or below a file: for the caller to report
        raise ValueError(
            f"{str(path)!r} is a symbolic link loop (it points back to itself); point the link at "
            "a real file, or pass another path."
        ) from None
    return resolved


def check_folder(folder: PathLike, *, parameter: str = "output") -> None:
    """``folder`` must be an existing folder that accepts new files (tried, then cleaned up).

    ``parameter`` names the argument that chose the folder, for the message.

    Raises
    ------
    ParameterError
        The folder is missing, is a file (or lies below one), or refuses new files.

    Examples
    --------
    >>> import tempfile
    >>> check_folder(tempfile.mkdtemp())
    >>> check_folder("/no/such/folder")
    Traceback (most recent call last):
    ...
    wavetex.errors.ParameterError: the output folder '/no/such/folder' does not exist; create it first (mkdir -p /no/such/folder) or choose another path for output
    """
    folder = Path(folder)
    resolve_path(folder)
    if not folder.is_dir():
        existing = next((p for p in [folder, *folder.parents] if p.exists()), None)
        if existing is not None and not existing.is_dir():
            inside = "" if existing == folder else f", so it cannot hold the folder {str(folder)!r}"
            raise ParameterError(
                parameter, f"{str(existing)!r} is a file, not a folder{inside}; choose another path for {{}}",
                (parameter,),
            )
        raise ParameterError(
            parameter, f"the output folder {str(folder)!r} does not exist; create it first "
            f"(mkdir -p {folder}) or choose another path for {{}}", (parameter,),
        )
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise ParameterError(
            parameter, f"cannot write files in the output folder {str(folder)!r} ({error.strerror or error}); "
            "choose another folder for {}", (parameter,),
        ) from None


def check_outputs(
    targets: Iterable[PathLike],
    *,
    inputs: Iterable[PathLike] = (),
    overwrite: bool = False,
    parameter: str = "output",
) -> None:
    """Refuse, before any work, outputs that cannot or must not be written.

    An output that is an input (by any name, even with ``overwrite``), whose folder is
    missing, is a file or refuses new files, that is a folder, that is a symbolic link
    loop, or that exists while ``overwrite`` is False. ``parameter`` names the argument
    that chose the outputs, for the message.

    Raises
    ------
    ParameterError
        Naming the path and the fix.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> (folder / "in.png").write_bytes(b"pixels")
    6
    >>> check_outputs([folder / "out.png"], inputs=[folder / "in.png"])
    >>> check_outputs([folder / "in.png"], inputs=[folder / "in.png"], overwrite=True)
    Traceback (most recent call last):
    ...
    wavetex.errors.ParameterError: the output '.../in.png' is an input file, which is never overwritten (not even with overwrite=True); choose another path for output
    """
    inputs = [resolve_path(path) for path in inputs]
    for target in map(Path, targets):
        if resolve_path(target) in inputs:
            raise ParameterError(
                parameter, f"the output {str(target)!r} is an input file, which is never overwritten "
                "(not even with {}); choose another path for {}", ("overwrite", True), (parameter,),
            )
        check_folder(target.parent, parameter=parameter)
        if target.is_dir():
            raise ParameterError(parameter, f"the output {str(target)!r} is a folder; pass a file path for {{}}",
                                 (parameter,))
        if os.path.lexists(target) and not overwrite:
            raise ParameterError(
                "overwrite", f"{str(target)!r} already exists; pass {{}} to replace it, or choose another "
                "path for {}", ("overwrite", True), (parameter,),
            )


# ------------------------------------------------------------ atomic files


def atomic_write(
    path: PathLike,
    writer: Callable[[Path], None],
    *,
    overwrite: bool = False,
) -> Path:
    """Create ``path`` through a temporary file, so it appears complete or not at all.

    ``writer`` receives the path of an empty temporary file in the folder of
    ``path`` (its name ends with the same suffix) and must write the whole
    content there. When it returns, the temporary file is flushed to disk and
    moved onto ``path`` in one step; when it raises, the temporary file is
    deleted and the error propagates, leaving ``path`` as it was.

    Parameters
    ----------
    path : str or os.PathLike
        Destination file. Its folder must exist.
    writer : callable
        ``writer(temporary_path)``; its return value is ignored.
    overwrite : bool, keyword-only
        Replace an existing ``path`` (keeping its permission bits). Without
        it, an existing file is never replaced, even one created by another
        process while ``writer`` runs (where the file system has hard links).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    FileNotFoundError
        The folder of ``path`` does not exist.
    FileExistsError
        ``path`` exists and ``overwrite`` is False.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "note.txt"
    >>> atomic_write(path, lambda temporary: temporary.write_text("done")).read_text()
    'done'
    """
    path = Path(path)
    folder = path.parent
    if not folder.exists():
        raise FileNotFoundError(
            f"the output folder {str(folder)!r} does not exist; create it first "
            f"(e.g. mkdir -p {folder}) or choose another path."
        )
    if not folder.is_dir():
        raise NotADirectoryError(
            f"{str(folder)!r} is not a folder, so {str(path)!r} cannot be written."
        )
    if path.is_dir():
        raise IsADirectoryError(f"{str(path)!r} is a folder; pass a file path.")
    if path.exists() and not overwrite:
        raise FileExistsError(_exists_message(path))
    temporary_path = _create_temporary_file(path)
    try:
        writer(temporary_path)
        _flush_to_disk(temporary_path)
        if overwrite:
            if path.exists():
                os.chmod(temporary_path, stat.S_IMODE(path.stat().st_mode))
            os.replace(temporary_path, path)
        else:
            _move_without_replacing(temporary_path, path)
    finally:
        try:
            temporary_path.unlink()
        except FileNotFoundError:
            pass
    return path


def _exists_message(path: Path) -> str:
    return (
        f"{str(path)!r} already exists and was left unchanged; pass overwrite=True "
        "to replace it, or choose another path."
    )


def _create_temporary_file(path: Path) -> Path:
    """Create an empty, hidden file next to ``path``, with default permissions."""
    for _ in range(100):
        candidate = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp{path.suffix}")
        try:
            descriptor = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        except OSError as error:  # name the folder, not our temporary file
            raise type(error)(
                f"cannot write files in the folder {str(path.parent)!r} ({error.strerror}), so "
                f"{str(path)!r} cannot be written; choose another folder."
            ) from None
        os.close(descriptor)
        return candidate
    raise FileExistsError(f"could not create a temporary file next to {str(path)!r}")


def _flush_to_disk(path: Path) -> None:
    with open(path, "rb+") as file:
        os.fsync(file.fileno())


def _move_without_replacing(temporary_path: Path, path: Path) -> None:
    """Move ``temporary_path`` to ``path``, failing if ``path`` exists."""
    try:
        os.link(temporary_path, path)  # atomic and refuses to replace
    except FileExistsError:
        raise FileExistsError(_exists_message(path)) from None
    except OSError:  # this file system has no hard links
        if path.exists():
            raise FileExistsError(_exists_message(path)) from None
        os.replace(temporary_path, path)


# -------------------------------------------------------------------- JSON


def write_json(path: PathLike, data: Any, *, overwrite: bool = False) -> Path:
    """Write ``data`` as indented JSON with sorted keys, atomically.

    Values go through :func:`to_plain`: numpy scalars and arrays, paths, sets,
    dataclasses and objects with a ``tolist()`` method (such as tensors) become plain
    JSON values, and non-finite floats become ``null`` (the module's NaN policy).

    Parameters
    ----------
    path : str or os.PathLike
        Destination file; its folder must exist.
    data : object
        JSON-serialisable data (see above for the extra types understood).
    overwrite : bool, keyword-only
        Replace an existing file (see :func:`atomic_write`).

    Returns
    -------
    pathlib.Path
        The path written.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> path = tempfile.mkdtemp() + "/run.json"
    >>> _ = write_json(path, {"seed": np.int64(3), "loss": np.float32(0.5)})
    >>> read_json(path)
    {'loss': 0.5, 'seed': 3}
    """
    text = json.dumps(to_plain(data), indent=2, sort_keys=True, allow_nan=False) + "\n"

    def writer(temporary_path: Path) -> None:
        temporary_path.write_text(text, encoding="utf-8")

    return atomic_write(path, writer, overwrite=overwrite)


def to_plain(value: Any) -> Any:
    """Turn ``value`` into plain JSON data: the one converter of every file and view.

    Dicts, lists and tuples are converted item by item; numpy scalars and arrays,
    objects with ``tolist()`` (tensors) and dataclasses become numbers, lists and
    dicts; paths become strings; sets become sorted lists; numpy dtypes their name.
    Non-finite floats become ``None`` (see "NaN policy" above).

    Raises
    ------
    TypeError
        For any other type, naming it.

    Examples
    --------
    >>> to_plain({"shape": np.array([2, 3]), "error": np.float32("nan"), "ok": np.bool_(True)})
    {'shape': [2, 3], 'error': None, 'ok': True}
    """
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {key if isinstance(key, str) else to_plain(key): to_plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(item) for item in value]
    if isinstance(value, (set, frozenset)):
        items = [to_plain(item) for item in value]
        try:
            return sorted(items)
        except TypeError:
            return items
    if isinstance(value, np.dtype):
        return str(value)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_plain(dataclasses.asdict(value))
    if isinstance(value, (np.generic, np.ndarray)) or callable(getattr(value, "tolist", None)):
        return to_plain(value.tolist())
    raise TypeError(
        f"cannot write a {type(value).__name__} to JSON; convert it to numbers, strings, "
        "lists or dicts first."
    )


def read_json(path: PathLike) -> Any:
    """Read a JSON file.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ValueError
        The file is not valid JSON; the message gives line and column.

    Examples
    --------
    >>> import tempfile
    >>> path = write_json(tempfile.mkdtemp() + "/a.json", {"n_scales": 4})
    >>> read_json(path)["n_scales"]
    4
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no JSON file at {str(path)!r}; check the path.")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(
            f"{str(path)!r} is not valid JSON (line {error.lineno}, column {error.colno}: "
            f"{error.msg}); was it written completely?"
        ) from error


def sidecar_path(image_path: PathLike) -> Path:
    """Path of the JSON sidecar of an image: the same path with suffix ``.json``.

    Examples
    --------
    >>> sidecar_path("results/marble_synth.png").as_posix()
    'results/marble_synth.json'
    """
    image_path = Path(image_path)
    if image_path.suffix.lower() == ".json":
        raise ValueError(
            f"{str(image_path)!r} already ends in .json; pass the path of the image, "
            "not of its sidecar."
        )
    return image_path.with_suffix(".json")
