"""Constrained synthesis: inpaint, extend, make_tileable (small images, J = 3, ≤ 30 iterations)."""

import dataclasses
import json

import numpy as np
import pytest
import torch

import wavetex
from wavetex import textures
from wavetex.config import SCHEDULES
from wavetex.io import read_image
from wavetex.quality import boundary_step_ratio, fill_step_ratio, wrap_step_ratio

FAST = dict(n_scales=3, max_iter=30, coarse_iter=100, progress=False)


@pytest.fixture(scope="module")
def gravel():
    return read_image(textures.path("gravel"))[:96, :96]


@pytest.fixture(scope="module")
def clouds():
    return read_image(textures.path("clouds"))[:96, :96]


def hole(size=96):
    mask = np.zeros((size, size), dtype=bool)
    mask[32:64, 28:60] = True
    return mask


@pytest.fixture(scope="module")
def filled(gravel, clouds):
    """One inpainting of each texture, shared by the quality tests."""
    return {name: wavetex.inpaint(image, hole(), **FAST) for name, image in (("gravel", gravel), ("clouds", clouds))}


def test_known_pixels_stay_bit_identical_and_the_hole_changes(gravel, filled):
    result = filled["gravel"]
    for images in (result.images, result.raw_images):
        np.testing.assert_array_equal(images[0][~hole()], gravel[~hole()])
    assert np.abs(result.images[0][hole()] - gravel[hole()]).mean() > 0.02
    assert result.losses[0] < 0.5 * result.initial_losses[0]  # initial: after the coarse stage


@pytest.mark.parametrize("name", ["gravel", "clouds"])
def test_no_visible_boundary_and_as_sharp_as_the_rest(name, filled):
    """Steps across the fill's edge as between known neighbours (a fill matched on the
    region that reaches the hole alone gives 1.84 on gravel), and the same inside."""
    image = filled[name].images[0]
    assert boundary_step_ratio(image, hole()) < 1.6
    assert 0.8 < fill_step_ratio(image, hole()) < 1.25


@pytest.mark.parametrize("name", ["gravel", "clouds"])
def test_a_hole_in_a_stochastic_texture_is_filled_without_copying(name, filled):
    report = filled[name].extra["fill_probe"][0]
    assert report["verdict"] == "novel", report["verdict_reason"]
    assert report["n_crops"] > 0


def test_the_fill_probe_in_the_result_sees_a_copied_fill(gravel, filled):
    """The probe attached to results is the real one: a pasted piece is a copy."""
    copied = filled["gravel"].images[0].copy()
    copied[32:64, 28:60] = gravel[0:32, 0:32]
    assert wavetex.memorization.probe_fill(copied, hole()).verdict == "copy"


def test_same_seed_same_fill_other_seed_other_fill(gravel):
    options = dict(n_scales=3, max_iter=5, coarse_iter=0, progress=False)
    first = wavetex.inpaint(gravel, hole(), seed=3, **options)
    again = wavetex.inpaint(gravel, hole(), seed=3, **options)
    other = wavetex.inpaint(gravel, hole(), seed=4, **options)
    np.testing.assert_array_equal(first.images, again.images)
    assert np.abs(first.images[0] - other.images[0])[hole()].mean() > 0.01
    assert first.seeds == [3] and first.config.seed == 3


def test_a_batch_equals_samples_run_one_at_a_time(gravel):
    options = dict(n_scales=3, max_iter=4, coarse_iter=0, progress=False, histogram_match=False)
    batch = wavetex.inpaint(gravel, hole(), n_samples=2, seed=5, **options)
    single = wavetex.inpaint(gravel, hole(), seed=6, **options)
    np.testing.assert_allclose(batch.raw_images[1], single.raw_images[0], atol=1e-5)


def test_inpaint_from_an_exemplar_uses_its_statistics(gravel, clouds):
    """A hole in gravel filled with clouds' statistics looks like clouds, not gravel."""
    result = wavetex.inpaint(gravel, hole(), exemplar=clouds, **FAST)
    np.testing.assert_array_equal(result.images[0][~hole()], gravel[~hole()])
    assert fill_step_ratio(result.images[0], hole()) < 0.6  # clouds are much smoother than gravel


def test_colour_known_pixels_stay_bit_identical():
    tissue = read_image(textures.path("tissue"))[:64, :64]
    mask = np.zeros((64, 64), dtype=bool)
    mask[20:40, 24:44] = True
    result = wavetex.inpaint(tissue, mask, n_scales=2, max_iter=5, coarse_iter=0, progress=False)
    assert result.images.shape == (1, 64, 64, 3)
    np.testing.assert_array_equal(result.images[0][~mask], tissue[~mask])


def test_extend_keeps_the_image_where_the_anchor_puts_it(gravel):
    image = gravel[:64, :64]
    result = wavetex.extend(image, (80, 128), anchor="bottom-right", n_scales=3, max_iter=10, coarse_iter=0, progress=False)
    assert result.images.shape == (1, 80, 128)
    np.testing.assert_array_equal(result.images[0, 16:, 64:], image)
    assert result.extra["placement"] == [16, 64] and result.extra["task"] == "extend"
    assert result.config.size == (80, 128)


def test_make_tileable_output_tiles_without_a_step_across_the_wrap(gravel, clouds):
    for image in (gravel, clouds):
        assert wrap_step_ratio(image) > 1.5  # the crops do not tile as they are
        result = wavetex.make_tileable(image, 12, **FAST)
        tile = result.images[0]
        np.testing.assert_array_equal(tile[12:-12, 12:-12], image[12:-12, 12:-12])
        tiled = np.tile(tile, (2, 2))  # 2×2: the wrap now lies inside the image
        steps_down = np.abs(np.diff(tiled, axis=0)).mean(axis=1)
        steps_across = np.abs(np.diff(tiled, axis=1)).mean(axis=0)
        assert steps_down[95] <= steps_down.max() and steps_across[95] <= steps_across.max()
        assert wrap_step_ratio(tile) < 1.0


def test_the_sidecar_carries_the_fill_probe(tmp_path, filled):
    written = filled["gravel"].save(tmp_path / "fill.png")
    sidecar = json.loads(written[-2].read_text())
    assert sidecar["extra"]["task"] == "inpaint"
    assert sidecar["extra"]["unknown_pixels"] == int(hole().sum())
    assert sidecar["extra"]["fill_probe"][0]["verdict"] == "novel"


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda g: wavetex.inpaint(g, hole(80), **FAST), ValueError, "the mask is 80×80 pixels but the image is 96×96"),
        (lambda g: wavetex.inpaint(g, hole() * 0.5, **FAST), ValueError, "not binary"),
        (lambda g: wavetex.inpaint(g, np.zeros((96, 96)), **FAST), ValueError, "no pixel as unknown"),
        (lambda g: wavetex.inpaint(g, np.ones((96, 96)), **FAST), ValueError, "every pixel as unknown"),
        (lambda g: wavetex.inpaint(g, hole(), n_scales=5, progress=False), ValueError, "largest is 35×35.*use n_scales=3 or less"),
        (lambda g: wavetex.inpaint(g, hole(), size=(128, 128), **FAST), ValueError, "keeps the image's size"),
        (lambda g: wavetex.inpaint(g, hole(), objective="paper", **FAST), ValueError, "periodic objective only"),
        (lambda g: wavetex.inpaint(g, hole(), probe_every=5, **FAST), ValueError, "fill probe runs at the end"),
        (lambda g: wavetex.extend(g, (64, 128), **FAST), ValueError, r"size=\(64, 128\) must be larger.*smaller on none"),
        (lambda g: wavetex.extend(g, (128, 128), anchor="middle", **FAST), ValueError, "anchor='middle' must be one of"),
        (lambda g: wavetex.make_tileable(g, 48, **FAST), ValueError, "band=48 along each border leaves nothing.*n_scales=3 needs at least 4×4; use band=46 or less"),
        (lambda g: wavetex.inpaint(g * 255, hole(), **FAST), ValueError, "image values must lie in"),
    ],
)
def test_bad_inputs_are_refused_with_a_remedy(gravel, call, error, message):
    with pytest.raises(error, match=message):
        call(gravel)


def test_a_known_region_too_small_is_refused_before_any_work(gravel, monkeypatch):
    mask = np.ones((96, 96), dtype=bool)
    mask[:20, :20] = False
    monkeypatch.setattr(wavetex.constrained, "optimise", lambda *a, **k: pytest.fail("optimised anyway"))
    with pytest.raises(ValueError, match="holds no 22×22 square.*use n_scales=2 or less"):
        wavetex.inpaint(gravel, mask, **FAST)


def test_callback_and_progress_behave_as_in_synthesize(gravel):
    steps = []
    wavetex.inpaint(gravel, hole(), n_scales=3, max_iter=3, coarse_iter=0, progress=False, callback=lambda s, x, l: steps.append(s))
    assert steps == [1, 2, 3]


def test_ctrl_c_returns_the_best_fill_so_far_with_the_known_pixels_intact(gravel):
    def interrupt(step, images, losses):
        if step == 2:
            raise KeyboardInterrupt

    result = wavetex.inpaint(gravel, hole(), n_scales=3, max_iter=10, coarse_iter=0, progress=False, callback=interrupt)
    assert result.interrupted and result.stop_reasons == ["interrupted"]
    np.testing.assert_array_equal(result.images[0][~hole()], gravel[~hole()])
    assert result.extra["fill_probe"][0]["verdict"]


def test_a_colour_fill_has_the_channel_correlations_of_the_known_pixels():
    """Compared inside the fill's regions with the paper's weight 1, the colour
    correlation counted for nothing: a fill in tissue came out in purple and yellow
    streaks (correlations 0.3 where the known pixels have 0.95)."""
    tissue = read_image(textures.path("tissue"))[96:192, 0:96]
    result = wavetex.inpaint(tissue, hole(), **FAST)

    def correlations(pixels):
        centred = (pixels - pixels.mean(0)) / pixels.std(0, ddof=1)
        return centred.T @ centred / len(pixels)

    difference = correlations(result.images[0][hole()]) - correlations(tissue[~hole()])
    assert np.abs(difference).max() < 0.1


def test_a_band_that_leaves_too_small_an_interior_is_refused_and_the_named_band_works(gravel):
    """Issue 19: band 63 on a 128² image ran into NaNs the library made itself (the region
    straddling the boundary had no pairs at the largest shifts)."""
    image = gravel[:64, :64]
    with pytest.raises(ValueError, match=r"band=31 along each border leaves a known interior of 2×2 pixels in this "
                                         r"64×64 image, and n_scales=3 needs at least 4×4; use band=30 or less"):
        wavetex.make_tileable(image, 31, n_scales=3, max_iter=2, progress=False)
    result = wavetex.make_tileable(image, 30, n_scales=3, max_iter=2, coarse_iter=0, progress=False)
    assert np.isfinite(result.raw_images).all() and np.isfinite(result.losses).all()


@pytest.mark.parametrize("shape", [(1, 256), (256, 1), (3, 80)])
def test_a_sliver_of_an_image_gets_advice_that_can_work(shape):
    image = np.random.default_rng(0).random(shape)
    with pytest.raises(ValueError) as caught:
        wavetex.make_tileable(image, 1, n_scales=2, max_iter=2, progress=False)
    message = str(caught.value)
    assert "band=0" not in message and "use a larger image" in message


@pytest.mark.parametrize("size, anchor", [((64, 96), "center"), ((96, 64), "top-left"), ((64, 65), "center")])
def test_extend_that_grows_one_side_only_gives_finite_images(gravel, size, anchor):
    """Issue 19: extending 64² to 64×96 ran into NaNs: the region straddling the boundary had
    no pair of pixels at the largest shifts, and the pair counts, computed by FFT, were
    1e-19 instead of 0, so some statistics were divided by them (loss 1e20)."""
    image = gravel[:64, :64]
    result = wavetex.extend(image, size, anchor=anchor, n_scales=3, max_iter=5, progress=False)
    assert np.isfinite(result.raw_images).all() and np.isfinite(result.losses).all()
    assert result.losses[0] < result.initial_losses[0]


def test_statistics_without_a_pair_of_pixels_in_a_region_are_not_estimable_and_zero(gravel):
    stats = wavetex.TextureStatistics(torch.from_numpy(gravel[:64, :64]), n_scales=3)
    stripe = torch.zeros(4, 64, 64, dtype=torch.float64)
    stripe[:, :, 30:33] = 1  # three columns: no pair at horizontal shifts of 3 or more
    estimable = stats.estimable(stripe)
    assert estimable.any() and not estimable.all()
    values = stats.within(torch.rand(1, 64, 64, dtype=torch.float64), stripe)
    assert torch.isfinite(values).all() and (values[~estimable].abs() < 1e-6).all()
    assert values[estimable].abs().max() > 0.01 and stats.estimable(torch.ones(4, 64, 64)).all()


@pytest.fixture
def short_coarse_stage(monkeypatch):
    """The default schedule with a coarse stage of 40 iterations."""
    monkeypatch.setitem(SCHEDULES, "default", dataclasses.replace(SCHEDULES["default"], coarse_iter=40))


@pytest.mark.parametrize("task", ["inpaint", "inpaint_exemplar", "extend", "tile"])
def test_constrained_runs_start_from_a_coarse_stage_at_half_resolution(gravel, short_coarse_stage, monkeypatch, task):
    calls = {
        "inpaint": lambda: wavetex.inpaint(gravel, hole(), n_scales=3, max_iter=1, progress=False),
        "inpaint_exemplar": lambda: wavetex.inpaint(gravel, hole(), exemplar=gravel, n_scales=3, max_iter=1,
                                                    progress=False),
        "extend": lambda: wavetex.extend(gravel[:64, :64], (96, 96), n_scales=3, max_iter=1, progress=False),
        "tile": lambda: wavetex.make_tileable(gravel, 16, n_scales=3, max_iter=1, progress=False),
    }
    with_coarse = calls[task]()
    assert with_coarse.extra["coarse"]["size"] == [48, 48] and with_coarse.extra["coarse"]["n_scales"] == 2
    assert with_coarse.extra["coarse"]["iterations"] == [40] and with_coarse.n_iterations == [1]
    assert with_coarse.wall_time >= with_coarse.extra["coarse"]["wall_time"]
    monkeypatch.setitem(SCHEDULES, "default", dataclasses.replace(SCHEDULES["default"], coarse_iter=0))
    without = calls[task]()
    assert "coarse" not in without.extra
    # the coarse stage's fill, upsampled, is a better start than noise
    assert with_coarse.initial_errors[0] < 0.7 * without.initial_errors[0]


def test_the_coarse_stage_keeps_the_known_pixels_and_an_interruption(gravel, short_coarse_stage, monkeypatch):
    from wavetex import synthesis

    calls = {"n": 0}
    objective_call = synthesis.Objective.__call__

    def interrupted(self, X):
        calls["n"] += 1
        if calls["n"] == 3:  # inside the coarse stage
            raise KeyboardInterrupt
        return objective_call(self, X)

    monkeypatch.setattr(synthesis.Objective, "__call__", interrupted)
    result = wavetex.inpaint(gravel, hole(), n_scales=3, max_iter=5, progress=False)
    assert result.interrupted and result.stop_reasons == ["interrupted"] and result.n_iterations == [0]
    assert result.extra["coarse"]["iterations"][0] < 40
    np.testing.assert_array_equal(result.images[0][~hole()], gravel[~hole()])


def test_no_coarse_stage_where_the_known_pixels_at_half_resolution_cannot_be_fitted(gravel, short_coarse_stage):
    """Inpainting from the known pixels needs a known square for the smaller model too: a
    13² known square fits J = 2 (12² needed) but leaves only 5² whole blocks at half
    resolution, where J = 1 needs 6²; the fill runs without a coarse stage."""
    image = gravel[:64, :64]
    mask = np.ones((64, 64), dtype=bool)
    mask[1:14, 1:14] = False
    result = wavetex.inpaint(image, mask, n_scales=2, max_iter=2, progress=False)
    assert "coarse" not in result.extra and np.isfinite(result.raw_images).all()
    mask[1:16, 1:16] = False  # 15²: 7² whole blocks at half resolution
    assert "coarse" in wavetex.inpaint(image, mask, n_scales=2, max_iter=2, progress=False).extra


def test_a_fill_region_compares_only_the_statistics_it_can_estimate(gravel):
    """A region narrower than a shift has no pair of pixels for it: the target there is 0,
    as TextureStatistics.within gives, so the statistic drops out of the loss."""
    from wavetex import constrained, synthesis

    image = torch.from_numpy(gravel[:64, :64])[None]
    canvas = torch.zeros(1, 64, 96, dtype=torch.float64)
    canvas[..., 16:80] = image
    unknown = np.ones((64, 96), dtype=bool)
    unknown[:, 16:80] = False
    config = wavetex.SynthesisConfig(size=(64, 96), device="cpu", model=wavetex.ModelConfig(n_scales=3))
    prepared = constrained.constrain(synthesis.prepare(image, config), canvas, unknown)
    n = prepared.statistics.n_stats
    estimable = [prepared.statistics.estimable(region) for region in prepared.target.region]
    assert not all(e.all() for e in estimable)
    for r, known_pairs in enumerate(estimable):
        target = prepared.target.statistics[r * n : (r + 1) * n]
        assert (target[~known_pairs] == 0).all() and (target[known_pairs] != 0).any()
