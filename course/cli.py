"""The ``course`` command: the instructor's workflow, a thin layer over nbgrader's API.

::

    course release [ID ...]             solutions/ -> exercises/ (nbgrader generate_assignment)
    course check-release                non-zero if exercises/ is stale or leaks a solution / hidden test
    course autograde ID --submitted DIR [--student S ...] [--jobs N] [--timeout S] [--memory-mb M]
                                        [--db URL] [--csv FILE] [--scheduler ADDRESS]
    course feedback ID [--db URL] [--allow-pending]  one HTML report per student; refuses while hand grading is pending
    course grades [--format long|wide|canvas] [--csv FILE] [--db URL]
                                        every assignment, every student, from the gradebook
    course extension ID STUDENT --until "YYYY-MM-DD HH:MM:SS UTC"   a per-student extension
    course students import ROSTER.csv   names and emails into nbgrader's student table
    course report ID [--html FILE] [--csv FILE]   the class misconception report
    course similarity ID [--html FILE]  pairs of students with similar answer code (a hint)
    course validate PATH.ipynb          run a notebook: one plain line per visible test; exit 1 if one fails
    course backup DEST [--db URL] [--exchange DIR] [--hub-db PATH|URL]    gradebook, grader's folder, exchange, hub
    course restore SRC [--db URL] [--exchange DIR] [--hub-db PATH|URL] [--force]   (course/backup.py)

Every command works on the course folder given by ``--root`` (default: the current folder, the
one holding ``nbgrader_config.py``). nbgrader runs ``alembic`` by name, so the virtual
environment's ``bin`` folder is put on ``PATH`` here. The term's commands (grades, extension,
students, report, similarity) live in :mod:`course.term.commands`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path
from typing import Any

from course.classconfig import DB_HELP
from course.term.commands import add_term_commands


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
                                 db_url=args.db, scheduler=args.scheduler, students=args.student,
                                 progress=not args.quiet)
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
    """One HTML page per student and notebook (``course.grading.feedback`` says what it shows);
    refuses while a submission still needs hand grading, unless ``--allow-pending``."""
    from course.grading.batch import BatchLimits, api, default_db_url, load_config
    from course.grading.feedback import pending_submissions

    root = Path(args.root).resolve()
    cfg = load_config(root)
    pending = pending_submissions(args.db or default_db_url(root), BatchLimits(config=cfg).course_id,
                                  args.assignment, args.student)
    if pending and not args.allow_pending:
        print(f"course feedback refuses: {len(pending)} submission(s) of {args.assignment} still need "
              "grading by hand:", file=sys.stderr)
        for student, cells in pending:
            print(f"  {student}: {', '.join(cells) or 'the whole submission'}", file=sys.stderr)
        print("Grade them in the formgrader first, or pass --allow-pending to send feedback that shows "
              "those cells as pending.", file=sys.stderr)
        return 1
    if args.student:
        from course.term.commands import require_student

        try:
            require_student(root, args.db, cfg, args.student)
        except ValueError as exc:
            print(f"course feedback: {exc}", file=sys.stderr)
            return 2
    a = api(root, args.db, cfg)
    result = a.generate_feedback(args.assignment, args.student)
    if not result.get("success"):
        print(f"feedback failed:\n{result.get('error') or result.get('log')}", file=sys.stderr)
        return 1
    folder = root / "feedback"
    who = args.student or "*"
    count = len(list(folder.glob(f"{who}/{args.assignment}/*.html"))) if folder.is_dir() else 0
    print(f"{count} feedback report(s) in {folder}/{args.student or '<student>'}/{args.assignment}/")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """``course backup`` / ``course restore`` (:mod:`course.backup` says what they hold)."""
    from course import backup

    try:
        where = backup.places(args.root, args.db, args.exchange, args.no_exchange, args.hub_db)
        if args.command == "backup":
            manifest = backup.backup(where, args.dest)
            for name, part in sorted(manifest["parts"].items()):
                print(f"{name}: {part['source']} -> {Path(args.dest) / part['file']}")
            if where.exchange is not None and "exchange" not in manifest["parts"]:
                print(f"exchange: no folder {where.exchange}, not included", file=sys.stderr)
            if os.environ.get("COURSE_GRADER_SECRET"):
                print("note: the grader secret comes from COURSE_GRADER_SECRET and is not in the backup",
                      file=sys.stderr)
        else:
            for line in backup.restore(where, args.src, force=args.force):
                print(line)
    except backup.BackupError as exc:
        print(f"course {args.command}: {exc}", file=sys.stderr)
        return 1
    return 0


def _add_backup_commands(sub: Any) -> None:
    for name, place, what in (("backup", "dest", "a new folder for the backup"),
                              ("restore", "src", "a folder made by course backup")):
        p = sub.add_parser(name, help=f"{name} the gradebook, the grader's folder with its secret, the exchange "
                                      "and the hub's database (course/backup.py)")
        p.add_argument(place, metavar=place.upper(), help=what)
        p.add_argument("--db", type=gradebook_url, help=DB_HELP)
        p.add_argument("--exchange", metavar="DIR", help="nbgrader's exchange folder (default: Exchange.root of nbgrader's configuration)")
        p.add_argument("--no-exchange", action="store_true", help="leave the exchange out")
        p.add_argument("--hub-db", metavar="PATH|URL", help="the hub's database: jupyterhub.sqlite's path or a PostgreSQL URL (default: left out)")
        if name == "restore":
            p.add_argument("--force", action="store_true", help="replace what is there (without it, restore lists it and stops)")
        p.set_defaults(func=cmd_backup)


def cmd_validate(args: argparse.Namespace) -> int:
    """Run the notebook and print one plain line per test (``course.grading.validate``)."""
    from course.grading.validate import ValidateError, print_report, validate_notebook

    try:
        report = validate_notebook(args.notebook, timeout=args.timeout)
    except ValidateError as exc:
        print(f"course validate: {exc}", file=sys.stderr)
        return 2
    print_report(report)
    return 0 if report.ok else 1


def gradebook_url(value: str) -> str:
    """argparse type of ``--db``: a SQLAlchemy URL, with ``postgresql://`` made to use psycopg2.

    SQLAlchemy 2 reads a bare ``postgresql://`` as the psycopg 3 driver; the course installs
    psycopg2 (``psycopg2-binary``), so a URL without a driver is given ``+psycopg2`` unless
    psycopg 3 is importable. Any other URL is passed through unchanged.
    """
    from course.classconfig import normalise_url

    try:
        return normalise_url(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="course", description="Instructor commands of the convolutional-models course (nbgrader underneath).")
    parser.add_argument("--root", default=".", help="course folder holding nbgrader_config.py (default: .)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("release", help="solutions/ -> exercises/ (nbgrader generate_assignment)")
    p.add_argument("ids", nargs="*", metavar="ID", help="assignment ids (default: every folder in solutions/)")
    p.add_argument("--db", type=gradebook_url, help=DB_HELP)
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("check-release", help="fail if exercises/ is stale or leaks a solution or hidden test")
    p.add_argument("ids", nargs="*", metavar="ID")
    p.set_defaults(func=cmd_check_release)

    p = sub.add_parser("autograde", help="grade every student of DIR/<student>/<ID>/")
    p.add_argument("assignment", metavar="ID")
    p.add_argument("--submitted", required=True, help="folder of student folders: DIR/<student>/<ID>/<ID>.ipynb")
    p.add_argument("--student", action="append", metavar="S",
                   help="grade only this student (repeat for several); merged into the gradebook and the class CSV")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel workers (default: number of cores)")
    p.add_argument("--timeout", type=int, default=None,
                   help="seconds for one student's whole notebook (default: GuardedExecute.notebook_timeout in nbgrader_config.py)")
    p.add_argument("--cell-timeout", type=int, default=None, help="seconds for one cell (default: GuardedExecute.timeout)")
    p.add_argument("--memory-mb", type=int, default=None,
                   help="address-space limit of a student's kernel (default: SandboxKernelManager.memory_mb)")
    p.add_argument("--db", type=gradebook_url, help=DB_HELP)
    p.add_argument("--csv", help="where to write the CSV (default: grades_<ID>.csv in the course folder)")
    p.add_argument("--scheduler", help="address of a Dask distributed scheduler to run the jobs on")
    p.add_argument("--no-sandbox", action="store_true",
                   help="trusted machines only: run kernels without the sandbox (a warning is printed, every row marked)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_autograde)

    p = sub.add_parser("feedback", help="one HTML feedback report per student (nbgrader generate_feedback)")
    p.add_argument("assignment", metavar="ID")
    p.add_argument("--student", default=None, help="only this student")
    p.add_argument("--db", type=gradebook_url, help=DB_HELP)
    p.add_argument("--allow-pending", action="store_true",
                   help="give feedback even while answers still need grading by hand (they show as pending)")
    p.set_defaults(func=cmd_feedback)

    add_term_commands(sub, gradebook_url)
    _add_backup_commands(sub)

    p = sub.add_parser("validate", help="run a notebook and say, one line per visible test, what passed (exit 1 if a test fails)")
    p.add_argument("notebook", metavar="PATH.ipynb")
    p.add_argument("--timeout", type=int, default=60, help="seconds one cell may run (default: 60)")
    p.set_defaults(func=cmd_validate)
    return parser


def main(argv: list[str] | None = None) -> int:
    _ensure_path()
    args = build_parser().parse_args(argv)
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()
    except BrokenPipeError:
        # the reader went away (`course grades | head -3`): not an error; keep Python's own
        # flush at exit from raising again
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        from sqlalchemy.exc import OperationalError

        if not isinstance(exc, OperationalError):
            raise
        reason = (str(exc.orig or exc).strip().splitlines() or ["unknown error"])[0]
        print(f"course {args.command}: cannot open the gradebook: {reason}\n(its URL comes from --db, else "
              "$COURSE_GRADEBOOK_URL, else CourseDirectory.db_url in nbgrader's configuration: course/classconfig.py)",
              file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
