"""Controls of the local fidelity measure: the table in docs/fidelity.md.

    python scripts/fidelity_controls.py            # print the table
    python scripts/fidelity_controls.py --write    # and replace it in docs/fidelity.md

Every control is an image with a known answer judged against an exemplar with
:func:`wavetex.memorization.local_fidelity`. Negative controls (must pass): other
crops of stationary photographs and other draws of the drawn textures, also under a
slow brightness ramp, and good syntheses of stochastic textures. Positive controls
(must be flagged): an 80-pixel patch (10 % of a 256² image) pasted from another
texture, blurred, or with the brick's mortar lines erased, and images cut into blocks
that are shuffled. Sources: scikit-image's 512² photographs (``gravel``, ``grass``,
``brick``), ``scripts/make_textures.py`` (``dots``, ``clouds``), the syntheses in
``benchmarks/results/raw`` and ``docs/survey_256/jobs``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy import ndimage
from skimage import data, io

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import make_textures  # noqa: E402

from wavetex import textures  # noqa: E402
from wavetex.memorization import local_fidelity  # noqa: E402

PATCH = (slice(88, 168), slice(88, 168))  # 80 x 80 pixels in the middle of a 256² image


def ramp(image: np.ndarray, low: float = 0.7, high: float = 1.3) -> np.ndarray:
    """Multiply by a left-to-right brightness ramp (lighting, not a defect)."""
    gain = np.linspace(low, high, image.shape[1])[None, :]
    return np.clip(image * (gain if image.ndim == 2 else gain[..., None]), 0.0, 1.0)


def pasted(image: np.ndarray, other: np.ndarray) -> np.ndarray:
    result = image.copy()
    result[PATCH] = other[PATCH]
    return result


def blurred(image: np.ndarray, sigma: float = 2.0) -> np.ndarray:
    result = image.copy()
    result[PATCH] = ndimage.gaussian_filter(image, sigma)[PATCH]
    return result


def mortar_erased(image: np.ndarray) -> np.ndarray:
    """Grey opening with a 9-pixel square removes the bright mortar lines, keeps the bricks."""
    result = image.copy()
    result[PATCH] = ndimage.grey_opening(image, size=(9, 9))[PATCH]
    return result


def shuffled(image: np.ndarray, block: int, seed: int = 0) -> np.ndarray:
    n = image.shape[0] // block
    blocks = [image[i * block : (i + 1) * block, j * block : (j + 1) * block] for i in range(n) for j in range(n)]
    order = np.random.default_rng(seed).permutation(len(blocks))
    return np.block([[blocks[order[i * n + j]] for j in range(n)] for i in range(n)])


def controls() -> list[tuple[str, np.ndarray, np.ndarray, bool | None]]:
    """(control, image, exemplar, expected flag; None: no expectation)."""
    photo = {name: getattr(data, name)() / 255.0 for name in ("gravel", "grass", "brick")}
    # Exemplars: the top-left quarter; independent crops: the other quarters.
    exemplar = {name: photo[name][:256, :256] for name in ("gravel", "grass")}
    # The brick wall is photographed at an angle: bricks lean left on the left, right on
    # the right, and are about 1.5x wider at the bottom than at the top.
    exemplar["brick"] = photo["brick"][:256, 128:384]
    cases: list[tuple[str, np.ndarray, np.ndarray, bool | None]] = []
    for name in ("gravel", "grass"):
        for rows, cols in ((slice(256, 512), slice(256, 512)), (slice(256, 512), slice(0, 256)), (slice(0, 256), slice(256, 512))):
            crop = photo[name][rows, cols]
            cases.append((f"{name}: another crop [{rows.start}:{rows.stop}, {cols.start}:{cols.stop}]", crop, exemplar[name], False))
        cases.append((f"{name}: another crop, brightness ramp 0.7–1.3", ramp(photo[name][256:, 256:]), exemplar[name], False))
    for name, make, seed in (("dots", make_textures.dots, 7), ("clouds", make_textures.clouds, 1)):
        first, second = make(seed=seed) / 255.0, make(seed=seed + 1) / 255.0
        exemplar[name] = first
        cases.append((f"{name}: another draw", second, first, False))
        cases.append((f"{name}: another draw, brightness ramp", ramp(second), first, False))
        cases.append((f"{name}: another draw, blurred patch (σ 2)", blurred(second), first, True))
        if name == "dots":
            cases.append(("dots: another draw, 32-px blocks shuffled", shuffled(second, 32), first, True))
    for name in ("gravel", "retina"):
        synthesis = np.load(ROOT / "benchmarks" / "results" / "raw" / f"{name}-default.npy")
        cases.append((f"{name}: default synthesis (benchmarks/results/raw)", synthesis, textures.load(name), False))
        if name == "gravel":
            cases.append(("gravel: default synthesis, brightness ramp", ramp(synthesis), textures.load(name), False))
    for job in sorted((ROOT / "docs" / "survey_256" / "jobs").glob("*-seed0-*")):
        name = job.name.split("-")[0]
        if name in ("grass", "galaxies", "clouds"):
            synthesis = io.imread(job / "synthesis.png") / 255.0
            cases.append((f"{name}: default synthesis (docs/survey_256)", synthesis, textures.load(name), False))
    gravel_crop = photo["gravel"][256:, 256:]
    cases += [
        ("gravel: another crop, blurred patch (σ 2)", blurred(gravel_crop), exemplar["gravel"], True),
        ("gravel: another crop, blurred patch (σ 4)", blurred(gravel_crop, 4.0), exemplar["gravel"], True),
        ("gravel: another crop, brick patch pasted", pasted(gravel_crop, photo["brick"][256:, 128:384]), exemplar["gravel"], True),
        ("gravel: another crop, grass patch pasted", pasted(gravel_crop, photo["grass"][256:, 256:]), exemplar["gravel"], True),
        ("grass: another crop, gravel patch pasted", pasted(photo["grass"][256:, 256:], gravel_crop), exemplar["grass"], True),
    ]
    brick = exemplar["brick"]
    cases += [
        ("brick: the exemplar, blurred patch (σ 2)", blurred(brick), brick, True),
        ("brick: the exemplar, blurred patch (σ 4)", blurred(brick, 4.0), brick, True),
        ("brick: the exemplar, gravel patch pasted", pasted(brick, gravel_crop), brick, True),
        ("brick: the exemplar, mortar erased in the patch", mortar_erased(brick), brick, True),
        ("brick turned a quarter: mortar erased in the patch", mortar_erased(brick.T.copy()), brick.T.copy(), True),
        ("brick: the exemplar, 32-px blocks shuffled", shuffled(brick, 32), brick, True),
        ("brick: the exemplar, 64-px blocks shuffled", shuffled(brick, 64), brick, True),
        ("brick: bottom of the wall [256:512] (perspective: bricks 1.5x wider)", photo["brick"][256:, 128:384], brick, None),
        ("brick: default synthesis (benchmarks/results/raw)", np.load(ROOT / "benchmarks" / "results" / "raw" / "brick-default.npy"), textures.load("brick"), None),
    ]
    for job in sorted((ROOT / "docs" / "survey_256" / "jobs").glob("dots-*-seed0-*")):
        cases.append(("dots: default synthesis (docs/survey_256)", io.imread(job / "synthesis.png") / 255.0, textures.load("dots"), None))
    return cases


def table() -> str:
    lines = [
        "| control | defect_fraction | flagged | expected |",
        "|---|---:|---|---|",
    ]
    for label, image, exemplar, expected in controls():
        start = time.perf_counter()
        result = local_fidelity(image, exemplar)
        seconds = time.perf_counter() - start
        want = "—" if expected is None else ("flag" if expected else "pass")
        mark = "" if expected is None or expected == result.flagged else " **(missed)**"
        lines.append(
            f"| {label} | {result.defect_fraction:.3f} | {'yes' if result.flagged else 'no'} | {want}{mark} |"
        )
        print(f"{label}: {result.defect_fraction:.3f} ({seconds:.1f} s)", file=sys.stderr)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="replace the table in docs/fidelity.md")
    arguments = parser.parse_args()
    text = table()
    print(text)
    if arguments.write:
        path = ROOT / "docs" / "fidelity.md"
        page = path.read_text()
        start, end = "<!-- controls:start -->\n", "<!-- controls:end -->"
        head, rest = page.split(start)
        _, tail = rest.split(end)
        path.write_text(head + start + text + "\n" + end + tail)


if __name__ == "__main__":
    main()
