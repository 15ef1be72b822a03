"""``course student STUDENT``: what an instructor opens when a student writes: every assignment
with its status, score (the same figure as the CSVs: hand grades in, late penalty off), lateness
and extension, what waits for a person, a person's decision, and the feedback page if one was
made. Read from the gradebook and the status file, as the CSVs are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from course.gradebook.grades import class_row, fmt, has_work, late_words, waiting
from course.gradebook.records import StatusRecords
from course.gradebook.students import full_name


def _assignment_lines(gb: Any, records: StatusRecords, student_id: str, assignment: Any, root: Path) -> list[str]:
    subs = [s for s in assignment.submissions if s.student.id == student_id]
    sub = subs[0] if subs else None
    head = f"{assignment.name}"
    if assignment.duedate is not None:
        head += f" (due {assignment.duedate:%Y-%m-%d %H:%M} UTC"
        if sub is not None and sub.extension:
            head += f", extended to {assignment.duedate + sub.extension:%Y-%m-%d %H:%M} UTC"
        head += ")"
    if sub is None or not has_work(sub):
        return [head, f"  not submitted: 0 of {fmt(assignment.max_score)}"]
    row = class_row(sub, records)
    lines = [head, f"  score {row['score']} of {row['max_score']}   status {row['status']}"]
    if float(row["late_seconds"]) > 0:
        lines.append(f"  {late_words(float(row['late_seconds']), float(row['penalty']))}")
    points, cells = waiting(sub)
    if cells:
        lines.append(f"  waits for a person: {points:g} points ({', '.join(cells)})")
    lines.append(f"  reason: {row['reason']}")
    pages = sorted((root / "feedback" / student_id / assignment.name).glob("*.html"))
    lines.append("  feedback: " + (", ".join(str(p.relative_to(root)) for p in pages) if pages else "not generated yet"))
    return lines


def student_view(gb: Any, records: StatusRecords, student_id: str, root: Path) -> str:
    """The text of ``course student``."""
    student = gb.find_student(student_id)
    name = full_name(student)
    lines = [f"{student_id}: {name}" if name else student_id]
    if student.email:
        lines[0] += f" <{student.email}>"
    total = possible = 0.0
    for assignment in sorted(gb.assignments, key=lambda a: a.name):
        lines += _assignment_lines(gb, records, student_id, assignment, Path(root))
        possible += float(assignment.max_score)
        subs = [s for s in assignment.submissions if s.student.id == student_id and has_work(s)]
        if subs:
            total += float(class_row(subs[0], records)["score"])
    for d in records.decisions(student_id=student_id):
        lines.append(f"decision on {d['assignment']}: {d['was']} settled by {d['by']} on {str(d['at'])[:10]} "
                     f"({d['action']}): {d['why']}")
    lines.append(f"total {fmt(total)} of {fmt(possible)}")
    return "\n".join(lines)
