"""The ``course`` command: the instructor's workflow, a thin layer over nbgrader's API.

::

    course release [ID ...]             solutions/ -> exercises/ (nbgrader generate_assignment)
    course check-release                non-zero if exercises/ is stale or leaks a solution / hidden test
    course autograde ID --submitted DIR [--jobs N] [--timeout S] [--memory-mb M] [--db URL]
                                        [--csv FILE] [--scheduler ADDRESS]
    course feedback ID [--db URL]       one HTML report per student (nbgrader generate_feedback)
    course grades [--csv FILE] [--db URL]   every assignment, every student, from the gradebook
    course validate PATH.ipynb          run the visible tests of a notebook (nbgrader validate)

Every command works on the course folder given by ``--root`` (default: the current folder, the
one holding ``nbgrader_config.py``). nbgrader runs ``alembic`` by name, so the virtual
environment's ``bin`` folder is put on ``PATH`` here.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path
from typing import Any


def _ensure_path() -> None:
    bindir = str(Path(sys.executable).parent)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if bindir not in parts:
        os.environ["PATH"] = os.pathsep.join([bindir, *parts])


def _assignments(root: Path) -> list[str]:
    src = root / "solutions"
    return sorted(p.name for p in src.iterdir() if p.is_dir() and not p.name.startswith(".")) if src.is_dir() else []


def cmd_release(args: argparse.Namespace) -> int:
    from course.grading.batch import api

    root = Path(args.root).resolve()
    ids = args.ids or _assignments(root)
    if not ids:
        print(f"no assignments in {root / 'solutions'}", file=sys.stderr)
        return 1
    a = api(root, args.db)
    status = 0
    for aid in ids:
        result = a.generate_assignment(aid, force=True, create=True)
        if result.get("success"):
            print(f"released {aid} -> exercises/{aid}/")
        else:
            status = 1
            print(f"could not release {aid}:\n{result.get('error') or result.get('log')}", file=sys.stderr)
    return status


def cmd_check_release(args: argparse.Namespace) -> int:
    from course.grading.release import check_release

    problems = check_release(Path(args.root).resolve(), args.ids or None)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s): run `course release` and commit exercises/", file=sys.stderr)
        return 1
    print("exercises/ is up to date and leaks nothing")
    return 0


def cmd_autograde(args: argparse.Namespace) -> int:
    from course.grading.batch import SandboxUnavailable, autograde_batch, overrides_from_flags, summary_table

    root = Path(args.root).resolve()
    overrides = overrides_from_flags(timeout=args.timeout, cell_timeout=args.cell_timeout,
                                     memory_mb=args.memory_mb, no_sandbox=args.no_sandbox)
    try:
        result = autograde_batch(root, args.assignment, args.submitted, jobs=args.jobs, overrides=overrides,
                                 db_url=args.db, scheduler=args.scheduler, progress=not args.quiet)
    except SandboxUnavailable as exc:
        print(f"course autograde refuses to run: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        print(f"course autograde could not run: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    text = result.csv_text()
    csv_path = Path(args.csv) if args.csv else root / f"grades_{args.assignment}.csv"
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    csv_path.write_text(text, encoding="utf-8")
    print(summary_table(result))
    print(f"CSV: {csv_path}")
    return 0


def cmd_feedback(args: argparse.Namespace) -> int:
    from course.grading.batch import api

    root = Path(args.root).resolve()
    a = api(root, args.db)
    result = a.generate_feedback(args.assignment, args.student)
    if not result.get("success"):
        print(f"feedback failed:\n{result.get('error') or result.get('log')}", file=sys.stderr)
        return 1
    folder = root / "feedback"
    count = len(list(folder.glob(f"*/{args.assignment}/*.html"))) if folder.is_dir() else 0
    print(f"{count} feedback report(s) in {folder}/<student>/{args.assignment}/")
    return 0


def grade_rows(db_url: str, course_id: str) -> list[dict[str, Any]]:
    """Every (student, assignment) pair of the gradebook; 0 for a missing submission."""
    from nbgrader.api import Gradebook, MissingEntry

    rows = []
    with Gradebook(db_url, course_id) as gb:
        assignments = sorted(gb.assignments, key=lambda a: a.name)
        for student in sorted(gb.students, key=lambda s: s.id):
            for assignment in assignments:
                try:
                    sub = gb.find_submission(assignment.name, student.id)
                    score, submitted, manual = sub.score, True, sub.needs_manual_grade
                except MissingEntry:
                    score, submitted, manual = 0.0, False, False
                rows.append({"student_id": student.id, "assignment": assignment.name,
                             "score": f"{float(score):g}", "max_score": f"{float(assignment.max_score):g}",
                             "submitted": str(submitted).lower(), "needs_manual_grade": str(bool(manual)).lower()})
    return rows


def cmd_grades(args: argparse.Namespace) -> int:
    from course.grading.batch import BatchLimits, default_db_url, load_config

    root = Path(args.root).resolve()
    rows = grade_rows(args.db or default_db_url(root), BatchLimits(config=load_config(root)).course_id)
    columns = ["student_id", "assignment", "score", "max_score", "submitted", "needs_manual_grade"]
    out = open(args.csv, "w", newline="", encoding="utf-8") if args.csv else sys.stdout
    try:
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    finally:
        if args.csv:
            out.close()
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from nbgrader.validator import Validator
    from traitlets.config import Config

    path = Path(args.notebook)
    if not path.exists():
        print(f"no such notebook: {path}", file=sys.stderr)
        return 2
    cfg = Config()
    cfg.Validator.timeout = args.timeout
    validator = Validator(config=cfg)
    results = validator.validate(str(path))
    failed = results.get("failed", []) or results.get("changed", []) or results.get("type_changed", [])
    _print_validation(validator, results)
    return 1 if failed else 0


def _print_validation(validator: Any, results: dict[str, Any]) -> None:
    failed = results.get("failed", [])
    if results.get("type_changed") or results.get("changed"):
        print("Some test cells were changed: restore them from the released exercise.")
    if failed:
        print(f"{len(failed)} test(s) failed:")
        for item in failed:
            print("-" * 70)
            print(item.get("error", "") or item.get("source", ""))
    elif not results.get("type_changed") and not results.get("changed"):
        print("Success! Your notebook passes all the visible tests.")


def gradebook_url(value: str) -> str:
    """argparse type of ``--db``: a SQLAlchemy URL, with ``postgresql://`` made to use psycopg2.

    SQLAlchemy 2 reads a bare ``postgresql://`` as the psycopg 3 driver; the course installs
    psycopg2 (``psycopg2-binary``), so a URL without a driver is given ``+psycopg2`` unless
    psycopg 3 is importable. Any other URL is passed through unchanged.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(value)
    except ArgumentError as exc:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a database URL; expected e.g. sqlite:///gradebook.db or "
            "postgresql://user@host/gradebook"
        ) from exc
    if url.drivername == "postgresql":
        try:
            import psycopg  # noqa: F401
        except ImportError:
            url = url.set(drivername="postgresql+psycopg2")
    return url.render_as_string(hide_password=False)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="course", description="Instructor commands of the convolutional-models course (nbgrader underneath).")
    parser.add_argument("--root", default=".", help="course folder holding nbgrader_config.py (default: .)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("release", help="solutions/ -> exercises/ (nbgrader generate_assignment)")
    p.add_argument("ids", nargs="*", metavar="ID", help="assignment ids (default: every folder in solutions/)")
    p.add_argument("--db", type=gradebook_url, help="SQLAlchemy URL of the gradebook (default: sqlite:///gradebook.db in the course folder)")
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("check-release", help="fail if exercises/ is stale or leaks a solution or hidden test")
    p.add_argument("ids", nargs="*", metavar="ID")
    p.set_defaults(func=cmd_check_release)

    p = sub.add_parser("autograde", help="grade every student of DIR/<student>/<ID>/")
    p.add_argument("assignment", metavar="ID")
    p.add_argument("--submitted", required=True, help="folder of student folders: DIR/<student>/<ID>/<ID>.ipynb")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel workers (default: number of cores)")
    p.add_argument("--timeout", type=int, default=None,
                   help="seconds for one student's whole notebook (default: GuardedExecute.notebook_timeout in nbgrader_config.py)")
    p.add_argument("--cell-timeout", type=int, default=None, help="seconds for one cell (default: GuardedExecute.timeout)")
    p.add_argument("--memory-mb", type=int, default=None,
                   help="address-space limit of a student's kernel (default: SandboxKernelManager.memory_mb)")
    p.add_argument("--db", type=gradebook_url, help="SQLAlchemy URL of the gradebook, e.g. postgresql://user@host/grades")
    p.add_argument("--csv", help="where to write the CSV (default: grades_<ID>.csv in the course folder)")
    p.add_argument("--scheduler", help="address of a Dask distributed scheduler to run the jobs on")
    p.add_argument("--no-sandbox", action="store_true",
                   help="trusted machines only: run kernels without the sandbox (a warning is printed, every row marked)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_autograde)

    p = sub.add_parser("feedback", help="one HTML feedback report per student (nbgrader generate_feedback)")
    p.add_argument("assignment", metavar="ID")
    p.add_argument("--student", default=None, help="only this student")
    p.add_argument("--db", type=gradebook_url, help="SQLAlchemy URL of the gradebook (default: sqlite:///gradebook.db in the course folder)")
    p.set_defaults(func=cmd_feedback)

    p = sub.add_parser("grades", help="CSV of every assignment and every student, from the gradebook")
    p.add_argument("--csv", help="output file (default: standard output)")
    p.add_argument("--db", type=gradebook_url, help="SQLAlchemy URL of the gradebook (default: sqlite:///gradebook.db in the course folder)")
    p.set_defaults(func=cmd_grades)

    p = sub.add_parser("validate", help="run a notebook's visible tests (nbgrader validate)")
    p.add_argument("notebook", metavar="PATH.ipynb")
    p.add_argument("--timeout", type=int, default=60)
    p.set_defaults(func=cmd_validate)
    return parser


def main(argv: list[str] | None = None) -> int:
    _ensure_path()
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
