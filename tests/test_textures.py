"""Tests for the bundled example textures (wavetex.textures and scripts/make_textures.py)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from PIL import Image

REPOSITORY = Path(__file__).resolve().parents[1]
TEXTURE_FOLDER = REPOSITORY / "textures"


def _load_from_checkout(module_name: str, file_path: Path) -> ModuleType:
    is_package = file_path.name == "__init__.py"
    spec = importlib.util.spec_from_file_location(
        module_name,
        file_path,
        submodule_search_locations=[str(file_path.parent)] if is_package else None,
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


# Installed, "textures/" is the package wavetex.textures (see pyproject.toml);
# in a plain checkout that mapping does not exist, so load the files directly.
try:
    import wavetex.textures as textures
except ModuleNotFoundError:
    textures = _load_from_checkout("wavetex.textures", TEXTURE_FOLDER / "__init__.py")
# The generator is a script of the repository, not part of the installed package.
generate = _load_from_checkout("make_textures", REPOSITORY / "scripts" / "make_textures.py")

PACKAGE_FOLDER = Path(textures.__file__).resolve().parent
NAMES = textures.names()
GENERATED = sorted(generate.GENERATORS)
PERIODIC = sorted(row["name"] for row in textures.info() if row["periodic"])


def read_sources_table() -> list[dict[str, str]]:
    """Rows of the markdown table in SOURCES.md, as dicts keyed by column name."""
    lines = (PACKAGE_FOLDER / "SOURCES.md").read_text(encoding="utf-8").splitlines()
    table = [line for line in lines if line.startswith("|")]
    header = [cell.strip() for cell in table[0].strip("|").split("|")]
    rows = []
    for line in table[2:]:  # skip the header and the |---| line
        cells = [cell.strip().strip("`") for cell in line.strip("|").split("|")]
        rows.append(dict(zip(header, cells, strict=True)))
    return rows


def pixels(name: str) -> np.ndarray:
    with Image.open(textures.path(name)) as image:
        return np.asarray(image)


def seam_and_interior_steps(image: np.ndarray, axis: int) -> tuple[float, np.ndarray]:
    """Mean absolute step across the wrap-around seam, and across each interior line.

    For ``axis=1`` the seam is between the last and the first column, and the
    interior steps are between neighbouring columns.
    """
    lines = np.moveaxis(image.astype(np.float64), axis, 0)
    interior = np.abs(np.diff(lines, axis=0)).reshape(lines.shape[0] - 1, -1).mean(axis=1)
    seam = float(np.abs(lines[0] - lines[-1]).mean())
    return seam, interior


def tiles_without_seam(image: np.ndarray) -> bool:
    """True when, on both axes, the wrap-around step is no larger than the largest interior step."""
    for axis in (0, 1):
        seam, interior = seam_and_interior_steps(image, axis)
        if seam > interior.max():
            return False
    return True


# ------------------------------------------------------------------ listing


def test_at_least_eight_textures_with_short_lowercase_names() -> None:
    assert len(NAMES) >= 8
    assert NAMES == sorted(NAMES)
    assert all(re.fullmatch(r"[a-z]{3,10}", name) for name in NAMES)


def test_every_png_is_listed_and_every_listed_texture_has_a_png() -> None:
    files = sorted(file.stem for file in PACKAGE_FOLDER.glob("*.png"))
    assert files == NAMES
    assert sorted(row["name"] for row in read_sources_table()) == files


def test_sources_table_matches_info() -> None:
    table = {row["name"]: row for row in read_sources_table()}
    for row in textures.info():
        listed = table[row["name"]]
        assert listed["size"] == f"{row['width']}×{row['height']}"
        assert listed["mode"] == row["mode"]
        assert listed["kind"] == row["kind"]
        assert listed["source"] == row["source"]
        assert listed["periodic"] == ("yes" if row["periodic"] else "no")
        assert listed["origin"] == row["origin"]
        assert listed["licence"] == row["licence"]
        assert row["licence"].startswith(("CC0", "public domain", "no known copyright restrictions"))


def test_origins_match_the_generator() -> None:
    for row in textures.info():
        name = row["name"]
        if name in generate.GENERATORS:
            function, seed = generate.GENERATORS[name]
            assert row["origin"] == f"make_textures.{function.__name__}(seed={seed})"
            assert row["source"] == "drawn"
        else:
            function_name, (top, left, bottom, right) = generate.SKIMAGE_CROPS[name]
            crop = f"[{top}:{bottom}, {left}:{right}]"
            assert row["origin"] == f"skimage.data.{function_name}(){crop}"
            assert row["source"] == "photograph"
    assert sorted([*generate.GENERATORS, *generate.SKIMAGE_CROPS]) == NAMES


def test_mix_of_regular_stochastic_gray_and_colour() -> None:
    rows = textures.info()
    assert {row["kind"] for row in rows} >= {"regular", "stochastic"}
    assert {row["mode"] for row in rows} == {"gray", "rgb"}


def test_colour_textures_are_photographs_and_at_most_two_are_drawn() -> None:
    rows = textures.info()
    assert all(row["source"] == "photograph" for row in rows if row["mode"] == "rgb")
    assert sum(row["mode"] == "rgb" for row in rows) >= 3
    assert sum(row["source"] == "drawn" for row in rows) <= 2
    # a regular lattice stays, as an edge case for the memorization probe
    assert any(row["source"] == "drawn" and row["kind"] == "regular" for row in rows)


def test_the_generator_is_not_installed_with_the_package() -> None:
    assert sorted(file.name for file in PACKAGE_FOLDER.glob("*.py")) == ["__init__.py"]


def test_unknown_name_lists_the_available_ones() -> None:
    with pytest.raises(ValueError, match="available textures: brick, "):
        textures.path("lena")
    with pytest.raises(ValueError, match="tissue"):
        textures.load("no such texture")


# ------------------------------------------------------------------ content


@pytest.mark.parametrize("name", NAMES)
def test_every_texture_loads_as_documented(name: str) -> None:
    row = next(row for row in textures.info() if row["name"] == name)
    image = textures.load(name)
    assert image.dtype == np.float64
    assert image.shape[:2] == (row["height"], row["width"])
    assert min(image.shape[:2]) >= 256
    assert image.ndim == (2 if row["mode"] == "gray" else 3)
    assert 0.0 <= image.min() and image.max() <= 1.0
    assert image.std() > 0.05  # has visible structure
    assert textures.load(name, mode="gray").shape == (row["height"], row["width"])


@pytest.mark.parametrize("name", NAMES)
def test_files_are_8_bit_png(name: str) -> None:
    with Image.open(textures.path(name)) as image:
        assert image.format == "PNG"
        assert image.mode in ("L", "RGB")


@pytest.mark.parametrize("name", GENERATED)
def test_generated_textures_are_reproduced_bit_exactly(name: str) -> None:
    np.testing.assert_array_equal(generate.make(name), pixels(name))


@pytest.mark.parametrize("name", sorted(generate.SKIMAGE_CROPS))
def test_skimage_crops_are_reproduced(name: str) -> None:
    pytest.importorskip("skimage")
    crop = generate.skimage_crop(name).astype(np.int16)
    bundled = pixels(name).astype(np.int16)
    assert crop.shape == bundled.shape
    # PNG sources decode bit for bit; JPEG decoders may differ by a level or two
    tolerance = 2 if name in ("galaxies", "retina") else 0
    assert np.abs(crop - bundled).max() <= tolerance


def test_generated_textures_are_the_periodic_ones() -> None:
    assert PERIODIC == GENERATED


@pytest.mark.parametrize("name", PERIODIC)
def test_periodic_textures_tile_without_a_seam(name: str) -> None:
    assert tiles_without_seam(pixels(name))


@pytest.mark.parametrize("name", sorted(generate.SKIMAGE_CROPS))
def test_seam_check_flags_the_photographs(name: str) -> None:
    # control: crops of photographs are not periodic, and the check sees it
    assert not tiles_without_seam(pixels(name))


@pytest.mark.parametrize("name", ["clouds", "dots"])
def test_seam_check_flags_a_cropped_periodic_texture(name: str) -> None:
    assert not tiles_without_seam(pixels(name)[:200, :200])


def test_generators_take_seed_and_size() -> None:
    first = generate.clouds(seed=11, size=64)
    assert first.shape == (64, 64) and first.dtype == np.uint8
    np.testing.assert_array_equal(first, generate.clouds(seed=11, size=64))
    assert not np.array_equal(first, generate.clouds(seed=12, size=64))
    with pytest.raises(ValueError, match="multiple of 256"):
        generate.dots(size=100)
    with pytest.raises(KeyError, match="available textures"):
        generate.make("lena")


@pytest.mark.parametrize("module", [textures, generate], ids=["wavetex.textures", "make_textures"])
def test_docstring_examples(module: ModuleType) -> None:
    import doctest

    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 3 and result.failed == 0
