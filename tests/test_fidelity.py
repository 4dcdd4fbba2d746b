"""Local fidelity (wavetex.memorization.local_fidelity): its controls, on small images.

Negative controls must pass (another draw of the same texture, also under a brightness
ramp); positive controls must be flagged, with the defect map on the defect (a blurred
patch, a patch of another texture, a brick patch with its mortar erased, blocks
shuffled across the brick lattice). docs/fidelity.md has the same controls at 256².
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import ndimage

from wavetex.errors import ParameterError
from wavetex.memorization import FidelityMap, default_fidelity_window, local_fidelity

SIZE = 128
PATCH = (slice(40, 88), slice(40, 88))  # 48 x 48 pixels in the middle


def bricks(seed: int) -> np.ndarray:
    """Running-bond bricks (16 x 32 px, bright 3-px mortar) with a noisy surface."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[:SIZE, :SIZE]
    mortar = (y % 16 < 3) | ((x + (y // 16 % 2) * 16) % 32 < 3)
    surface = 0.4 + 0.05 * ndimage.gaussian_filter(rng.standard_normal((SIZE, SIZE)), 1)
    return np.where(mortar, 0.8, surface)


def noise(seed: int) -> np.ndarray:
    """Smooth Gaussian noise, mean 0.5, standard deviation about 0.12."""
    field = ndimage.gaussian_filter(np.random.default_rng(seed).standard_normal((SIZE, SIZE)), 1.5)
    return np.clip(0.5 + 0.6 * field, 0.0, 1.0)


def with_patch(image: np.ndarray, patch: np.ndarray) -> np.ndarray:
    result = image.copy()
    result[PATCH] = patch[PATCH]
    return result


def ramp(image: np.ndarray) -> np.ndarray:
    return image * np.linspace(0.7, 1.3, image.shape[1])[None, :]


def shuffled(image: np.ndarray, block: int) -> np.ndarray:
    n = image.shape[0] // block
    blocks = [image[i * block : (i + 1) * block, j * block : (j + 1) * block] for i in range(n) for j in range(n)]
    order = np.random.default_rng(0).permutation(len(blocks))
    return np.block([[blocks[order[i * n + j]] for j in range(n)] for i in range(n)])


TEXTURES = {"bricks": bricks, "noise": noise}


@pytest.mark.parametrize("name", TEXTURES)
def test_the_exemplar_itself_has_no_defect(name):
    exemplar = TEXTURES[name](0)
    result = local_fidelity(exemplar, exemplar)
    assert result.defect_fraction == 0.0 and not result.flagged and not result.map.any()


@pytest.mark.parametrize("name", TEXTURES)
@pytest.mark.parametrize("lighting", ["even", "ramp"])
def test_another_draw_passes_also_under_a_brightness_ramp(name, lighting):
    other = TEXTURES[name](1)
    result = local_fidelity(ramp(other) if lighting == "ramp" else other, TEXTURES[name](0))
    assert result.defect_fraction < 0.05 and not result.flagged


@pytest.mark.parametrize(
    "name, defect",
    [
        ("bricks", "blurred"),
        ("bricks", "mortar erased"),
        ("bricks", "other texture"),
        ("noise", "blurred"),
        ("noise", "other texture"),
    ],
)
def test_a_defective_patch_is_flagged_where_it_is(name, defect):
    other = TEXTURES[name](1)
    patch = {
        "blurred": ndimage.gaussian_filter(other, 2),
        # a grey opening wider than the mortar removes it and keeps the bricks
        "mortar erased": ndimage.grey_opening(other, size=(5, 5)),
        "other texture": noise(3) if name == "bricks" else bricks(3),
    }[defect]
    result = local_fidelity(with_patch(other, patch), TEXTURES[name](0))
    assert result.flagged and 0.05 <= result.defect_fraction <= 0.6
    assert result.map[64, 64] and not result.map[4, 4] and not result.map[-4, -4]


def test_blocks_shuffled_across_the_brick_lattice_are_flagged():
    exemplar = bricks(0)
    # 16-px blocks break the courses; 32-px blocks match the lattice's period and
    # rebuild an intact wall, which is no defect.
    assert local_fidelity(shuffled(bricks(1), 16), exemplar).defect_fraction > 0.5
    assert not local_fidelity(shuffled(bricks(1), 32), exemplar).flagged


def test_a_flat_exemplar_has_a_positive_threshold():
    flat = np.full((64, 64), 0.5)
    assert local_fidelity(flat, flat).defect_fraction == 0.0
    assert local_fidelity(noise(1)[:64, :64], flat).flagged


def test_colour_images_are_judged_on_their_luminance():
    exemplar, other = bricks(0), bricks(1)
    colour = local_fidelity(np.repeat(other[..., None], 3, axis=-1), np.repeat(exemplar[..., None], 3, axis=-1))
    assert colour.defect_fraction == local_fidelity(other, exemplar).defect_fraction


def test_the_report_shapes_and_plain_view():
    result = local_fidelity(noise(1)[:, :96], noise(0))
    assert isinstance(result, FidelityMap)
    assert result.window == default_fidelity_window((SIZE, SIZE)) == 16 and result.stride == 4
    assert result.map.shape == (SIZE, 96) and result.map.dtype == bool
    assert result.scores.shape == result.defect_windows.shape == (29, 21)
    assert len(result.window_positions) == 29 * 21
    summary = result.to_dict()
    assert "map" not in summary and len(summary["thresholds"]) == 2
    json.dumps(summary, allow_nan=False)
    with pytest.raises(ValueError):
        result.map[0, 0] = True  # read-only


def test_results_do_not_depend_on_the_exemplar_cache():
    exemplar, image = bricks(0), with_patch(bricks(1), noise(3))
    first = local_fidelity(image, exemplar)
    second = local_fidelity(image, exemplar)
    np.testing.assert_array_equal(first.scores, second.scores)


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"window": 18}, ParameterError, "multiple of 4"),
        ({"window": 40}, ParameterError, "window=16"),
        ({"window": 8}, ParameterError, "[16, 32]"),
        ({"window": 16.0}, TypeError, "window must be an int"),
    ],
)
def test_bad_windows_name_the_fix(kwargs, error, words):
    with pytest.raises(error, match=None) as caught:
        local_fidelity(noise(1), noise(0), **kwargs)
    assert words in str(caught.value)


def test_bad_images_name_the_fix():
    with pytest.raises(ParameterError, match="at least 16 pixels"):
        local_fidelity(noise(1)[:12], noise(0))
    with pytest.raises(ValueError, match="same number of channels"):
        local_fidelity(np.repeat(noise(1)[..., None], 3, axis=-1), noise(0))
    with pytest.raises(ValueError, match="at least 64x64"):
        local_fidelity(noise(1), noise(0)[:60])


# ------------------------------------------------------------------ in the probe's reports


def test_the_probe_reports_the_defect_fraction_and_map():
    from wavetex.memorization import probe

    exemplar = bricks(0)
    good = probe(bricks(1), exemplar)
    assert good.defect_fraction == 0.0 and good.defect_map.shape == (SIZE, SIZE) and not good.defect_map.any()
    erased = probe(with_patch(bricks(1), ndimage.grey_opening(bricks(1), size=(5, 5))), exemplar)
    assert erased.defect_fraction >= 0.05 and erased.defect_map[64, 64] and not erased.defect_map[4, 4]
    summary = erased.to_dict()
    assert summary["defect_fraction"] == erased.defect_fraction and "defect_map" not in summary
    assert erased.to_dict(include_arrays=True)["defect_map"][64][64] is True
    skipped = probe(bricks(1), exemplar, fidelity=False)
    assert skipped.defect_map is None and skipped.to_dict()["defect_fraction"] is None
    assert skipped.verdict == good.verdict and skipped.copy_rate == good.copy_rate


def hole() -> np.ndarray:
    unknown = np.zeros((SIZE, SIZE), dtype=bool)
    unknown[PATCH] = True
    return unknown


@pytest.mark.parametrize("name", TEXTURES)
def test_a_fill_of_the_same_texture_passes(name):
    from wavetex.memorization import fill_fidelity

    image = with_patch(TEXTURES[name](0), TEXTURES[name](1))
    result = fill_fidelity(image, hole())
    assert result.defect_fraction < 0.05 and not result.flagged


@pytest.mark.parametrize("name, fill", [("bricks", "mortar erased"), ("bricks", "blurred"), ("noise", "blurred")])
def test_a_bad_fill_is_flagged_and_the_fill_probe_reports_it(name, fill):
    from wavetex.memorization import fill_fidelity, probe_fill

    image = TEXTURES[name](0)
    bad = ndimage.grey_opening(image, size=(5, 5)) if fill == "mortar erased" else ndimage.gaussian_filter(image, 2)
    filled = with_patch(image, bad)
    result = fill_fidelity(filled, hole())
    assert result.flagged and result.map[64, 64] and not result.map[4, 4]
    report = probe_fill(filled, hole())
    assert report.defect_fraction == result.defect_fraction and report.to_dict()["defect_fraction"] >= 0.05
    assert "defect fraction" in report.summary()


def test_fill_fidelity_without_a_fill_or_known_window_is_undefined():
    from wavetex.memorization import fill_fidelity

    nothing = fill_fidelity(noise(0), np.zeros((SIZE, SIZE), dtype=bool))
    everything = fill_fidelity(noise(0), np.ones((SIZE, SIZE), dtype=bool))
    sliver = np.ones((SIZE, SIZE), dtype=bool)
    sliver[:20, :20] = False  # known windows exist, but they all overlap each other
    lonely = fill_fidelity(noise(0), sliver)
    assert np.isnan(nothing.defect_fraction) and np.isnan(everything.defect_fraction)
    assert np.isnan(lonely.defect_fraction)
    assert not nothing.flagged and not nothing.map.any()
    with pytest.raises(ValueError, match="unknown must be a bool array"):
        fill_fidelity(noise(0), np.zeros((SIZE, SIZE)))
    with pytest.raises(ParameterError, match="multiple of 4"):
        fill_fidelity(noise(0), hole(), window=18)


def test_the_probe_command_writes_the_defect_fraction(tmp_path, monkeypatch):
    from cli_checks import assert_ok, invoke

    from wavetex.io import write_image

    monkeypatch.chdir(tmp_path)
    write_image(tmp_path / "exemplar.png", bricks(0))
    write_image(tmp_path / "synthesis.png", with_patch(bricks(1), noise(3)))
    assert_ok(invoke("probe", "synthesis.png", "exemplar.png", "-o", "out"))
    report = json.loads((tmp_path / "out" / "report.json").read_text())["report"]
    assert report["defect_fraction"] >= 0.05


def test_inpaint_records_the_fill_defect_fraction():
    import wavetex

    image, unknown = bricks(0), np.zeros((SIZE, SIZE), dtype=bool)
    unknown[48:80, 48:80] = True
    result = wavetex.inpaint(image, unknown, n_scales=3, max_iter=1, progress=False)
    assert "defect_fraction" in result.extra["fill_probe"][0]
