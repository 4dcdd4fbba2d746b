"""Memorization surveys: many syntheses of many textures, models, seeds and sizes,
run as Ray tasks, resumable, summarised in one HTML page
(:func:`wavetex.report.write_index`).

- :mod:`~wavetex.survey.plan`: TOML plans -> checked jobs with content keys
- :mod:`~wavetex.survey.jobs`: one job (synthesis, probe, files)
- :mod:`~wavetex.survey.store`: the output folder (job folders, results.jsonl)
- :mod:`~wavetex.survey.engine`: running jobs on Ray (imported lazily)

Importing this package does not import Ray.

Examples
--------
>>> plan = parse_plan({"textures": ["gravel", "tissue"], "seeds": [0, 1], "sizes": ["64x64"]})
>>> len(plan.jobs), plan.jobs[0].describe()
(4, 'gravel · paper · 64x64 · default · seed 0')
"""

from .plan import Job, Plan, parse_plan, read_plan
from .store import SurveyFolder, read_results

__all__ = ["Job", "Plan", "parse_plan", "read_plan", "SurveyFolder", "read_results"]
