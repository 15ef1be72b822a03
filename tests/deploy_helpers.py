"""Real servers for the deployment tests, started on loopback by the tests themselves.

Used by tests/test_postgres.py, tests/test_distributed.py, tests/test_browser.py,
tests/test_jupyterhub.py and benchmarks/bench_distributed.py. Everything here listens on
127.0.0.1 only, lives in a temporary folder and is removed afterwards.

- ``free_port()``: a free TCP port on 127.0.0.1.
- ``PostgresServer``: a throw-away PostgreSQL cluster (Debian's ``initdb``/``pg_ctl``), run as
  the ``postgres`` user when we are root (PostgreSQL refuses to run as root).
- ``course_cmd()`` / ``run_course()``: the ``course`` console script of this checkout, with the
  venv's ``bin`` first on PATH (nbgrader calls ``alembic`` by name).
- ``make_course_root()``: a private course folder for ``course --root`` (the checkout's own
  gradebook and output folders stay untouched).
- ``make_class()``: a small class of submissions in nbgrader's layout: the release with the
  solution's answers filled in (full marks) and the untouched release (zero).
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
ASSIGNMENT = "ex01_convolution_1d"
ARTIFACTS = REPO / "test-artifacts"


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float, proc: subprocess.Popen | None = None,
                  what: str = "server", log: Path | None = None) -> None:
    """Wait until something accepts TCP connections on 127.0.0.1:``port``.

    Raises RuntimeError (with the tail of ``log``) when ``proc`` exits first or time runs out.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with status {proc.returncode} before listening on "
                               f"127.0.0.1:{port}\n{tail(log)}")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} within {timeout:.0f} s\n"
                       f"{tail(log)}")


def tail(log: Path | None, n: int = 40) -> str:
    """The last ``n`` lines of a log file, for error messages."""
    if log is None or not Path(log).exists():
        return ""
    lines = Path(log).read_text(errors="replace").splitlines()[-n:]
    return f"--- last lines of {log} ---\n" + "\n".join(lines)


def stop_tree(proc: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM a server and all its descendants at once (servers it spawned in sessions of
    their own included), then SIGKILL what is left after ``timeout`` seconds."""
    import psutil

    if proc.poll() is not None:
        return
    try:
        family = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return
    for p in family:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.terminate()
    _, alive = psutil.wait_procs(family, timeout=timeout)
    for p in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.kill()
    psutil.wait_procs(alive, timeout=5)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(1)


def venv_env(**extra: str) -> dict[str, str]:
    """os.environ with the venv's bin first on PATH (nbgrader runs ``alembic`` by name)."""
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


LAB_QUIET = ("--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate")
"""JupyterLab flags: no news feed, no update check (nothing reaches the network)."""


def lab_state(base: Path) -> dict[str, str]:
    """A private JupyterLab user state under ``base`` (runtime, config, data, settings and
    workspaces folders; the announcements toast off, so nothing covers the page) and the
    environment that points at it, MPLBACKEND removed (the suite's Agg would hide the lectures'
    inline figures)."""
    state = {name: base / name for name in ("runtime", "config", "data", "settings", "workspaces")}
    for path in state.values():
        path.mkdir()
    (state["config"] / "labconfig").mkdir()
    (state["config"] / "labconfig" / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
    env = venv_env(JUPYTER_RUNTIME_DIR=str(state["runtime"]), JUPYTER_CONFIG_DIR=str(state["config"]),
                   JUPYTER_DATA_DIR=str(state["data"]), JUPYTERLAB_SETTINGS_DIR=str(state["settings"]),
                   JUPYTERLAB_WORKSPACES_DIR=str(state["workspaces"]))
    env.pop("MPLBACKEND", None)
    return env


def start_jupyter(app: str, served: Path, env: dict[str, str], log: Path,
                  *extra: str) -> tuple[subprocess.Popen, int, str]:
    """``jupyter APP`` (``lab`` or ``server``) of the venv serving ``served`` on 127.0.0.1, with a
    token, its output in ``log``; returns (process, port, token) at once: wait with
    :func:`wait_for_port`, stop with :func:`stop_tree`."""
    port, token = free_port(), secrets.token_hex(16)
    args = [str(VENV_BIN / "jupyter"), app, "--no-browser", "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={served}", *extra]
    if os.geteuid() == 0:
        args.append("--allow-root")
    with open(log, "w") as fh:
        proc = subprocess.Popen(args, cwd=served, env=env, stdout=fh, stderr=subprocess.STDOUT,
                                start_new_session=True)
    return proc, port, token


# --------------------------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------------------------

def postgres_bindir() -> Path:
    """Debian's PostgreSQL server programs (``initdb``, ``pg_ctl``), newest version first.

    Raises RuntimeError with the install command when PostgreSQL's server is not installed.
    """
    env_dir = os.environ.get("PG_BINDIR")
    candidates = [env_dir] if env_dir else []
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                         key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit()
                         else 0, reverse=True)
    for cand in candidates:
        if cand and (Path(cand) / "initdb").exists() and (Path(cand) / "pg_ctl").exists():
            return Path(cand)
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise RuntimeError(
        "PostgreSQL's server programs (initdb, pg_ctl) were not found in /usr/lib/postgresql/*/bin "
        "nor on PATH. Install them with `apt-get install postgresql` (Debian/Ubuntu, as root), "
        "or set PG_BINDIR to the folder that holds initdb and pg_ctl.")


class PostgresServer:
    """A throw-away PostgreSQL cluster on 127.0.0.1:``port`` with its socket in its own folder.

    As root the server programs run as the ``postgres`` user (PostgreSQL refuses root), through
    ``runuser``; otherwise as the current user. Authentication is ``trust`` on loopback only.

    Use as a context manager; ``url(dbname)`` gives an SQLAlchemy/psycopg2 URL.
    """

    def __init__(self, user: str = "postgres") -> None:
        self.bindir = postgres_bindir()
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="course-pg-"))
        self.datadir = self.root / "data"
        self.sockdir = self.root / "socket"
        self.log = self.root / "postgres.log"
        self.superuser = "postgres"
        self._as_root = os.geteuid() == 0
        self._run_user = user if self._as_root else None
        self.started = False

    # the command prefix that drops root
    def _prefix(self) -> list[str]:
        if not self._as_root:
            return []
        try:
            pwd.getpwnam(self._run_user or "")
        except KeyError as exc:
            raise RuntimeError(
                f"running as root, PostgreSQL must run as a non-root user, but user "
                f"{self._run_user!r} does not exist (it comes with `apt-get install postgresql`)"
            ) from exc
        runuser = shutil.which("runuser") or shutil.which("setpriv")
        if runuser is None:
            raise RuntimeError("as root, `runuser` (util-linux) is needed to start PostgreSQL "
                               "as the postgres user: `apt-get install util-linux`")
        if runuser.endswith("runuser"):
            return [runuser, "-u", self._run_user, "--"]
        entry = pwd.getpwnam(self._run_user)
        return [runuser, f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--init-groups"]

    def _run(self, args: list[str], timeout: float = 60) -> None:
        proc = subprocess.run(self._prefix() + args, capture_output=True, text=True,
                              timeout=timeout, cwd=self.root)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed with status {proc.returncode}:\n"
                               f"{proc.stdout}\n{proc.stderr}\n{tail(self.log)}")

    def start(self) -> "PostgresServer":
        self.sockdir.mkdir()
        if self._as_root:
            entry = pwd.getpwnam(self._run_user or "")
            for path in (self.root, self.sockdir):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        self._run([str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", self.superuser,
                   "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"])
        opts = (f"-c listen_addresses=127.0.0.1 -c port={self.port} "
                f"-c unix_socket_directories={self.sockdir} -c fsync=off "
                f"-c full_page_writes=off -c synchronous_commit=off")
        self._run([str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-l", str(self.log),
                   "-o", opts, "-w", "-t", "30", "start"])
        self.started = True
        return self

    def stop(self) -> None:
        try:
            if self.started:
                self._run([str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate",
                           "-w", "-t", "20", "stop"], timeout=30)
        finally:
            self.started = False
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, dbname: str = "postgres") -> str:
        """libpq URL ``postgresql://postgres@127.0.0.1:PORT/dbname`` (for psycopg2.connect)."""
        return f"postgresql://{self.superuser}@127.0.0.1:{self.port}/{dbname}"

    def sqlalchemy_url(self, dbname: str) -> str:
        """SQLAlchemy URL naming the installed driver: SQLAlchemy 2.1 reads a bare
        ``postgresql://`` as psycopg 3, while the venv has psycopg2 (psycopg2-binary)."""
        return f"postgresql+psycopg2://{self.superuser}@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str) -> str:
        """Create database ``name`` and return its libpq URL."""
        import psycopg2

        conn = psycopg2.connect(self.url("postgres"))
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(f'CREATE DATABASE "{name}"')
        finally:
            conn.close()
        return self.url(name)

    def __enter__(self) -> "PostgresServer":
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --------------------------------------------------------------------------------------------
# The course's own command
# --------------------------------------------------------------------------------------------

def course_cmd() -> list[str]:
    """The ``course`` console script of this venv (falls back to ``python -m course.cli``)."""
    script = VENV_BIN / "course"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "course.cli"]


def run_course(args: list[str], cwd: Path = REPO, timeout: float = 300,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``course ARGS`` and return the completed process (stdout/stderr captured as text)."""
    return subprocess.run(course_cmd() + args, cwd=cwd, env=env or venv_env(),
                          capture_output=True, text=True, timeout=timeout)


def explain(proc: subprocess.CompletedProcess) -> str:
    """A failure message with the command, its status and its output."""
    return (f"`{' '.join(map(str, proc.args))}` exited with status {proc.returncode}\n"
            f"--- stdout ---\n{proc.stdout[-4000:]}\n--- stderr ---\n{proc.stderr[-4000:]}")


def make_course_root(dest: Path, assignment: str = ASSIGNMENT) -> Path:
    """A private course folder for ``course --root``: nbgrader_config.py, solutions/<id>, and
    exercises/<id> (copied from the repo, or made with ``course release`` when not committed).

    Grading there leaves the checkout alone (its gradebook.db, autograded/, grades CSV).
    """
    dest.mkdir(parents=True, exist_ok=True)
    for rel in ("nbgrader_config.py", f"solutions/{assignment}"):
        src = REPO / rel
        if not src.exists():
            raise RuntimeError(f"{rel} is missing from the checkout: the grading pipeline provides it")
        if src.is_dir():
            shutil.copytree(src, dest / rel, ignore=shutil.ignore_patterns(".ipynb_checkpoints",
                                                                           "__pycache__"))
        else:
            shutil.copy(src, dest / rel)
    release = REPO / "exercises" / assignment
    if (release / f"{assignment}.ipynb").exists():
        shutil.copytree(release, dest / "exercises" / assignment)
    else:
        proc = run_course(["--root", str(dest), "release", assignment, "--db",
                           f"sqlite:///{dest}/release-gradebook.db"], cwd=dest)
        if proc.returncode != 0:
            raise RuntimeError(explain(proc))
        (dest / "release-gradebook.db").unlink(missing_ok=True)
    return dest


def released_exercise(tmp: Path, assignment: str = ASSIGNMENT) -> Path:
    """The student version of ``assignment``: exercises/<id> of the checkout when committed,
    else generated from solutions/<id> with ``course release`` in a private folder."""
    committed = REPO / "exercises" / assignment
    if (committed / f"{assignment}.ipynb").exists():
        return committed
    return make_course_root(tmp / "release-course", assignment) / "exercises" / assignment


def solved_notebook(release_nb: Path, solution_nb: Path) -> str:
    """The release with every answer cell filled in from the solution (markers removed),
    i.e. what a student who solved everything hands in."""
    import nbformat

    release = nbformat.read(release_nb, as_version=4)
    solution = nbformat.read(solution_nb, as_version=4)
    answers = {}
    for cell in solution.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            lines = [ln for ln in cell.source.splitlines()
                     if ln.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")]
            answers[meta["grade_id"]] = "\n".join(lines)
    filled = 0
    for cell in release.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution") and grade_id in answers:
            cell.source = answers[grade_id]
            filled += 1
    if filled == 0:
        raise RuntimeError(f"no answer cell of {release_nb} matches a solution cell of {solution_nb}")
    return nbformat.writes(release)


def make_class(course_root: Path, submitted: Path, n_students: int, prefix: str,
               assignment: str = ASSIGNMENT) -> dict[str, str]:
    """Submissions in nbgrader's layout ``submitted/<student>/<assignment>/<assignment>.ipynb``.

    Even-numbered students hand in the solved notebook (full marks), odd ones the untouched
    release (zero). Returns {student_id: "solved" | "untouched"}.
    """
    release = course_root / "exercises" / assignment / f"{assignment}.ipynb"
    solved = solved_notebook(release, course_root / "solutions" / assignment / f"{assignment}.ipynb")
    kinds: dict[str, str] = {}
    for i in range(n_students):
        student = f"{prefix}{i:03d}"
        dest = submitted / student / assignment
        dest.mkdir(parents=True, exist_ok=True)
        if i % 2 == 0:
            (dest / f"{assignment}.ipynb").write_text(solved)
            kinds[student] = "solved"
        else:
            shutil.copy(release, dest / f"{assignment}.ipynb")
            kinds[student] = "untouched"
    return kinds
