"""Which processes a test left behind (shared by the survey tests)."""

from __future__ import annotations

from pathlib import Path

from wavetex.survey import engine


def descendants(pid: int) -> list[int]:
    """Processes below ``pid``, but multiprocessing's resource tracker, which the local
    engine's pool (tests/test_survey_engine.py) starts and which lives as long as pytest."""
    found = []
    for child in engine._descendants(pid):
        try:
            if b"resource_tracker" not in Path(f"/proc/{child}/cmdline").read_bytes():
                found.append(child)
        except OSError:
            pass
    return found
