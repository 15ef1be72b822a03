"""JupyterLite for the lectures that run in the browser (``site/lite/``).

Served by the site itself: JupyterLite's app, the Pyodide kernel extension, the Pyodide core
from npm (``node_modules/pyodide``), and the pure-Python wheels the kernel loads while it boots
(micropip, IPython, jedi and their dependencies: the versions Pyodide's own lock names, from PyPI), so
the kernel starts with no outside request. The ``course`` wheel (without its dependencies and
without the grading and term packages) and the ipywidgets wheels are offered to ``%pip``.

NumPy, matplotlib and SciPy are Pyodide builds that no registry here serves: the lock points
them at Pyodide's download site, so a lecture's first import needs the internet (the page says so).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from book.execute import REPO

PYODIDE = REPO / "node_modules" / "pyodide"
WHEEL_CACHE = REPO / "build" / "lite-wheels"
#: JupyterLite's build tools live in their own venv (book/lite-requirements.txt says why)
LITE_VENV = REPO / "build" / "lite-venv"
#: Pyodide lock packages the kernel loads while it boots (with their dependencies; jedi for completion)
BOOT = ("micropip", "packaging", "ipython", "jedi")
#: pure-Python wheels offered to %pip in the browser (the versions of the venv's pins)
PIPLITE = ("ipywidgets==8.1.9", "comm==0.2.3", "jupyterlab_widgets==3.0.17")
#: where Pyodide's own builds (NumPy, matplotlib, ...) are downloaded from, in the browser
PYODIDE_CDN = "https://cdn.jsdelivr.net/pyodide/v{version}/full/"
FIRST_CELL = ("# JupyterLite: Python runs in this browser tab. The first run downloads NumPy and matplotlib\n"
              "# (an internet connection is needed for that); the course package comes with this site.\n"
              "%pip install -q course ipywidgets")


def _run(cmd: list[str], **kw) -> None:
    result = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} ... failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")


def course_wheel(dest: Path, work: Path) -> Path:
    """The ``course`` wheel with no dependencies, built from a copy of the package without
    ``course/grading`` and ``course/term`` (instructor machinery the lectures do not use)."""
    meta = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]
    src = work / "course-src"
    shutil.copytree(REPO / "course", src / "course",
                    ignore=shutil.ignore_patterns("__pycache__", "grading", "term", "cli.py"))
    (src / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"\n'
        f'[project]\nname = "course"\nversion = "{meta["version"]}"\nrequires-python = ">=3.10"\n'
        "dependencies = []\n[tool.setuptools.packages.find]\ninclude = [\"course*\"]\n", "utf-8")
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
          "--wheel-dir", str(dest), str(src)])
    return next(dest.glob("course-*.whl"))


def download(requirements: list[str], dest: Path) -> list[Path]:
    """Pure-Python wheels from PyPI (kept in build/lite-wheels/ for the next build)."""
    WHEEL_CACHE.mkdir(parents=True, exist_ok=True)
    _run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
          "--python-version", "3.14", "--dest", str(WHEEL_CACHE), *requirements])
    dest.mkdir(parents=True, exist_ok=True)
    found = []
    for req in requirements:
        name, version = req.split("==")
        stem = name.replace("-", "_").lower()
        wheel = next(p for p in WHEEL_CACHE.glob("*.whl") if p.name.lower().startswith(f"{stem}-{version}-"))
        found.append(Path(shutil.copy2(wheel, dest / wheel.name)))
    return found


def _boot_closure(packages: dict) -> list[str]:
    names = {k.replace("_", "-").lower(): k for k in packages}
    todo, seen = list(BOOT), []
    while todo:
        key = names[todo.pop().replace("_", "-").lower()]
        if key not in seen:
            seen.append(key)
            todo += packages[key]["depends"]
    return sorted(seen)


def stage_pyodide(dest: Path) -> None:
    """The npm Pyodide core plus the boot wheels, and a lock that points every other package
    at Pyodide's download site."""
    if not (PYODIDE / "pyodide.mjs").exists():
        raise RuntimeError(f"{PYODIDE} is missing: run `npm ci` (package.json)")
    shutil.copytree(PYODIDE, dest, ignore=shutil.ignore_patterns("*.map", "*.d.ts", "*.html", "README.md"))
    lock = json.loads((PYODIDE / "pyodide-lock.json").read_text("utf-8"))
    version = json.loads((PYODIDE / "package.json").read_text("utf-8"))["version"]
    boot = _boot_closure(lock["packages"])
    wheels = download([f"{lock['packages'][k]['name']}=={lock['packages'][k]['version']}" for k in boot], dest)
    local = {w.name: hashlib.sha256(w.read_bytes()).hexdigest() for w in wheels}
    for package in lock["packages"].values():
        if package["file_name"] in local:
            package["sha256"] = local[package["file_name"]]
        else:
            package["file_name"] = PYODIDE_CDN.format(version=version) + package["file_name"]
    (dest / "pyodide-lock.json").write_text(json.dumps(lock), "utf-8")


def lite_notebook(lecture: Path) -> dict:
    """The lecture as committed, with the install cell first."""
    nb = json.loads(lecture.read_text("utf-8"))
    cell = {"cell_type": "code", "execution_count": None, "id": "lite-install-course", "metadata": {},
            "outputs": [], "source": FIRST_CELL}
    return {**nb, "cells": [cell, *nb["cells"]]}


def build_lite(out: Path, lectures: list[Path], work: Path) -> Path:
    """``jupyter lite build`` of ``lectures`` into ``out``."""
    lite_dir, contents, wheels = work / "lite-dir", work / "contents", work / "wheels"
    for folder in (lite_dir, contents, wheels):
        folder.mkdir(parents=True, exist_ok=True)
    for lecture in lectures:
        (contents / lecture.name).write_text(json.dumps(lite_notebook(lecture), indent=1), "utf-8")
    stage_pyodide(lite_dir / "static" / "pyodide")
    offered = [course_wheel(wheels, work), *download(list(PIPLITE), wheels)]
    jupyter = LITE_VENV / "bin" / "jupyter"
    if not jupyter.exists():
        raise RuntimeError(f"{jupyter} is missing: run `make site` (it builds {LITE_VENV} from book/lite-requirements.txt)")
    cmd = [str(jupyter), "lite", "build", "--lite-dir", str(lite_dir),
           "--contents", str(contents), "--output-dir", str(out), "--no-sourcemaps"]
    for wheel in offered:
        cmd += ["--piplite-wheels", str(wheel)]
    _run(cmd, cwd=work)
    return out
