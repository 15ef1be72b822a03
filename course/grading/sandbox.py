"""Sandboxed kernels for autograding: ipykernel under bubblewrap with resource limits.

The kernel spec is built in code (nothing to install): its ``argv`` is ::

    prlimit --as=BYTES --fsize=BYTES --nofile=256 --core=0 --
      bwrap --ro-bind /usr /usr ... --bind WORKDIR WORKDIR --chdir WORKDIR ...
        PYTHON -m ipykernel_launcher -f {connection_file}

so the limits are in place before ipykernel starts, and the kernel sees only: the system and the
Python installation (read-only), the ``course`` package (read-only), its own connection file
(read-only), a throw-away ``HOME`` and ``/tmp``, and the working folder holding that one student's
notebook. ``solutions/``, the gradebook and other students' submissions do not exist inside. The
network namespace is shared (the kernel talks to the grader over localhost TCP); the PID, IPC
and UTS namespaces are not. The environment is cleared (no grader secrets leak in).
"""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from traitlets import Int, Unicode

KERNEL_NAME = "course-sandbox"


@dataclass(frozen=True)
class Limits:
    """Per-kernel resource limits."""

    memory_mb: int = 2048
    file_size_mb: int = 64
    open_files: int = 512
    processes: int = 64


def _python_roots() -> list[str]:
    """Folders the kernel's Python needs: the venv and the base installation."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        try:
            roots.add(sysconfig.get_paths()[key])
        except KeyError:
            pass
    real = {os.path.realpath(sys.executable)}
    roots |= {str(Path(p).parent.parent) for p in real}
    return sorted({os.path.realpath(r) for r in roots} | roots)


def _course_root() -> str:
    import course

    return str(Path(course.__file__).resolve().parent)


def bwrap_available() -> bool:
    return shutil.which("bwrap") is not None and shutil.which("prlimit") is not None


def sandbox_argv(workdir: str, limits: Limits, python: str | None = None) -> list[str]:
    """The kernel command line: limits, then bubblewrap, then ipykernel (``{connection_file}``
    is substituted by jupyter_client)."""
    python = python or sys.executable
    workdir = os.path.realpath(workdir)
    argv = [
        shutil.which("prlimit") or "prlimit",
        f"--as={limits.memory_mb * 1024 * 1024}",
        f"--fsize={limits.file_size_mb * 1024 * 1024}",
        f"--nofile={limits.open_files}",
        "--core=0",
        "--",
        shutil.which("bwrap") or "bwrap",
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent",
        "--new-session",
        "--clearenv",
        # The throw-away /tmp comes first: bubblewrap mounts in order, so the read-only binds
        # below stay visible even when the venv or the course lives under /tmp (a CI clone).
        "--proc", "/proc",
        "--dev", "/dev",
        "--tmpfs", "/tmp",
        "--dir", "/tmp/home",
        "--ro-bind", "/usr", "/usr",
    ]
    for link in ("bin", "lib", "lib64", "sbin", "lib32", "libx32"):
        path = Path("/") / link
        if path.is_symlink():
            argv += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            argv += ["--ro-bind", str(path), str(path)]
    for etc in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
                "/etc/nsswitch.conf", "/etc/hosts", "/etc/fonts", "/etc/matplotlibrc", "/etc/alternatives"):
        argv += ["--ro-bind-try", etc, etc]
    for root in _python_roots():
        if not root.startswith("/usr"):
            argv += ["--ro-bind-try", root, root]
    course_root = _course_root()
    argv += [
        "--ro-bind", course_root, course_root,
        "--ro-bind", "{connection_file}", "{connection_file}",
        "--bind", workdir, workdir,
        "--chdir", workdir,
        "--setenv", "HOME", "/tmp/home",
        "--setenv", "PATH", f"{Path(python).parent}:/usr/local/bin:/usr/bin:/bin",
        "--setenv", "LANG", "C.UTF-8",
        "--setenv", "MPLBACKEND", "Agg",
        "--setenv", "MPLCONFIGDIR", "/tmp/home/.mpl",
        "--setenv", "OMP_NUM_THREADS", "1",
        "--setenv", "OPENBLAS_NUM_THREADS", "1",
        "--setenv", "MKL_NUM_THREADS", "1",
        "--setenv", "PYTHONDONTWRITEBYTECODE", "1",
        "--setenv", "PYTHONHASHSEED", "0",
        "--setenv", "NBGRADER_EXECUTION", "autograde",
        "--setenv", "JUPYTER_PLATFORM_DIRS", "1",
        "--",
        python, "-m", "ipykernel_launcher", "-f", "{connection_file}",
    ]
    return argv


def plain_argv(limits: Limits, python: str | None = None) -> list[str]:
    """Fallback without bubblewrap (limits only); used only when bwrap is missing."""
    python = python or sys.executable
    prlimit = shutil.which("prlimit")
    head = [prlimit, f"--as={limits.memory_mb * 1024 * 1024}", "--core=0", "--"] if prlimit else []
    return head + [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"]


class SandboxKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` whose kernel spec is the sandbox above, built for the folder the
    kernel starts in (the student's notebook folder)."""

    sandbox_memory_mb = Int(2048).tag(config=True)
    sandbox_mode = Unicode("bwrap", help="'bwrap' (default) or 'none' (limits only)").tag(config=True)

    _sandbox_cwd: str | None = None

    async def _async_pre_start_kernel(self, **kw: Any) -> Any:
        self._sandbox_cwd = kw.get("cwd") or os.getcwd()
        self._kernel_spec = self._build_spec(self._sandbox_cwd)
        return await super()._async_pre_start_kernel(**kw)

    def _build_spec(self, cwd: str) -> KernelSpec:
        limits = Limits(memory_mb=int(self.sandbox_memory_mb))
        if self.sandbox_mode == "bwrap" and bwrap_available():
            argv = sandbox_argv(cwd, limits)
        else:
            argv = plain_argv(limits)
        return KernelSpec(
            argv=argv,
            display_name="Python 3 (course sandbox)",
            language="python",
            interrupt_mode="signal",
            env={},
            resource_dir="",
        )

    @property
    def kernel_spec(self) -> KernelSpec | None:  # type: ignore[override]
        if self._kernel_spec is None:
            self._kernel_spec = self._build_spec(self._sandbox_cwd or os.getcwd())
        return self._kernel_spec

    @property
    def ipykernel(self) -> bool:  # type: ignore[override]
        return True
