"""The study and gallery scripts (scripts/fidelity_schedules.py, scripts/gallery.py) keep
working against the library: both import, their ``missing``, ``table`` and ``build`` paths
run on a cache of one fake record, and a tiny synthesis of each arm whose code path
differs (the long run's snapshots, the three-level stage, the masked objective) goes
through ``run`` — so that a refactor of the library cannot break them silently."""

import importlib.util
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _module(name, path, monkeypatch):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)  # gallery.py imports fidelity_schedules by this name
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def scripts(tmp_path, monkeypatch):
    """(study, gallery), their cache, page and figures in tmp_path."""
    monkeypatch.setattr(sys, "path", list(sys.path))  # gallery.py adds scripts/ and benchmarks/
    study = _module("fidelity_schedules", ROOT / "scripts" / "fidelity_schedules.py", monkeypatch)
    gallery = _module("gallery", ROOT / "scripts" / "gallery.py", monkeypatch)
    monkeypatch.setattr(study, "RAW", tmp_path / "raw")
    monkeypatch.setattr(study, "DOC", tmp_path / "fidelity.md")
    monkeypatch.setattr(gallery, "GALLERY", tmp_path)
    monkeypatch.setattr(gallery, "PAGE", tmp_path / "gallery.md")
    monkeypatch.setattr(gallery, "README_FIGURE", tmp_path / "readme_quality.png")
    return study, gallery


def _main(module, monkeypatch, *argv):
    monkeypatch.setattr(sys, "argv", [module.__name__, *argv])
    module.main()


def test_missing_table_and_build_run_on_the_cache(scripts, monkeypatch, capsys):
    study, gallery = scripts
    record = {"texture": "brick", "arm": "coarse450", "seed": 0, "seconds": 90.0, "coarse_seconds": 30.0,
              "iterations": 100, "stop_reason": "iteration cap", "defect_fraction": 0.25, "alpha_masked": 0.125,
              "verdict": "novel"}
    study._write(study.path("brick", "coarse450", 0), np.full((256, 256), 0.5), record)

    _main(study, monkeypatch, "missing", "--textures", "brick", "--seeds", "0")
    assert capsys.readouterr().out.splitlines() == ["brick long 0", "brick masked 0"]

    study.DOC.write_text("before\n<!-- schedules:start -->\nold\n<!-- schedules:end -->\nafter\n")
    _main(study, monkeypatch, "table", "--write")
    row = "| brick | coarse450 | 0.250 (1 seed) | 0.1250 (1 seed) | 90 | 30 | 0 |"
    assert row in capsys.readouterr().out
    page = study.DOC.read_text()
    assert page.startswith("before\n<!-- schedules:start -->\n| exemplar |") and "old" not in page
    assert row in page and page.endswith("<!-- schedules:end -->\nafter\n")

    _main(gallery, monkeypatch, "missing")
    listed = capsys.readouterr().out.splitlines()
    assert "brick coarse450" not in listed and "brick long" in listed and "cells ps" in listed
    assert len(listed) == 3 * len(gallery.exemplars()) - 1

    _main(gallery, monkeypatch, "build", "--no-ps")
    page = gallery.PAGE.read_text()
    assert "| brick | 0.250, novel, 90 | not run |" in page and "\"not run\" marks" in page
    assert (gallery.GALLERY / "brick-turned.png").exists() and gallery.README_FIGURE.exists()


@pytest.mark.parametrize("arm", ["long", "three-level", "masked"])
def test_each_arm_runs_a_tiny_synthesis(scripts, monkeypatch, arm):
    study, _ = scripts
    exemplar = np.random.default_rng(0).random((64, 64))
    monkeypatch.setattr(study, "exemplar", lambda name: exemplar)
    monkeypatch.setattr(study, "SNAPSHOTS", (2,))
    tiny = {name: (replace(schedule, max_iter=6, coarse_iter=4), options, what)
            for name, (schedule, options, what) in study.ARMS.items()}
    monkeypatch.setattr(study, "ARMS", tiny)
    monkeypatch.setitem(study.SCHEDULES, arm, tiny[arm][0])  # run() registers the arm's schedule: undone after
    stages = []
    optimise = study.synthesis.optimise

    def spy(prepared, **options):
        stages.append((prepared.config.size, prepared.config.model.n_scales, prepared.config.objective))
        return optimise(prepared, **options)

    monkeypatch.setattr(study.synthesis, "optimise", spy)
    study.run("tiny", arm, 0)
    record = json.loads(study.path("tiny", arm, 0).with_suffix(".json").read_text())
    assert record["iterations"] == 6 and record["coarse_iterations"] == 4
    assert 0 <= record["defect_fraction"] <= 1 and record["alpha_masked"] > 0
    assert np.load(study.path("tiny", arm, 0)).shape == (64, 64)
    objective = "paper" if arm == "masked" else "periodic"
    levels = [((16, 16), 3), ((32, 32), 4), ((64, 64), 5)] if arm == "three-level" else [((32, 32), 4), ((64, 64), 5)]
    assert stages == [(size, n_scales, objective) for size, n_scales in levels]
    if arm == "long":  # the snapshot at 2 iterations, judged like the final image
        snapshot = json.loads(study.path("tiny", arm, 0, 2).with_suffix(".json").read_text())
        assert snapshot["iterations"] == 2 and "stop_reason" not in snapshot
