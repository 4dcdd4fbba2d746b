"""
Probe a synthesis and a copy control
====================================

The memorization probe searches crops of a synthesis in the (periodic) exemplar by
normalised cross-correlation and compares the matches with how well the exemplar's
own pieces match each other. A shifted copy of the exemplar — a control that copies
everything — is called ``copy``; a synthesis is expected to be ``novel``.
"""

import matplotlib.pyplot as plt

import wavetex
from wavetex import textures
from wavetex.memorization import shifted_copy

SIZE, ITERATIONS = 64, 20

exemplar = textures.load("gravel")[:128, :128]
synthesis = wavetex.synthesize(exemplar, size=(SIZE, SIZE), n_scales=3, schedule="paper", max_iter=ITERATIONS,
                               seed=0, progress=False).images[0]
control = shifted_copy(exemplar, seed=0)[:SIZE, :SIZE]  # a piece of the exemplar, moved

figure, axes = plt.subplots(1, 3, figsize=(9, 3.4))
axes[0].imshow(exemplar, cmap="gray", vmin=0, vmax=1)
axes[0].set_title("exemplar")
for ax, image, name in ((axes[1], control, "copy control"), (axes[2], synthesis, "synthesis")):
    report = wavetex.probe(image, exemplar)
    print(f"{name}: {report.verdict_reason}")
    ax.imshow(image, cmap="gray", vmin=0, vmax=1)
    ax.set_title(f"{name}\n{report.verdict}, index {report.memorization_index:.2f}")
for ax in axes:
    ax.axis("off")
figure.tight_layout()
plt.show()
