"""The grading kernel's view of the installed packages: only the allowed distributions.

Least privilege as an allow-list of what is mounted (``ARCHITECTURE.md``, "Trust boundary"): each
site-packages folder of the Python installation is covered by an empty read-only folder in the
sandbox, and only the files of the allowed distributions and of everything they require
(``importlib.metadata``: their ``Requires-Dist`` without extras, whose markers hold here) are
bound into it, read-only. For ``["ipykernel", "numpy"]`` that is ipykernel, IPython, pyzmq,
tornado, jupyter_client... and NumPy; not SciPy, PyTorch, Pillow, matplotlib or Keras, which are
simply not there.
"""

from __future__ import annotations

import functools
import glob
import importlib.metadata as metadata
import os
import site
import sys
import sysconfig
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name


def site_dirs() -> tuple[str, ...]:
    """The site-packages folders of this Python (the virtual environment's and the base's)."""
    found = set(site.getsitepackages()) | {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    return tuple(sorted({os.path.realpath(d) for d in found if os.path.isdir(d)}))


FOREIGN_SITE_PATTERNS = ("/usr/lib/python3/dist-packages", "/usr/lib/python3*/site-packages",
                         "/usr/lib/python3*/dist-packages", "/usr/local/lib/python3*/site-packages",
                         "/usr/local/lib/python3*/dist-packages")
"""Package folders of the system's Pythons (Debian's and ``/usr/local``'s): the sandbox mounts
``/usr`` whole, so these are covered by empty folders too."""


def foreign_site_dirs() -> tuple[str, ...]:
    """Package folders the kernel's Python does not use but could reach on disk: the base
    interpreter's site-packages (a virtual environment's base is mounted whole) and the system
    Pythons' (:data:`FOREIGN_SITE_PATTERNS`). Each is covered by an empty read-only folder, so
    that only the allowed distributions of :func:`site_dirs` exist in the sandbox."""
    base = sysconfig.get_paths(vars={"base": sys.base_prefix, "platbase": sys.base_exec_prefix})
    found = {base["purelib"], base["platlib"]}
    for pattern in FOREIGN_SITE_PATTERNS:
        found.update(glob.glob(pattern))
    own = set(site_dirs())
    return tuple(sorted({os.path.realpath(d) for d in found if os.path.isdir(d)} - own))


def _installed() -> dict[str, metadata.Distribution]:
    """Distributions installed in this Python's site folders, by canonical name (first wins)."""
    dists: dict[str, metadata.Distribution] = {}
    for dist in metadata.distributions(path=list(site_dirs())):
        name = dist.metadata["Name"]
        if name:
            dists.setdefault(canonicalize_name(name), dist)
    return dists


def closure(names: list[str] | tuple[str, ...]) -> list[str]:
    """The canonical names of ``names`` and of every distribution they require, transitively
    (requirements behind an extra, or whose environment marker is false here, are left out).
    A name that is not installed raises ``ValueError``."""
    installed = _installed()
    todo = [canonicalize_name(n) for n in names]
    missing = [n for n in todo if n not in installed]
    if missing:
        raise ValueError(f"SandboxKernelManager.distributions lists {', '.join(missing)}, which "
                         f"{'is' if len(missing) == 1 else 'are'} not installed in this Python")
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen or name not in installed:
            continue
        seen.add(name)
        for text in installed[name].requires or []:
            try:
                req = Requirement(text)
            except InvalidRequirement:
                continue
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(req.name))
    return sorted(seen)


@functools.lru_cache(maxsize=8)
def entries(names: tuple[str, ...]) -> tuple[str, ...]:
    """Host paths to bind into the kernel's empty site folders: the top-level files and folders
    of each distribution of :func:`closure` (its packages, modules, bundled libraries and its
    ``.dist-info``). Worked out once per process for each ``names``."""
    installed = _installed()
    dirs = site_dirs()
    found: set[str] = set()
    for name in closure(names):
        dist = installed[name]
        base = Path(os.path.realpath(dist.locate_file("")))
        if str(base) not in dirs:
            continue
        info = getattr(dist, "_path", None)
        if info is not None:
            found.add(os.path.realpath(info))
        for file in dist.files or []:
            parts = Path(file).parts
            if not parts or parts[0] in ("..", "/", "__pycache__") or parts[0].endswith(".pth"):
                continue
            path = base / parts[0]
            if path.exists():
                found.add(str(path))
    return tuple(sorted(found))
