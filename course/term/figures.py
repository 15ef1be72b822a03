"""Where nbgrader's own totals differ from the course's figure, and why: the rows of the
"Course figures" panel on the formgrader's list pages (:mod:`.formgrader`).

nbgrader's list pages add up ``Grade.score``: before the late penalty (kept in nbgrader's own
``SubmittedNotebook.late_submission_penalty``), and they show missing work (graded as the
untouched release so the gradebook has a row) as an ordinary graded 0 with no timestamp. The
course's figure is :func:`course.gradebook.grades.final_score`, the ``score`` of
``grades_<ID>.csv``, ``course student`` and the feedback. A row is made for every submission
whose figure differs from nbgrader's, or whose status says nbgrader's row is not what it seems
(missing, unreadable, waiting for a person, settled by one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from course.gradebook.grades import final_score, fmt, has_work, late_clause
from course.gradebook.records import StatusRecords
from course.gradebook.students import full_name
from course.grading.results import SETTLED_BY_A_PERSON, RunRecord, Status

LISTED_STATUSES = (Status.MISSING, Status.INVALID, Status.SETTLED, *SETTLED_BY_A_PERSON)
"""Statuses listed even when the two figures agree: nbgrader's row does not say what they mean."""


@dataclass(frozen=True)
class Figure:
    """One submission whose nbgrader total is not the whole story."""

    student_id: str
    name: str
    assignment_id: str
    shown: str  # nbgrader's total (the Score column)
    counts: str  # the course's figure (grades_<ID>.csv)
    max_score: str
    status: str
    why: tuple[str, ...]


@dataclass(frozen=True)
class StudentTotal:
    """One student over every assignment: nbgrader's Overall Score against the course's total."""

    student_id: str
    name: str
    shown: str
    counts: str
    max_score: str
    figures: tuple[Figure, ...]


def status_clause(record: RunRecord, assignment_id: str, student_id: str) -> str:
    """Why nbgrader's row of this status is not what it seems, then a person's decision on it
    (carried over, or why an earlier one lapsed); "" when nbgrader's row says it all."""
    return "; ".join(c for c in (status_words(record.status, assignment_id, student_id), record.decision_words()) if c)


def status_words(status: Status, assignment_id: str, student_id: str) -> str:
    if status == Status.MISSING:
        return ("no notebook handed in (status missing): the 0 with timestamp None is the untouched exercise, "
                "graded so the gradebook has a row")
    if status == Status.INVALID:
        return "the notebook could not be read (status invalid): graded as the untouched exercise"
    if status in SETTLED_BY_A_PERSON:
        return (f"status {status.value}: a person must settle it "
                f"(course settle {assignment_id} {student_id} --by NAME --why TEXT --accept | --score POINTS)")
    return ""


def submission_figure(submission: Any, records: StatusRecords) -> Figure | None:
    """The panel's row for one submission, or None when nbgrader's total is the course's figure."""
    if not has_work(submission):
        return None
    aid, sid = submission.assignment.name, submission.student.id
    record = records.get(aid, sid)
    shown, counts = round(float(submission.score), 4), final_score(submission)
    status = record.status if record is not None else Status.UNKNOWN
    why = [c for c in (status_clause(record, aid, sid) if record is not None else "", late_clause(submission)) if c]
    if shown == counts and status not in LISTED_STATUSES:
        return None
    return Figure(sid, full_name(submission.student), aid, fmt(shown), fmt(counts), fmt(submission.max_score),
                  status.value, tuple(why))


def assignment_figures(gb: Any, records: StatusRecords, assignment_id: str) -> list[Figure]:
    """Every row of one assignment, by student id."""
    assignment = gb.find_assignment(assignment_id)
    rows = (submission_figure(s, records) for s in assignment.submissions)
    return sorted((r for r in rows if r is not None), key=lambda r: r.student_id)


def student_figures(gb: Any, records: StatusRecords, student_id: str) -> list[Figure]:
    """Every row of one student, by assignment."""
    student = gb.find_student(student_id)
    rows = (submission_figure(s, records) for s in student.submissions)
    return sorted((r for r in rows if r is not None), key=lambda r: r.assignment_id)


def class_totals(gb: Any, records: StatusRecords) -> list[StudentTotal]:
    """Students with at least one row: nbgrader's Overall Score and the course's total."""
    totals = []
    possible = sum(float(a.max_score) for a in gb.assignments)
    for student in sorted(gb.students, key=lambda s: s.id):
        work = [s for s in student.submissions if has_work(s)]
        figures = tuple(sorted((f for f in (submission_figure(s, records) for s in work) if f is not None),
                               key=lambda f: f.assignment_id))
        if figures:
            shown = sum(float(s.score) for s in student.submissions)
            counts = sum(final_score(s) for s in work)
            totals.append(StudentTotal(student.id, full_name(student), fmt(round(shown, 4)), fmt(round(counts, 4)),
                                       fmt(possible), figures))
    return totals
