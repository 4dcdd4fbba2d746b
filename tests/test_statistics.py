import numpy as np
import pytest
import torch
from conftest import assert_close
from checkout_scripts import load_script
from oracle import oracle_statistics

import wavetex
from wavetex.statistics import ModelConfig, TextureStatistics, shift_set


def golden_pattern(p=0, size=64):
    """The test pattern x0 of docs/model.md (Golden values), colour channel p."""
    u1, u2 = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
    return (
        0.5
        + 0.2 * np.sin(2 * np.pi * (3 * u1 + u2 + p) / 64)
        + 0.15 * np.cos(2 * np.pi * (u1 - 5 * u2) / 64)
        + 0.1 * ((7 * u1 + 3 * u2**2 + p) % 11) / 11
    )


def random_image(*shape, seed=0, dtype=torch.float64):
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


# -- conformance to the golden values of docs/model.md (sums = means × M·N) -------------

GRAY_GOLDEN = {  # quantity: (x0, x1)
    "sum": (2.068639e6, 3.097384e6),
    "sum_squares": (3.018838e10, 9.329238e10),
    "min": (-2.502247e3, -8.238428e3),
    "max": (5.320517e3, 3.613306e4),
    ((0, 0, 0), (0, 0), (0, 0)): (4095.998, 4095.998),
    ((0, 1, 1), (2, 3), (1, 1)): (215.5376, -406.4033),
    ((1, 2, 2), (1, 0), (-2, 0)): (-1528.591, -1084.341),
    ((3, 3, 3), (3, 3), (8, 0)): (1870.988, -6488.136),
    ((2, 0, 1), (3, 2), (0, -4)): (1512.561, 1238.828),
    "lowpass (0,0)": (5320.517, 5320.517),
    "haar 0 (1,0)": (3583.423, 3054.943),
}


def test_gray_golden_values():
    x0 = torch.tensor(golden_pattern())
    x1 = x0.T.contiguous()
    stats = wavetex.TextureStatistics(x0, n_scales=4)
    assert stats.n_stats == 16_820
    sums = [stats(x0) * 4096, stats(x1) * 4096]
    index = stats.index
    for which, phi in enumerate(sums):
        scale = phi.abs().max().item()
        for key, expected in GRAY_GOLDEN.items():
            if key == "sum":
                value = phi.sum()
            elif key == "sum_squares":
                value = (phi**2).sum()
            elif key in ("min", "max"):
                value = getattr(phi, key)()
            elif key == "lowpass (0,0)":
                (i,) = index.find(kind="lowpass", shift=(0, 0))
                value = phi[i]
            elif key == "haar 0 (1,0)":
                (i,) = index.find(kind="haar", haar=0, shift=(1, 0))
                value = phi[i]
            else:
                (j, l, a), (j2, l2), tau = key
                (i,) = index.find(kind=0, scale=j, orientation=l, phase=a, scale2=j2, orientation2=l2, shift=tau)
                value = phi[i]
            reference = expected[which]
            # the golden figures have 7 significant digits; sums of squares scale with scale²
            tolerance = 1e-5 * (scale**2 if key == "sum_squares" else scale) if key not in ("sum", "sum_squares") else 1e-6 * abs(reference)
            assert abs(value.item() - reference) <= max(tolerance, 5e-7 * abs(reference)), (key, which)
    loss = 1e-6 * ((sums[1] - sums[0]) ** 2).sum().item()
    assert loss == pytest.approx(8.19195e4, rel=1e-5)


def test_colour_golden_values():
    x0 = torch.tensor(np.stack([golden_pattern(p=c) for c in range(3)]))
    x1 = x0.transpose(1, 2).contiguous()
    stats = wavetex.TextureStatistics(x0, n_scales=4)
    assert stats.n_stats == 60_042
    phi0, phi1 = stats(x0) * 4096, stats(x1) * 4096
    assert phi0.sum().item() == pytest.approx(7.407257e6, rel=1e-6)
    assert phi1.sum().item() == pytest.approx(1.083652e7, rel=1e-6)
    assert (phi0**2).sum().item() == pytest.approx(1.040170e11, rel=1e-6)
    assert (phi1**2).sum().item() == pytest.approx(3.152162e11, rel=1e-6)
    assert 1e-6 * ((phi1 - phi0) ** 2).sum().item() == pytest.approx(2.710631e5, rel=1e-6)
    # The spec's colour correlation of x0, to 6 decimals (rounding error <= 5e-7).
    expected = torch.tensor(
        [[0.999756, 0.983514, 0.964594], [0.983514, 0.999756, 0.984232], [0.964594, 0.984232, 0.999756]],
        dtype=torch.float64,
    )
    for correlation in (stats.colour_correlation(x0), stats.target_colour_correlation):
        assert (correlation - expected).abs().max().item() <= 6e-7
    # Moving one channel against the others changes the correlation, not the exemplar's target.
    moved = x0.clone()
    moved[2] = torch.roll(x0[2], 7, dims=1)
    assert (stats.colour_correlation(moved) - expected).abs().max().item() > 1e-2
    assert (stats.target_colour_correlation - expected).abs().max().item() <= 6e-7


# -- counts ---------------------------------------------------------------------------

COUNTS = [  # (colours, options, n_stats, (wavelet, lowpass, haar) or None)
    (1, dict(n_scales=5), 28_564, (28_416, 37, 111)),
    (1, dict(n_scales=4), 16_820, (16_704, 29, 87)),
    (1, dict(n_scales=5, delta_j=4), 35_668, None),
    (1, dict(n_scales=5, n_orientations=8), 113_812, None),
    (1, dict(n_scales=6), 43_380, None),
    (1, dict(n_scales=5, shifts="same_scale_orientation"), 3_796, None),
    (3, dict(n_scales=5), 112_986, None),
    (3, dict(n_scales=4), 60_042, None),
    (3, dict(n_scales=5, shifts="all"), 320_346, None),
]


@pytest.mark.parametrize("colours, options, n_stats, blocks", COUNTS)
def test_counts_of_the_spec_table(colours, options, n_stats, blocks):
    side = 2 ** (options["n_scales"] + 1)
    stats = wavetex.TextureStatistics(random_image(colours, side, side, dtype=torch.float32), **options)
    assert stats.n_stats == n_stats == len(stats.index) == stats.target.shape[0]
    if blocks:
        sizes = tuple(v.shape[-1] for v in stats.split(stats.target).values())
        assert sizes == blocks


def test_shift_set_is_canonical():
    assert len(shift_set(4)) == 29 and len(shift_set(5)) == 37 and len(shift_set(6)) == 45
    T = shift_set(3)
    assert T[:9] == [(0, 0), (1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1)]
    # j = 1 and 2 add (round(2^j cos(k pi/4)), round(2^j sin(k pi/4))) unless already present.
    assert T[9:] == [(2, 0), (0, 2), (-2, 0), (0, -2), (4, 0), (3, 3), (0, 4), (-3, 3), (-4, 0), (-3, -3),
                     (0, -4), (3, -3)]
    assert set(T) == {(-dy, -dx) for dy, dx in T}


# -- efficient path == per-pair oracle --------------------------------------------------

ORACLE_CASES = [
    (1, (32, 40), (32, 40), dict(n_scales=3)),
    (1, (32, 32), (48, 40), dict(n_scales=3, n_orientations=3, n_phases=3, delta_j=1)),  # other size
    (1, (32, 32), (32, 32), dict(n_scales=3, shifts="same_scale_orientation", masks=False)),
    (1, (32, 32), (32, 32), dict(n_scales=3, shifts="none")),
    (3, (16, 24), (16, 24), dict(n_scales=2, n_phases=2)),
    (3, (16, 16), (16, 16), dict(n_scales=2, n_orientations=2, shifts="all")),
    (3, (16, 16), (24, 16), dict(n_scales=2, n_orientations=2, shifts="same_scale_orientation")),
    (3, (16, 16), (16, 16), dict(n_scales=2, n_orientations=2, shifts="none", masks=False)),
]


@pytest.mark.parametrize("colours, exemplar_size, image_size, options", ORACLE_CASES)
def test_efficient_path_equals_per_pair_oracle(colours, exemplar_size, image_size, options):
    exemplar = random_image(colours, *exemplar_size, seed=1)
    image = random_image(colours, *image_size, seed=2)
    stats = wavetex.TextureStatistics(exemplar, **options)
    expected = oracle_statistics(exemplar, image, ModelConfig(**options))
    assert_close(stats(image), expected)


@pytest.mark.parametrize("borders", ["circular", "interior"])
@pytest.mark.parametrize("colours, exemplar_size, image_size, options", [ORACLE_CASES[0], ORACLE_CASES[1], ORACLE_CASES[4]])
def test_border_treatments_equal_the_oracle(borders, colours, exemplar_size, image_size, options):
    exemplar = random_image(colours, *exemplar_size, seed=1)
    stats = wavetex.TextureStatistics(exemplar, **options)
    if borders == "circular":
        image = random_image(colours, *image_size, seed=2)
        assert_close(stats.circular(image), oracle_statistics(exemplar, image, ModelConfig(**options), "circular"))
    else:
        interior = stats._statistics(exemplar.reshape(1, colours, *exemplar_size), "interior")[0]
        assert_close(interior, oracle_statistics(exemplar, exemplar, ModelConfig(**options), "interior"))


def test_without_masks_every_border_treatment_is_the_same():
    exemplar = random_image(1, 32, 32, seed=3)
    stats = wavetex.TextureStatistics(exemplar, n_scales=3, masks=False)
    image = random_image(1, 32, 32, seed=4)
    torch.testing.assert_close(stats.circular(image), stats(image))
    torch.testing.assert_close(stats._statistics(exemplar.reshape(1, 1, 32, 32), "interior")[0], stats.target)


# -- properties -------------------------------------------------------------------------


def test_observed_diagonal_and_haar_are_one_per_pixel():
    exemplar = random_image(1, 64, 48, seed=3)
    stats = wavetex.TextureStatistics(exemplar, n_scales=4)
    index = stats.index
    diagonal = (
        (index.kind == 0) & (index.scale == index.scale2) & (index.orientation == index.orientation2)
        & (index.phase == 0) & (index.shift == 0).all(1)
    )
    assert diagonal.sum() == 4 * 4
    # Σ r̃² / (M·N) = (σ / (σ + 1e-9))²: one, up to the reference's 1e-9 in the denominator
    std = stats.wavelet_standardisation.std[0, :, :, 0].flatten()  # (j, l) order, phase 0
    expected = ((std - 1e-9) / std) ** 2
    assert (expected < 1).all() and (1 - expected).max() < 1e-5
    torch.testing.assert_close(stats.target[diagonal], expected, rtol=1e-12, atol=0)
    haar0 = index.find(kind="haar", shift=(0, 0))
    torch.testing.assert_close(stats.target[haar0], torch.ones(3, dtype=torch.float64), rtol=0, atol=1e-12)


@pytest.mark.parametrize("colours", [1, 3])
def test_auto_terms_are_symmetric_in_the_shift(colours):
    stats = wavetex.TextureStatistics(random_image(colours, 32, 32, seed=4), n_scales=3)
    phi = stats(random_image(colours, 32, 32, seed=5)).numpy()
    index = stats.index
    auto = (
        ((index.kind == 0) & (index.colour == index.colour2) & (index.scale == index.scale2)
         & (index.orientation == index.orientation2) & (index.phase == 0))
        | ((index.kind == 1) & (index.colour == index.colour2))
        | (index.kind == 2)
    )
    key = lambda i: (index.kind[i], index.colour[i], index.colour2[i], index.scale[i], index.orientation[i], index.phase[i], index.haar[i])
    values = {(key(i), tuple(index.shift[i])): phi[i] for i in np.flatnonzero(auto)}
    assert len(values) > 100
    for (k, (dy, dx)), value in values.items():
        assert value == pytest.approx(values[(k, (-dy, -dx))], rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("colours", [1, 3])
def test_translation_invariance_without_masks(colours):
    stats = wavetex.TextureStatistics(random_image(colours, 32, 40, seed=6), n_scales=3, masks=False)
    image = random_image(colours, 32, 40, seed=7)
    shifted = torch.roll(image, shifts=(5, -11), dims=(-2, -1))
    torch.testing.assert_close(stats(shifted), stats(image), rtol=1e-9, atol=1e-9)
    masked = wavetex.TextureStatistics(random_image(colours, 32, 40, seed=6), n_scales=3)
    assert not torch.allclose(masked(shifted), masked(image), rtol=1e-6, atol=1e-6)


def test_gradient_matches_finite_differences():
    stats = wavetex.TextureStatistics(random_image(1, 16, 16, seed=8), n_scales=3, n_orientations=2, n_phases=2)
    weights = random_image(stats.n_stats, seed=9)
    image = random_image(1, 16, 16, seed=10).requires_grad_()
    assert torch.autograd.gradcheck(lambda x: (stats(x) * weights).sum(), (image,))


def test_colour_gradient_matches_finite_differences():
    stats = wavetex.TextureStatistics(random_image(3, 8, 8, seed=8), n_scales=2, n_orientations=2, n_phases=2)
    weights = random_image(stats.n_stats, seed=9)
    image = random_image(3, 8, 8, seed=10).requires_grad_()
    assert torch.autograd.gradcheck(lambda x: (stats(x) * weights).sum(), (image,))


@pytest.mark.parametrize("colours", [1, 3])
def test_batch_entries_are_independent(colours):
    stats = wavetex.TextureStatistics(random_image(colours, 32, 32, seed=11), n_scales=3)
    batch = random_image(3, colours, 32, 32, seed=12)
    together = stats(batch)
    assert together.shape == (3, stats.n_stats)
    for b in range(3):
        torch.testing.assert_close(together[b], stats(batch[b]), rtol=1e-12, atol=1e-12)


def test_dtype_and_device_are_preserved(device, dtype):
    exemplar = random_image(1, 32, 32, seed=13, dtype=dtype).to(device)
    stats = wavetex.TextureStatistics(exemplar, n_scales=3)
    assert stats.target.dtype == dtype and stats.target.device.type == device.type
    image = random_image(2, 1, 32, 32, seed=14, dtype=dtype).to(device).requires_grad_()
    values = stats(image)
    assert values.dtype == dtype and values.device.type == device.type
    values.sum().backward()
    assert image.grad.dtype == dtype and torch.isfinite(image.grad).all()
    # float32 and float64 agree within the float32 tolerance
    reference = wavetex.TextureStatistics(exemplar.double().cpu(), n_scales=3)(image.detach().double().cpu())
    assert_close(values.detach(), reference, dtype=dtype)


def test_statistics_move_with_to():
    stats = wavetex.TextureStatistics(random_image(1, 32, 32, seed=15, dtype=torch.float32), n_scales=3)
    stats64 = stats.to(torch.float64)
    assert stats64.target.dtype == torch.float64
    assert stats64.wavelet_standardisation.mean.dtype == torch.float64
    names = {name for name, _ in stats.named_buffers()}
    assert {"target", "haar_std", "wavelet_standardisation.mean", "lowpass_standardisation.std"} <= names


def test_readable_views():
    stats = wavetex.TextureStatistics(random_image(3, 32, 32, seed=16), n_scales=3)
    parts = stats.split(stats.target)
    assert list(parts) == ["wavelet", "lowpass", "haar"]
    assert parts["lowpass"].shape[-1] == 9 * len(shift_set(3)) and parts["haar"].shape[-1] == 9 * len(shift_set(3))
    first_cross = stats.index.find(kind="wavelet", colour=0, colour2=1)[0]
    assert stats.index[first_cross] == {
        "kind": "wavelet", "colours": (0, 1), "scales": (0, 0), "orientations": (0, 0), "phases": (0, 0), "shift": (0, 0)
    }
    lines = stats.describe().split("\n")
    assert lines[0] == f"{stats.n_stats} statistics (colour):"
    for line, (name, part) in zip(lines[1:4], parts.items()):
        assert line.split()[:2] == [name, str(part.shape[-1])]


# -- bad input --------------------------------------------------------------------------

BAD_EXEMPLARS = [
    ([[0.5] * 32] * 32, TypeError, "numpy array"),
    (np.zeros((32, 32), dtype=np.uint8), TypeError, "255"),
    (np.random.rand(3, 32, 32), ValueError, "moveaxis"),
    (torch.zeros(32, 32, dtype=torch.uint8), TypeError, "255"),
    (torch.rand(2, 32, 32), ValueError, "(3, H, W)"),
    (torch.rand(4, 32, 32), ValueError, "alpha"),
    (torch.rand(1, 1, 1, 32, 32), ValueError, "(H, W)"),
    (torch.full((32, 32), float("nan")), ValueError, "NaN"),
    (torch.tensor([[float("inf")] * 32] * 32), ValueError, "infinite"),
    (torch.rand(32, 32) * 255, ValueError, "divide by 255"),
    (torch.full((32, 32), 0.5), ValueError, "constant"),
    (torch.rand(16, 64), ValueError, "n_scales=3"),
]


def test_numpy_images_are_accepted_channels_last_like_synthesize():
    rng = np.random.default_rng(0)
    colour, gray = rng.random((32, 40, 3)), rng.random((32, 40))
    from_numpy = TextureStatistics(colour, n_scales=3)
    from_tensor = TextureStatistics(torch.from_numpy(np.moveaxis(colour, -1, 0).copy()), n_scales=3)
    torch.testing.assert_close(from_numpy.target, from_tensor.target)
    torch.testing.assert_close(from_numpy(colour), from_tensor.target)
    batch = np.stack([colour, colour[::-1].copy()])
    assert from_numpy(batch).shape == (2, from_numpy.n_stats)
    torch.testing.assert_close(from_numpy(batch)[0], from_numpy.target)
    torch.testing.assert_close(TextureStatistics(gray, n_scales=3).target,
                               TextureStatistics(torch.from_numpy(gray), n_scales=3).target)


@pytest.mark.parametrize("exemplar, error, message", BAD_EXEMPLARS)
def test_bad_exemplars_are_refused_with_a_remedy(exemplar, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        wavetex.TextureStatistics(exemplar, n_scales=4)


@pytest.mark.parametrize(
    "options, error, message",
    [
        (dict(n_scales=0), ValueError, "between 1 and"),
        (dict(n_scales=2.5), TypeError, "integer"),
        (dict(n_orientations=0), ValueError, "n_orientations"),
        (dict(n_phases=100), ValueError, "n_phases"),
        (dict(delta_j=-1), ValueError, "delta_j"),
        (dict(shifts="diagonal"), ValueError, "same_colour"),
        (dict(masks="yes"), TypeError, "masks"),
        (dict(n_scale=3), TypeError, "unknown model option"),
    ],
)
def test_bad_options_are_refused(options, error, message):
    with pytest.raises(error, match=message):
        wavetex.TextureStatistics(torch.rand(64, 64), **options)


def test_bad_images_are_refused():
    stats = wavetex.TextureStatistics(torch.rand(32, 32), n_scales=3)
    with pytest.raises(ValueError, match="gray"):
        stats(torch.rand(3, 32, 32))
    with pytest.raises(ValueError, match="too small"):
        stats(torch.rand(1, 8, 32))
    with pytest.raises(TypeError, match="float32 or float64"):
        stats(torch.ones(32, 32, dtype=torch.int64))
    with pytest.raises(ValueError, match="NaN"):
        stats(torch.full((32, 32), float("nan")))
    with pytest.raises(ValueError, match="colour models only"):
        stats.colour_correlation(torch.rand(32, 32))
    with pytest.raises(TypeError, match="not both"):
        wavetex.TextureStatistics(torch.rand(32, 32), config=ModelConfig(), n_scales=3)


# -- statistics of the known pixels only -------------------------------------------------


def test_every_pixel_known_on_a_torus_is_the_circular_model_without_masks():
    image = random_image(1, 32, 32, seed=5)
    known = torch.ones(32, 32, dtype=torch.bool)
    fitted = wavetex.TextureStatistics.fitted_to_known(image, known, periodic=True, n_scales=3)
    plain = wavetex.TextureStatistics(image, n_scales=3, masks=False)
    assert_close(fitted.target, plain.circular(image))
    other = random_image(1, 32, 32, seed=6)
    assert_close(fitted.known_region(other, known, periodic=True), plain.circular(other))


def test_known_region_statistics_are_sums_over_kept_pairs_divided_by_their_number():
    """Per-pair check of a few statistics against Σ a(u+τ)m(u+τ) b(u)m'(u) / Σ m(u+τ)m'(u)."""
    from wavetex.representation import known_region_masks

    image = random_image(1, 48, 40, seed=7)
    known = torch.ones(48, 40, dtype=torch.bool)
    known[10:30, 5:22] = False
    stats = wavetex.TextureStatistics.fitted_to_known(image, known, n_scales=3)
    masks = known_region_masks(known, 3, periodic=False, dtype=torch.float64)
    filled = torch.where(known, image, image[:, known].mean())  # what the unknown pixels become
    wavelet, lowpass, haar = stats._channels(filled[None], "circular")
    wavelet = stats.wavelet_standardisation(wavelet)[0, 0]  # (J, L, A, M, N)
    lowpass = stats.lowpass_standardisation(lowpass)[0, 0].abs()
    haar = haar[0, 0].abs() / stats.haar_std[0]

    def pair_mean(a, b, mask_a, mask_b, tau):
        roll = lambda t: torch.roll(t, shifts=(-tau[0], -tau[1]), dims=(0, 1))  # noqa: E731
        return (roll(a * mask_a) * b * mask_b).sum() / (roll(mask_a) * mask_b).sum()

    index = stats.index
    picks = [
        index.find(kind="wavelet", scale=0, scale2=2, orientation=1, orientation2=3, phase=2, shift=(1, -1))[0],
        index.find(kind="wavelet", scale=1, scale2=1, orientation=0, orientation2=0, phase=0, shift=(0, 0))[0],
        index.find(kind="lowpass", shift=(4, 0))[0],
        index.find(kind="haar", haar=2, shift=(1, 1))[0],
    ]
    for i in picks:
        entry, tau = index[i], tuple(int(t) for t in index.shift[i])
        if entry["kind"] == "wavelet":
            (j, j2), (l, l2), (a, _) = entry["scales"], entry["orientations"], entry["phases"]
            expected = pair_mean(wavelet[j, l, a], wavelet[j2, l2, 0], masks[j], masks[j2], tau)
        elif entry["kind"] == "lowpass":
            expected = pair_mean(lowpass, lowpass, masks[2], masks[2], tau)
        else:
            expected = pair_mean(haar[entry["haar"]], haar[entry["haar"]], masks[3], masks[3], tau)
        assert_close(stats.target[i], expected)


def test_known_region_statistics_hardly_depend_on_the_unknown_pixels():
    from wavetex import textures

    clouds = torch.tensor(wavetex.io.read_image(textures.path("clouds"))[64:160, 64:160])
    known = torch.ones(96, 96, dtype=torch.bool)
    known[32:64, 40:72] = False
    stats = wavetex.TextureStatistics.fitted_to_known(clouds, known, n_scales=3)
    blemish = clouds.clone()
    blemish[32:64, 40:72] = 1.0  # a white patch where the pixels are unknown
    torch.testing.assert_close(wavetex.TextureStatistics.fitted_to_known(blemish, known, n_scales=3).target, stats.target)
    # The mean put in their place reaches the kept responses through filter tails only:
    truth = stats.known_region(clouds, known)
    assert (stats.target - truth).norm() < 0.02 * truth.norm()
    assert (stats.circular(blemish) - truth).norm() > 0.1 * truth.norm()  # without the masks


def test_known_masks_are_refused_with_a_remedy():
    image = random_image(32, 32, seed=1)
    with pytest.raises(ValueError, match="mask of the image's size"):
        wavetex.TextureStatistics.fitted_to_known(image, torch.ones(32, 16, dtype=torch.bool), n_scales=2)
    with pytest.raises(ValueError, match="no pixel is known"):
        wavetex.TextureStatistics.fitted_to_known(image, torch.zeros(32, 32, dtype=torch.bool), n_scales=2)
    with pytest.raises(TypeError, match="bool"):
        wavetex.TextureStatistics.fitted_to_known(image, torch.ones(32, 32), n_scales=2)


def test_colour_correlation_over_a_mask_is_that_of_the_pixels_inside():
    from wavetex.statistics import colour_correlation

    image = random_image(1, 3, 16, 20, seed=8)
    inside = torch.zeros(16, 20, dtype=torch.bool)
    inside[3:9, 5:17] = True
    expected = colour_correlation(image[..., 3:9, 5:17])
    assert_close(colour_correlation(image, inside.double()), expected)


@pytest.mark.parametrize("masked", [False, True])
def test_rectified_standardised_is_the_plain_formulation_bit_for_bit(masked):
    """One autograd step for rectifier, mask and standardisation: the same values and
    gradient as the plain autograd formulation (which kept four times the memory), and
    a correct gradient (gradcheck, float64)."""
    from wavetex.representation import generalized_rectifier, rectified_standardised, standardisation_of

    gen = torch.Generator().manual_seed(3)
    z = torch.randn(2, 3, 2, 2, 16, 12, dtype=torch.complex64, generator=gen)
    mask = (torch.rand(2, 1, 16, 12, generator=gen) > 0.3).float() if masked else None
    standardisation = standardisation_of(generalized_rectifier(z[:1] * 1.5, 4))
    weights = torch.randn(2, 3, 2, 2, 4, 16, 12, generator=gen)

    def plain(w):
        r = generalized_rectifier(w, 4)
        return standardisation(r * mask[:, :, None] if masked else r)

    results = []
    for f in (plain, lambda w: rectified_standardised(w, 4, standardisation, mask)):
        w = z.clone().requires_grad_()
        out = f(w)
        results.append((out, torch.autograd.grad((out * weights).sum(), w)[0]))
    assert torch.equal(results[0][0], results[1][0]) and torch.equal(results[0][1], results[1][1])
    z64 = z[:1, :1, :1, :1, :5, :4].to(torch.complex128).requires_grad_()
    s64 = standardisation_of(generalized_rectifier(z64.detach(), 4))
    mask64 = mask[:1, :, :5, :4].double() if masked else None
    assert torch.autograd.gradcheck(lambda w: rectified_standardised(w, 4, s64, mask64), (z64,))


def test_rectified_standardised_holds_two_temporaries_of_a_phase_at_most():
    """Beside its output and the one-byte record of where the rectifier dropped a value,
    the forward holds at most two maps the size of one phase at a time (the plain
    formulation held four of the output's size): each operation that can work in place
    does."""
    from wavetex.representation import generalized_rectifier, rectified_standardised, standardisation_of

    z = torch.randn(1, 3, 2, 4, 64, 64, dtype=torch.complex64, generator=torch.Generator().manual_seed(5))
    standardisation = standardisation_of(generalized_rectifier(z, 4))
    z.requires_grad_()
    phase = 3 * 2 * 4 * 64 * 64 * 4  # bytes of one phase's maps, float32
    output_and_record = 4 * phase + 4 * phase // 4
    peak_live_mib = load_script("benchmarks/bench_memory.py").peak_live_mib  # as the benchmark measures it
    peak = peak_live_mib(lambda: rectified_standardised(z, 4, standardisation)) * 2**20
    assert peak - output_and_record < 2.5 * phase, (peak - output_and_record) / phase  # + a few small tensors


def test_colour_statistics_and_gradient_equal_the_former_autograd_formulation_bit_for_bit():
    """Two steps moved out of plain autograd for memory (the rectifier with the
    standardisation; the zero-shift products between colours into the lagged products'
    backward): the circular statistics and their gradient are bit for bit those of the
    former formulation, which this test keeps."""

    def former(stats, x):
        M, N = x.shape[-2:]
        wavelet, lowpass, haar = stats._channels(x, "circular")  # plain rectifier
        wavelet, lowpass = stats.wavelet_standardisation(wavelet), stats.lowpass_standardisation(lowpass)
        channels = wavelet.reshape(x.shape[0], -1, M, N)  # the rest in the former order of operations
        grouped = wavetex.lagged_products.grouped_lagged_products(channels, stats._plan.groups, stats._shifts)
        phase0 = channels.view(x.shape[0], -1, stats.config.n_phases, M, N)[:, :, 0]
        gram = channels.reshape(x.shape[0], -1, M * N) @ phase0.reshape(x.shape[0], -1, M * N).transpose(1, 2)
        raw = [torch.cat([grouped, gram.reshape(x.shape[0], -1)], dim=1),
               stats._lowpass_correlations(lowpass), stats._haar_correlations(haar)]
        return torch.cat([r.reshape(x.shape[0], -1) for r in raw], dim=1).index_select(1, stats._order) / (M * N)

    gen = torch.Generator().manual_seed(4)
    stats = TextureStatistics(torch.rand(3, 32, 32, generator=gen), n_scales=3)
    x = torch.rand(2, 3, 32, 32, generator=gen)
    results = []
    for f in (stats.circular, lambda image: former(stats, image)):
        image = x.clone().requires_grad_()
        values = f(image)
        results.append((values, torch.autograd.grad((values - stats.target).pow(2).sum(), image)[0]))
    assert torch.equal(results[0][0], results[1][0]) and torch.equal(results[0][1], results[1][1])
