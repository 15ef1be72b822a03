"""``course backup`` / ``course restore`` (issue 16, "What to build" #5; ``course/backup.py``).

A class of ex01 is graded (two students, a hand grade and a comment given through nbgrader's
API, as the formgrader would), with an exchange holding a student's submission (their uid, mode
733 inbound in a 1777 root) and a hub database (a SQLite file at the hub's path). It is backed
up with ``course backup``, the backup checked against tampering, then restored with ``course
restore`` into a fresh course folder, gradebook, exchange and hub path: the same grades, hand
grade and comment come back, the secret byte for byte, owners and modes of the exchange, and a
second restore without ``--force`` says what it would replace and stops. (A regrade of the
restored class is not run here: with all-correct and untouched work it would not show a lost
secret; the secret's bytes are compared instead.) PostgreSQL: a gradebook and a hub database
through ``pg_dump -Fc`` / ``pg_restore`` into fresh databases.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest

from deploy_helpers import ASSIGNMENT, explain, make_class, make_course_root, run_course

STUDENT_UID = 54321


def _course(root: Path, *args: str):  # noqa: ANN202
    proc = run_course(["--root", str(root), *args], cwd=root)
    assert proc.returncode == 0, explain(proc)
    return proc


def _grades(root: Path) -> list[tuple]:
    """Every grade of the gradebook: (student, cell, auto, manual, needs manual) and comments."""
    from nbgrader.api import Gradebook

    rows = []
    with Gradebook(f"sqlite:///{root}/gradebook.db", "convolutional-models") as gb:
        for sub in gb.assignment_submissions(ASSIGNMENT):
            for nb in sub.notebooks:
                rows += [(sub.student.id, g.name, g.auto_score, g.manual_score, g.needs_manual_grade) for g in nb.grades]
                rows += [(sub.student.id, c.name, c.auto_comment, c.manual_comment) for c in nb.comments]
    return sorted(rows, key=repr)


def _sandbox_flag() -> list[str]:
    from course.grading.sandbox import sandbox_problem

    return ["--no-sandbox"] if sandbox_problem() else []  # the class is the tests' own trusted work


def _exchange(base: Path) -> Path:
    ex = base / "exchange"
    entry = ex / "convolutional-models" / "inbound" / f"alice+{ASSIGNMENT}+2026-12-01 10:00:00.000000 UTC"
    entry.mkdir(parents=True)
    (entry / f"{ASSIGNMENT}.ipynb").write_text("{}")
    for path in (entry, entry / f"{ASSIGNMENT}.ipynb"):
        os.chown(path, STUDENT_UID, STUDENT_UID)
    ex.chmod(0o1777)
    entry.parent.chmod(0o733)
    return ex


def _hub(path: Path) -> Path:
    with sqlite3.connect(path) as db:
        db.execute("create table users (name text)")
        db.executemany("insert into users values (?)", [("alice",), ("bob",)])
    return path


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from nbgrader.api import Gradebook

    base = tmp_path_factory.mktemp("backup")
    root = make_course_root(base / "course")
    make_class(root, root / "submitted", 2, "s")
    _course(root, "autograde", ASSIGNMENT, "--submitted", "submitted", "--quiet", *_sandbox_flag())
    with Gradebook(f"sqlite:///{root}/gradebook.db", "convolutional-models") as gb:
        gb.find_comment("convolve1d", ASSIGNMENT, ASSIGNMENT, "s000").manual_comment = "tidy loop"
        gb.find_grade("test-correlate1d-full", ASSIGNMENT, ASSIGNMENT, "s001").manual_score = 1
        gb.db.commit()
    places = {"base": base, "root": root, "exchange": _exchange(base), "hub": _hub(base / "jupyterhub.sqlite")}
    places["grades"] = _grades(root)
    assert ("s000", "convolve1d", None, "tidy loop") in places["grades"]
    places["backup"] = base / "backup"
    _course(root, "backup", str(places["backup"]), "--exchange", str(places["exchange"]), "--hub-db", str(places["hub"]))
    return places


def test_backup_holds_every_part_with_a_manifest(graded) -> None:
    manifest = json.loads((graded["backup"] / "manifest.json").read_text())
    assert set(manifest["parts"]) == {"gradebook", "grader", "exchange", "hub"}
    assert manifest["parts"]["gradebook"]["kind"] == "sqlite"
    assert set(manifest["files"]) == {"gradebook.sqlite", "grader.tar", "exchange.tar", "hub.sqlite"}
    import tarfile

    with tarfile.open(graded["backup"] / "grader.tar") as tar:
        names = set(tar.getnames())
    assert {".grader/secret", f"submitted/s000/{ASSIGNMENT}/{ASSIGNMENT}.ipynb",
            f"autograded/s001/{ASSIGNMENT}/{ASSIGNMENT}.ipynb", "status/gradebook.status.json",
            f"grades_{ASSIGNMENT}.csv"} <= names
    assert stat.S_IMODE(graded["backup"].stat().st_mode) == 0o700


def test_a_damaged_backup_restores_nothing(graded, tmp_path: Path) -> None:
    from course.backup import BackupError, Database, Places, restore

    bad = tmp_path / "bad"
    shutil.copytree(graded["backup"], bad)
    with open(bad / "grader.tar", "r+b") as fh:
        fh.seek(1000)
        byte = fh.read(1)
        fh.seek(1000)
        fh.write(bytes([byte[0] ^ 1]))
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    where = Places(fresh, Database(f"sqlite:///{fresh}/gradebook.db"), None, None)
    with pytest.raises(BackupError, match="damaged; nothing was restored: grader.tar differs from the manifest"):
        restore(where, bad, force=True)
    assert list(fresh.iterdir()) == []


@pytest.fixture(scope="module")
def restored(graded) -> dict[str, Path]:
    base = graded["base"]
    out = {"root": make_course_root(base / "restored-course"), "exchange": base / "restored-exchange",
           "hub": base / "restored-hub" / "jupyterhub.sqlite"}
    _course(out["root"], "restore", str(graded["backup"]), "--exchange", str(out["exchange"]), "--hub-db", str(out["hub"]))
    return out


def test_restored_class_reads_the_same_grades(graded, restored) -> None:
    assert _grades(restored["root"]) == graded["grades"]
    assert (restored["root"] / "gradebook.status.json").read_bytes() == (graded["root"] / "gradebook.status.json").read_bytes()


def test_restored_secret_exchange_and_hub(graded, restored) -> None:
    secret = restored["root"] / ".grader" / "secret"
    assert secret.read_bytes() == (graded["root"] / ".grader" / "secret").read_bytes()
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert stat.S_IMODE(secret.parent.stat().st_mode) == 0o700
    ex = restored["exchange"]
    assert stat.S_IMODE(ex.stat().st_mode) == 0o1777
    inbound = ex / "convolutional-models" / "inbound"
    assert stat.S_IMODE(inbound.stat().st_mode) == 0o733
    (entry,) = inbound.iterdir()
    assert entry.stat().st_uid == STUDENT_UID and (entry / f"{ASSIGNMENT}.ipynb").stat().st_uid == STUDENT_UID
    with sqlite3.connect(restored["hub"]) as db:
        assert db.execute("select name from users order by name").fetchall() == [("alice",), ("bob",)]


def test_restore_without_force_lists_what_it_would_replace(graded, restored) -> None:
    from course.backup import BackupError, places, restore

    where = places(restored["root"], None, str(restored["exchange"]), False, str(restored["hub"]))
    with pytest.raises(BackupError) as err:
        restore(where, graded["backup"])
    for what in ("restore would replace:", "the gradebook sqlite:///", str(restored["root"] / "submitted"),
                 str(restored["root"] / ".grader" / "secret"), f"the exchange {restored['exchange']}",
                 "the hub's database", "Pass --force"):
        assert what in str(err.value), str(err.value)


def test_postgresql_gradebook_and_hub_round_trip(tmp_path: Path) -> None:
    """pg_dump -Fc / pg_restore of a PostgreSQL gradebook and hub database into fresh databases;
    a PostgreSQL dump is refused for a SQLite target."""
    from nbgrader.api import Gradebook

    from course.backup import BackupError, Database, Places, backup, restore
    from deploy_helpers import PostgresServer, postgres_bindir

    try:
        postgres_bindir()
    except RuntimeError as exc:
        pytest.skip(str(exc))
    with PostgresServer() as pg:
        for name in ("gradebook", "hub", "gradebook2", "hub2"):
            pg.create_database(name)
        with Gradebook(pg.sqlalchemy_url("gradebook"), "convolutional-models") as gb:
            gb.add_student("alice", first_name="Alice")
            gb.add_assignment(ASSIGNMENT)
        import psycopg2

        with psycopg2.connect(pg.url("hub")) as conn, conn.cursor() as cur:
            cur.execute("create table users (name text); insert into users values ('alice'), ('bob')")
        (tmp_path / "course").mkdir()
        src = Places(tmp_path / "course", Database(pg.url("gradebook")), None, Database(pg.url("hub")))
        manifest = backup(src, tmp_path / "backup")
        assert manifest["parts"]["gradebook"]["kind"] == "postgresql" and "gradebook.pgdump" in manifest["files"]
        (tmp_path / "fresh").mkdir()
        sqlite_target = Places(tmp_path / "fresh", Database(f"sqlite:///{tmp_path}/fresh/gradebook.db"), None, None)
        with pytest.raises(BackupError, match="gradebook is postgresql but sqlite:///.* is sqlite: give a postgresql"):
            restore(sqlite_target, tmp_path / "backup")
        target = Places(tmp_path / "fresh", Database(pg.url("gradebook2")), None, Database(pg.url("hub2")))
        restore(target, tmp_path / "backup")
        with Gradebook(pg.sqlalchemy_url("gradebook2"), "convolutional-models") as gb:
            assert [s.first_name for s in gb.students] == ["Alice"]
            assert [a.name for a in gb.assignments] == [ASSIGNMENT]
        with psycopg2.connect(pg.url("hub2")) as conn, conn.cursor() as cur:
            cur.execute("select name from users order by name")
            assert cur.fetchall() == [("alice",), ("bob",)]


def _archive(path: Path, *members: tuple[str, bytes | None, str | None, int]) -> Path:
    """A tar of (name, file bytes or None for a folder, link target or None, mode)."""
    import io
    import tarfile

    with tarfile.open(path, "w") as tar:
        for name, data, link, mode in members:
            info = tarfile.TarInfo(name)
            info.mode = mode
            if link is not None:
                info.type, info.linkname = tarfile.SYMTYPE, link
                tar.addfile(info)
            elif data is None:
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return path


def test_restore_unpacks_on_a_python_without_extraction_filters(tmp_path: Path, monkeypatch) -> None:
    """Debian 12's Python 3.11.2 has no ``tarfile.tar_filter`` (added in 3.11.4): restore must
    still unpack, keep the exchange's 1777 folder, and refuse members that escape the target."""
    import tarfile

    from course.backup import untar

    monkeypatch.delattr(tarfile, "tar_filter")
    good = _archive(tmp_path / "good.tar", ("exchange", None, None, 0o1777),
                    ("exchange/notes.txt", b"kept", None, 0o4755), ("exchange/here", None, "notes.txt", 0o777))
    untar(good, tmp_path / "out")
    assert stat.S_IMODE((tmp_path / "out" / "exchange").stat().st_mode) == 0o1777
    assert (tmp_path / "out" / "exchange" / "here").read_text() == "kept"
    assert not (tmp_path / "out" / "exchange" / "notes.txt").stat().st_mode & stat.S_ISUID
    for name, link in (("../escaped.txt", None), ("/abs.txt", None), ("out-link", "/etc/passwd"), ("up", "../..")):
        bad = _archive(tmp_path / "bad.tar", (name, None if link else b"x", link, 0o644))
        with pytest.raises(ValueError, match="outside"):
            untar(bad, tmp_path / "out2")
    assert not (tmp_path / "escaped.txt").exists()
