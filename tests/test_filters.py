import numpy as np
import pytest
from kymatio.scattering2d.filter_bank import filter_bank as kymatio_filter_bank

from wavetex import filters


@pytest.mark.parametrize("M, N, J, L", [(32, 32, 3, 4), (40, 24, 3, 8), (16, 16, 4, 4), (24, 36, 2, 6)])
def test_parity_with_kymatio(M, N, J, L):
    ours = filters.filter_bank(M, N, J, L)
    reference = kymatio_filter_bank(M, N, J, L)
    psi = np.array([f["levels"][0] for f in reference["psi"]]).reshape(J, L, M, N)
    # kymatio accumulates in complex64: agreement is limited to float32 rounding
    assert np.abs(ours.psi_hat - psi).max() <= 1e-6
    assert np.abs(ours.phi_hat - reference["phi"]["levels"][0]).max() <= 1e-6


def test_orientation_order_follows_kymatio():
    np.testing.assert_allclose(filters.orientation_angles(4), [np.pi / 4, 0, -np.pi / 4, -np.pi / 2])


def test_wavelets_are_real_zero_mean_and_lowpass_has_unit_gain():
    bank = filters.filter_bank(32, 48, 3, 4)
    assert np.abs(bank.psi_hat[..., 0, 0]).max() < 1e-12
    assert bank.phi_hat[0, 0] == pytest.approx(2 * np.pi / (2 * 3.1415), rel=1e-9)


def test_haar_filters_have_the_spec_signs():
    spatial = np.real(np.fft.ifft2(filters.haar_hat(6, 6)))
    np.testing.assert_allclose(spatial[0, 1:3, 1:3], [[0.25, -0.25], [0.25, -0.25]], atol=1e-15)
    np.testing.assert_allclose(spatial[1, 1:3, 1:3], [[0.25, 0.25], [-0.25, -0.25]], atol=1e-15)
    np.testing.assert_allclose(spatial[2, 1:3, 1:3], [[0.25, -0.25], [-0.25, 0.25]], atol=1e-15)
    assert np.abs(spatial[:, [0, 3, 4, 5]]).max() < 1e-15


def test_bank_is_cached_in_memory_and_on_disk(tmp_path, monkeypatch):
    monkeypatch.setenv("WAVETEX_CACHE_DIR", str(tmp_path))
    filters.filter_bank.cache_clear()
    first = filters.filter_bank(20, 28, 2, 4)
    assert filters.filter_bank(20, 28, 2, 4) is first
    files = list((tmp_path / "filters").glob("*.npz"))
    assert len(files) == 1 and f"v{filters.CACHE_FORMAT_VERSION}-M20-N28-J2-L4" in files[0].name
    assert not list((tmp_path / "filters").glob("*.tmp"))
    filters.filter_bank.cache_clear()
    again = filters.filter_bank(20, 28, 2, 4)  # from disk
    np.testing.assert_array_equal(again.psi_hat, first.psi_hat)
    assert not again.psi_hat.flags.writeable


def test_corrupt_cache_file_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("WAVETEX_CACHE_DIR", str(tmp_path))
    filters.filter_bank.cache_clear()
    good = filters.filter_bank(20, 20, 2, 4).psi_hat.copy()
    (path,) = (tmp_path / "filters").glob("*.npz")
    path.write_bytes(b"truncated")
    filters.filter_bank.cache_clear()
    np.testing.assert_array_equal(filters.filter_bank(20, 20, 2, 4).psi_hat, good)
    filters.filter_bank.cache_clear()


def test_cache_key_holds_every_parameter(tmp_path, monkeypatch):
    monkeypatch.setenv("WAVETEX_CACHE_DIR", str(tmp_path))
    names = {filters._cache_file(*p).name for p in [(16, 20, 2, 4), (20, 16, 2, 4), (16, 20, 3, 4), (16, 20, 2, 8)]}
    assert len(names) == 4


@pytest.mark.parametrize(
    "corruption",
    [
        lambda bank: {**bank, "psi_hat": np.full_like(bank["psi_hat"], np.nan)},
        lambda bank: {**bank, "phi_hat": bank["phi_hat"] + np.inf},
        lambda bank: {**bank, "psi_hat": bank["psi_hat"] * 2.0},  # wrong norms
        lambda bank: {**bank, "psi_hat": np.concatenate([bank["psi_hat"][:1], bank["psi_hat"][1:] * 0.5])},
        lambda bank: {**bank, "psi_hat": bank["psi_hat"][:, ::-1].copy()},  # orientations swapped
        lambda bank: {**bank, "phi_hat": np.zeros_like(bank["phi_hat"])},
        lambda bank: {**bank, "haar_hat": bank["haar_hat"] * 0},
        lambda bank: {**bank, "psi_hat": bank["psi_hat"][:1]},  # wrong shape
    ],
    ids=["nan wavelets", "infinite low-pass", "doubled", "coarse scales halved", "orientations swapped",
         "zero low-pass", "zero haar", "missing scales"],
)
def test_readable_but_wrong_cache_file_is_rebuilt_and_replaced(tmp_path, monkeypatch, corruption):
    monkeypatch.setenv("WAVETEX_CACHE_DIR", str(tmp_path))
    filters.filter_bank.cache_clear()
    good = filters.filter_bank(20, 24, 3, 4)
    (path,) = (tmp_path / "filters").glob("*.npz")
    with np.load(path) as data:
        stored = {name: data[name] for name in data.files}
    with open(path, "wb") as file:
        np.savez(file, **corruption(stored))
    filters.filter_bank.cache_clear()
    rebuilt = filters.filter_bank(20, 24, 3, 4)
    for name in ("psi_hat", "phi_hat", "haar_hat"):
        np.testing.assert_array_equal(getattr(rebuilt, name), getattr(good, name))
    with np.load(path) as data:  # the bad file was replaced by a good one
        np.testing.assert_array_equal(data["psi_hat"], good.psi_hat)
    assert [p.name for p in (tmp_path / "filters").iterdir()] == [path.name]  # no temporary files
    filters.filter_bank.cache_clear()


def test_synthesis_after_a_nan_cache_file_works(tmp_path, monkeypatch):
    import torch

    import wavetex

    monkeypatch.setenv("WAVETEX_CACHE_DIR", str(tmp_path))
    filters.filter_bank.cache_clear()
    filters.filter_bank(32, 32, 3, 4)
    for path in (tmp_path / "filters").glob("*.npz"):
        with np.load(path) as data:
            nan_bank = {name: np.full_like(data[name], np.nan) for name in data.files}
        with open(path, "wb") as file:
            np.savez(file, **nan_bank)
    filters.filter_bank.cache_clear()
    exemplar = torch.rand(32, 32, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    result = wavetex.synthesize(exemplar, n_scales=3, max_iter=3, progress=False)
    assert np.isfinite(result.errors[0]) and result.errors[0] < result.initial_errors[0]
    filters.filter_bank.cache_clear()
