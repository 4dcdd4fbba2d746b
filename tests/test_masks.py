"""Masks of unknown pixels: reading, checks with remedies, the regions of extend and tile."""

import numpy as np
import pytest
import torch

from wavetex.io import write_image
from wavetex.masks import (
    border_band,
    check_mask,
    largest_known_square,
    minimum_known_side,
    placement,
    read_mask,
)
from wavetex.representation import erode, known_region_masks, reach_masks, support_widths


def hole(size=96, box=(32, 64, 32, 64)):
    mask = np.zeros((size, size), dtype=bool)
    mask[box[0] : box[1], box[2] : box[3]] = True
    return mask


def test_read_mask_white_is_unknown(tmp_path):
    write_image(tmp_path / "mask.png", hole().astype(float))
    np.testing.assert_array_equal(read_mask(tmp_path / "mask.png"), hole())


def test_a_grey_level_in_a_mask_file_is_refused(tmp_path):
    mask = hole().astype(float)
    mask[0, 0] = 0.5
    write_image(tmp_path / "mask.png", mask)
    with pytest.raises(ValueError, match="not binary.*black.*white"):
        read_mask(tmp_path / "mask.png")


@pytest.mark.parametrize(
    "mask, message",
    [
        (np.zeros((96, 80), dtype=bool), "the mask is 80×96 pixels but the image is 96×96"),
        (np.full((96, 96), 0.3), "not binary"),
        (np.zeros((96, 96), dtype=bool), "no pixel as unknown"),
        (np.ones((96, 96), dtype=bool), "every pixel as unknown"),
    ],
)
def test_bad_masks_are_refused_with_a_remedy(mask, message):
    with pytest.raises(ValueError, match=message):
        check_mask(mask, (96, 96), 3)


def test_a_known_region_too_small_names_the_scales_that_fit():
    mask = hole(96, (20, 76, 20, 76))  # known: a 20-pixel frame
    assert largest_known_square(~mask) == 19
    with pytest.raises(ValueError, match="no 42×42 square.*n_scales=4 needs.*use n_scales=2 or less"):
        check_mask(mask, (96, 96), 4)
    assert minimum_known_side(2) <= 19 < minimum_known_side(3)
    check_mask(mask, (96, 96), 2)  # fits


def test_zero_one_numbers_are_masks_too():
    np.testing.assert_array_equal(check_mask(hole().astype(np.uint8), (96, 96), 3), hole())


def test_largest_known_square_is_the_largest():
    known = np.zeros((40, 50), dtype=bool)
    known[5:22, 10:45] = True  # 17 rows
    assert largest_known_square(known) == 17
    known[13, 10:45:8] = False  # holes 8 apart across the middle row
    assert largest_known_square(known) == 7  # odd squares only: 8 rows above or below


def test_border_band_and_its_limits():
    band = border_band((20, 30), 3)
    assert band[:3].all() and band[-3:].all() and band[:, :3].all() and band[:, -3:].all()
    assert not band[3:-3, 3:-3].any()
    with pytest.raises(ValueError, match="use band=9 or less"):
        border_band((20, 30), 10)
    with pytest.raises(ValueError, match="positive"):
        border_band((20, 30), 0)


@pytest.mark.parametrize(
    "anchor, expected",
    [("center", (10, 20)), ("top-left", (0, 0)), ("bottom-right", (20, 40)), ("left", (10, 0)), ("top", (0, 20))],
)
def test_placement(anchor, expected):
    assert placement((10, 10), (30, 50), anchor) == expected


def test_placement_refuses_smaller_sizes_and_unknown_anchors():
    with pytest.raises(ValueError, match="larger"):
        placement((10, 10), (8, 50), "center")
    with pytest.raises(ValueError, match="anchor=.middle. must be one of"):
        placement((10, 10), (20, 20), "middle")


def test_erosion_and_dilation_masks_agree_with_their_definitions():
    unknown = torch.from_numpy(hole(64, (20, 30, 40, 44)))
    widths = support_widths(3) + [1]
    known_masks = known_region_masks(~unknown, 3, periodic=True)
    reach = reach_masks(unknown, 3)
    rows, cols = np.nonzero(unknown.numpy())
    for j, w in enumerate(widths):
        near = np.zeros((64, 64), dtype=bool)
        for r, c in zip(rows, cols):
            near[max(0, r - w) : r + w + 1, max(0, c - w) : c + w + 1] = True
        np.testing.assert_array_equal(known_masks[j].numpy() == 1, ~near)
        np.testing.assert_array_equal(reach[j].numpy() == 1, near)
    assert not erode(torch.ones(8, 8, dtype=torch.bool), 1, periodic=False)[0].any()
