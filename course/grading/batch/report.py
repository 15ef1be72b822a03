"""What a batch tells the instructor: one CSV row per student and a plain-text summary table."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass
from typing import Any

from course.grading.batch.job import Outcome

CSV_COLUMNS = ["student_id", "assignment", "score", "max_score", "status", "reason"]


def _fmt(x: float) -> str:
    return f"{float(x):g}"


def row(outcome: Outcome) -> dict[str, Any]:
    return {"student_id": outcome.student_id, "assignment": outcome.assignment_id, "score": _fmt(outcome.score),
            "max_score": _fmt(outcome.max_score), "status": outcome.status, "reason": outcome.reason}


@dataclass
class BatchResult:
    outcomes: list[Outcome]
    seconds: float

    def rows(self) -> list[dict[str, Any]]:
        return [row(o) for o in sorted(self.outcomes, key=lambda o: o.student_id)]

    def csv_text(self) -> str:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows())
        return buf.getvalue()


def summary_table(result: BatchResult) -> str:
    """One line per student, then counts by status and the mean score."""
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
    return "\n".join(lines)


def outcome_dict(outcome: Outcome) -> dict[str, Any]:
    d = asdict(outcome)
    d.pop("autograded")
    return d
