"""The rows of every grades CSV, computed from the gradebook (hand-given points included).

``score`` is what counts: the gradebook's score (a person's grade where one was given, else the
autograder's) minus the late penalty, as nbgrader's own feedback shows it. A submission row that
holds no work (nbgrader keeps an extension on an empty submission until the student is graded)
counts as not submitted.
"""

from __future__ import annotations

from typing import Any

from course.term.records import StatusRecords

CLASS_COLUMNS = ["student_id", "assignment", "score", "max_score", "status", "reason", "late_seconds", "penalty"]
"""``grades_<ID>.csv``: the autograde CSV's six columns, then the lateness and the penalty."""

NO_RECORD = ("unknown", "no record of the run that graded it (graded outside course autograde?)")
QUIET_STATUSES = ("error", "review")  # their reason already says a person must look


def fmt(x: float | None) -> str:
    return f"{float(x or 0):g}"


def has_work(submission: Any) -> bool:
    """True when a submission row holds graded work (not only an extension)."""
    if submission.timestamp is not None:
        return True
    return any(g.auto_score is not None or g.manual_score is not None
               for nb in submission.notebooks for g in nb.grades)


def waiting(submission: Any) -> tuple[float, list[str]]:
    """Points and cell names flagged for a person (``needs_manual_grade``)."""
    flagged = [g for nb in submission.notebooks for g in nb.grades if g.needs_manual_grade]
    return sum(float(g.max_score) for g in flagged), sorted(g.name for g in flagged)


def reason_with_manual(status: str, base: str, submission: Any) -> str:
    """The stored reason plus what waits for a person now (read from the gradebook)."""
    parts = [base] if base else []
    points, cells = waiting(submission)
    if cells and status not in QUIET_STATUSES:
        parts.append(f"{points:g} points wait for manual grading ({', '.join(cells)})")
    return "; ".join(parts) or "all tests passed"


def late_figures(submission: Any) -> tuple[float, float]:
    """(seconds late, points lost) as the gradebook has them."""
    return float(submission.total_seconds_late or 0), float(submission.late_submission_penalty or 0)


def final_score(submission: Any) -> float:
    return round(float(submission.score) - float(submission.late_submission_penalty or 0), 4)


def class_row(submission: Any, records: StatusRecords) -> dict[str, str]:
    aid, sid = submission.assignment.name, submission.student.id
    record = records.get(aid, sid)
    status, base = (record["status"], record.get("reason", "")) if record else NO_RECORD
    seconds, penalty = late_figures(submission)
    return {"student_id": sid, "assignment": aid, "score": fmt(final_score(submission)),
            "max_score": fmt(submission.max_score), "status": status,
            "reason": reason_with_manual(status, base, submission),
            "late_seconds": fmt(seconds), "penalty": fmt(penalty)}


def class_rows(gb: Any, assignment_id: str, records: StatusRecords) -> list[dict[str, str]]:
    """One row per student with work in the gradebook for ``assignment_id``, by student id."""
    assignment = gb.find_assignment(assignment_id)
    subs = [s for s in assignment.submissions if has_work(s)]
    return [class_row(s, records) for s in sorted(subs, key=lambda s: s.student.id)]


def read_class_rows(db_url: str, course_id: str, assignment_id: str, records: StatusRecords) -> list[dict[str, str]]:
    from nbgrader.api import Gradebook

    with Gradebook(db_url, course_id) as gb:
        return class_rows(gb, assignment_id, records)
