"""The fill probe: crop matches of the synthesised region against the known pixels."""

import json

import numpy as np
import pytest

from wavetex import textures
from wavetex.memorization import probe_fill
from wavetex.io import read_image


@pytest.fixture(scope="module")
def gravel():
    return read_image(textures.path("gravel"))[:128, :128]


def hole():
    unknown = np.zeros((128, 128), dtype=bool)
    unknown[40:88, 48:96] = True
    return unknown


def test_the_true_content_of_a_hole_is_novel(gravel):
    report = probe_fill(gravel, hole())
    assert report.verdict == "novel", report.verdict_reason
    assert report.n_crops > 0 and report.n_heldout_crops > 0
    assert abs(report.memorization_index) < 0.2


def test_a_hole_filled_with_a_known_piece_is_a_copy(gravel):
    copied = gravel.copy()
    copied[40:88, 48:96] = gravel[0:48, 0:48]  # a known piece pasted into the hole
    report = probe_fill(copied, hole())
    assert report.verdict == "copy", report.verdict_reason
    assert report.copy_rate >= 0.25 and report.coherence > 0.5
    # the matches point at the pasted piece's origin, not at the hole itself
    offsets = report.match_positions - report.crop_positions
    assert np.median(offsets[:, 0]) == -40 and np.median(offsets[:, 1]) == -48


def test_windows_that_touch_the_fill_are_never_matched(gravel):
    """Searching the hole in the whole image would find it in itself: a copy."""
    report = probe_fill(gravel, hole())
    size = report.crop_size
    for y, x in report.match_positions:
        assert not hole()[y : y + size, x : x + size].any()
        assert y + size <= 128 and x + size <= 128


def test_a_flat_fill_is_undefined_and_the_report_is_json(gravel):
    flat = gravel.copy()
    flat[hole()] = 0.5
    report = probe_fill(flat, hole())
    assert report.verdict == "undefined"
    json.dumps(report.to_dict(), allow_nan=False)


def test_bad_arguments_are_refused(gravel):
    with pytest.raises(ValueError, match="bool array of the image's size"):
        probe_fill(gravel, hole()[:64])
    with pytest.raises(ValueError, match="crop_size must be an integer in"):
        probe_fill(gravel, hole(), crop_size=8)


def test_a_hole_smaller_than_half_a_crop_is_undefined(gravel):
    unknown = np.zeros((128, 128), dtype=bool)
    unknown[60:64, 60:64] = True
    report = probe_fill(gravel, unknown)
    assert report.verdict == "undefined" and "smaller crop size (--crop-size" in report.verdict_reason


def test_a_piece_of_the_exemplar_pasted_into_the_hole_is_a_copy_when_the_exemplar_is_searched(gravel):
    """inpaint(exemplar=...) takes the statistics from another image: the probe must look
    there too, or a verbatim patch of it reads "novel" (issue 20, item 7)."""
    exemplar = read_image(textures.path("gravel"))[128:256, 128:256]
    pasted = gravel.copy()
    pasted[40:88, 48:96] = exemplar[10:58, 20:68]
    alone = probe_fill(pasted, hole())
    assert alone.verdict != "copy" and not alone.searched_exemplar
    report = probe_fill(pasted, hole(), exemplar=exemplar)
    assert report.verdict == "copy", report.verdict_reason
    assert report.searched_exemplar and report.match_in_exemplar.mean() > 0.5
    assert report.coherence > 0.5 and "match_in_exemplar" not in report.to_dict()
    in_exemplar = report.match_positions[report.match_in_exemplar] - report.crop_positions[report.match_in_exemplar]
    assert np.median(in_exemplar[:, 0]) == 10 - 40 and np.median(in_exemplar[:, 1]) == 20 - 48
    truth = probe_fill(gravel, hole(), exemplar=exemplar)
    assert truth.verdict == "novel", truth.verdict_reason
    with pytest.raises(ValueError, match="two crops"):
        probe_fill(gravel, hole(), exemplar=exemplar[:24, :24])
