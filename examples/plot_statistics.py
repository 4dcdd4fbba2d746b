"""
Statistics and their blocks
===========================

:class:`wavetex.TextureStatistics` turns an image into one flat tensor of statistics
(for optimisation) with an index that says what each value is (for people). Here
the gray gravel's statistics are split into their blocks, and each block of a
second texture is compared with gravel's.
"""

import matplotlib.pyplot as plt
import torch

import wavetex
from wavetex import textures

gravel = torch.tensor(textures.load("gravel")[:64, :64], dtype=torch.float32)
grass = torch.tensor(textures.load("grass")[:64, :64], dtype=torch.float32)
stats = wavetex.TextureStatistics(gravel, n_scales=3)  # the model, fitted to gravel
print(stats.describe())

values = stats(torch.stack([gravel, grass])[:, None])  # a batch (2, 1, H, W) -> (2, n_stats)
blocks = stats.split(values)  # per-block views: {"wavelet": (2, n), "lowpass": ..., "haar": ...}
names = list(blocks)
sizes = [blocks[name].shape[-1] for name in names]
differences = [float((blocks[name][1] - blocks[name][0]).norm() / blocks[name][0].norm()) for name in names]
haar = stats.index.find(kind="haar", shift=(1, 0))
print(f"{len(haar)} Haar statistics at shift (1, 0), e.g. {stats.index[haar[0]]}")

figure, axes = plt.subplots(1, 2, figsize=(8, 3))
axes[0].bar(names, sizes)
axes[0].set_yscale("log")
axes[0].set_title("statistics per block")
axes[1].bar(names, differences, color="tab:orange")
axes[1].set_title("grass against gravel, per block")
axes[1].set_ylabel("relative difference")
figure.tight_layout()
plt.show()
