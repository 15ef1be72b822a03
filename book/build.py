"""``make site``: build the course website into ``site/`` (README "The course as a website").

1. each lecture is executed once (``book/execute.py``; cached in ``build/site-cache/``);
2. a source folder is staged: the executed lectures, the student notebook of every exercise
   (``exercises/<id>/<id>.ipynb``, as released), the README's student material, ``index.md``,
   the notebooks as committed (for download and for the Colab copies) and the browser files
   from ``node_modules/`` (MathJax 3, RequireJS, the widget renderer);
3. Sphinx (myst-nb, sphinx-book-theme, ``book/conf.py``) builds it with warnings as errors;
4. JupyterLite (``site/lite/``) gets lectures 01-05, the course wheel without dependencies, the
   ipywidgets wheel and the Pyodide core from npm (``book/lite.py``);
5. the result is checked for solutions, hidden tests and the secret (``book/leaks.py``) before
   it replaces ``site/``.

    python -m book.build [--out site] [--cache build/site-cache] [--no-lite]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from book.execute import REPO, execute_all
from book.launch import LITE_LECTURES

BOOK = REPO / "book"
NODE_MODULES = REPO / "node_modules"
#: what the site serves from node_modules/: package folder -> (files or folders, where under _static)
OFFLINE = {
    "mathjax/es5": (["tex-chtml.js", "input", "output", "ui", "a11y", "sre", "adaptors"], "mathjax"),
    "@jupyter-widgets/html-manager/dist": (["embed-amd.js", "*.woff2", "*.woff", "*.ttf", "*.eot", "*.svg"], "widgets"),
    "requirejs": (["require.js"], "."),
}
#: the README's sections that are student material (besides its introduction)
STUDENT_SECTIONS = ("For students",)


class SiteError(RuntimeError):
    """The site cannot be built (a missing tool or file); the message says what to do."""


def lectures(repo: Path = REPO) -> list[Path]:
    """Every lecture notebook, in name (= teaching) order."""
    return sorted((repo / "lectures").glob("*.ipynb"))


def exercises(repo: Path = REPO) -> list[Path]:
    """Every released student notebook, ``exercises/<id>/<id>.ipynb``."""
    return sorted(p for p in (repo / "exercises").glob("*/*.ipynb") if p.stem == p.parent.name)


def student_readme(text: str) -> str:
    """The README's introduction and its student sections (``## For students``), nothing else."""
    parts = re.split(r"(?m)^(?=## )", text)
    keep = [parts[0]] + [p for p in parts[1:] if p[3:].splitlines()[0].strip() in STUDENT_SECTIONS]
    if len(keep) != 1 + len(STUDENT_SECTIONS):
        raise SiteError(f"README.md lacks a section among {STUDENT_SECTIONS}; the site shows them to students")
    return "".join(keep)


def _copy(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    if src.is_dir():
        shutil.copytree(src, dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.map"))
    else:
        shutil.copy2(src, dest)


def stage_offline(dest: Path, node_modules: Path = NODE_MODULES) -> None:
    """Copy the browser files the pages load from ``node_modules/`` into ``dest``."""
    for package, (patterns, where) in OFFLINE.items():
        folder = node_modules / package
        if not folder.is_dir():
            raise SiteError(f"{folder} is missing: run `npm ci` in {REPO} (package.json lists the site's browser files)")
        for pattern in patterns:
            matches = sorted(folder.glob(pattern))
            if not matches:
                raise SiteError(f"{folder} has no {pattern}: is node_modules/ from package-lock.json (`npm ci`)?")
            for src in matches:
                _copy(src, dest / where / src.relative_to(folder))
    _copy(BOOK / "widgets-paths.js", dest / "widgets" / "paths.js")
    _copy(BOOK / "course.css", dest / "course.css")


def stage(src: Path, executed: dict[str, Path], repo: Path = REPO, node_modules: Path = NODE_MODULES) -> None:
    """Write Sphinx's source folder ``src`` from the executed lectures (``name -> executed copy``)."""
    shutil.copy2(BOOK / "index.md", src / "index.md")
    (src / "README.md").write_text(student_readme((repo / "README.md").read_text("utf-8")), "utf-8")
    for lecture in lectures(repo):
        if lecture.name not in executed:
            raise SiteError(f"no executed copy of {lecture.name}")
        _copy(executed[lecture.name], src / "lectures" / lecture.name)
    for notebook in [*lectures(repo), *exercises(repo)]:
        rel = notebook.relative_to(repo)
        _copy(notebook, src / "_extra" / "notebooks" / rel)      # the download, as committed
        if rel.parts[0] == "exercises":
            _copy(notebook, src / rel)                            # the exercise's page
    stage_offline(src / "_offline", node_modules)


def sphinx(src: Path, out: Path) -> None:
    """Sphinx with warnings as errors (a broken link fails the build)."""
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q", "-j", "1",
           "-c", str(BOOK), "-d", str(src / ".doctrees"), str(src), str(out)]
    result = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if result.returncode != 0:
        raise SiteError(f"sphinx-build failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-8000:]}")


def build(out: Path, executed: dict[str, Path], repo: Path = REPO, lite: bool = True) -> Path:
    """Build the site into ``out`` (replaced) from executed lectures; return ``out``."""
    with tempfile.TemporaryDirectory(prefix="course-site-") as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        stage(src, executed, repo)
        fresh = Path(tmp) / "site"
        sphinx(src, fresh)
        if lite:
            from book.lite import build_lite

            build_lite(fresh / "lite", [p for p in lectures(repo) if p.name[:2] in LITE_LECTURES], Path(tmp) / "lite")
        problems = leaks(fresh, repo)
        if problems:
            raise SiteError("the site would publish instructor material:\n  " + "\n  ".join(problems[:20]))
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(fresh, out)
    return out


def leaks(site: Path, repo: Path = REPO) -> list[str]:
    """``book/leaks.py``'s check of a built site, with the instructor's secret when there is one."""
    from course.grading.secret import SecretError, load_secret

    from book.leaks import hidden_test_ids, site_leaks

    try:
        secret = load_secret(repo)
    except SecretError:
        secret = None  # no secret exists on this machine, so none can leak
    return site_leaks(site, repo, secret, hidden_test_ids(repo))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m book.build", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "site", help="output folder (replaced); default site/")
    parser.add_argument("--cache", type=Path, default=REPO / "build" / "site-cache",
                        help="executed lectures, reused while the lecture and the course package are unchanged")
    parser.add_argument("--no-lite", action="store_true", help="skip JupyterLite (site/lite/)")
    args = parser.parse_args(argv)
    try:
        executed = {p.name: c for p, c in zip(lectures(), execute_all(lectures(), args.cache))}
        build(args.out, executed, lite=not args.no_lite)
    except SiteError as exc:
        print(f"make site: {exc}", file=sys.stderr)
        return 1
    print(f"site built in {args.out} (open {args.out / 'index.html'}, or serve it: python -m http.server -d {args.out})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
