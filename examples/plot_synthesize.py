"""
Synthesize a texture
====================

Match the wavelet covariance statistics of a bundled exemplar, starting from noise,
and show the exemplar beside the synthesis.
"""

import matplotlib.pyplot as plt

import wavetex
from wavetex import textures

SIZE, ITERATIONS = 64, 20  # raise both for a closer match (the CLI's default: 256², 450 coarse + 40)

exemplar = textures.load("gravel")[:128, :128]  # (128, 128) floats in [0, 1]
result = wavetex.synthesize(exemplar, size=(SIZE, SIZE), n_scales=3, schedule="paper", max_iter=ITERATIONS,
                            seed=0, progress=False)
print(f"statistics error {result.errors[0]:.3f} after {result.n_iterations[0]} iterations")

figure, axes = plt.subplots(1, 2, figsize=(6, 3))
axes[0].imshow(exemplar, cmap="gray", vmin=0, vmax=1)
axes[0].set_title("exemplar (128²)")
axes[1].imshow(result.images[0], cmap="gray", vmin=0, vmax=1)
axes[1].set_title(f"synthesis ({SIZE}², seed 0)")
for ax in axes:
    ax.axis("off")
figure.tight_layout()
plt.show()
