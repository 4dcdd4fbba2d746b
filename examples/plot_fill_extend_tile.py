"""
Inpaint, extend and tile
========================

The constrained syntheses keep the known pixels bit-identical and optimise only the
unknown ones: :func:`wavetex.inpaint` fills a hole given by a boolean mask (made here
in two lines), :func:`wavetex.extend` grows the canvas, :func:`wavetex.make_tileable`
re-synthesises a band along the borders so that the image tiles.
"""

import matplotlib.pyplot as plt
import numpy as np

import wavetex
from wavetex import textures

ITERATIONS = 10
options = dict(n_scales=3, schedule="paper", max_iter=ITERATIONS, seed=0, progress=False)

image = textures.load("gravel")[:64, :64]
mask = np.zeros(image.shape, dtype=bool)  # True: unknown, to be filled
mask[34:56, 30:52] = True

filled = wavetex.inpaint(image, mask, **options)
print(filled.extra["fill_probe"][0]["verdict"], "fill")
extended = wavetex.extend(image, (96, 96), anchor="top-left", **options)
tiled = wavetex.make_tileable(image, 8, **options)

holed = image.copy()
holed[mask] = 1.0
panels = [
    ("with a hole", holed),
    ("inpainted", filled.images[0]),
    ("64² extended to 96²", extended.images[0]),
    ("tileable, 2 × 2", np.tile(tiled.images[0], (2, 2))),
]
figure, axes = plt.subplots(1, 4, figsize=(12, 3.2))
for ax, (title, picture) in zip(axes, panels):
    ax.imshow(picture, cmap="gray", vmin=0, vmax=1)
    ax.set_title(title)
    ax.axis("off")
figure.tight_layout()
plt.show()
