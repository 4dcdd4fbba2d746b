"""When a run stops, what its status says, and the per-sample bookkeeping of a batch.

Each test here was written against a hand-made mutant that the rest of the suite let
through (issue 19), and fails on it.
"""

import json

import numpy as np
import pytest
import torch
from skimage import data

import wavetex
from wavetex import constrained, synthesis
from wavetex.config import SCHEDULES, ModelConfig, Schedule, SynthesisConfig
from wavetex.objective import Objective, Target
from wavetex.result import STATUSES

GRAVEL = data.gravel()[100:132, 100:132] / 255.0  # 32×32 gray
SMALL = dict(n_scales=2, progress=False)


def rng(seed=0):
    return torch.Generator().manual_seed(seed)


# ------------------------------------------------------------------ the objective, per sample


def test_each_sample_keeps_its_own_best_point():
    """Sample 1's best is judged against sample 1's best loss, not sample 0's."""
    exemplar = torch.tensor(GRAVEL)
    stats = wavetex.TextureStatistics(exemplar, n_scales=2)
    objective = Objective(stats, Target(stats.circular(exemplar)), (2, 1, 32, 32), weight=1.0)
    good = exemplar.reshape(1, -1)
    noise = torch.rand(2, 32 * 32, generator=rng(), dtype=good.dtype)
    first = torch.cat([good, noise[:1]])  # sample 0 at the optimum, sample 1 noise
    second = torch.cat([noise[1:], 0.5 * (good + noise[:1])])  # sample 0 worse, sample 1 better
    losses_first, _ = objective(first)
    losses_second, _ = objective(second)
    assert losses_second[0] > losses_first[0] and losses_first[0] < losses_second[1] < losses_first[1]
    assert objective.best_loss == [losses_first[0].item(), losses_second[1].item()]
    torch.testing.assert_close(objective.best_x[0], first[0])
    torch.testing.assert_close(objective.best_x[1], second[1])


def colour_exemplar(size=32):
    base = np.random.default_rng(0).random((size, size))
    return torch.tensor(np.stack([base, 0.5 * base + 0.25, np.roll(base, 3, axis=0)]))


def test_a_colour_sample_loses_the_same_in_a_batch_as_alone():
    """The colour-correlation term of each sample's loss is its own, not the batch's sum."""
    exemplar = colour_exemplar()
    stats = wavetex.TextureStatistics(exemplar, n_scales=2)
    target = Target(stats.circular(exemplar[None])[0], stats.colour_correlation(exemplar[None])[0])
    images = torch.rand(2, 3, 32, 32, generator=rng(1), dtype=torch.float64)
    images[1] = images[1].mean(dim=0)  # channels fully correlated: a large colour loss
    batch = Objective(stats, target, (2, 3, 32, 32), weight=1.0)
    alone = Objective(stats, target, (1, 3, 32, 32), weight=1.0)
    assert batch.colour_weight == alone.colour_weight
    _, losses = batch.measure(images)
    for k in range(2):
        _, loss = alone.measure(images[k : k + 1])
        assert losses[k].item() == pytest.approx(loss[0].item(), rel=1e-12)


# ------------------------------------------------------------------ when a run stops


def test_the_plateau_test():
    assert synthesis.plateaued([100.0] + [96.0] * 5, window=5, min_decrease=0.05)
    assert not synthesis.plateaued([100.0] + [94.0] * 5, window=5, min_decrease=0.05)
    assert not synthesis.plateaued([100.0] * 5, window=5, min_decrease=0.05)
    assert synthesis.loss_decrease([100.0, 50.0, 40.0], window=2) == pytest.approx(0.6)


@pytest.fixture
def plateau_schedule(monkeypatch):
    """One run of at most 300 iterations that stops once the loss falls by less than 20 % over 5."""
    schedule = Schedule(runs_gray=1, runs_colour=1, max_iter=300, min_decrease=0.2, window=5)
    monkeypatch.setitem(SCHEDULES, "default", schedule)
    return schedule


def test_a_run_stops_at_the_first_plateau_and_not_before(plateau_schedule):
    result = wavetex.synthesize(GRAVEL, **SMALL)
    history = result.loss_history[0]
    n = len(history)
    assert result.stop_reasons == ["converged: loss fell by less than 20% over 5 iterations"] and 6 <= n < 300
    # relative decrease over the last 5 iterations, by hand: at least 20 % until the stop
    for k in range(6, n):
        assert (history[k - 6] - history[k - 1]) / history[k - 6] >= 0.2, f"should have stopped after {k}"
    assert (history[n - 6] - history[n - 1]) / history[n - 6] < 0.2
    status = result.status(0)
    assert status["status"] == "converged" and status["recent_decrease"] is None  # < 50 iterations
    assert status["words"].startswith("converged: loss fell by less than 20% over 5 iterations; loss fell ")
    assert status["words"].endswith(f" % over its last {n - 1} iterations")  # < 50: over all it ran
    decrease = (history[0] - history[-1]) / history[0]
    assert f"; loss fell {100 * decrease:.1f} % over" in status["words"]
    one = wavetex.synthesize(GRAVEL, max_iter=1, coarse_iter=0, **SMALL).status(0)["words"]
    assert one == "stopped at --max-iter 1; too few iterations to measure a decrease"


# ------------------------------------------------------------------ status words


def test_a_capped_run_is_never_called_converged():
    result = wavetex.synthesize(GRAVEL, max_iter=60, coarse_iter=0, dtype="float64", **SMALL)
    status = result.status(0)
    assert status["status"] == "max_iter" and status["status"] in STATUSES
    history = result.loss_history[0]
    expected = (history[-51] - history[-1]) / history[-51]
    assert status["recent_decrease"] == pytest.approx(expected)
    assert status["words"] == f"stopped at --max-iter 60; loss fell {100 * expected:.1f} % over the last 50 iterations"


def test_a_finished_schedule_says_so(monkeypatch):
    monkeypatch.setitem(SCHEDULES, "default", Schedule(runs_gray=1, runs_colour=1, max_iter=4, coarse_iter=3))
    result = wavetex.synthesize(GRAVEL, **SMALL)
    assert result.status(0)["status"] == "completed_schedule"
    assert result.status(0)["words"].startswith("completed the default schedule (3 coarse + 4); ")
    other = wavetex.synthesize(GRAVEL, coarse_iter=2, **SMALL)  # the stages that ran, not the schedule's
    assert other.status(0)["words"].startswith("completed the default schedule (2 coarse + 4); ")
    monkeypatch.setitem(SCHEDULES, "paper", Schedule(runs_gray=2, runs_colour=1, max_iter=3))
    paper = wavetex.synthesize(GRAVEL, schedule="paper", **SMALL)
    assert paper.status(0)["words"].startswith("completed the paper schedule (2 runs of 3)")


def test_budget_and_interruption_statuses():
    budget = wavetex.synthesize(GRAVEL, time_budget=1e-6, max_iter=5, **SMALL)
    assert budget.status(0)["status"] == "time_budget" and budget.status(0)["words"].startswith("stopped by the time budget")

    def interrupt(step, images, losses):
        raise KeyboardInterrupt

    interrupted = wavetex.synthesize(GRAVEL, max_iter=5, coarse_iter=0, callback=interrupt, **SMALL)
    assert interrupted.status(0)["status"] == "interrupted"


def test_the_sidecar_carries_each_samples_status(tmp_path):
    result = wavetex.synthesize(GRAVEL, max_iter=3, coarse_iter=0, n_samples=2, **SMALL)
    result.save(tmp_path / "out.png")
    sidecar = json.loads((tmp_path / "out.json").read_text())
    assert sidecar["status"] == [result.status(0), result.status(1)]
    assert wavetex.SynthesisResult.load(tmp_path / "out.png").status(1) == result.status(1)


# ------------------------------------------------------------------ constrained colour start


def test_the_colour_start_of_a_fill_takes_the_known_pixels_colours():
    """Noise starts are recoloured with the covariance of the known pixels, not the hole's."""
    values = np.random.default_rng(0).random((48, 48))
    picture = torch.tensor(np.stack([values, values, values]))  # known pixels: gray, channels equal
    unknown = np.zeros((48, 48), dtype=bool)
    unknown[8:40, 8:40] = True
    picture[1, torch.from_numpy(unknown)] = 1 - picture[0, torch.from_numpy(unknown)]  # hole: anticorrelated
    config = SynthesisConfig(size=(48, 48), n_samples=1, device="cpu", model=ModelConfig(n_scales=2))
    prepared = constrained.constrain(synthesis.prepare(picture, config), picture, unknown)
    start = prepared.start[0].flatten(1)
    correlation = torch.corrcoef(start)
    assert correlation[0, 1] > 0.99 and correlation[0, 2] > 0.99
