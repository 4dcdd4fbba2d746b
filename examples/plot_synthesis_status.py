"""
Synthesis status
================

:func:`wavetex.report.figures.synthesis_status` shows one synthesis at a glance: the
image, the loss over the L-BFGS iterations (was it still falling when the run
stopped?) and the statistics error of each block (which statistics are matched
worst?).
"""

import matplotlib.pyplot as plt

import wavetex
from wavetex import textures
from wavetex.report.figures import synthesis_status

SIZE, ITERATIONS = 64, 30

exemplar = textures.load("clouds")[:128, :128]
result = wavetex.synthesize(exemplar, size=(SIZE, SIZE), n_scales=3, schedule="paper", max_iter=ITERATIONS,
                            seed=0, progress=False)
figure = synthesis_status(result)
plt.show()
