"""A job's status and reason, in plain words, from the verdicts the grader wrote into each
autograded notebook's ``metadata.course_grading`` (``course.grading.preprocessors``).

Statuses, strongest first: ``timeout`` / ``crashed`` (the run stopped), ``tampered`` (the
notebook forged or changed the grading machinery), ``review`` (something the grader cannot
settle: a person must look; it earns nothing until then), ``ok``.
"""

from __future__ import annotations

import json
from typing import Any

STATUS_ORDER = ("timeout", "crashed", "tampered", "review", "ok")
FAILED_KINDS = ("WrongAnswer", "NotRun", "GraderError", "Shortcut", "Review")


def _stronger(a: str, b: str) -> str:
    return a if STATUS_ORDER.index(a) <= STATUS_ORDER.index(b) else b


def _meta(data: bytes) -> dict[str, Any]:
    try:
        meta = json.loads(data.decode("utf-8")).get("metadata", {}).get("course_grading", {})
    except Exception:
        return {}
    return meta if isinstance(meta, dict) else {}


def summarise(autograded: dict[str, bytes]) -> tuple[str, str]:
    """(status, reason) of a job from its autograded notebooks (file name -> bytes)."""
    status, parts = "ok", []
    for name in sorted(autograded):
        meta = _meta(autograded[name])
        execution = meta.get("execution", {})
        if execution.get("status") in ("timeout", "crashed"):
            status = _stronger(execution["status"], status)
            parts.append(f"{execution.get('reason')}: tests from there on earn nothing")
        if meta.get("tampering"):
            status = _stronger("tampered", status)
            parts.append("the notebook changes the grading machinery (" + "; ".join(meta["tampering"][:2]) + ")")
        if meta.get("review"):
            status = _stronger("review", status)
            parts.append("needs a person to look: " + "; ".join(meta["review"][:2]))
        for fn, names in sorted(meta.get("shortcuts", {}).items()):
            parts.append(f"{fn} calls {', '.join(names)}: no points for it")
        cells = meta.get("cells", {})
        order = [k for k in meta.get("order", []) if k in cells] or sorted(cells)
        failed = [(k, cells[k]) for k in order if isinstance(cells[k], dict)
                  and cells[k].get("passed") is False and cells[k].get("kind") in FAILED_KINDS]
        graded = [v for v in cells.values() if isinstance(v, dict) and v.get("passed") is not None]
        if failed and status == "ok":
            first_id, first = failed[0]
            parts.append(f"{len(failed)} of {len(graded)} tests failed (first, {first_id}: {first.get('message')})")
        if execution.get("output_truncated"):
            parts.append("output was truncated (too much printing)")
    return status, "; ".join(parts)
