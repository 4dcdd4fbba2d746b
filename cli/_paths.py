"""Inputs and outputs of the commands: reading a source, checking outputs before any work.

The checks themselves are the library's (:func:`wavetex.files.check_outputs`,
:func:`wavetex.files.check_folder`); their errors name the command's ``-o`` and
``--force`` through :mod:`._errors`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from pathlib import Path

import click
import numpy as np

from wavetex import files
from wavetex import io as wio
from wavetex.textures import Source


def read(source: Source, *, gray: bool) -> np.ndarray:
    """The image as float64 in [0, 1]: (H, W), or (H, W, 3) unless ``gray``."""
    return wio.read_image(source.path, mode="gray" if gray else "auto")


def check_image_suffix(path: Path, bit_depth: int) -> None:
    """The output's suffix must name an image format that holds ``bit_depth`` bits."""
    image_format = wio.IMAGE_SUFFIXES.get(path.suffix.lower())
    if image_format is None:
        raise click.ClickException(
            f"cannot tell the image format of {str(path)!r} from its suffix; "
            f"end the output name with one of {', '.join(wio.IMAGE_SUFFIXES)}"
        )
    sixteen_bit = [s for s, f in wio.IMAGE_SUFFIXES.items() if f in wio.SIXTEEN_BIT_FORMATS]
    if bit_depth == 16 and image_format not in wio.SIXTEEN_BIT_FORMATS:
        raise click.ClickException(
            f"{image_format} holds 8 bits per sample only; use --bit-depth 8 or an output "
            f"ending in {', '.join(sixteen_bit)}"
        )


def check_output_folder(out_dir: Path, targets: Iterable[Path], inputs: Iterable[Path], *, overwrite: bool) -> None:
    """For commands whose ``-o`` is a folder (made later, once there is work to put in it):
    it must not be a file, its parent must accept it, and the files it already holds
    must be replaceable."""
    files.resolve_path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise click.ClickException(f"{str(out_dir)!r} is a file; pass a folder with -o")
    files.check_folder(out_dir.parent, parameter="out_dir")
    if out_dir.is_dir():
        files.check_outputs(targets, inputs=inputs, overwrite=overwrite, parameter="out_dir")


@contextlib.contextmanager
def new_folder(folder: Path) -> Iterator[Path]:
    """Create ``folder`` if missing; if what follows fails, remove it again when it was
    created here and is still empty, so no empty folder is left behind."""
    created = not folder.exists()
    folder.mkdir(exist_ok=True)
    try:
        yield folder
    except BaseException:
        if created and not any(folder.iterdir()):
            folder.rmdir()
        raise
