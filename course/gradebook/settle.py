"""A person settles a held submission (``review``, ``tampered``, ``error``): ``course settle``.

The procedure (README, "Running a term"): open the student's autograded notebook in the
formgrader (or ``course student STUDENT``), read the reason, look at the code, decide. Then one of

- ``accept``: the gradebook's scores stand, as the person left them (a test's score can be
  changed in the formgrader first, nbgrader's way); the hold is lifted;
- ``override``: the person gives the total; it is spread over the notebook's grades in
  proportion to their points (as hand grades, ``Grade.manual_score``), so nbgrader's formgrader
  and feedback show the same total.

Either way the decision (who, when, why, what was settled) is kept in the status file
(:mod:`.records`), shown in the ``reason`` of ``grades_<ID>.csv`` and in ``course grades``
(status ``settled``), and a written answer that still waits for its hand grade stays flagged.
The late policy applies to the settled score as to any other.

A later ``course autograde`` of the student keeps the decision when it grades the same submission
(the same fingerprint) and holds it again with the status the person settled: :func:`apply_decision`
re-applies it to the new run's grades (the merge, :mod:`course.grading.batch.merge`), and the
reason says it was carried over. A different submission, or the same one now graded ``ok`` (a
check fixed, say), does not keep it: an override's spread is taken back
(:func:`withdraw_decision`), the run's own figure stands or the row is held again, and the reason
says why the earlier decision no longer counts (:class:`course.grading.results.LapsedDecision`).
"""

from __future__ import annotations

from typing import Any

from course.gradebook.grades import is_hand_graded_answer
from course.gradebook.lateness import apply_late_penalties
from course.gradebook.records import StatusRecords
from course.grading.results import SETTLED_BY_A_PERSON, Decision, RunRecord, now_iso


def shares(points: list[float], total: float) -> list[float]:
    """``total`` spread over grades worth ``points``, in proportion, adding up to ``total`` exactly."""
    whole = sum(points)
    out: list[float] = []
    for i, p in enumerate(points):
        out.append(total - sum(out) if i == len(points) - 1 else round(total * p / whole, 4))
    return out


def _grades(gb: Any, assignment_id: str, student_id: str) -> list[Any]:
    """Each grade of the student's submission, in the gradebook's order."""
    submission = gb.find_submission(assignment_id, student_id)
    return [g for nb in submission.notebooks for g in nb.grades]


def _override_shares(grades: list[Any], decision: Decision) -> list[tuple[Any, float]]:
    """Each grade with its share of an override's total (:func:`shares`)."""
    return list(zip(grades, shares([float(g.max_score) for g in grades], float(decision.score))))


def apply_decision(gb: Any, assignment_id: str, student_id: str, decision: Decision) -> None:
    """The gradebook's side of a decision (see the module docstring): an override's total spread
    as hand grades; the hold lifted, a written answer without its hand grade left flagged. The
    late policy is not applied here (the caller does, once)."""
    grades = _grades(gb, assignment_id, student_id)
    if decision.action == "override":
        max_score = sum(float(g.max_score) for g in grades)
        if not 0 <= float(decision.score) <= max_score:
            raise ValueError(f"--score {decision.score:g} is outside 0 to {max_score:g}, the points of {assignment_id}")
        for grade, share in _override_shares(grades, decision):
            grade.manual_score = share
    for grade in grades:
        grade.needs_manual_grade = (decision.action == "accept" and grade.manual_score is None
                                    and is_hand_graded_answer(grade))
    gb.db.commit()


def withdraw_decision(gb: Any, assignment_id: str, student_id: str, decision: Decision) -> None:
    """Take an override's spread back off the gradebook before a new run is merged (a grade a
    person changed since keeps its score): the new run's figures are then the run's own, and a
    decision carried over is spread again by :func:`apply_decision`. An accept changed only flags,
    which the new run sets anew. Not committed (the merge commits)."""
    if decision.action != "override":
        return
    for grade, share in _override_shares(_grades(gb, assignment_id, student_id), decision):
        if grade.manual_score is not None and abs(float(grade.manual_score) - share) < 1e-9:
            grade.manual_score = None


def settle(gb: Any, records: StatusRecords, assignment_id: str, student_id: str, action: str, by: str, why: str,
           config: Any, score: float | None = None) -> RunRecord:
    """Apply a person's decision (``action``: ``accept`` or ``override`` with ``score``) to the
    student's submission and record it (see the module docstring)."""
    record = records.get(assignment_id, student_id)
    if record is None:
        raise ValueError(f"no run of {assignment_id} for {student_id} on record: grade it first "
                         f"(course autograde {assignment_id} --student {student_id})")
    if record.status not in SETTLED_BY_A_PERSON:
        allowed = ", ".join(s.value for s in SETTLED_BY_A_PERSON)
        raise ValueError(f"{student_id}'s {assignment_id} is {record.status.value}: nothing to settle "
                         f"(a person settles {allowed})")
    decision = Decision(by=by, at=now_iso(), action=action, why=why, was=record.status, score=score,
                        fingerprint=record.fingerprint)
    apply_decision(gb, assignment_id, student_id, decision)
    apply_late_penalties(gb, assignment_id, student_id, config)
    return records.decide(assignment_id, student_id, decision)
