"""Checks: what a graded function must compute, and the mistakes students commonly make.

A :class:`Check` names one graded test (``"ex01.convolve1d.full"``): the student's function,
its input cases, the reference implementation and a tuple of :class:`Misconception` objects.
Each misconception computes the *wrong* answer a student with that misconception would give, so
the diagnosis (:func:`course.grading.diagnosis.diagnose_outcomes`, called by ``recorder.judge`` with every case of a check)
can name the likely mistake when the student's outputs equal the mistake's on every failing case;
otherwise it describes the symptom (shapes, the first differing position) or, for an exception,
the call that raised.

Visible checks have deterministic, public cases (``cases()``). Hidden checks (``hidden=True``:
ids ending in ``.hidden``, ex06's hidden test set and train probe) build their cases from a seed,
``cases(seed)``; at grading time the seed is :func:`course.grading.secret.hidden_seed` of the
instructor's secret, so nothing in the package predicts them, and outside grading (a student
running the solution notebook, ``course validate``) a fresh random seed is drawn
(:meth:`Check.make_cases`). The grader computes the cases and sends them to the kernel
(``course.grading.inject``); the kernel never imports this module.

Each exercise's checks live in ``course/grading/exercises/<concept>.py`` and call :func:`register` at import
time. :func:`get` and :func:`all_checks` import every ``course.grading.ex*`` module the first
time they are called, so a check id is found without importing its module by hand.

Example (in ``course/grading/exercises/convolution_1d.py``)::

    register(Check(
        id="ex01.convolve1d.full.hidden",
        function="convolve1d",
        cases=lambda seed: random_cases(seed),
        hidden=True,
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
        "numpy._core._multiarray_umath",
        "numpy.core._multiarray_umath",
        "numpy.ma.convolve",
        "numpy.ma.correlate",
        "numpy.ma.core.convolve",
        "numpy.ma.core.correlate",
        "numpy.polymul",
        "numpy.poly1d",
        "numpy.polynomial",
        "numpy.lib.polynomial",
        "numpy.lib._polynomial_impl",
        "scipy.linalg.convolution_matrix",
        "torch.ops.aten",
        "torch._C._VariableFunctions",
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
``unfold``) stay allowed. While grading, NumPy's convolution is absent from the kernel and the
other libraries are not mounted at all (``ARCHITECTURE.md``, "Trust boundary")."""


def shape_of(value: Any) -> tuple[int, ...] | None:
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
        cases: returns the list of :data:`Case` to run: ``cases()`` for a visible check
            (deterministic, public), ``cases(seed)`` for a hidden one. Use :meth:`make_cases`.
        reference: the right answer, same signature as the student's function.
        misconceptions: tried in order by :func:`course.grading.diagnosis.diagnose`.
        compare: ``compare(student_output, expected) -> bool``; default same shape and allclose.
        forbidden: dotted library names that do the whole job; a graded function that reaches
            one of them (directly or through its helpers) earns no points for this check.
        describe: optional ``describe(case) -> str`` naming the case in messages (default: the
            keyword arguments, e.g. "mode='full'").
        hidden: the cases are secret: built by ``cases(seed)`` from the grader's
            :func:`course.grading.secret.hidden_seed` (a fresh random seed outside grading).
        seed_key: the name the hidden seed is derived from (default: ``id``); checks that must
            share one hidden data set (ex06's six accuracy thresholds) share a key.
    """

    id: str
    function: str
    cases: Callable[[], list[Case]]
    reference: Callable[..., Any]
    misconceptions: tuple[Misconception, ...] = ()
    compare: Callable[[Any, Any], bool] = default_compare
    forbidden: frozenset[str] = field(default_factory=frozenset)
    describe: Callable[[Case], str] | None = None
    hidden: bool = False
    seed_key: str | None = None

    def seed_from(self, secret: bytes | None) -> int | None:
        """The seed of this check's cases under the grading ``secret``: ``None`` for a visible
        check, :func:`~course.grading.secret.hidden_seed` for a hidden one, and a fresh random
        seed for a hidden one when there is no secret (never a fixed one)."""
        if not self.hidden:
            return None
        from course.grading.secret import fresh_seed, hidden_seed

        return hidden_seed(secret, self.seed_key or self.id) if secret else fresh_seed()

    def make_cases(self, seed: int | None = None) -> list[Case]:
        """The cases to run: ``cases()`` for a visible check; ``cases(seed)`` for a hidden one,
        with a fresh random seed when ``seed`` is None."""
        if not self.hidden:
            return list(self.cases())
        if seed is None:
            from course.grading.secret import fresh_seed

            seed = fresh_seed()
        return list(self.cases(int(seed)))


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
    """Import the check module named by ``check_id``'s longest known prefix
    (``"ex02.conv_output_size. ..."``, else ``"ex02. ..."``)."""
    from course.grading.exercises import MODULES

    parts = check_id.split(".")
    for n in (2, 1):
        module = MODULES.get(".".join(parts[:n]))
        if module is not None:
            importlib.import_module(module)
            return


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
