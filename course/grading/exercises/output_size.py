"""Checks and mistake catalogue of ``ex02_convolution_2d``'s ``conv_output_size``.

Graded function (ARCHITECTURE.md, "Exercise contract")::

    conv_output_size(n, k, stride=1, padding=0, dilation=1)   # PyTorch's floor rule

The misconceptions compute the WRONG size of a student with that mistake; the diagnosis
(``course/grading/diagnosis.py``) names one only when it explains every failing case.
:func:`compare_size` (a size is a number equal to the expected integer) is shared with the
other checks whose answer is one whole number (ex03's parameter count, ex05's receptive field).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from course.grading.checks import CONVOLUTION_SHORTCUTS, Case, Check, Misconception, register

__all__ = ["CHECKS", "MISCONCEPTIONS_OUTPUT_SIZE", "compare_size"]


def _ref_conv_output_size(n: int, k: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    from course.shapes import conv_output_size

    return conv_output_size(n, k, stride=stride, padding=padding, dilation=dilation)


def _span(k: int, dilation: int) -> int:
    return dilation * (k - 1) + 1


def _size_true_division(n, k, stride=1, padding=0, dilation=1):
    return (n + 2 * padding - _span(k, dilation)) / stride + 1


def _size_ceil(n, k, stride=1, padding=0, dilation=1):
    return math.ceil((n + 2 * padding - _span(k, dilation)) / stride) + 1


def _size_no_plus_one(n, k, stride=1, padding=0, dilation=1):
    return (n + 2 * padding - _span(k, dilation)) // stride


def _size_padding_once(n, k, stride=1, padding=0, dilation=1):
    return (n + padding - _span(k, dilation)) // stride + 1


def _size_padding_ignored(n, k, stride=1, padding=0, dilation=1):
    return (n - _span(k, dilation)) // stride + 1


def _size_stride_ignored(n, k, stride=1, padding=0, dilation=1):
    return n + 2 * padding - _span(k, dilation) + 1


def _size_dilation_ignored(n, k, stride=1, padding=0, dilation=1):
    return (n + 2 * padding - k) // stride + 1


def _size_dilation_times_k(n, k, stride=1, padding=0, dilation=1):
    return (n + 2 * padding - dilation * k) // stride + 1


def _size_dilation_times_k_minus_1(n, k, stride=1, padding=0, dilation=1):
    return (n + 2 * padding - dilation * (k - 1)) // stride + 1


MISCONCEPTIONS_OUTPUT_SIZE: tuple[Misconception, ...] = (
    Misconception(
        "true_division",
        "your answer is not a whole number: use floor division (//); a last window that does not fit is dropped, "
        "out = floor((n + 2*padding - dilation*(k - 1) - 1) / stride) + 1",
        _size_true_division,
    ),
    Misconception(
        "rounds_up",
        "you rounded up (ceil or round): PyTorch rounds DOWN (floor), a last window that does not fit entirely is dropped, "
        "out = floor((n + 2*padding - dilation*(k - 1) - 1) / stride) + 1",
        _size_ceil,
    ),
    Misconception(
        "no_plus_one",
        "you forgot the +1: the window at position 0 counts too, out = floor((n + 2*padding - dilation*(k - 1) - 1) / stride) + 1",
        _size_no_plus_one,
    ),
    Misconception(
        "padding_once",
        "you added the padding once: padding zeros go on EACH side, so the padded length is n + 2*padding",
        _size_padding_once,
    ),
    Misconception(
        "padding_ignored",
        "you ignored the padding: the padded length is n + 2*padding",
        _size_padding_ignored,
    ),
    Misconception(
        "stride_ignored",
        "you ignored the stride: divide the room the window can move, n + 2*padding - (span of the kernel), by the stride (floor), then add 1",
        _size_stride_ignored,
    ),
    Misconception(
        "dilation_ignored",
        "you ignored the dilation: a kernel of size k with dilation d spans d*(k - 1) + 1 input samples",
        _size_dilation_ignored,
    ),
    Misconception(
        "dilation_times_k",
        "a dilated kernel spans d*(k - 1) + 1 samples, not d*k: there are k - 1 gaps of d between its k taps",
        _size_dilation_times_k,
    ),
    Misconception(
        "dilation_span_missing_one",
        "a dilated kernel spans d*(k - 1) + 1 samples (k taps, k - 1 gaps of d): you forgot the final +1 of the span",
        _size_dilation_times_k_minus_1,
    ),
)


def compare_size(student: Any, expected: Any) -> bool:
    """An output size is right when it is a number equal to the expected integer."""
    try:
        if isinstance(student, bool):
            return False
        arr = np.asarray(student)
        if arr.size != 1 or arr.ndim > 1 or arr.dtype.kind not in "iuf":  # a recorded scalar may come back as shape (1,)
            return False
        return float(arr.reshape(())) == float(expected)
    except Exception:
        return False


def _describe_size_case(case: Case) -> str:
    args, kwargs = case
    names = ("n", "k", "stride", "padding", "dilation")
    return ", ".join([f"{n}={v!r}" for n, v in zip(names, args)] + [f"{k}={v!r}" for k, v in kwargs.items()])


# The first cases of each output-size check are chosen (by a search over small sizes) so that
# every catalogued mistake fails early on a case where no other mistake listed before it gives the
# same wrong number: the feedback then names the right mistake.
_SIZE_PREFIX: list[Case] = [((7, 4), {"stride": 1, "padding": 2}), ((9, 5), {"stride": 3, "padding": 2})]
_DILATION_PREFIX: list[Case] = [
    ((17, 4), {"stride": 1, "padding": 3, "dilation": 3}),
    ((15, 4), {"stride": 2, "padding": 3, "dilation": 3}),
]


def output_size_example_cases() -> list[Case]:
    """Hand-checkable sizes: the lecture's 5 and 3, the Keras model's 1000 and 5, strides and padding."""
    return [
        ((5, 3), {}),
        ((1000, 5), {}),
        *_SIZE_PREFIX,
        ((7, 3), {"stride": 2, "padding": 1}),
        ((6, 3), {"stride": 2}),
        ((5, 3), {"padding": 1}),
    ]


def output_size_cases(seed: int) -> list[Case]:
    """Seeded random sizes with stride and padding; about half the strides leave a partial window."""
    rng = np.random.default_rng(seed)
    out: list[Case] = list(_SIZE_PREFIX)
    while len(out) < 40:
        n, k = int(rng.integers(1, 40)), int(rng.integers(1, 8))
        s, p = int(rng.integers(1, 6)), int(rng.integers(0, 4))
        if k > n + 2 * p:
            continue
        out.append(((n, k), {"stride": s, "padding": p}))
    return out


def dilation_example_cases() -> list[Case]:
    """Dilation by hand: a 4-tap kernel with dilation 3 spans 10 samples; a 3-tap one with dilation 2 spans 5."""
    return [*_DILATION_PREFIX, ((7, 3), {"dilation": 2}), ((10, 3), {"stride": 1, "padding": 2, "dilation": 2}),
            ((11, 3), {"stride": 2, "dilation": 2})]


def dilation_cases(seed: int) -> list[Case]:
    """Seeded random sizes with dilation 2-4, strides and padding."""
    rng = np.random.default_rng(seed)
    out: list[Case] = list(_DILATION_PREFIX)
    while len(out) < 40:
        n, k = int(rng.integers(3, 50)), int(rng.integers(2, 6))
        s, p, d = int(rng.integers(1, 4)), int(rng.integers(0, 4)), int(rng.integers(2, 5))
        if d * (k - 1) + 1 > n + 2 * p:
            continue
        out.append(((n, k), {"stride": s, "padding": p, "dilation": d}))
    return out


def _size_check(check_id: str, cases: Callable[..., list[Case]]) -> Check:
    return Check(
        id=check_id, function="conv_output_size", cases=cases, reference=_ref_conv_output_size, hidden=check_id.endswith(".hidden"),
        misconceptions=MISCONCEPTIONS_OUTPUT_SIZE, compare=compare_size, forbidden=CONVOLUTION_SHORTCUTS,
        describe=_describe_size_case,
    )


CHECKS: tuple[Check, ...] = (
    _size_check("ex02.conv_output_size.stride_padding", output_size_example_cases),
    _size_check("ex02.conv_output_size.stride_padding.hidden", output_size_cases),
    _size_check("ex02.conv_output_size.dilation", dilation_example_cases),
    _size_check("ex02.conv_output_size.dilation.hidden", dilation_cases),
)

for _check in CHECKS:
    register(_check)
