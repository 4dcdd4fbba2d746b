"""``wavetex inpaint``, ``extend`` and ``tile`` end to end (64×64 inputs, J = 3, 3 iterations)."""

import json

import numpy as np
import pytest

from wavetex import textures
from wavetex.io import read_image, write_image
from cli_checks import assert_error, assert_ok, invoke

FAST = ["--n-scales", "3", "--max-iter", "3", "--coarse-iter", "0", "--quiet"]


@pytest.fixture
def inputs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    gravel = read_image(textures.path("gravel"))[:64, :64]
    write_image(tmp_path / "gravel.png", gravel)
    mask = np.zeros((64, 64))
    mask[20:40, 24:44] = 1
    write_image(tmp_path / "mask.png", mask)
    write_image(tmp_path / "small_mask.png", mask[:32])
    grey = mask.copy()
    grey[0, 0] = 0.5
    write_image(tmp_path / "grey_mask.png", grey)
    write_image(tmp_path / "black.png", np.zeros((64, 64)))
    return tmp_path


def test_inpaint_writes_the_image_and_a_sidecar_with_the_fill_probe(inputs):
    result = invoke("inpaint", "gravel.png", "--mask", "mask.png", "-o", "out.png", *FAST)
    assert_ok(result)
    out = read_image(inputs / "out.png")
    gravel, mask = read_image(inputs / "gravel.png"), read_image(inputs / "mask.png") == 1
    np.testing.assert_array_equal(out[~mask], gravel[~mask])
    sidecar = json.loads((inputs / "out.json").read_text())
    assert sidecar["extra"]["task"] == "inpaint"
    assert sidecar["extra"]["mask"].endswith("mask.png")
    assert sidecar["extra"]["fill_probe"][0]["verdict"] in ("novel", "suspicious", "copy", "undefined", "indeterminate")
    assert sidecar["config"]["model"]["n_scales"] == 3 and sidecar["versions"]["wavetex"]


def test_the_summary_names_the_task_and_the_probe(inputs):
    result = invoke("inpaint", "gravel.png", "--mask", "mask.png", "-o", "out.png", "--n-scales", "3", "--max-iter", "2")
    assert_ok(result)
    assert "Inpaint: made 1 sample of 64×64" in result.stdout.replace("\n", " ")
    assert "Fill probe" in result.stdout


def test_no_overwrite_without_force_and_never_an_input(inputs):
    assert_ok(invoke("inpaint", "gravel.png", "--mask", "mask.png", "-o", "out.png", *FAST))
    before = (inputs / "out.png").read_bytes()
    assert_error(invoke("inpaint", "gravel.png", "--mask", "mask.png", "-o", "out.png", *FAST), "--force")
    assert (inputs / "out.png").read_bytes() == before
    assert_ok(invoke("inpaint", "gravel.png", "--mask", "mask.png", "-o", "out.png", "--force", "--seed", "1", *FAST))
    assert_error(invoke("inpaint", "gravel.png", "--mask", "mask.png", "-o", "mask.png", "--force", *FAST),
                 "is an input file")


@pytest.mark.parametrize(
    "mask, fragments",
    [
        ("small_mask.png", ["the mask is 64×32 pixels but the image is 64×64"]),
        ("grey_mask.png", ["not binary"]),
        ("black.png", ["no pixel as unknown"]),
    ],
)
def test_bad_masks_give_one_line_errors_and_no_output(inputs, mask, fragments):
    assert_error(invoke("inpaint", "gravel.png", "--mask", mask, "-o", "out.png", *FAST), *fragments)
    assert not (inputs / "out.png").exists() and not (inputs / "out.json").exists()


def test_a_known_region_too_small_names_the_flag_that_fits(inputs):
    assert_error(invoke("inpaint", "gravel.png", "--mask", "mask.png", "-o", "out.png", "--n-scales", "5", "-q"),
                 "largest is 23×23", "--n-scales 5 needs", "use --n-scales 3 or less")


def test_extend_places_the_image_and_refuses_smaller_sizes(inputs):
    assert_ok(invoke("extend", "gravel.png", "--size", "96x80", "--anchor", "top-left", "-o", "big.png", *FAST))
    big = read_image(inputs / "big.png")
    assert big.shape == (80, 96)
    np.testing.assert_array_equal(big[:64, :64], read_image(inputs / "gravel.png"))
    assert json.loads((inputs / "big.json").read_text())["extra"]["anchor"] == "top-left"
    assert_error(invoke("extend", "gravel.png", "--size", "32x80", "-o", "x.png", *FAST), "--size 32x80 must be larger")


def test_tile_keeps_the_interior(inputs):
    assert_ok(invoke("tile", "gravel.png", "--band", "8", "-o", "tile.png", *FAST))
    tile = read_image(inputs / "tile.png")
    np.testing.assert_array_equal(tile[8:-8, 8:-8], read_image(inputs / "gravel.png")[8:-8, 8:-8])
    assert json.loads((inputs / "tile.json").read_text())["extra"]["band"] == 8
    assert_error(invoke("tile", "gravel.png", "--band", "40", "-o", "t.png", *FAST), "--band 40 along each border leaves nothing", "use --band 30 or less")


def test_constrained_commands_have_no_size_or_objective_of_their_own(inputs):
    result = invoke("inpaint", "gravel.png", "--mask", "mask.png", "--objective", "paper", *FAST)
    assert result.exit_code == 2 and "No such option" in result.output
    result = invoke("tile", "gravel.png", "--band", "8", "--size", "64", *FAST)
    assert result.exit_code == 2 and "No such option" in result.output


def test_inpaint_with_an_exemplar_records_it(inputs):
    write_image(inputs / "clouds.png", read_image(textures.path("clouds"))[:64, :64])
    assert_ok(invoke("inpaint", "gravel.png", "--mask", "mask.png", "--exemplar", "clouds.png", "-o", "out.png", *FAST))
    extra = json.loads((inputs / "out.json").read_text())["extra"]
    assert extra["exemplar"]["path"].endswith("clouds.png")
    assert_error(invoke("inpaint", "gravel.png", "--mask", "mask.png", "--exemplar", "nothing.png", "-o", "x.png",
                        *FAST), "nothing.png")
