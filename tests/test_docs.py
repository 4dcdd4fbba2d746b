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


ROOT = README.parent


def test_readme_is_a_front_page_under_200_lines():
    assert len(README.read_text().splitlines()) < 200


def test_readme_test_command_is_what_ci_runs():
    fences = README.read_text().split("```bash\n")
    commands = [block.split("```")[0].strip() for block in fences[1:]]
    test_command = next(c for c in commands if "pytest" in c)
    assert test_command == 'python -m pip install torch==2.13.0 ".[test]" && OMP_NUM_THREADS=1 pytest -n 2'
    assert test_command in (ROOT / ".ci" / "run").read_text().splitlines()
    assert "python -m pip install torch==2.13.0 . && wavetex synth gravel --size 128x128" in commands


def test_every_readme_figure_exists_and_a_script_makes_it():
    import re

    from checkout_scripts import load_script

    figures = load_script("scripts/readme_figures.py")
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README.read_text())
    assert len(images) >= 6
    for image in images:
        assert (ROOT / image).is_file(), image
        name = Path(image).name
        if image.startswith("docs/images/readme_"):
            assert name.removeprefix("readme_").removesuffix(".png") in figures.FIGURES, image
        elif image.startswith("docs/gallery/"):  # the gallery's script, from its cached syntheses
            assert image == "docs/gallery/readme_quality.png", image
            assert '"readme_quality.png"' in (ROOT / "scripts" / "gallery.py").read_text()
        elif image.startswith("docs/memorization_study/"):  # the study's page builder, from its results.jsonl
            assert image == "docs/memorization_study/figures/memorization.png", image
            assert (ROOT / "docs" / "memorization_study" / "results.jsonl").is_file()
        else:  # the benchmark's figures
            assert image.startswith("benchmarks/results/") and name.endswith("_exemplar_default_ps.png"), image
            assert "_exemplar_{" in (ROOT / "benchmarks" / "bench_synthesis.py").read_text()  # its figure names
