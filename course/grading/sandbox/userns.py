"""A user namespace for one kernel when the grader runs as root.

Why: bubblewrap started by root maps the sandbox's user to root on the host (uid 0). Such a
process is exempt from ``RLIMIT_NPROC`` (measured: 300 forks under ``--nproc=64``) and owns every
root-owned file it can see (it could ``chmod`` the host's ``/dev/null`` through bubblewrap's
``/dev``). So the kernel must be a different host user, yet the mounts must still be set up with
root's right to read the Python installation (``/root/.pyenv`` is not readable by ``nobody``, and
bubblewrap resolves bind sources with the rights of its caller).

How: a short helper process makes a user namespace mapping ``0 -> 0`` and ``65534 -> 65534``
and sets ``user.max_user_namespaces = 0`` inside it (the kernel can create no nested user
namespace: bubblewrap's ``--disable-userns`` cannot be combined with ``--userns``); the grader
keeps a descriptor to it and bubblewrap joins it with ``--userns FD``. Bubblewrap sets up the
mounts as root of that namespace, then ``setpriv`` turns the kernel into ``nobody`` (host uid
65534, no capabilities, no new privileges). ``RLIMIT_NPROC`` then counts the processes of
``nobody`` in this namespace only, so each kernel has its own allowance.
"""

from __future__ import annotations

import os
import subprocess
import sys

from course.grading.sandbox.command import SANDBOX_UID

CLONE_NEWUSER = 0x10000000
_HELPER = f"""
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.unshare({CLONE_NEWUSER}) != 0:
    sys.exit("unshare(CLONE_NEWUSER) failed: errno %d" % ctypes.get_errno())
print("ready", flush=True)
sys.stdin.readline()
with open("/proc/sys/user/max_user_namespaces", "w") as sysctl:
    sysctl.write("0")
print("done", flush=True)
sys.stdin.readline()
"""


def new_user_namespace(timeout: float = 10.0) -> int:
    """A descriptor of a fresh user namespace set up as described above (close it once
    bubblewrap has started). Needs root."""
    helper = subprocess.Popen([sys.executable, "-I", "-S", "-c", _HELPER], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={})
    try:
        if helper.stdout.readline().strip() == "ready":
            _write_maps(helper.pid)
            helper.stdin.write("\n")
            helper.stdin.flush()
            if helper.stdout.readline().strip() == "done":
                return os.open(f"/proc/{helper.pid}/ns/user", os.O_RDONLY | os.O_CLOEXEC)
    finally:
        helper.kill()
        _, err = helper.communicate(timeout=timeout)
    raise OSError(f"could not create a user namespace for the kernel: {err.strip() or 'the helper stopped'}")


def _write_maps(pid: int) -> None:
    mapping = f"0 0 1\n{SANDBOX_UID} {SANDBOX_UID} 1\n"
    for name in ("uid_map", "gid_map"):
        with open(f"/proc/{pid}/{name}", "w") as f:
            f.write(mapping)
