"""What a grader sees in nbgrader's formgrader beside nbgrader's own figures: markdown cells the
merge puts into each autograded notebook (the formgrader renders that notebook), marked
``metadata.course_grading.grader_only`` so the student's feedback drops them
(:class:`course.grading.feedback.FeedbackPolicy`).

- **The course's figure** (at the top), when the formgrader's total is not the one that counts:
  a late penalty (the formgrader shows scores before it), a missing or unreadable notebook (the
  page shows the untouched release, graded 0 so the gradebook has a row), a status a person must
  settle. It names where the figure that counts is: ``grades_<ID>.csv`` and ``course student``.
- **The rubric** of every answer graded by hand, right after the student's answer: the model
  answer and its grading notes from the instructor's source notebook (``solutions/<ID>/``, read
  once per batch with the assignment's template), so the grader does not have to open it.
"""

from __future__ import annotations

import json
from typing import Any

from course.gradebook.grades import duration, points_off
from course.grading.preprocessors.cells import METADATA_KEY
from course.grading.results import Status

GRADER_ONLY = "grader_only"
"""``cell.metadata.course_grading.grader_only``: a cell the merge added for the formgrader's grader."""


def is_grader_only(cell: Any) -> bool:
    meta = (cell.get("metadata") or {}).get(METADATA_KEY) or {}
    return isinstance(meta, dict) and bool(meta.get(GRADER_ONLY))


def _cell(kind: str, text: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "id": f"course-{kind}", "metadata": {METADATA_KEY: {GRADER_ONLY: kind}},
            "source": text}


def figure_note(status: Status, assignment_id: str, student_id: str, late: Any) -> str | None:
    """The note on the course's figure, or None when the formgrader's total is the one that counts."""
    where = (f"The figure that counts is the course's: `grades_{assignment_id}.csv`, "
             f"`course student {student_id}`, and the student's feedback.")
    lines = []
    if status == Status.MISSING:
        lines.append("**No notebook was handed in** (status `missing`): below is the untouched exercise, graded "
                     "0 so the gradebook has a row. It is not a submission; its timestamp is empty.")
    elif status == Status.INVALID:
        lines.append("**The notebook could not be read** (status `invalid`): below is the untouched exercise, "
                     "graded 0.")
    elif status in (Status.REVIEW, Status.ERROR, Status.TAMPERED):
        lines.append(f"**Status `{status.value}`: a person must settle this submission** "
                     f"(`course settle {assignment_id} {student_id} --by ... --why ... --accept | --score N`).")
    if late is not None and late.seconds_late > 0:
        lines.append(f"**Late by {duration(late.seconds_late)}**: the course's late policy ({late.policy}) takes "
                     f"{points_off(late.penalty)}. The formgrader's totals here are before that penalty.")
    if not lines:
        return None
    return "### Course grading note (graders only)\n\n" + "\n\n".join(lines) + "\n\n" + where


def _kind(cell: Any) -> str:
    return str(((cell.get("metadata") or {}).get(METADATA_KEY) or {}).get(GRADER_ONLY) or "")


def with_grader_view(data: bytes, note: str | None, rubric: dict[str, str] | None) -> bytes:
    """The autograded notebook's bytes with the note on top and a rubric after each hand-graded
    answer (earlier grader-only cells replaced; ``rubric=None`` keeps the rubrics already there)."""
    try:
        nb = json.loads(data.decode("utf-8"))
        keep = (lambda c: not is_grader_only(c)) if rubric is not None else (lambda c: _kind(c) != "figure")
        cells = [c for c in nb.get("cells", []) if keep(c)]
    except (UnicodeDecodeError, ValueError, AttributeError, TypeError):
        return data
    rubric = rubric or {}
    out = [_cell("figure", note)] if note else []
    for cell in cells:
        out.append(cell)
        gid = ((cell.get("metadata") or {}).get("nbgrader") or {}).get("grade_id")
        if gid in rubric:
            out.append(_cell(f"rubric-{gid}", f"### Rubric for `{gid}` (graders only; from the instructor's source)\n\n"
                                             + rubric[gid]))
    nb["cells"] = out
    if nb.get("nbformat_minor", 0) < 5:
        for c in out:
            c.pop("id", None)
    return (json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
