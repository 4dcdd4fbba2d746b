"""``wavetex survey`` on Ray: the same images as one-by-one syntheses, resumable after a
SIGKILL of the driver, failures recorded, a two-node cluster. Few and small (64²
images, J = 3, a few iterations and a coarse stage of three, at most two workers); every
Ray process they start is stopped, and checked to be gone.
"""

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

import wavetex
from wavetex.io import read_image
from wavetex.survey import engine, read_plan, read_results
from wavetex_cli import _options
from cli_checks import invoke
from process_checks import descendants

ray = pytest.importorskip("ray")

PLAN = """
textures = ["gravel", "tissue"]
seeds = [0, 1]
sizes = ["64x64"]
max_iter = {max_iter}
coarse_iter = 3
probe_every = 2
[models.small]
n_scales = 3
"""
RAY_BIN = Path(sys.executable).with_name("ray")
WAVETEX_BIN = Path(sys.executable).with_name("wavetex")


def _wait_gone(pids, seconds=15.0):
    """The processes still running after waiting up to ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        alive = [p for p in pids if Path(f"/proc/{p}").exists() and b"zombie" not in _status(p)]
        if not alive or time.monotonic() >= deadline:
            return alive
        time.sleep(0.2)


def _status(pid):
    try:
        return Path(f"/proc/{pid}/status").read_bytes().lower()
    except OSError:
        return b"zombie"


def _kill(pids):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture
def plan_file(tmp_path):
    path = tmp_path / "plan.toml"
    path.write_text(PLAN.format(max_iter=4))
    return path


@pytest.fixture(scope="class")
def ray_of_this_process():
    """One local Ray instance for the tests that run ``wavetex survey`` in this process:
    the engine uses it instead of starting one per command (the commands' own start and
    stop are tested in subprocesses below), and its workers stay warm from one test to
    the next. Every process it started is stopped afterwards."""
    import shutil
    import tempfile

    temp_dir = tempfile.mkdtemp(prefix="wtx-ray-")  # short: Ray's socket paths
    ray.init(num_cpus=2, _temp_dir=temp_dir, include_dashboard=False, log_to_driver=False, logging_level="ERROR",
             object_store_memory=2**28)
    try:
        yield
    finally:
        ray.shutdown()
        shutil.rmtree(temp_dir, ignore_errors=True)
        left = _wait_gone(descendants(os.getpid()))
        _kill(left)
        assert not left, f"processes left running: {left}"


@pytest.mark.usefixtures("ray_of_this_process")
class TestOnARayInstanceOfThisProcess:
    def test_survey_gives_the_images_of_one_by_one_syntheses_and_reruns_nothing(self, plan_file, tmp_path):
        out = tmp_path / "out"
        result = invoke("survey", plan_file, "-o", out, "--workers", "2")
        assert result.exit_code == 0, (result.output, result.exception)
        assert "4 jobs run, 0 done before, 0 failed" in result.stdout
        plan = read_plan(plan_file)
        records = {r["key"]: r for r in read_results(out)}
        assert sorted(records) == sorted(job.key for job in plan.jobs)
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            for job in plan.jobs:
                expected = wavetex.synthesize(plan.pixels[job.texture], config=replace(job.config, device="cpu"),
                                              progress=False)
                folder = out / "jobs" / job.key
                assert np.array_equal(np.load(folder / "synthesis.npy")[0], expected.raw_images[0])
                record = records[job.key]
                assert record["metrics"]["statistics_error"] == expected.errors[0]
                assert record["metrics"]["iterations"] == 4 and record["config"]["seed"] == job.config.seed
                probed = wavetex.memorization.probe(expected.images[0], plan.pixels[job.texture]).to_dict()
                # equal up to rounding: the probe's calibration cache may hold one computed from
                # the same pixels in another memory layout (the probe over iterations)
                assert record["probe"].keys() == probed.keys() and record["probe"]["verdict"] == probed["verdict"]
                for name, value in probed.items():
                    if isinstance(value, float):
                        assert record["probe"][name] == pytest.approx(value, rel=1e-12, abs=1e-12), name
                    else:
                        assert record["probe"][name] == value, name
                assert record["executor"]["engine"] == "ray" and record["executor"]["device"] == "cpu"
                assert record["executor"]["pid"] != os.getpid()
                assert all((out / f).is_file() for f in record["files"])
        finally:
            torch.set_num_threads(threads)
        page = (out / "index.html").read_text()
        links = [link for link in page.split('"') if link.startswith(("jobs/", "figures/", "exemplars/"))]
        assert links and all((out / link).is_file() for link in links)
        assert "/tmp" not in page and "gravel" in page and "tissue" in page

        assert "gravel-probe-history.png" in page  # the probe over iterations (probe_every)
        (out / "index.html").unlink()
        rewritten = invoke("survey", "--report-only", out)
        assert rewritten.exit_code == 0 and (out / "index.html").read_text() == page

        before = {p: p.stat().st_mtime_ns for p in (out / "jobs").rglob("*")}
        lines = (out / "results.jsonl").read_text()
        again = invoke("survey", plan_file, "-o", out, "--workers", "2")
        assert again.exit_code == 0 and "0 jobs run, 4 done before" in again.stdout
        assert {p: p.stat().st_mtime_ns for p in (out / "jobs").rglob("*")} == before
        assert (out / "results.jsonl").read_text() == lines

    def test_a_job_that_raises_or_whose_worker_dies_is_retried_then_recorded_and_the_others_finish(
                self, plan_file, tmp_path, monkeypatch):
        attempts = tmp_path / "attempts"
        attempts.mkdir()
        real_runner = engine.run_job

        def flaky_runner(job, exemplar, folder, *, device):
            with open(attempts / job.key, "a") as file:
                file.write("x")
            if job.texture == "tissue" and job.config.seed == 1:
                raise RuntimeError("this job always fails")
            if job.texture == "gravel" and job.config.seed == 1:
                os._exit(3)  # the worker dies, as under the kernel's OOM killer
            return real_runner(job, exemplar, folder, device=device)

        monkeypatch.setattr(engine, "run_job", flaky_runner)
        monkeypatch.setattr(_options, "_stderr_is_terminal", lambda: True)  # the progress bar is drawn
        out = tmp_path / "out"
        result = invoke("survey", plan_file, "-o", out, "--workers", "2", "--retries", "1")
        assert result.exit_code == 1, result.output
        assert "2 job(s) failed" in result.stderr and "2 jobs run" in result.stdout
        assert "jobs: 100%" in result.stderr and "done 2, skipped 0, failed 2" in result.stderr
        failed = {f["texture"]: f for f in map(json.loads, (out / "failures.jsonl").read_text().splitlines())}
        assert sorted(failed) == ["gravel", "tissue"] and {f["attempts"] for f in failed.values()} == {2}
        assert "this job always fails" in failed["tissue"]["error"]
        assert "worker process died" in failed["gravel"]["error"]
        assert all((attempts / f["key"]).read_text() == "xx" for f in failed.values())  # one retry each
        assert len(read_results(out)) == 2 and not any((out / "jobs" / f["key"]).exists() for f in failed.values())
        assert "this job always fails" in (out / "index.html").read_text()


def test_driver_killed_mid_run_then_rerun_completes_each_job_once(plan_file, tmp_path):
    plan_file.write_text(PLAN.format(max_iter=10))
    out = tmp_path / "out"
    command = [str(WAVETEX_BIN), "survey", str(plan_file), "-o", str(out), "--workers", "1", "-q"]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    driver = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children = []
    try:
        deadline = time.monotonic() + 90
        while not ((out / "results.jsonl").exists() and (out / "results.jsonl").read_text()):
            assert driver.poll() is None and time.monotonic() < deadline, "the survey ended before its first job"
            children = descendants(driver.pid) or children
            time.sleep(0.05)
        children = descendants(driver.pid)
        driver.send_signal(signal.SIGKILL)
        driver.wait()
        assert 1 <= len(read_results(out)) < 4
        n_before = len(read_results(out))
        rerun = subprocess.run(command[:-1], env=env, capture_output=True, text=True, timeout=120)  # not quiet
        assert rerun.returncode == 0, rerun.stderr
        assert f"{4 - n_before} jobs run, {n_before} done before" in rerun.stdout
        numbers = re.findall(r"^\[(\d+)/4\]", rerun.stderr, flags=re.M)  # counted on from the jobs done before
        assert numbers == [str(k) for k in range(n_before + 1, 5)], rerun.stderr
        keys = [json.loads(line)["key"] for line in (out / "results.jsonl").read_text().splitlines()]
        assert sorted(keys) == sorted(job.key for job in read_plan(plan_file).jobs)  # each exactly once
        assert sorted(p.name for p in (out / "jobs").iterdir()) == sorted(keys)  # no partial folder
        assert all((out / "jobs" / key / "record.json").is_file() for key in keys)
        left = _wait_gone(children)  # the rerun stopped what the killed run left
        assert not left, left
    finally:
        driver.kill()
        _kill(_wait_gone(children, seconds=0))


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _processes_mentioning(text):
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if text.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


@pytest.fixture
def two_node_cluster(tmp_path_factory):
    """A head and a second node on this machine, with their own port, temp dir and
    token; stopped afterwards by process id (``ray stop`` would stop every Ray
    instance of the machine, other people's included)."""
    import tempfile

    temp_dir = tempfile.mkdtemp(prefix="wtx-cluster-")  # short: Ray's socket paths
    port = _free_port()
    env = dict(os.environ, RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=secrets.token_hex(16), OMP_NUM_THREADS="1")
    common = ["--num-cpus=1", "--disable-usage-stats", f"--temp-dir={temp_dir}"]
    processes = []
    try:
        subprocess.run([str(RAY_BIN), "start", "--head", f"--port={port}", "--include-dashboard=false", *common],
                       env=env, check=True, capture_output=True, timeout=120)
        subprocess.run([str(RAY_BIN), "start", f"--address=127.0.0.1:{port}", *common],
                       env=env, check=True, capture_output=True, timeout=120)
        yield f"127.0.0.1:{port}", env
    finally:
        roots = _processes_mentioning(temp_dir)
        processes = roots + [child for root in roots for child in descendants(root)]
        _kill(processes)
        left = _wait_gone(processes)
        import shutil

        shutil.rmtree(temp_dir, ignore_errors=True)
        assert not left and not _processes_mentioning(temp_dir), f"cluster processes left: {left}"


def test_plan_on_a_two_node_cluster_gives_the_same_results(plan_file, tmp_path, two_node_cluster):
    address, env = two_node_cluster
    out = tmp_path / "out"
    run = subprocess.run([str(WAVETEX_BIN), "survey", str(plan_file), "-o", str(out), "--address", address, "-q"],
                         env=env, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr
    assert "jobs" not in run.stderr and "[1/4]" not in run.stderr  # --quiet: no progress
    records = read_results(out)
    nodes = {r["executor"]["node_id"] for r in records}
    assert len(records) == 4 and len(nodes) == 2  # both nodes ran jobs, and their ids are recorded
    plan = read_plan(plan_file)
    for job in plan.jobs[:1]:
        expected = wavetex.synthesize(plan.pixels[job.texture], config=replace(job.config, device="cpu"),
                                      progress=False)
        assert np.array_equal(np.load(out / "jobs" / job.key / "synthesis.npy")[0], expected.raw_images[0])
    assert read_image(out / "jobs" / plan.jobs[0].key / "synthesis.png").shape == (64, 64)
