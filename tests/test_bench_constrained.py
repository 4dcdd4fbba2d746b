"""benchmarks/bench_constrained.py keeps working (tiny images, two iterations)."""

import numpy as np
from checkout_scripts import load_script

from wavetex import textures


def _bench():
    return load_script("benchmarks/bench_constrained.py")


def test_the_blob_is_an_irregular_hole_that_leaves_room_for_the_statistics():
    mask = _bench().blob_mask(256)
    assert 0.04 < mask.mean() < 0.1
    assert not mask[:, :40].any() and not mask[:40].any()


def test_each_case_reports_its_figures(tmp_path):
    bench = _bench()
    image = textures.load("gravel")[:96, :96]
    options = dict(n_scales=2, max_iter=2, coarse_iter=0, progress=False)
    record, mask, filled = bench.inpaint_case(image, options)
    assert record["probe_verdict"] and record["boundary_step_ratio_original"] > 0
    np.testing.assert_array_equal(filled[~mask], image[~mask])
    bench.figure(image, mask, filled, tmp_path / "figure.png")
    assert (tmp_path / "figure.png").exists()
    assert bench.tile_case(image, options, band=8)["wrap_step_ratio_before"] > 1
    extended = bench.extend_case(image, options, crop=64)
    assert extended["crop"] == 64
    for part in (record, extended):
        assert 0 <= part["defect_fraction"] <= 1 and part["statistics_error"] > 0 and part["seconds"] > 0
