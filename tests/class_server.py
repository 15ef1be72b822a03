"""A class server on this machine, for tests/test_class_week.py: a private mount namespace in which
``/etc``, ``/home``, ``/opt`` and ``/srv`` are the test's own folders, so deploy/README.md's
commands run as written (``adduser``, ``chpasswd``, ``install -d /srv/nbgrader/exchange``,
``/opt/course``, ``/etc/jupyter``, ``/etc/jupyterhub``) and never touch the host.

- ``/etc`` is a copy of the host's (3 MB): accounts made with ``adduser`` get real uids, PAM
  checks their passwords against the copy's ``/etc/shadow``; ``/home``, ``/opt``, ``/srv`` start
  empty. tests/mountns.py keeps the namespace; every command enters it, as root or as an
  account.
- The only difference from a server is the course venv (see :meth:`ServerMachine.course_venv`).

tests/realusers.py does the same for two files (``/etc/passwd``, ``/etc/group``); this test needs
the whole of ``/etc`` because it adds accounts while the hub runs and logs them in through PAM.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

from mountns import MountNamespace

MOUNTS = ("etc", "home", "opt", "srv")
SYSTEM_PYTHON = "/usr/bin/python3"


def unavailable() -> str | None:
    """Why a class server cannot be made here, or None."""
    if os.geteuid() != 0:
        return "the class-week test needs root (mount namespace, accounts, cgroups)"
    missing = [t for t in ("unshare", "nsenter", "setpriv", "adduser", "chpasswd", "openssl")
               if shutil.which(t) is None]
    if missing:
        return f"the class-week test needs {', '.join(missing)}"
    if not Path("/sys/fs/cgroup/memory/cgroup.procs").exists():
        return "the class-week test needs cgroup v1's memory controller at /sys/fs/cgroup/memory"
    return None


class ServerMachine:
    """The namespace; :meth:`run` a command in it, :meth:`host` maps a path in it to ours."""

    def __init__(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="class-server-", dir="/tmp"))
        self.base.chmod(0o755)
        self.namespace = MountNamespace([(self.base / m, f"/{m}") for m in MOUNTS])

    def __enter__(self) -> "ServerMachine":
        try:
            subprocess.run(["cp", "-a", "/etc", str(self.base / "etc")], check=True)
            for name in MOUNTS[1:]:
                (self.base / name).mkdir(mode=0o755)
            self.namespace.start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.namespace.stop()
        shutil.rmtree(self.base, ignore_errors=True)

    def host(self, path: str | os.PathLike[str]) -> Path:
        """Where ``path`` (a path inside the namespace) is on this machine."""
        parts = Path(path).parts
        if len(parts) < 2 or parts[0] != "/" or parts[1] not in MOUNTS:
            raise ValueError(f"{path} is not under /{', /'.join(MOUNTS)}")
        return self.base.joinpath(*parts[1:])

    def ids(self, user: str) -> tuple[int, int]:
        """The account's uid and gid, from the namespace's /etc/passwd."""
        for line in (self.base / "etc" / "passwd").read_text().splitlines():
            fields = line.split(":")
            if fields[0] == user:
                return int(fields[2]), int(fields[3])
        raise KeyError(f"no account {user!r} on the class server")

    def command(self, argv: list[str], user: str | None = None, cwd: str = "/") -> list[str]:
        """``argv`` run inside the namespace, as ``user`` (root when None), in ``cwd``."""
        return self.namespace.command(argv, self.ids(user) if user is not None else None, cwd)

    def env(self, user: str | None = None, **extra: str) -> dict[str, str]:
        """A login-like environment for ``user`` (root's when None)."""
        home = "/root" if user is None else f"/home/{user}"
        env = {"HOME": home, "USER": user or "root", "LOGNAME": user or "root",
               "LANG": "C.UTF-8", "PATH": "/opt/course/.venv/bin:/usr/local/bin:/usr/bin:/bin"}
        if user is None:
            env["PATH"] += ":/usr/local/sbin:/usr/sbin:/sbin"
        env.update(extra)
        return env

    def run(self, argv: list[str], user: str | None = None, cwd: str | None = None,
            env: dict[str, str] | None = None, input: str | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess:
        """Run ``argv`` in the namespace (output captured as text)."""
        cwd = cwd or (f"/home/{user}" if user else "/")
        return subprocess.run(self.command(argv, user, cwd), env=env or self.env(user),
                              input=input, capture_output=True, text=True, timeout=timeout)

    def sh(self, script: str, user: str | None = None, timeout: float = 120,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        """A bash script in the namespace; raises with its output when it fails."""
        proc = self.run(["bash", "-euo", "pipefail", "-c", script], user=user, env=env,
                        timeout=timeout)
        if proc.returncode != 0:
            raise AssertionError(f"as {user or 'root'}:\n{script}\nexited {proc.returncode}\n"
                                 f"--- stdout ---\n{proc.stdout[-6000:]}\n"
                                 f"--- stderr ---\n{proc.stderr[-12000:]}")
        return proc

    def popen(self, argv: list[str], log: Path, env: dict[str, str], cwd: str = "/",
              user: str | None = None) -> subprocess.Popen:
        """Start a long-running ``argv`` in the namespace, output to ``log``."""
        with open(log, "w") as fh:
            return subprocess.Popen(self.command(argv, user, cwd), env=env, stdout=fh,
                                    stderr=subprocess.STDOUT, start_new_session=True)

    def course_venv(self, dest: str = "/opt/course/.venv") -> None:
        """The course venv at ``dest``, made the way a test machine can.

        The guide builds it with ``/usr/bin/python3 -m venv`` and ``pip install`` (network, and
        several GB of wheels); here it is ``/usr/bin/python3 -m venv --without-pip`` with this
        checkout's venv ``site-packages`` bind-mounted (read-only) as its own (world-readable;
        same CPython 3.11, the cp311 ABI), and the checkout's console scripts with their ``#!`` line pointing at
        the new interpreter, and its ``etc/`` and ``share/`` (Jupyter's enabled extensions). So
        every account runs Debian's Python, as on a server, with this
        checkout's packages (``course`` among them, editable, from the checkout).
        """
        self.sh(f"{SYSTEM_PYTHON} -m venv --without-pip {dest}")
        purelib = sysconfig.get_paths()["purelib"]
        version = f"python{sys.version_info.major}.{sys.version_info.minor}"
        site = self.host(f"{dest}/lib/{version}/site-packages")
        if not site.is_dir():
            raise RuntimeError(f"{SYSTEM_PYTHON} is not {version}, the version of {purelib}")
        # until mount_site_packages(), the venv reaches the packages through a .pth file
        (site / "zz_checkout_venv.pth").write_text(f"import site; site.addsitedir({purelib!r})\n")
        ours = Path(sys.executable).parent
        bindir = self.host(f"{dest}/bin")
        for script in ours.iterdir():
            if script.name.startswith("python") or not script.is_file():
                continue
            try:
                first, rest = script.read_text().split("\n", 1)
            except (UnicodeDecodeError, ValueError):
                continue
            if first.startswith("#!") and "python" in first:
                target = bindir / script.name
                target.write_text(f"#!{dest}/bin/python\n{rest}")
                target.chmod(0o755)
        # what pip puts under the venv's prefix: Jupyter's config (the server extensions that
        # are enabled: nbgrader's among them) and data (JupyterLab's extensions)
        for name in ("etc", "share"):
            if (ours.parent / name).is_dir():
                (self.host(dest) / name).symlink_to(ours.parent / name)
        # the Makefile's stamp: `make venv` (run by install-student-side.sh) finds it current
        (self.host(dest) / ".installed").touch()

    def mount_site_packages(self, dest: str = "/opt/course/.venv") -> None:
        """This checkout's packages inside the venv, as pip would have put them there (the
        grading sandbox mounts the venv's own site-packages, nothing outside it); read-only, so
        done after install-student-side.sh's ``chmod -R``."""
        version = f"python{sys.version_info.major}.{sys.version_info.minor}"
        purelib = sysconfig.get_paths()["purelib"]
        self.sh(f"mount --bind --read-only {purelib} {dest}/lib/{version}/site-packages")
