"""
A batch of seeds
================

``n_samples`` syntheses run as one batch (one optimiser per sample, all evaluated
together); sample k uses seed + k, so any one of them can be made again alone. The
diversity report measures how alike the samples are.
"""

import matplotlib.pyplot as plt

import wavetex
from wavetex import textures
from wavetex.memorization import diversity

SIZE, ITERATIONS, SAMPLES = 64, 20, 4

exemplar = textures.load("grass")[:128, :128]
result = wavetex.synthesize(exemplar, size=(SIZE, SIZE), n_samples=SAMPLES, seed=10, n_scales=3,
                            schedule="paper", max_iter=ITERATIONS, progress=False)
alike = diversity(list(result.images))
print(f"the two most alike samples match at NCC {alike.max_match:.2f} (mean over pairs {alike.mean_match:.2f})")

figure, axes = plt.subplots(1, SAMPLES + 1, figsize=(2 * (SAMPLES + 1), 2.3))
axes[0].imshow(exemplar, cmap="gray", vmin=0, vmax=1)
axes[0].set_title("exemplar")
for ax, image, seed in zip(axes[1:], result.images, result.seeds):
    ax.imshow(image, cmap="gray", vmin=0, vmax=1)
    ax.set_title(f"seed {seed}")
for ax in axes:
    ax.axis("off")
figure.tight_layout()
plt.show()
