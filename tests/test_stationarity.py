"""The stationarity check warns on an exemplar that is not one texture, and only then.

Validated on the bundled photographs at half size (128²; at 256² the verdicts are the
same: tissue 0.32, the others 0 except brick 0.15): tissue, where one gland boundary
spans the crop, warns; gravel, grass, retina and galaxies stay silent, also under a slow
brightness ramp (lighting, not a second texture).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import ndimage
from skimage.transform import downscale_local_mean

from wavetex import textures
from wavetex.stationarity import STATIONARITY_THRESHOLD, StationarityReport, check_stationarity


def half_size(name: str) -> np.ndarray:
    image = textures.load(name)
    return downscale_local_mean(image, (2, 2) if image.ndim == 2 else (2, 2, 1))


def ramp(image: np.ndarray) -> np.ndarray:
    gain = np.linspace(0.7, 1.3, image.shape[1])[None, :]
    return np.clip(image * (gain if image.ndim == 2 else gain[..., None]), 0.0, 1.0)


@pytest.mark.parametrize("lighting", ["even", "ramp"])
# brick scores 0.16 (its bricks lean one way on the left, the other on the right: the
# photograph is taken at an angle), the only non-zero score below the threshold.
@pytest.mark.parametrize("name", ["gravel", "grass", "retina", "galaxies", "brick"])
def test_stationary_photographs_are_silent(name, lighting):
    image = half_size(name)
    report = check_stationarity(ramp(image) if lighting == "ramp" else image)
    assert report.checked and report.stationary and report.score < STATIONARITY_THRESHOLD
    assert report.message.startswith("the exemplar's halves look alike")


@pytest.mark.parametrize("lighting", ["even", "ramp"])
def test_tissue_warns(lighting):
    image = half_size("tissue")
    report = check_stationarity(ramp(image) if lighting == "ramp" else image)
    assert report.checked and not report.stationary and report.score >= STATIONARITY_THRESHOLD
    assert report.message.startswith("the exemplar may not be one texture")
    assert "Crop the exemplar to one texture" in report.message
    assert set(report.halves) == {"bottom vs top", "top vs bottom", "right vs left", "left vs right"}
    assert report.score == max(report.halves.values())


def test_two_textures_side_by_side_warn_and_one_does_not():
    rng = np.random.default_rng(0)
    fine = ndimage.gaussian_filter(rng.random((128, 128)), 1)
    assert check_stationarity(fine).stationary
    two = fine.copy()
    two[:, 64:] = ndimage.gaussian_filter(rng.random((128, 64)), 4) * 4 - 1.5
    report = check_stationarity(np.clip(two, 0, 1))
    assert not report.stationary and report.halves["right vs left"] >= STATIONARITY_THRESHOLD


def test_flat_exemplars_are_one_texture():
    assert check_stationarity(np.full((128, 128, 3), 0.5)).stationary


def test_small_exemplars_are_not_checked_and_the_report_is_plain_data():
    report = check_stationarity(np.random.default_rng(0).random((64, 200)))
    assert isinstance(report, StationarityReport)
    assert not report.checked and report.stationary and math.isnan(report.score)
    assert "smaller than 128" in report.message
    plain = report.to_dict()
    assert plain["score"] is None
    json.dumps(plain, allow_nan=False)


@pytest.mark.parametrize("threshold", [0, 1.5, "0.2", True])
def test_a_bad_threshold_names_the_fix(threshold):
    with pytest.raises(ValueError, match=r"threshold must be a number in \(0, 1\]"):
        check_stationarity(np.zeros((128, 128)), threshold=threshold)


# ------------------------------------------------------------------ wiring


def two_textures() -> np.ndarray:
    """Fine noise on the left, coarse blobs on the right: two textures, 128²."""
    rng = np.random.default_rng(0)
    image = ndimage.gaussian_filter(rng.random((128, 128)), 1)
    image[:, 64:] = ndimage.gaussian_filter(rng.random((128, 64)), 4) * 4 - 1.5
    return np.clip(image, 0, 1)


@pytest.mark.parametrize("exemplar, stationary", [(two_textures, False), (lambda: half_size("gravel"), True)])
def test_synthesize_records_the_check(exemplar, stationary):
    import wavetex

    result = wavetex.synthesize(exemplar(), size=(32, 32), n_scales=3, max_iter=1, coarse_iter=0, progress=False)
    record = result.extra["stationarity"]
    assert record["checked"] and record["stationary"] is stationary
    json.dumps(record, allow_nan=False)


def test_synth_warns_on_the_terminal_and_in_the_sidecar_without_failing(tmp_path, monkeypatch):
    from cli_checks import assert_ok, invoke

    from wavetex.io import write_image

    monkeypatch.chdir(tmp_path)
    write_image(tmp_path / "two.png", two_textures())
    write_image(tmp_path / "one.png", half_size("gravel"))
    for name, warns in (("two", True), ("one", False)):
        result = invoke("synth", f"{name}.png", "-o", f"{name}_out.png", "--size", "32x32", "--n-scales", 3, "--max-iter", 1,
                        "--coarse-iter", 0, "--quiet")
        assert_ok(result)
        warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
        assert len(warnings) == int(warns), result.stderr
        if warns:
            assert "may not be one texture" in warnings[0] and "Crop the exemplar to one texture" in warnings[0]
        sidecar = json.loads((tmp_path / f"{name}_out.json").read_text())
        assert sidecar["extra"]["stationarity"]["stationary"] is not warns


def test_the_same_exemplar_is_checked_once(monkeypatch):
    """Every synthesis of an exemplar asks again; the answer is remembered by content."""
    import wavetex.stationarity as stationarity

    calls = []
    real = stationarity.local_fidelity
    monkeypatch.setattr(stationarity, "local_fidelity", lambda *a, **k: calls.append(1) or real(*a, **k))
    exemplar = np.random.default_rng(7).random((128, 128))
    first = stationarity.check_stationarity(exemplar)
    assert len(calls) == 4
    assert stationarity.check_stationarity(exemplar.copy()) == first and len(calls) == 4
    changed = exemplar.copy()
    changed[0, 0] = 1 - changed[0, 0]
    stationarity.check_stationarity(changed)
    assert len(calls) == 8  # other pixels, checked anew
