import pytest
import torch

from wavetex import lagged_products as lp

SHIFTS = ((0, 0), (1, 0), (-2, 3), (3, -3), (0, 1))


def direct(rows, cols, shifts):
    return torch.stack(
        [
            torch.stack(
                [
                    torch.stack([(torch.roll(rows[:, p], (-dy, -dx), (1, 2)) * cols[:, q]).sum((1, 2)) for dy, dx in shifts], -1)
                    for q in range(cols.shape[1])
                ],
                1,
            )
            for p in range(rows.shape[1])
        ],
        1,
    )


@pytest.mark.parametrize("band_pixels", [7, 30, 10_000])  # several bands, ragged last band, one band
def test_matches_rolled_products_and_gradients(band_pixels, monkeypatch):
    monkeypatch.setattr(lp, "BAND_PIXELS", band_pixels)
    gen = torch.Generator().manual_seed(0)
    rows = torch.rand(2, 3, 9, 7, dtype=torch.float64, generator=gen, requires_grad=True)
    cols = torch.rand(2, 2, 9, 7, dtype=torch.float64, generator=gen, requires_grad=True)
    torch.testing.assert_close(lp.lagged_products(rows, cols, SHIFTS), direct(rows, cols, SHIFTS))
    assert torch.autograd.gradcheck(lambda a, b: lp.lagged_products(a, b, SHIFTS), (rows, cols))


def test_groups_sharing_maps_accumulate_gradients():
    gen = torch.Generator().manual_seed(1)
    maps = torch.rand(1, 5, 8, 6, dtype=torch.float64, generator=gen, requires_grad=True)
    groups = (lp.LaggedGroup(0, 3, (3, 4)), lp.LaggedGroup(1, 5, (0,)))
    assert torch.autograd.gradcheck(lambda m: lp.grouped_lagged_products(m, groups, SHIFTS), (maps,))



@pytest.mark.parametrize("chunk", [2, 16])  # several chunks (ragged last), one chunk
def test_zero_shift_products_and_their_gradient(chunk, monkeypatch):
    """The gram beside the lagged groups (bit-identity with the former autograd product:
    tests/test_statistics.py)."""
    monkeypatch.setattr(lp, "GRAM_CHUNK", chunk)
    gen = torch.Generator().manual_seed(2)
    maps = torch.randn(2, 6, 5, 6, dtype=torch.float64, generator=gen, requires_grad=True)
    groups, cols = (lp.LaggedGroup(0, 3, (0, 4)),), (1, 5)
    out = lp.grouped_lagged_products(maps, groups, SHIFTS, gram_cols=cols)
    gram = maps.flatten(2) @ maps[:, list(cols)].flatten(2).transpose(1, 2)
    torch.testing.assert_close(out[:, -12:], gram.flatten(1))
    assert torch.autograd.gradcheck(lambda m: lp.grouped_lagged_products(m, groups, SHIFTS, gram_cols=cols), (maps,))
