"""
A capacity sweep
================

Models of growing capacity — no spatial shifts, shifts for same-(j, l) pairs only,
all shifts — synthesise the same exemplar; each synthesis is probed. More
statistics can match the exemplar more closely, and can also start to copy it:
the memorization index says whether they do (``wavetex sweep`` runs the full
ladder of nine models).
"""

import matplotlib.pyplot as plt

import wavetex
from wavetex import textures

SIZE, ITERATIONS = 64, 20

exemplar = textures.load("brick")[:128, :128]
rows = []
for shifts in ("none", "same_scale_orientation", "all"):
    result = wavetex.synthesize(exemplar, size=(SIZE, SIZE), n_scales=3, shifts=shifts, schedule="paper",
                                max_iter=ITERATIONS, seed=0, progress=False)
    n_stats = wavetex.TextureStatistics(exemplar, config=result.config.model).n_stats
    report = wavetex.probe(result.images[0], exemplar)
    rows.append((shifts, n_stats, result.errors[0], report.memorization_index, report.verdict))
    print(f"shifts={shifts:22s} {n_stats:6d} statistics, error {result.errors[0]:.3f}, "
          f"memorization index {report.memorization_index:.2f} ({report.verdict})")

figure, ax = plt.subplots(figsize=(5, 3.5))
ax.plot([r[1] for r in rows], [r[3] for r in rows], "o-")
for shifts, n_stats, _, index, verdict in rows:
    ax.annotate(f"{shifts.replace('_', ' ')}: {verdict}", (n_stats, index), textcoords="offset points", xytext=(4, 4))
ax.set_xscale("log")
ax.set_xlabel("number of statistics")
ax.set_ylabel("memorization index (1: a copy)")
ax.set_title("brick: capacity against copying")
figure.tight_layout()
plt.show()
