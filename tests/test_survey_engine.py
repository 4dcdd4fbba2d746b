"""The survey engine without Ray (one process, or a pool of local processes) and the
survey folder's guarantees: job folders appear whole, failures and dead workers are
recorded, results.jsonl that wavetex did not write is refused, and a folder that cannot
be written gives one line. No Ray starts here: Ray is made unimportable where the
engine would otherwise pick it.
"""

import errno
import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import wavetex
from wavetex.survey import engine, parse_plan, read_results, store
from wavetex.survey.store import SurveyFolder
from cli_checks import assert_error, assert_ok, invoke
from process_checks import descendants

PLAN = """
textures = ["gravel"]
seeds = [0, 1]
sizes = ["64x64"]
schedules = ["paper"]
max_iter = 2
[models.small]
n_scales = 3
"""
WAVETEX_BIN = Path(sys.executable).with_name("wavetex")
#: Runs the wavetex command with every import of Ray failing, as on a machine without it.
WITHOUT_RAY = """
import sys
class NoRay:
    def find_spec(self, name, path=None, target=None):
        if name == "ray" or name.startswith("ray."):
            raise ModuleNotFoundError("No module named 'ray'", name=name)
sys.meta_path.insert(0, NoRay())
from wavetex_cli.main import main
sys.argv = ["wavetex", *sys.argv[1:]]
main()
"""


@pytest.fixture
def no_ray(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError


@pytest.fixture
def plan():
    return parse_plan({"textures": ["gravel", "tissue"], "sizes": [64], "max_iter": 2, "schedules": ["paper"],
                       "models": {"small": {"n_scales": 3}}})


@pytest.fixture
def three_jobs():
    return parse_plan({"textures": ["gravel", "tissue"], "seeds": [0, 1], "sizes": [64], "max_iter": 2,
                       "coarse_iter": 0, "models": {"small": {"n_scales": 3}}}).jobs[1:]


# Runners for the pool: defined at the top of the module, so worker processes find them by name.
def quick_runner(job, exemplar, folder, *, device):
    """A stand-in for a synthesis: one file, a record, no torch work."""
    (folder / "note.txt").write_text(job.key)
    return {**job.to_dict(), "status": "done", "device_given": device}


def failing_runner(job, exemplar, folder, *, device):
    """The gravel job's worker dies every time (as under the kernel's OOM killer); the
    first tissue job raises."""
    if job.texture == "gravel":
        os._exit(3)
    if job.config.seed == 0:
        raise RuntimeError("this job always fails")
    return quick_runner(job, exemplar, folder, device=device)


def raising_runner(job, exemplar, folder, *, device):
    if job.texture == "tissue":
        raise RuntimeError("this job always fails")
    return quick_runner(job, exemplar, folder, device=device)


def test_without_ray_jobs_run_in_this_process_with_the_same_bits_as_one_synthesis(plan, tmp_path, no_ray):
    out = tmp_path / "out"
    summary = engine.run_jobs(plan.jobs, dict(plan.pixels), out, workers=1)
    assert summary.engine == "local" and len(summary.done) == 2 and not summary.failed
    for job in plan.jobs:
        expected = wavetex.synthesize(plan.pixels[job.texture], config=replace(job.config, device="cpu"),
                                      progress=False)
        assert np.array_equal(np.load(out / "jobs" / job.key / "synthesis.npy")[0], expected.raw_images[0])
    records = read_results(out)
    assert [r["executor"]["engine"] for r in records] == ["local", "local"]
    assert {r["executor"]["pid"] for r in records} == {os.getpid()}
    assert all((out / f).is_file() for r in records for f in r["files"])


def test_a_job_that_raises_is_retried_then_recorded_in_this_process(plan, tmp_path):
    calls = []

    def runner(job, exemplar, folder, *, device):
        calls.append(job.texture)
        return raising_runner(job, exemplar, folder, device=device)

    out = tmp_path / "out"
    summary = engine.run_jobs(plan.jobs, dict(plan.pixels), out, engine="local", workers=1, retries=2, runner=runner)
    assert calls == ["gravel", "tissue", "tissue", "tissue"]
    failed = [json.loads(line) for line in (out / "failures.jsonl").read_text().splitlines()]
    assert len(failed) == 1 and failed[0]["attempts"] == 3
    assert failed[0]["error"] == "RuntimeError: this job always fails" == summary.failed[failed[0]["key"]]
    assert [r["texture"] for r in read_results(out)] == ["gravel"]


def test_in_the_pool_a_dead_worker_and_an_error_are_written_to_failures_and_the_others_finish(three_jobs, tmp_path):
    gravel, tissue_failing, tissue = three_jobs
    pixels = {name: np.zeros((64, 64)) for name in ("gravel", "tissue")}
    out = tmp_path / "out"
    seen = []
    summary = engine.run_jobs(three_jobs, pixels, out, engine="local", workers=2, retries=0,
                              runner=failing_runner, on_record=seen.append)
    assert summary.done == (tissue.key,) and sorted(summary.failed) == sorted([gravel.key, tissue_failing.key])
    failed = {f["key"]: f for f in map(json.loads, (out / "failures.jsonl").read_text().splitlines())}
    assert sorted(failed) == sorted(summary.failed) and {f["attempts"] for f in failed.values()} == {1}
    assert "worker process died" in failed[gravel.key]["error"]
    assert failed[tissue_failing.key]["error"] == "RuntimeError: this job always fails"
    record = read_results(out)[0]
    assert record["key"] == tissue.key and record["executor"]["pid"] != os.getpid()
    assert (out / "jobs" / tissue.key / "note.txt").read_text() == tissue.key
    assert sorted(r["status"] for r in seen) == ["done", "failed", "failed"]
    assert not descendants(os.getpid()), "pool workers left running"


def test_engine_arguments_are_checked_before_anything_is_written(plan, tmp_path, no_ray):
    out = tmp_path / "out"
    with pytest.raises(ValueError, match="engine must be one of"):
        engine.run_jobs(plan.jobs, dict(plan.pixels), out, engine="threads")
    with pytest.raises(ValueError, match="leave it out to run locally"):
        engine.run_jobs(plan.jobs, dict(plan.pixels), out, engine="local", address="auto")
    with pytest.raises(ImportError) as error:
        engine.run_jobs(plan.jobs, dict(plan.pixels), out, address="auto")
    assert "pip install ray" in str(error.value) and 'pip install ".[survey]"' in str(error.value)
    assert not out.exists()


def test_survey_address_without_ray_names_install_commands_that_work_from_a_checkout(tmp_path, no_ray):
    (tmp_path / "plan.toml").write_text(PLAN)
    result = invoke("survey", tmp_path / "plan.toml", "-o", tmp_path / "out", "--address", "auto")
    assert_error(result, "pip install ray", 'pip install ".[survey]"', absent=["wavetex[survey]"])
    assert not (tmp_path / "out").exists()


def test_survey_without_ray_runs_locally_and_resumes(tmp_path, no_ray):
    (tmp_path / "plan.toml").write_text(PLAN)
    out = tmp_path / "out"
    first = invoke("survey", tmp_path / "plan.toml", "-o", out, "--workers", "1")
    assert_ok(first)
    assert "2 jobs run, 0 done before, 0 failed" in first.stdout and (out / "index.html").is_file()
    # a run killed between two jobs: the second job's folder and line are gone
    records = read_results(out)
    lines = (out / "results.jsonl").read_text().splitlines()
    (out / "results.jsonl").write_text(lines[0] + "\n")
    for path in sorted((out / "jobs" / records[1]["key"]).iterdir()):
        path.unlink()
    (out / "jobs" / records[1]["key"]).rmdir()
    again = invoke("survey", tmp_path / "plan.toml", "-o", out, "--workers", "1")
    assert_ok(again)
    assert "1 jobs run, 1 done before, 0 failed" in again.stdout
    assert [r["key"] for r in read_results(out)] == [records[0]["key"], records[1]["key"]]
    assert (out / "jobs" / records[0]["key"] / "record.json").is_file()


def test_report_runs_without_ray_importable(tmp_path):
    """The issue's command, in a process where every import of Ray fails."""
    env = dict(os.environ, OMP_NUM_THREADS="1")
    run = subprocess.run([sys.executable, "-c", WITHOUT_RAY, "report", "gravel", "-o", "r/", "--size", "64", "-q",
                          "--n-samples", "1", "--n-scales", "3", "--schedule", "paper", "--max-iter", "2"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert "Wrote r/index.html (1 textures)." in run.stdout and "Traceback" not in run.stderr
    records = read_results(tmp_path / "r")
    assert len(records) == 1 and {r["executor"]["engine"] for r in records} == {"local"}
    assert (tmp_path / "r" / "gravel").is_dir()


# --- the survey folder ---------------------------------------------------------------

def test_a_job_folder_is_written_under_a_hidden_name_and_renamed_whole(tmp_path, monkeypatch):
    out = tmp_path / "out"
    written = []
    real_write = store._write_synced

    def spy(path, content):
        assert not (out / "jobs" / "k1").exists(), "the job's folder exists before all its files are written"
        written.append(path)
        real_write(path, content)

    monkeypatch.setattr(store, "_write_synced", spy)
    with SurveyFolder(out) as folder:
        folder.commit({"key": "k1"}, {"a.txt": b"1", "b.txt": b"2"})
    assert [p.name for p in written] == ["a.txt", "b.txt", "record.json"]
    assert {p.parent.name[:9] for p in written} == {".partial-"} and len({p.parent for p in written}) == 1
    assert sorted(p.name for p in (out / "jobs" / "k1").iterdir()) == ["a.txt", "b.txt", "record.json"]


def test_a_commit_that_fails_midway_leaves_no_job_folder(tmp_path, monkeypatch):
    out = tmp_path / "out"
    real_write = store._write_synced

    def full_disk(path, content):
        if path.name == "record.json":
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(path, content)

    monkeypatch.setattr(store, "_write_synced", full_disk)
    with SurveyFolder(out) as folder:
        with pytest.raises(OSError, match="No space"):
            folder.commit({"key": "k1"}, {"a.txt": b"1"})
        assert not folder.is_done("k1")
    assert list((out / "jobs").iterdir()) == [] and not (out / "results.jsonl").exists()


@pytest.mark.parametrize(
    "line, problem",
    [
        (b'{"key": "x", "note": "caf\xe9"}', "not UTF-8"),
        (b'{"name": "somebody else\'s record"}', "not a wavetex job record"),
        (b'["a", "list"]', "not a wavetex job record"),
        (b'{"key": 7}', "not a wavetex job record"),
    ],
)
def test_results_that_wavetex_did_not_write_are_refused_naming_the_line(tmp_path, line, problem):
    out = tmp_path / "out"
    with SurveyFolder(out) as folder:
        folder.commit({"key": "a", "status": "done"}, {})
    with (out / "results.jsonl").open("ab") as file:
        file.write(line + b"\n")
    before = (out / "results.jsonl").read_bytes()
    with pytest.raises(ValueError, match=f"line 2 of .*{problem}.*remove that line"):
        read_results(out)
    with pytest.raises(ValueError, match="line 2"):
        SurveyFolder(out).open()
    assert (out / "results.jsonl").read_bytes() == before


def test_survey_over_foreign_results_gives_one_line_and_changes_nothing(tmp_path, no_ray):
    (tmp_path / "plan.toml").write_text(PLAN)
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.jsonl").write_bytes(b'{"unrelated": true}\n\xff\xfe\n')
    for args in ([tmp_path / "plan.toml", "-o", out], ["--report-only", out]):
        assert_error(invoke("survey", *args), "line 1 of", "remove that line", absent=["Traceback", "KeyError"])
    assert sorted(p.name for p in out.iterdir()) == ["results.jsonl"]


def test_foreign_failures_lines_are_refused_too(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "failures.jsonl").write_text('{"status": "failed"}\n')
    with pytest.raises(ValueError, match="line 1 of .*failures.jsonl"):
        SurveyFolder(out).failures_since_done()


@pytest.mark.parametrize("code", [errno.EACCES, errno.EROFS])
def test_survey_in_a_folder_that_cannot_be_written_gives_one_line(tmp_path, monkeypatch, no_ray, code):
    (tmp_path / "plan.toml").write_text(PLAN)
    locked = tmp_path / "locked"
    locked.mkdir()
    real_mkdir = Path.mkdir

    def mkdir(self, *args, **kwargs):  # as root, permissions cannot refuse: refuse here
        if locked in self.parents:
            raise OSError(code, os.strerror(code), str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    result = invoke("survey", tmp_path / "plan.toml", "-o", locked / "out")
    assert_error(result, f"cannot write in '{locked}'", "choose an output folder (-o) where you can write",
                 absent=["Errno"])
    assert list(locked.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes in read-only folders")
def test_survey_in_a_read_only_folder_gives_one_line(tmp_path, no_ray):  # pragma: no cover - not as root
    (tmp_path / "plan.toml").write_text(PLAN)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        assert_error(invoke("survey", tmp_path / "plan.toml", "-o", locked / "out"), "cannot write in", "-o")
    finally:
        locked.chmod(0o755)


def test_records_are_strict_json_with_null_for_nan(tmp_path):
    """The survey's files follow the one NaN policy of wavetex.files: null, never a NaN literal."""
    out = tmp_path / "out"
    with SurveyFolder(out) as folder:
        folder.commit({"key": "k1", "probe": {"defect_fraction": float("nan"), "shape": np.array([2, 3])}}, {})
    for path in (out / "results.jsonl", out / "jobs" / "k1" / "record.json"):
        text = path.read_text()
        assert "NaN" not in text
        record = json.loads(text, parse_constant=lambda name: pytest.fail(f"{path.name} has {name}"))
        assert record["probe"] == {"defect_fraction": None, "shape": [2, 3]}
