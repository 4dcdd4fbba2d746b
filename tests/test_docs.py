"""The README's examples and every docstring example run as doctests."""

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import wavetex

README = Path(__file__).resolve().parents[1] / "README.md"
MODULES = sorted(
    name
    for _, name, _ in pkgutil.walk_packages(wavetex.__path__, "wavetex.")
    if not name.startswith("wavetex.textures")
)


def test_readme_examples():
    result = doctest.testfile(str(README), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 8 and result.failed == 0


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
