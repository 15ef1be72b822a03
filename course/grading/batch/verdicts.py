"""A job's status and notes (data, :mod:`course.grading.results`) from the verdicts the grader wrote into each
autograded notebook's ``metadata.course_grading`` (``course.grading.preprocessors``).

Statuses, strongest first: ``timeout`` / ``crashed`` (the run stopped), ``tampered`` (the
notebook forged or changed the grading machinery), ``review`` (something the grader cannot
settle: a person must look; it earns nothing until then), ``ok``.
"""

from __future__ import annotations

import json
from typing import Any

from course.grading.preprocessors.cells import METADATA_KEY
from course.grading.results import Note, Status, TestResult, display_note, run_note, stronger

FAILED_KINDS = ("WrongAnswer", "NotRun", "GraderError", "Shortcut", "Review")


def _meta(data: bytes) -> dict[str, Any]:
    try:
        meta = json.loads(data.decode("utf-8")).get("metadata", {}).get(METADATA_KEY, {})
    except Exception:
        return {}
    return meta if isinstance(meta, dict) else {}


def test_results(meta: dict[str, Any]) -> list[TestResult]:
    """The grader's verdict on every graded test cell of one autograded notebook, in order."""
    cells = meta.get("cells", {})
    cells = cells if isinstance(cells, dict) else {}
    order = [k for k in meta.get("order", []) if k in cells] or sorted(cells)
    out = []
    for gid in order:
        v = cells[gid]
        if isinstance(v, dict) and v.get("passed") is not None:
            out.append(TestResult(gid, float(v.get("points", 0) or 0), bool(v["passed"]),
                                  str(v.get("message") or ""), kind=str(v.get("kind") or "")))
    return out


def summarise(autograded: dict[str, bytes]) -> tuple[Status, list[Note]]:
    """(status, notes) of a job from its autograded notebooks (file name -> bytes)."""
    status, notes = Status.OK, []
    for name in sorted(autograded):
        meta = _meta(autograded[name])
        execution = meta.get("execution", {})
        if execution.get("status") in ("timeout", "crashed"):
            status = stronger(Status(execution["status"]), status)
            notes.append(run_note(f"{execution.get('reason')}: tests from there on earn nothing"))
        if meta.get("tampering"):
            status = stronger(Status.TAMPERED, status)
            notes.append(run_note("the notebook changes the grading machinery (" + "; ".join(meta["tampering"][:2]) + ")"))
        if meta.get("review"):
            status = stronger(Status.REVIEW, status)
            notes.append(run_note("needs a person to look: " + "; ".join(meta["review"][:2])))
        for fn, names in sorted(meta.get("shortcuts", {}).items()):
            notes.append(run_note(f"{fn} calls {', '.join(names)}: no points for it"))
        tests = test_results(meta)
        failed = [t for t in tests if not t.passed and t.kind in FAILED_KINDS]
        if failed and status == Status.OK:
            notes.append(run_note(f"{len(failed)} of {len(tests)} tests failed (first, {failed[0].grade_id}: "
                                  f"{failed[0].message})"))
        if execution.get("output_truncated"):
            notes.append(run_note("output was truncated (too much printing)"))
        notes += [display_note(str(n["text"])) for n in meta.get("notes") or []
                  if isinstance(n, dict) and n.get("text") and display_note(str(n["text"])) not in notes]
    return status, notes
