"""Time-to-quality of wavetex syntheses, default and paper schedules, against plenoptic's PS.

    python benchmarks/bench_synthesis.py                       # everything (about an hour on 2 cores)
    python benchmarks/bench_synthesis.py --parts gray --schedules default --no-ps

Exemplars: a 256² gray crop of ``skimage.data.gravel()`` (the bundled ``gravel``) and
the bundled 256² colour photograph ``tissue`` (a crop of
``skimage.data.immunohistochemistry()``: stained glands and stroma, uneven staining and light). For each (exemplar, schedule) it prints the wall
time, iterations, final statistics error ‖Φ(s)−Φ(x̄)‖/‖Φ(x̄)‖, the time until the error
first reaches 0.05 and 0.04, and the peak memory (resident-set growth); and, same run,
same gray texture, plenoptic's Portilla–Simoncelli synthesis with its documented recipe
(``_portilla_simoncelli.py``), with the ratio wavetex-default / PS. Each synthesis runs in
its own subprocess, one at a time, with ``--threads`` threads. Results go to
``benchmarks/results/synthesis.json`` and side-by-side PNGs exemplar | default | paper.

plenoptic is a benchmark-only dependency: ``pip install plenoptic``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
EXEMPLARS = {"gray": "gravel", "colour": "tissue"}
QUALITY_LEVELS = (0.05, 0.04)


def _load_exemplar(part: str) -> np.ndarray:
    sys.path.insert(0, str(ROOT))
    try:
        from wavetex import textures
    except ImportError:  # running from a checkout without installing: textures/ is not mapped
        import importlib.util

        spec = importlib.util.spec_from_file_location("wavetex_textures", ROOT / "textures" / "__init__.py")
        textures = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(textures)
    return textures.load(EXEMPLARS[part])


def _worker(part: str, schedule: str, threads: int, out: Path) -> None:
    import torch

    torch.set_num_threads(threads)
    exemplar = _load_exemplar(part)
    if schedule == "ps":
        sys.path.insert(0, str(HERE))
        from _portilla_simoncelli import portilla_simoncelli_synthesis

        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        ps = portilla_simoncelli_synthesis(exemplar, seed=0, threads=threads)
        np.save(out.with_suffix(".npy"), ps.pop("image"))
        ps["peak_mib"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss) / 1024
        out.write_text(json.dumps(ps, indent=2))
        return

    import wavetex

    stamps: list[float] = []
    start = [0.0]

    def callback(step, images, losses):
        stamps.append(time.perf_counter() - start[0])

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start[0] = time.perf_counter()
    result = wavetex.synthesize(exemplar, schedule=schedule, seed=0, callback=callback, progress=False)
    errors = result.error_history[0]
    record = {
        "texture": EXEMPLARS[part],
        "schedule": schedule,
        "seconds": result.wall_time,
        "iterations": result.n_iterations[0],
        "evaluations": result.n_evaluations[0],
        "error": result.errors[0],
        "block_errors": result.block_errors[0],
        "stop_reason": result.stop_reasons[0],
        "peak_mib": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss) / 1024,
        "error_history": errors,
        "time_history": stamps,
        "versions": result.versions,
    }
    for level in QUALITY_LEVELS:
        hit = next((i for i, e in enumerate(errors) if e <= level), None)
        record[f"time_to_{level}"] = stamps[hit] if hit is not None and hit < len(stamps) else None
    np.save(out.with_suffix(".npy"), result.images[0])
    out.write_text(json.dumps(record, indent=2))


def _run(part: str, schedule: str, threads: int) -> dict:
    raw = RESULTS / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    out = raw / f"{part}-{schedule}.json"
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    command = [sys.executable, __file__, "--worker", part, schedule, str(out), "--threads", str(threads)]
    subprocess.run(command, env=env, check=True)
    return json.loads(out.read_text())


def _side_by_side(part: str, schedules: list[str]) -> Path:
    from PIL import Image

    panels = [_load_exemplar(part)] + [np.load(RESULTS / "raw" / f"{part}-{s}.npy") for s in schedules]
    gap = 8
    height, width = panels[0].shape[:2]
    canvas = np.ones((height, len(panels) * (width + gap) - gap) + panels[0].shape[2:])
    for k, panel in enumerate(panels):
        canvas[:, k * (width + gap) : k * (width + gap) + width] = panel
    path = RESULTS / f"{part}_exemplar_{'_'.join(schedules)}.png"
    Image.fromarray((np.clip(canvas, 0, 1) * 255).round().astype(np.uint8)).save(path)
    return path


def _fmt(value, spec=".1f", unit="s") -> str:
    return "—" if value is None else f"{value:{spec}}{unit}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", nargs="*", default=["gray", "colour"], choices=list(EXEMPLARS))
    parser.add_argument("--schedules", nargs="*", default=["default", "paper"], choices=["default", "paper"])
    parser.add_argument("--no-ps", action="store_true", help="skip plenoptic's Portilla–Simoncelli baseline")
    parser.add_argument("--reuse", action="store_true", help="reuse results already in benchmarks/results/raw")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        part, schedule, out = args.worker
        _worker(part, schedule, args.threads, Path(out))
        return

    results: dict[str, dict] = {}
    summary_path = RESULTS / "synthesis.json"
    if summary_path.exists():
        results = json.loads(summary_path.read_text())
    jobs = [(p, s) for p in args.parts for s in args.schedules]
    if "gray" in args.parts and not args.no_ps:
        jobs.insert(0, ("gray", "ps"))
    for part, schedule in jobs:
        key = f"{part}-{schedule}"
        cached = RESULTS / "raw" / f"{key}.json"
        if args.reuse and cached.exists():
            results[key] = json.loads(cached.read_text())
        else:
            print(f"running {key} ...", file=sys.stderr, flush=True)
            results[key] = _run(part, schedule, args.threads)
        summary_path.write_text(json.dumps(results, indent=2))

    print(f"256² syntheses, float32, {args.threads} threads, one at a time; error = ‖Φ(s)−Φ(x̄)‖/‖Φ(x̄)‖")
    print(f"{'run':16s} {'time':>8s} {'iters':>6s} {'error':>7s} {'t(0.05)':>8s} {'t(0.04)':>8s} {'peak':>7s}  stop")
    for key, r in results.items():
        if key.endswith("-ps"):
            print(f"{key:16s} {r['seconds']:7.1f}s {r['iterations']:6d} {'(PS)':>7s} {'':8s} {'':8s} {_fmt(r.get('peak_mib'), '.0f', 'MB'):>7s}  {r.get('recipe', '')}")
            continue
        print(
            f"{key:16s} {r['seconds']:7.1f}s {r['iterations']:6d} {r['error']:7.4f} "
            f"{_fmt(r['time_to_0.05']):>8s} {_fmt(r['time_to_0.04']):>8s} {_fmt(r['peak_mib'], '.0f', 'MB'):>7s}  {r['stop_reason']}"
        )
    for part in args.parts:
        d, p = results.get(f"{part}-default"), results.get(f"{part}-paper")
        if d and p:
            print(f"{part}: default error / paper error = {d['error'] / p['error']:.3f} (target ≤ 1.25); "
                  f"time {d['seconds']:.0f}s vs {p['seconds']:.0f}s")
        if all((RESULTS / "raw" / f"{part}-{s}.npy").exists() for s in ("default", "paper")):
            print(f"{part}: side by side -> {_side_by_side(part, ['default', 'paper']).relative_to(ROOT)}")
    d, ps = results.get("gray-default"), results.get("gray-ps")
    if d and ps:
        print(f"gray: wavetex default / PS time = {d['seconds'] / ps['seconds']:.2f}")


if __name__ == "__main__":
    main()
