"""The one page builder (wavetex.report.pages) and the study's figures, from results.jsonl:
honest status words, links that exist, escaping, and a real browser's view at 1400 and 420 px."""

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage import data

from wavetex import report
from wavetex.report import figures
from wavetex.report.records import study_rows
from wavetex.statistics import ModelConfig
from wavetex.survey.jobs import run_job
from wavetex.survey.plan import build_plan
from wavetex.survey.store import SurveyFolder
from wavetex.synthesis import SynthesisConfig

EXEMPLAR = data.gravel()[:64, :64] / 255.0
TINY = SynthesisConfig(max_iter=3, coarse_iter=0, probe_every=2, model=ModelConfig(n_scales=3))


def survey_folder(out, configs, seeds=(0, 1), name="gravel"):
    """Run tiny jobs in this process and write them as the survey engine does."""
    plan = build_plan({name: (Path("exemplar.png"), EXEMPLAR)}, configs, seeds=list(seeds))
    with SurveyFolder(out) as folder:
        for job in plan.jobs:
            folder.save_exemplar(job.exemplar_sha256, EXEMPLAR)
            with tempfile.TemporaryDirectory() as work:
                record = run_job(job, EXEMPLAR, Path(work))
                folder.commit(record, {p.name: p.read_bytes() for p in Path(work).iterdir()})
    return out


@pytest.fixture(scope="module")
def survey(tmp_path_factory):
    out = tmp_path_factory.mktemp("pages") / "survey"
    ladder = [("small", TINY), ("no_shifts", SynthesisConfig(max_iter=3, coarse_iter=0, probe_every=2, model=ModelConfig(n_scales=3, shifts="none")))]
    survey_folder(out, ladder)
    (out / "figures").mkdir()
    (out / "figures" / "old-tradeoff.png").write_bytes(b"an earlier page's figure")
    report.write_index(out, title="t")
    return out


def test_page_links_only_files_that_exist_and_shows_the_grid_at_1_to_1(survey):
    page = (survey / "index.html").read_text()
    links = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert {"style.css", "results.jsonl", "figures/memorization.png", "figures/gravel-probe-history.png"} <= set(links)
    assert {p.name for p in (survey / "figures").glob("*.png")} == {Path(link).name for link in links
                                                                    if link.startswith("figures/")}
    for link in links:
        assert not link.startswith(("http:", "https:", "/")), link
        assert (survey / link).is_file(), link
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert page.index('id="at-a-glance"') < page.index('id="legend"') < page.index('id="numbers"')
    cells = re.findall(r'<figure class="cell">.*?</figure>', page, re.S)
    assert len(cells) == 4  # two models × two seeds
    for cell in cells:
        assert 'width="64"' in cell and 'height="64"' in cell  # 1:1: the synthesis's own size
        assert re.search(r'class="badge (novel|copy|suspicious|indeterminate)', cell) and "index " in cell
        assert "probe.png" in cell and "synthesis.json" in cell
        assert re.search(r'class="defects( flagged)?"[^>]*>defects \d\.\d\d<', cell)  # local fidelity beside it
    assert page.count('alt="exemplar of gravel"') == 1  # the exemplar once per texture
    assert "1:1" in page
    for term, _ in report.METRIC_LEGEND:
        assert f"<dt>{term}</dt>" in page


def test_grid_and_table_show_each_jobs_defect_fraction(survey):
    page = (survey / "index.html").read_text()
    records = [json.loads(line) for line in (survey / "results.jsonl").read_text().splitlines()]
    fractions = [r["probe"]["defect_fraction"] for r in records]
    assert all(f is not None for f in fractions)
    for fraction in fractions:  # in the grid and in the table, as the probe measured it
        assert f">defects {fraction:.2f}<" in page and f"<td>{fraction:.2f}</td>" in page
    assert "<th>defect fraction</th>" in page and "counterpart" in dict(report.METRIC_LEGEND)["defect fraction"]


def test_jobs_recorded_before_the_local_fidelity_get_it_from_their_files(survey, tmp_path, monkeypatch):
    from wavetex import io as wio
    from wavetex.memorization import local_fidelity
    from wavetex.report import records as records_module

    old = shutil.copytree(survey, tmp_path / "old")
    lines = [json.loads(line) for line in (old / "results.jsonl").read_text().splitlines()]
    for line in lines:
        del line["probe"]["defect_fraction"]
    (old / "results.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    records = records_module.load_records(old)
    fractions = records_module.defect_fractions(old, records)
    for record in records:
        image = wio.read_image(old / "jobs" / record["key"] / "synthesis.png")
        exemplar = wio.read_image(next((old / "exemplars").glob("*.png")))
        assert fractions[record["key"]] == local_fidelity(image, exemplar).defect_fraction
    assert json.loads((old / records_module.DEFECT_FILE).read_text()) == fractions
    monkeypatch.setattr("wavetex.memorization.local_fidelity", lambda *a, **k: pytest.fail("not cached"))
    assert records_module.defect_fractions(old, records) == fractions
    page = report.write_index(old).read_text()
    assert all(f">defects {f:.2f}<" in page for f in fractions.values())


def test_no_page_figure_or_sidecar_says_converged_for_a_capped_run(survey):
    page = (survey / "index.html").read_text()
    assert "converged" not in re.sub(r"<dl class=\"legend\">.*?</dl>", "", page, flags=re.S).replace(
        "green only when the synthesis also converged", "")
    assert page.count("stopped at --max-iter 3") == 8  # in the grid's title and the table, per job
    assert "badge novel converged" not in page
    for record_file in survey.glob("jobs/*/record.json"):
        record = json.loads(record_file.read_text())
        assert record["fidelity"]["converged"] is False and record["fidelity"]["status"] == "max_iter"
        assert "converged" not in record["fidelity"]["status_words"]
        assert record["convergence"]["status"] == "max_iter"
        sidecar = json.loads((record_file.parent / "synthesis.json").read_text())
        assert [s["status"] for s in sidecar["status"]] == ["max_iter"]


def _old_record(key, stop_reason, max_iter=None, converged=True):
    """A record as the surveys before issue 20 wrote it: no status, a lenient 'converged'."""
    return {
        "key": key, "texture": "gravel", "model": key, "exemplar_sha256": "ab" * 32, "status": "done",
        "config": {"schedule": "default", "size": [64, 64], "seed": 0, "max_iter": max_iter,
                   "model": {"n_scales": 3}},
        "metrics": {"statistics_error": 0.25, "iterations": 100, "stop_reason": stop_reason},
        "probe": {"verdict": "novel", "memorization_index": 0.01, "copy_rate": 0.0, "global_match": 0.3,
                  "exemplar_shape": [64, 64, 1]},
        "fidelity": {"converged": converged, "stop_reason": stop_reason},
    }


def test_old_records_get_honest_words_and_failures_are_listed(tmp_path):
    with SurveyFolder(tmp_path / "out") as folder:
        folder.commit(_old_record("schedule", "iteration limit of the run"), {})
        folder.commit(_old_record("capped", "iteration limit of the run", max_iter=100), {})
        folder.commit(_old_record("plateau", "converged: loss fell by less than 5% over 50 iterations"), {})
        folder.record_failure({"key": "k3"}, "RuntimeError: out of <memory>", attempts=2)
    page = report.write_index(tmp_path / "out", title="<t>").read_text()
    assert "completed the default schedule (450 coarse + 40); loss decrease over the last 50" in page
    assert "stopped at --max-iter 100" in page
    assert page.count("badge novel converged") == 1  # the plateau stop only
    assert "RuntimeError: out of &lt;memory&gt; (2 attempts)" in page and "<title>&lt;t&gt;</title>" in page


def _rows(n_models=2, sizes=((64, 64),)):
    return [{"texture": texture, "exemplar_size": size, "model": f"m{m}", "seed": seed, "stats_per_pixel": 0.1 * (m + 1),
             "memorization_index": 0.1 * m - 0.02 * seed, "copy_rate": 0.0, "judge_error": 0.1 / (m + 1),
             "iterations": 100, "probe_history": [{"iteration": 50, "samples": [{"memorization_index": 0.01}]}],
             "final_index": 0.03 * seed}
            for texture in ("gravel", "brick") for size in sizes for m in range(n_models) for seed in range(3)]


def test_memorization_figure_is_against_capacity_with_reference_lines():
    figure = figures.memorization_figure(_rows(3, sizes=((64, 64), (128, 128))))
    index_ax = figure.axes[0]
    assert index_ax.get_xscale() == "log"
    dashed = sorted(line.get_ydata()[0] for line in index_ax.get_lines() if line.get_linestyle() == "--")
    assert dashed == [0, 1]
    assert len(index_ax.containers) == 4  # one line (with min–max bars) per texture and exemplar size
    assert [c.lines[0].get_linestyle() for c in index_ax.containers] == ["-", ":", "-", ":"]  # style by size
    bars = index_ax.containers[0]
    means = bars.lines[0].get_ydata()
    assert means.tolist() == pytest.approx([-0.02, 0.08, 0.18])  # the mean over three seeds
    labels = [t.get_text() for t in figure.legends[0].get_texts()]
    assert labels == ["gravel", "brick", "64×64 exemplar", "128×128 exemplar"]


def test_probe_history_has_a_fixed_range_with_zero_and_the_final_probe_last():
    figure = figures.probe_history_figure(_rows(2), "gravel")
    ax = figure.axes[0]
    low, high = ax.get_ylim()
    assert low < 0 < 1 < high
    lines = [line for line in ax.get_lines() if line.get_linestyle() != "--" or len(line.get_xdata()) != 2
             or line.get_xdata()[0] != 0]
    job_lines = [line for line in lines if line.get_xdata()[-1] == 100]
    assert len(job_lines) == 6 and {line.get_ydata()[-1] for line in job_lines} == {0.0, 0.03, 0.06}
    assert len({line.get_color() for line in job_lines}) == 3  # colour by seed
    assert len({(line.get_linestyle(), line.get_marker()) for line in job_lines}) == 2  # style by model
    legend = figure.legends[0]
    assert legend.get_bbox_to_anchor().x0 > figure.axes[-1].get_position().x1 * figure.bbox.width - 1  # outside


def test_probe_history_panels_share_the_iteration_axis():
    rows = _rows(2, sizes=((64, 64), (128, 128)))
    for row in rows:  # the larger exemplar's runs stop at 40 iterations, the smaller's at 100
        if row["exemplar_size"] == (128, 128):
            row["iterations"], row["probe_history"] = 40, [{"iteration": 25, "samples": [{"memorization_index": 0.0}]}]
    small, large = figures.probe_history_figure(rows, "gravel").axes[:2]
    assert large.get_xlim() == small.get_xlim() and large.get_xlim()[1] >= 100


def test_figures_never_reuse_a_colour_and_skip_a_one_model_tradeoff():
    figure = figures.tradeoff_figure(_rows(10), "gravel")
    colours = [tuple(c.get_facecolor()[0]) for c in figure.axes[0].collections]
    assert len(colours) == 10 and len(set(colours)) == 10
    assert figures.tradeoff_figure(_rows(1), "gravel") is None
    with pytest.raises(ValueError, match="distinct colours"):
        figures.tradeoff_figure(_rows(len(figures.COLOURS) + 1), "gravel")


def test_study_rows_count_statistics_per_exemplar_pixel(survey):
    records = [json.loads(line) for line in (survey / "results.jsonl").read_text().splitlines()]
    rows = study_rows(survey, records)
    small = [r for r in rows if r["model"] == "small"][0]
    assert small["stats_per_pixel"] == small["n_stats"] / 64**2
    assert all(np.isfinite(r["judge_error"]) for r in rows)  # every synthesis on the one yardstick
    assert (survey / "figures" / "judge_errors.json").is_file()


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"]
#: A page at WIDTH css pixels in an iframe that reports, from inside, its document's
#: scroll width and its viewport's (headless chromium's windows are at least 500 px wide).
FRAME = """<!doctype html><html><body style="margin:0">
<iframe src="{page}" style="width:{width}px;height:900px;border:0"></iframe>
<script>window.addEventListener("message", e => document.body.setAttribute("data-measured", e.data));</script>
</body></html>"""
MEASURE = """<script>
window.addEventListener("load", () => parent.postMessage(document.documentElement.scrollWidth + "x" + window.innerWidth, "*"));
</script>"""


def _chromium(tmp_path, width, *args):
    profile = tmp_path / f"profile-{width}"
    command = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},900",
               "--virtual-time-budget=5000", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium: install it with apt-get install -y chromium "
                                             "(the browser check of the survey page needs a real browser)")
@pytest.mark.parametrize("width", [1400, 420])
def test_survey_page_fits_a_real_browser(survey, tmp_path, width):
    page = (survey / "index.html").read_text()
    measured, frame = survey / f"measure-{width}.html", survey / f"frame-{width}.html"
    measured.write_text(page.replace("</body>", MEASURE + "</body>"))
    frame.write_text(FRAME.format(page=measured.name, width=width))
    try:
        dom = _chromium(tmp_path, 1400, "--dump-dom", frame.as_uri()).stdout
    finally:
        measured.unlink()
        frame.unlink()
    scroll, viewport = map(int, re.search(r'data-measured="(\d+)x(\d+)"', dom).groups())
    assert viewport == width and scroll <= viewport  # no horizontal overflow
    shot = tmp_path / f"shot-{width}.png"
    _chromium(tmp_path, width, f"--screenshot={shot}", (survey / "index.html").as_uri())
    image = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert image.shape[1] == width
    assert image.std() > 10 and (image < 100).mean() > 0.01  # text and images drawn, not a blank page


def test_figures_say_how_a_capped_synthesis_stopped(tmp_path, monkeypatch):
    import wavetex
    from wavetex import memorization

    result = wavetex.synthesize(EXEMPLAR, n_scales=3, max_iter=3, progress=False)
    titles = []
    saved = figures.save_figure
    monkeypatch.setattr(figures, "save_figure",
                        lambda figure, path, **options: titles.append(figure._suptitle.get_text()) or saved(
                            figure, path, **options))
    probed = memorization.probe(result.images[0], EXEMPLAR)
    report.probe_figure(probed, result.images[0], EXEMPLAR, tmp_path / "probe.png", fidelity=report.fidelity(result))
    titles.append(report.synthesis_status(result)._suptitle.get_text())
    for title in titles:
        assert "stopped at --max-iter 3" in title and "converged" not in title
