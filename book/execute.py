"""Execute each lecture once and keep the executed copy (outputs and widget state) in a cache
folder, so that the site build and the test suite's notebook check share one execution.

A copy is named after the lecture and a digest of everything its outputs depend on (the
notebook's bytes and every file of the ``course`` package), so an edited lecture or package is
executed again and an unchanged one is not. A file lock per lecture makes concurrent callers
(pytest-xdist workers, ``make site`` beside a test run) wait for one execution instead of
starting a second.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import nbformat
from filelock import FileLock

REPO = Path(__file__).resolve().parent.parent
#: seconds one cell may run (lecture 07 trains small models)
CELL_TIMEOUT = 600


def package_digest(package: Path = REPO / "course") -> str:
    """A digest of every Python and data file of the ``course`` package."""
    h = hashlib.sha256()
    for path in sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        h.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def cache_name(lecture: Path, package: str) -> str:
    """``<stem>-<digest>.ipynb``: the digest covers the lecture's bytes and ``package``."""
    digest = hashlib.sha256(lecture.read_bytes() + package.encode()).hexdigest()[:16]
    return f"{lecture.stem}-{digest}.ipynb"


def execute(lecture: Path, cache: Path, package: str | None = None) -> Path:
    """The executed copy of ``lecture`` in ``cache``, executing it first if no current copy exists.

    The notebook runs in its own folder (relative paths work as in JupyterLab), with
    ``store_widget_state`` so every widget's first figure is saved in the notebook's metadata.
    A cell that raises makes this raise (``nbclient``'s ``CellExecutionError``) and leaves no copy.
    """
    from nbclient import NotebookClient

    lecture = Path(lecture).resolve()
    if not lecture.is_file():
        raise FileNotFoundError(f"no lecture notebook at {lecture}")
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / cache_name(lecture, package if package is not None else package_digest())
    with FileLock(str(cache / f"{lecture.stem}.lock")):
        if target.exists():
            return target
        nb = nbformat.read(lecture, as_version=4)
        NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", store_widget_state=True,
                       resources={"metadata": {"path": str(lecture.parent)}}).execute()
        partial = target.with_suffix(f".{os.getpid()}.part")
        nbformat.write(nb, partial)
        partial.replace(target)
        for stale in cache.glob(f"{lecture.stem}-*.ipynb"):  # copies of earlier versions
            if stale != target and len(stale.stem) == len(target.stem):
                stale.unlink()
    return target


def execute_all(lectures: list[Path], cache: Path) -> list[Path]:
    """:func:`execute` for each lecture, in order (the package digest computed once)."""
    package = package_digest()
    return [execute(path, cache, package) for path in lectures]
