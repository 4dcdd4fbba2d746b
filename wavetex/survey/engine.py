"""Run a plan's jobs: in local processes, or on Ray (a local instance or a cluster).

Engines
-------
``"local"``
    Needs nothing beyond wavetex. One worker runs the jobs one after the other in
    this process; more run them in a pool of that many worker processes (each with
    one torch thread).
``"ray"``
    Each job is one Ray task asking for one CPU (torch limited to one thread inside
    it), or one CPU and a fraction of a GPU where the cluster has GPUs (unless the
    job's ``device`` is ``"cpu"``). Runs on a local Ray instance of ``workers`` CPUs,
    or on the cluster at ``address``; Ray retries a job that raised, or whose worker
    died, ``retries`` times.
``"auto"`` (the default)
    Ray when it is installed or an ``address`` is given, else local.

Either way a job runs :func:`wavetex.survey.jobs.run_job` in a temporary folder and
returns the record and the files' bytes; the driver alone writes them into the survey
folder (:class:`~wavetex.survey.store.SurveyFolder`), so nodes need no shared file
system and a killed worker leaves nothing behind. A job that raised, or whose worker
died, is rerun ``retries`` times, then listed in ``DIR/failures.jsonl``. Ray is
imported only here, and only when jobs run.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .jobs import run_job
from .plan import Job
from .store import SurveyFolder

__all__ = ["ENGINES", "RAY_MISSING", "Summary", "import_ray", "run_jobs", "default_workers"]

#: The engines :func:`run_jobs` knows.
ENGINES = ("auto", "local", "ray")
RAY_MISSING = (
    "joining a Ray cluster needs Ray, which is not installed; install it with: pip install ray "
    '(in a checkout of wavetex: pip install ".[survey]"), or leave out the address to run the jobs '
    "in local processes"
)
_PROCESSES = ".ray-processes"
#: Jobs that share one GPU when the cluster has GPUs (each task asks for 1 / this).
JOBS_PER_GPU = 4
_WORKER_DIED = "its worker process died (killed, or out of memory)"


def import_ray():
    """Ray, or an ImportError whose message is :data:`RAY_MISSING`."""
    try:
        import ray
    except ImportError:
        raise ImportError(RAY_MISSING) from None
    return ray


def _ray_if_installed():
    try:
        import ray
    except ImportError:
        return None
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
    """What a run did: keys run now, skipped (done before) and failed (with their errors),
    the nodes that ran jobs and the engine that ran them (``"local"`` or ``"ray"``)."""

    done: tuple[str, ...]
    skipped: tuple[str, ...]
    failed: Mapping[str, str]
    node_ids: frozenset[str]
    wall_time: float
    engine: str = "local"


def _execute(runner: Callable, job: Job, exemplar: np.ndarray) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Body of the Ray task: run the job in a temporary folder, return record and files.

    The job runs on the GPU share Ray gave the task (Ray sets CUDA_VISIBLE_DEVICES),
    else on the CPU: a task never takes a GPU it was not given.
    """
    import ray
    import torch

    torch.set_num_threads(1)
    device = "cuda" if ray.get_gpu_ids() else "cpu"
    record, files = _run_in_temporary_folder(runner, job, exemplar, device)
    record["executor"] = {
        "engine": "ray", "node_id": ray.get_runtime_context().get_node_id(), "pid": os.getpid(), "device": device,
    }
    return record, files


def _execute_locally(runner: Callable, job: Job, exemplar: np.ndarray) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Run the job in a temporary folder of this machine with one torch thread (as a Ray
    task does, so that both engines give the same bits); return record and files."""
    import torch

    device = job.config.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        record, files = _run_in_temporary_folder(runner, job, exemplar, device)
    finally:
        torch.set_num_threads(threads)
    record["executor"] = {"engine": "local", "node_id": socket.gethostname(), "pid": os.getpid(), "device": device}
    return record, files


def _run_in_temporary_folder(runner, job, exemplar, device):
    with tempfile.TemporaryDirectory(prefix="wavetex-job-") as folder:
        record = runner(job, exemplar, Path(folder), device=device)
        files = {path.name: path.read_bytes() for path in sorted(Path(folder).iterdir())}
    return record, files


def _init_pool_worker() -> None:
    """A pool worker ignores Ctrl-C (the driver stops it) and runs one torch thread."""
    import torch

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    torch.set_num_threads(1)


def _describe(error: BaseException) -> str:
    """An exception as one line: ``RuntimeError: the message``."""
    return " ".join("".join(traceback.format_exception_only(type(error), error)).split())


def run_jobs(
    jobs: Sequence[Job],
    pixels: dict[str, np.ndarray],
    out_dir: str | Path,
    *,
    engine: str = "auto",
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
    engine : {"auto", "local", "ray"}
        Where the jobs run (see the module's description); ``"auto"``: Ray when it is
        installed or ``address`` is given, else local processes.
    workers : int, optional
        Local workers: processes of the local engine, or CPUs of the local Ray
        instance (default: the number of cores). Not with ``address``.
    address : str, optional
        Join this Ray cluster (``"auto"``, ``"HOST:PORT"``) instead of running locally.
    retries : int
        Times a job is rerun after it raised (or its worker died) before it counts as failed.
    progress : bool
        A tqdm bar over jobs on stderr.
    runner : callable, optional
        ``runner(job, exemplar, folder, device=...) -> record``; default :func:`run_job`.
        The local engine with several workers sends it to other processes by name: a
        function defined at the top of a module.
    on_record : callable, optional
        Called with each record as it is written, and with each failure (``status`` "failed").

    Returns
    -------
    Summary

    Examples
    --------
    >>> import tempfile
    >>> from wavetex.survey.plan import parse_plan
    >>> plan = parse_plan({"textures": ["gravel"], "sizes": [64], "schedules": ["paper"], "max_iter": 2,
    ...                    "models": {"m": {"n_scales": 3}}})
    >>> out = Path(tempfile.mkdtemp()) / "survey"
    >>> summary = run_jobs(plan.jobs, dict(plan.pixels), out, engine="local", workers=1)
    >>> len(summary.done), summary.engine, (out / "results.jsonl").is_file()
    (1, 'local', True)
    >>> run_jobs(plan.jobs, dict(plan.pixels), out, engine="local").skipped == summary.done  # resumed: nothing to do
    True
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(map(repr, ENGINES))}, got {engine!r}")
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ValueError(f"retries must be a non-negative integer, got {retries!r}")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    if workers is not None and address is not None:
        raise ValueError("workers sets the size of a local Ray instance; with an address the cluster's size counts")
    if address is not None and engine == "local":
        raise ValueError("an address joins a Ray cluster; leave it out to run locally, or use engine='ray'")
    runner = runner or run_job
    # before anything is written
    ray = import_ray() if engine == "ray" or address is not None else _ray_if_installed() if engine == "auto" else None
    start = time.perf_counter()
    with SurveyFolder(out_dir) as folder:
        for job in jobs:
            folder.save_exemplar(job.exemplar_sha256, pixels[job.texture])
        skipped = tuple(job.key for job in jobs if folder.is_done(job.key))
        pending = [job for job in jobs if not folder.is_done(job.key)]
        tally = _Tally(folder, skipped, on_record)
        if pending:
            with _interruptible(), tally.progress_bar(len(pending) + len(skipped), progress):
                if ray is not None:
                    _run_on_ray(ray, pending, pixels, tally, workers=workers, address=address, retries=retries,
                                runner=runner)
                elif min(workers or default_workers(), len(pending)) == 1:
                    _run_here(pending, pixels, tally, retries=retries, runner=runner)
                else:
                    _run_in_pool(pending, pixels, tally, workers=min(workers or default_workers(), len(pending)),
                                 retries=retries, runner=runner)
    return Summary(tuple(tally.done), skipped, dict(tally.failed), frozenset(tally.node_ids),
                   time.perf_counter() - start, engine="local" if ray is None else "ray")


class _Tally:
    """Writes each finished or failed job and counts them (and draws the bar)."""

    def __init__(self, folder: SurveyFolder, skipped: tuple[str, ...], on_record) -> None:
        self.folder, self.skipped, self.on_record = folder, skipped, on_record
        self.done: list[str] = []
        self.failed: dict[str, str] = {}
        self.node_ids: set[str] = set()
        self.bar = None

    @contextmanager
    def progress_bar(self, total: int, show: bool) -> Iterator[None]:
        if show:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, initial=len(self.skipped), desc="jobs", unit="job", file=sys.stderr,
                            dynamic_ncols=True)
            self.bar.set_postfix_str(f"done 0, skipped {len(self.skipped)}, failed 0")
        try:
            yield
        finally:
            if self.bar is not None:
                self.bar.close()

    def finished(self, job: Job, record: dict[str, Any], files: dict[str, bytes]) -> None:
        record = self.folder.commit(record, files)
        self.done.append(job.key)
        self.node_ids.add(record["executor"]["node_id"])
        self._report(record)

    def failed_after(self, job: Job, message: str, attempts: int) -> None:
        self.failed[job.key] = message
        self._report(self.folder.record_failure(job.to_dict(), message, attempts=attempts))

    def _report(self, record: dict[str, Any]) -> None:
        if self.on_record is not None:
            self.on_record(record)
        if self.bar is not None:
            self.bar.set_postfix_str(
                f"done {len(self.done)}, skipped {len(self.skipped)}, failed {len(self.failed)}", refresh=False)
            self.bar.update(1)


@contextmanager
def _interruptible() -> Iterator[None]:
    """SIGTERM (``kill``, a scheduler's time limit) as Ctrl-C, so that the engines' clean-up runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run_here(pending, pixels, tally: _Tally, *, retries, runner) -> None:
    """The local engine with one worker: the jobs one after the other in this process."""
    for job in pending:
        for attempt in range(1, retries + 2):
            try:
                record, files = _execute_locally(runner, job, pixels[job.texture])
            except Exception as error:  # noqa: BLE001 - any error of a job is that job's failure
                message = _describe(error)
            else:
                tally.finished(job, record, files)
                break
        else:
            tally.failed_after(job, message, attempts=attempt)


def _run_in_pool(pending, pixels, tally: _Tally, *, workers, retries, runner) -> None:
    """The local engine with several workers: a pool of worker processes (started
    afresh, so that nothing of this process's state is shared with them).

    A worker that dies breaks the pool, and every job running in it at that moment
    with it: those jobs are run again without counting the attempt, and from then on
    one job at a time, so that the job that kills its worker is the one that fails.
    """
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    context = multiprocessing.get_context("spawn")
    waiting = deque(pending)
    attempts: dict[str, int] = {job.key: 0 for job in pending}
    limit = workers
    while waiting:
        executor = ProcessPoolExecutor(max_workers=min(limit, len(waiting)), mp_context=context,
                                       initializer=_init_pool_worker)
        in_flight: dict[Any, Job] = {}
        try:
            while waiting or in_flight:
                broken = False
                while waiting and len(in_flight) < limit and not broken:
                    job = waiting.popleft()
                    try:
                        in_flight[executor.submit(_execute_locally, runner, job, pixels[job.texture])] = job
                    except BrokenProcessPool:  # a worker died since the last wait: this job never started
                        waiting.appendleft(job)
                        broken = True
                if broken and not in_flight:
                    limit = 1
                    break
                alone = len(in_flight) == 1
                finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in finished:
                    job = in_flight.pop(future)
                    try:
                        record, files = future.result()
                    except BrokenProcessPool:
                        broken = True
                        if not alone:  # which job killed it is not known: again, uncounted
                            waiting.appendleft(job)
                            continue
                        message = _WORKER_DIED
                    except Exception as error:  # noqa: BLE001 - any error of a job is that job's failure
                        message = _describe(error)
                    else:
                        tally.finished(job, record, files)
                        continue
                    attempts[job.key] += 1
                    if attempts[job.key] <= retries:
                        waiting.append(job)
                    else:
                        tally.failed_after(job, message, attempts=attempts[job.key])
                if broken:
                    waiting.extendleft(in_flight.values())
                    in_flight.clear()
                    limit = 1
                    break
        finally:
            _stop_pool(executor)


def _stop_pool(executor) -> None:
    """Shut the pool down; workers still running (after Ctrl-C or an error) are ended."""
    processes = list((getattr(executor, "_processes", None) or {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=10)


def _run_on_ray(ray, pending, pixels, tally: _Tally, *, workers, address, retries, runner) -> None:
    temp_dir = None
    started = not ray.is_initialized()
    if started:
        if address is None:
            temp_dir = _start_local_ray(ray, tally.folder.path, workers or default_workers())
        else:
            ray.init(address=address, log_to_driver=False, logging_level="ERROR")
    try:
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
        remaining = list(futures)
        while remaining:
            ready, remaining = ray.wait(remaining, num_returns=1)
            for future in ready:
                job = futures[future]
                try:
                    record, files = ray.get(future)
                except ray.exceptions.RayTaskError as error:
                    cause = error.cause if isinstance(error.cause, BaseException) else error
                    tally.failed_after(job, _describe(cause), attempts=retries + 1)
                except ray.exceptions.RayError as error:  # worker or node lost past its retries
                    tally.failed_after(job, f"{_WORKER_DIED}: {_describe(error)}", attempts=retries + 1)
                else:
                    tally.finished(job, record, files)
    finally:
        if started:
            ray.shutdown()
        if temp_dir is not None:
            shutil.rmtree(temp_dir, ignore_errors=True)
            (tally.folder.path / _PROCESSES).unlink(missing_ok=True)


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
