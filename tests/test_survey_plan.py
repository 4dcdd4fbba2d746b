"""Survey plans, the output folder and the command's checks: no Ray starts here."""

import json
import re
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from wavetex import __version__
from wavetex.io import write_image
from wavetex.survey import plan as wplan
from wavetex.survey.store import SurveyFolder, read_results
from cli_checks import assert_error, invoke

TINY = """
textures = ["gravel", "tile.png"]
seeds = [0, 1]
sizes = ["96x64"]
max_iter = 3
[models.small]
n_scales = 3
[models.small_no_shifts]
n_scales = 3
shifts = "none"
"""


@pytest.fixture
def plan_dir(tmp_path):
    write_image(tmp_path / "tile.png", np.random.default_rng(0).random((64, 64)))
    (tmp_path / "plan.toml").write_text(TINY)
    return tmp_path


def test_plan_expands_every_combination_in_order(plan_dir):
    plan = wplan.read_plan(plan_dir / "plan.toml")
    assert len(plan.jobs) == 2 * 2 * 2  # textures × models × seeds
    first = plan.jobs[0]
    assert (first.texture, first.model, first.config.seed, first.config.size) == ("gravel", "small", 0, (64, 96))
    assert first.config.n_samples == 1 and first.config.max_iter == 3 and first.config.model.n_scales == 3
    assert plan.jobs[-1].texture == "tile.png" and plan.jobs[-1].config.model.shifts == "none"
    assert len({job.key for job in plan.jobs}) == len(plan.jobs)
    assert plan.pixels["tile.png"].shape == (64, 64)  # relative to the plan's folder
    assert first.config.coarse_iter is None  # the schedule's coarse stage


def test_a_plan_sets_the_coarse_stage_of_every_job(plan_dir):
    text = TINY.replace("max_iter = 3", "max_iter = 3\ncoarse_iter = 0")
    (plan_dir / "plan.toml").write_text(text)
    plan = wplan.read_plan(plan_dir / "plan.toml")
    assert {job.config.coarse_iter for job in plan.jobs} == {0}


def test_key_changes_with_pixels_configuration_and_version(plan_dir, monkeypatch):
    plan = wplan.read_plan(plan_dir / "plan.toml")
    job = plan.jobs[0]
    exemplar = plan.exemplars[0]
    again = wplan.job_key(exemplar, job.config, gray=False, model=job.model)
    assert again == job.key  # deterministic
    assert wplan.job_key(exemplar, replace(job.config, seed=5), gray=False, model=job.model) != job.key
    assert wplan.job_key(exemplar, replace(job.config, max_iter=4), gray=False, model=job.model) != job.key
    assert wplan.job_key(exemplar, replace(job.config, coarse_iter=0), gray=False, model=job.model) != job.key
    assert wplan.job_key(exemplar, job.config, gray=True, model=job.model) != job.key
    assert wplan.job_key(replace(exemplar, sha256="0" * 64), job.config, gray=False, model=job.model) != job.key
    with monkeypatch.context() as patch:  # a schedule redefined under the same name
        schedule = wplan.SCHEDULES[job.config.schedule]
        patch.setitem(wplan.SCHEDULES, job.config.schedule, replace(schedule, coarse_iter=schedule.coarse_iter + 1))
        assert wplan.job_key(exemplar, job.config, gray=False, model=job.model) != job.key
    monkeypatch.setattr(wplan, "__version__", __version__ + ".post1")
    assert wplan.job_key(exemplar, job.config, gray=False, model=job.model) != job.key
    # one changed pixel: a new exemplar digest
    image = plan.pixels["tile.png"].copy()
    image[0, 0] = 1 - image[0, 0]
    monkeypatch.undo()
    write_image(plan_dir / "tile.png", image, overwrite=True)
    changed = wplan.read_plan(plan_dir / "plan.toml")
    assert changed.jobs[-1].key != plan.jobs[-1].key and changed.jobs[0].key == plan.jobs[0].key


def test_default_plan_is_one_paper_model_at_the_exemplar_size():
    plan = wplan.parse_plan({"textures": ["gravel"]})
    (job,) = plan.jobs
    assert job.model == "paper" and job.config.size == (256, 256) and job.config.seed == 0
    assert job.config.model == wplan.ModelConfig() and job.config.schedule == "default"


@pytest.mark.parametrize(
    "text, fragments",
    [
        ('textures = ["gravel"]\nseed = [0]', ["unknown plan key(s) 'seed'", "seeds:"]),
        ("seeds = [0]", ["names no textures"]),
        ('textures = ["gravel"]\nseeds = [-1]', ["non-negative"]),
        ('textures = ["gravel"]\nseeds = 1', ["non-empty list", "seeds = [0, 1]"]),
        ('textures = ["gravel", "gravel"]', ["twice"]),
        ('textures = ["gravle"]', ["unknown texture 'gravle'", "gravel"]),
        ('textures = ["photos/bark.png"]', ["no file", "relative to the plan's folder"]),
        ('textures = ["gravel"]\nsizes = ["big"]', ["not a size", "WIDTHxHEIGHT"]),
        ('textures = ["gravel"]\nsizes = ["16x16"]', ["too small for n_scales = 5", "use n_scales = 3 or less"]),
        ('textures = ["gravel"]\nschedules = ["fast"]', ["unknown schedule 'fast'", "default"]),
        ('textures = ["gravel"]\nmax_iter = 0', ["max_iter must be a positive integer, got 0"]),
        ('textures = ["gravel"]\ncoarse_iter = -1', ["coarse_iter must be an integer of at least 0, got -1"]),
        ('textures = ["gravel"]\n[models.a]\nshift = "none"', ["models.a: unknown option(s) shift", "shifts"]),
        ('textures = ["gravel"]\n[models.a]\nshifts = "some"', ["models.a: shifts must be one of"]),
        ('textures = ["gravel"\n', ["not valid TOML"]),
    ],
)
def test_bad_plans_fail_in_one_line_before_anything_is_written(tmp_path, text, fragments):
    (tmp_path / "plan.toml").write_text(text)
    result = invoke("survey", tmp_path / "plan.toml", "-o", tmp_path / "out")
    assert_error(result, *fragments)
    assert not (tmp_path / "out").exists()


def test_small_exemplar_is_refused_by_the_probe_check(tmp_path):
    write_image(tmp_path / "small.png", np.random.default_rng(0).random((48, 48)))
    (tmp_path / "plan.toml").write_text('textures = ["small.png"]\n[models.m]\nn_scales = 3')
    assert_error(invoke("survey", tmp_path / "plan.toml", "-o", tmp_path / "out"), "at least 64x64")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["--workers", "0"], ["--workers"]),
        (["--retries", "-1"], ["--retries"]),
        (["--workers", "2", "--address", "auto"], ["drop it when you pass --address"]),
    ],
)
def test_bad_flags_fail_in_one_line(plan_dir, args, fragments):
    result = invoke("survey", plan_dir / "plan.toml", "-o", plan_dir / "out", *args)
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert all(f in result.stderr for f in fragments), result.stderr
    assert not (plan_dir / "out").exists()


def test_missing_output_plan_or_folder(plan_dir):
    assert_error(invoke("survey", plan_dir / "plan.toml"), "add -o DIR")
    assert_error(invoke("survey", "-o", plan_dir / "out"), "no plan given")
    assert_error(invoke("survey", plan_dir / "nope.toml", "-o", plan_dir / "out"), "does not exist")
    assert_error(invoke("survey", plan_dir / "plan.toml", "-o", plan_dir / "a" / "b"), "create it first")
    assert_error(invoke("survey", "--report-only", plan_dir), "holds no results.jsonl")
    assert not (plan_dir / "out").exists()


def test_missing_ray_with_an_address_names_install_commands_and_writes_nothing(plan_dir, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray raises ImportError
    result = invoke("survey", plan_dir / "plan.toml", "-o", plan_dir / "out", "--address", "auto")
    assert_error(result, "pip install ray", 'pip install ".[survey]"')
    assert not (plan_dir / "out").exists()


def test_importing_wavetex_and_the_survey_does_not_import_ray():
    code = "import sys, wavetex, wavetex.survey, wavetex_cli.main; print('ray' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"


def test_dry_run_lists_jobs_and_which_are_done(plan_dir):
    plan = wplan.read_plan(plan_dir / "plan.toml")
    out = plan_dir / "out"
    out.mkdir()
    with SurveyFolder(out) as folder:
        folder.commit({**plan.jobs[1].to_dict(), "status": "done"}, {"synthesis.png": b"x"})
        folder.record_failure(plan.jobs[2].to_dict(), "ValueError: boom", attempts=2)
    result = invoke("survey", plan_dir / "plan.toml", "-o", out, "--dry-run")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1].startswith("done") and plan.jobs[1].key in lines[1]
    assert lines[2].startswith("failed") and lines[0].startswith("to run")
    assert lines[-1] == "8 jobs: 1 done, 7 to run."


def test_folder_commit_is_whole_and_recovers_a_missing_line(tmp_path):
    out = tmp_path / "out"
    with SurveyFolder(out) as folder:
        record = folder.commit({"key": "a", "status": "done"}, {"f.txt": b"1"})
        assert record["files"] == ["jobs/a/f.txt", "jobs/a/record.json"]
        with pytest.raises(FileExistsError):
            folder.commit({"key": "a"}, {})
        with pytest.raises(OSError, match="another wavetex survey"):
            SurveyFolder(out).open()
    # a killed driver: a half-written folder and a finished folder without its line
    (out / "jobs" / ".partial-b-1234").mkdir()
    (out / "jobs" / "c").mkdir()
    (out / "jobs" / "c" / "record.json").write_text(json.dumps({"key": "c"}))
    with (out / "results.jsonl").open("a") as file:
        file.write('{"key": "torn')  # a line cut by a crash
    with SurveyFolder(out) as folder:
        assert folder.is_done("a") and folder.is_done("c") and not folder.is_done("b")
        folder.commit({"key": "d"}, {})
    assert not (out / "jobs" / ".partial-b-1234").exists()
    assert [r["key"] for r in read_results(out)] == ["a", "c", "d"]


@pytest.mark.parametrize("name, n_jobs", [("survey_256.toml", 16), ("survey_capacity.toml", 54)])
def test_published_plans_are_valid(name, n_jobs):
    from pathlib import Path

    plan = wplan.read_plan(Path(__file__).parents[1] / "docs" / name)
    assert len(plan.jobs) == n_jobs and all(job.config.size == (256, 256) for job in plan.jobs)


@pytest.mark.parametrize("name, n_jobs", [("memorization_study.toml", 243), ("memorization_study_colour.toml", 90)])
def test_study_plans_are_valid_and_run_the_small_exemplars_first(name, n_jobs):
    from pathlib import Path

    plan = wplan.read_plan(Path(__file__).parents[1] / "docs" / name)
    assert len(plan.jobs) == n_jobs
    sizes = [job.config.size for job in plan.jobs]
    assert sizes == sorted(sizes) and set(sizes) == {(64, 64), (128, 128), (256, 256)}
    assert all(plan.pixels[job.texture].shape[:2] == job.config.size for job in plan.jobs)
    assert {len({j.config.seed for j in plan.jobs if (j.texture, j.model) == (job.texture, job.model)})
            for job in plan.jobs} == {3}


def test_exemplar_sizes_crop_or_downscale_each_texture(plan_dir):
    from wavetex import textures

    full = textures.load("gravel")
    crop = wplan.parse_plan({"textures": ["gravel"], "exemplar_sizes": [64, "128x96"]})
    assert [job.texture for job in crop.jobs] == ["gravel@64x64", "gravel@128x96"]
    assert np.array_equal(crop.pixels["gravel@64x64"], full[96:160, 96:160])  # the centre crop
    assert crop.jobs[1].config.size == (96, 128)  # synthesised at the exemplar's size
    record = crop.jobs[0].to_dict()
    assert record["source_texture"] == "gravel"
    assert record["exemplar_fit"] == {"texture": "gravel", "fit": "crop", "size": [64, 64]}
    down = wplan.parse_plan({"textures": ["gravel"], "exemplar_sizes": [64], "exemplar_fit": "downscale"})
    image = down.pixels["gravel@64x64-downscaled"]
    assert image.shape == (64, 64) and abs(image.mean() - full.mean()) < 0.01
    assert down.jobs[0].key != crop.jobs[0].key
    whole = wplan.parse_plan({"textures": ["gravel"]})
    assert "exemplar_fit" not in whole.jobs[0].to_dict() and whole.jobs[0].texture == "gravel"


@pytest.mark.parametrize("plan, message", [
    ({"exemplar_sizes": [512]}, "exemplar_sizes may only shrink an image, ask for at most 256x256"),
    ({"exemplar_fit": "crop"}, "exemplar_fit needs exemplar_sizes"),
    ({"exemplar_sizes": [64], "exemplar_fit": "zoom"}, "exemplar_fit must be one of 'crop', 'downscale'"),
    ({"exemplar_sizes": [32]}, "64"),  # the probe's own size check
])
def test_bad_exemplar_sizes_fail_in_one_line(plan, message):
    with pytest.raises((ValueError, TypeError), match=re.escape(message)):
        wplan.parse_plan({"textures": ["gravel"], **plan})


@pytest.mark.parametrize("name, n_jobs", [
    ("memorization_study_first_pass.toml", None), ("memorization_study_transition.toml", 18),
    ("memorization_study_structured_128.toml", 12), ("memorization_study_colour_64.toml", 6)])
def test_the_study_slices_are_jobs_of_the_full_plans(name, n_jobs):
    """A slice run into the study's folder must not add jobs the full plans do not have
    (the same key): rerunning the full plan then skips them."""
    from pathlib import Path

    docs = Path(__file__).parents[1] / "docs"
    full = {job.key for plan in ("memorization_study.toml", "memorization_study_colour.toml")
            for job in wplan.read_plan(docs / plan).jobs}
    jobs = wplan.read_plan(docs / name).jobs
    assert jobs and {job.key for job in jobs} <= full
    assert n_jobs is None or len(jobs) == n_jobs
