"""Shared test set-up: one torch thread, a private filter cache, device/dtype fixtures.

Tests run single-threaded: two torch processes with two threads each on a two-core
machine slow down by orders of magnitude (OpenMP spin-waiting).
"""

import os

import pytest
import torch

torch.set_num_threads(1)
torch.set_flush_denormal(True)

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
#: Relative tolerances per dtype, one table for every comparison of two computations.
TOLERANCE = {torch.float32: 2e-4, torch.float64: 1e-10}


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    """Keep the user's cache out of the tests (and the tests out of it)."""
    previous = os.environ.get("WAVETEX_CACHE_DIR")
    os.environ["WAVETEX_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if previous is None:
        os.environ.pop("WAVETEX_CACHE_DIR", None)
    else:
        os.environ["WAVETEX_CACHE_DIR"] = previous


@pytest.fixture(params=DEVICES)
def device(request):
    return torch.device(request.param)


@pytest.fixture(params=[torch.float32, torch.float64], ids=["float32", "float64"])
def dtype(request):
    return request.param


def assert_close(actual, expected, dtype=torch.float64, scale=None):
    """|actual − expected| ≤ tol · max|expected| with the dtype's tolerance."""
    actual = torch.as_tensor(actual, dtype=torch.float64).cpu()
    expected = torch.as_tensor(expected, dtype=torch.float64).cpu()
    scale = expected.abs().max().item() if scale is None else scale
    error = (actual - expected).abs().max().item()
    assert error <= TOLERANCE[dtype] * scale, f"max error {error:.3g} > {TOLERANCE[dtype]} × {scale:.3g}"


#: The modules that take longest, longest first (measured with ``--durations``): with two
#: workers (``pytest -n 2``, each module on one worker) a long module collected last runs
#: alone at the end, while short ones fill the gaps.
SLOW_FIRST = (
    "test_survey_ray.py", "test_memorization.py", "test_constrained.py", "test_cli_memorization.py", "test_docs.py",
    "test_survey_engine.py", "test_synthesis.py", "test_cli.py", "test_survey_plan.py", "test_pages.py",
    "test_benchmarks.py",
)


def pytest_collection_modifyitems(config, items):
    def rank(item):
        name = item.path.name
        return SLOW_FIRST.index(name) if name in SLOW_FIRST else len(SLOW_FIRST)

    items.sort(key=rank)  # stable: the order inside a module is kept
