"""Run a plan's jobs on Ray: locally on N workers, or on an existing cluster.

Each job is one Ray task asking for one CPU (torch limited to one thread inside it),
or one CPU and a fraction of a GPU where the cluster has GPUs (unless the job's
``device`` is ``"cpu"``). The task runs
:func:`wavetex.survey.jobs.run_job` in a temporary folder of its node and returns the
record and the files' bytes; the driver alone writes them into the survey folder
(:class:`~wavetex.survey.store.SurveyFolder`), so nodes need no shared file system
and a killed worker leaves nothing behind. Ray retries a job that raises, or whose
worker died, ``retries`` times. Ray is imported only here, and only when jobs run.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .jobs import run_job
from .plan import Job
from .store import SurveyFolder

__all__ = ["RAY_MISSING", "Summary", "import_ray", "run_jobs", "default_workers"]

RAY_MISSING = 'running jobs needs Ray, which is not installed; install it with: pip install "wavetex[survey]"'
_PROCESSES = ".ray-processes"
#: Jobs that share one GPU when the cluster has GPUs (each task asks for 1 / this).
JOBS_PER_GPU = 4


def import_ray():
    """Ray, or an ImportError whose message is :data:`RAY_MISSING`."""
    try:
        import ray
    except ImportError:
        raise ImportError(RAY_MISSING) from None
    return ray


def default_workers() -> int:
    """The number of CPU cores this process may use.

    Examples
    --------
    >>> default_workers() >= 1
    True
    """
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class Summary:
    """What a run did: keys run now, skipped (done before) and failed (with their errors)."""

    done: tuple[str, ...]
    skipped: tuple[str, ...]
    failed: Mapping[str, str]
    node_ids: frozenset[str]
    wall_time: float


def _execute(runner: Callable, job: Job, exemplar: np.ndarray) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Body of the Ray task: run the job in a temporary folder, return record and files.

    The job runs on the GPU share Ray gave the task (Ray sets CUDA_VISIBLE_DEVICES),
    else on the CPU: a task never takes a GPU it was not given.
    """
    import ray
    import torch

    torch.set_num_threads(1)
    device = "cuda" if ray.get_gpu_ids() else "cpu"
    with tempfile.TemporaryDirectory(prefix="wavetex-job-") as folder:
        record = runner(job, exemplar, Path(folder), device=device)
        files = {path.name: path.read_bytes() for path in sorted(Path(folder).iterdir())}
    record["executor"] = {
        "engine": "ray", "node_id": ray.get_runtime_context().get_node_id(), "pid": os.getpid(), "device": device,
    }
    return record, files


def run_jobs(
    jobs: Sequence[Job],
    pixels: dict[str, np.ndarray],
    out_dir: str | Path,
    *,
    workers: int | None = None,
    address: str | None = None,
    retries: int = 1,
    progress: bool = False,
    runner: Callable[..., dict[str, Any]] | None = None,
    on_record: Callable[[dict[str, Any]], None] | None = None,
) -> Summary:
    """Run the jobs not yet finished in ``out_dir``; write each as it finishes.

    Parameters
    ----------
    jobs : sequence of Job
        From :attr:`Plan.jobs`.
    pixels : dict
        Exemplar images by texture name (:attr:`Plan.pixels`).
    out_dir : path
        The survey folder (created if its parent exists).
    workers : int, optional
        Workers of the local Ray instance (default: the number of cores). Not with ``address``.
    address : str, optional
        Join this Ray cluster (``"auto"``, ``"HOST:PORT"``) instead of starting one.
    retries : int
        Times a job is rerun after it raised (or its worker died) before it counts as failed.
    progress : bool
        A tqdm bar over jobs on stderr.
    runner : callable, optional
        ``runner(job, exemplar, folder, device=...) -> record``; default :func:`run_job`.
    on_record : callable, optional
        Called with each record as it is written, and with each failure (``status`` "failed").

    Returns
    -------
    Summary
    """
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ValueError(f"retries must be a non-negative integer, got {retries!r}")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    if workers is not None and address is not None:
        raise ValueError("workers sets the size of a local Ray instance; with an address the cluster's size counts")
    runner = runner or run_job
    ray = import_ray()  # before anything is written
    start = time.perf_counter()
    done: list[str] = []
    failed: dict[str, str] = {}
    node_ids: set[str] = set()
    with SurveyFolder(out_dir) as folder:
        for job in jobs:
            folder.save_exemplar(job.exemplar_sha256, pixels[job.texture])
        skipped = tuple(job.key for job in jobs if folder.is_done(job.key))
        pending = [job for job in jobs if not folder.is_done(job.key)]
        if pending:
            _run_on_ray(ray, pending, pixels, folder, (done, skipped, failed, node_ids), workers=workers, address=address, retries=retries,
                        progress=progress, runner=runner, on_record=on_record)
    return Summary(tuple(done), skipped, failed, frozenset(node_ids), time.perf_counter() - start)


def _run_on_ray(ray, pending, pixels, folder, tallies, *, workers, address, retries, progress, runner, on_record):
    done, skipped, failed, node_ids = tallies  # filled in as jobs finish
    temp_dir = None
    started = not ray.is_initialized()
    if started:
        if address is None:
            temp_dir = _start_local_ray(ray, folder.path, workers or default_workers())
        else:
            ray.init(address=address, log_to_driver=False, logging_level="ERROR")
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGTERM)
    bar = None
    try:
        if main_thread:
            # SIGTERM as Ctrl-C (Ray passes KeyboardInterrupt through), so the finally below stops Ray
            signal.signal(signal.SIGTERM, signal.default_int_handler)
        has_gpu = ray.cluster_resources().get("GPU", 0) > 0
        wants_gpu = [job for job in pending if job.config.device.startswith("cuda")]
        if wants_gpu and not has_gpu:
            raise ValueError(f"{wants_gpu[0].describe()} asks for device {wants_gpu[0].config.device!r} but the "
                             "Ray cluster has no GPU; use device='auto' or 'cpu'")
        task = ray.remote(num_cpus=1, max_retries=retries, retry_exceptions=True)(_execute)
        exemplars = {name: ray.put(image) for name, image in pixels.items() if any(j.texture == name for j in pending)}
        futures = {
            task.options(num_gpus=1 / JOBS_PER_GPU if has_gpu and job.config.device != "cpu" else 0).remote(
                runner, job, exemplars[job.texture]): job
            for job in pending
        }
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(pending) + len(skipped), initial=len(skipped), desc="jobs",
                       unit="job", file=sys.stderr, dynamic_ncols=True)
            bar.set_postfix_str(f"done 0, skipped {len(skipped)}, failed 0")
        remaining = list(futures)
        while remaining:
            ready, remaining = ray.wait(remaining, num_returns=1)
            for future in ready:
                job = futures[future]
                try:
                    record, files = ray.get(future)
                except ray.exceptions.RayTaskError as error:
                    cause = error.cause if isinstance(error.cause, BaseException) else error
                    message = "".join(traceback.format_exception_only(type(cause), cause)).strip()
                    failed[job.key] = message
                    record = folder.record_failure(job.to_dict(), message, attempts=retries + 1)
                except ray.exceptions.RayError as error:  # worker or node lost past its retries
                    failed[job.key] = " ".join(f"{type(error).__name__}: {error}".split())
                    record = folder.record_failure(job.to_dict(), failed[job.key], attempts=retries + 1)
                else:
                    record = folder.commit(record, files)
                    done.append(job.key)
                    node_ids.add(record["executor"]["node_id"])
                if on_record is not None:
                    on_record(record)
                if bar is not None:
                    bar.set_postfix_str(
                        f"done {len(done)}, skipped {len(skipped)}, failed {len(failed)}",
                        refresh=False,
                    )
                    bar.update(1)
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
        if bar is not None:
            bar.close()
        if started:
            ray.shutdown()
        if temp_dir is not None:
            shutil.rmtree(temp_dir, ignore_errors=True)
            (folder.path / _PROCESSES).unlink(missing_ok=True)


def _start_local_ray(ray, out_dir: Path, workers: int) -> Path:
    """Start a Ray instance of this process, with a temporary folder of this survey
    folder's own, after stopping what a killed run on the same folder left behind.

    Ray's node processes outlive a driver killed with SIGKILL (its agents for a minute
    or more), so their ids and start times are kept in ``DIR/.ray-processes``; the next
    run, which holds the folder's lock, stops those still running.
    """
    _stop_stale_processes(out_dir / _PROCESSES)
    digest = hashlib.sha256(str(out_dir.resolve()).encode()).hexdigest()[:12]
    # short: Ray's socket paths inside must fit in 107 bytes
    temp_dir = Path(tempfile.gettempdir()) / f"wavetex-ray-{os.getuid()}-{digest}"
    shutil.rmtree(temp_dir, ignore_errors=True)
    temp_dir.mkdir(mode=0o700)
    ray.init(num_cpus=workers, _temp_dir=str(temp_dir), include_dashboard=False, object_store_memory=2**29,
             log_to_driver=False, logging_level="ERROR")
    processes = [{"pid": pid, "start": _start_time(pid)} for pid in _descendants(os.getpid())]
    (out_dir / _PROCESSES).write_text(json.dumps(processes))
    return temp_dir


def _descendants(pid: int) -> list[int]:
    """Process ids below ``pid`` (Linux; empty elsewhere)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found += [child, *_descendants(child)]
    return found


def _start_time(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _stop_stale_processes(record: Path) -> None:
    if not record.is_file():
        return
    for process in json.loads(record.read_text() or "[]"):
        if process["start"] is not None and _start_time(process["pid"]) == process["start"]:
            try:
                os.kill(process["pid"], signal.SIGKILL)
            except ProcessLookupError:
                pass
    record.unlink()
