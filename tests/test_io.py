"""Tests for wavetex.io: image and JSON reading and writing."""

from __future__ import annotations

import dataclasses
import io
import json
import struct
import zlib
from pathlib import Path

import numpy as np
import png
import pytest
from PIL import Image, ImageFile, ImageOps

from wavetex import io as wio
from wavetex.io import (
    atomic_write,
    read_image,
    read_json,
    to_plain,
    sidecar_path,
    write_image,
    write_json,
)

HEIGHT, WIDTH = 10, 13  # small, not square, odd width: catches transposes


def random_levels(shape: tuple[int, ...], bit_depth: int, seed: int = 0) -> np.ndarray:
    """Random integer samples covering the full range of ``bit_depth``."""
    maximum = 2**bit_depth - 1
    samples = np.random.default_rng(seed).integers(0, maximum + 1, size=shape)
    samples.flat[0], samples.flat[-1] = 0, maximum
    return samples.astype(np.uint8 if bit_depth == 8 else np.uint16)


def smooth_image(shape: tuple[int, ...]) -> np.ndarray:
    """A smooth float image in [0, 1], easy on lossy codecs."""
    rows, columns = np.meshgrid(
        np.linspace(0, 1, shape[0]), np.linspace(0, 1, shape[1]), indexing="ij"
    )
    base = 0.2 + 0.3 * rows + 0.4 * columns
    if len(shape) == 2:
        return base
    return np.stack([base, 1.0 - base, 0.5 + 0.2 * np.sin(4 * rows)], axis=-1)


def png_chunk(chunk_type: bytes, body: bytes) -> bytes:
    checksum = zlib.crc32(chunk_type + body)
    return struct.pack(">I", len(body)) + chunk_type + body + struct.pack(">I", checksum)


def insert_png_chunk_after_header(data: bytes, chunk: bytes) -> bytes:
    """Insert ``chunk`` right after the IHDR chunk of a PNG file."""
    header_end = 8 + 12 + 13
    return data[:header_end] + chunk + data[header_end:]


def exif_orientation_bytes(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()


def adam7_png_16_bit(samples: np.ndarray) -> bytes:
    """Interlaced (Adam7) 16-bit PNG of (H, W, C) samples, filter type 0.

    Written independently of wavetex.io, to test its reading of interlaced files.
    """
    height, width, channels = samples.shape
    passes = [
        (0, 0, 8, 8),
        (0, 4, 8, 8),
        (4, 0, 8, 4),
        (0, 2, 4, 4),
        (2, 0, 4, 2),
        (0, 1, 2, 2),
        (1, 0, 2, 1),
    ]  # (first row, first column, row step, column step) of each Adam7 pass
    raw = b""
    for row_start, column_start, row_step, column_step in passes:
        sub_image = samples[row_start::row_step, column_start::column_step]
        if sub_image.size == 0:
            continue
        for row in sub_image:
            raw += b"\x00" + row.astype(">u2").tobytes()
    colour_type = {2: 4, 3: 2, 4: 6}[channels]
    header = struct.pack(">IIBBBBB", width, height, 16, colour_type, 0, 0, 1)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(raw))
        + png_chunk(b"IEND", b"")
    )


def pypng_16_bit(samples: np.ndarray) -> bytes:
    """16-bit PNG of (H, W, C) samples (C = 2, 3 or 4), written by pypng directly."""
    height, width, channels = samples.shape
    writer = png.Writer(width, height, greyscale=channels == 2, alpha=channels in (2, 4), bitdepth=16)
    buffer = io.BytesIO()
    writer.write(buffer, samples.reshape(height, width * channels).tolist())
    return buffer.getvalue()


def folder_listing(folder: Path) -> list[str]:
    return sorted(entry.name for entry in folder.iterdir())


# ------------------------------------------------------------ round trips

LOSSLESS_8_BIT = [".png", ".tif", ".tiff", ".bmp", ".webp"]


@pytest.mark.parametrize("suffix", LOSSLESS_8_BIT)
@pytest.mark.parametrize("channels", [1, 3])
def test_8_bit_round_trip_is_exact(tmp_path: Path, suffix: str, channels: int) -> None:
    shape = (HEIGHT, WIDTH) if channels == 1 else (HEIGHT, WIDTH, 3)
    levels = random_levels(shape, 8)
    path = write_image(tmp_path / f"image{suffix}", levels / 255.0)
    # WebP has no gray layout: gray images come back as three equal channels
    mode = "gray" if (suffix == ".webp" and channels == 1) else "auto"
    image = read_image(path, mode=mode)
    assert image.dtype == np.float64
    assert image.shape == shape
    np.testing.assert_allclose(image * 255.0, levels, atol=1e-9)


@pytest.mark.parametrize("suffix", [".png", ".tif"])
@pytest.mark.parametrize("channels", [1, 3])
def test_16_bit_round_trip_is_exact(tmp_path: Path, suffix: str, channels: int) -> None:
    shape = (HEIGHT, WIDTH) if channels == 1 else (HEIGHT, WIDTH, 3)
    levels = random_levels(shape, 16)
    path = write_image(tmp_path / f"image{suffix}", levels / 65535.0, bit_depth=16)
    image = read_image(path)
    assert image.shape == shape
    np.testing.assert_array_equal(np.round(image * 65535.0), levels)


def test_16_bit_keeps_detail_that_8_bit_loses(tmp_path: Path) -> None:
    image = np.full((4, 4, 3), 0.5) + np.arange(16).reshape(4, 4, 1) * 1e-4
    eight = read_image(write_image(tmp_path / "eight.png", image))
    sixteen = read_image(write_image(tmp_path / "sixteen.png", image, bit_depth=16))
    assert np.abs(sixteen - image).max() <= 0.5 / 65535 + 1e-12
    assert np.abs(eight - image).max() > 10 * np.abs(sixteen - image).max()


def test_16_bit_colour_png_agrees_with_pillows_8_bit_view(tmp_path: Path) -> None:
    # Pillow reads our 16-bit RGB PNG as 8-bit RGB (the high bytes): this checks
    # the wavetex encoder against Pillow's standard decoder.
    levels = random_levels((HEIGHT, WIDTH, 3), 16, seed=1)
    path = write_image(tmp_path / "wide.png", levels / 65535.0, bit_depth=16)
    with Image.open(path) as image:
        assert image.mode == "RGB"
        np.testing.assert_array_equal(np.asarray(image), levels >> 8)


def test_16_bit_colour_tiff_is_standard(tmp_path: Path) -> None:
    tifffile = pytest.importorskip("tifffile")
    levels = random_levels((HEIGHT, WIDTH, 3), 16, seed=2)
    path = write_image(tmp_path / "wide.tif", levels / 65535.0, bit_depth=16)
    np.testing.assert_array_equal(tifffile.imread(path), levels)


@pytest.mark.parametrize("channels", [1, 3])
def test_jpeg_round_trip_is_close(tmp_path: Path, channels: int) -> None:
    shape = (32, 40) if channels == 1 else (32, 40, 3)
    image = smooth_image(shape)
    result = read_image(write_image(tmp_path / "image.jpg", image))
    assert result.shape == shape
    assert np.abs(result - image).mean() < 2.0 / 255.0


def test_jpeg_suffix_variants(tmp_path: Path) -> None:
    image = smooth_image((16, 16, 3))
    assert read_image(write_image(tmp_path / "image.JPEG", image)).shape == (16, 16, 3)


@pytest.mark.parametrize("suffix", [".jpg", ".bmp", ".webp"])
def test_16_bit_is_refused_for_8_bit_formats(tmp_path: Path, suffix: str) -> None:
    with pytest.raises(ValueError, match="bit_depth=8"):
        write_image(tmp_path / f"image{suffix}", smooth_image((8, 8)), bit_depth=16)
    assert folder_listing(tmp_path) == []


def test_values_are_clipped_and_rounded(tmp_path: Path) -> None:
    image = np.array([[-0.3, 0.0, 0.4 / 255, 0.6 / 255, 1.0, 1.7]])
    result = read_image(write_image(tmp_path / "clip.png", image))
    np.testing.assert_allclose(result * 255.0, [[0, 0, 0, 1, 255, 255]], atol=1e-9)


def test_single_channel_last_axis_is_gray(tmp_path: Path) -> None:
    image = smooth_image((6, 7))[:, :, None]
    assert read_image(write_image(tmp_path / "gray.png", image)).shape == (6, 7)


# ------------------------------------------------- reading foreign layouts


def test_reads_pillow_gray_and_rgb(tmp_path: Path) -> None:
    gray = random_levels((HEIGHT, WIDTH), 8)
    colour = random_levels((HEIGHT, WIDTH, 3), 8)
    Image.fromarray(gray).save(tmp_path / "gray.png")
    Image.fromarray(colour).save(tmp_path / "colour.png")
    np.testing.assert_allclose(read_image(tmp_path / "gray.png") * 255, gray, atol=1e-9)
    np.testing.assert_allclose(read_image(tmp_path / "colour.png") * 255, colour, atol=1e-9)


def test_reads_16_bit_gray_png_from_pillow(tmp_path: Path) -> None:
    levels = random_levels((HEIGHT, WIDTH), 16)
    Image.fromarray(levels).save(tmp_path / "gray16.png")
    with Image.open(tmp_path / "gray16.png") as image:
        assert image.mode == "I;16"
    np.testing.assert_array_equal(np.round(read_image(tmp_path / "gray16.png") * 65535), levels)


def test_reads_bilevel_image(tmp_path: Path) -> None:
    bits = np.zeros((HEIGHT, WIDTH), dtype=bool)
    bits[::2, 1::3] = True
    Image.fromarray(bits).save(tmp_path / "bits.png")
    np.testing.assert_array_equal(read_image(tmp_path / "bits.png"), bits.astype(float))


def test_reads_colour_palette_image(tmp_path: Path) -> None:
    colour = np.zeros((HEIGHT, WIDTH, 3), dtype=np.uint8)
    colour[:, : WIDTH // 2] = (200, 30, 10)
    colour[:, WIDTH // 2 :] = (5, 90, 250)
    palette_image = Image.fromarray(colour).quantize(colors=4)
    assert palette_image.mode == "P"
    palette_image.save(tmp_path / "palette.png")
    image = read_image(tmp_path / "palette.png")
    assert image.shape == (HEIGHT, WIDTH, 3)
    np.testing.assert_allclose(image * 255, colour, atol=1e-9)


def test_gray_palette_reads_as_gray(tmp_path: Path) -> None:
    gray = random_levels((HEIGHT, WIDTH), 8) // 64 * 64
    palette_image = Image.fromarray(gray).convert("P")
    assert palette_image.mode == "P"
    palette_image.save(tmp_path / "gray_palette.png")
    image = read_image(tmp_path / "gray_palette.png")
    assert image.shape == (HEIGHT, WIDTH)
    np.testing.assert_allclose(image * 255, gray, atol=1e-9)


def test_reads_cmyk_jpeg_as_rgb(tmp_path: Path) -> None:
    Image.new("CMYK", (WIDTH, HEIGHT), (0, 255, 255, 0)).save(tmp_path / "cmyk.jpg")
    image = read_image(tmp_path / "cmyk.jpg")
    assert image.shape == (HEIGHT, WIDTH, 3)
    assert image[..., 0].mean() > 0.9 and image[..., 1:].mean() < 0.1  # red


def test_reads_float_tiff_in_unit_range(tmp_path: Path) -> None:
    values = np.linspace(0, 1, HEIGHT * WIDTH, dtype=np.float32).reshape(HEIGHT, WIDTH)
    Image.fromarray(values).save(tmp_path / "float.tif")
    np.testing.assert_allclose(read_image(tmp_path / "float.tif"), values, atol=1e-7)


def test_float_tiff_outside_unit_range_is_refused(tmp_path: Path) -> None:
    values = np.full((4, 4), 200.0, dtype=np.float32)
    Image.fromarray(values).save(tmp_path / "float.tif")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        read_image(tmp_path / "float.tif")


def test_interlaced_16_bit_colour_png(tmp_path: Path) -> None:
    levels = random_levels((11, 9, 3), 16, seed=3)  # not multiples of 8
    (tmp_path / "interlaced.png").write_bytes(adam7_png_16_bit(levels))
    image = read_image(tmp_path / "interlaced.png")
    np.testing.assert_array_equal(np.round(image * 65535), levels)


# ------------------------------------------------------------------ alpha


@pytest.mark.parametrize("layout", ["LA", "RGBA"])
def test_8_bit_alpha_is_dropped_with_a_warning(tmp_path: Path, layout: str) -> None:
    channels = 2 if layout == "LA" else 4
    samples = random_levels((HEIGHT, WIDTH, channels), 8)
    Image.fromarray(samples, mode=layout).save(tmp_path / "alpha.png")
    with pytest.warns(UserWarning, match="alpha channel"):
        image = read_image(tmp_path / "alpha.png")
    expected = samples[..., 0] if layout == "LA" else samples[..., :3]
    np.testing.assert_allclose(image * 255, expected, atol=1e-9)


def test_opaque_alpha_warning_says_nothing_is_lost(tmp_path: Path) -> None:
    samples = random_levels((HEIGHT, WIDTH, 4), 8)
    samples[..., 3] = 255
    Image.fromarray(samples, mode="RGBA").save(tmp_path / "opaque.png")
    with pytest.warns(UserWarning, match="fully opaque"):
        read_image(tmp_path / "opaque.png")


@pytest.mark.parametrize("channels", [2, 4])
def test_16_bit_alpha_is_dropped_with_a_warning(tmp_path: Path, channels: int) -> None:
    levels = random_levels((HEIGHT, WIDTH, channels), 16, seed=4)
    (tmp_path / "alpha16.png").write_bytes(pypng_16_bit(levels))
    with pytest.warns(UserWarning, match="alpha channel"):
        image = read_image(tmp_path / "alpha16.png")
    expected = levels[..., 0] if channels == 2 else levels[..., :3]
    np.testing.assert_array_equal(np.round(image * 65535), expected)


def test_palette_transparency_is_dropped_with_a_warning(tmp_path: Path) -> None:
    colour = random_levels((HEIGHT, WIDTH, 3), 8) // 128 * 128
    palette_image = Image.fromarray(colour).quantize(colors=8)
    palette_image.info["transparency"] = 0
    palette_image.save(tmp_path / "transparent.png", transparency=0)
    with pytest.warns(UserWarning, match="transparency"):
        image = read_image(tmp_path / "transparent.png")
    assert image.shape == (HEIGHT, WIDTH, 3)


def test_16_bit_colour_tiff_with_alpha(tmp_path: Path) -> None:
    tifffile = pytest.importorskip("tifffile")
    levels = random_levels((HEIGHT, WIDTH, 4), 16, seed=5)
    tifffile.imwrite(
        tmp_path / "rgba16.tif", levels, photometric="rgb", extrasamples=["unassalpha"]
    )
    with pytest.warns(UserWarning, match="alpha channel"):
        image = read_image(tmp_path / "rgba16.tif")
    np.testing.assert_array_equal(np.round(image * 65535), levels[..., :3])


# ------------------------------------------------------------------ modes


def test_gray_mode_is_plain_mean_of_rgb(tmp_path: Path) -> None:
    levels = random_levels((HEIGHT, WIDTH, 3), 8, seed=6)
    path = write_image(tmp_path / "colour.png", levels / 255.0)
    gray = read_image(path, mode="gray")
    assert gray.shape == (HEIGHT, WIDTH)
    np.testing.assert_allclose(gray, (levels / 255.0).mean(axis=2), rtol=0, atol=1e-12)


def test_gray_mode_of_pure_red_is_one_third(tmp_path: Path) -> None:
    Image.new("RGB", (3, 2), (255, 0, 0)).save(tmp_path / "red.png")
    np.testing.assert_allclose(read_image(tmp_path / "red.png", mode="gray"), 1.0 / 3.0)


def test_rgb_mode_repeats_gray(tmp_path: Path) -> None:
    levels = random_levels((HEIGHT, WIDTH), 8)
    path = write_image(tmp_path / "gray.png", levels / 255.0)
    colour = read_image(path, mode="rgb")
    assert colour.shape == (HEIGHT, WIDTH, 3)
    for channel in range(3):
        np.testing.assert_array_equal(colour[..., channel], read_image(path))


def test_modes_leave_matching_layouts_alone(tmp_path: Path) -> None:
    gray_path = write_image(tmp_path / "gray.png", smooth_image((5, 6)))
    colour_path = write_image(tmp_path / "colour.png", smooth_image((5, 6, 3)))
    np.testing.assert_array_equal(read_image(gray_path, mode="gray"), read_image(gray_path))
    np.testing.assert_array_equal(read_image(colour_path, mode="rgb"), read_image(colour_path))


def test_unknown_mode_is_refused(tmp_path: Path) -> None:
    path = write_image(tmp_path / "gray.png", smooth_image((5, 6)))
    with pytest.raises(ValueError, match="'auto', 'gray', 'rgb'"):
        read_image(path, mode="grey")  # type: ignore[arg-type]


def test_result_is_writable_contiguous_float64(tmp_path: Path) -> None:
    path = write_image(tmp_path / "colour.png", smooth_image((5, 6, 3)))
    image = read_image(path)
    assert image.dtype == np.float64 and image.flags.c_contiguous and image.flags.writeable
    assert image.min() >= 0.0 and image.max() <= 1.0


# ------------------------------------------------------- EXIF orientation


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_matches_pillow(tmp_path: Path, orientation: int) -> None:
    levels = random_levels((HEIGHT, WIDTH, 3), 8, seed=orientation)
    path = tmp_path / "oriented.png"
    Image.fromarray(levels).save(path, exif=exif_orientation_bytes(orientation))
    with Image.open(path) as image:
        expected = np.asarray(ImageOps.exif_transpose(image))
    np.testing.assert_allclose(read_image(path) * 255, expected, atol=1e-9)


def test_exif_orientation_of_jpeg_is_applied(tmp_path: Path) -> None:
    # a landscape picture stored sideways: orientation 6 means "rotate 90
    # degrees clockwise to display"; a bright block marks the top-left corner
    stored = np.full((40, 24, 3), 40, dtype=np.uint8)
    stored[:8, :8] = 230
    path = tmp_path / "camera.jpg"
    Image.fromarray(stored).save(path, exif=exif_orientation_bytes(6), quality=95)
    image = read_image(path)
    assert image.shape == (24, 40, 3)
    assert image[:8, -8:].mean() > 0.8  # the top-left corner went top-right
    assert image[:8, :8].mean() < 0.3


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_of_16_bit_colour_png(tmp_path: Path, orientation: int) -> None:
    levels = random_levels((HEIGHT, WIDTH, 3), 16, seed=7)
    data = pypng_16_bit(levels)
    exif = exif_orientation_bytes(orientation)
    data = insert_png_chunk_after_header(data, png_chunk(b"eXIf", exif))
    (tmp_path / "oriented16.png").write_bytes(data)
    image = np.round(read_image(tmp_path / "oriented16.png") * 65535).astype(np.uint16)

    def pillow_oriented(samples: np.ndarray) -> np.ndarray:  # 8-bit RGB, which Pillow holds
        pillow_image = Image.fromarray(samples.astype(np.uint8))
        pillow_image.getexif()[0x0112] = orientation
        return np.asarray(ImageOps.exif_transpose(pillow_image))

    np.testing.assert_array_equal(image >> 8, pillow_oriented(levels >> 8))
    np.testing.assert_array_equal(image & 255, pillow_oriented(levels & 255))


def test_exif_orientation_of_16_bit_colour_tiff(tmp_path: Path) -> None:
    tifffile = pytest.importorskip("tifffile")
    levels = random_levels((HEIGHT, WIDTH, 3), 16, seed=8)
    orientation_tag = (274, "H", 1, 3, True)  # EXIF/TIFF orientation 3: rotate 180 degrees
    tifffile.imwrite(
        tmp_path / "oriented16.tif", levels, photometric="rgb", extratags=[orientation_tag]
    )
    image = read_image(tmp_path / "oriented16.tif")
    np.testing.assert_array_equal(np.round(image * 65535), levels[::-1, ::-1])


# --------------------------------------------------------- reading errors


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "texture.png"
    with pytest.raises(FileNotFoundError, match="texture.png"):
        read_image(missing)


def test_folder_is_not_an_image(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError, match="folder"):
        read_image(tmp_path)


@pytest.mark.parametrize(
    "content", [b"", b"hello, I am a text file\n", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40]
)
def test_non_image_raises_value_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "fake.png"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="not a readable image"):
        read_image(path)


@pytest.mark.parametrize(
    ("suffix", "bit_depth", "channels"),
    [
        (".png", 8, 3),
        (".png", 8, 1),
        (".png", 16, 3),
        (".png", 16, 1),
        (".jpg", 8, 3),
        (".bmp", 8, 3),
        (".webp", 8, 3),
        (".tif", 8, 1),  # Pillow warns about corrupt EXIF first: the warning must not escape
        (".tif", 16, 3),
    ],
)
def test_truncated_image_raises_value_error(
    tmp_path: Path, suffix: str, bit_depth: int, channels: int
) -> None:
    shape = (64, 64) if channels == 1 else (64, 64, 3)
    noise = random_levels(shape, bit_depth) / (2.0**bit_depth - 1)  # incompressible
    path = write_image(tmp_path / f"whole{suffix}", noise, bit_depth=bit_depth)
    data = path.read_bytes()
    truncated = tmp_path / f"truncated{suffix}"
    truncated.write_bytes(data[: len(data) * 2 // 3])
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    with pytest.raises(ValueError, match="not a readable image"):
        read_image(truncated)


def test_truncated_uncompressed_16_bit_tiff_raises_value_error(tmp_path: Path) -> None:
    tifffile = pytest.importorskip("tifffile")
    tifffile.imwrite(tmp_path / "raw.tif", random_levels((64, 64, 3), 16), photometric="rgb")
    data = (tmp_path / "raw.tif").read_bytes()
    (tmp_path / "truncated.tif").write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(ValueError, match="not a readable image"):
        read_image(tmp_path / "truncated.tif")


def test_decoder_warnings_of_readable_images_are_passed_on(tmp_path: Path) -> None:
    path = write_image(tmp_path / "image.png", smooth_image((8, 8)))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Image, "MAX_IMAGE_PIXELS", 40)  # 64 pixels: "decompression bomb" warning
        with pytest.warns(Image.DecompressionBombWarning):
            image = read_image(path)
    assert image.shape == (8, 8)


def test_corrupted_16_bit_png_chunk_raises_value_error(tmp_path: Path) -> None:
    data = bytearray(pypng_16_bit(random_levels((8, 8, 3), 16)))
    data[60] ^= 0xFF  # inside the IDAT chunk: its checksum no longer matches
    (tmp_path / "corrupt.png").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="not a readable image"):
        read_image(tmp_path / "corrupt.png")


def test_load_truncated_images_switched_on_elsewhere_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_image(tmp_path / "image.png", smooth_image((4, 4)))
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(RuntimeError, match="LOAD_TRUNCATED_IMAGES"):
        read_image(path)


# --------------------------------------------------------- writing errors


def test_no_overwrite_without_permission(tmp_path: Path) -> None:
    path = write_image(tmp_path / "image.png", smooth_image((6, 6)))
    before = path.read_bytes()
    with pytest.raises(FileExistsError, match=r"overwrite=True"):
        write_image(path, np.zeros((6, 6)))
    assert path.read_bytes() == before
    assert folder_listing(tmp_path) == ["image.png"]


def test_overwrite_replaces_the_file(tmp_path: Path) -> None:
    path = write_image(tmp_path / "image.png", smooth_image((6, 6)))
    write_image(path, np.zeros((6, 6)), overwrite=True)
    np.testing.assert_array_equal(read_image(path), np.zeros((6, 6)))
    assert folder_listing(tmp_path) == ["image.png"]


def test_overwrite_keeps_permissions(tmp_path: Path) -> None:
    path = write_image(tmp_path / "image.png", smooth_image((6, 6)))
    path.chmod(0o640)
    write_image(path, np.zeros((6, 6)), overwrite=True)
    assert path.stat().st_mode & 0o777 == 0o640


def test_missing_output_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does_not_exist"):
        write_image(tmp_path / "does_not_exist" / "image.png", smooth_image((4, 4)))


@pytest.mark.parametrize(
    ("image", "error", "match"),
    [
        (np.zeros((4, 4), dtype=np.uint8), TypeError, "astype"),
        (np.zeros((3, 8, 8)), ValueError, "channels-first"),
        (np.zeros((1, 8, 8, 3)), ValueError, "batch"),
        (np.zeros((8, 8, 4)), ValueError, r"\(H, W, 3\)"),
        (np.zeros((0, 8)), ValueError, "empty"),
        (np.array([[0.1, np.nan]]), ValueError, "NaN"),
    ],
)
def test_bad_images_are_refused(tmp_path: Path, image: np.ndarray, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        write_image(tmp_path / "image.png", image)
    assert folder_listing(tmp_path) == []


def test_unknown_suffix_and_bit_depth_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.png"):
        write_image(tmp_path / "image.gif", smooth_image((4, 4)))
    with pytest.raises(ValueError, match="8 or 16"):
        write_image(tmp_path / "image.png", smooth_image((4, 4)), bit_depth=12)


# ------------------------------------------------------------- atomicity


def test_failing_writer_leaves_nothing_behind(tmp_path: Path) -> None:
    def failing_writer(temporary_path: Path) -> None:
        temporary_path.write_bytes(b"half of a file")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        atomic_write(tmp_path / "result.png", failing_writer)
    assert folder_listing(tmp_path) == []


def test_failing_overwrite_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text("old")

    def failing_writer(temporary_path: Path) -> None:
        temporary_path.write_text("new but incomplete")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(path, failing_writer, overwrite=True)
    assert path.read_text() == "old"
    assert folder_listing(tmp_path) == ["result.json"]


def test_failing_encoder_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_encoder(path: Path, samples: np.ndarray, image_format: str) -> None:
        path.write_bytes(b"\x89PNG partial")
        raise OSError("encoder crashed")

    monkeypatch.setattr(wio, "_encode", broken_encoder)
    with pytest.raises(OSError, match="encoder crashed"):
        write_image(tmp_path / "image.png", smooth_image((4, 4)))
    assert folder_listing(tmp_path) == []


def test_writer_gets_a_hidden_temporary_file_in_the_same_folder(tmp_path: Path) -> None:
    seen: list[Path] = []

    def writer(temporary_path: Path) -> None:
        seen.append(temporary_path)
        assert temporary_path.exists() and temporary_path.stat().st_size == 0
        temporary_path.write_text("content")

    result = atomic_write(tmp_path / "out.txt", writer)
    assert result == tmp_path / "out.txt" and result.read_text() == "content"
    assert seen[0].parent == tmp_path and seen[0].name.startswith(".out.txt.")
    assert seen[0].suffix == ".txt"
    assert folder_listing(tmp_path) == ["out.txt"]


def test_file_appearing_during_write_is_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "race.txt"

    def writer(temporary_path: Path) -> None:
        temporary_path.write_text("ours")
        path.write_text("theirs")  # another process creates the file meanwhile

    with pytest.raises(FileExistsError):
        atomic_write(path, writer)
    assert path.read_text() == "theirs"
    assert folder_listing(tmp_path) == ["race.txt"]


def test_many_writes_leave_only_the_results(tmp_path: Path) -> None:
    for index, suffix in enumerate([".png", ".tif", ".jpg", ".bmp", ".webp"]):
        write_image(tmp_path / f"image{index}{suffix}", smooth_image((8, 8, 3)))
        write_image(tmp_path / f"deep{index}.png", smooth_image((8, 8, 3)), bit_depth=16)
    write_json(tmp_path / "run.json", {"a": 1})
    assert not [name for name in folder_listing(tmp_path) if name.startswith(".")]
    assert len(folder_listing(tmp_path)) == 11


# ------------------------------------------------------------------- JSON


@dataclasses.dataclass(frozen=True)
class _Config:
    n_scales: int
    sigma: np.float32


def test_json_round_trip_with_numpy_types(tmp_path: Path) -> None:
    data = {
        "seed": np.int64(7),
        "loss": np.float32(0.25),
        "ratio": np.float64(1.5),
        "converged": np.bool_(True),
        "shape": np.array([256, 256]),
        "weights": np.array([[0.5, 1.0], [2.0, 4.0]], dtype=np.float32),
        "dtype": np.dtype("float32"),
        "output": tmp_path / "synth.png",
        "tags": {"b", "a"},
        "config": _Config(n_scales=4, sigma=np.float32(0.5)),
        "nested": {"z": [np.int32(1), np.uint8(2)], "a": None},
    }
    path = write_json(tmp_path / "run.json", data)
    assert read_json(path) == {
        "seed": 7,
        "loss": 0.25,
        "ratio": 1.5,
        "converged": True,
        "shape": [256, 256],
        "weights": [[0.5, 1.0], [2.0, 4.0]],
        "dtype": "float32",
        "output": str(tmp_path / "synth.png"),
        "tags": ["a", "b"],
        "config": {"n_scales": 4, "sigma": 0.5},
        "nested": {"a": None, "z": [1, 2]},
    }
    text = path.read_text(encoding="utf-8")
    assert text.endswith("}\n")
    assert text.splitlines()[1].startswith('  "config"')  # indent 2, keys sorted
    assert json.loads(text) == read_json(path)


def test_json_refuses_overwrite_and_unknown_types(tmp_path: Path) -> None:
    path = write_json(tmp_path / "run.json", {"a": 1})
    with pytest.raises(FileExistsError, match="overwrite=True"):
        write_json(path, {"a": 2})
    assert read_json(path) == {"a": 1}
    write_json(path, {"a": 2}, overwrite=True)
    assert read_json(path) == {"a": 2}
    with pytest.raises(TypeError, match="object"):
        write_json(tmp_path / "bad.json", {"thing": object()})
    assert folder_listing(tmp_path) == ["run.json"]


def test_read_json_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="missing.json"):
        read_json(tmp_path / "missing.json")
    (tmp_path / "broken.json").write_text('{"a": 1,')
    with pytest.raises(ValueError, match="line 1"):
        read_json(tmp_path / "broken.json")


def test_sidecar_path() -> None:
    assert sidecar_path("out/marble_synth.png") == Path("out/marble_synth.json")
    assert sidecar_path(Path("a.b/c.tiff")) == Path("a.b/c.json")
    with pytest.raises(ValueError, match="sidecar"):
        sidecar_path("out/run.json")


def test_io_imports_neither_torch_nor_click() -> None:
    # import wavetex.io and wavetex.files without wavetex/__init__.py (which imports
    # torch) in a fresh interpreter: a bare package object stands in for wavetex
    import subprocess
    import sys

    code = (
        "import sys, types\n"
        "package = types.ModuleType('wavetex')\n"
        f"package.__path__ = [{str(Path(wio.__file__).parent)!r}]\n"
        "sys.modules['wavetex'] = package\n"
        "import wavetex.io, wavetex.files\n"
        "print('torch' in sys.modules, 'click' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False"]


def test_json_has_one_nan_policy_that_round_trips(tmp_path: Path) -> None:
    """NaN and infinities become null in files and in views alike; the data round-trip."""
    data = {"loss": float("nan"), "errors": np.array([1.0, np.inf]), "seed": np.int64(3)}
    plain = to_plain(data)
    assert plain == {"loss": None, "errors": [1.0, None], "seed": 3}
    assert json.loads(json.dumps(plain, allow_nan=False)) == plain
    path = write_json(tmp_path / "run.json", data)
    assert "NaN" not in path.read_text() and "Infinity" not in path.read_text()
    assert read_json(path) == plain
    from wavetex.memorization import probe

    exemplar = np.random.default_rng(0).random((64, 64))
    view = probe(exemplar, exemplar, calibration=False).to_dict()
    assert view["heldout_q95"] is None and to_plain(view) == view


# ------------------------------------------------------ hostile inputs


def png_claiming_size(width: int, height: int) -> bytes:
    """A small valid PNG whose IHDR claims ``width`` × ``height`` pixels."""
    buffer = io.BytesIO()
    Image.new("L", (4, 4), 128).save(buffer, format="PNG")
    data = buffer.getvalue()
    header = struct.pack(">II", width, height) + data[24:29]
    return data[:8] + png_chunk(b"IHDR", header) + data[33:]


@pytest.mark.parametrize("width, height", [(60000, 60000), (5000, 4000)])
def test_too_many_pixels_are_refused_from_the_header(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, width: int, height: int
) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(png_claiming_size(width, height))
    before = path.read_bytes()

    def no_decoding(self):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    with pytest.raises(ValueError) as caught:
        read_image(path)
    message = str(caught.value)
    assert f"{wio.MAX_PIXELS:,} pixels" in message and "Downscale" in message and "4096" in message
    assert "\n" not in message
    if width * height < 2 * Image.MAX_IMAGE_PIXELS:  # below Pillow's own refusal: our check, with the size
        assert f"{width}×{height} pixels (width×height" in message
    else:
        assert str(width * height) in message  # Pillow's count, passed on
    assert path.read_bytes() == before


def test_the_pixel_cap_can_be_moved(tmp_path: Path) -> None:
    path = write_image(tmp_path / "image.png", smooth_image((40, 30)))
    with pytest.raises(ValueError, match=r"30×40 pixels .* at most 1,000 pixels"):
        read_image(path, max_pixels=1000)
    assert read_image(path, max_pixels=1200).shape == (40, 30)


@pytest.mark.parametrize("channels", [1, 3])
def test_nan_in_a_float_tiff_is_named(tmp_path: Path, channels: int) -> None:
    tifffile = pytest.importorskip("tifffile")
    samples = np.random.default_rng(0).random((8, 8, channels)).astype(np.float32)[..., : channels] * 0.9
    samples = samples[..., 0] if channels == 1 else samples
    samples[2, 3] = np.nan
    path = tmp_path / "nan.tif"
    tifffile.imwrite(path, samples, photometric="minisblack" if channels == 1 else "rgb")
    with pytest.raises(ValueError, match=r"NaN pixel value") as caught:
        read_image(path)
    assert "nan_to_num" in str(caught.value) and "[0, 1]" in str(caught.value)
