"""Can kernels be sandboxed on this machine? One tiny bubblewrap run answers, once per process."""

from __future__ import annotations

import os
import subprocess

from course.grading.sandbox.command import _system_args, namespace_args, tool

INSTALL = "install it with `apt-get install bubblewrap` (Debian/Ubuntu) or your system's package manager"
USERNS_HINT = ("user namespaces seem disabled: enable them with `sysctl -w kernel.unprivileged_userns_clone=1` "
               "(Debian/Ubuntu kernels), `sysctl -w user.max_user_namespaces=15000`, and on Ubuntu 24.04+ "
               "`sysctl -w kernel.apparmor_restrict_unprivileged_userns=0` (or an AppArmor profile for bwrap); "
               "inside a container, allow them in its seccomp/AppArmor profile")
NEEDED_OPTIONS = ("--disable-userns", "--userns", "--size", "--perms", "--die-with-parent", "--clearenv", "--remount-ro")

_cache: dict[str, str | None] = {}


def sandbox_problem(refresh: bool = False) -> str | None:
    """None when kernels can be sandboxed here; otherwise what is missing and how to fix it,
    in plain words. The answer is cached (``refresh=True`` asks again)."""
    if refresh or "answer" not in _cache:
        _cache["answer"] = _find_problem()
    return _cache["answer"]


def _find_problem() -> str | None:
    names = ("bwrap", "prlimit", "setpriv") if os.geteuid() == 0 else ("bwrap", "prlimit")
    for name in names:
        try:
            tool(name)
        except FileNotFoundError:
            what = "bubblewrap (bwrap)" if name == "bwrap" else f"{name} (util-linux)"
            hint = INSTALL if name == "bwrap" else "install util-linux"
            return f"The grading sandbox needs {what}, which is not installed: {hint}."
    return _old_bwrap() or _trial_run()


def _old_bwrap() -> str | None:
    try:
        text = subprocess.run([tool("bwrap"), "--help"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        return f"bubblewrap (bwrap) does not run here ({exc}); reinstall it: {INSTALL}."
    missing = [opt for opt in NEEDED_OPTIONS if opt not in text]
    if missing:
        return (f"bubblewrap (bwrap) is too old: it lacks {', '.join(missing)} (version 0.8.0 or later "
                f"is needed); {INSTALL}.")
    return None


def _trial_run() -> str | None:
    """Start ``true`` in the same namespaces as a kernel (user, pid, network, ...)."""
    fd = None
    try:
        if os.geteuid() == 0:
            from course.grading.sandbox.userns import new_user_namespace

            fd = new_user_namespace()
        argv = ([tool("bwrap")] + namespace_args(fd) + _system_args()
                + ["--proc", "/proc", "--dev", "/dev", "--size", str(1 << 20), "--tmpfs", "/tmp",
                   "--", tool("prlimit"), "--nproc=8", "--", tool("true")])
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30,
                              pass_fds=() if fd is None else (fd,))
    except (OSError, subprocess.SubprocessError) as exc:
        return f"The grading sandbox cannot start: {exc}. {USERNS_HINT}."
    finally:
        if fd is not None:
            os.close(fd)
    if done.returncode != 0:
        return f"The grading sandbox cannot start (bwrap: {done.stderr.strip() or done.returncode}). {USERNS_HINT}."
    return None
