"""The gradebook on a real PostgreSQL server, started by the test on 127.0.0.1.

A throw-away cluster (Debian's initdb/pg_ctl, run as the ``postgres`` user when we are root,
data and socket in a temporary folder, a free loopback port) holds the gradebook of a class
of four: two hand in the solved exercise, two the untouched release. ``course autograde
--db postgresql://...`` grades them and ``course grades --db ...`` reads them back.

The test then asks PostgreSQL itself (psycopg2, not nbgrader) how many rows nbgrader's tables
hold and what each student scored, checks that no SQLite gradebook appeared as a silent
fallback, and that without ``--db`` the gradebook is still SQLite (the default).

Needs Debian's ``postgresql`` (``apt-get install postgresql``) and psycopg2 (in pyproject).
The URL is the plain ``postgresql://user@host:port/db`` an instructor would type: SQLAlchemy 2.1
reads it as the psycopg 3 driver, which is not installed, and the ``course`` command gives it
psycopg2's driver name (course.cli.gradebook_url); this test proves that path end to end.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path
from typing import Iterator

import psycopg2
import pytest

from deploy_helpers import (ARTIFACTS, ASSIGNMENT, PostgresServer, explain, make_class,
                            make_course_root, run_course)

pytestmark = pytest.mark.slow

N_STUDENTS = 4


def _points(notebook: Path) -> float:
    """Total points of the graded cells, read from the notebook's nbgrader metadata."""
    cells = json.loads(notebook.read_text())["cells"]
    return float(sum(c["metadata"].get("nbgrader", {}).get("points", 0) for c in cells
                     if c["metadata"].get("nbgrader", {}).get("grade")))


def _graded_cells(notebook: Path) -> int:
    cells = json.loads(notebook.read_text())["cells"]
    return sum(1 for c in cells if c["metadata"].get("nbgrader", {}).get("grade"))


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    try:
        server = PostgresServer()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    with server:
        yield server


@pytest.fixture(scope="module")
def graded(postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Autograde the class into PostgreSQL once; the tests below inspect the result."""
    tmp = tmp_path_factory.mktemp("pg")
    root = make_course_root(tmp / "course")
    kinds = make_class(root, tmp / "submitted", N_STUDENTS, "pg")
    postgres.create_database("gradebook")
    db = postgres.url("gradebook")  # plain libpq URL, no +driver
    proc = run_course(["--root", str(root), "autograde", ASSIGNMENT, "--submitted",
                       str(tmp / "submitted"), "--jobs", "2", "--db", db,
                       "--csv", str(tmp / "grades.csv"), "--quiet"], cwd=root)
    assert proc.returncode == 0, explain(proc)
    grades = run_course(["--root", str(root), "grades", "--db", db], cwd=root)
    assert grades.returncode == 0, explain(grades)
    return {"root": root, "tmp": tmp, "kinds": kinds, "db": db, "autograde": proc,
            "grades": grades, "csv": (tmp / "grades.csv").read_text()}


def _query(postgres: PostgresServer, sql: str, params: tuple = ()) -> list[tuple]:
    conn = psycopg2.connect(postgres.url("gradebook"))
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()
    finally:
        conn.close()


def test_rows_are_in_postgresql(postgres: PostgresServer, graded: dict) -> None:
    root = graded["root"]
    nb = root / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    n_cells, max_score = _graded_cells(nb), _points(nb)
    counts = {table: _query(postgres, f"SELECT count(*) FROM {table}")[0][0]
              for table in ("assignment", "student", "submitted_assignment",
                            "submitted_notebook", "grade")}
    scores = dict(_query(postgres, """
        SELECT sa.student_id, SUM(COALESCE(g.manual_score, g.auto_score))
        FROM grade g
        JOIN submitted_notebook sn ON g.notebook_id = sn.id
        JOIN submitted_assignment sa ON sn.assignment_id = sa.id
        JOIN assignment a ON sa.assignment_id = a.id
        WHERE a.name = %s
        GROUP BY sa.student_id ORDER BY sa.student_id""", (ASSIGNMENT,)))
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "postgres-rowcounts.txt").write_text(
        f"row counts: {counts}\nscores: {scores}\n"
        f"graded cells per notebook: {n_cells}, max score: {max_score}\n")

    assert counts == {"assignment": 1, "student": N_STUDENTS, "submitted_assignment": N_STUDENTS,
                      "submitted_notebook": N_STUDENTS, "grade": N_STUDENTS * n_cells}, counts
    expected = {sid: (max_score if kind == "solved" else 0.0)
                for sid, kind in graded["kinds"].items()}
    assert {sid: float(v) for sid, v in scores.items()} == expected


def test_no_sqlite_fallback(graded: dict) -> None:
    leftovers = [p for p in graded["tmp"].rglob("*") if p.suffix in (".db", ".sqlite")
                 or p.name.endswith((".db-journal", ".db-wal"))]
    assert leftovers == [], f"an SQLite gradebook appeared beside the PostgreSQL one: {leftovers}"


def test_csv_and_grades_command_agree_with_postgresql(postgres: PostgresServer,
                                                     graded: dict) -> None:
    max_score = _points(graded["root"] / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    autograde_rows = {r["student_id"]: float(r["score"])
                      for r in csv.DictReader(io.StringIO(graded["csv"]))}
    grades_rows = {r["student_id"]: (float(r["score"]), float(r["max_score"]), r["submitted"])
                   for r in csv.DictReader(io.StringIO(graded["grades"].stdout))
                   if r["assignment"] == ASSIGNMENT}
    expected = {sid: (max_score if kind == "solved" else 0.0)
                for sid, kind in graded["kinds"].items()}
    assert autograde_rows == expected, graded["csv"]
    assert grades_rows == {sid: (score, max_score, "true") for sid, score in expected.items()}, \
        graded["grades"].stdout


def test_sqlite_stays_the_default(graded: dict, tmp_path: Path) -> None:
    """Without --db the gradebook is the course folder's SQLite file (an empty class is enough:
    autograde still registers the assignment in the gradebook before grading anyone)."""
    import sqlite3

    root = tmp_path / "course"
    shutil.copytree(graded["root"], root, ignore=shutil.ignore_patterns("autograded", "*.csv"))
    (tmp_path / "nobody").mkdir()
    proc = run_course(["--root", str(root), "autograde", ASSIGNMENT, "--submitted",
                       str(tmp_path / "nobody"), "--quiet"], cwd=root)
    assert proc.returncode == 0, explain(proc)
    assert (root / "gradebook.db").is_file(), "the default gradebook is not the SQLite file"
    with sqlite3.connect(root / "gradebook.db") as conn:
        names = conn.execute("SELECT name FROM assignment").fetchall()
    assert names == [(ASSIGNMENT,)]
