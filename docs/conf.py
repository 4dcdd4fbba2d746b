"""Sphinx configuration of the wavetex manual: ``make -C docs html`` (warnings are errors).

Why Sphinx rather than MkDocs + mkdocstrings: the docstrings are numpydoc, which
Sphinx's napoleon reads as they are; sphinx-gallery runs examples/ and turns each
script into a page with its figure (scikit-image's gallery, the model we follow);
sphinx-click writes the CLI reference from the click commands themselves; and
myst-parser keeps the existing Markdown pages (model.md, memorization.md, ...) as
they are.
"""

import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
os.environ.setdefault("OMP_NUM_THREADS", "1")  # the examples run here: one thread (see tests/conftest.py)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import wavetex  # noqa: E402

project = "wavetex"
author = "the wavetex authors"
copyright = "wavetex authors, BSD-3-Clause"
release = version = wavetex.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx_click",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
# Results that scripts regenerate (survey folders, plans, study pages of other work)
# are data, not pages of the manual; the pages link to them.
exclude_patterns = [
    "_build",
    "survey_*",
    "memorization_study/*",
    "*.toml",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.json",
    "sg_execution_times.rst",
]

myst_heading_anchors = 3
myst_enable_extensions = ["dollarmath"]

autodoc_member_order = "bysource"
autodoc_typehints = "none"  # the numpydoc sections give the types
autodoc_default_options = {"members": True, "show-inheritance": False}
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/plot_",
    "abort_on_example_error": True,
    "download_all_examples": False,
    "remove_config_comments": True,
    "write_computation_times": False,
}

html_theme = "alabaster"
html_title = f"wavetex {release}"
html_static_path = []
html_theme_options = {"description": "texture synthesis with wavelet covariance statistics", "fixed_sidebar": True}

# Pages that other work adds to docs/ join memorization.md's table of contents when they
# are there; while the study page is not, the link to it from memorization_survey.md
# cannot resolve.
HERE = Path(__file__).resolve().parent
OPTIONAL_PAGES = ("memorization_study", "fidelity")
suppress_warnings = []
if not (HERE / "memorization_study.md").exists():
    suppress_warnings += ["myst.xref_missing"]
# The study's page shows figures of its results folder, which the study's own runs write
# (docs/memorization_study/, like the survey_* folders): until they are there, its
# images and its link to the folder's index.html cannot resolve.
if (HERE / "memorization_study.md").exists() and not (HERE / "memorization_study" / "index.html").exists():
    suppress_warnings += ["myst.xref_missing", "image.not_readable"]


def _list_optional_pages(app, docname, source):
    present = [name for name in OPTIONAL_PAGES if (HERE / f"{name}.md").exists()]
    if docname == "memorization" and present:
        source[0] += "\n```{toctree}\n:maxdepth: 1\n\n" + "\n".join(present) + "\n```\n"


def setup(app):
    app.connect("source-read", _list_optional_pages)
