"""The ``wavetex`` console script: import the commands, then run them.

Importing the commands takes seconds (torch, numpy, scipy); a Ctrl-C in that time
would print a traceback of whatever module was loading. :func:`main` catches it and
exits 130 (128 + SIGINT, as shells report Ctrl-C) with one line. Nothing heavy is
imported at the top of this module or of the package.
"""

from __future__ import annotations

import sys

INTERRUPTED_EXIT_CODE = 130


def main() -> None:
    """Entry point of the ``wavetex`` command (``[project.scripts]`` in pyproject.toml)."""
    try:
        from .main import cli
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted while starting; nothing was done.\n")
        raise SystemExit(INTERRUPTED_EXIT_CODE) from None
    cli()
