"""Kernel side of grading: run the student's function on a check's cases and record the outputs.

A graded test cell calls::

    from course.grading import record
    record("ex01.convolve1d.full", convolve1d)

:func:`record` runs every case of the check (catching exceptions case by case), emits ONE display
output with mimetype :data:`RECORD_MIMETYPE` holding the encoded outputs, and raises
``AssertionError`` with a diagnosis when something is wrong, so that a student running the cell
(or ``course validate``) sees what to fix. That verdict is advisory only: at autograde time the
grader re-creates the cases and the reference answers in its own process and decides from the
recorded outputs (``course.grading.preprocessors``).
"""

from __future__ import annotations

import base64
import re
from typing import Any

import numpy as np

from course.grading.checks import Check, diagnose, get

RECORD_MIMETYPE = "application/vnd.course.record+json"
FORMAT_VERSION = 1
MAX_OUTPUT_BYTES = 4_000_000
"""An output larger than this is recorded as an error instead of its values (bounded payloads)."""

_DTYPE_RE = re.compile(r"^[<>|=]?[biufc][0-9]{1,2}$")


class Unencodable:
    """Stands for an output that is not a number or an array of numbers; never equals anything."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:  # noqa: D105
        return False

    __hash__ = None  # type: ignore[assignment]


def encode(value: Any) -> dict[str, Any]:
    """Encode one output exactly: numeric arrays (and scalars) as dtype + shape + raw bytes."""
    if value is None:
        return {"kind": "none"}
    if isinstance(value, str):
        return {"kind": "str", "value": value[:1000]}
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor
        try:
            value = value.detach().cpu().numpy()
        except Exception:
            pass
    try:
        arr = np.asarray(value)
    except Exception:
        arr = None
    if arr is not None and arr.dtype.kind in "biufc":
        if arr.nbytes > MAX_OUTPUT_BYTES:
            return {"kind": "error", "value": f"output too large ({arr.size} values of {arr.dtype})"}
        return {  # (np.ascontiguousarray would turn a 0-d array into shape (1,))
            "kind": "array",
            "dtype": arr.dtype.str,
            "shape": list(arr.shape),
            "data": base64.b64encode(arr.tobytes(order="C")).decode("ascii"),
        }
    text = repr(value)
    return {"kind": "repr", "value": (text[:200] + "...") if len(text) > 200 else text, "type": type(value).__name__}


def decode(item: Any) -> Any:
    """Inverse of :func:`encode`; anything malformed becomes an :class:`Unencodable`."""
    if not isinstance(item, dict):
        return Unencodable("<malformed record>")
    kind = item.get("kind")
    if kind == "none":
        return None
    if kind == "str":
        return str(item.get("value", ""))
    if kind == "array":
        try:
            dtype_str = str(item["dtype"])
            if not _DTYPE_RE.match(dtype_str):
                return Unencodable(f"<array of unsupported dtype {dtype_str!r}>")
            dtype = np.dtype(dtype_str)
            shape = tuple(int(n) for n in item["shape"])
            if any(n < 0 for n in shape) or len(shape) > 32:
                return Unencodable("<malformed array>")
            raw = base64.b64decode(str(item["data"]), validate=True)
            count = int(np.prod(shape, dtype=np.int64)) if shape else 1
            if count * dtype.itemsize != len(raw):
                return Unencodable("<malformed array>")
            return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
        except Exception:
            return Unencodable("<malformed array>")
    if kind == "error":
        return Unencodable(str(item.get("value", "<error>"))[:300])
    return Unencodable(f"a {item.get('type', 'value')} ({str(item.get('value', ''))[:200]})")


def _copy(value: Any) -> Any:
    return np.array(value, copy=True) if isinstance(value, np.ndarray) else value


def run_cases(check: Check, fn: Any) -> list[dict[str, Any]]:
    """Call ``fn`` on every case of ``check``; one dict per case: ``{"ok": True, "value": ...}``
    or ``{"ok": False, "error": "ValueError: ..."}``."""
    results: list[dict[str, Any]] = []
    for args, kwargs in check.cases():
        try:
            out = fn(*(_copy(a) for a in args), **{k: _copy(v) for k, v in kwargs.items()})
        except Exception as exc:  # the student's bug, reported per case
            results.append({"ok": False, "error": f"{type(exc).__name__}: {str(exc)[:300]}"})
            continue
        results.append({"ok": True, "value": encode(out)})
    return results


def error_message(check: Check, case: Any, error: str) -> str:
    """Plain-words message for a case where the student's function raised ``error``."""
    from course.grading.checks import describe_case

    where = describe_case(check, case)
    suffix = f" for {where}" if where else ""
    if error.startswith("NotImplementedError"):
        return f"{check.function} is not implemented yet (it raised NotImplementedError{suffix})"
    return f"{check.function} raised {error}{suffix}"


def judge(check: Check, results: list[dict[str, Any]]) -> tuple[bool, str | None, int]:
    """Compare recorded ``results`` with the reference on the check's cases, in this process.

    Returns ``(passed, message, n_correct)``; ``message`` explains the first failing case.
    """
    cases = check.cases()
    if not isinstance(results, list) or len(results) != len(cases):
        got = len(results) if isinstance(results, list) else "no"
        return False, f"the test recorded {got} outputs, expected {len(cases)}: the test did not run as released", 0
    first: str | None = None
    n_ok = 0
    for case, item in zip(cases, results):
        args, kwargs = case
        expected = check.reference(*(_copy(a) for a in args), **{k: _copy(v) for k, v in kwargs.items()})
        if not isinstance(item, dict) or not item.get("ok"):
            error = str(item.get("error", "an error")) if isinstance(item, dict) else "an error"
            message = error_message(check, case, error)
        else:
            message = diagnose(check, case, decode(item.get("value")), expected)
        if message is None:
            n_ok += 1
        elif first is None:
            first = message
    return first is None, first, n_ok


def record(check_id: str, fn: Any) -> None:
    """Run ``fn`` on the cases of check ``check_id`` and emit the outputs for the grader.

    Raises ``AssertionError`` with the likely mistake when an output is wrong (advisory: the
    grade is decided by the grader from the recorded outputs).
    """
    check = get(check_id)
    if not callable(fn):
        raise AssertionError(f"{check.function} must be a function, got {type(fn).__name__}")
    results = run_cases(check, fn)
    payload = {"version": FORMAT_VERSION, "check": check_id, "function": check.function, "outputs": results}
    summary = f"recorded {len(results)} outputs of {check.function} for {check_id}"
    try:
        from IPython.display import display

        display({RECORD_MIMETYPE: payload, "text/plain": summary}, raw=True)
    except ImportError:  # plain Python: nothing to record into
        pass
    passed, message, n_ok = judge(check, results)
    if not passed:
        raise AssertionError(f"{message} ({n_ok} of {len(results)} cases correct)")
