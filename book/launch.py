"""Launch buttons on every lecture and exercise page: the class JupyterHub (an nbgitpuller
link), Colab, and JupyterLite for the lectures that run in the browser; and the download of
the notebook as a student gets it. The settings are read in ``book/conf.py``."""

from __future__ import annotations

import html
import json
from pathlib import Path, PurePosixPath
from urllib.parse import urlencode, urlsplit

from docutils import nodes

#: where the site keeps notebooks as committed (no outputs) and their Colab copies
NOTEBOOKS, COLAB, LITE = "notebooks", "colab", "lite"
#: lectures (by number) that run in the browser: 06 and 07 need PyTorch, which Pyodide lacks
LITE_LECTURES = ("01", "02", "03", "04", "05")
LITE_NOTE = ("runs Python in your browser with no install; it needs an internet connection to "
             "download NumPy and matplotlib the first time")


def repo_folder(repository: str) -> str:
    """The folder nbgitpuller clones ``repository`` into: its default ``targetpath``, the last
    part of the URL (nbgitpuller's ``UIHandler``)."""
    return repository.rstrip("/").split("/")[-1]


def hub_link(hub_url: str, repository: str, branch: str, path: str) -> str:
    """An nbgitpuller link: log in to the hub, pull ``repository`` at ``branch`` into the
    user's home (merging, never overwriting the student's changes) and open ``path`` in
    JupyterLab."""
    if not urlsplit(hub_url).scheme.startswith("http"):
        raise ValueError(f"the hub URL must start with http:// or https://, got {hub_url!r}")
    query = urlencode({"repo": repository, "branch": branch,
                       "urlpath": f"lab/tree/{repo_folder(repository)}/{path}"})
    return f"{hub_url.rstrip('/')}/hub/user-redirect/git-pull?{query}"


def github_name(repository: str) -> str | None:
    """``owner/name`` of a github.com repository URL, else None (Colab opens only GitHub)."""
    parts = urlsplit(repository)
    if parts.netloc.lower() not in ("github.com", "www.github.com"):
        return None
    name = parts.path.strip("/").removesuffix(".git")
    return name if name.count("/") == 1 else None


def colab_link(repository: str, pages_branch: str, path: str) -> str | None:
    """Colab opening the site's Colab copy of ``path`` (``colab/<path>``, whose first cell
    installs the course) from the branch where ``site/`` is published; None off GitHub."""
    name = github_name(repository)
    if name is None:
        return None
    return f"https://colab.research.google.com/github/{name}/blob/{pages_branch}/{COLAB}/{path}"


def lite_link(notebook: str) -> str:
    """JupyterLite's lab opening ``notebook`` (relative to the site's root)."""
    return f"{LITE}/lab/index.html?{urlencode({'path': notebook})}"


def colab_install_source(repository: str, branch: str) -> str:
    """The first cell of a Colab copy: the course without its pinned dependencies (Colab's own
    PyTorch, NumPy, SciPy, matplotlib, ipywidgets and Keras are used as they are)."""
    return ("# Colab: install the course package, without touching Colab's own PyTorch, NumPy, SciPy,\n"
            "# matplotlib, ipywidgets and Keras (no pinned versions are installed over them).\n"
            f'%pip install --quiet --no-deps "course @ git+{repository}@{branch}"')


def _button(href: str, label: str, extra: str = "") -> str:
    return f'<a class="btn btn-sm btn-outline-primary course-launch-button" href="{html.escape(href)}"{extra}>{label}</a>'


def launch_bar(config, docname: str) -> str | None:
    """The buttons' HTML for the page ``docname`` (``lectures/...`` or ``exercises/...``)."""
    if not docname.startswith(("lectures/", "exercises/")):
        return None
    path = f"{docname}.ipynb"
    up = "../" * docname.count("/")
    buttons = [_button(hub_link(config.course_hub_url, config.course_repository, config.course_branch, path),
                       "Open on the class JupyterHub")]
    colab = colab_link(config.course_repository, config.course_colab_branch, path)
    if colab:
        buttons.append(_button(colab, "Open in Colab"))
    name = PurePosixPath(docname).name
    note = ""
    if docname.startswith("lectures/") and name[:2] in LITE_LECTURES:
        buttons.append(_button(up + lite_link(f"{name}.ipynb"), "Open in the browser"))
        note = f'<p class="course-launch-note">"Open in the browser" (JupyterLite) {LITE_NOTE}.</p>'
    buttons.append(_button(f"{up}{NOTEBOOKS}/{path}", "Download the notebook", f' download="{name}.ipynb"'))
    return (f'<nav class="course-launch" aria-label="Open or download this notebook">{" ".join(buttons)}'
            f"{note}</nav>")


def _insert(app, doctree, docname: str) -> None:
    bar = launch_bar(app.config, docname)
    if bar is None:
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    where = section if section is not None else doctree
    title = next(iter(where.findall(nodes.title)), None)
    index = where.index(title) + 1 if title is not None and title.parent is where else 0
    where.insert(index, nodes.raw("", bar, format="html"))


def colab_copy(notebook: dict, repository: str, branch: str) -> dict:
    """``notebook`` (nbformat 4 JSON) with the install cell first."""
    cell = {"cell_type": "code", "execution_count": None, "id": "colab-install-course", "metadata": {},
            "outputs": [], "source": colab_install_source(repository, branch)}
    return {**notebook, "cells": [cell, *notebook["cells"]]}


def _write_colab_copies(app, exception) -> None:
    """``colab/<path>`` beside ``notebooks/<path>`` in the built site, for every notebook."""
    if exception is not None or app.builder.format != "html" or github_name(app.config.course_repository) is None:
        return
    out = Path(app.outdir)
    for path in sorted((out / NOTEBOOKS).rglob("*.ipynb")):
        target = out / COLAB / path.relative_to(out / NOTEBOOKS)
        target.parent.mkdir(parents=True, exist_ok=True)
        notebook = json.loads(path.read_text("utf-8"))
        copy = colab_copy(notebook, app.config.course_repository, app.config.course_branch)
        target.write_text(json.dumps(copy, indent=1, ensure_ascii=False) + "\n", "utf-8")


def setup(app):
    for name, default in [("course_hub_url", ""), ("course_repository", ""), ("course_branch", "main"),
                          ("course_colab_branch", "gh-pages")]:
        app.add_config_value(name, default, "html")
    app.connect("doctree-resolved", _insert)
    app.connect("build-finished", _write_colab_copies)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
