"""The kernel's command line: bubblewrap's namespaces and mounts, then the limits, then ipykernel.

Everything here is a pure function of a :class:`Layout` (what is mounted where) and the
:class:`Limits`, so the tests can read the command line without starting anything. The package
docstring (``course/grading/sandbox/__init__.py``) says why each flag is there.
"""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

SANDBOX_UID = 65534
"""The kernel's user and group inside the sandbox (``nobody``); when the grader is root this is
also the kernel's user on the host, so that the kernel owns nothing there."""

COURSE_LIB = "/opt/course/lib"
"""Where the staged ``course`` files appear inside the sandbox (first on ``sys.path``)."""

SYSTEM_LINKS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
ETC_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
             "/etc/nsswitch.conf", "/etc/alternatives", "/etc/fonts", "/etc/matplotlibrc")

# Runs first in the kernel's Python: close every inherited descriptor above stderr (bubblewrap
# leaves the user-namespace descriptor of ``--userns`` open), then start ipykernel as ``-m`` would.
BOOTSTRAP = ("import os, runpy; os.closerange(3, 1 << 20); "
             "runpy.run_module('ipykernel_launcher', run_name='__main__', alter_sys=True)")


@dataclass(frozen=True)
class Limits:
    """Per-kernel resource limits: the values of ``SandboxKernelManager``'s traits, which say what
    each one means and hold the only defaults."""

    memory_mb: int
    processes: int
    tmp_size_mb: int
    file_size_mb: int
    open_files: int


@dataclass(frozen=True)
class Layout:
    """What the kernel's filesystem is made of (host paths; each appears at the same path inside).

    ``overlays`` are read-only ``(source, destination)`` binds laid over parts of the Python
    installation (hidden modules, the editable-install hook of ``course``); ``etc`` are
    ``(source, /etc/name)`` binds of staged files (``passwd``, ``group``); each folder of
    ``site_dirs`` is covered by an empty read-only folder into which only ``site_entries`` (the
    allowed distributions' files, ``site_view.py``) are bound. With ``site_dirs`` empty the
    whole installation is visible (``mode="none"`` tests and tools only)."""

    scratch: str
    python_roots: tuple[str, ...]
    course_lib: str
    etc: tuple[tuple[str, str], ...] = ()
    overlays: tuple[tuple[str, str], ...] = ()
    site_dirs: tuple[str, ...] = ()
    site_entries: tuple[str, ...] = ()
    userns_fd: int | None = None
    python: str = field(default_factory=lambda: sys.executable)


def tool(name: str) -> str:
    """Absolute path of a system tool the sandbox runs (it must live under ``/usr``, which is
    mounted; ``/bin`` and ``/sbin`` are links into it on merged-/usr systems)."""
    path = shutil.which(name, path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
    if path is None:
        raise FileNotFoundError(f"{name} is not installed")
    return path


def python_roots() -> tuple[str, ...]:
    """Folders the kernel's Python needs (the virtual environment and the base installation),
    outside ``/usr`` (mounted whole), without duplicates or folders nested in another."""
    found = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             str(Path(os.path.realpath(sys.executable)).parent.parent)}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        found.add(sysconfig.get_paths().get(key) or sys.prefix)
    found |= {os.path.realpath(p) for p in found}
    roots = sorted(p for p in found if os.path.isdir(p) and not _inside(p, "/usr"))
    if "/" in roots:
        raise ValueError("the Python installation is '/': the sandbox would have to mount the whole host")
    return tuple(p for p in roots if not any(q != p and _inside(p, q) for q in roots))


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def kernel_argv(layout: Layout, limits: Limits, boot_lines: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The whole command: ``bwrap [namespaces] [mounts] [environment] -- [setpriv] prlimit python``.
    ``{connection_file}`` is filled in by jupyter_client."""
    return ([tool("bwrap")] + namespace_args(layout.userns_fd) + mount_args(layout, limits)
            + env_args(layout) + ["--"] + inner_argv(layout, limits, boot_lines))


def namespace_args(userns_fd: int | None) -> list[str]:
    """Namespaces and identity. With ``userns_fd`` (the grader is root) bubblewrap joins that user
    namespace (``userns.new_user_namespace``), keeps only the capabilities ``setpriv`` needs to
    become ``nobody``; otherwise it makes its own user namespace and forbids nested ones."""
    if userns_fd is not None:
        identity = ["--userns", str(userns_fd), "--cap-drop", "ALL",
                    "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP"]
    else:
        identity = ["--unshare-user", "--disable-userns", "--uid", str(SANDBOX_UID),
                    "--gid", str(SANDBOX_UID), "--cap-drop", "ALL"]
    return identity + ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
                       "--unshare-cgroup-try", "--hostname", "sandbox",
                       "--die-with-parent", "--new-session", "--clearenv"]


def mount_args(layout: Layout, limits: Limits) -> list[str]:
    """Mounts, in the order bubblewrap applies them (a later mount hides an earlier one at or
    under the same path, so the size-capped ``/tmp`` comes first and the binds after it)."""
    return (_tmp_args(limits) + ["--proc", "/proc", "--dev", "/dev"] + _system_args()
            + _etc_args(layout) + _parent_dirs([*layout.python_roots, COURSE_LIB, layout.scratch])
            + _python_args(layout) + _overlay_args(layout) + _site_args(layout) + _scratch_args(layout))


def _tmp_args(limits: Limits) -> list[str]:
    return ["--perms", "1777", "--size", str(limits.tmp_size_mb << 20), "--tmpfs", "/tmp"]


def _system_args() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in SYSTEM_LINKS:
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    return args


def _etc_args(layout: Layout) -> list[str]:
    args = ["--perms", "0755", "--dir", "/etc"]
    for path in ETC_FILES:
        args += ["--ro-bind-try", path, path]
    for source, dest in layout.etc:
        args += ["--ro-bind", source, dest]
    return args


def _python_args(layout: Layout) -> list[str]:
    args: list[str] = []
    for root in layout.python_roots:
        args += ["--ro-bind", root, root]
    return args + ["--ro-bind", layout.course_lib, COURSE_LIB]


def _overlay_args(layout: Layout) -> list[str]:
    args: list[str] = []
    for source, dest in layout.overlays:
        args += ["--ro-bind", source, dest]
    return args


def _site_args(layout: Layout) -> list[str]:
    """An empty folder over each site-packages folder, the allowed entries bound into it, then
    the folder made read-only."""
    args: list[str] = []
    for folder in layout.site_dirs:
        args += ["--perms", "0755", "--size", str(1 << 20), "--tmpfs", folder]
        for entry in layout.site_entries:
            if os.path.dirname(entry) == folder:
                args += ["--ro-bind", entry, entry]
        args += ["--remount-ro", folder]
    return args


def _scratch_args(layout: Layout) -> list[str]:
    return ["--bind", layout.scratch, layout.scratch, "--chdir", layout.scratch]


def _parent_dirs(paths: list[str]) -> list[str]:
    """``--dir`` for every missing ancestor, world-searchable (bubblewrap would make them 0700,
    and the kernel runs as ``nobody``)."""
    args: list[str] = []
    seen = {"/", "/tmp", "/etc"}
    for path in paths:
        for parent in reversed(Path(path).parents):
            if str(parent) not in seen:
                seen.add(str(parent))
                args += ["--perms", "0755", "--dir", str(parent)]
    return args


def env_args(layout: Layout) -> list[str]:
    """The kernel's whole environment (``--clearenv`` removed the grader's, secrets included)."""
    env = {
        "HOME": "/tmp", "TMPDIR": "/tmp", "USER": "nobody", "LOGNAME": "nobody", "LANG": "C.UTF-8",
        "PATH": f"{Path(layout.python).parent}:/usr/local/bin:/usr/bin:/bin",
        "PYTHONPATH": COURSE_LIB, "PYTHONNOUSERSITE": "1", "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp/.matplotlib",
        "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "JUPYTER_PLATFORM_DIRS": "1", "NBGRADER_EXECUTION": "autograde",
    }
    args: list[str] = []
    for key, value in env.items():
        args += ["--setenv", key, value]
    return args


def inner_argv(layout: Layout, limits: Limits, boot_lines: list[str] | tuple[str, ...] = ()) -> list[str]:
    """Inside the sandbox: become ``nobody`` (root grader only), set the limits, start ipykernel."""
    drop = []
    if layout.userns_fd is not None:
        drop = [tool("setpriv"), f"--reuid={SANDBOX_UID}", f"--regid={SANDBOX_UID}", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
    return drop + prlimit_args(limits) + python_args(layout.python, boot_lines)


def prlimit_args(limits: Limits) -> list[str]:
    return [tool("prlimit"), f"--as={limits.memory_mb << 20}", f"--fsize={limits.file_size_mb << 20}",
            f"--nofile={limits.open_files}", f"--nproc={limits.processes}", "--core=0", "--"]


def python_args(python: str, boot_lines: list[str] | tuple[str, ...] = ()) -> list[str]:
    exec_lines = [f"--IPKernelApp.exec_lines={line}" for line in boot_lines]
    return [python, "-s", "-c", BOOTSTRAP, "-f", "{connection_file}", *exec_lines]


def plain_argv(limits: Limits, boot_lines: list[str] | tuple[str, ...] = ()) -> list[str]:
    """``mode="none"``: no sandbox at all, only the limits (an explicit opt-out for trusted work)."""
    return prlimit_args(limits) + python_args(sys.executable, boot_lines)
