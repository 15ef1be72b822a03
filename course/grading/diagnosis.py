"""What a wrong output means, in the student's terms (``ARCHITECTURE.md``, "Exercise contract").

Honesty rule: a catalogued mistake is named ("Likely mistake: ...") only when it explains
everything the student's function returned for the check: on every failing case the student's
output equals the mistake's output, and on no passing case does the mistake predict a
different, wrong answer. When several causes fit (two catalogued mistakes, or a mistake and a
loop that stops before the last window, which give the same truncated output), all of them are
named and the message says the tests cannot tell them apart. Otherwise the message describes the
symptom (shapes, "one window too few along each axis", the first position that differs), which is
true whatever the bug is. An exception is explained by the call that raised it
(:func:`explain_error`). The visible cases of each check are chosen so that they tell the
catalogued mistakes apart and cover every kind of input the hidden cases use
(``tests/test_exercise_catalogues.py``).
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


SMALL_ARRAY = 48
"""Arrays with at most this many numbers are shown whole in messages; larger ones by their shape
and an excerpt of whole numbers (the first and last two along each axis)."""


def _number(v: Any) -> str:
    """One number as a student reads it: ``3`` for 3.0, ``-1.25``, ``0.3333``."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if f.is_integer() and abs(f) < 1e15:
        return str(int(f))
    return f"{f:.4g}"


def _array_text(a: np.ndarray) -> str:
    """``a`` whole when small, else ``array of shape 5×7: [[-6 5 ... -13 -17] ...]``; numbers are
    never cut (the excerpt leaves whole numbers out, it does not cut characters)."""
    small = a.size <= SMALL_ARRAY
    text = np.array2string(a, threshold=a.size + 1 if small else 0, edgeitems=2 if a.ndim <= 2 else 1, separator=", ",
                           formatter={"float_kind": _number, "int": _number}, max_line_width=10**6)
    text = " ".join(text.split())
    return text if small or a.ndim == 0 else f"array of shape {_dims(a.shape)}: {text}"


def _short(value: Any, limit: int = 120) -> str:
    """``value`` in a message: a numeric array by :func:`_array_text`; anything else by its repr,
    shortened to ``limit`` characters at a space where it is longer."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf" and value.ndim >= 1:
        return _array_text(value)
    text = " ".join(repr(value).split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit - 3)
    return text[: cut if cut > limit // 2 else limit - 3] + "..."


def _describe_inputs(check: Check, case: Case) -> str:
    """The inputs by name, small arrays whole (``x = [[1, 2], [3, 4]], size = 2``)."""
    args, kwargs = case
    names = _param_names(check, len(args))
    parts = [f"{n} = {_short(a, 80)}" for n, a in zip(names, args)] + [f"{k} = {v!r}" for k, v in kwargs.items()]
    return "; ".join(parts)


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
    if isinstance(item, float):
        return f"{item:.6g}"
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


def explaining_mistakes(check: Check, cases: list[Case], outcomes: list[Outcome], expected: list[Any]) -> list[Misconception]:
    """Every catalogued mistake that explains every outcome (see the honesty rule above), in
    catalogue order: on each failing case the student returned exactly what the mistake returns
    (or raised where the mistake cannot run either), and on each passing case the mistake would
    not have given a different, wrong answer. Empty when no mistake explains them all, or when the
    function returned nothing to compare (it raised on every failing case)."""
    failing = [i for i, (o, e) in enumerate(zip(outcomes, expected)) if o.error is not None or not _right(check, o.value, e)]
    if all(outcomes[i].error is not None for i in failing):  # nothing returned to compare
        return []
    if any(str(outcomes[i].error).startswith("NotImplementedError") for i in failing):
        return []
    return [m for m in check.misconceptions if _explains(check, m, cases, outcomes, expected, failing)]


def _explains(check: Check, m: Misconception, cases: list[Case], outcomes: list[Outcome], expected: list[Any],
              failing: list[int]) -> bool:
    for i, (case, outcome, exp) in enumerate(zip(cases, outcomes, expected)):
        wrong = _mistake_output(m, case)
        if i in failing:
            if outcome.error is not None:  # the mistake must crash there too
                if wrong is not _RAISED:
                    return False
            elif wrong is _RAISED or not _right(check, outcome.value, wrong):
                return False
        elif wrong is not _RAISED and _is_concrete(wrong) and not _right(check, wrong, exp):
            return False  # the mistake would have failed this case; the student passed it
    return True


def explaining_mistake(check: Check, cases: list[Case], outcomes: list[Outcome], expected: list[Any]) -> Misconception | None:
    """The mistake that explains every outcome when exactly one does (:func:`explaining_mistakes`);
    ``None`` when none does or when several do (the evidence cannot tell them apart)."""
    mistakes = explaining_mistakes(check, cases, outcomes, expected)
    return mistakes[0] if len(mistakes) == 1 else None


LOOPS_STOP_EARLY = "your loops (or the output size you compute) stop before the last window"
"""The cause that gives any output whose values are right but whose last rows/columns are missing."""


def _causes(causes: list[str]) -> str:
    """``". Likely mistake: X"`` for one cause; every cause, numbered, when several fit."""
    if not causes:
        return ""
    if len(causes) == 1:
        return f". Likely mistake: {causes[0]}"
    listed = "; ".join(f"({i}) {c}" for i, c in enumerate(causes, 1))
    return f". Each of these gives exactly your output, so the tests cannot tell which one you made: {listed}"


def diagnose_outcomes(check: Check, cases: list[Case], outcomes: list[Outcome], expected: list[Any]) -> list[str | None]:
    """One message per case (``None`` where the output is right): the symptom of each failing
    case in the student's terms, with "Likely mistake: ..." only when a catalogued mistake
    explains every outcome, and every such mistake when several do (:func:`explaining_mistakes`)."""
    mistakes = explaining_mistakes(check, cases, outcomes, expected)
    messages: list[str | None] = []
    for case, outcome, exp in zip(cases, outcomes, expected):
        if outcome.error is not None:
            message = explain_error(check, case, outcome.error, exp)
            messages.append(message + _causes([m.message for m in mistakes]))
        elif _right(check, outcome.value, exp):
            messages.append(None)
        else:
            messages.append(_message(check, case, outcome.value, exp, mistakes))
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


def _message(check: Check, case: Case, student_output: Any, expected: Any, mistakes: list[Misconception]) -> str:
    if _is_concrete(expected) and not _is_concrete(student_output):  # None, text, an object
        where = _where(check, case)
        if student_output is None:
            return (f"{check.function} returned None{where}, expected {_expected_words(expected)}: "
                    "does the function end without `return`?")
        return f"{check.function} returned {_short(student_output, 80)}{where}, expected {_expected_words(expected)}"
    causes = [m.message for m in mistakes]
    got, want = shape_of(student_output), shape_of(expected)
    if got is not None and want is not None and got != want and _is_concrete(expected):
        message, truncated = _shape_message(check, case, got, want, student_output, expected)
        if truncated and causes:  # right values, last ones missing: a loop stopping early fits too
            return f"{message}{_causes([LOOPS_STOP_EARLY, *causes])}"
        if truncated:
            return f"{message} (do your loops stop before the last window?)"
        return message + _causes(causes)
    if len(causes) == 1:
        return causes[0]
    if causes:
        return _symptom(check, case, student_output, expected) + _causes(causes)
    return _symptom(check, case, student_output, expected)


_AXIS_WORDS = {1: ("value",), 2: ("row", "column"), 3: ("map", "row", "column")}


def _count(n: int, word: str) -> str:
    return f"{'one' if n == 1 else n} {word}{'' if n == 1 else 's'}"


def _shape_message(check: Check, case: Case, got: tuple[int, ...], want: tuple[int, ...], student_output: Any,
                   expected: Any) -> tuple[str, bool]:
    """The shape difference in words, and whether the output is the start of the expected one
    (right values, the last rows/columns missing)."""
    suffix = _where(check, case)
    if len(got) == 1 and len(want) == 1:
        return f"your output has length {got[0]}, expected {want[0]}{suffix}", False
    if len(got) != len(want) or len(got) not in _AXIS_WORDS:
        return f"your output has shape {got}, expected {want}{suffix}", False
    head = f"your output is {_dims(got)}, expected {_dims(want)}{suffix}"
    if got == want[::-1] and _equal(np.asarray(student_output), np.swapaxes(np.asarray(expected), -1, -2)):
        return f"{head}: rows and columns are swapped (your output is the transpose of the expected one)", False
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
            return message + "; the values you return are right, the last ones are missing", True
    return message, False


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
    shape_of_error = _constant_offset(s, e) or _constant_factor(s, e) or _clipped_at_zero(s, e)
    if shape_of_error:
        return f"{shape_of_error}{where} (input: {_describe_inputs(check, case)})"
    bad = ~np.isclose(s, e, rtol=1e-6, atol=1e-8, equal_nan=True)
    idx = tuple(int(i) for i in np.argwhere(bad)[0])
    pos = f"index {idx[0]}" if len(idx) == 1 else "[" + ", ".join(str(i) for i in idx) + "]"
    n_bad = int(bad.sum())
    return (f"your output differs first at {pos}{where}: you return {_value(s[idx])}, expected {_value(e[idx])} "
            f"({n_bad} of {s.size} values wrong; input: {_describe_inputs(check, case)})")


def _constant_offset(s: np.ndarray, e: np.ndarray) -> str:
    """When every value is off by the same amount (per map for a stack of maps), say so:
    "every value of your output is 3 too large"; "" otherwise."""
    diff = s.astype(float) - e.astype(float)
    if s.ndim <= 2 or s.shape[0] == 1:
        d = diff.ravel()
        if s.size > 1 and np.allclose(d, d[0], atol=1e-8):
            return f"every value of your output is {_number(abs(d[0]))} too {'large' if d[0] > 0 else 'small'}"
        return ""
    per_map = diff.reshape(diff.shape[0], -1)
    if per_map.shape[1] < 2 or not np.allclose(per_map, per_map[:, :1], atol=1e-8):
        return ""
    shifts = ", ".join(f"map {i}: {'+' if v >= 0 else ''}{_number(v)}" for i, v in enumerate(per_map[:, 0]))
    return f"each map of your output is off by one constant at every position ({shifts})"


def _constant_factor(s: np.ndarray, e: np.ndarray) -> str:
    """"every value of your output is 0.5 times the expected one" when that is so; "" otherwise."""
    s, e = s.astype(float), e.astype(float)
    nonzero = e != 0
    if s.size < 2 or not nonzero.any() or not np.allclose(s[~nonzero], 0, atol=1e-8):
        return ""
    ratios = s[nonzero] / e[nonzero]
    if not np.allclose(ratios, ratios[0], rtol=1e-6) or np.isclose(ratios[0], 1.0) or np.isclose(ratios[0], 0.0):
        return ""
    return f"every value of your output is {_number(ratios[0])} times the expected one"


def _clipped_at_zero(s: np.ndarray, e: np.ndarray) -> str:
    """The expected output with its negative values set to 0 (a ReLU applied)."""
    if (e < 0).any() and _equal(s.astype(float), np.maximum(e.astype(float), 0.0)):
        return "your output is the expected one with every negative value set to 0 (what a ReLU does)"
    return ""


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


# --- a graded function that was never defined ------------------------------------------------
_NAME_ERROR_RE = re.compile(r"NameError: name '(\w+)' is not defined")
_SYNTAX_AT_RE = re.compile(r"^(?P<msg>.*) \([^()]*, line (?P<line>\d+)\)$")
_SYNTAX_ERRORS = ("SyntaxError", "IndentationError", "TabError")


def _defines(source: str, name: str) -> bool:
    return re.search(rf"^\s*def\s+{re.escape(name)}\s*\(", source, re.MULTILINE) is not None


def _syntax_error(source: str, ename: str, evalue: str) -> str:
    """``"SyntaxError at line 7: invalid syntax"`` from IPython's ``evalue`` ("invalid syntax
    (1234.py, line 7)"), or by compiling the cell (magics blanked) when it does not say."""
    m = _SYNTAX_AT_RE.match(evalue.strip())
    if m:
        return f"{ename} at line {m.group('line')}: {m.group('msg')}"
    return _compile_error(source) or f"{ename}: {evalue}"


def _compile_error(source: str) -> str | None:
    """``"SyntaxError at line 7: invalid syntax"`` when the cell does not compile (magics blanked)."""
    plain = "\n".join("" if ln.lstrip().startswith(("%", "!")) else ln for ln in source.splitlines())
    try:
        compile(plain, "<cell>", "exec")
    except SyntaxError as exc:
        return f"{type(exc).__name__} at line {exc.lineno}: {exc.msg}"
    return None


def explain_not_run(error: str, cells: Any) -> str | None:
    """Why a test raised ``NameError: name 'f' is not defined`` for a graded function ``f``, from
    the notebook's ``cells`` (nbformat cells, run): "the cell defining f did not run: SyntaxError
    at line 7: invalid syntax", "... raised ValueError: ... before defining it", "no cell defines
    f". ``None`` when ``error`` is no such NameError (then the error says enough)."""
    m = _NAME_ERROR_RE.search(str(error))
    if m is None:
        return None
    name = m.group(1)
    for cell in cells or []:
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if not _defines(source, name):
            continue
        failure = next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), None)
        if failure is None:
            compile_error = _compile_error(source)
            if compile_error:
                return f"the cell defining {name} did not run: {compile_error}"
            return f"the cell defining {name} has not run (run it, or Restart & Run All, before the tests)"
        ename, evalue = str(failure.get("ename", "Error")), " ".join(str(failure.get("evalue", "")).split())
        if ename in _SYNTAX_ERRORS:
            return f"the cell defining {name} did not run: {_syntax_error(source, ename, evalue)}"
        return f"the cell defining {name} stopped with {ename}: {evalue} before {name} was defined"
    return f"no cell defines {name}: keep the function's name and its `def {name}(...)` line as released"

