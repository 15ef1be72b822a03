"""Checks and mistake catalogue of ``ex02_convolution_2d``.

Graded functions (ARCHITECTURE.md, "Exercise contract")::

    correlate2d(x, w, stride=1, padding=0)     # deep learning's "conv": no flip
    convolve2d(x, w, stride=1, padding=0)      # the kernel flipped in both axes

Each graded cell of the notebook records one visible check (hand-checkable cases) and one hidden
check (seeded random cases). The misconceptions below compute the WRONG answer of a student with
that mistake; :func:`course.grading.diagnosis.diagnose` names the first one that matches.

``conv_output_size``'s checks are in ``output_size.py``. The wrong-answer helpers
(``wrong_correlate``, ``pad_sides``, ...) are shared with ``ex03`` (the convolution
layer repeats the same stride and padding mistakes on every map).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course.grading.checks import CONVOLUTION_SHORTCUTS, Case, Check, Misconception, register

__all__ = ["CHECKS", "MISCONCEPTIONS_CORRELATE", "MISCONCEPTIONS_CONVOLVE", "STRIDE_PADDING_MESSAGES", "keep_kernel",
           "mistake_variants", "pad_sides", "random_ints", "random_kernel", "wrong_correlate"]


# --------------------------------------------------------------------------------------------
# references (the course's NumPy implementations, imported when first used)
# --------------------------------------------------------------------------------------------
def _ref_correlate2d(x: Any, w: Any, stride: int = 1, padding: int = 0) -> np.ndarray:
    from course.convolution import correlate2d

    return correlate2d(x, w, stride=stride, padding=padding)


def _ref_convolve2d(x: Any, w: Any, stride: int = 1, padding: int = 0) -> np.ndarray:
    from course.convolution import convolve2d

    return convolve2d(x, w, stride=stride, padding=padding)


# --------------------------------------------------------------------------------------------
# building blocks of the wrong answers (also used by ex03)
# --------------------------------------------------------------------------------------------
def pad_sides(x: np.ndarray, top: int, bottom: int, left: int, right: int) -> np.ndarray:
    """``x`` (H, W) with zero rows/columns added: (H + top + bottom, W + left + right)."""
    return np.pad(np.asarray(x, dtype=float), ((top, bottom), (left, right)))


def wrong_correlate(
    xp: np.ndarray, w: np.ndarray, stride: tuple[int, int] = (1, 1), *, ceil: bool = False, offset: tuple[int, int] = (0, 0)
) -> np.ndarray:
    """Valid cross-correlation of an already padded map, windows every ``stride`` from ``offset``.

    ``ceil=True`` keeps a last window that does not fit, filling the missing cells with zeros (the
    "round up" mistake).
    """
    xp = np.asarray(xp, dtype=float)
    w = np.asarray(w, dtype=float)
    (kh, kw), (sh, sw), (oh, ow) = w.shape, stride, offset
    h, wd = xp.shape[0] - oh, xp.shape[1] - ow
    if ceil:
        ho, wo = -(-(h - kh) // sh) + 1, -(-(wd - kw) // sw) + 1
    else:
        ho, wo = (h - kh) // sh + 1, (wd - kw) // sw + 1
    if ho < 1 or wo < 1:
        raise ValueError("no window fits")
    big = np.zeros((oh + (ho - 1) * sh + kh, ow + (wo - 1) * sw + kw))
    big[: min(big.shape[0], xp.shape[0]), : min(big.shape[1], xp.shape[1])] = xp[: big.shape[0], : big.shape[1]]
    windows = np.lib.stride_tricks.sliding_window_view(big, (kh, kw))  # (.., .., kH, kW)
    windows = windows[oh::sh, ow::sw][:ho, :wo]  # (H_out, W_out, kH, kW)
    return np.einsum("ijuv,uv->ij", windows, w)


def mistake_variants(flip: Callable[[np.ndarray], np.ndarray]) -> dict[str, Callable[..., np.ndarray]]:
    """Wrong ways to handle stride and padding, for a kernel transformed by ``flip``."""

    def padded(x: Any, p: int) -> np.ndarray:
        return pad_sides(x, p, p, p, p)

    def stride_ignored(x, w, stride=1, padding=0):
        return wrong_correlate(padded(x, padding), flip(w))

    def stride_rows_only(x, w, stride=1, padding=0):
        return wrong_correlate(padded(x, padding), flip(w), (stride, 1))

    def ceil_rule(x, w, stride=1, padding=0):
        return wrong_correlate(padded(x, padding), flip(w), (stride, stride), ceil=True)

    def wrong_offset(x, w, stride=1, padding=0):
        full = wrong_correlate(padded(x, padding), flip(w))  # stride 1, then every stride-th from stride-1
        return full[stride - 1 :: stride, stride - 1 :: stride]

    def padding_ignored(x, w, stride=1, padding=0):
        return wrong_correlate(np.asarray(x, float), flip(w), (stride, stride))

    def stride_in_size_only(x, w, stride=1, padding=0):
        if stride == 1:
            raise ValueError("stride 1")
        size = wrong_correlate(padded(x, padding), flip(w), (stride, stride)).shape
        return wrong_correlate(padded(x, padding), flip(w))[: size[0], : size[1]]

    def padding_one_side(x, w, stride=1, padding=0):
        return wrong_correlate(pad_sides(x, padding, 0, padding, 0), flip(w), (stride, stride))

    def padding_twice_one_side(x, w, stride=1, padding=0):
        return wrong_correlate(pad_sides(x, 2 * padding, 0, 2 * padding, 0), flip(w), (stride, stride))

    def padding_split(x, w, stride=1, padding=0):
        half = padding // 2
        return wrong_correlate(pad_sides(x, half, padding - half, half, padding - half), flip(w), (stride, stride))

    def padding_rows_only(x, w, stride=1, padding=0):
        return wrong_correlate(pad_sides(x, padding, padding, 0, 0), flip(w), (stride, stride))

    return {
        "stride_ignored": stride_ignored,
        "stride_rows_only": stride_rows_only,
        "ceil_rule": ceil_rule,
        "wrong_offset": wrong_offset,
        "padding_ignored": padding_ignored,
        "stride_in_size_only": stride_in_size_only,
        "padding_one_side": padding_one_side,
        "padding_twice_one_side": padding_twice_one_side,
        "padding_split": padding_split,
        "padding_rows_only": padding_rows_only,
    }


def keep_kernel(w: np.ndarray) -> np.ndarray:
    return np.asarray(w, dtype=float)


def _flip(w: np.ndarray) -> np.ndarray:
    return np.asarray(w, dtype=float)[::-1, ::-1]


STRIDE_PADDING_MESSAGES = {
    "stride_ignored": (
        "you ignored the stride: with stride s the window jumps s cells at a time, "
        "y[i, j] = sum_{u,v} x[i*s + u, j*s + v] * w[u, v]"
    ),
    "stride_rows_only": "you applied the stride to the rows only: it applies along both axes (rows and columns)",
    "ceil_rule": (
        "you kept a last window that does not fit (rounding up): PyTorch's rule drops it, "
        "out = floor((n + 2*padding - k) / stride) + 1"
    ),
    "wrong_offset": (
        "your strided windows start at the wrong place: the first window starts at row 0 and column 0, "
        "then every stride-th position (0, s, 2s, ...)"
    ),
    "stride_in_size_only": (
        "your output has the size stride s gives, but its values are those of stride 1 (its first rows and columns): "
        "the windows moved one cell at a time. Window (i, j) starts at row i*s and column j*s"
    ),
    "padding_ignored": "you did not apply the padding: add `padding` rows/columns of zeros on every side before sliding the kernel",
    "padding_one_side": (
        "you padded one side only (top/left): `padding` zeros go on ALL four sides "
        "(top, bottom, left and right)"
    ),
    "padding_twice_one_side": (
        "you put all 2*padding zeros on one side (top/left): `padding` zeros go on EACH side, "
        "top and bottom, left and right"
    ),
    "padding_split": "you split `padding` between the two sides: PyTorch adds `padding` zeros on EACH side, 2*padding in all",
    "padding_rows_only": "you padded the rows only: pad both axes, `padding` zeros above, below, left and right",
}


def _stride_padding_misconceptions(
    flip: Callable[[np.ndarray], np.ndarray], names: tuple[str, ...] = tuple(STRIDE_PADDING_MESSAGES)
) -> tuple[Misconception, ...]:
    fns = mistake_variants(flip)
    return tuple(Misconception(name, STRIDE_PADDING_MESSAGES[name], fns[name]) for name in names)


# --------------------------------------------------------------------------------------------
# correlate2d
# --------------------------------------------------------------------------------------------
def _flipped_kernel(x, w, stride=1, padding=0):
    return wrong_correlate(pad_sides(x, padding, padding, padding, padding), _flip(w), (stride, stride))


def _transposed_output(x, w, stride=1, padding=0):
    return wrong_correlate(pad_sides(x, padding, padding, padding, padding), keep_kernel(w), (stride, stride)).T


def _transposed_kernel_corr(x, w, stride=1, padding=0):
    return wrong_correlate(pad_sides(x, padding, padding, padding, padding), keep_kernel(w).T, (stride, stride))


MSG_CORRELATE_FLIPPED = (
    "your correlate2d flips the kernel (that is convolution). Cross-correlation, what deep-learning "
    "libraries call 'conv', slides w as it is: y[i, j] = sum_{u,v} x[i + u, j + v] * w[u, v]"
)

MISCONCEPTIONS_CORRELATE: tuple[Misconception, ...] = (
    Misconception("flipped_kernel", MSG_CORRELATE_FLIPPED, _flipped_kernel),
    Misconception(
        "transposed_output",
        "rows and columns are swapped in your output (you returned its transpose): y[i, j] has i along the rows (height) and j along the columns (width)",
        _transposed_output,
    ),
    Misconception(
        "transposed_kernel",
        "you used the transposed kernel w.T: w[u, v] multiplies x[i + u, j + v] (u moves down the rows, v along the columns)",
        _transposed_kernel_corr,
    ),
    *_stride_padding_misconceptions(keep_kernel),
)

# --------------------------------------------------------------------------------------------
# convolve2d
# --------------------------------------------------------------------------------------------
def _not_flipped(x, w, stride=1, padding=0):
    return wrong_correlate(pad_sides(x, padding, padding, padding, padding), keep_kernel(w), (stride, stride))


def _flipped_rows_only(x, w, stride=1, padding=0):
    return wrong_correlate(pad_sides(x, padding, padding, padding, padding), keep_kernel(w)[::-1, :], (stride, stride))


def _flipped_cols_only(x, w, stride=1, padding=0):
    return wrong_correlate(pad_sides(x, padding, padding, padding, padding), keep_kernel(w)[:, ::-1], (stride, stride))


def _transposed_kernel(x, w, stride=1, padding=0):
    return wrong_correlate(pad_sides(x, padding, padding, padding, padding), keep_kernel(w).T, (stride, stride))


def _flipped_output(x, w, stride=1, padding=0):
    return wrong_correlate(pad_sides(x, padding, padding, padding, padding), keep_kernel(w), (stride, stride))[::-1, ::-1]


MISCONCEPTIONS_CONVOLVE: tuple[Misconception, ...] = (
    Misconception(
        "not_flipped",
        "your convolve2d does not flip the kernel (that is cross-correlation): convolution uses w[::-1, ::-1], "
        "y[i, j] = sum_{u,v} x[i + u, j + v] * w[kH-1-u, kW-1-v]",
        _not_flipped,
    ),
    Misconception(
        "flipped_rows_only",
        "you flipped the kernel upside down only: convolution flips it along BOTH axes, w[::-1, ::-1]",
        _flipped_rows_only,
    ),
    Misconception(
        "flipped_cols_only",
        "you flipped the kernel left-right only: convolution flips it along BOTH axes, w[::-1, ::-1]",
        _flipped_cols_only,
    ),
    Misconception(
        "transposed_kernel",
        "you transposed the kernel (w.T) instead of flipping it: flipping reverses both axes, w[::-1, ::-1] (a rotation by 180 degrees)",
        _transposed_kernel,
    ),
    Misconception(
        "flipped_output",
        "you flipped the output instead of the kernel: flip w (w[::-1, ::-1]), then slide it as in correlate2d",
        _flipped_output,
    ),
    # convolve2d usually calls correlate2d, whose stride/padding mistakes are caught there; these
    # three are for students who rewrite the loops
    *_stride_padding_misconceptions(_flip, ("stride_ignored", "padding_ignored", "padding_one_side")),
)


# --------------------------------------------------------------------------------------------
# cases: visible ones fixed and public; hidden ones (``*_cases(seed)``) from the grader's secret seed
# --------------------------------------------------------------------------------------------
LECTURE_X = np.array(
    [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]], dtype=float
)
LECTURE_W = np.array([[0, 1, 2], [2, 2, 0], [0, 1, 2]], dtype=float)
LECTURE_Y = np.array([[12, 12, 17], [10, 17, 19], [9, 6, 14]], dtype=float)  # from the slide


def random_ints(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Small integers as floats: easy to read in a message, exact in any summation order."""
    return rng.integers(-4, 5, size=shape).astype(float)


def random_kernel(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """A random small-integer kernel with no symmetry (no flip or transpose leaves it unchanged),
    so that every orientation mistake changes the answer."""
    while True:
        w = random_ints(rng, shape)
        same = [w[::-1, :], w[:, ::-1], w[::-1, ::-1]] + ([w.T] if shape[0] == shape[1] else [])
        if (shape[0] == 1 or shape[1] == 1 or not any(np.array_equal(w, v) for v in same)) and np.any(w):
            return w


def _describe_map_case(case: Case) -> str:
    args, kwargs = case
    parts = [f"x of shape {np.shape(args[0])}", f"w of shape {np.shape(args[1])}"]
    parts += [f"{k}={v!r}" for k, v in kwargs.items()]
    return ", ".join(parts)


X_4x5 = np.array([[2, 0, 1, 3, 1], [1, 4, 0, 2, 0], [0, 1, 3, 1, 2], [3, 2, 0, 0, 1]], dtype=float)
W_2x3 = np.array([[1, 0, -1], [2, 1, 0]], dtype=float)
"""A non-square map and a non-square kernel with no symmetry (checkable by hand)."""


def lecture_cases() -> list[Case]:
    """The slide's 5x5 input and 3x3 kernel, a small non-square one, and a non-square 2x3 kernel."""
    return [
        ((LECTURE_X.copy(), LECTURE_W.copy()), {}),
        ((np.array([[1.0, 2, 3, 0], [0, 1, 2, 3], [3, 0, 1, 2]]), np.array([[1.0, 0], [0, -1]])), {}),
        ((X_4x5.copy(), W_2x3.copy()), {}),
    ]


def valid_cases(seed: int) -> list[Case]:
    """Stride 1, no padding: non-square maps and kernels, including 1-row and full-size kernels."""
    rng = np.random.default_rng(seed)
    shapes = [((6, 9), (2, 3)), ((9, 5), (4, 2)), ((7, 7), (1, 4)), ((5, 8), (5, 1)), ((4, 6), (4, 6)), ((12, 16), (3, 3)), ((1, 10), (1, 3))]
    return [((random_ints(rng, xs), random_kernel(rng, ws)), {}) for xs, ws in shapes]


def stride_example_cases() -> list[Case]:
    """The lecture's example with stride 2, and a 6x6 map whose last stride-2 window does not fit."""
    x6 = np.arange(36, dtype=float).reshape(6, 6) % 7
    return [
        ((LECTURE_X.copy(), LECTURE_W.copy()), {"stride": 2}),
        ((x6, np.array([[1.0, 0, 0], [0, 1, 0], [0, 0, 1]])), {"stride": 2}),
        ((X_4x5.copy(), W_2x3.T.copy()), {"stride": 2}),
    ]


def stride_cases(seed: int) -> list[Case]:
    """Strides 2-4 where the last window does not fit (floor rule), non-square shapes."""
    rng = np.random.default_rng(seed)
    specs = [((8, 11), (3, 2), 2), ((10, 7), (2, 3), 3), ((9, 9), (3, 3), 4), ((13, 6), (4, 1), 2), ((7, 15), (2, 5), 3), ((16, 16), (5, 5), 2)]
    return [((random_ints(rng, xs), random_kernel(rng, ws)), {"stride": s}) for xs, ws, s in specs]


def padding_example_cases() -> list[Case]:
    """The lecture's example with padding 1 (a 'same' output, 5x5), then a small map with padding
    2: one-sided padding loses two windows there, a loop that stops early only one, so the two
    mistakes are told apart; then stride 2 with padding 1 on a 4x5 map, with a 2x3 kernel (the
    windows fit exactly) and a 3x2 one (a leftover row and column are dropped)."""
    return [
        ((LECTURE_X.copy(), LECTURE_W.copy()), {"padding": 1}),
        ((np.array([[1.0, 2, 3, 0], [0, 1, 2, 3], [3, 0, 1, 2]]), np.array([[1.0, 0], [0, -1]])), {"padding": 2}),
        ((X_4x5.copy(), W_2x3.copy()), {"stride": 2, "padding": 1}),
        ((X_4x5.copy(), W_2x3.T.copy()), {"stride": 2, "padding": 1}),
    ]


def padding_cases(seed: int) -> list[Case]:
    """Padding 1-3, alone and with strides; non-square maps and kernels."""
    rng = np.random.default_rng(seed)
    specs = [((6, 8), (3, 2), 1, 1), ((5, 9), (2, 4), 1, 2), ((7, 5), (3, 3), 2, 1), ((9, 12), (5, 3), 1, 2), ((8, 7), (4, 2), 3, 2), ((4, 4), (3, 3), 1, 3)]
    return [((random_ints(rng, xs), random_kernel(rng, ws)), {"stride": s, "padding": p}) for xs, ws, s, p in specs]


def convolve_example_cases() -> list[Case]:
    """A 3x4 map with an asymmetric 2x2 kernel (checkable by hand), the lecture's map and kernel,
    a non-square 2x3 kernel, then stride 2 with padding 1 (windows that fit exactly, then not)."""
    return [
        ((np.array([[1.0, 2, 3, 0], [0, 1, 2, 3], [3, 0, 1, 2]]), np.array([[1.0, 2], [3, 4]])), {}),
        ((LECTURE_X.copy(), LECTURE_W.copy()), {}),
        ((X_4x5.copy(), W_2x3.copy()), {}),
        ((LECTURE_X.copy(), LECTURE_W.copy()), {"stride": 2, "padding": 1}),
        ((X_4x5.copy(), W_2x3.T.copy()), {"stride": 2, "padding": 1}),
    ]


def convolve_cases(seed: int) -> list[Case]:
    """Non-square kernels (so no symmetry hides a missing flip), then stride and padding."""
    rng = np.random.default_rng(seed)
    specs = [((7, 9), (3, 2), 1, 0), ((8, 6), (2, 3), 1, 0), ((9, 9), (3, 3), 1, 0), ((10, 8), (3, 4), 2, 0), ((6, 7), (3, 2), 1, 1), ((11, 9), (4, 3), 3, 2)]
    out: list[Case] = []
    for xs, ws, s, p in specs:
        kwargs = {} if (s, p) == (1, 0) else {"stride": s, "padding": p}
        out.append(((random_ints(rng, xs), random_kernel(rng, ws)), kwargs))
    return out


# --------------------------------------------------------------------------------------------
# registration
# --------------------------------------------------------------------------------------------
def _corr_check(check_id: str, cases: Callable[..., list[Case]]) -> Check:
    return Check(
        id=check_id, function="correlate2d", cases=cases, reference=_ref_correlate2d, hidden=check_id.endswith(".hidden"),
        misconceptions=MISCONCEPTIONS_CORRELATE, forbidden=CONVOLUTION_SHORTCUTS, describe=_describe_map_case,
    )


def _conv_check(check_id: str, cases: Callable[..., list[Case]]) -> Check:
    return Check(
        id=check_id, function="convolve2d", cases=cases, reference=_ref_convolve2d, hidden=check_id.endswith(".hidden"),
        misconceptions=MISCONCEPTIONS_CONVOLVE, forbidden=CONVOLUTION_SHORTCUTS, describe=_describe_map_case,
    )


# Check ids follow ex01: ``ex02.<function>.<part>`` (visible cases, checkable by hand) and
# ``ex02.<function>.<part>.hidden`` (random cases from the grader's secret seed); one graded cell per <part>.
CHECKS: tuple[Check, ...] = (
    _corr_check("ex02.correlate2d.valid", lecture_cases),
    _corr_check("ex02.correlate2d.valid.hidden", valid_cases),
    _corr_check("ex02.correlate2d.stride", stride_example_cases),
    _corr_check("ex02.correlate2d.stride.hidden", stride_cases),
    _corr_check("ex02.correlate2d.padding", padding_example_cases),
    _corr_check("ex02.correlate2d.padding.hidden", padding_cases),
    _conv_check("ex02.convolve2d.all", convolve_example_cases),
    _conv_check("ex02.convolve2d.all.hidden", convolve_cases),
)

for _check in CHECKS:
    register(_check)
