"""Checks: what a graded function must compute, and the mistakes students commonly make.

A :class:`Check` names one graded test (``"ex01.convolve1d.full"``): the student's function,
deterministic input cases (seeded inside ``cases``), the reference implementation and a tuple of
:class:`Misconception` objects. Each misconception computes the *wrong* answer a student with
that misconception would give, so :func:`diagnose` can name the likely mistake by comparing the
student's output with it, on the same input.

Each exercise's checks live in ``course/grading/exercises/<concept>.py`` and call :func:`register` at import
time. :func:`get` and :func:`all_checks` import every ``course.grading.ex*`` module the first
time they are called, so a check id is found without importing its module by hand.

Example (in ``course/grading/exercises/convolution_1d.py``)::

    register(Check(
        id="ex01.convolve1d.full",
        function="convolve1d",
        cases=lambda: [((x, w), {"mode": "full"}) for x, w in ...],
        reference=course.convolution.convolve1d,
        misconceptions=(Misconception("no flip", "the kernel must be flipped", no_flip),),
        forbidden=CONVOLUTION_SHORTCUTS,
    ))
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Case = tuple[tuple[Any, ...], dict[str, Any]]
"""One input: positional arguments and keyword arguments of the graded function."""

# Library functions that do the whole job of a convolution / correlation / pooling exercise.
# Names are dotted paths as a student would reach them; the shortcut scan (course.grading.shortcuts)
# resolves aliases (``import numpy as np``, ``from scipy import signal as s``) before matching.
CONVOLUTION_SHORTCUTS: frozenset[str] = frozenset(
    {
        "numpy.convolve",
        "numpy.correlate",
        "numpy._core.numeric.convolve",
        "numpy._core.numeric.correlate",
        "numpy._core.multiarray.correlate",
        "numpy._core.multiarray.correlate2",
        "numpy.core.numeric.convolve",
        "numpy.core.numeric.correlate",
        "numpy.core.multiarray.correlate",
        "numpy.core.multiarray.correlate2",
        "scipy.signal",
        "scipy.ndimage",
        "torch.nn.functional.conv1d",
        "torch.nn.functional.conv2d",
        "torch.nn.functional.conv3d",
        "torch.nn.functional.conv_transpose1d",
        "torch.nn.functional.conv_transpose2d",
        "torch.nn.functional.max_pool1d",
        "torch.nn.functional.max_pool2d",
        "torch.nn.functional.avg_pool1d",
        "torch.nn.functional.avg_pool2d",
        "torch.nn.functional.adaptive_max_pool1d",
        "torch.nn.functional.adaptive_max_pool2d",
        "torch.nn.functional.adaptive_avg_pool1d",
        "torch.nn.functional.adaptive_avg_pool2d",
        "torch.nn.functional.lp_pool2d",
        "torch.nn.Conv1d",
        "torch.nn.Conv2d",
        "torch.nn.Conv3d",
        "torch.nn.MaxPool1d",
        "torch.nn.MaxPool2d",
        "torch.nn.AvgPool1d",
        "torch.nn.AvgPool2d",
        "torch.nn.AdaptiveMaxPool2d",
        "torch.nn.AdaptiveAvgPool2d",
        "torch.nn.modules.conv",
        "torch.nn.modules.pooling",
        "torch.conv1d",
        "torch.conv2d",
        "torch.conv3d",
        "torch.convolution",
        "torch.conv_transpose1d",
        "torch.conv_transpose2d",
        "torch.max_pool1d",
        "torch.max_pool2d",
        "torch.avg_pool1d",
        "torch.adaptive_max_pool1d",
        "torch.adaptive_avg_pool1d",
        "torch._C._nn",
        "course",  # the course's own reference implementations
    }
)
"""Dotted names a convolution / pooling exercise must not call; a name matches itself and
everything below it (``"scipy.signal"`` forbids ``scipy.signal.fftconvolve``). Building blocks
(``numpy.fft``, ``numpy.einsum``, ``sliding_window_view``, ``torch.nn.functional.pad`` /
``unfold``) stay allowed."""


def _shape_of(value: Any) -> tuple[int, ...] | None:
    try:
        return tuple(np.shape(value))
    except Exception:
        return None


def default_compare(student: Any, expected: Any) -> bool:
    """True when ``student`` has the shape of ``expected`` and the values are ``np.allclose``."""
    try:
        s = np.asarray(student)
        e = np.asarray(expected)
    except Exception:
        return False
    if s.shape != e.shape:
        return False
    if s.dtype.kind not in "biufc" or e.dtype.kind not in "biufc":
        try:
            return bool(np.all(s == e))
        except Exception:
            return False
    if s.size == 0:
        return True
    try:
        return bool(np.allclose(s, e, rtol=1e-6, atol=1e-8, equal_nan=True))
    except Exception:
        return False


@dataclass(frozen=True)
class Misconception:
    """A known wrong idea.

    Attributes:
        name: short identifier ("no flip").
        message: shown to the student, in plain words ("your convolve1d equals
            cross-correlation: the kernel must be flipped").
        compute: same signature as the graded function; returns the WRONG answer a student with
            this misconception would give. May raise (then it never matches).
    """

    name: str
    message: str
    compute: Callable[..., Any]


@dataclass(frozen=True)
class Check:
    """One graded test: the student's ``function`` must agree with ``reference`` on ``cases()``.

    Attributes:
        id: unique id, ``"exNN.<function>.<what>"``, used by ``record(id, fn)`` in test cells.
        function: name of the student's function in the notebook ("convolve1d").
        cases: returns the list of :data:`Case` to run; deterministic (seeded inside).
        reference: the right answer, same signature as the student's function.
        misconceptions: tried in order by :func:`diagnose`.
        compare: ``compare(student_output, expected) -> bool``; default same shape and allclose.
        forbidden: dotted library names that do the whole job; a graded function that reaches
            one of them (directly or through its helpers) earns no points for this check.
        describe: optional ``describe(case) -> str`` naming the case in messages (default: the
            keyword arguments, e.g. "mode='full'").
    """

    id: str
    function: str
    cases: Callable[[], list[Case]]
    reference: Callable[..., Any]
    misconceptions: tuple[Misconception, ...] = ()
    compare: Callable[[Any, Any], bool] = default_compare
    forbidden: frozenset[str] = field(default_factory=frozenset)
    describe: Callable[[Case], str] | None = None


_REGISTRY: dict[str, Check] = {}
_LOADED = False
_LOCK = threading.Lock()


def register(check: Check) -> Check:
    """Add ``check`` to the registry (re-registering the same id replaces it) and return it."""
    if not isinstance(check, Check):
        raise TypeError(f"register() expects a Check, got {type(check).__name__}")
    _REGISTRY[check.id] = check
    return check


def load_exercise_modules() -> None:
    """Import every exercise's check module once (``course.grading.exercises.MODULES``)."""
    global _LOADED
    if _LOADED:
        return
    with _LOCK:
        if _LOADED:
            return
        from course.grading.exercises import MODULES

        for name in sorted(MODULES.values()):
            importlib.import_module(name)
        _LOADED = True


def _load_module_for(check_id: str) -> None:
    """Import the check module of the exercise named by ``check_id``'s prefix (``"ex02. ..."``)."""
    from course.grading.exercises import MODULES

    module = MODULES.get(check_id.split(".", 1)[0])
    if module is not None:
        importlib.import_module(module)


def get(check_id: str) -> Check:
    """Return the registered check ``check_id``; ``KeyError`` listing the known ids otherwise.

    The exercise module named by the id's prefix is imported first; every exercise module only
    when the id is still unknown."""
    if check_id not in _REGISTRY:
        _load_module_for(check_id)
    if check_id not in _REGISTRY:
        load_exercise_modules()
    try:
        return _REGISTRY[check_id]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise KeyError(f"no check with id {check_id!r}; known checks: {known}") from None


def all_checks() -> dict[str, Check]:
    """Every registered check, by id (loads the exercise modules first)."""
    load_exercise_modules()
    return dict(_REGISTRY)


# --------------------------------------------------------------------------------------------
# Diagnosis
# --------------------------------------------------------------------------------------------


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


def _shape_message(check: Check, case: Case, got: tuple[int, ...], want: tuple[int, ...]) -> str:
    where = describe_case(check, case)
    suffix = f" for {where}" if where else ""
    if len(got) == 1 and len(want) == 1:
        return f"your output has length {got[0]}, expected {want[0]}{suffix}"
    return f"your output has shape {got}, expected {want}{suffix}"


def _matches(check: Check, misconception: Misconception, case: Case, student_output: Any) -> bool:
    args, kwargs = case
    try:
        wrong = misconception.compute(*_copy_args(args), **dict(kwargs))
    except Exception:
        return False
    try:
        return bool(check.compare(student_output, wrong))
    except Exception:
        return False


def _copy_args(args: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args)


def diagnose(check: Check, case: Case, student_output: Any, expected: Any) -> str | None:
    """Explain why ``student_output`` is wrong for ``case``; ``None`` when it is right.

    Order: shape problems first ("your output has length 8, expected 9 for mode='full'"), then
    the first misconception whose output matches the student's, else a generic message naming
    the case and the first mismatching position.
    """
    try:
        if check.compare(student_output, expected):
            return None
    except Exception:
        pass
    misconception = next(
        (m for m in check.misconceptions if _matches(check, m, case, student_output)), None
    )
    got, want = _shape_of(student_output), _shape_of(expected)
    if got is not None and want is not None and got != want:
        message = _shape_message(check, case, got, want)
        if misconception is not None:
            message += f". Likely mistake: {misconception.message}"
        return message
    if misconception is not None:
        return misconception.message
    return _generic_message(check, case, student_output, expected)


def _generic_message(check: Check, case: Case, student_output: Any, expected: Any) -> str:
    where = describe_case(check, case)
    head = f"{check.function} gives a wrong result" + (f" for {where}" if where else "")
    try:
        s = np.asarray(student_output)
        e = np.asarray(expected)
        if s.dtype.kind in "biufc" and e.dtype.kind in "biufc" and s.shape == e.shape and s.size:
            bad = ~np.isclose(s, e, rtol=1e-6, atol=1e-8, equal_nan=True)
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            pos = idx[0] if len(idx) == 1 else idx
            return (
                f"{head}: on input {_describe_inputs(case)} the first wrong value is at index {pos}: "
                f"you return {s[idx].item()!r}, expected {e[idx].item()!r}"
            )
    except Exception:
        pass
    return f"{head}: on input {_describe_inputs(case)} you return {_short(student_output)}, expected {_short(expected)}"
