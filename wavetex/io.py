"""Read and write images, atomically and with clear errors.

Images travel through wavetex as float64 numpy arrays with values in [0, 1]:
shape (H, W) for gray images and (H, W, 3) for colour images (channels last).
:func:`read_image` turns any common image file into that form and
:func:`write_image` turns it back into an 8- or 16-bit file. Every writer in
this module is atomic (:func:`wavetex.files.atomic_write`): an interrupted run
never leaves a half-written file behind. Existing files are kept unless the
caller passes ``overwrite=True``.

Atomic files and JSON live in :mod:`wavetex.files`; ``atomic_write``,
``read_json``, ``write_json``, ``sidecar_path`` and ``to_plain`` are re-exported
here for callers of ``wavetex.io``.

Formats
-------
Pillow does most of the work. Two cases need another library, because Pillow
has no 16-bit colour image mode (it reads such files as 8 bits):

* 16-bit colour PNG (RGB, RGBA, gray + alpha): read and written with ``pypng``.
* 16-bit colour TIFF: read and written with ``tifffile``, a dependency of
  scikit-image.

EXIF orientation is applied with :func:`PIL.ImageOps.exif_transpose`, on the
Pillow image or, for the two cases above, on each channel.

Images larger than :data:`MAX_PIXELS` are refused from the file's header,
before any pixel is decoded.

JPEG, BMP and WebP hold 8 bits per sample only; asking :func:`write_image`
for 16 bits in those formats raises a :class:`ValueError`.

Examples
--------
>>> import tempfile, numpy as np
>>> from wavetex.io import read_image, write_image
>>> folder = tempfile.mkdtemp()
>>> image = np.linspace(0.0, 1.0, 12).reshape(3, 4)
>>> path = write_image(f"{folder}/ramp.png", image, bit_depth=16)
>>> bool(np.allclose(read_image(path), image, atol=1 / 65535))
True
"""

from __future__ import annotations

import os
import struct
import warnings
import zlib
from pathlib import Path
from typing import Any, Literal

import numpy as np
import png
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from .files import atomic_write, read_json, resolve_path, sidecar_path, to_plain, write_json

__all__ = [
    "IMAGE_SUFFIXES",
    "MAX_PIXELS",
    "SIXTEEN_BIT_FORMATS",
    "atomic_write",
    "read_image",
    "read_json",
    "sidecar_path",
    "to_plain",
    "write_image",
    "write_json",
]

PathLike = str | os.PathLike[str]
ReadMode = Literal["auto", "gray", "rgb"]

IMAGE_SUFFIXES: dict[str, str] = {
    ".png": "PNG",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".bmp": "BMP",
    ".webp": "WEBP",
}
"""File suffixes :func:`write_image` understands, and the format each selects."""

SIXTEEN_BIT_FORMATS = ("PNG", "TIFF")
_READ_MODES = ("auto", "gray", "rgb")
_EXIF_ORIENTATION = 0x0112

MAX_PIXELS = 4096 * 4096
"""Most pixels :func:`read_image` decodes (16.8 megapixels: 4096 × 4096, or a 12-megapixel
photo). Larger images are refused from their header, before decoding; downscale or crop
them first. Pass ``max_pixels`` to :func:`read_image` to move the limit."""

# Options that keep as much of the image as each format allows.
_SAVE_OPTIONS: dict[str, dict[str, Any]] = {
    "PNG": {},
    "TIFF": {"compression": "tiff_adobe_deflate"},
    "JPEG": {"quality": 95, "subsampling": 0},  # 4:4:4, no chroma subsampling
    "BMP": {},
    "WEBP": {"lossless": True},
}

# Errors from Pillow, zlib, struct and tifffile that mean "this is not a
# complete, decodable image". FileNotFoundError and PermissionError are
# re-raised unchanged (see read_image).
_DECODE_ERRORS = (
    OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error, IndexError, png.Error
)


class _UnsupportedImage(ValueError):
    """A decodable image whose content wavetex does not accept (not wrapped)."""


# ---------------------------------------------------------------- reading


def read_image(path: PathLike, *, mode: ReadMode = "auto", max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Read an image file into a float64 array with values in [0, 1].

    Parameters
    ----------
    path : str or os.PathLike
        PNG, JPEG, TIFF, BMP or WebP file (any other format Pillow reads works
        too). 8- and 16-bit samples; gray, gray + alpha, RGB, RGBA and palette
        images. Only the first frame of multi-frame files is read.
    mode : {"auto", "gray", "rgb"}, keyword-only
        ``"auto"`` keeps the file's colour layout (palette images whose
        palette is all gray count as gray); ``"gray"`` averages R, G and B
        with equal weights (the plain mean, the convention of the wavetex
        model, not a luminance formula); ``"rgb"`` repeats a gray image in
        three channels.
    max_pixels : int, keyword-only
        Refuse images with more pixels than this (default :data:`MAX_PIXELS`),
        checked on the file's header before decoding.

    Returns
    -------
    numpy.ndarray
        float64, C-contiguous, shape (H, W) for gray or (H, W, 3) for colour.
        Samples are divided by the largest value of their bit depth (255 or
        65535). The EXIF orientation tag, if any, is applied.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ValueError
        The file is not a readable image (unknown format, corrupted or
        truncated), is larger than ``max_pixels``, holds values wavetex does
        not accept (NaN, floats outside [0, 1], more than 16 bits), or ``mode``
        is not one of the three choices.
    RuntimeError
        ``PIL.ImageFile.LOAD_TRUNCATED_IMAGES`` was set to True by someone
        else, which would let truncated files load silently.

    Warns
    -----
    UserWarning
        The image has an alpha channel or a transparent colour; transparency
        is dropped and only the colour channels are used.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from PIL import Image
    >>> path = tempfile.mkdtemp() + "/red.png"
    >>> Image.new("RGB", (4, 2), (255, 0, 0)).save(path)
    >>> read_image(path).shape
    (2, 4, 3)
    >>> read_image(path, mode="gray")[0, 0]  # mean of (1, 0, 0)
    np.float64(0.3333333333333333)
    """
    if mode not in _READ_MODES:
        raise ValueError(f"mode must be one of {_READ_MODES}; got {mode!r}.")
    path = Path(path)
    resolved = resolve_path(path)  # a symbolic link loop: ValueError
    if not path.exists():
        raise FileNotFoundError(
            f"no image file at {str(path)!r} (looked in {resolved.parent}); check the path."
        )
    if path.is_dir():
        raise IsADirectoryError(f"{str(path)!r} is a folder; pass the path of an image file.")
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        # Another library switched Pillow into accepting partial files. We do
        # not touch that global setting, but refuse to work on its results.
        raise RuntimeError(
            "PIL.ImageFile.LOAD_TRUNCATED_IMAGES is True, so truncated image files would "
            "load silently; set it back to False before calling read_image."
        )
    # Decoders warn about some broken files before failing on them; keep those
    # warnings back, and pass them on only if the image turns out readable.
    with warnings.catch_warnings(record=True) as decoder_warnings:
        warnings.simplefilter("always")
        try:
            pixels, maximum, transparency = _decode(path, max_pixels)
        except (FileNotFoundError, PermissionError, _UnsupportedImage):
            raise
        except Image.DecompressionBombError as error:  # Pillow's own, larger limit
            raise _too_many_pixels(path, None, max_pixels, str(error)) from None
        except _DECODE_ERRORS as error:
            error_type = type(error).__name__
            if type(error).__module__ != "builtins":
                error_type = f"{type(error).__module__}.{error_type}"
            raise ValueError(
                f"{str(path)!r} is not a readable image ({error_type}: {error}). "
                "Expected a complete PNG, JPEG, TIFF, BMP or WebP file; check that the file "
                "is an image and was copied or downloaded completely."
            ) from error
    for decoder_warning in decoder_warnings:
        warnings.warn(decoder_warning.message, decoder_warning.category, stacklevel=2)
    if transparency is not None:
        warnings.warn(
            f"{str(path)!r} has {transparency}; wavetex ignores transparency and uses "
            "the colour channels only. Flatten the image onto a background first if "
            "transparent pixels matter.",
            UserWarning,
            stacklevel=2,
        )
    image = pixels.astype(np.float64) / maximum
    if mode == "gray" and image.ndim == 3:
        image = image.mean(axis=2)
    elif mode == "rgb" and image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    return np.ascontiguousarray(image)


def _decode(path: Path, max_pixels: int) -> tuple[np.ndarray, float, str | None]:
    """Decode ``path`` into ``(samples, full-scale value, transparency note)``.

    ``samples`` has shape (H, W) or (H, W, 3) with any alpha removed;
    ``transparency note`` describes the dropped alpha, or is None.
    """
    try:
        opened = Image.open(path)  # reads the header only
    except UnidentifiedImageError:
        if _is_tiff(path):  # a TIFF layout Pillow does not know, such as float RGB
            return _decode_tiff_with_tifffile(path, max_pixels)
        raise
    with opened:
        width, height = opened.size
        if width * height > max_pixels:
            raise _too_many_pixels(path, (width, height), max_pixels)
        if opened.format == "PNG" and _png_is_16_bit_colour(path):
            samples = _read_png_with_pypng(path)
            return _split_alpha(_exif_transposed(samples, _png_exif(path)), 65535.0)
        if opened.format == "TIFF" and _tiff_is_wide_colour(opened):
            return _decode_tiff_with_tifffile(path, max_pixels)
        opened.load()
        image = ImageOps.exif_transpose(opened)
    return _pillow_samples(image)


def _too_many_pixels(
    path: Path, size: tuple[int, int] | None, max_pixels: int, detail: str = ""
) -> _UnsupportedImage:
    side = int(max_pixels**0.5)
    found = (
        f"is {size[0]}×{size[1]} pixels (width×height, {size[0] * size[1] / 1e6:.1f} megapixels)"
        if size is not None
        else f"claims too many pixels ({detail.rstrip('.')})"
    )
    return _UnsupportedImage(
        f"{str(path)!r} {found}; wavetex reads images of at most {max_pixels:,} pixels "
        f"({max_pixels / 1e6:.1f} megapixels, e.g. {side}×{side}). Downscale or crop it first, "
        f"e.g. magick {path.name} -resize {side}x{side} smaller.png, or with Pillow "
        f"image.thumbnail(({side}, {side}))."
    )


def _pillow_samples(image: Image.Image) -> tuple[np.ndarray, float, str | None]:
    """Samples of a loaded Pillow image, alpha split off (see :func:`_decode`)."""
    image_mode = image.mode
    colour_key = "transparency" in image.info and image_mode not in ("P", "PA")
    if image_mode in ("P", "PA"):
        has_alpha = image_mode == "PA" or "transparency" in image.info
        converted = np.asarray(image.convert("RGBA" if has_alpha else "RGB"))
        red, green, blue = converted[..., 0], converted[..., 1], converted[..., 2]
        if not has_alpha and np.array_equal(red, green) and np.array_equal(red, blue):
            return red, 255.0, None  # gray palette
        return _split_alpha(converted, 255.0)
    if image_mode == "1":
        return np.asarray(image.convert("L")), 255.0, None
    if image_mode in ("L", "RGB"):
        samples, maximum = np.asarray(image), 255.0
    elif image_mode in ("LA", "RGBA"):
        return _split_alpha(np.asarray(image), 255.0)
    elif image_mode.startswith("I;16"):
        samples, maximum = np.asarray(image).astype(np.uint16), 65535.0
    elif image_mode == "I":
        samples = np.asarray(image)
        if samples.size and (samples.min() < 0 or samples.max() > 65535):
            raise _UnsupportedImage(
                f"32-bit integer image with values in [{samples.min()}, {samples.max()}]; "
                "wavetex reads integer images of at most 16 bits. Save it as 8- or 16-bit."
            )
        samples, maximum = samples, 65535.0
    elif image_mode == "F":
        samples, maximum = _check_float_samples(np.asarray(image)), 1.0
    elif image_mode in ("La", "RGBa"):
        return _split_alpha(np.asarray(image.convert("RGBA")), 255.0)
    elif image_mode in ("RGBX", "CMYK", "YCbCr", "HSV"):
        samples, maximum = np.asarray(image.convert("RGB")), 255.0
    else:
        raise _UnsupportedImage(
            f"unsupported image mode {image_mode!r}; save the image as 8- or 16-bit "
            "gray or RGB (for instance PNG) and try again."
        )
    note = "a transparent colour (tRNS)" if colour_key else None
    return samples, maximum, note


def _split_alpha(samples: np.ndarray, maximum: float) -> tuple[np.ndarray, float, str | None]:
    """Drop the alpha channel of (H, W, 2) or (H, W, 4) samples."""
    if samples.ndim == 2 or samples.shape[2] == 3:
        return samples, maximum, None
    if samples.shape[2] == 1:
        return samples[..., 0], maximum, None
    if samples.shape[2] not in (2, 4):
        raise _UnsupportedImage(
            f"image with {samples.shape[2]} channels; wavetex reads gray, gray + alpha, "
            "RGB and RGBA images."
        )
    alpha = samples[..., -1]
    opaque = bool(np.all(alpha == maximum))
    note = "an alpha channel" + (" (fully opaque, nothing is lost)" if opaque else "")
    colour = samples[..., 0] if samples.shape[2] == 2 else samples[..., :3]
    return colour, maximum, note


def _check_float_samples(samples: np.ndarray) -> np.ndarray:
    if samples.size == 0:
        return samples
    n_nan = int(np.count_nonzero(np.isnan(samples)))
    if n_nan:
        raise _UnsupportedImage(
            f"floating-point image with {n_nan} NaN pixel value(s) (not a number) out of "
            f"{samples.size}; wavetex needs finite values in [0, 1]. Replace them first, e.g. "
            "np.nan_to_num(image) or by inpainting, and save the image again."
        )
    in_range = np.all(np.isfinite(samples)) and samples.min() >= 0.0 and samples.max() <= 1.0
    if not in_range:
        raise _UnsupportedImage(
            f"floating-point image with values in [{np.nanmin(samples)}, {np.nanmax(samples)}]; "
            "wavetex expects floating-point images in [0, 1]. Rescale it or save it as "
            "8- or 16-bit."
        )
    return samples


def _exif_transposed(samples: np.ndarray, exif: Image.Exif | bytes | None) -> np.ndarray:
    """Apply an EXIF orientation to (H, W[, C]) samples with :func:`PIL.ImageOps.exif_transpose`.

    For samples Pillow cannot hold as one image (16-bit colour): each channel goes
    through Pillow on its own.
    """
    if isinstance(exif, bytes):
        loaded = Image.Exif()
        loaded.load(exif)
        exif = loaded
    orientation = int(exif.get(_EXIF_ORIENTATION, 1)) if exif is not None else 1
    if orientation == 1:
        return samples
    channels = samples[..., None] if samples.ndim == 2 else samples
    transposed = []
    for channel in np.moveaxis(channels, -1, 0):
        image = Image.fromarray(np.ascontiguousarray(channel))
        image.getexif()[_EXIF_ORIENTATION] = orientation
        transposed.append(np.asarray(ImageOps.exif_transpose(image)))
    result = np.stack(transposed, axis=-1)
    return result[..., 0] if samples.ndim == 2 else result


def _png_is_16_bit_colour(path: Path) -> bool:
    """True for 16-bit PNGs with colour or alpha, which Pillow reads as 8 bits."""
    with open(path, "rb") as file:
        reader = png.Reader(file=file)
        reader.preamble()
    return reader.bitdepth == 16 and reader.color_type in (2, 4, 6)


def _read_png_with_pypng(path: Path) -> np.ndarray:
    """The uint16 samples of a 16-bit PNG, shape (H, W, C) (C = 2, 3 or 4)."""
    with open(path, "rb") as file:
        width, height, rows, info = png.Reader(file=file).read()
        samples = np.array([np.asarray(row, dtype=np.uint16) for row in rows], dtype=np.uint16)
    return samples.reshape(height, width, info["planes"])


def _png_exif(path: Path) -> bytes | None:
    """The body of the PNG's eXIf chunk, or None."""
    with open(path, "rb") as file:
        for chunk_type, body in png.Reader(file=file).chunks():
            if chunk_type == b"eXIf":
                return body
            if chunk_type == b"IEND":
                break
    return None


def _tiff_is_wide_colour(image: Image.Image) -> bool:
    """True for TIFFs with several samples per pixel of more than 8 bits."""
    tags = image.tag_v2  # type: ignore[attr-defined]
    samples_per_pixel = int(tags.get(277, 1))
    bits = tags.get(258, (8,))
    bits = bits if isinstance(bits, tuple) else (bits,)
    return samples_per_pixel > 1 and max(int(value) for value in bits) > 8


def _is_tiff(path: Path) -> bool:
    with open(path, "rb") as file:
        return file.read(4) in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")


def _decode_tiff_with_tifffile(path: Path, max_pixels: int) -> tuple[np.ndarray, float, str | None]:
    """First page of a TIFF through tifffile: samples (alpha split off), full scale, note."""
    import tifffile

    with tifffile.TiffFile(path) as tiff:
        page = tiff.pages[0]
        axes, shape = page.axes, dict(zip(page.axes, page.shape))
        width, height = shape.get("X", 1), shape.get("Y", 1)
        if width * height > max_pixels:
            raise _too_many_pixels(path, (width, height), max_pixels)
        orientation_tag = page.tags.get(274)
        samples = page.asarray()
    if "S" in axes:
        samples = np.moveaxis(samples, axes.index("S"), -1)
    samples = samples.reshape(samples.shape[-3:] if samples.ndim >= 3 else samples.shape)
    if samples.dtype.kind == "f":
        samples, maximum = _check_float_samples(samples), 1.0
    elif samples.dtype.kind == "u":
        maximum = float(np.iinfo(samples.dtype).max)
    else:
        raise _UnsupportedImage(
            f"TIFF samples of type {samples.dtype}; expected unsigned integers or floats."
        )
    exif = Image.Exif()
    exif[_EXIF_ORIENTATION] = int(orientation_tag.value) if orientation_tag is not None else 1
    return _split_alpha(_exif_transposed(samples, exif), maximum)


# ---------------------------------------------------------------- writing


def write_image(
    path: PathLike,
    image: np.ndarray,
    *,
    bit_depth: int = 8,
    overwrite: bool = False,
) -> Path:
    """Write a float image with values in [0, 1] to an image file, atomically.

    Parameters
    ----------
    path : str or os.PathLike
        Destination; the suffix selects the format: ``.png``, ``.tif`` /
        ``.tiff`` (deflate-compressed), ``.jpg`` / ``.jpeg`` (quality 95, no
        chroma subsampling, lossy), ``.bmp`` or ``.webp`` (lossless). WebP
        has no gray layout: gray images come back from :func:`read_image`
        as three equal channels unless read with ``mode="gray"``.
    image : numpy.ndarray
        Floating-point array, shape (H, W) for gray or (H, W, 3) for colour
        ((H, W, 1) counts as gray). Values are clipped to [0, 1], then
        rounded to the nearest level of the bit depth.
    bit_depth : {8, 16}, keyword-only
        Bits per sample. 16 bits is available for PNG and TIFF.
    overwrite : bool, keyword-only
        Replace an existing file at ``path``. Without it, an existing file is
        left untouched and :class:`FileExistsError` is raised.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    TypeError
        ``image`` is not a floating-point array.
    ValueError
        Bad shape, NaN or infinite values, unknown suffix, or a bit depth the
        format cannot hold.
    FileExistsError
        ``path`` exists and ``overwrite`` is False.
    FileNotFoundError
        The folder of ``path`` does not exist.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> path = tempfile.mkdtemp() + "/noise.tif"
    >>> image = np.random.default_rng(0).random((8, 8, 3))
    >>> write_image(path, image, bit_depth=16).suffix
    '.tif'
    >>> bool(np.abs(read_image(path) - image).max() <= 0.5 / 65535)
    True
    """
    path = Path(path)
    image_format = _format_from_suffix(path)
    if bit_depth not in (8, 16):
        raise ValueError(f"bit_depth must be 8 or 16; got {bit_depth!r}.")
    if bit_depth == 16 and image_format not in SIXTEEN_BIT_FORMATS:
        raise ValueError(
            f"{image_format} holds 8 bits per sample; got bit_depth=16 for {str(path)!r}. "
            "Use a .png or .tif path for 16-bit output, or bit_depth=8."
        )
    samples = _quantise(image, bit_depth)

    def writer(temporary_path: Path) -> None:
        _encode(temporary_path, samples, image_format)

    return atomic_write(path, writer, overwrite=overwrite)


def _format_from_suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        raise ValueError(
            f"cannot tell the image format of {str(path)!r} from its suffix {suffix!r}; "
            f"use one of {', '.join(IMAGE_SUFFIXES)}."
        )
    return IMAGE_SUFFIXES[suffix]


def _quantise(image: np.ndarray, bit_depth: int) -> np.ndarray:
    """Validate a float image and round it to uint8 or uint16 samples."""
    array = np.asarray(image)
    if array.dtype.kind != "f":
        hint = ""
        if array.dtype.kind in "uib":
            hint = " Divide by 255 (or 65535) first: image.astype(float) / 255."
        raise TypeError(
            "image must be a floating-point array with values in [0, 1]; "
            f"got dtype {array.dtype}.{hint}"
        )
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] == 3)):
        hint = ""
        if array.ndim == 3 and array.shape[0] in (1, 3):
            hint = " It looks channels-first; use np.moveaxis(image, 0, -1)."
        elif array.ndim == 4:
            hint = " Remove the batch dimension first, e.g. image[0]."
        raise ValueError(
            f"image must have shape (H, W) or (H, W, 3) (channels last); got {array.shape}.{hint}"
        )
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(f"image is empty (shape {array.shape}); expected at least one pixel.")
    if not np.all(np.isfinite(array)):
        raise ValueError(
            "image contains NaN or infinite values; fix the computation that produced it "
            "(or replace them, e.g. np.nan_to_num(image))."
        )
    maximum = 255 if bit_depth == 8 else 65535
    dtype = np.uint8 if bit_depth == 8 else np.uint16
    return np.round(np.clip(array.astype(np.float64), 0.0, 1.0) * maximum).astype(dtype)


def _encode(path: Path, samples: np.ndarray, image_format: str) -> None:
    """Write uint8 or uint16 ``samples`` in ``image_format`` to ``path``."""
    if samples.dtype == np.uint16 and samples.ndim == 3:
        if image_format == "PNG":
            _write_png_with_pypng(path, samples)
        else:
            import tifffile

            tifffile.imwrite(path, samples, photometric="rgb", compression="zlib")
        return
    # uint8 gray or colour, and uint16 gray (Pillow mode "I;16")
    Image.fromarray(samples).save(path, format=image_format, **_SAVE_OPTIONS[image_format])


def _write_png_with_pypng(path: Path, samples: np.ndarray) -> None:
    """Write (H, W, C) uint16 samples as a 16-bit PNG: C = 3 is RGB (what
    :func:`write_image` uses), C = 2 gray + alpha, C = 4 RGBA."""
    height, width, channels = samples.shape
    writer = png.Writer(
        width, height, greyscale=channels == 2, alpha=channels in (2, 4), bitdepth=16, compression=6
    )
    with open(path, "wb") as file:
        writer.write_array(file, samples.reshape(-1))
