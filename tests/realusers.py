"""Real Unix accounts for tests, without touching the host: a mount namespace whose
``/etc/passwd`` and ``/etc/group`` are copies with the test's accounts added.

::

    from realusers import RealUsers

    with RealUsers(["alice", "bob"]) as users:
        users.run(["id", "-un"], user="alice")            # as alice's own uid and gid
        users.run(users.python + ["-m", "nbgrader", "list"], user="bob", cwd=users.home("bob"))
        users.run(["nbgrader", "collect", "ex01"], cwd=course)   # as root, seeing the accounts

How it works, and what that means for what a test proves:

- A private mount namespace (tests/mountns.py) bind-mounts the two copies over ``/etc/passwd``
  and ``/etc/group``; the host's files are never written. Every command of :meth:`RealUsers.run`
  enters that namespace, so both the students' commands and the grader's (root) commands
  resolve the accounts by name (``pwd.getpwnam``), as on a real server. The accounts have real,
  distinct uids (from 61000 up, chosen free), a group each, and a home folder of their own
  (mode 700) under a private base folder; files they write are owned by their uid.
- A command runs as an account through ``setpriv --reuid --regid --init-groups`` (no PAM,
  nothing asked of ``/etc/shadow``), with ``HOME``, ``USER``, ``LOGNAME`` set and a clean
  environment. The kernel enforces every permission check: that is the real part.
- The checkout's venv interpreter lives under ``/root`` (mode 700), which other accounts cannot
  run. :attr:`RealUsers.python` is a small venv made from Debian's ``/usr/bin/python3`` whose
  ``.pth`` file adds the checkout venv's ``site-packages`` (world-readable, same Python minor
  version), so the accounts run the very same nbgrader and ``course`` code with an interpreter
  they may execute. It is not an installed student environment (``deploy/`` builds that); it
  proves what the code does under real uids, not how it was installed.
- Everything (the namespace, the homes, the venv) goes away on exit; the holder is killed by
  its pid. Needs root, ``unshare``, ``nsenter`` and ``setpriv`` (util-linux);
  :func:`unavailable` says why not when they are missing.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from mountns import MountNamespace

SYSTEM_PYTHON = "/usr/bin/python3"
FIRST_UID = 61000
TOOLS = ("unshare", "nsenter", "setpriv", "mount")


def unavailable() -> str | None:
    """Why real accounts cannot be made here (a reason for ``pytest.skip``), or None."""
    if os.geteuid() != 0:
        return "real-uid tests need root (to switch uids and bind-mount /etc/passwd in a mount namespace)"
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        return f"real-uid tests need util-linux's {', '.join(missing)}"
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        return f"real-uid tests need {SYSTEM_PYTHON}, a Python every account may run"
    return None


def _free_ids(count: int) -> list[int]:
    used = {p.pw_uid for p in pwd.getpwall()} | {g.gr_gid for g in grp.getgrall()}
    ids, n = [], FIRST_UID
    while len(ids) < count:
        if n not in used:
            ids.append(n)
        n += 1
    return ids


class RealUsers:
    """``names`` as real accounts inside a private mount namespace (see the module docstring).

    ``groups`` maps extra group names to member account names (e.g. ``{"students": [...]}``).
    """

    def __init__(self, names: list[str], groups: dict[str, list[str]] | None = None,
                 base: str | os.PathLike[str] | None = None) -> None:
        self.names = list(names)
        self.extra_groups = dict(groups or {})
        self._base_arg = base
        self.namespace: MountNamespace | None = None
        self.uids: dict[str, int] = {}
        self.gids: dict[str, int] = {}

    # --- set up and tear down ---------------------------------------------------------------
    def __enter__(self) -> "RealUsers":
        why = unavailable()
        if why:
            raise RuntimeError(why)
        self.base = Path(tempfile.mkdtemp(prefix="realusers-", dir=self._base_arg))
        self.base.chmod(0o755)
        try:
            self._write_accounts()
            self._make_homes()
            self._start_namespace()
            self.python = self._student_python()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self.namespace is not None:
            self.namespace.stop()
        shutil.rmtree(self.base, ignore_errors=True)

    def _write_accounts(self) -> None:
        ids = _free_ids(len(self.names) + len(self.extra_groups))
        etc = self.base / "etc"
        etc.mkdir()
        passwd = Path("/etc/passwd").read_text()
        group = Path("/etc/group").read_text()
        passwd += "" if passwd.endswith("\n") else "\n"
        group += "" if group.endswith("\n") else "\n"
        for name, uid in zip(self.names, ids):
            self.uids[name] = self.gids[name] = uid
            passwd += f"{name}:x:{uid}:{uid}:{name}:{self.home(name)}:/bin/sh\n"
            group += f"{name}:x:{uid}:\n"
        for (gname, members), gid in zip(self.extra_groups.items(), ids[len(self.names):]):
            self.gids[gname] = gid
            group += f"{gname}:x:{gid}:{','.join(members)}\n"
        (etc / "passwd").write_text(passwd)
        (etc / "group").write_text(group)
        for f in ("passwd", "group"):
            (etc / f).chmod(0o644)

    def home(self, name: str) -> Path:
        return self.base / "home" / name

    def _make_homes(self) -> None:
        (self.base / "home").mkdir(mode=0o755)
        for name in self.names:
            home = self.home(name)
            home.mkdir(mode=0o700)
            os.chown(home, self.uids[name], self.gids[name])

    def _start_namespace(self) -> None:
        etc = self.base / "etc"
        self.namespace = MountNamespace([(etc / "passwd", "/etc/passwd"), (etc / "group", "/etc/group")])
        self.namespace.start()

    def _student_python(self) -> list[str]:
        venv = self.base / "python"
        subprocess.run([SYSTEM_PYTHON, "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True)
        import sysconfig

        purelib = Path(sysconfig.get_paths()["purelib"])
        version = f"python{sys.version_info.major}.{sys.version_info.minor}"
        site = venv / "lib" / version / "site-packages"
        if not site.is_dir():
            raise RuntimeError(f"{SYSTEM_PYTHON} is not Python {sys.version_info.major}.{sys.version_info.minor}, "
                               f"the version of {purelib}")
        (site / "zz_checkout_venv.pth").write_text(f"import site; site.addsitedir({str(purelib)!r})\n")
        return [str(venv / "bin" / "python")]

    # --- running commands ---------------------------------------------------------------------
    def env(self, user: str | None = None, **extra: str) -> dict[str, str]:
        """A clean environment for ``user`` (root's own when None), with ``extra`` added."""
        if user is None:
            env = dict(os.environ)
        else:
            env = {"HOME": str(self.home(user)), "USER": user, "LOGNAME": user, "LANG": "C.UTF-8",
                   "PATH": "/usr/local/bin:/usr/bin:/bin"}
        env.update(extra)
        return env

    def command(self, argv: list[str], user: str | None = None, cwd: str | os.PathLike[str] | None = None) -> list[str]:
        """``argv`` made to run inside the namespace, as ``user`` (root when None), in ``cwd``
        (entering a mount namespace moves to its ``/``; default: the account's home, or ``/``)."""
        if self.namespace is None:
            raise RuntimeError("the accounts' mount namespace is not running")
        cwd = cwd if cwd is not None else (self.home(user) if user else "/")
        ids = (self.uids[user], self.gids[user]) if user is not None else None
        return self.namespace.command(argv, ids, cwd)

    def run(self, argv: list[str], user: str | None = None, cwd: str | os.PathLike[str] | None = None,
            env: dict[str, str] | None = None, timeout: float = 120, check: bool = False) -> subprocess.CompletedProcess:
        """Run ``argv`` in the namespace as ``user`` (root when None); output captured as text.

        ``cwd`` defaults to the account's home (``/`` for root); ``env`` defaults to :meth:`env`. With ``check``, a
        non-zero status raises ``RuntimeError`` with the command's output.
        """
        proc = subprocess.run(self.command(argv, user, cwd), env=env if env is not None else self.env(user),
                              capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise RuntimeError(f"{argv} as {user or 'root'} exited {proc.returncode}\n--- stdout ---\n"
                               f"{proc.stdout[-3000:]}\n--- stderr ---\n{proc.stderr[-3000:]}")
        return proc

    def write_as(self, user: str, path: str | os.PathLike[str], data: bytes | str) -> None:
        """Write ``path`` as ``user`` (the file is theirs, made by their own process)."""
        data = data.encode("utf-8") if isinstance(data, str) else data
        code = "import sys; open(sys.argv[1], 'wb').write(sys.stdin.buffer.read())"
        proc = subprocess.run(self.command([*self.python, "-c", code, str(path)], user), input=data,
                              env=self.env(user), capture_output=True, timeout=60)
        if proc.returncode != 0:
            raise RuntimeError(f"{user} could not write {path}: {proc.stderr.decode(errors='replace')[-2000:]}")
