"""Sphinx configuration of the course website (``make site``; README "The course as a website").

The build script (``python -m book.build``) stages the sources (executed lectures, the student
notebooks of the exercises, the README's student material) and the browser files from
``node_modules/`` into one folder and runs Sphinx on it with this configuration. Every setting
an instructor changes is read here, from the environment, and nowhere else:

- ``COURSE_SITE_HUB_URL``: the class JupyterHub (``https://hub.example.edu``), for the
  "Open on the class JupyterHub" button (an nbgitpuller link);
- ``COURSE_SITE_REPOSITORY``: the git repository the hub pulls and Colab installs the course
  from. It must hold the student side only (``deploy/student-side.txt``), never ``solutions/``;
- ``COURSE_SITE_BRANCH``: its branch (``main``);
- ``COURSE_SITE_COLAB_BRANCH``: the branch of that (GitHub) repository where ``site/`` is
  published (``gh-pages``): Colab opens the notebooks of ``site/colab/`` from there.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

project = "Convolutional models"
author = "the course team"
copyright = "the course team"

extensions = ["myst_nb", "book.launch"]

# --- what an instructor sets (README "The course as a website") ------------------------------
course_hub_url = os.environ.get("COURSE_SITE_HUB_URL", "https://hub.example.edu")
course_repository = os.environ.get("COURSE_SITE_REPOSITORY", "https://github.com/example-org/convolutional-models")
course_branch = os.environ.get("COURSE_SITE_BRANCH", "main")
course_colab_branch = os.environ.get("COURSE_SITE_COLAB_BRANCH", "gh-pages")

# --- sources -----------------------------------------------------------------------------------
root_doc = "index"
exclude_patterns = ["_offline", "_extra", "**.ipynb_checkpoints"]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
myst_enable_extensions = ["dollarmath", "amsmath", "html_image"]
myst_heading_anchors = 3
# the build script executes each lecture once (book/execute.py) and stages executed copies
nb_execution_mode = "off"
nb_merge_streams = True

# --- offline: every script, style sheet and font is served by the site ------------------------
# (the build script copies them from node_modules/ into _offline/, see book/build.py)
mathjax_path = "mathjax/tex-chtml.js"
nb_ipywidgets_js = {
    "require.js": {},
    "widgets/paths.js": {},
    "widgets/embed-amd.js": {},
}

# --- pages -------------------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = "Convolutional models"
html_theme_options = {
    "use_download_button": True,
    "use_fullscreen_button": False,
    "show_toc_level": 2,
    "navigation_with_keys": False,
}
html_css_files = ["course.css"]
html_last_updated_fmt = None
html_copy_source = True
html_show_sourcelink = False


def _staged_folders(app, config) -> None:
    """The staged browser files (``_offline/``, served under ``_static/``) and downloads
    (``_extra/``, copied to the site's root) live in the source folder the build script made."""
    src = Path(app.srcdir)
    config.html_static_path = [str(src / "_offline")]
    config.html_extra_path = [str(src / "_extra")]


def setup(app):
    app.connect("config-inited", _staged_folders)
