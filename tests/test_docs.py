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
    # Every example written in the module ran: none hides where doctest does not look.
    written = written_examples(name)
    assert result.attempted == written, f"{written} examples written, {result.attempted} ran"


#: Public modules without examples, each for a reason; the list must stay exact.
WITHOUT_EXAMPLES = {
    "wavetex.lbfgs",  # the optimiser's internals, driven by wavetex.synthesis
}


def written_examples(name):
    source = Path(importlib.import_module(name).__file__).read_text()
    return sum(line.lstrip().startswith(">>> ") for line in source.splitlines())


def test_every_public_module_has_examples():
    public = [name for name in MODULES if not name.rpartition(".")[2].startswith("_")]
    assert {name for name in public if written_examples(name) == 0} == WITHOUT_EXAMPLES
