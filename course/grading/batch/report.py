"""What a batch tells the instructor: the class CSV and a plain-text summary table.

The CSV is the whole class, computed from the gradebook after the batch merged
(:mod:`course.gradebook.grades`): every student with a submission of the assignment, whether this run
graded them or an earlier one did, so no run ever shrinks it. Scores include hand grades and the
late penalty; status and reason come from each student's latest run.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, field
from typing import Any

from course.grading.batch.job import JobResult
from course.gradebook.grades import CLASS_COLUMNS, fmt
from course.grading.results import reason_notes, render_reason

CSV_COLUMNS = CLASS_COLUMNS


def row(outcome: JobResult) -> dict[str, Any]:
    """A row from the outcome alone, for a student the gradebook could not take (merge failed)."""
    reason = render_reason(reason_notes(outcome.status, outcome.notes))
    return {"student_id": outcome.student_id, "assignment": outcome.assignment_id, "score": fmt(0),
            "max_score": fmt(outcome.max_score), "status": outcome.status.value, "reason": reason,
            "late_seconds": fmt(0), "penalty": fmt(0)}


@dataclass
class BatchResult:
    outcomes: list[JobResult]
    seconds: float
    class_rows: list[dict[str, Any]] = field(default_factory=list)  # from the gradebook, whole class

    def all_rows(self) -> list[dict[str, Any]]:
        """The class CSV's rows: the gradebook's, plus a row for any outcome it lacks."""
        have = {r["student_id"] for r in self.class_rows}
        extra = [row(o) for o in self.outcomes if o.student_id not in have]
        return sorted([*self.class_rows, *extra], key=lambda r: r["student_id"])

    def rows(self) -> list[dict[str, Any]]:
        """The rows of the students this run graded."""
        graded = {o.student_id for o in self.outcomes}
        return [r for r in self.all_rows() if r["student_id"] in graded]

    def csv_text(self) -> str:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.all_rows())
        return buf.getvalue()


def summary_table(result: BatchResult) -> str:
    """One line per student graded in this run, then counts by status and the mean score."""
    rows = result.rows()
    width = max([len("student")] + [len(r["student_id"]) for r in rows])
    lines = [f"{'student':<{width}}  {'score':>9}  {'status':<9}  reason", "-" * (width + 40)]
    for r in rows:
        reason = r["reason"] if len(r["reason"]) <= 90 else r["reason"][:87] + "..."
        lines.append(f"{r['student_id']:<{width}}  {r['score']:>4}/{r['max_score']:<4}  {r['status']:<9}  {reason}")
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    mean = sum(float(r["score"]) for r in rows) / len(rows) if rows else 0.0
    per = result.seconds / len(rows) if rows else 0.0
    lines.append("-" * (width + 40))
    lines.append(f"{len(rows)} students, mean score {mean:.2f}; " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
                 + f"; {result.seconds:.1f} s ({per:.2f} s per student)")
    others = len(result.all_rows()) - len(rows)
    if others:
        lines.append(f"(the class CSV also keeps the {others} student(s) graded by earlier runs)")
    return "\n".join(lines)


def outcome_dict(outcome: JobResult) -> dict[str, Any]:
    """A job's result as plain JSON-ready data (no notebook bytes)."""
    d = asdict(outcome)
    d.pop("autograded")
    d.pop("records", None)
    d["status"] = outcome.status.value
    d["notes"] = [n.to_json() for n in outcome.notes]
    return d
