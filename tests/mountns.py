"""A private mount namespace for tests that need the machine to look different without touching
the host: a holder process (``sleep``) started by ``unshare --mount --propagation private``
bind-mounts the given folders or files over their places, and every command enters that
namespace with ``nsenter --mount``, as root or as an account (``setpriv`` with its uid, gid and
groups). Used by tests/realusers.py (copies of ``/etc/passwd`` and ``/etc/group``) and
tests/class_server.py (the whole of ``/etc``, ``/home``, ``/opt``, ``/srv``).
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Sequence
from pathlib import Path


class MountNamespace:
    """``binds``: (what, where) pairs, mounted in order; :meth:`command` runs inside."""

    def __init__(self, binds: Sequence[tuple[str | os.PathLike[str], str]]) -> None:
        self.binds = [(str(src), dst) for src, dst in binds]
        self.holder: subprocess.Popen | None = None

    def start(self) -> None:
        mounts = " && ".join(f"mount --bind {shlex.quote(src)} {shlex.quote(dst)}" for src, dst in self.binds)
        self.holder = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
                                        f"{mounts} && echo ready && exec sleep 100000"],
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.holder.stdout.readline().strip() if self.holder.stdout else ""
        if line != "ready":
            err = self.holder.stderr.read() if self.holder.stderr else ""
            self.stop()
            raise RuntimeError(f"could not make the mount namespace: {err.strip() or 'no ready line'}")

    def stop(self) -> None:
        if self.holder is not None and self.holder.poll() is None:
            self.holder.kill()
            self.holder.wait(timeout=10)

    def command(self, argv: Sequence[object], ids: tuple[int, int] | None = None,
                cwd: str | os.PathLike[str] = "/") -> list[str]:
        """``argv`` run inside the namespace in ``cwd``, as the uid and gid ``ids`` (root when None).

        The folder is entered as root once inside (``nsenter --wd`` would open it before entering,
        where a bind-mounted ``/home`` is not there yet), then ``setpriv`` drops to the account.
        """
        if self.holder is None or self.holder.poll() is not None:
            raise RuntimeError("the mount namespace is not running")
        prefix = ["nsenter", f"--target={self.holder.pid}", "--mount", "--", "env", f"--chdir={Path(cwd)}", "--"]
        if ids is not None:
            uid, gid = ids
            prefix += ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--init-groups", "--"]
        return prefix + [str(a) for a in argv]
