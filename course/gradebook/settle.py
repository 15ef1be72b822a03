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
"""

from __future__ import annotations

from typing import Any

from course.gradebook.lateness import apply_late_penalties
from course.gradebook.records import StatusRecords
from course.grading.results import SETTLED_BY_A_PERSON, Decision, RunRecord, now_iso


def _is_written_answer(gb: Any, grade: Any, notebook: Any, assignment_id: str) -> bool:
    """A grade of an answer cell graded by hand (a solution cell that is also a grade cell)."""
    from nbgrader.api import MissingEntry

    try:
        gb.find_solution_cell(grade.name, notebook.name, assignment_id)
        return True
    except MissingEntry:
        return False


def _spread(grades: list[Any], total: float) -> None:
    """Manual scores proportional to the grades' points, adding up to ``total`` exactly."""
    points = sum(float(g.max_score) for g in grades)
    given = 0.0
    for i, grade in enumerate(grades):
        share = total - given if i == len(grades) - 1 else round(total * float(grade.max_score) / points, 4)
        grade.manual_score = share
        given += share


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
    decision = Decision(by=by, at=now_iso(), action=action, why=why, was=record.status, score=score)
    submission = gb.find_submission(assignment_id, student_id)
    grades = [(nb, g) for nb in submission.notebooks for g in nb.grades]
    if decision.action == "override":
        max_score = float(submission.max_score)
        if not 0 <= float(decision.score) <= max_score:
            raise ValueError(f"--score {decision.score:g} is outside 0 to {max_score:g}, the points of {assignment_id}")
        _spread([g for _, g in grades], float(decision.score))
    for nb, grade in grades:
        waits_for_hand = (decision.action == "accept" and grade.manual_score is None
                          and _is_written_answer(gb, grade, nb, assignment_id))
        grade.needs_manual_grade = waits_for_hand
    gb.db.commit()
    apply_late_penalties(gb, assignment_id, student_id, config)
    return records.decide(assignment_id, student_id, decision)

