"""wavetex.config: every option checked where its configuration is built, the one
exemplar-dependent check, and the memory estimate."""

import os
import subprocess
import sys

import numpy as np
import pytest
import torch

import wavetex
from wavetex import config as wconfig
from wavetex.config import ModelConfig, Schedule, SynthesisConfig, check_run, memory_needed, parse_size
from wavetex.errors import ParameterError

IMAGE = np.random.default_rng(0).random((32, 32))
FAST = dict(n_scales=2, max_iter=2, progress=False)


def hole():
    mask = np.zeros((32, 32), dtype=bool)
    mask[12:20, 12:20] = True
    return mask


def test_model_config_is_importable_where_it_always_was():
    from wavetex.statistics import SHIFT_MODES, ModelConfig as FromStatistics

    assert FromStatistics is ModelConfig is wavetex.ModelConfig and SHIFT_MODES is wconfig.SHIFT_MODES
    from wavetex.survey.plan import parse_size as from_plan

    assert from_plan is parse_size


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: ModelConfig(n_scales=0), "n_scales must be between 1 and 10"),
        (lambda: ModelConfig(shifts="some"), "shifts must be one of"),
        (lambda: SynthesisConfig(schedule="fast"), "schedule must be one of"),
        (lambda: SynthesisConfig(init="nosie"), "init must be one of"),
        (lambda: SynthesisConfig(n_samples=0), "n_samples must be a positive integer"),
        (lambda: SynthesisConfig(seed=-1), "seed must be between 0"),
        (lambda: SynthesisConfig(seed=wconfig.SEED_MAX, n_samples=2), "largest seed is"),
        (lambda: SynthesisConfig(size=(0, 4)), "size must be"),
        (lambda: SynthesisConfig(size=(9000, 64)), "too large"),
        (lambda: SynthesisConfig(time_budget=0), "time_budget must be a positive"),
        (lambda: Schedule(runs_gray=0, runs_colour=1, max_iter=5), "runs_gray"),
    ],
)
def test_a_config_that_exists_is_valid(build, message):
    with pytest.raises(ParameterError, match=message):
        build()


def test_numpy_integers_are_accepted_and_become_ints():
    config = SynthesisConfig(size=(np.int64(32), np.int32(48)), seed=np.uint8(3), n_samples=np.int64(2),
                             max_iter=np.int16(4), model=ModelConfig(n_scales=np.int64(2)))
    assert config.size == (32, 48) and type(config.size[0]) is int and type(config.seed) is int
    assert type(config.n_samples) is int and type(config.max_iter) is int and type(config.model.n_scales) is int
    result = wavetex.synthesize(IMAGE, size=(np.int64(32), np.int64(32)), seed=np.int64(1), **FAST)
    assert result.seeds == [1] and result.config.to_dict()["size"] == [32, 32]


@pytest.mark.parametrize("value", ["5", b"5", True, [5]])
def test_a_time_budget_that_is_no_number_is_refused_clearly(value):
    with pytest.raises(TypeError, match="time_budget must be a number of seconds.*time_budget=60.0"):
        SynthesisConfig(time_budget=value)


@pytest.mark.parametrize("empty", [np.zeros((0, 0)), np.zeros((0, 5, 3)), torch.zeros(1, 0, 4)])
def test_an_empty_exemplar_is_refused_clearly(empty):
    with pytest.raises(ValueError, match="exemplar is empty.*pass an image with pixels"):
        wavetex.synthesize(empty, **FAST)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: wavetex.inpaint(IMAGE, hole(), init="nosie", **FAST), "init must be one of 'noise', 'spectrum'"),
        (lambda: wavetex.inpaint(IMAGE, hole(), schedule="fast", **FAST), "schedule must be one of"),
        (lambda: wavetex.make_tileable(IMAGE, 4, n_samples=0, **FAST), "n_samples must be a positive integer"),
        (lambda: wavetex.extend(IMAGE, (40, 40), n_samples=-2, **FAST), "n_samples must be a positive integer"),
    ],
)
def test_constrained_tasks_check_options_like_synthesize(call, message):
    with pytest.raises(ParameterError, match=message):
        call()


def test_the_error_names_the_flag_on_the_command_line():
    with pytest.raises(ParameterError) as caught:
        SynthesisConfig(n_samples=0)
    assert caught.value.message(lambda name, *v: "--" + name.replace("_", "-")) == (
        "--n-samples must be a positive integer, got 0")


def test_a_huge_batch_is_refused_before_any_work(monkeypatch):
    monkeypatch.setattr(wavetex.synthesis, "TextureStatistics", lambda *a, **k: pytest.fail("fitted anyway"))
    with pytest.raises(ParameterError, match=r"100000 sample\(s\).*needs about .* GiB of memory.*fewer n_samples"):
        wavetex.synthesize(IMAGE, n_samples=10**5, **FAST)


def test_check_run_fills_the_size_and_checks_exemplar_and_output_against_the_scales():
    assert check_run(SynthesisConfig(model=ModelConfig(n_scales=3)), (64, 48), 1).size == (64, 48)
    with pytest.raises(ParameterError, match="exemplar of 20×20 pixels .* use n_scales=3 or less"):
        check_run(SynthesisConfig(), (20, 20), 1)
    with pytest.raises(ParameterError, match="output of 64×20 pixels"):
        check_run(SynthesisConfig(size=(20, 64), model=ModelConfig(n_scales=4)), (64, 64), 1)


def test_the_memory_check_names_size_and_the_memory(monkeypatch):
    monkeypatch.setattr(wconfig, "memory_available", lambda device=None: 2**30)
    with pytest.raises(ParameterError) as caught:
        check_run(SynthesisConfig(size=(4096, 4096)), (4096, 4096), 3)
    message = caught.value.message(lambda name, *v: "--" + name.replace("_", "-"))
    assert "4096×4096" in message and "GiB of memory, but 1.0 GiB is available" in message
    assert "smaller --size" in message
    monkeypatch.setattr(wconfig, "memory_available", lambda device=None: None)  # unknown: no check
    assert check_run(SynthesisConfig(size=(4096, 4096)), (4096, 4096), 3).size == (4096, 4096)


def test_the_memory_estimate_grows_with_pixels_samples_colours_and_precision():
    base = memory_needed(SynthesisConfig(size=(256, 256)), (256, 256), 1)
    assert memory_needed(SynthesisConfig(size=(512, 512)), (256, 256), 1) > 3 * (base - wconfig.BASE_BYTES)
    assert memory_needed(SynthesisConfig(size=(256, 256), n_samples=4), (256, 256), 1) > base
    assert memory_needed(SynthesisConfig(size=(256, 256)), (256, 256), 3) > base
    assert memory_needed(SynthesisConfig(size=(256, 256), dtype="float64"), (256, 256), 1) > base


def test_parse_size_reads_width_first():
    assert parse_size("384x256") == (256, 384) and parse_size(np.int64(64)) == (64, 64)
    with pytest.raises(ValueError, match="WIDTHxHEIGHT"):
        parse_size("big")


def test_fitting_statistics_to_an_image_too_large_for_memory_is_refused(monkeypatch):
    monkeypatch.setattr(wconfig, "memory_available", lambda device=None: 2**30)
    with pytest.raises(ParameterError, match="statistics of a 2048×1024 gray image .* need about .* GiB"):
        wavetex.TextureStatistics(torch.rand(1024, 2048, dtype=torch.float64))


MEASURE = """
import sys, numpy as np, torch
torch.set_num_threads(1)
import wavetex
from wavetex.config import ModelConfig, SynthesisConfig, memory_needed
side = int(sys.argv[1])
wavetex.synthesize(np.random.default_rng(0).random((side, side)), schedule="paper", max_iter=2, n_scales=4,
                   progress=False)
# VmHWM belongs to this process's own memory map; ru_maxrss would also carry the RSS of the
# (large) pytest process this one was forked from, which Linux keeps across exec.
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:")) * 1024
print(peak, memory_needed(SynthesisConfig(size=(side, side), model=ModelConfig(n_scales=4)), (side, side), 1))
"""


def measured_peak_and_estimate(side):
    done = subprocess.run([sys.executable, "-c", MEASURE, str(side)], capture_output=True, text=True,
                          check=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    return tuple(map(int, done.stdout.split()))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads VmHWM from /proc/self/status (Linux)")
def test_the_memory_model_bounds_the_measured_peak():
    """What the estimate adds from 64² to 192² is near what a real run adds (each run in
    a fresh process: the interpreter's own memory cancels), and the estimate is near
    the peak."""
    (small_peak, small_estimate), (peak, estimate) = measured_peak_and_estimate(64), measured_peak_and_estimate(192)
    measured, estimated = peak - small_peak, estimate - small_estimate
    assert 0.7 * measured < estimated < 2 * measured, (measured, estimated)
    assert 0.75 * peak < estimate < 1.6 * peak, (peak, estimate)
