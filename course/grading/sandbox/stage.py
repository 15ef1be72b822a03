"""The staging folder of one kernel: the few files laid read-only into its filesystem.

- ``lib/course/...``: copies of the ``course`` files listed in ``course_modules`` (nothing else of
  the package: the reference implementations stay on the host), mounted at ``COURSE_LIB``.
- ``etc/passwd``, ``etc/group``: two lines each, so ``nobody`` has a name and a home.
- ``hidden/N``: a package whose ``__init__`` raises ``ModuleNotFoundError``, laid over each folder
  of a hidden module (``scipy.signal``); ``hidden/N.py`` likewise over a single-file module,
  its byte-code and its extension modules.
- ``empty`` / ``empty.d``: laid over the real ``course`` package when it sits inside the Python
  installation, and over the editable-install hooks (``.pth``, ``__editable__*``) that point at
  the course's folder, so ``import course.convolution`` finds nothing inside.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import site
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from course.grading.sandbox.command import _inside

PASSWD = "root:x:0:0:root:/nonexistent:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/tmp:/usr/sbin/nologin\n"
GROUP = "root:x:0:\nnogroup:x:65534:\n"
_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


@dataclass
class Stage:
    """A built staging folder; :meth:`remove` deletes it (the kernel no longer needs it)."""

    path: str
    course_lib: str
    etc: tuple[tuple[str, str], ...]
    overlays: tuple[tuple[str, str], ...]

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def course_package() -> Path:
    """The real ``course`` package folder on the host (resolved)."""
    import course

    return Path(course.__file__).resolve().parent


def build_stage(course_modules: list[str], hidden_modules: list[str], roots: tuple[str, ...]) -> Stage:
    """Stage the files for one kernel whose Python installation is ``roots`` (read-only mounts)."""
    path = Path(tempfile.mkdtemp(prefix="course-sandbox-"))
    try:
        lib = stage_course(path / "lib", course_modules)
        etc = _stage_etc(path / "etc")
        (path / "empty").write_text("")
        (path / "empty.d").mkdir()
        overlays = (hide_modules(path / "hidden", hidden_modules, roots)
                    + _hide_course(path, roots))
        _world_readable(path)
        return Stage(str(path), str(lib), etc, tuple(overlays))
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise


def stage_course(lib: Path, course_modules: list[str]) -> Path:
    """Copy the listed files (paths relative to the course package's parent folder, e.g.
    ``course/__init__.py``) into ``lib``, keeping their relative paths."""
    package = course_package()
    lib.mkdir()
    for entry in course_modules:
        rel = _checked_module_path(entry, package.name)
        source = package.parent / rel
        if not source.is_file():
            raise FileNotFoundError(f"course_modules lists {entry!r}, which is not a file in {package.parent}")
        target = lib / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return lib


def _checked_module_path(entry: str, package: str) -> PurePosixPath:
    rel = PurePosixPath(entry)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts or rel.parts[0] != package or rel.suffix != ".py":
        raise ValueError(f"course_modules entry {entry!r} must be a .py file under {package}/, e.g. {package}/__init__.py")
    return rel


def _stage_etc(etc: Path) -> tuple[tuple[str, str], ...]:
    etc.mkdir()
    (etc / "passwd").write_text(PASSWD)
    (etc / "group").write_text(GROUP)
    return ((str(etc / "passwd"), "/etc/passwd"), (str(etc / "group"), "/etc/group"))


def hide_modules(folder: Path, names: list[str], roots: tuple[str, ...]) -> list[tuple[str, str]]:
    """Overlays that make each dotted module name unimportable inside the sandbox."""
    folder.mkdir()
    overlays: list[tuple[str, str]] = []
    for name in names:
        if not _DOTTED.match(name):
            raise ValueError(f"hidden_modules entry {name!r} is not a dotted module name")
        stub = f"raise ModuleNotFoundError({f'No module named {name!r} (not available while grading)'!r}, name={name!r})\n"
        for target in module_files(name, roots):
            source = folder / str(len(overlays))
            if target.is_dir():
                source.mkdir()
                (source / "__init__.py").write_text(stub)
            else:
                source.write_text(stub)
            overlays.append((str(source), str(target)))
    return overlays


def module_files(name: str, roots: tuple[str, ...]) -> list[Path]:
    """Where module ``name`` lives in the sys.path folders that the sandbox mounts: its package
    folder, or its ``.py`` file with byte-code and extension modules."""
    *parents, leaf = name.split(".")
    found: list[Path] = []
    for entry in _mounted_path_entries(roots):
        base = Path(entry, *parents)
        if (base / leaf).is_dir():
            found.append(base / leaf)
            continue
        patterns = [f"{leaf}.py", f"{leaf}.*.so", f"{leaf}.so", f"__pycache__/{leaf}.*.pyc"]
        for pattern in patterns:
            found += [Path(p) for p in sorted(glob.glob(str(base / pattern)))]
    return list(dict.fromkeys(found))


def _mounted_path_entries(roots: tuple[str, ...]) -> list[str]:
    entries = [os.path.realpath(p) for p in sys.path if p and os.path.isdir(p)]
    return list(dict.fromkeys(e for e in entries if any(_inside(e, r) for r in (*roots, "/usr"))))


def _hide_course(stage: Path, roots: tuple[str, ...]) -> list[tuple[str, str]]:
    """Overlays for the real ``course`` package and the editable-install hooks pointing at it."""
    package = course_package()
    mounted = (*roots, "/usr")
    if any(_inside(str(package.parent), r) for r in mounted) and str(package.parent) not in site_dirs():
        raise RuntimeError(f"the course folder {package.parent} lies inside the Python installation "
                           "the sandbox mounts; install the course outside it")
    overlays = []
    if any(_inside(str(package), r) for r in mounted):
        overlays.append((str(stage / "empty.d"), str(package)))
    for hook in editable_hooks(package.parent, roots):
        overlays.append((str(stage / "empty"), hook))
    return overlays


def site_dirs() -> set[str]:
    dirs = set(site.getsitepackages()) | {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    return {os.path.realpath(d) for d in dirs}


def editable_hooks(course_parent: Path, roots: tuple[str, ...]) -> list[str]:
    """``.pth`` files and ``__editable__`` finders in the mounted site folders that name the
    course's folder (an editable install would map ``course`` back to the real package)."""
    hooks = []
    for folder in sorted(d for d in site_dirs() if any(_inside(d, r) for r in roots) and os.path.isdir(d)):
        for path in sorted(Path(folder).iterdir()):
            if path.suffix == ".pth" or path.name.startswith("__editable__"):
                if path.is_file() and _mentions(path, str(course_parent)):
                    hooks.append(str(path))
    return hooks


def _mentions(path: Path, text: str) -> bool:
    try:
        content = path.read_text(errors="replace")
    except OSError:
        return False
    if text in content:
        return True
    # a setuptools finder's .pth only imports the finder module, which holds the path
    finder = re.search(r"import (__editable__\w+)", content)
    return bool(finder) and _mentions(path.with_name(finder.group(1) + ".py"), text)


def _world_readable(path: Path) -> None:
    """Contents readable by ``nobody`` (the kernel); the staging folder itself stays private."""
    for dirpath, dirnames, filenames in os.walk(path):
        for name in dirnames:
            os.chmod(os.path.join(dirpath, name), 0o755)
        for name in filenames:
            os.chmod(os.path.join(dirpath, name), 0o644)
