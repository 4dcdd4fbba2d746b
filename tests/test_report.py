import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from skimage import data

from wavetex import memorization, report
from wavetex.report.figures import _wrapped_boxes
from wavetex.statistics import ModelConfig
from wavetex.survey.jobs import run_job
from wavetex.survey.plan import build_plan
from wavetex.synthesis import SynthesisConfig

EXEMPLAR = data.gravel()[:64, :64] / 255.0
TINY = SynthesisConfig(max_iter=3, coarse_iter=0, model=ModelConfig(n_scales=3))


def finished_jobs(folder, exemplar, configs, seeds=(0,)):
    """Run the jobs of one texture with the survey's job runner, in this process; return
    (record, job folder) pairs as the survey engine leaves them."""
    plan = build_plan({"exemplar": (Path("exemplar.png"), exemplar)}, configs, seeds=list(seeds))
    jobs = []
    for job in plan.jobs:
        job_folder = Path(folder) / "jobs" / job.key
        job_folder.mkdir(parents=True)
        jobs.append((run_job(job, exemplar, job_folder), job_folder))
    return jobs


def test_probe_figure_is_written_atomically(tmp_path):
    copy = memorization.shifted_copy(EXEMPLAR, seed=0)
    probed = memorization.probe(copy, EXEMPLAR)
    path = report.probe_figure(probed, copy, EXEMPLAR, tmp_path / "probe.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(FileExistsError):
        report.probe_figure(probed, copy, EXEMPLAR, tmp_path / "probe.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["probe.png"]


def test_probe_figure_draws_the_defect_map_and_its_fraction(tmp_path, monkeypatch):
    from scipy import ndimage

    from wavetex.report import figures

    exemplar = data.gravel()[:128, :128] / 255.0
    blurred = memorization.shifted_copy(exemplar, seed=1).copy()
    blurred[32:96, 32:96] = ndimage.gaussian_filter(blurred, 3)[32:96, 32:96]
    probed = memorization.probe(blurred, exemplar)
    assert probed.defect_fraction >= 0.05 and probed.defect_map[64, 64] and not probed.defect_map[4, 4]
    drawn = []
    monkeypatch.setattr(figures, "save_figure", lambda figure, path, **_: drawn.append(figure) or Path(path))
    report.probe_figure(probed, blurred, exemplar, tmp_path / "probe.png")
    panel = next(ax for ax in drawn[0].axes if ax.get_title().startswith("defect fraction"))
    assert panel.get_title().startswith(f"defect fraction {probed.defect_fraction:.2f}: flagged")
    tint = panel.get_images()[-1].get_array()
    assert np.array_equal(tint[..., 3] > 0, probed.defect_map)  # tinted exactly where the defects are
    assert panel.collections  # and outlined
    # Not measured (fidelity=False): said so, nothing tinted.
    unmeasured = memorization.probe(blurred, exemplar, fidelity=False)
    report.probe_figure(unmeasured, blurred, exemplar, tmp_path / "other.png")
    panel = next(ax for ax in drawn[1].axes if "not measured" in ax.get_title())
    assert len(panel.get_images()) == 1


def test_capacity_sweep_orders_rungs_by_size(tmp_path):
    ladder = report.CAPACITY_LADDER[:1] + report.CAPACITY_LADDER[3:4]
    configs = [(label, replace(TINY, model=replace(TINY.model, **options))) for label, options in ladder]
    jobs = finished_jobs(tmp_path, EXEMPLAR, configs)
    content = report.capacity_sweep(EXEMPLAR, tmp_path, rungs=[(label, *job) for (label, _), job in zip(ladder, jobs)])
    sizes = [r["n_stats"] for r in content["rungs"]]
    assert sizes[0] < sizes[1]
    assert (tmp_path / "sweep.png").is_file() and (tmp_path / "sweep.json").is_file()
    assert all((tmp_path / r["image"]).is_file() for r in content["rungs"])


def test_verdict_words_say_what_the_probe_answers():
    words = report.VERDICT_WORDS
    assert words["novel"].startswith("no copying detected") and "quality" in words["novel"]
    assert "copies" in words["copy"] and "cannot tell" in words["indeterminate"]
    # The figure's heading uses them: a novel verdict never reads as "new texture".
    probed = memorization.probe(memorization.phase_randomized(EXEMPLAR, seed=1), EXEMPLAR)
    assert probed.verdict == "novel"
    legend = dict(report.METRIC_LEGEND)
    assert "below 0" in legend["memorization index"] and "less" in legend["memorization index"]
    assert "not" in legend["verdict"] and "good texture" in legend["verdict"]


def test_match_boxes_wrap_across_the_periodic_edges():
    pieces = _wrapped_boxes(60, 62, 8, 64, 64)
    assert sorted(pieces) == [(0, 0, 4, 6), (0, 62, 4, 2), (60, 0, 4, 6), (60, 62, 4, 2)]
    assert sum(h * w for _, _, h, w in pieces) == 64
    assert _wrapped_boxes(10, 20, 8, 64, 64) == [(10, 20, 8, 8)]


def test_pinned_ladder_fixes_the_given_axes():
    assert report.pinned_ladder() == report.CAPACITY_LADDER
    assert [o for _, o in report.pinned_ladder(shifts="none", delta_j=0)] == [{"shifts": "none", "delta_j": 0}]
    assert {o["shifts"] for _, o in report.pinned_ladder(shifts="all")} == {"all"}
    assert [o["delta_j"] for _, o in report.pinned_ladder(shifts="all")] == [0, 2, 4]


def test_reports_record_fidelity_beside_the_verdict(tmp_path):
    content = report.texture_report("gravel", EXEMPLAR, tmp_path, jobs=finished_jobs(tmp_path, EXEMPLAR, [("m", TINY)]))
    sample = content["samples"][0]
    assert sample["fidelity"]["iterations"] == 3 and sample["fidelity"]["converged"] is False
    assert sample["status"]["status"] == "max_iter" and sample["status"]["words"].startswith("stopped at --max-iter 3")
    assert sample["fidelity"]["statistics_error"] == sample["statistics_error"]
    saved = json.loads((tmp_path / "gravel" / "report.json").read_text())
    assert saved["samples"][0]["fidelity"] == sample["fidelity"]
    assert all((tmp_path / "gravel" / path).is_file() for path in saved["samples"][0]["files"].values())


def test_only_a_plateau_or_a_tolerance_counts_as_converged(monkeypatch):
    import dataclasses

    import wavetex
    from wavetex.config import SCHEDULES

    short = dataclasses.replace(SCHEDULES["default"], max_iter=8, max_iter_colour=8, coarse_iter=0, min_decrease=None)
    monkeypatch.setitem(SCHEDULES, "default", short)
    exemplar = data.gravel()[100:164, 100:164] / 255.0
    whole = wavetex.synthesize(exemplar, n_scales=3, progress=False)
    capped = wavetex.synthesize(exemplar, n_scales=3, max_iter=4, progress=False)
    budget = wavetex.synthesize(exemplar, n_scales=3, time_budget=1e-9, progress=False)
    records = {name: report.fidelity(result) for name, result in
               (("whole", whole), ("capped", capped), ("budget", budget))}
    assert not any(record["converged"] for record in records.values())
    assert records["whole"]["status"] == "completed_schedule"
    assert records["whole"]["status_words"].startswith("completed the default schedule (8)")
    assert records["capped"]["status_words"].startswith("stopped at --max-iter 4")
    assert records["budget"]["status"] == "time_budget"
    for record in records.values():
        assert "converged" not in record["status_words"]
    plateau = dataclasses.replace(short, max_iter=400, min_decrease=0.99, window=2)
    monkeypatch.setitem(SCHEDULES, "default", plateau)
    stopped = report.fidelity(wavetex.synthesize(exemplar, n_scales=3, progress=False))
    assert stopped["converged"] and stopped["status"] == "converged" and stopped["iterations"] < 400


def test_synthesis_status_shows_image_loss_and_block_errors(tmp_path):
    import wavetex

    result = wavetex.synthesize(EXEMPLAR, n_scales=3, max_iter=6, n_samples=2, progress=False)
    figure = report.synthesis_status(result, sample=1)
    image_ax, loss_ax, block_ax = figure.axes
    assert image_ax.images[0].get_array().shape == result.images[1].shape
    (line,) = loss_ax.get_lines()
    assert loss_ax.get_yscale() == "log"
    assert list(line.get_ydata()) == pytest.approx(result.loss_history[1])
    bars = {tick.get_text(): bar.get_height() for tick, bar in zip(block_ax.get_xticklabels(), block_ax.patches)}
    assert bars == pytest.approx(result.block_errors[1])
    assert report.save_figure(figure, tmp_path / "status.png").read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="sample must be an integer from 0 to 1"):
        report.synthesis_status(result, sample=2)
