"""Make every figure of the README (docs/images/readme_*.png) at small sizes.

    OMP_NUM_THREADS=1 python scripts/readme_figures.py          # about 5 minutes on one core

Each figure is what one README command makes, through the same library calls the
CLI makes (128² crops of the bundled textures, J = 4, the default schedule, seed 0),
so the pictures match the commands shown beside them. The figures are committed;
run this again after a change that alters syntheses.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import wavetex  # noqa: E402
from wavetex import textures  # noqa: E402
from wavetex.memorization import crop_collage  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "docs" / "images"
SIDE = 128
OPTIONS = dict(n_scales=4, seed=0, progress=False)


def crop(name: str) -> np.ndarray:
    image = textures.load(name)
    top, left = (image.shape[0] - SIDE) // 2, (image.shape[1] - SIDE) // 2
    return image[top:top + SIDE, left:left + SIDE]


def show(ax, image: np.ndarray, title: str) -> None:
    ax.imshow(image, cmap="gray" if image.ndim == 2 else None, vmin=0, vmax=1, interpolation="nearest")
    ax.set_title(title, fontsize=9)
    ax.axis("off")


def save(figure, name: str) -> None:
    figure.tight_layout()
    path = OUT / f"readme_{name}.png"
    figure.savefig(path, dpi=80)
    plt.close(figure)
    print(f"wrote {path.relative_to(OUT.parents[1])}")


def strip() -> None:
    """Exemplar → synthesis for three textures: ``wavetex synth NAME``."""
    names = ("gravel", "brick", "grass")
    figure, axes = plt.subplots(1, 2 * len(names), figsize=(2.0 * 2 * len(names), 2.3))
    for k, name in enumerate(names):
        exemplar = crop(name)
        result = wavetex.synthesize(exemplar, **OPTIONS)
        show(axes[2 * k], exemplar, f"{name}")
        show(axes[2 * k + 1], result.images[0], "wavetex synth")
    save(figure, "strip")


def tile() -> None:
    """``wavetex tile``: the image repeated 2 × 2 before and after."""
    image = crop("gravel")
    result = wavetex.make_tileable(image, 16, **OPTIONS)
    figure, axes = plt.subplots(1, 2, figsize=(6, 3.2))
    show(axes[0], np.tile(image, (2, 2)), "the photograph, 2 × 2: seams")
    show(axes[1], np.tile(result.images[0], (2, 2)), "wavetex tile --band 16, 2 × 2")
    save(figure, "tile")


def extend() -> None:
    """``wavetex extend``: a 128² image in a 192² canvas."""
    image = crop("brick")
    result = wavetex.extend(image, (192, 192), anchor="center", **OPTIONS)
    figure, axes = plt.subplots(1, 2, figsize=(5.2, 2.8), gridspec_kw={"width_ratios": [2, 3]})
    show(axes[0], np.pad(image, 32, constant_values=1.0), "the image (128²)")
    show(axes[1], result.images[0], "wavetex extend --size 192x192")
    save(figure, "extend")


def inpaint() -> None:
    """``wavetex inpaint``: original with its hole | filled | zoom on the fill."""
    image = crop("gravel")
    mask = np.zeros(image.shape, dtype=bool)
    mask[44:88, 40:84] = True
    result = wavetex.inpaint(image, mask, **OPTIONS)
    fill = result.extra["fill_probe"][0]
    holed = image.copy()
    holed[mask] = 1.0
    figure, axes = plt.subplots(1, 3, figsize=(7.5, 2.8))
    show(axes[0], holed, "original, hole in white")
    show(axes[1], result.images[0], f"wavetex inpaint (fill: {fill['verdict']})")
    show(axes[2], result.images[0][28:104, 24:100], "zoom on the fill")
    save(figure, "inpaint")


def probe() -> None:
    """``wavetex probe``: a copy control (a collage of exemplar pieces) beside a synthesis."""
    exemplar = crop("gravel")
    synthesis = wavetex.synthesize(exemplar, **OPTIONS).images[0]
    control = crop_collage(exemplar, 48, seed=0)
    figure, axes = plt.subplots(1, 3, figsize=(7.5, 3.0))
    show(axes[0], exemplar, "exemplar")
    for ax, image, name in ((axes[1], control, "copy control: a collage"), (axes[2], synthesis, "wavetex synthesis")):
        report = wavetex.probe(image, exemplar)
        show(ax, image, f"{name}\n{report.verdict}: copy rate {report.copy_rate:.2f}, "
                        f"index {report.memorization_index:.2f}")
    save(figure, "probe")


FIGURES = {"strip": strip, "tile": tile, "extend": extend, "inpaint": inpaint, "probe": probe}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"figures to make: {', '.join(FIGURES)} (default: all)")
    names = parser.parse_args().names or list(FIGURES)
    unknown = sorted(set(names) - set(FIGURES))
    if unknown:
        parser.error(f"unknown figure(s) {', '.join(unknown)}; choose from {', '.join(FIGURES)}")
    OUT.mkdir(parents=True, exist_ok=True)
    for name in names:
        start = time.perf_counter()
        FIGURES[name]()
        print(f"  {name}: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
