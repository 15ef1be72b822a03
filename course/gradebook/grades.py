"""The rows of every grades CSV, computed from the gradebook (hand-given points included).

``score`` is what counts: the gradebook's score (a person's grade where one was given, else the
autograder's) minus the late penalty, as nbgrader's own feedback shows it. A submission row that
holds no work (nbgrader keeps an extension on an empty submission until the student is graded)
counts as not submitted.
"""

from __future__ import annotations

from typing import Any

from course.gradebook.records import StatusRecords
from course.grading.results import GRADED_AS_RELEASE, HELD_STATUSES, RunRecord, Status, grader_note, reason_notes, render_reason, run_note

CLASS_COLUMNS = ["student_id", "assignment", "score", "max_score", "status", "reason", "late_seconds", "penalty"]
"""``grades_<ID>.csv``: the autograde CSV's six columns, then the lateness and the penalty."""

NO_RECORD = RunRecord(Status.UNKNOWN, (grader_note("no record of the run that graded it (graded outside course "
                                                     "autograde?)"),))
QUIET_STATUSES = HELD_STATUSES  # their reason already says a person must look


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


def manual_clause(status: Status, submission: Any) -> str:
    """"N points wait for manual grading (cells)", read from the gradebook now ("" if none)."""
    points, cells = waiting(submission)
    if cells and status not in QUIET_STATUSES:
        return f"{points:g} points wait for manual grading ({', '.join(cells)})"
    return ""


def is_hand_graded_answer(grade: Any) -> bool:
    """A grade of an answer a person grades: a grade cell that is also a solution cell of its
    notebook (nbgrader's "manually graded answer", ex03's written question), not a test cell."""
    cell = grade.cell
    return any(c.name == cell.name for c in cell.notebook.solution_cells)


def left_as_released(submission: Any) -> list[Any]:
    """Answers a person grades that nbgrader scored 0 on its own: an answer cell handed in
    unchanged gets 0 and is not flagged for a person. A person's grade, once given, is theirs
    (``manual_score``) and the answer is no longer listed."""
    return [g for nb in submission.notebooks for g in nb.grades
            if g.auto_score is not None and g.manual_score is None and not g.needs_manual_grade
            and is_hand_graded_answer(g)]


def blank_clause(status: Status, submission: Any) -> str:
    """"answer-dense left as released: 0 of 3 points" ("" if none, or no notebook was handed in:
    the reason already says so)."""
    blank = [] if status in GRADED_AS_RELEASE else left_as_released(submission)
    if not blank:
        return ""
    return (f"{', '.join(sorted(g.name for g in blank))} left as released: "
            f"0 of {points(sum(float(g.max_score) for g in blank))} (nbgrader gives an unchanged answer 0)")


def late_clause(submission: Any) -> str:
    """"late by 1 day 10 hours: 2 points off" when the gradebook holds a penalty ("" if none)."""
    seconds, penalty = late_figures(submission)
    return late_words(seconds, penalty) if seconds > 0 else ""


def points(x: float) -> str:
    """``2`` -> ``2 points``, ``1`` -> ``1 point``, ``0.9`` -> ``0.9 points``."""
    shown = fmt(x)
    return f"{shown} point{'' if shown == '1' else 's'}"


def points_off(penalty: float) -> str:
    """``2`` -> ``2 points off``, ``1`` -> ``1 point off``, ``0.9`` -> ``0.9 points off``."""
    return f"{points(penalty)} off"


def late_words(seconds: float, penalty: float | None = None) -> str:
    """The words for late work, made here only: ``late by 1 day 10 hours: 2 points off``, ``late by
    3 hours: no penalty``; without ``penalty``, ``late by 1 day 10 hours`` (a table's own column)."""
    late = f"late by {duration(seconds)}"
    if penalty is None:
        return late
    return f"{late}: {points_off(penalty)}" if penalty else f"{late}: no penalty"


def duration(seconds: float) -> str:
    """``3725`` -> ``1 hour 2 minutes``; under a minute -> ``N seconds``."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    parts = []
    for name, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        n, seconds = divmod(seconds, size)
        if n:
            parts.append(f"{n} {name}{'s' if n != 1 else ''}")
    return " ".join(parts[:2])


def reason_of(record: RunRecord, submission: Any) -> str:
    """The CSV's reason: the run's notes, then what the gradebook says now (manual grading
    waiting, the late penalty) and a person's decision. The one place a reason is written."""
    extra = [manual_clause(record.status, submission), blank_clause(record.status, submission), late_clause(submission)]
    extra.append(record.decision_words())  # a person's decision, carried over or lapsed too
    notes = reason_notes(record.status, record.notes)  # display notes (figures not redrawn) left out
    if record.status == Status.OK and not notes:
        notes = [run_note("all tests passed")]  # said before the late penalty and what waits
    return render_reason(notes, extra)


def late_figures(submission: Any) -> tuple[float, float]:
    """(seconds late, points lost) as the gradebook has them."""
    return float(submission.total_seconds_late or 0), float(submission.late_submission_penalty or 0)


def final_score(submission: Any) -> float:
    return round(float(submission.score) - float(submission.late_submission_penalty or 0), 4)


def class_row(submission: Any, records: StatusRecords) -> dict[str, str]:
    aid, sid = submission.assignment.name, submission.student.id
    record = records.get(aid, sid) or NO_RECORD
    seconds, penalty = late_figures(submission)
    return {"student_id": sid, "assignment": aid, "score": fmt(final_score(submission)),
            "max_score": fmt(submission.max_score), "status": record.status.value,
            "reason": reason_of(record, submission),
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
