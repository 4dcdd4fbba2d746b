"""Provenance of results: the versions of wavetex and of the libraries behind its numbers."""

from __future__ import annotations

import sys

__all__ = ["versions"]


def versions() -> dict[str, str]:
    """Versions of wavetex, Python and the libraries that determine its results.

    Examples
    --------
    >>> from wavetex.provenance import versions
    >>> sorted(versions())
    ['kymatio', 'numpy', 'python', 'scikit-image', 'torch', 'wavetex']
    """
    from importlib.metadata import PackageNotFoundError, version

    from . import __version__

    found = {"wavetex": __version__, "python": sys.version.split()[0]}
    for package in ("torch", "kymatio", "numpy", "scikit-image"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:  # pragma: no cover - all are dependencies
            found[package] = "unknown"
    return found
