"""The gallery: every bundled texture and the structured ones, four ways, at 1:1.

    python scripts/gallery.py missing [--no-ps]          # the syntheses not cached yet
    heavy python scripts/gallery.py run TEXTURE COLUMN   # one of them (coarse450, long, ps)
    heavy python scripts/gallery.py build [--no-ps]      # docs/gallery/*.png + docs/gallery.md

For each exemplar (every bundled texture, then ``brick-turned`` and ``cells`` of
``scripts/fidelity_schedules.py``): exemplar | default schedule (450 coarse + 40;
colour 100 + 30) | long schedule (150 coarse + 1000) | plenoptic's Portilla–Simoncelli (the
benchmark's recipe, ``benchmarks/_portilla_simoncelli.py``), seed 0, 256², with each
synthesis's defect fraction (:func:`wavetex.memorization.local_fidelity`), memorization
verdict (:func:`wavetex.probe`) and time. Syntheses are cached in ``docs/gallery/raw``
(shared with ``fidelity_schedules.py``, whose cached runs are reused; the PS runs of the
synthesis benchmark, ``benchmarks/results/raw/*-ps.npy``, are reused too): ``run`` does
one, only if it is missing, so each goes in its own ``heavy`` call; ``build`` runs none,
shows "not run" where one is missing, and caches each probe verdict in the synthesis's
json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import fidelity_schedules as study  # noqa: E402

from wavetex import textures  # noqa: E402

GALLERY = ROOT / "docs" / "gallery"
PAGE = ROOT / "docs" / "gallery.md"
#: column (an arm of fidelity_schedules.py, or ps) -> title. The default schedule is
#: 450 coarse + 40, colour 100 + 30 (the study's arm "coarse450"; "default" there is an older one).
COLUMNS = {"coarse450": "default (450 coarse + 40; colour 100 + 30)", "long": "150 coarse + 1000", "ps": "Portilla–Simoncelli"}
#: column -> the title over its panel, which must fit in the panel's width (bitmap font: no en dash)
PANEL_TITLES = {"coarse450": "default schedule", "long": "150 coarse + 1000", "ps": "Portilla-Simoncelli"}
SEED = 0


def exemplars() -> list[str]:
    return textures.names() + ["brick-turned", "cells"]


def run(texture: str, column: str) -> None:
    if column != "ps":
        study.run(texture, column, SEED)
        return
    target = study.path(texture, "ps", SEED)
    if target.with_suffix(".json").exists():
        print(f"cached: {target.name}")
        return
    image = study.exemplar(texture)
    benchmark = ROOT / "benchmarks" / "results" / "raw" / f"{texture}-ps.npy"
    if benchmark.exists():  # the synthesis benchmark's own PS run of this exemplar (seed 0, 256²)
        synthesis = np.clip(np.load(benchmark), 0, 1)
        result = json.loads(benchmark.with_suffix(".json").read_text())
        record = {"texture": texture, "arm": "ps", "seed": SEED, "what": f"benchmarks/results/raw/{benchmark.name}",
                  "threads": result["settings"]["threads"], "seconds": result["seconds"],
                  **study.judge(synthesis, image, study._statistics(image))}
        study._write(target, synthesis, record)
        print(f"{target.name}: from {benchmark.name}, defect_fraction {record['defect_fraction']:.3f}")
        return
    from _portilla_simoncelli import portilla_simoncelli_synthesis

    start = time.perf_counter()
    result = portilla_simoncelli_synthesis(image, seed=SEED, threads=1)
    seconds = time.perf_counter() - start
    synthesis = np.clip(result.pop("image"), 0, 1)
    record = {"texture": texture, "arm": "ps", "seed": SEED, "what": "plenoptic Portilla–Simoncelli (benchmark recipe)",
              "threads": 1, "seconds": result["seconds"], "seconds_with_setup": seconds, **result,
              **study.judge(synthesis, image, study._statistics(image))}
    study._write(target, synthesis, record)
    print(f"{target.name}: defect_fraction {record['defect_fraction']:.3f}, {seconds:.0f} s", flush=True)


def missing(columns: list[str]) -> None:
    for column in columns:
        for texture in exemplars():
            if not study.path(texture, column, SEED).with_suffix(".json").exists():
                print(texture, column)


def _record(texture: str, column: str) -> dict | None:
    """The cached record, with its probe verdict (computed once, then stored)."""
    json_path = study.path(texture, column, SEED).with_suffix(".json")
    if not json_path.exists():
        return None
    record = json.loads(json_path.read_text())
    if "verdict" not in record:
        import wavetex

        image = np.load(json_path.with_suffix(".npy"))
        record["verdict"] = wavetex.probe(image, study.exemplar(texture), fidelity=False).verdict
        json_path.write_text(json.dumps(record, indent=1, default=str))
    return record


def _caption(title: str, record: dict | None) -> list[str]:
    if record is None:
        return [title, "not run"]
    threads = "" if record.get("threads", 1) == 1 else f", {record['threads']} threads"
    return [title, f"defects {record['defect_fraction']:.2f} · {record['verdict']}", f"{record['seconds']:.0f} s{threads}"]


def panel_row(texture: str, columns: list[str]) -> tuple[np.ndarray, list[dict | None]]:
    """Exemplar and each column side by side at 1:1 under three lines of caption (uint8 RGB)."""
    from PIL import Image, ImageDraw, ImageFont

    exemplar = study.exemplar(texture)
    records = [_record(texture, column) for column in columns]
    images = [exemplar] + [np.load(study.path(texture, c, SEED)) if r else None for c, r in zip(columns, records)]
    captions = [["exemplar", texture, ""]] + [_caption(PANEL_TITLES[c], r) for c, r in zip(columns, records)]
    height, width = exemplar.shape[:2]
    header, gap = 54, 6
    canvas = Image.new("RGB", (len(images) * (width + gap) - gap, height + header), "white")
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default(size=14)
    for i, (image, caption) in enumerate(zip(images, captions)):
        left = i * (width + gap)
        for line, text in enumerate(caption):
            draw.text((left + 2, 2 + 17 * line), text, fill="black", font=font)
        if image is None:
            draw.rectangle((left, header, left + width - 1, header + height - 1), fill=(230, 230, 230))
            continue
        rgb = np.repeat(image[..., None], 3, axis=-1) if image.ndim == 2 else image
        canvas.paste(Image.fromarray((np.clip(rgb, 0, 1) * 255).round().astype(np.uint8)), (left, header))
    return np.asarray(canvas), records


PREAMBLE = """# Gallery

Every bundled texture and two structured exemplars made for the fidelity study
(`brick-turned`: the brick turned a quarter; `cells`: drawn hexagonal walls), synthesised
at 256² with seed 0: the default schedule (450 coarse + 40 iterations; colour 100 + 30), a long
schedule (150 coarse + 1000) and, for comparison, plenoptic's Portilla–Simoncelli
synthesis (the benchmark's recipe, `benchmarks/_portilla_simoncelli.py`). Images are at
1:1. Over each synthesis: its defect fraction (the share of windows with no counterpart in
the exemplar, [local fidelity](fidelity.md); 0.05 and above is flagged), the memorization
probe's verdict ([the probe](memorization.md)) and its time, on one thread of a shared
2-core machine unless a number of threads is given. Made by `python scripts/gallery.py
build`, from the syntheses cached in `docs/gallery/raw` (`scripts/gallery.py run` makes
a missing one; see the script).
"""


#: The README's quality figure: exemplar | default | long, at 1:1, one row per exemplar.
README_FIGURE = GALLERY / "readme_quality.png"


def readme_figure(exemplars_: tuple[str, ...] = ("brick", "cells")) -> None:
    from skimage import io

    rows = [panel_row(texture, ["coarse450", "long"])[0] for texture in exemplars_]
    gap = np.full((6, rows[0].shape[1], 3), 255, dtype=np.uint8)
    io.imsave(README_FIGURE, np.concatenate(sum(([row, gap] for row in rows), [])[:-1]), check_contrast=False)


def build(columns: list[str]) -> None:
    from skimage import io

    rows = ["| exemplar | " + " | ".join(f"{COLUMNS[c]}: defects, verdict, time (s)" for c in columns) + " |",
            "|---|" + "---|" * len(columns)]
    figures = []
    for texture in exemplars():
        row, records = panel_row(texture, columns)
        io.imsave(GALLERY / f"{texture}.png", row, check_contrast=False)
        figures.append(f"## {texture}\n\n![{texture}: exemplar | " + " | ".join(COLUMNS[c] for c in columns)
                       + f"](gallery/{texture}.png)\n")
        cells = ["not run" if r is None else f"{r['defect_fraction']:.3f}, {r['verdict']}, {r['seconds']:.0f}"
                 + ("" if r.get("threads", 1) == 1 else f" ({r['threads']} threads)") for r in records]
        rows.append(f"| {texture} | " + " | ".join(cells) + " |")
    notes = [c for c in columns if any(_record(t, c) is None for t in exemplars())]
    note = "" if not notes else (
        "\nNot every synthesis fitted in the time of the session that made this page: "
        "\"not run\" marks the missing ones (`python scripts/gallery.py missing` lists them).\n")
    if "ps" not in columns:
        note += "\nThis page was built without the Portilla–Simoncelli column (`--no-ps`).\n"
    PAGE.write_text(PREAMBLE + note + "\n" + "\n".join(rows) + "\n\n" + "\n".join(figures))
    readme_figure()
    print(PAGE, README_FIGURE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("run")
    one.add_argument("texture", choices=exemplars())
    one.add_argument("column", choices=COLUMNS)
    for name in ("missing", "build"):
        command = commands.add_parser(name)
        command.add_argument("--no-ps", action="store_true", help="leave out the Portilla–Simoncelli column")
    arguments = parser.parse_args()
    columns = [c for c in COLUMNS if not (c == "ps" and getattr(arguments, "no_ps", False))]
    if arguments.command == "run":
        run(arguments.texture, arguments.column)
    elif arguments.command == "missing":
        missing(columns)
    else:
        build(columns)


if __name__ == "__main__":
    main()
