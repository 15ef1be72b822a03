"""Checks of ex01_convolution_1d: ``convolve1d(x, w, mode="full")`` and ``correlate1d(x, w, mode="valid")``.

Check ids: ``ex01.<function>.<mode>`` (visible: the worked example and a few hand cases) and
``ex01.<function>.<mode>.hidden`` (many random cases from the grader's secret seed: every length
combination, kernels longer than the signal for ``convolve1d``, integer and float inputs).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course.grading.checks import CONVOLUTION_SHORTCUTS, Case, Check, Misconception, register

MODES = ("full", "same", "valid")


def _convolve(x: Any, w: Any, mode: str = "full") -> np.ndarray:
    from course.convolution import convolve1d

    return convolve1d(x, w, mode)


def _correlate(x: Any, w: Any, mode: str = "valid") -> np.ndarray:
    from course.convolution import correlate1d

    return correlate1d(x, w, mode)


# ------------------------------------------------------------------------------------------
# cases
# ------------------------------------------------------------------------------------------

def _visible_cases(mode: str, long_kernels: bool, default_mode: str) -> list[Case]:
    """Hand cases: the notebook's worked example, integers, a one-tap kernel."""
    pairs = [
        (np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5])),
        (np.array([1, 2, 3, 4, 5]), np.array([1, -1])),
        (np.array([2.0, -1.0, 0.5, 4.0]), np.array([3.0])),
        (np.array([1, 0, 2, 0, 3, 1]), np.array([1, 2, 3])),
    ]
    if long_kernels:
        pairs.append((np.array([1.0, 2.0]), np.array([1.0, 0.5, 0.25, 0.125])))
    cases: list[Case] = [((x, w), {"mode": mode}) for x, w in pairs]
    if mode == default_mode:
        cases.append(((pairs[0][0], pairs[0][1]), {}))  # the default mode
    return cases


def _random_array(rng: np.random.Generator, n: int, integer: bool) -> np.ndarray:
    if integer:
        return rng.integers(-5, 6, size=n)
    return np.round(rng.normal(size=n), 3)


def _hidden_cases(mode: str, long_kernels: bool, default_mode: str, seed: int) -> list[Case]:
    """Random cases from ``seed`` (the grader's secret one): every (len(x), len(w)) shape class,
    int/float mixes."""
    rng = np.random.default_rng(seed)
    cases: list[Case] = []
    for i in range(36):
        n = int(rng.integers(1, 14))
        if long_kernels:
            k = int(rng.integers(1, 14))
        else:
            k = int(rng.integers(1, n + 1))
        if i % 6 == 0:  # even and odd kernel lengths both matter for 'same'
            k = min(k + (k % 2), n if not long_kernels else 14)
        ints = (i % 4 in (0, 1), i % 4 in (0, 2))  # (x integer, w integer): ii, if, fi, ff
        x = _random_array(rng, n, ints[0])
        w = _random_array(rng, max(k, 1), ints[1])
        if i % 9 == 4 and long_kernels:
            x, w = x[:2], _random_array(rng, 9, False)  # kernel much longer than the signal
        cases.append(((x, w), {"mode": mode} if i % 12 or mode != default_mode else {}))
    return cases


def _describe(default_mode: str) -> Callable[[Case], str]:
    def describe(case: Case) -> str:
        args, kwargs = case
        if "mode" in kwargs:
            text = f"mode={kwargs['mode']!r}"
        else:
            text = f"mode={default_mode!r} (the default)"
        x, w = (np.asarray(a) for a in args[:2])
        if w.shape and x.shape and w.shape[0] > x.shape[0]:
            text += " with a kernel longer than the signal"
        return text

    return describe


# ------------------------------------------------------------------------------------------
# misconceptions
# ------------------------------------------------------------------------------------------

def _same_slices(n: int, k: int) -> tuple[int, int]:
    length = max(n, k)
    start = (min(n, k) - 1) // 2
    return start, length


def _truncated(fn: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
    """The answer of a student who stores a float result in an integer array like ``x``."""

    def compute(x: Any, w: Any, mode: str | None = None) -> np.ndarray:
        x, w = np.asarray(x), np.asarray(w)
        out = fn(x, w) if mode is None else fn(x, w, mode)
        if x.dtype.kind in "iu" and out.dtype.kind == "f" and not np.allclose(out, np.trunc(out)):
            return out.astype(x.dtype)
        raise ValueError("no truncation possible on this case")

    return compute


def _common_misconceptions(fn: Callable[..., np.ndarray], name: str, mode: str) -> list[Misconception]:
    items: list[Misconception] = []

    if mode == "same":

        def left(x: Any, w: Any, mode: str = "same") -> np.ndarray:
            full = fn(x, w, "full")
            _, length = _same_slices(len(x), len(w))
            return full[:length]

        def right(x: Any, w: Any, mode: str = "same") -> np.ndarray:
            full = fn(x, w, "full")
            _, length = _same_slices(len(x), len(w))
            return full[len(full) - length :]

        def off_by_one(x: Any, w: Any, mode: str = "same") -> np.ndarray:
            full = fn(x, w, "full")
            start, length = _same_slices(len(x), len(w))
            shifted = min(len(x), len(w)) // 2
            if shifted == start:
                raise ValueError("same centre for odd lengths")
            return full[shifted : shifted + length]

        centred = (
            "mode='same' must be centred: keep max(len(x), len(w)) values of the full result "
            "starting at index (min(len(x), len(w)) - 1) // 2, not the first or the last ones"
        )
        items += [
            Misconception("same not centred (left)", centred, left),
            Misconception("same not centred (right)", centred, right),
            Misconception(
                "same centred off by one",
                "mode='same' is centred off by one for an even kernel length: the full result "
                "must be cut starting at index (min(len(x), len(w)) - 1) // 2",
                off_by_one,
            ),
        ]
    items.append(
        Misconception(
            "integer truncation",
            f"your {name} truncates to integers: with integer x and float w the output must be "
            "float (allocate it with dtype=np.result_type(x, w), not like x)",
            _truncated(fn),
        )
    )
    return items


def _convolve_misconceptions(mode: str) -> tuple[Misconception, ...]:
    def no_flip(x: Any, w: Any, mode: str = "full") -> np.ndarray:
        w = np.asarray(w)
        if np.array_equal(w, w[::-1]):
            raise ValueError("symmetric kernel: flipping changes nothing")
        return _convolve(x, w[::-1], mode)

    items = [
        Misconception(
            "no flip",
            "your convolve1d equals cross-correlation: the kernel must be flipped "
            "(y[t] = sum over a of x[a] * w[t - a])",
            no_flip,
        )
    ]
    return tuple(items + _common_misconceptions(_convolve, "convolve1d", mode))


def _correlate_misconceptions(mode: str) -> tuple[Misconception, ...]:
    def flipped(x: Any, w: Any, mode: str = "valid") -> np.ndarray:
        w = np.asarray(w)
        if np.array_equal(w, w[::-1]):
            raise ValueError("symmetric kernel")
        return _correlate(x, w[::-1], mode)

    def reversed_lags(x: Any, w: Any, mode: str = "valid") -> np.ndarray:
        out = _correlate(x, w, mode)
        if np.allclose(out, out[::-1]):
            raise ValueError("palindrome output")
        return out[::-1]

    items = [
        Misconception(
            "flip in correlation",
            "your correlate1d flips the kernel: that is convolution; cross-correlation slides w "
            "over x as it is (y[t] = sum over k of x[t + k] * w[k])",
            flipped,
        ),
        Misconception(
            "reversed lags",
            "your correlate1d returns the lags in reverse order: the first output is the overlap "
            "starting at the left end of x",
            reversed_lags,
        ),
    ]
    return tuple(items + _common_misconceptions(_correlate, "correlate1d", mode))


# ------------------------------------------------------------------------------------------
# registration
# ------------------------------------------------------------------------------------------

def _register_all() -> None:
    for function, reference, default_mode, long_kernels, miscon in (
        ("convolve1d", _convolve, "full", True, _convolve_misconceptions),
        ("correlate1d", _correlate, "valid", False, _correlate_misconceptions),
    ):
        for mode in MODES:
            common = dict(
                function=function,
                reference=reference,
                misconceptions=miscon(mode),
                forbidden=CONVOLUTION_SHORTCUTS,
                describe=_describe(default_mode),
            )
            register(
                Check(
                    id=f"ex01.{function}.{mode}",
                    cases=(lambda m=mode, lk=long_kernels, d=default_mode: _visible_cases(m, lk, d)),
                    **common,
                )
            )
            register(
                Check(
                    id=f"ex01.{function}.{mode}.hidden",
                    cases=(lambda seed, m=mode, lk=long_kernels, d=default_mode: _hidden_cases(m, lk, d, seed)),
                    hidden=True,
                    **common,
                )
            )


_register_all()
