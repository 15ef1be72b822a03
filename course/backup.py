"""``course backup`` and ``course restore``: everything a class needs to carry on after a lost disk.

::

    course [--root COURSE] backup DEST [--db URL] [--exchange DIR | --no-exchange] [--hub-db PATH|URL]
    course [--root COURSE] restore SRC [--db URL] [--exchange DIR | --no-exchange] [--hub-db PATH|URL]
                                       [--force]

``backup`` makes a new folder ``DEST`` (it must not exist, or be empty) holding:

=====================  ==============================================================================
``gradebook.sqlite``   the gradebook, a consistent copy through SQLite's backup API; or
``gradebook.pgdump``   ``pg_dump -Fc`` of a PostgreSQL gradebook (``pg_dump`` must be on PATH or in
                       ``/usr/lib/postgresql/*/bin``)
``grader.tar``         the grader's folder: ``submitted/``, ``autograded/``, ``feedback/``, the status
                       file beside the gradebook (``gradebook.status.json``), ``.grader/secret`` (the
                       hidden cases are made from it: without it a regrade changes them) and the
                       ``grades_*.csv`` files; owners and modes kept
``exchange.tar``       nbgrader's exchange folder (``Exchange.root``), owners and modes kept: collect
                       checks each submission's owner
``hub.sqlite`` /       the hub's database, when ``--hub-db`` names it: a ``jupyterhub.sqlite`` path
``hub.pgdump``         (or ``sqlite:///`` URL), or a PostgreSQL URL
``manifest.json``      what each file is, where it came from, its size and SHA-256
=====================  ==============================================================================

The gradebook is the one every ``course`` command uses (``--db``, else ``COURSE_GRADEBOOK_URL``,
else nbgrader's ``CourseDirectory.db_url``: :mod:`course.classconfig`); the exchange defaults to
``Exchange.root`` of nbgrader's configuration. Run it while nothing grades or collects. Students'
home folders are not included: back up ``/home`` with the server's own backup. A grader secret
given through ``COURSE_GRADER_SECRET`` is not written anywhere (keep it where you keep that
variable); ``backup`` says so.

``restore`` first checks every file against the manifest (sizes and SHA-256) and writes nothing
if one differs. It restores into the course folder (``--root``), the gradebook, exchange and
hub database found the same way (or given). If any of them already holds something, it lists
what it would replace and stops, unless ``--force``. A PostgreSQL dump needs a PostgreSQL URL
to go to (``pg_restore --clean --if-exists --no-owner --exit-on-error``); a SQLite copy a SQLite
one. The hub's database is restored only when ``--hub-db`` is given.
"""

from __future__ import annotations

import datetime as dt
import glob
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT = "course-backup/1"
MANIFEST = "manifest.json"
GRADER_PATHS = ("submitted", "autograded", "feedback", ".grader/secret")


class BackupError(RuntimeError):
    """A backup or restore that cannot go on; the message says why and what to do."""


# --- databases -------------------------------------------------------------------------------
@dataclass
class Database:
    """A SQLite file or a PostgreSQL database, from a SQLAlchemy URL or a plain path."""

    url: str

    def __post_init__(self) -> None:
        from course.classconfig import normalise_url

        try:
            self.url = normalise_url(self.url)  # postgresql:// gets the installed driver
        except ValueError as exc:
            raise BackupError(str(exc)) from None

    @classmethod
    def parse(cls, value: str) -> Database:
        """A SQLAlchemy URL, or a plain path of a SQLite file (``jupyterhub.sqlite``)."""
        return cls(value if "://" in value else f"sqlite:///{os.path.abspath(value)}")

    @property
    def kind(self) -> str:
        from sqlalchemy.engine import make_url

        backend = make_url(self.url).get_backend_name()
        if backend not in ("sqlite", "postgresql"):
            raise BackupError(f"cannot back up a {backend} database ({self.shown}); expected sqlite or postgresql")
        return backend

    @property
    def path(self) -> Path:
        from sqlalchemy.engine import make_url

        return Path(make_url(self.url).database or "")

    @property
    def shown(self) -> str:
        from sqlalchemy.engine import make_url

        return make_url(self.url).render_as_string(hide_password=True)

    def libpq_url(self) -> str:
        from sqlalchemy.engine import make_url

        return make_url(self.url).set(drivername="postgresql").render_as_string(hide_password=False)

    def suffix(self) -> str:
        return ".sqlite" if self.kind == "sqlite" else ".pgdump"

    def dump(self, dest: Path) -> None:
        if self.kind == "sqlite":
            if not self.path.is_file():
                raise BackupError(f"no SQLite database at {self.path}")
            _sqlite_copy(self.path, dest)
        else:
            _run([pg_tool("pg_dump"), "-Fc", "--no-owner", f"--file={dest}", f"--dbname={self.libpq_url()}"], self.shown)

    def holds_data(self) -> bool:
        if self.kind == "sqlite":
            return self.path.is_file() and self.path.stat().st_size > 0
        from sqlalchemy import create_engine, inspect

        engine = create_engine(self.url)
        try:
            return bool(inspect(engine).get_table_names())
        finally:
            engine.dispose()

    def load(self, src: Path) -> None:
        if self.kind == "sqlite":
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _sqlite_copy(src, self.path)
        else:
            _run([pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--exit-on-error",
                  f"--dbname={self.libpq_url()}", str(src)], self.shown)


def _sqlite_copy(src: Path, dest: Path) -> None:
    """A consistent copy of the SQLite database ``src`` into ``dest`` (replaced)."""
    source = sqlite3.connect(f"{Path(src).resolve().as_uri()}?mode=ro", uri=True)
    target = sqlite3.connect(dest)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def pg_tool(name: str) -> str:
    """``pg_dump`` / ``pg_restore``: on PATH, else Debian's newest ``/usr/lib/postgresql/*/bin``."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    if not candidates:
        raise BackupError(f"{name} not found: install PostgreSQL's client tools (Debian: postgresql-client)")
    return candidates[-1]


def _run(argv: list[str], shown: str) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BackupError(f"{Path(argv[0]).name} failed for {shown}: {proc.stderr.strip()[-1500:]}")


# --- the manifest ----------------------------------------------------------------------------
def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify(src: Path) -> dict[str, Any]:
    """The manifest of the backup at ``src``, after checking every file it lists; raises
    :class:`BackupError` naming each file that is missing or differs."""
    path = src / MANIFEST
    if not path.is_file():
        raise BackupError(f"{src} is not a course backup: no {MANIFEST}")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: format {manifest.get('format')!r}, expected {FORMAT!r}")
    problems = []
    for name, info in manifest["files"].items():
        file = src / name
        if not file.is_file():
            problems.append(f"{name} is missing")
        elif file.stat().st_size != info["size"] or sha256(file) != info["sha256"]:
            problems.append(f"{name} differs from the manifest (size or SHA-256)")
    if problems:
        raise BackupError(f"the backup at {src} is damaged; nothing was restored: " + "; ".join(problems))
    return manifest


# --- the parts ---------------------------------------------------------------------------------
@dataclass
class Places:
    """Where a class lives on this machine."""

    root: Path
    gradebook: Database
    exchange: Path | None
    hub: Database | None

    def status_file(self) -> Path:
        from course.gradebook.records import records_path

        return records_path(self.gradebook.url, self.root)

    def grader_members(self) -> list[tuple[Path, str]]:
        """(path on disk, name in grader.tar) of what exists of the grader's folder."""
        root = self.root
        found = [(root / rel, rel) for rel in GRADER_PATHS if (root / rel).exists()]
        found += [(p, p.name) for p in sorted(root.glob("grades_*.csv"))]
        if self.status_file().exists():
            found.append((self.status_file(), "status/" + self.status_file().name))
        return found


def places(root: str | os.PathLike[str], db: str | None, exchange: str | None, no_exchange: bool,
           hub_db: str | None) -> Places:
    """The class's places: ``--db`` etc. when given, else nbgrader's configuration."""
    from course.classconfig import gradebook_url, nbgrader_config

    root = Path(root).resolve()
    if no_exchange:
        ex = None
    elif exchange:
        ex = Path(exchange).resolve()
    else:
        from nbgrader.exchange.default.exchange import Exchange

        ex = Path(Exchange(config=nbgrader_config(root)).root)
    return Places(root, Database(gradebook_url(root, db)), ex, Database.parse(hub_db) if hub_db else None)


def _tar(dest: Path, members: list[tuple[Path, str]]) -> int:
    with tarfile.open(dest, "w") as tar:
        for path, name in members:
            tar.add(path, arcname=name, recursive=True)
        return len(tar.getmembers())


def backup(where: Places, dest: str | os.PathLike[str]) -> dict[str, Any]:
    """Write the backup folder ``dest`` (see the module docstring); returns its manifest."""
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest} exists and is not empty: give a new folder")
    dest.mkdir(parents=True, exist_ok=True)
    dest.chmod(0o700)  # it holds every grade, the secret and students' work
    parts: dict[str, Any] = {}
    gb = "gradebook" + where.gradebook.suffix()
    where.gradebook.dump(dest / gb)
    parts["gradebook"] = {"file": gb, "kind": where.gradebook.kind, "source": where.gradebook.shown}
    members = where.grader_members()
    parts["grader"] = {"file": "grader.tar", "source": str(where.root), "entries": _tar(dest / "grader.tar", members),
                       "status_file": next((n for _, n in members if n.startswith("status/")), None)}
    if where.exchange is not None and where.exchange.is_dir():
        count = _tar(dest / "exchange.tar", [(where.exchange, ".")])
        parts["exchange"] = {"file": "exchange.tar", "source": str(where.exchange), "entries": count}
    if where.hub is not None:
        hub = "hub" + where.hub.suffix()
        where.hub.dump(dest / hub)
        parts["hub"] = {"file": hub, "kind": where.hub.kind, "source": where.hub.shown}
    files = {p["file"]: {"size": (dest / p["file"]).stat().st_size, "sha256": sha256(dest / p["file"])}
             for p in parts.values()}
    manifest = {"format": FORMAT, "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "parts": parts, "files": files}
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return manifest


def would_replace(where: Places, manifest: dict[str, Any]) -> list[str]:
    """What restoring ``manifest`` at ``where`` would overwrite."""
    parts = manifest["parts"]
    found = []
    if where.gradebook.holds_data():
        found.append(f"the gradebook {where.gradebook.shown}")
    found += [f"{path}" for path, _ in where.grader_members()]
    if "exchange" in parts and where.exchange is not None and where.exchange.is_dir() and any(where.exchange.iterdir()):
        found.append(f"the exchange {where.exchange}")
    if "hub" in parts and where.hub is not None and where.hub.holds_data():
        found.append(f"the hub's database {where.hub.shown}")
    return found


def restore(where: Places, src: str | os.PathLike[str], force: bool = False) -> list[str]:
    """Restore the backup at ``src`` into ``where``; returns what was restored (one line each).
    Raises :class:`BackupError` before writing anything when the backup is damaged, a kind does
    not match, or something would be replaced without ``force``."""
    src = Path(src)
    manifest = verify(src)
    parts = manifest["parts"]
    _check_kinds(where, parts)
    replaced = would_replace(where, manifest)
    if replaced and not force:
        raise BackupError("restore would replace:\n  " + "\n  ".join(replaced) + "\nPass --force to replace them.")
    done = []
    where.gradebook.load(src / parts["gradebook"]["file"])
    done.append(f"gradebook -> {where.gradebook.shown}")
    _restore_grader(where, src / "grader.tar", parts["grader"].get("status_file"))
    done.append(f"grader's folder -> {where.root}")
    if "exchange" in parts and where.exchange is not None:
        _clear(where.exchange)
        untar(src / "exchange.tar", where.exchange)
        done.append(f"exchange -> {where.exchange}")
    if "hub" in parts and where.hub is not None:
        where.hub.load(src / parts["hub"]["file"])
        done.append(f"hub database -> {where.hub.shown}")
    return done


def _check_kinds(where: Places, parts: dict[str, Any]) -> None:
    targets = [("gradebook", where.gradebook, "--db")] + ([("hub", where.hub, "--hub-db")] if where.hub else [])
    for name, db, flag in targets:
        if name in parts and parts[name]["kind"] != db.kind:
            raise BackupError(f"the backup's {name} is {parts[name]['kind']} but {db.shown} is {db.kind}: "
                              f"give a {parts[name]['kind']} database with {flag}")


def _restore_grader(where: Places, tar: Path, status_name: str | None) -> None:
    for path, _ in where.grader_members():
        _remove(path)
    untar(tar, where.root)
    if (where.root / ".grader").is_dir():
        (where.root / ".grader").chmod(0o700)
    if status_name:
        status = where.status_file()
        status.parent.mkdir(parents=True, exist_ok=True)
        os.replace(where.root / status_name, status)
        _remove(where.root / "status")


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def _clear(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for child in folder.iterdir():
        _remove(child)


def _keep_owner_and_mode(member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo:
    """tarfile's ``tar`` filter (no absolute paths, nothing outside ``dest``, no links out of it)
    with the member's mode kept: the exchange's 1777 and 733 folders must stay as they were."""
    checked = tarfile.tar_filter(member, dest)
    keep = 0o1777 if member.isdir() else 0o777
    return checked.replace(mode=member.mode & keep, deep=False)


def _checked_members(archive: tarfile.TarFile, dest: Path) -> list[tarfile.TarInfo]:
    """The ``tar`` filter's rules for a Python without extraction filters (3.11.0-3.11.3, such as
    Debian 12's 3.11.2): no absolute names, nothing outside ``dest``, no link pointing out of it,
    no device or pipe, modes kept as :func:`_keep_owner_and_mode` keeps them. A member that breaks
    a rule stops the restore before anything of this archive is written."""
    root = os.path.realpath(dest)
    members = archive.getmembers()
    for member in members:
        target = os.path.realpath(os.path.join(root, member.name))
        if os.path.isabs(member.name) or os.path.commonpath([root, target]) != root:
            raise ValueError(f"{member.name!r} would be written outside {dest}")
        if member.issym() or member.islnk():
            base = os.path.dirname(target) if member.issym() else root
            linked = os.path.realpath(os.path.join(base, member.linkname))
            if os.path.isabs(member.linkname) or os.path.commonpath([root, linked]) != root:
                raise ValueError(f"{member.name!r} links outside {dest} ({member.linkname!r})")
        elif not (member.isfile() or member.isdir()):
            raise ValueError(f"{member.name!r} is neither a file, a folder nor a link")
        member.mode &= 0o1777 if member.isdir() else 0o777
    return members


def untar(tar: Path, dest: Path) -> None:
    """Unpack ``tar`` into ``dest`` under the ``tar`` filter's rules, on any Python 3.11."""
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tar) as archive:
        if hasattr(tarfile, "tar_filter"):
            archive.extractall(dest, numeric_owner=True, filter=_keep_owner_and_mode)
        else:
            archive.extractall(dest, members=_checked_members(archive, dest), numeric_owner=True)
