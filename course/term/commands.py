"""The term's ``course`` commands (registered by :func:`add_term_commands` in ``course/cli.py``)::

    course grades [--format long|wide|canvas] [--assignment ID] [--csv FILE] [--db URL]
    course extension ID STUDENT (--until "YYYY-MM-DD HH:MM:SS UTC" | --remove) [--db URL]
    course settle ID STUDENT --by NAME --why TEXT (--accept | --score POINTS) [--db URL]
    course student STUDENT [--db URL]
    course feedback-bundle ID [--out DIR] [--student S] [--db URL]
    course feedback-mail ID --from ADDRESS [--outbox DIR] [--student S] [--db URL]
    course students import ROSTER.csv [--db URL]
    course report ID [--html FILE] [--csv FILE] [--db URL]
    course similarity ID [--html FILE] [--submitted DIR] [--top N] [--threshold PERCENT]

Each one reads and writes the gradebook through nbgrader's API; errors say what was received and
what is allowed, and exit 2. A command that names a student refuses an id that is not in the
gradebook (the roster and whoever was graded) and names the closest ids. A command that changes
a score (extension, settle) rewrites ``grades_<ID>.csv``, so the next figure opened is current.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

GRADEBOOK_HELP = "SQLAlchemy URL of the gradebook (default: sqlite:///gradebook.db in the course folder)"


def _context(args: argparse.Namespace) -> tuple[Path, str, Any, str]:
    """(course folder, gradebook URL, the course's configuration, course id)."""
    from course.grading.batch import BatchLimits, default_db_url, load_config

    root = Path(args.root).resolve()
    cfg = load_config(root)
    return root, getattr(args, "db", None) or default_db_url(root), cfg, BatchLimits(config=cfg).course_id


def _fail(command: str, exc: Exception) -> int:
    print(f"course {command}: {exc}", file=sys.stderr)
    return 2


def _write(path: str, text: str) -> Path:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return out


def cmd_grades(args: argparse.Namespace) -> int:
    import io

    from course.term.exports import export, write_table

    from course.gradebook.records import StatusRecords

    root, db_url, cfg, course_id = _context(args)
    try:
        records = StatusRecords.for_gradebook(db_url, root)
        table = export(db_url, course_id, args.format, cfg, args.assignment, records)
    except ValueError as exc:
        return _fail("grades", exc)
    buf = io.StringIO()
    write_table(buf, table)
    if args.csv:
        print(f"CSV: {_write(args.csv, buf.getvalue())}")
    else:
        sys.stdout.write(buf.getvalue())
        sys.stdout.flush()
    return 0


def require_student(root: Path, db: str | None, cfg: Any, student_id: str) -> str:
    """``student_id`` when the gradebook knows the student; else ``ValueError`` naming the closest."""
    from nbgrader.api import Gradebook

    from course.grading.batch import BatchLimits, default_db_url
    from course.gradebook.students import require_known

    with Gradebook(db or default_db_url(root), BatchLimits(config=cfg).course_id) as gb:
        return require_known(gb, student_id)


def refresh_class_csv(root: Path, db_url: str, course_id: str, assignment_id: str) -> Path | None:
    """Rewrite ``grades_<ID>.csv`` from the gradebook (after a change of score); None when
    nobody has been graded for the assignment yet."""
    from course.gradebook.records import StatusRecords
    from course.term.exports import assignment_csv

    text = assignment_csv(db_url, course_id, assignment_id, StatusRecords.for_gradebook(db_url, root))
    if text is None:
        return None
    return _write(str(root / f"grades_{assignment_id}.csv"), text)


def _refresh_grader_view(gb: Any, root: Path, db_url: str, assignment_id: str, student_id: str, cfg: Any) -> None:
    """The formgrader's course notes of one student, after the gradebook changed."""
    from course.gradebook.lateness import apply_late_penalties
    from course.gradebook.records import StatusRecords
    from course.grading.batch.merge import refresh_grader_view
    from course.grading.results import Status

    record = StatusRecords.for_gradebook(db_url, root).get(assignment_id, student_id)
    late = apply_late_penalties(gb, assignment_id, student_id, cfg)
    status = record.status if record is not None else Status.UNKNOWN
    refresh_grader_view(root / "autograded", assignment_id, student_id, status, late)


def cmd_extension(args: argparse.Namespace) -> int:
    from nbgrader.api import Gradebook

    from course.gradebook.grades import duration
    from course.gradebook.lateness import grant_extension, parse_when
    from course.gradebook.students import require_known

    root, db_url, cfg, course_id = _context(args)
    try:
        until = None if args.remove else parse_when(args.until)
        with Gradebook(db_url, course_id) as gb:
            require_known(gb, args.student)
            due, extension = grant_extension(gb, args.assignment, args.student, until, cfg)
            _refresh_grader_view(gb, root, db_url, args.assignment, args.student, cfg)
        written = refresh_class_csv(root, db_url, course_id, args.assignment)
    except ValueError as exc:
        return _fail("extension", exc)
    if written is not None:
        print(f"CSV: {written}")
    if extension is None:
        print(f"{args.student}: no extension for {args.assignment} (due {due} UTC)")
    else:
        print(f"{args.student} has until {due + extension} UTC for {args.assignment} "
              f"(due {due} UTC, extension {duration(extension.total_seconds())})")
    return 0


def cmd_settle(args: argparse.Namespace) -> int:
    """A person's decision on a ``review`` / ``tampered`` / ``error`` submission
    (:mod:`course.gradebook.settle`)."""
    from nbgrader.api import Gradebook, MissingEntry

    from course.gradebook.records import StatusRecords
    from course.gradebook.grades import final_score
    from course.gradebook.settle import settle
    from course.gradebook.students import require_known

    root, db_url, cfg, course_id = _context(args)
    try:
        records = StatusRecords.for_gradebook(db_url, root)
        with Gradebook(db_url, course_id) as gb:
            require_known(gb, args.student)
            action = "accept" if args.accept else "override"
            settled = settle(gb, records, args.assignment, args.student, action, args.by, args.why, cfg, args.score)
            total = final_score(gb.find_submission(args.assignment, args.student))
            _refresh_grader_view(gb, root, db_url, args.assignment, args.student, cfg)
        written = refresh_class_csv(root, db_url, course_id, args.assignment)
    except MissingEntry:
        return _fail("settle", ValueError(f"{args.student} has no submission of {args.assignment} in the gradebook"))
    except ValueError as exc:
        return _fail("settle", exc)
    print(f"{args.student} {args.assignment}: {settled.decision.words()}; score now {total:g}")
    if written is not None:
        print(f"CSV: {written}")
    return 0


def cmd_student(args: argparse.Namespace) -> int:
    """Everything about one student, across assignments (:mod:`course.term.student`)."""
    from nbgrader.api import Gradebook

    from course.gradebook.lateness import refresh_late_penalties
    from course.gradebook.records import StatusRecords
    from course.gradebook.students import require_known
    from course.term.student import student_view

    root, db_url, cfg, course_id = _context(args)
    try:
        records = StatusRecords.for_gradebook(db_url, root)
        with Gradebook(db_url, course_id) as gb:
            require_known(gb, args.student)
            refresh_late_penalties(gb, cfg)
            text = student_view(gb, records, args.student, root)
    except ValueError as exc:
        return _fail("student", exc)
    print(text)
    return 0


def _bundle_report(kind: str, result: Any) -> None:
    for path in result.written:
        print(f"{kind}: {path}")
    for label, who in (("no feedback page yet (run course feedback)", result.without_feedback),
                       ("no LMS id in the roster: left out of the Canvas zip", result.without_lms_id),
                       ("no email in the roster: no message", result.without_email)):
        if who:
            print(f"{label}: {', '.join(who)}")


def cmd_feedback_bundle(args: argparse.Namespace) -> int:
    from nbgrader.api import Gradebook

    from course.gradebook.students import require_known
    from course.term.bundles import write_bundles

    root, db_url, cfg, course_id = _context(args)
    out = Path(args.out) if args.out else root / "feedback_bundles" / args.assignment
    try:
        with Gradebook(db_url, course_id) as gb:
            if args.student:
                require_known(gb, args.student)
            result = write_bundles(gb, root, args.assignment, out, args.student)
    except ValueError as exc:
        return _fail("feedback-bundle", exc)
    _bundle_report("zip", result)
    return 0


def cmd_feedback_mail(args: argparse.Namespace) -> int:
    from nbgrader.api import Gradebook

    from course.gradebook.students import require_known
    from course.term.bundles import write_outbox

    root, db_url, cfg, course_id = _context(args)
    out = Path(args.outbox) if args.outbox else root / "outbox" / args.assignment
    try:
        with Gradebook(db_url, course_id) as gb:
            if args.student:
                require_known(gb, args.student)
            result = write_outbox(gb, root, args.assignment, out, args.sender, course_id, args.student)
    except ValueError as exc:
        return _fail("feedback-mail", exc)
    _bundle_report("message (not sent)", result)
    print(f"Nothing was sent: the messages are in {out}/ for your mail client or mailer.")
    return 0


def cmd_students_import(args: argparse.Namespace) -> int:
    from nbgrader.api import Gradebook

    from course.term.roster import import_roster, read_roster

    root, db_url, cfg, course_id = _context(args)
    try:
        students = read_roster(args.roster)
    except (ValueError, FileNotFoundError) as exc:
        return _fail("students import", exc)
    with Gradebook(db_url, course_id) as gb:
        new, updated = import_roster(gb, students)
    print(f"{len(students)} students from {args.roster}: {new} new, {updated} updated")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from nbgrader.api import Gradebook, MissingEntry

    from course.gradebook.grades import class_rows
    from course.gradebook.lateness import describe_policy, refresh_late_penalties
    from course.gradebook.records import StatusRecords
    from course.term.report import build_report, hand_graded, report_csv
    from course.term.report_html import render

    root, db_url, cfg, course_id = _context(args)
    try:
        records = StatusRecords.for_gradebook(db_url, root)
    except ValueError as exc:
        return _fail("report", exc)
    with Gradebook(db_url, course_id) as gb:
        try:
            refresh_late_penalties(gb, cfg, args.assignment)
            rows = class_rows(gb, args.assignment, records)
            hand = hand_graded(gb, args.assignment, rows)
        except MissingEntry:
            known = ", ".join(sorted(a.name for a in gb.assignments)) or "none"
            return _fail("report", ValueError(f"no assignment {args.assignment!r} in the gradebook; known: {known}"))
    if not rows:
        return _fail("report", ValueError(f"nobody has been graded for {args.assignment} yet: run course autograde first"))
    report = build_report(root, args.assignment, rows, describe_policy(cfg), hand)
    if args.csv:
        print(f"CSV: {_write(args.csv, report_csv(report))}")
    if args.html:
        print(f"HTML: {_write(args.html, render(report))}")
    print(text_summary(report))
    return 0


def text_summary(report: Any, top: int = 8) -> str:
    from course.gradebook.grades import late_words

    s = report.summary()
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(report.statuses().items()))
    lines = [f"{report.assignment}: {s['students']} students, mean {s['mean']:.2f} of {s['max_score']:g}; {statuses}"]
    seen = [m for m in report.mistakes if m.students][:top]
    lines.append("most common catalogued mistakes:" if seen else "no catalogued mistake was made")
    for m in seen:
        who = ", ".join(sorted(m.students))
        lines.append(f"  {len(m.students):>3}  {m.function}: {m.item}  ({who if len(who) < 80 else who[:77] + '...'})")
    others = [m for m in report.failures if m.students][:top]
    if others:
        lines.append("other failures:")
    for m in others:
        who = ", ".join(sorted(m.students))
        lines.append(f"  {len(m.students):>3}  {m.function}: {m.item}  ({who if len(who) < 80 else who[:77] + '...'})")
    over = f"of the {len(report.submitters)} who handed in a readable notebook"
    hardest = sorted((t for t in report.tests if t.graded), key=lambda t: len(t.passed) / t.graded)[:3]
    if hardest:
        lines.append(f"hardest tests ({over}):")
    for t in hardest:
        lines.append(f"  {len(t.passed):>3} of {t.graded} passed {t.grade_id}")
    if report.hand:
        lines.append(f"graded by hand ({over}):")
    for h in report.hand:
        lines.append(f"  {h.grade_id}: {len(h.scores)} graded, mean {h.mean:.2f} of {h.points:g}; "
                     f"{len(h.waiting)} waiting for a person" + (f" ({', '.join(sorted(h.waiting))})" if h.waiting else "")
                     + (f"; {len(h.blank)} left as released, 0 each ({', '.join(sorted(h.blank))})" if h.blank else ""))
    late = report.late()
    lines.append(f"late work: {len(late)} submission(s)" + (f" ({report.policy})" if late and report.policy else ""))
    for r in late:
        lines.append(f"  {r['student_id']}: {late_words(float(r['late_seconds']), float(r['penalty']))}")
    return "\n".join(lines)


def cmd_similarity(args: argparse.Namespace) -> int:
    from traitlets import TraitError

    from course.term.similarity import Similarity, codes_in, compare, release_code, render_html, solution_code, table

    root, db_url, cfg, course_id = _context(args)
    folder = Path(args.submitted).resolve() if args.submitted else root / "autograded"
    if not folder.is_dir():
        return _fail("similarity", ValueError(f"no folder {folder}: expected {folder}/<student>/{args.assignment}/*.ipynb "
                                              "(run course autograde first, or pass --submitted DIR)"))
    codes = codes_in(folder, args.assignment)
    if len(codes) < 2:
        return _fail("similarity", ValueError(f"{len(codes)} student(s) with answer code for {args.assignment} in "
                                              f"{folder}: at least 2 are needed (run course autograde first, or pass --submitted DIR)"))
    if not (root / "exercises" / args.assignment).is_dir():
        print(f"warning: no exercises/{args.assignment}: the release's own code is not left out", file=sys.stderr)
    knobs = Similarity(config=cfg)
    try:
        if args.top is not None:
            knobs.top = args.top
        if args.threshold is not None:
            knobs.threshold = args.threshold / 100
    except TraitError:
        return _fail("similarity", ValueError(f"--top must be 1 or more and --threshold 0 to 100; got "
                                              f"--top {args.top}, --threshold {args.threshold}"))
    if not (root / "solutions" / args.assignment).is_dir():
        print(f"warning: no solutions/{args.assignment}: code matching the model solution is not told apart",
              file=sys.stderr)
    try:
        found = compare(codes, release_code(root, args.assignment), knobs, solution_code(root, args.assignment))
    except ValueError as exc:
        return _fail("similarity", exc)
    print(table(found, knobs))
    if args.html:
        print(f"HTML: {_write(args.html, render_html(args.assignment, found, knobs))}")
    return 0


def add_term_commands(sub: Any, gradebook_url: Callable[[str], str]) -> None:
    """The parser entries of the commands above."""
    from course.term.exports import FORMATS

    p = sub.add_parser("grades", help="CSV of every assignment and every student, from the gradebook")
    p.add_argument("--format", choices=FORMATS, default="long",
                   help="long: a row per student and assignment (default); wide: a row per student; "
                        "canvas: Canvas's gradebook import layout")
    p.add_argument("--assignment", metavar="ID", help="only this assignment; with the long format, the layout of "
                   "grades_<ID>.csv (status, reason), e.g. to refresh it after hand grading")
    p.add_argument("--csv", help="output file (default: standard output)")
    p.add_argument("--db", type=gradebook_url, help=GRADEBOOK_HELP)
    p.set_defaults(func=cmd_grades)

    p = sub.add_parser("extension", help="give one student more time for one assignment (nbgrader's extensions)")
    p.add_argument("assignment", metavar="ID")
    p.add_argument("student", metavar="STUDENT")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--until", metavar="WHEN", help='new deadline, e.g. "2026-12-03 17:00:00 UTC"')
    group.add_argument("--remove", action="store_true", help="remove the student's extension")
    p.add_argument("--db", type=gradebook_url, help=GRADEBOOK_HELP)
    p.set_defaults(func=cmd_extension)

    p = sub.add_parser("settle", help="record a person's decision on a review, tampered or error submission "
                                      "(who, when, why; the scores accepted or overridden)")
    p.add_argument("assignment", metavar="ID")
    p.add_argument("student", metavar="STUDENT")
    p.add_argument("--by", required=True, metavar="NAME", help="who decided (kept with the decision)")
    p.add_argument("--why", required=True, metavar="TEXT", help="what the person saw and why they decided so")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--accept", action="store_true",
                       help="the gradebook's scores stand (change a test's score in the formgrader first if needed)")
    group.add_argument("--score", type=float, metavar="POINTS",
                       help="override: the total the person gives (spread over the grades by their points)")
    p.add_argument("--db", type=gradebook_url, help=GRADEBOOK_HELP)
    p.set_defaults(func=cmd_settle)

    p = sub.add_parser("student", help="one student across assignments: status, score, lateness, what waits "
                                       "for a person, decisions and feedback")
    p.add_argument("student", metavar="STUDENT")
    p.add_argument("--db", type=gradebook_url, help=GRADEBOOK_HELP)
    p.set_defaults(func=cmd_student)

    p = sub.add_parser("feedback-bundle", help="feedback without the exchange: a zip per student and a zip for "
                                               "Canvas's Re-Upload Submissions")
    p.add_argument("assignment", metavar="ID")
    p.add_argument("--out", metavar="DIR", help="where the zips go (default: feedback_bundles/<ID>/)")
    p.add_argument("--student", metavar="S", help="only this student")
    p.add_argument("--db", type=gradebook_url, help=GRADEBOOK_HELP)
    p.set_defaults(func=cmd_feedback_bundle)

    p = sub.add_parser("feedback-mail", help="one email per student with the feedback attached, written to a "
                                             "folder (a dry run: nothing is sent)")
    p.add_argument("assignment", metavar="ID")
    p.add_argument("--from", dest="sender", required=True, metavar="ADDRESS", help="the sender, e.g. 'Dr Lee <lee@uni.edu>'")
    p.add_argument("--outbox", metavar="DIR", help="where the .eml files go (default: outbox/<ID>/)")
    p.add_argument("--student", metavar="S", help="only this student")
    p.add_argument("--db", type=gradebook_url, help=GRADEBOOK_HELP)
    p.set_defaults(func=cmd_feedback_mail)

    p = sub.add_parser("students", help="the class list in the gradebook")
    students = p.add_subparsers(dest="students_command", required=True)
    q = students.add_parser("import", help="create or update students from a roster CSV "
                                           "(id, first name, last name, email[, LMS id])")
    q.add_argument("roster", metavar="ROSTER.csv")
    q.add_argument("--db", type=gradebook_url, help=GRADEBOOK_HELP)
    q.set_defaults(func=cmd_students_import)

    p = sub.add_parser("report", help="class misconception report: pass rates, catalogued mistakes, scores")
    p.add_argument("assignment", metavar="ID")
    p.add_argument("--html", metavar="FILE", help="write the report as one self-contained HTML page")
    p.add_argument("--csv", metavar="FILE", help="write the report's figures as CSV")
    p.add_argument("--db", type=gradebook_url, help=GRADEBOOK_HELP)
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("similarity", help="clusters and ranked pairs of students whose answer code is alike; "
                                          "model-solution code told apart (a hint)")
    p.add_argument("assignment", metavar="ID")
    p.add_argument("--html", metavar="FILE", help="write the ranking, with the shared code marked, as HTML")
    p.add_argument("--submitted", metavar="DIR", help="read DIR/<student>/<ID>/ instead of autograded/")
    p.add_argument("--top", type=int, metavar="N", help="most pairs listed (default: c.Similarity.top, 30)")
    p.add_argument("--threshold", type=float, metavar="PERCENT",
                   help="list and cluster pairs at least this similar, 0 to 100 (default: c.Similarity.threshold, 50)")
    p.set_defaults(func=cmd_similarity)
