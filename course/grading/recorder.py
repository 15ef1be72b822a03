"""Kernel side of grading outside the grader: run the student's function on a check's cases.

A graded test cell calls::

    from course.grading import record
    record("ex01.convolve1d.full", convolve1d)

When a student runs the cell (or ``course validate``), :func:`record` builds the check's cases
(a hidden check draws a fresh random seed: its real cases exist only at grading time), runs the
function on each (catching exceptions case by case), emits ONE display output with mimetype
:data:`RECORD_MIMETYPE`, and raises ``AssertionError`` with a diagnosis when something is wrong.

At grading time :func:`record` is never called: the grader rewrites each ``record(...)`` call of a
test cell into a call of :func:`course.grading.guard.run` with cases it computed itself
(``course.grading.inject``), and decides from the guarded records (:func:`judge`, with the cases
it sent). This module imports the checks only inside :func:`record` and :func:`judge`, so the
grading kernel can import it (``from course.grading import record``) without the checks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from course.grading.casefile import (  # noqa: F401  (re-exported: the record format)
    FORMAT_VERSION,
    MAX_OUTPUT_BYTES,
    RECORD_MIMETYPE,
    Unencodable,
)
from course.grading.casefile import decode_output as decode
from course.grading.casefile import encode_output as encode

if TYPE_CHECKING:
    from course.grading.checks import Case, Check


def _copy(value: Any) -> Any:
    return np.array(value, copy=True) if isinstance(value, np.ndarray) else value


def _cases_of(check: Check, cases: list[Case] | None) -> list[Case]:
    if cases is not None:
        return list(cases)
    if getattr(check, "hidden", False):
        raise ValueError(f"{check.id} is a hidden check: pass the cases the function was run on")
    return check.make_cases()


def run_cases(check: Check, fn: Any, cases: list[Case] | None = None) -> list[dict[str, Any]]:
    """Call ``fn`` on every case (``cases``, else the visible check's own); one dict per case:
    ``{"ok": True, "value": ...}`` or ``{"ok": False, "error": "ValueError: ..."}``."""
    results: list[dict[str, Any]] = []
    for args, kwargs in _cases_of(check, cases):
        try:
            out = fn(*(_copy(a) for a in args), **{k: _copy(v) for k, v in kwargs.items()})
        except Exception as exc:  # the student's bug, reported per case
            results.append({"ok": False, "error": f"{type(exc).__name__}: {str(exc)[:300]}"})
            continue
        results.append({"ok": True, "value": encode(out)})
    return results


def error_message(check: Check, case: Any, error: str) -> str:
    """Plain-words message for a case where the student's function raised ``error``: the call
    that raised, by the shapes of its arguments, and what it should have returned
    (:func:`course.grading.diagnosis.explain_error`)."""
    from course.grading.diagnosis import explain_error

    return explain_error(check, case, error)


def judge(check: Check, results: list[dict[str, Any]], cases: list[Case] | None = None) -> tuple[bool, str | None, int]:
    """Compare recorded ``results`` with the reference on ``cases`` (the cases the function was run
    on; a visible check's own cases when omitted, required for a hidden check), in this process.

    Returns ``(passed, message, n_correct)``; ``message`` explains the first failing case.
    """
    from course.grading.diagnosis import Outcome, diagnose_outcomes

    cases = _cases_of(check, cases)
    if not isinstance(results, list) or len(results) != len(cases):
        got = len(results) if isinstance(results, list) else "no"
        return False, f"the test recorded {got} outputs, expected {len(cases)}: the test did not run as released", 0
    outcomes, expected = [], []
    for case, item in zip(cases, results):
        args, kwargs = case
        expected.append(check.reference(*(_copy(a) for a in args), **{k: _copy(v) for k, v in kwargs.items()}))
        if not isinstance(item, dict) or not item.get("ok"):
            outcomes.append(Outcome(error=str(item.get("error", "an error")) if isinstance(item, dict) else "an error"))
        else:
            outcomes.append(Outcome(value=decode(item.get("value"))))
    # all outcomes at once: a mistake is named only when it explains every one of them
    messages = diagnose_outcomes(check, cases, outcomes, expected)
    first = next((m for m in messages if m is not None), None)
    return first is None, first, sum(m is None for m in messages)


def record(check_id: str, fn: Any) -> None:
    """Run ``fn`` on the cases of check ``check_id`` and emit the outputs for the grader.

    Raises ``AssertionError`` with the likely mistake when an output is wrong (advisory: the
    grade is decided by the grader from the recorded outputs).
    """
    from course.grading.checks import get

    check = get(check_id)
    if not callable(fn):
        raise AssertionError(f"{check.function} must be a function, got {type(fn).__name__}")
    cases = check.make_cases()  # a hidden check: a fresh random seed (no secret here)
    results = run_cases(check, fn, cases)
    payload = {"version": FORMAT_VERSION, "check": check_id, "function": check.function, "outputs": results}
    summary = f"recorded {len(results)} outputs of {check.function} for {check_id}"
    try:
        from IPython.display import display

        display({RECORD_MIMETYPE: payload, "text/plain": summary}, raw=True)
    except ImportError:  # plain Python: nothing to record into
        pass
    passed, message, n_ok = judge(check, results, cases)
    if not passed:
        raise AssertionError(f"{message} ({n_ok} of {len(results)} cases correct)")
