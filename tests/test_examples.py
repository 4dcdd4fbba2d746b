"""Every script of examples/ runs at its small size and draws a figure (Agg backend,
as the documentation build runs them)."""

import runpy
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - after choosing the backend

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("plot_*.py"))


def test_the_gallery_has_the_examples_the_manual_promises():
    names = {path.stem for path in EXAMPLES}
    assert {"plot_synthesize", "plot_seeds", "plot_statistics", "plot_probe", "plot_fill_extend_tile",
            "plot_capacity", "plot_synthesis_status"} <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_example_runs_and_draws_a_figure(path, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # anything a script writes lands here
    monkeypatch.setattr(plt, "show", lambda *args, **kwargs: None)  # Agg cannot show: no warning
    plt.close("all")
    try:
        runpy.run_path(str(path), run_name="__main__")
        figures = [plt.figure(number) for number in plt.get_fignums()]
        assert figures, f"{path.name} drew no figure"
        for figure in figures:
            figure.canvas.draw()  # the figure renders
            assert figure.axes
    finally:
        plt.close("all")
    assert not list(tmp_path.iterdir()), "an example wrote files"
