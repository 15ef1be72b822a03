"""``SandboxKernelManager``: jupyter_client's ``AsyncKernelManager`` whose kernel runs in the sandbox.

nbclient / nbgrader use it as ``kernel_manager_class``; the command line is built for each start,
for the folder the kernel is started in (nbclient's ``cwd``: the scratch folder).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from typing import Any

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from traitlets import Enum, Integer, List, Unicode, observe

from course.grading.sandbox.command import (SANDBOX_UID, Layout, Limits, _inside, kernel_argv, plain_argv,
                                            python_roots)
from course.grading.sandbox.probe import sandbox_problem
from course.grading.sandbox.site_view import entries, foreign_site_dirs, site_dirs
from course.grading.sandbox.stage import Stage, build_stage, course_package
from course.grading.sandbox.userns import new_user_namespace

IPC_NAME = ".kernel"
"""The kernel's Unix sockets are ``<scratch>/.kernel-<n>``, its connection file ``<scratch>/.kernel.json``."""
MAX_SOCKET_PATH = 107  # sockaddr_un.sun_path holds 108 bytes with the final NUL


class SandboxKernelManager(AsyncKernelManager):
    """Starts ipykernel inside the sandbox described in ``course/grading/sandbox/__init__.py``."""

    memory_mb = Integer(2048, help="Address space of each kernel process in MiB (RLIMIT_AS)").tag(config=True)
    processes = Integer(64, help="Processes and threads the kernel may have at once (RLIMIT_NPROC, "
                                 "counted inside the kernel's own user namespace)").tag(config=True)
    tmp_size_mb = Integer(256, help="Size of the kernel's memory-backed /tmp in MiB").tag(config=True)
    file_size_mb = Integer(64, help="Largest file the kernel may write, in MiB (RLIMIT_FSIZE)").tag(config=True)
    open_files = Integer(256, help="Open file descriptors per kernel process (RLIMIT_NOFILE)").tag(config=True)
    course_modules = List(Unicode(), default_value=["course/__init__.py", "course/_lazy.py"],
                          help="The only files of the course package visible in the kernel, relative to "
                               "the package's parent folder (e.g. 'course/grading/guard.py'); they are "
                               "copied read-only and come first on sys.path").tag(config=True)
    hidden_modules = List(Unicode(), default_value=[],
                          help="Dotted module names (e.g. '_ctypes') that cannot be imported in the "
                               "kernel: their files are covered").tag(config=True)
    distributions = List(Unicode(), default_value=["ipykernel", "numpy"],
                         help="The installed distributions the kernel sees, with everything they "
                              "require (importlib.metadata); nothing else of site-packages is "
                              "mounted (course/grading/sandbox/site_view.py)").tag(config=True)
    boot_lines = List(Unicode(), default_value=[],
                      help="Python lines the kernel runs before any other code "
                           "(IPKernelApp.exec_lines)").tag(config=True)
    max_message_bytes = Integer(0, help="Largest message the client accepts from the kernel (ZMQ_MAXMSGSIZE: a "
                                        "larger one disconnects the kernel's socket instead of reaching "
                                        "memory); 0: no limit. GuardedExecute sets it to its max_record_bytes"
                                ).tag(config=True)
    max_queued_messages = Integer(16, min=1, help="Messages each of the client's sockets holds from the kernel "
                                                  "before the kernel's side holds or drops the rest (ZMQ_RCVHWM; "
                                                  "zmq's default is 1000). With max_message_bytes, what bounds the "
                                                  "grader's memory while a notebook sends faster than the grader "
                                                  "reads (a flood, a loaded machine)").tag(config=True)
    mode = Enum(["bwrap", "none"], default_value="bwrap",
                help="'bwrap': the sandbox; 'none': no sandbox at all, limits only (an explicit "
                     "opt-out for trusted work)").tag(config=True)
    sandbox_memory_mb = Integer(None, allow_none=True,
                                help="Deprecated spelling of memory_mb").tag(config=True)

    _stage: Stage | None = None
    _own_scratch: str | None = None
    _userns_fd: int | None = None

    @observe("sandbox_memory_mb")
    def _deprecated_memory(self, change: dict) -> None:
        if change["new"] is not None:
            self.memory_mb = change["new"]

    @property
    def limits(self) -> Limits:
        return Limits(memory_mb=self.memory_mb, processes=self.processes, tmp_size_mb=self.tmp_size_mb,
                      file_size_mb=self.file_size_mb, open_files=self.open_files)

    @property
    def kernel_spec(self) -> KernelSpec:  # type: ignore[override]
        """The spec of the last start (before any start: one that refuses to run)."""
        if self._kernel_spec is None:
            self._kernel_spec = _spec(["/bin/false"])
        return self._kernel_spec

    @property
    def ipykernel(self) -> bool:  # type: ignore[override]
        return True

    def client(self, **kwargs: Any) -> Any:  # type: ignore[override]
        """A client whose sockets refuse messages over ``max_message_bytes`` and queue at most
        ``max_queued_messages``: a backlog stays on the kernel's side (its own memory, capped by
        the sandbox), where zmq drops what its queue cannot hold."""
        import zmq

        kc = super().client(**kwargs)
        kc.context.setsockopt(zmq.RCVHWM, int(self.max_queued_messages))
        if self.max_message_bytes > 0:
            kc.context.setsockopt(zmq.MAXMSGSIZE, int(self.max_message_bytes))
        return kc

    # --- start -------------------------------------------------------------------------------
    async def _async_pre_start_kernel(self, **kw: Any) -> Any:
        self._release(keep_scratch=True)
        if self.mode == "none":
            self._kernel_spec = _spec(plain_argv(self.limits, self.boot_lines))
            return await super()._async_pre_start_kernel(**kw)
        problem = sandbox_problem()
        if problem:
            raise RuntimeError(problem)
        try:
            kw = self._prepare(kw)
            cmd, kw = await super()._async_pre_start_kernel(**kw)
            _hand_over(kw["cwd"], self.connection_file)
            return cmd, kw
        except BaseException:
            self._release()
            raise

    def _prepare(self, kw: dict[str, Any]) -> dict[str, Any]:
        """Scratch folder, ipc transport, staging folder, user namespace and the command line."""
        scratch = self._scratch(kw.get("cwd"))
        self.transport = "ipc"
        self.cache_ports = False
        self.ip = os.path.join(scratch, IPC_NAME)
        self.connection_file = os.path.join(scratch, IPC_NAME + ".json")
        roots = python_roots()
        self._stage = build_stage(list(self.course_modules), list(self.hidden_modules), roots)
        self._userns_fd = new_user_namespace() if os.geteuid() == 0 else None
        layout = Layout(scratch=scratch, python_roots=roots, course_lib=self._stage.course_lib,
                        etc=self._stage.etc, overlays=self._stage.overlays,
                        site_dirs=site_dirs() + foreign_site_dirs(),
                        site_entries=entries(tuple(self.distributions)), userns_fd=self._userns_fd)
        self._kernel_spec = _spec(kernel_argv(layout, self.limits, self.boot_lines))
        fds = () if self._userns_fd is None else (self._userns_fd,)
        # bubblewrap itself gets a bare environment (it clears the kernel's anyway)
        return {**kw, "cwd": scratch, "env": {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}, "pass_fds": fds}

    def _scratch(self, cwd: str | None) -> str:
        """The kernel's writable folder: nbclient's ``cwd``, else a fresh one of our own."""
        if not cwd:
            cwd = self._own_scratch = tempfile.mkdtemp(prefix="course-kernel-")
        scratch = os.path.realpath(cwd)
        if not os.path.isdir(scratch):
            raise NotADirectoryError(f"the kernel's folder {scratch} does not exist")
        _check_scratch(scratch)
        return scratch

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        try:
            await super()._async_launch_kernel(kernel_cmd, **kw)
        finally:
            self._close_userns()

    # --- stop --------------------------------------------------------------------------------
    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        self._release(keep_scratch=restart)

    cleanup_resources = _async_cleanup_resources  # type: ignore[assignment]

    def _release(self, keep_scratch: bool = False) -> None:
        self._close_userns()
        if self._stage is not None:
            self._stage.remove()
            self._stage = None
        if self._own_scratch and not keep_scratch:
            shutil.rmtree(self._own_scratch, ignore_errors=True)
            self._own_scratch = None

    def _close_userns(self) -> None:
        if self._userns_fd is not None:
            os.close(self._userns_fd)
            self._userns_fd = None

    def __del__(self) -> None:
        self._release()
        super().__del__()


def _spec(argv: list[str]) -> KernelSpec:
    # "message": bubblewrap does not pass SIGINT on, ipykernel interrupts itself on request
    return KernelSpec(argv=argv, display_name="Python 3 (course sandbox)", language="python",
                      interrupt_mode="message", env={}, resource_dir="")


def _check_scratch(scratch: str) -> None:
    """The scratch folder is mounted writable: it must not hold (or be) what the sandbox hides or
    mounts read-only, and its sockets' paths must fit in a Unix socket address."""
    package = str(course_package())
    for path in (*python_roots(), package, os.path.dirname(package), "/usr", "/etc"):
        if _inside(path, scratch):
            raise ValueError(f"the kernel's folder {scratch} contains {path}; give the kernel a fresh empty folder")
    for path in (*python_roots(), package, "/usr", "/etc", "/proc", "/dev"):
        if _inside(scratch, path):
            raise ValueError(f"the kernel's folder {scratch} lies inside {path}; give the kernel a fresh empty folder")
    if len(os.path.join(scratch, IPC_NAME)) + len("-65535") > MAX_SOCKET_PATH:
        raise ValueError(f"the kernel's folder {scratch} is too long for a Unix socket path "
                         f"(at most {MAX_SOCKET_PATH - len(IPC_NAME) - 7} characters); use a shorter one")


def _hand_over(scratch: str, connection_file: str) -> None:
    """When the grader is root the kernel runs as ``nobody``: give it its folder (group root keeps
    access for bubblewrap's final ``chdir``, done as root without capabilities) and its
    connection file."""
    if os.geteuid() == 0:
        os.chown(scratch, SANDBOX_UID, 0)
        os.chmod(scratch, 0o770)
        os.chown(connection_file, SANDBOX_UID, SANDBOX_UID)
