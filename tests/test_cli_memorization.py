"""``wavetex probe``, ``report``, ``sweep`` and ``synth --probe`` end to end on tiny inputs."""

import json
import re
import shutil
import tempfile

import pytest
from skimage import data
from wavetex_cli.main import cli

from wavetex import memorization
from wavetex.io import write_image
from cli_checks import invoke

FAST = ["--n-scales", "3", "--max-iter", "2", "--coarse-iter", "0", "--quiet"]


@pytest.fixture(scope="module", autouse=True)
def ray_instance():
    """One local Ray instance for the module: report and sweep run their syntheses on
    the survey engine, which uses it instead of starting one per command."""
    ray = pytest.importorskip("ray")
    temp_dir = tempfile.mkdtemp(prefix="wtx-ray-")  # short: Ray's socket paths
    ray.init(num_cpus=2, _temp_dir=temp_dir, include_dashboard=False, log_to_driver=False, logging_level="ERROR",
             object_store_memory=2**28)
    try:
        yield
    finally:
        ray.shutdown()
        shutil.rmtree(temp_dir, ignore_errors=True)


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exemplar = data.gravel()[:64, :64] / 255.0
    write_image(tmp_path / "exemplar.png", exemplar)
    write_image(tmp_path / "copy.png", memorization.shifted_copy(exemplar, seed=0))
    write_image(tmp_path / "noise.png", memorization.matched_noise(exemplar, seed=0))
    return tmp_path


def test_probe_says_copy_for_a_shifted_copy_and_novel_for_noise(folder):
    result = invoke("probe", "copy.png", "exemplar.png", "-o", "copy_probe")
    assert result.exit_code == 0, result.output
    assert "Memorization copy" in result.output
    saved = json.loads((folder / "copy_probe" / "report.json").read_text())
    assert saved["report"]["verdict"] == "copy" and saved["report"]["copy_rate"] == 1.0
    assert {"wavetex", "torch"} <= set(saved["versions"])
    assert (folder / "copy_probe" / "report.png").read_bytes()[:4] == b"\x89PNG"
    noise = invoke("probe", "noise.png", "exemplar.png")
    assert noise.exit_code == 0 and "Memorization novel" in noise.output
    assert (folder / "noise_probe" / "report.json").is_file()


def test_probe_refuses_to_overwrite_and_reports_bad_input(folder):
    assert invoke("probe", "copy.png", "exemplar.png", "-o", "out").exit_code == 0
    again = invoke("probe", "copy.png", "exemplar.png", "-o", "out")
    assert again.exit_code != 0 and "--force" in again.stderr and "Traceback" not in again.output
    missing = invoke("probe", "nothing.png", "exemplar.png")
    assert missing.exit_code != 0 and "no file 'nothing.png'" in missing.stderr


def test_synth_probe_adds_the_summary_to_the_sidecar(folder):
    result = invoke("synth", "exemplar.png", "--probe", "-o", "s.png", *FAST[:-1])
    assert result.exit_code == 0, result.output
    assert "Memorization" in result.output
    sidecar = json.loads((folder / "s.json").read_text())
    summary = sidecar["extra"]["probe"][0]
    # Two iterations from noise copy nothing.
    assert summary["verdict"] == "novel" and summary["copy_rate"] == 0.0
    assert "novel (no copying detected" in result.output


def test_report_writes_an_offline_index(folder):
    result = invoke("report", "exemplar.png", "tissue", "-o", "rep", "--n-samples", "2", "--size", "64", *FAST)
    assert result.exit_code == 0, result.output
    page = (folder / "rep" / "index.html").read_text()
    links = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert links and all((folder / "rep" / link).is_file() for link in links)
    assert "exemplar" in page and "tissue" in page
    # the syntheses ran as survey jobs, one per texture and seed, on the engine
    records = [json.loads(line) for line in (folder / "rep" / "results.jsonl").read_text().splitlines()]
    assert sorted((r["texture"], r["config"]["seed"]) for r in records) == [
        ("exemplar.png", 0), ("exemplar.png", 1), ("tissue", 0), ("tissue", 1)]
    assert {r["executor"]["engine"] for r in records} == {"ray"}
    saved = json.loads((folder / "rep" / "tissue" / "report.json").read_text())
    assert sorted(s["job"] for s in saved["samples"]) == sorted(r["key"] for r in records if r["texture"] == "tissue")
    again = invoke("report", "exemplar.png", "-o", "rep", *FAST)
    assert again.exit_code != 0 and "--force" in again.stderr


def test_sweep_writes_the_tradeoff_plot(folder):
    result = invoke("sweep", "exemplar.png", "-o", "sw", *FAST)
    assert result.exit_code == 0, result.output
    content = json.loads((folder / "sw" / "sweep.json").read_text())
    sizes = [r["n_stats"] for r in content["rungs"]]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]
    assert (folder / "sw" / "sweep.png").is_file()


def test_help_lists_every_option_of_the_new_commands():
    for command in ("probe", "report", "sweep"):
        help_text = invoke(command, "--help").output
        for param in cli.commands[command].params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--"):
                    assert opt in help_text, (command, opt)


def test_sweep_honours_pinned_model_options(folder):
    result = invoke("sweep", "exemplar.png", "-o", "one", "--shifts", "none", "--delta-j", "0", *FAST)
    assert result.exit_code == 0, result.output
    rungs = json.loads((folder / "one" / "sweep.json").read_text())["rungs"]
    assert [(r["model"]["shifts"], r["model"]["delta_j"]) for r in rungs] == [("none", 0)]
    assert not (folder / "one" / "rung_1.png").exists()
    result = invoke("sweep", "exemplar.png", "-o", "dj", "--delta-j", "1", *FAST)
    assert result.exit_code == 0, result.output
    rungs = json.loads((folder / "dj" / "sweep.json").read_text())["rungs"]
    assert {r["model"]["delta_j"] for r in rungs} == {1} and len(rungs) == 3


def _replaced(path, run):
    """An existing output is refused without --force and replaced with it."""
    path.write_bytes(b"old")
    refused = run()
    assert refused.exit_code != 0 and "--force" in refused.stderr and path.read_bytes() == b"old"
    forced = run("--force")
    assert forced.exit_code == 0, forced.output
    assert path.read_bytes() != b"old" and path.stat().st_size > 100


def test_force_replaces_the_probe_report(folder):
    (folder / "p").mkdir()
    _replaced(folder / "p" / "report.json", lambda *extra: invoke("probe", "copy.png", "exemplar.png", "-o", "p", *extra))
    assert json.loads((folder / "p" / "report.json").read_text())["report"]["verdict"] == "copy"


def test_force_replaces_the_report_and_sweep_pages(folder):
    (folder / "r").mkdir()
    _replaced(folder / "r" / "index.html", lambda *extra: invoke("report", "exemplar.png", "-o", "r", *FAST, *extra))
    (folder / "s").mkdir()
    _replaced(folder / "s" / "sweep.json",
              lambda *extra: invoke("sweep", "exemplar.png", "-o", "s", "--shifts", "none", "--delta-j", "0", *FAST, *extra))
