"""What a wrong output means, in the student's terms (``ARCHITECTURE.md``, "Exercise contract").

Honesty rule: a catalogued mistake is named ("Likely mistake: ...") only when it explains
everything the student's function returned for the check: on every failing case the student's
output equals the mistake's output, and on no passing case does the mistake predict a
different, wrong answer. Otherwise the message describes the symptom (shapes, "one window too
few along each axis", the first position that differs), which is true whatever the bug is. An
exception is explained by the call that raised it (:func:`explain_error`).
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from course.grading.checks import Case, Check, Misconception, shape_of


@dataclass(frozen=True)
class Outcome:
    """What the student's function did on one case: returned ``value`` or raised ``error``
    (``"ValueError: ..."``)."""

    value: Any = None
    error: str | None = None


def describe_case(check: Check, case: Case) -> str:
    """Words naming ``case`` for messages: ``check.describe`` or the keyword arguments."""
    if check.describe is not None:
        try:
            return str(check.describe(case))
        except Exception:
            pass
    _, kwargs = case
    return ", ".join(f"{k}={v!r}" for k, v in kwargs.items())


def _short(value: Any, limit: int = 120) -> str:
    try:
        text = np.array2string(np.asarray(value), threshold=12, edgeitems=3, precision=4, max_line_width=10**6)
    except Exception:
        text = repr(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe_inputs(case: Case) -> str:
    args, kwargs = case
    parts = [_short(a, 80) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return f"({', '.join(parts)})"


def _dims(shape: tuple[int, ...]) -> str:
    """``(3, 4)`` -> ``3×4``; ``(5,)`` -> ``length 5``; ``()`` -> ``a single number``."""
    if len(shape) == 0:
        return "a single number"
    if len(shape) == 1:
        return f"length {shape[0]}"
    return "×".join(str(n) for n in shape)


def _value(x: Any) -> str:
    try:
        item = np.asarray(x).item()
    except Exception:
        return _short(x, 40)
    if isinstance(item, float) and item.is_integer() and abs(item) < 1e15:
        return f"{item:.1f}"
    return repr(item)


def _where(check: Check, case: Case) -> str:
    where = describe_case(check, case)
    return f" for {where}" if where else ""


def _matches(check: Check, misconception: Misconception, case: Case, student_output: Any) -> bool:
    wrong = _mistake_output(misconception, case)
    if wrong is _RAISED:
        return False
    try:
        return bool(check.compare(student_output, wrong))
    except Exception:
        return False


_RAISED = object()


def _mistake_output(misconception: Misconception, case: Case) -> Any:
    args, kwargs = case
    try:
        return misconception.compute(*_copy_args(args), **dict(kwargs))
    except Exception:
        return _RAISED


def _copy_args(args: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args)


def _is_concrete(value: Any) -> bool:
    """A real answer (numbers), not a predicate sentinel of a misconception."""
    try:
        return np.asarray(value).dtype.kind in "biufc"
    except Exception:
        return False


def _right(check: Check, output: Any, expected: Any) -> bool:
    try:
        return bool(check.compare(output, expected))
    except Exception:
        return False


def explaining_mistake(check: Check, cases: list[Case], outcomes: list[Outcome], expected: list[Any]) -> Misconception | None:
    """The first catalogued mistake that explains every outcome (see the honesty rule above):
    on each failing case the student returned exactly what the mistake returns (or raised where
    the mistake cannot run either), and on each passing case the mistake would not have given a
    different, wrong answer. ``None`` when no mistake explains them all, or when the function
    returned nothing to compare (it raised on every failing case)."""
    failing = [i for i, (o, e) in enumerate(zip(outcomes, expected)) if o.error is not None or not _right(check, o.value, e)]
    if all(outcomes[i].error is not None for i in failing):  # nothing returned to compare
        return None
    if any(str(outcomes[i].error).startswith("NotImplementedError") for i in failing):
        return None
    for m in check.misconceptions:
        explained = True
        for i, (case, outcome, exp) in enumerate(zip(cases, outcomes, expected)):
            wrong = _mistake_output(m, case)
            if i in failing:
                if outcome.error is not None:  # the mistake must crash there too
                    explained = wrong is _RAISED
                elif wrong is _RAISED or not _right(check, outcome.value, wrong):
                    explained = False
                if not explained:
                    break
            elif wrong is not _RAISED and _is_concrete(wrong) and not _right(check, wrong, exp):
                explained = False  # the mistake would have failed this case; the student passed it
                break
        if explained:
            return m
    return None


def diagnose_outcomes(check: Check, cases: list[Case], outcomes: list[Outcome], expected: list[Any]) -> list[str | None]:
    """One message per case (``None`` where the output is right): the symptom of each failing
    case in the student's terms, with "Likely mistake: ..." only when a catalogued mistake
    explains every outcome (:func:`explaining_mistake`)."""
    mistake = explaining_mistake(check, cases, outcomes, expected)
    messages: list[str | None] = []
    for case, outcome, exp in zip(cases, outcomes, expected):
        if outcome.error is not None:
            message = explain_error(check, case, outcome.error, exp)
            messages.append(message + (f". Likely mistake: {mistake.message}" if mistake is not None else ""))
        elif _right(check, outcome.value, exp):
            messages.append(None)
        else:
            messages.append(_message(check, case, outcome.value, exp, mistake))
    return messages


def diagnose(check: Check, case: Case, student_output: Any, expected: Any) -> str | None:
    """Explain why ``student_output`` is wrong for ``case``; ``None`` when it is right.

    The case stands alone here (it is all the evidence there is): a catalogued mistake is named
    when its output on this case is the student's; otherwise the symptom is described. Shape
    problems come first ("your output has length 8, expected 9 for mode='full'")."""
    return diagnose_outcomes(check, [case], [Outcome(value=student_output)], [expected])[0]


def _expected_words(expected: Any) -> str:
    shape = shape_of(expected)
    if shape is None or not _is_concrete(expected):
        return _short(expected)
    return _value(expected) if len(shape) == 0 else f"an array of shape {_dims(shape)}"


def _message(check: Check, case: Case, student_output: Any, expected: Any, mistake: Misconception | None) -> str:
    if _is_concrete(expected) and not _is_concrete(student_output):  # None, text, an object
        where = _where(check, case)
        if student_output is None:
            return (f"{check.function} returned None{where}, expected {_expected_words(expected)}: "
                    "does the function end without `return`?")
        return f"{check.function} returned {_short(student_output, 80)}{where}, expected {_expected_words(expected)}"
    got, want = shape_of(student_output), shape_of(expected)
    if got is not None and want is not None and got != want and _is_concrete(expected):
        message = _shape_message(check, case, got, want, student_output, expected)
        if mistake is not None:
            message += f". Likely mistake: {mistake.message}"
        return message
    if mistake is not None:
        return mistake.message
    return _symptom(check, case, student_output, expected)


_AXIS_WORDS = {1: ("value",), 2: ("row", "column"), 3: ("map", "row", "column")}


def _count(n: int, word: str) -> str:
    return f"{'one' if n == 1 else n} {word}{'' if n == 1 else 's'}"


def _shape_message(check: Check, case: Case, got: tuple[int, ...], want: tuple[int, ...], student_output: Any, expected: Any) -> str:
    suffix = _where(check, case)
    if len(got) == 1 and len(want) == 1:
        return f"your output has length {got[0]}, expected {want[0]}{suffix}"
    if len(got) != len(want) or len(got) not in _AXIS_WORDS:
        return f"your output has shape {got}, expected {want}{suffix}"
    head = f"your output is {_dims(got)}, expected {_dims(want)}{suffix}"
    if got == want[::-1] and _equal(np.asarray(student_output), np.swapaxes(np.asarray(expected), -1, -2)):
        return f"{head}: rows and columns are swapped (your output is the transpose of the expected one)"
    words = _AXIS_WORDS[len(got)]
    diffs = [g - w for g, w in zip(got, want)]
    if len(got) >= 2 and diffs[-1] == diffs[-2] != 0 and all(d == 0 for d in diffs[:-2]):
        n = abs(diffs[-1])
        what = f"{_count(n, 'window')} too {'few' if diffs[-1] < 0 else 'many'} along each axis"
    else:
        parts = [f"{_count(abs(d), w)} too {'few' if d < 0 else 'many'}" for d, w in zip(diffs, words) if d]
        what = " and ".join(parts)
    message = f"{what}: {head}"
    if all(d <= 0 for d in diffs):  # fewer: are the values there the start of the expected ones?
        block = np.asarray(expected)[tuple(slice(0, g) for g in got)]
        if _equal(np.asarray(student_output), block):
            message += ("; the values you return are right, the last ones are missing "
                        "(do your loops stop before the last window?)")
    return message


def _equal(a: np.ndarray, b: np.ndarray) -> bool:
    try:
        return a.shape == b.shape and a.dtype.kind in "biufc" and b.dtype.kind in "biufc" and bool(
            np.allclose(a, b, rtol=1e-6, atol=1e-8, equal_nan=True))
    except Exception:
        return False


def _symptom(check: Check, case: Case, student_output: Any, expected: Any) -> str:
    """Same shape (or not an array), wrong values: what is wrong, in the student's terms."""
    where = _where(check, case)
    try:
        s, e = np.asarray(student_output), np.asarray(expected)
    except Exception:
        s = e = None
    if s is None or s.dtype.kind not in "biufc" or e.dtype.kind not in "biufc":
        return f"{check.function} returned {_short(student_output)}{where}, expected {_short(expected)}"
    if s.ndim == 0 or s.size == 1 and e.size == 1:
        return f"{check.function} returned {_value(s)}{where}, expected {_value(e)}"
    if s.ndim >= 2 and s.shape[-1] == s.shape[-2] and _equal(s, np.swapaxes(e, -1, -2)):
        return f"your output is the transpose of the expected one (rows and columns swapped){where}"
    if s.dtype.kind in "biu" and e.dtype.kind in "fc" and not np.all(np.mod(e, 1) == 0):
        if _equal(s.astype(float), np.trunc(e)) or _equal(s.astype(float), np.floor(e)):
            frac = e.flat[int(np.argmax(np.mod(e, 1) != 0))]
            return (f"your output holds whole numbers (dtype {s.dtype}){where}, but the expected values have "
                    f"fractions (e.g. {_value(frac)}): the fractional parts were cut off")
    if not np.any(s):
        return f"your output is all zeros{where}"
    bad = ~np.isclose(s, e, rtol=1e-6, atol=1e-8, equal_nan=True)
    idx = tuple(int(i) for i in np.argwhere(bad)[0])
    pos = f"index {idx[0]}" if len(idx) == 1 else "[" + ", ".join(str(i) for i in idx) + "]"
    n_bad = int(bad.sum())
    return (f"your output differs first at {pos}{where}: you return {_value(s[idx])}, expected {_value(e[idx])} "
            f"({n_bad} of {s.size} values wrong; input {_describe_inputs(case)})")


# --- exceptions ----------------------------------------------------------------------------
def _param_names(check: Check, n: int) -> list[str]:
    try:
        names = [p.name for p in inspect.signature(check.reference).parameters.values()
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        names = []
    return (names + [f"arg{i + 1}" for i in range(len(names), n)])[:n]


def describe_call(check: Check, case: Case) -> str:
    """``correlate2d(x: 5×5 array, w: 3×3 array, padding=1)``: the call, by shapes."""
    args, kwargs = case
    parts = []
    for name, value in zip(_param_names(check, len(args)), args):
        if isinstance(value, np.ndarray) and value.ndim >= 1:
            parts.append(f"{name}: {_dims(value.shape)} array" if value.ndim > 1 else f"{name}: array of {value.shape[0]} values")
        else:
            parts.append(f"{name}={_short(value, 60)}")
    parts += [f"{k}={v!r}" for k, v in kwargs.items()]
    return f"{check.function}({', '.join(parts)})"


_BROADCAST_RE = re.compile(r"shapes\s+\(([\d,\s]*)\)\s+\(([\d,\s]*)\)")


def _broadcast_hint(case: Case, error: str) -> str:
    """For "operands could not be broadcast together with shapes (3,2) (3,3)" where one shape is
    a kernel's: the slice taken for a window was smaller than the kernel."""
    m = _BROADCAST_RE.search(error)
    if not m:
        return ""
    try:
        a, b = (tuple(int(t) for t in g.split(",") if t.strip()) for g in m.groups())
    except ValueError:
        return ""
    kernels = {tuple(v.shape[-2:]) for v in case[0] if isinstance(v, np.ndarray) and v.ndim >= 2}
    for window, kernel in ((a, b), (b, a)):
        if len(window) >= 2 and tuple(kernel[-2:]) in kernels and window[-2:] != kernel[-2:] and all(
                w <= k for w, k in zip(window[-2:], kernel[-2:])):
            return (f": the slice taken for one window was {_dims(window[-2:])}, smaller than the "
                    f"{_dims(kernel[-2:])} kernel, so a window ran past the edge of the array being sliced")
    return ""


def explain_error(check: Check, case: Case, error: str, expected: Any = None) -> str:
    """A raw exception in the student's terms: what was called, with what shapes, what was
    expected (``expected`` is the reference answer when the caller has it)."""
    call = describe_call(check, case)
    error = " ".join(str(error).split())
    if error.startswith("NotImplementedError"):
        return f"{check.function} is not implemented yet: {call} raised NotImplementedError"
    if expected is None:
        try:
            args, kwargs = case
            expected = check.reference(*_copy_args(args), **dict(kwargs))
        except Exception:
            expected = None
    want = ""
    shape = shape_of(expected) if expected is not None and _is_concrete(expected) else None
    if shape is not None:
        want = f"; expected {_value(expected)}" if len(shape) == 0 else f"; expected an output of shape {_dims(shape)}"
    return f"{call} raised {error}{_broadcast_hint(case, error)}{want}"
