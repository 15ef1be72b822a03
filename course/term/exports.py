"""``course grades --format long|wide|canvas``: every student and every assignment, from the gradebook.

- ``long``: one row per (student, assignment): ``student_id,assignment,score,max_score,status,
  submitted,needs_manual_grade,late_seconds,penalty,decision``. ``status`` is the latest run's
  (``missing`` when nothing was handed in, ``settled`` once a person decided a held submission);
  ``submitted`` is true only when the student handed in a notebook (a folder without one is
  ``missing``, not submitted); ``decision`` says who settled it, when and why (and that it was
  carried over to a later run of the same submission, or why an earlier one no longer counts);
- ``wide``: one row per student: ``student_id,first_name,last_name,email``, one score column per
  assignment, ``total``;
- ``canvas``: Canvas's gradebook import layout: ``Student,ID,SIS User ID,SIS Login ID,Section``,
  one column per assignment, and first a ``Points Possible`` row with each assignment's points.
  Student is "Last, First" (the id when the roster gave no name), ID the LMS id from the roster,
  SIS User ID the student id, SIS Login ID the email.

``--assignment ID`` keeps one assignment; in the ``long`` format it rewrites ``grades_<ID>.csv``'s
layout (``student_id,assignment,score,max_score,status,reason,late_seconds,penalty``), so that CSV
can be refreshed after hand grading without a new autograde run.

Scores are what counts: hand grades included, the late penalty taken off; a missing submission
is 0. Before reading, the late policy is re-applied to late submissions, so a penalty follows
hand grades given since the last autograde (:func:`course.gradebook.lateness.refresh_late_penalties`).
"""

from __future__ import annotations

import csv
from typing import Any, TextIO

from course.gradebook.grades import fmt, final_score, has_work, late_figures, waiting
from course.gradebook.records import StatusRecords
from course.grading.results import RunRecord, Status

FORMATS = ("long", "wide", "canvas")
LONG_COLUMNS = ["student_id", "assignment", "score", "max_score", "status", "submitted", "needs_manual_grade",
                "late_seconds", "penalty", "decision"]
NOTHING_HANDED_IN = (Status.MISSING,)
CANVAS_FIXED = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
POINTS_POSSIBLE = "    Points Possible"  # as Canvas writes it in its own export

Table = tuple[list[str], list[list[str]]]


def _work(gb: Any, only: str | None = None) -> tuple[list[Any], list[Any], dict[tuple[str, str], Any]]:
    """(students, assignments, (assignment, student) -> submission with work), sorted by name;
    ``only``: that one assignment."""
    assignments = sorted((a for a in gb.assignments if only is None or a.name == only), key=lambda a: a.name)
    students = sorted(gb.students, key=lambda s: s.id)
    subs = {(a.name, s.student.id): s for a in assignments for s in a.submissions if has_work(s)}
    return students, assignments, subs


def _record(records: StatusRecords | None, aid: str, sid: str, sub: Any) -> RunRecord:
    record = records.get(aid, sid) if records is not None else None
    if record is not None:
        return record
    return RunRecord(Status.MISSING if sub is None else Status.UNKNOWN)


def long_table(gb: Any, only: str | None = None, records: StatusRecords | None = None) -> Table:
    students, assignments, subs = _work(gb, only)
    rows = []
    for student in students:
        for a in assignments:
            sub = subs.get((a.name, student.id))
            record = _record(records, a.name, student.id, sub)
            seconds, penalty = late_figures(sub) if sub else (0.0, 0.0)
            handed_in = sub is not None and record.status not in NOTHING_HANDED_IN
            decision = record.decision_words()
            rows.append([student.id, a.name, fmt(final_score(sub) if sub else 0), fmt(a.max_score),
                         record.status.value, str(handed_in).lower(), str(bool(sub and waiting(sub)[1])).lower(),
                         fmt(seconds), fmt(penalty), decision])
    return LONG_COLUMNS, rows


def _scores(student: Any, assignments: list[Any], subs: dict[tuple[str, str], Any]) -> list[float]:
    return [final_score(subs[(a.name, student.id)]) if (a.name, student.id) in subs else 0.0 for a in assignments]


def wide_table(gb: Any, only: str | None = None, records: StatusRecords | None = None) -> Table:
    students, assignments, subs = _work(gb, only)
    header = ["student_id", "first_name", "last_name", "email", *(a.name for a in assignments), "total"]
    rows = []
    for s in students:
        scores = _scores(s, assignments, subs)
        rows.append([s.id, s.first_name or "", s.last_name or "", s.email or "", *map(fmt, scores), fmt(sum(scores))])
    return header, rows


def canvas_name(student: Any) -> str:
    names = [n for n in (student.last_name, student.first_name) if n]
    return ", ".join(names) if names else student.id


def canvas_table(gb: Any, only: str | None = None, records: StatusRecords | None = None) -> Table:
    students, assignments, subs = _work(gb, only)
    header = [*CANVAS_FIXED, *(a.name for a in assignments)]
    rows = [[POINTS_POSSIBLE, "", "", "", "", *(fmt(a.max_score) for a in assignments)]]
    for s in students:
        rows.append([canvas_name(s), s.lms_user_id or "", s.id, s.email or "", "",
                     *map(fmt, _scores(s, assignments, subs))])
    return header, rows


TABLES = {"long": long_table, "wide": wide_table, "canvas": canvas_table}


def assignment_table(gb: Any, assignment_id: str, records: Any) -> Table:
    """``grades_<ID>.csv`` rebuilt from the gradebook: the autograde CSV's columns, hand grades
    given since the last run included."""
    from course.gradebook.grades import CLASS_COLUMNS, class_rows

    rows = class_rows(gb, assignment_id, records)
    return CLASS_COLUMNS, [[r[c] for c in CLASS_COLUMNS] for r in rows]


def export(db_url: str, course_id: str, form: str, config: Any, assignment: str | None = None,
           records: Any = None) -> Table:
    """The table of ``form`` (one of :data:`FORMATS`), penalties refreshed first. With
    ``assignment``: only that assignment (``long`` is then the autograde CSV's layout, status and
    reason from ``records``)."""
    from nbgrader.api import Gradebook

    from course.gradebook.lateness import refresh_late_penalties

    if form not in TABLES:
        raise ValueError(f"unknown format {form!r}; allowed: {', '.join(FORMATS)}")
    with Gradebook(db_url, course_id) as gb:
        if assignment is not None:
            known = sorted(a.name for a in gb.assignments)
            if assignment not in known:
                raise ValueError(f"no assignment {assignment!r} in the gradebook; known: {', '.join(known) or 'none'}")
        refresh_late_penalties(gb, config, assignment)
        if assignment is not None and form == "long":
            return assignment_table(gb, assignment, records)
        return TABLES[form](gb, assignment, records)


def assignment_csv(db_url: str, course_id: str, assignment_id: str, records: StatusRecords) -> str | None:
    """``grades_<ID>.csv``'s text, from the gradebook now; None when nobody was graded yet."""
    import io

    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url, course_id) as gb:
        try:
            header, rows = assignment_table(gb, assignment_id, records)
        except MissingEntry:
            return None
    if not rows:
        return None
    buf = io.StringIO()
    write_table(buf, (header, rows))
    return buf.getvalue()


def write_table(out: TextIO, table: Table) -> None:
    header, rows = table
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
