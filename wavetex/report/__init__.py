"""Figures and pages for people: probe figures, synthesis status, texture reports,
capacity sweeps and survey pages.

- :mod:`~wavetex.report.figures`: every figure (matplotlib, imported lazily)
- :mod:`~wavetex.report.pages`: the HTML pages and the files beside them
- :mod:`~wavetex.report.words`: what each metric means, and how faithful a synthesis is
- :mod:`~wavetex.report.ladder`: model configurations of increasing capacity

The numbers come from :mod:`wavetex.memorization` and :mod:`wavetex.synthesis`; this
package only lays them out.

Examples
--------
>>> from wavetex import report
>>> [label for label, _ in report.pinned_ladder(delta_j=0)]
['no shifts, Δj=0', 'same (j,l) shifts, Δj=0', 'all shifts, Δj=0']
"""

from .figures import probe_figure, save_figure, synthesis_status
from .ladder import CAPACITY_LADDER, pinned_ladder
from .pages import capacity_sweep, texture_report, write_index
from .words import METRIC_LEGEND, VERDICT_WORDS, fidelity

__all__ = [
    "VERDICT_WORDS",
    "METRIC_LEGEND",
    "fidelity",
    "pinned_ladder",
    "probe_figure",
    "synthesis_status",
    "save_figure",
    "texture_report",
    "write_index",
    "capacity_sweep",
    "CAPACITY_LADDER",
]
