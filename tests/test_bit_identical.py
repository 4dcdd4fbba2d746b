"""Same seeds, same images: the outputs of small seeded runs pinned as SHA-256 digests.

The digests were produced by the code before the preparation path of synthesize and
the constrained tasks was shared (issue 19); a refactoring that changes a single bit of
any output fails here. The constrained cases were repinned once, deliberately: their
statistics used to be fitted on the CPU in float64 and cast to the run's dtype, and are
now fitted as synthesize fits them, on the run's device in its dtype (with the old fit
the shared path reproduced the old digests bit for bit). The three default-schedule
syntheses were repinned once more, deliberately, when the default's coarse stage went
from 150 to 300 iterations (docs/fidelity.md, "Levers"). The constrained cases were
repinned a second time when they gained synthesize's coarse stage and the pair counts of
:meth:`TextureStatistics.within` were rounded to integers (FFT residues of 1e-19 had been
dividing statistics with no pair of pixels); with the coarse stage off and the counts
unrounded, the new code reproduced the previous five digests bit for bit. The four
colour cases on the default schedule were repinned when the colour default went from
300 coarse + 120 to 150 coarse + 30 (the gray and paper-schedule digests did not move). The three colour cases on the default schedule were repinned again when the colour
coarse stage went from 150 to 100 iterations (the gray default went to 450 coarse + 40 in
the same change; its cases' coarse stages stop before 300 iterations, so their digests
did not move). They hold for the CPU build of the torch version they were made
with, one thread (conftest); on another version the test is skipped, since floating-point
kernels may legitimately differ there. To repin after a deliberate change, run
``python tests/test_bit_identical.py`` and say why in the commit message.
"""

from __future__ import annotations

import hashlib
import sys

import numpy as np
import pytest
import torch

import wavetex

PINNED_TORCH = "2.13.0"


def _gray(size: int = 32, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((size, size))


def _colour(size: int = 32, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = rng.random((size, size))
    return np.clip(np.stack([base, 0.6 * base + 0.4 * rng.random((size, size)), rng.random((size, size))], -1), 0, 1)


def _hole(size: int = 32) -> np.ndarray:
    mask = np.zeros((size, size), dtype=bool)
    mask[size // 3 : size // 3 + 10, size // 3 + 2 : size // 3 + 12] = True
    return mask


#: name -> run; each is small (a few iterations at 32²) but goes through the whole path:
#: the default schedule's coarse stage, the paper's schedule and objective, colour, the
#: spectrum start, batches, and each constrained task.
CASES = {
    "gray_default": lambda: wavetex.synthesize(_gray(), n_scales=2, max_iter=4, progress=False),
    "gray_default_J3_batch": lambda: wavetex.synthesize(
        _gray(), n_scales=3, max_iter=3, n_samples=2, seed=5, size=(32, 48), progress=False),
    "colour_default": lambda: wavetex.synthesize(_colour(), n_scales=2, max_iter=3, n_samples=2, progress=False),
    "gray_paper": lambda: wavetex.synthesize(
        _gray(), n_scales=2, max_iter=4, schedule="paper", objective="paper", progress=False),
    "colour_spectrum_paper_schedule": lambda: wavetex.synthesize(
        _colour(), n_scales=2, max_iter=3, schedule="paper", init="spectrum", seed=3, progress=False),
    "inpaint_gray": lambda: wavetex.inpaint(_gray(48), _hole(48), n_scales=2, max_iter=4, progress=False),
    "inpaint_colour_exemplar": lambda: wavetex.inpaint(
        _colour(), _hole(), exemplar=_colour(seed=2), n_scales=2, max_iter=3, progress=False),
    "extend_colour": lambda: wavetex.extend(_colour(), (40, 48), n_scales=2, max_iter=3, progress=False),
    "tile_gray_batch": lambda: wavetex.make_tileable(
        _gray(), 6, n_scales=2, max_iter=3, n_samples=2, seed=9, progress=False),
    "inpaint_colour_noise": lambda: wavetex.inpaint(_colour(48), _hole(48), n_scales=2, max_iter=3, progress=False),
}

DIGESTS = {
    'colour_default': '5060fea1e1f7b594b9d367203cc6f6168adce4360726bb8b2353c603805a05d0',
    'colour_spectrum_paper_schedule': 'ff2aea767a9e19d1c97a3f5bf414178e0594d0ebd408713fae0de2a19b49b107',
    'extend_colour': '2e186cd8fcb4514a64b325f5e2414eef4487b0c4935f4f557184b77897ce4be5',
    'gray_default': 'f6161b8393e7ce3db4c91f764074f1b04c82704a119eca6fb360a874f9009148',
    'gray_default_J3_batch': '79e376351acaf9181589fd4e718ec89e53cab5e499a4d3acd1dc3f1d94927019',
    'gray_paper': '7a9f7042f097905daee53a05b0e2f87e53618ebe5997035b119c4f1f439a79c0',
    'inpaint_colour_exemplar': '3d0ba412e9f3f40af4d0266315262849deedb97bd48d0bea402fc443a93bfbb4',
    'inpaint_colour_noise': '71b75948ef0e672834d7982f7f7fa19c04fb7fb17748e6aadceff5206c6ce2ae',
    'inpaint_gray': '64b96c908a1414fe07f25f04c5364c521031479f84c9708315bef2220737978b',
    'tile_gray_batch': '237b64e322439a719ef65bb92a3c0098e9cd8ec97fc7edea91b788aca875a1e1',
}


def digest(result: wavetex.SynthesisResult) -> str:
    """SHA-256 over the matched and the raw images (shapes and dtypes included)."""
    h = hashlib.sha256()
    for array in (result.images, result.raw_images):
        h.update(repr((array.shape, str(array.dtype))).encode())
        h.update(np.ascontiguousarray(array).tobytes())
    h.update(repr(result.n_iterations).encode())
    return h.hexdigest()


@pytest.mark.skipif(torch.__version__.split("+")[0] != PINNED_TORCH, reason=f"digests pinned with torch {PINNED_TORCH}")
@pytest.mark.parametrize("name", sorted(CASES))
def test_same_seeds_give_bit_identical_outputs(name):
    assert digest(CASES[name]()) == DIGESTS[name], f"{name}: the outputs changed bit for bit"


if __name__ == "__main__":  # print the digests of today's code
    torch.set_num_threads(1)
    torch.set_flush_denormal(True)
    for name in sorted(CASES):
        print(f"    {name!r}: {digest(CASES[name]())!r},", file=sys.stdout)
