import json
import re

import pytest
from skimage import data

from wavetex import memorization, report
from wavetex.statistics import ModelConfig
from wavetex.synthesis import SynthesisConfig

EXEMPLAR = data.gravel()[:64, :64] / 255.0
TINY = SynthesisConfig(max_iter=3, model=ModelConfig(n_scales=3))


def test_probe_figure_is_written_atomically(tmp_path):
    copy = memorization.shifted_copy(EXEMPLAR, seed=0)
    probed = memorization.probe(copy, EXEMPLAR)
    path = report.probe_figure(probed, copy, EXEMPLAR, tmp_path / "probe.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(FileExistsError):
        report.probe_figure(probed, copy, EXEMPLAR, tmp_path / "probe.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["probe.png"]


def test_texture_report_and_index_reference_only_existing_files(tmp_path):
    config = SynthesisConfig(n_samples=2, max_iter=3, model=ModelConfig(n_scales=3))
    contents = [
        report.texture_report("gravel", EXEMPLAR, tmp_path, config=config),
        report.texture_report("copied", memorization.shifted_copy(EXEMPLAR, seed=1), tmp_path, config=TINY),
    ]
    saved = json.loads((tmp_path / "gravel" / "report.json").read_text())
    assert len(saved["samples"]) == 2 and saved["diversity"]["pairwise_matches"][0][0] == pytest.approx(1.0)
    assert {"verdict", "copy_rate", "memorization_index"} <= set(saved["samples"][0]["probe"])
    index = report.write_index(contents, tmp_path)
    page = index.read_text()
    links = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert len(links) >= 8
    for link in links:
        assert not link.startswith(("http:", "https:", "/")), link
        assert (tmp_path / link).is_file(), link
    assert "gravel" in page and "copied" in page


def test_capacity_sweep_orders_rungs_by_size(tmp_path):
    ladder = report.CAPACITY_LADDER[:1] + report.CAPACITY_LADDER[3:4]
    content = report.capacity_sweep(EXEMPLAR, tmp_path, config=TINY, ladder=ladder)
    sizes = [r["n_stats"] for r in content["rungs"]]
    assert sizes[0] < sizes[1]
    assert (tmp_path / "sweep.png").is_file() and (tmp_path / "sweep.json").is_file()
    assert all((tmp_path / r["image"]).is_file() for r in content["rungs"])


def test_verdicts_have_words():
    assert set(report.VERDICT_WORDS) == {"novel", "suspicious", "copy", "indeterminate", "undefined"}
