"""Checks and mistake catalogue of ``ex04_pooling``.

Graded functions (ARCHITECTURE.md, "Exercise contract")::

    max_pool2d(x, size, stride=None)        # stride defaults to size; floor rule
    avg_pool2d(x, size, stride=None)

``x`` is ``(H, W)`` or ``(C, H, W)`` (every map pooled on its own); ``size``, ``stride`` and
``output_size`` are ints or ``(height, width)`` pairs.

Check ids follow ex01: ``ex04.<function>.<part>`` (visible) and ``ex04.<function>.<part>.hidden``.
``adaptive_max_pool2d``'s checks are in ``adaptive_pooling.py``, which shares the window helpers
and hand-made maps defined here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course.grading.checks import CONVOLUTION_SHORTCUTS, Case, Check, Misconception, register

__all__ = ["CHECKS", "HAND_4x6", "HAND_5", "HAND_X", "MISCONCEPTIONS_AVG", "MISCONCEPTIONS_MAX", "POOLING_SHORTCUTS", "WINDOW_MESSAGES",
           "distinct_ints", "pair", "pool_map", "pooling_check"]

POOLING_SHORTCUTS = CONVOLUTION_SHORTCUTS | frozenset(
    {"skimage.measure.block_reduce", "torch.nn.functional.max_pool2d", "torch.nn.functional.avg_pool2d"}
)


def _ref_max(x: Any, size: Any, stride: Any = None) -> np.ndarray:
    from course.pooling import max_pool2d

    return max_pool2d(x, size, stride)


def _ref_avg(x: Any, size: Any, stride: Any = None) -> np.ndarray:
    from course.pooling import avg_pool2d

    return avg_pool2d(x, size, stride)


# --------------------------------------------------------------------------------------------
# building blocks of the wrong answers
# --------------------------------------------------------------------------------------------
def pair(v: Any) -> tuple[int, int]:
    return (int(v), int(v)) if np.ndim(v) == 0 else (int(v[0]), int(v[1]))


Reduce = Callable[[np.ndarray], float]


def _windows_1d(n: int, k: int, s: int, *, ceil: bool = False, right: bool = False) -> list[tuple[int, int]]:
    """Window [start, end) along one axis: floor rule, or ``ceil`` (partial last window kept), or
    ``right`` (the leftover dropped at the start instead of the end)."""
    if k > n:
        raise ValueError("window larger than the input")
    count = (-(-(n - k) // s) if ceil else (n - k) // s) + 1
    offset = (n - k) % s if right else 0
    return [(offset + i * s, min(offset + i * s + k, n)) for i in range(count)]


def pool_map(m: np.ndarray, rows: list[tuple[int, int]], cols: list[tuple[int, int]], op: Reduce) -> np.ndarray:
    return np.array([[op(m[r0:r1, c0:c1]) for c0, c1 in cols] for r0, r1 in rows])


def _pool(x: Any, size: Any, stride: Any, op: Reduce, **windows: bool) -> np.ndarray:
    """Pool the last two axes of ``x`` (H, W) or (C, H, W) with ``op``; ``stride`` already resolved."""
    x = np.asarray(x, dtype=float)
    (kh, kw), (sh, sw) = pair(size), pair(stride)
    rows = _windows_1d(x.shape[-2], kh, sh, **windows)
    cols = _windows_1d(x.shape[-1], kw, sw, **windows)
    if x.ndim == 2:
        return pool_map(x, rows, cols, op)
    return np.array([pool_map(m, rows, cols, op) for m in x])


def _resolve(size: Any, stride: Any) -> Any:
    return size if stride is None else stride


def _pool_variants(op: Reduce) -> dict[str, Callable[..., np.ndarray]]:
    """Wrong ways to place the windows (shared by max and average pooling)."""

    def default_stride_one(x, size, stride=None):
        return _pool(x, size, 1 if stride is None else stride, op)

    def ceil_mode(x, size, stride=None):
        return _pool(x, size, _resolve(size, stride), op, ceil=True)

    def right_aligned(x, size, stride=None):
        return _pool(x, size, _resolve(size, stride), op, right=True)

    def stride_ignored(x, size, stride=None):
        if stride is None:
            raise ValueError("no stride given")
        return _pool(x, size, size, op)

    def size_stride_swapped(x, size, stride=None):
        if stride is None:
            raise ValueError("no stride given")
        return _pool(x, stride, size, op)

    def first_of_pair(x, size, stride=None):
        if np.ndim(size) == 0 and (stride is None or np.ndim(stride) == 0):
            raise ValueError("no pair")
        kh = pair(size)[0]
        sh = pair(_resolve(size, stride))[0]
        return _pool(x, kh, sh, op)

    def pair_reversed(x, size, stride=None):
        if np.ndim(size) == 0 and (stride is None or np.ndim(stride) == 0):
            raise ValueError("no pair")
        kh, kw = pair(size)
        sh, sw = pair(_resolve(size, stride))
        if (kh, sh) == (kw, sw):
            raise ValueError("a square pair reads the same both ways")
        return _pool(x, (kw, kh), (sw, sh), op)

    def over_all_maps(x, size, stride=None):
        x = np.asarray(x, dtype=float)
        if x.ndim != 3 or x.shape[0] == 1:
            raise ValueError("one map")
        per_map = _pool(x, size, _resolve(size, stride), op)  # (C, H', W')
        whole = np.max(per_map, axis=0) if op is np.max else np.mean(per_map, axis=0)
        return np.broadcast_to(whole, per_map.shape).copy()

    def pooled_channels(x, size, stride=None):
        x = np.asarray(x, dtype=float)
        if x.ndim != 3:
            raise ValueError("one map")
        per_map = _pool(x, size, _resolve(size, stride), op)  # (C, H', W')
        return np.max(per_map, axis=0) if op is np.max else np.mean(per_map, axis=0)

    def channels_last(x, size, stride=None):
        x = np.asarray(x, dtype=float)
        if x.ndim != 3:
            raise ValueError("one map")
        return np.moveaxis(_pool(np.moveaxis(x, -1, 0), size, _resolve(size, stride), op), 0, -1)

    return {
        "default_stride_one": default_stride_one,
        "ceil_mode": ceil_mode,
        "right_aligned": right_aligned,
        "stride_ignored": stride_ignored,
        "size_stride_swapped": size_stride_swapped,
        "first_of_pair": first_of_pair,
        "pair_reversed": pair_reversed,
        "over_all_maps": over_all_maps,
        "pooled_channels": pooled_channels,
        "channels_last": channels_last,
    }


WINDOW_MESSAGES = {
    "default_stride_one": (
        "with stride=None the stride defaults to the window size (non-overlapping windows, like Keras' "
        "MaxPooling2D and PyTorch's MaxPool2d), not to 1"
    ),
    "ceil_mode": (
        "you kept a last window that does not fit entirely: the floor rule drops it, "
        "out = floor((n - size) / stride) + 1"
    ),
    "right_aligned": (
        "your windows start at the wrong offset: the first window starts at row 0 and column 0 and the "
        "leftover rows/columns that do not fill a window are dropped at the END (bottom/right)"
    ),
    "stride_ignored": "you ignored the stride argument: when it is given, windows start every `stride` cells (they overlap when stride < size)",
    "size_stride_swapped": "you swapped the window size and the stride: `size` is the window's height/width, `stride` the step between windows",
    "first_of_pair": "size and stride may be (height, width) pairs: use the first number along the rows and the second along the columns",
    "pair_reversed": (
        "you read the (height, width) pairs the other way round: size=(a, b) means windows a rows high and b columns "
        "wide (and stride=(a, b) steps a rows down and b columns across)"
    ),
    "over_all_maps": (
        "every map of your output holds the same values, the windows of ALL C maps pooled together: pool each map "
        "on its own, over the last two axes only (e.g. window.max(axis=(-2, -1)))"
    ),
    "pooled_channels": "x is (C, H, W): pool every map on its own over its last two axes and keep all C maps; do not combine the maps",
    "channels_last": "x is (C, H, W) (channels first, PyTorch's layout): pool the LAST two axes (H, W), not the first two",
}


def _window_misconceptions(op: Reduce, names: tuple[str, ...] = tuple(WINDOW_MESSAGES)) -> tuple[Misconception, ...]:
    fns = _pool_variants(op)
    return tuple(Misconception(name, WINDOW_MESSAGES[name], fns[name]) for name in names)


def _mean_instead_of_max(x, size, stride=None):
    return _pool(x, size, _resolve(size, stride), np.mean)


def _max_instead_of_mean(x, size, stride=None):
    return _pool(x, size, _resolve(size, stride), np.max)


def _sum_not_mean(x, size, stride=None):
    return _pool(x, size, _resolve(size, stride), np.sum)


def _divided_by_side(x, size, stride=None):
    kh, kw = pair(size)
    if kh * kw == max(kh, kw):
        raise ValueError("1-wide window")
    return _pool(x, size, _resolve(size, stride), np.sum) / max(kh, kw)


def _divided_by_height_squared(x, size, stride=None):
    kh, kw = pair(size)
    if kh == kw:
        raise ValueError("square window")
    return _pool(x, size, _resolve(size, stride), np.sum) / (kh * kh)


def _min_instead_of_max(x, size, stride=None):
    return _pool(x, size, _resolve(size, stride), np.min)


MISCONCEPTIONS_MAX: tuple[Misconception, ...] = (
    Misconception("mean_instead_of_max", "you averaged each window: max pooling keeps the LARGEST value of each window", _mean_instead_of_max),
    Misconception("min_instead_of_max", "you kept the smallest value of each window: max pooling keeps the LARGEST", _min_instead_of_max),
    *_window_misconceptions(np.max),
)

MISCONCEPTIONS_AVG: tuple[Misconception, ...] = (
    Misconception("max_instead_of_mean", "you took the maximum of each window: average pooling returns each window's MEAN", _max_instead_of_mean),
    Misconception(
        "sum_not_mean", "you summed each window: average pooling divides the sum by the number of cells in the window (size_h * size_w)", _sum_not_mean
    ),
    Misconception(
        "divided_by_side",
        "you divided by the window's side: divide the window's sum by the number of cells it holds, size_h * size_w",
        _divided_by_side,
    ),
    Misconception(
        "divided_by_height_squared",
        "you divided by size_h * size_h: a (size_h, size_w) window holds size_h * size_w cells",
        _divided_by_height_squared,
    ),
    # the window-placement mistakes most seen in average pooling (all of them are in max pooling's catalogue)
    *_window_misconceptions(np.mean, ("default_stride_one", "ceil_mode", "right_aligned", "pair_reversed",
                                      "over_all_maps", "channels_last")),
)


# --------------------------------------------------------------------------------------------
# cases
# --------------------------------------------------------------------------------------------
HAND_X = np.array([[1, 3, 2, 1], [4, 2, 0, 1], [3, 1, 1, 5], [0, 2, 6, 2]], dtype=float)  # max 2x2: [[4, 2], [3, 6]]
HAND_5 = np.array(
    [[1, 0, 2, 3, 1], [4, 6, 1, 0, 2], [0, 2, 5, 1, 3], [7, 1, 0, 2, 4], [2, 3, 1, 8, 0]], dtype=float
)


def _describe_pool_case(case: Case) -> str:
    args, kwargs = case
    parts = [f"x of shape {np.shape(args[0])}"] + [f"{n}={v!r}" for n, v in zip(("size", "stride"), args[1:])]
    return ", ".join(parts + [f"{k}={v!r}" for k, v in kwargs.items()])


def distinct_ints(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Distinct small integers (no ties: every window has one clear maximum)."""
    n = int(np.prod(shape))
    return rng.permutation(np.arange(n) - n // 2).reshape(shape).astype(float)


HAND_4x6 = np.array([[3, 0, 1, 8, 2, 5], [1, 7, 4, 0, 6, 2], [9, 2, 0, 3, 1, 4], [0, 5, 6, 2, 7, 1]], dtype=float)
"""A non-square map (4x6): 3x3 windows fit twice along the columns, once along the rows."""


THREE_MAPS = np.random.default_rng(4002).permutation(np.arange(72) - 36).reshape(3, 4, 6).astype(float)
"""Three 4x6 maps of distinct numbers: no coincidence between maps hides a mix-up of the map axis."""


def max_basic_example_cases() -> list[Case]:
    """The 4x4 map pooled 2x2 by hand, a 5x5 map where the last row and column are dropped, and
    the non-square 4x6 map pooled 3x3 (the last row is dropped)."""
    return [((HAND_X.copy(), 2), {}), ((HAND_5.copy(), 2), {}), ((HAND_4x6.copy(), 3), {})]


def basic_cases(seed: int) -> list[Case]:
    """(H, W) maps, default stride: non-square maps, sizes that do not divide them (floor rule)."""
    rng = np.random.default_rng(seed)
    specs = [((8, 8), 2), ((9, 7), 2), ((6, 12), 3), ((11, 10), 3), ((5, 9), 4), ((32, 32), 4), ((7, 5), 1), ((10, 13), 5)]
    return [((distinct_ints(rng, hw), k), {}) for hw, k in specs]


def stride_example_cases() -> list[Case]:
    """Overlapping windows (3x3, stride 2) on the 5x5 map; stride 1; two maps at once; then the
    4x6 map with (height, width) pairs: 2x3 windows side by side, and 1x2 windows with stride
    (3, 1) (gaps between the rows of windows, overlap along the columns); and 3x3 windows with
    stride 2 on the 4x6 map, whose last row and column do not fill a window (dropped); three maps
    of distinct numbers, 2x2 windows."""
    two_maps = np.stack([HAND_X, HAND_X[::-1] * 2])
    return [((HAND_5.copy(), 3, 2), {}), ((HAND_X.copy(), 2, 1), {}), ((two_maps, 2), {}),
            ((HAND_4x6.copy(), (2, 3)), {}), ((HAND_4x6.copy(), (1, 2), (3, 1)), {}), ((HAND_4x6.copy(), 3, 2), {}),
            ((THREE_MAPS.copy(), 2), {})]


def stride_cases(seed: int) -> list[Case]:
    """stride != size (overlapping and gapped windows), (C, H, W) inputs, (height, width) pairs."""
    rng = np.random.default_rng(seed)
    specs: list[tuple[tuple[int, ...], Any, Any]] = [
        ((9, 11), 3, 2), ((3, 8, 10), 2, None), ((10, 10), 2, 3), ((2, 9, 7), 3, 1), ((12, 9), (3, 2), None),
        ((4, 11, 13), (2, 3), (3, 2)), ((7, 16), 4, 3), ((2, 15, 15), 5, 4), ((13, 6), (1, 3), (2, 1)),
    ]
    return [((distinct_ints(rng, shape), size) if stride is None else (distinct_ints(rng, shape), size, stride), {}) for shape, size, stride in specs]


def avg_example_cases() -> list[Case]:
    """The 4x4 map averaged 2x2 by hand, the 5x5 map (floor rule), overlapping windows, two maps,
    and the non-square 4x6 map with (height, width) windows and strides (gaps, then overlap), and
    3x3 windows with stride 2 (the last row and column are dropped); three maps of distinct numbers."""
    return [((HAND_X.copy(), 2), {}), ((HAND_5.copy(), 2), {}), ((HAND_5.copy(), 3, 2), {}), ((np.stack([HAND_X, HAND_X.T]), 2), {}),
            ((HAND_4x6.copy(), (2, 3)), {}), ((HAND_4x6.copy(), (1, 2), (3, 1)), {}), ((HAND_4x6.copy(), 3, 2), {}),
            ((THREE_MAPS.copy(), 2), {})]


def avg_cases(seed: int) -> list[Case]:
    """Default and explicit strides, (C, H, W) inputs and (height, width) pairs."""
    return basic_cases(seed)[:5] + stride_cases(seed + 1)


# --------------------------------------------------------------------------------------------
# registration
# --------------------------------------------------------------------------------------------
def pooling_check(check_id: str, function: str, cases: Callable[..., list[Case]], reference: Callable[..., Any], misconceptions: tuple[Misconception, ...], describe: Callable[[Case], str]) -> Check:
    return Check(
        id=check_id, function=function, cases=cases, reference=reference, misconceptions=misconceptions,
        forbidden=POOLING_SHORTCUTS, describe=describe, hidden=check_id.endswith(".hidden"),
    )


CHECKS: tuple[Check, ...] = (
    pooling_check("ex04.max_pool2d.basic", "max_pool2d", max_basic_example_cases, _ref_max, MISCONCEPTIONS_MAX, _describe_pool_case),
    pooling_check("ex04.max_pool2d.basic.hidden", "max_pool2d", basic_cases, _ref_max, MISCONCEPTIONS_MAX, _describe_pool_case),
    pooling_check("ex04.max_pool2d.stride", "max_pool2d", stride_example_cases, _ref_max, MISCONCEPTIONS_MAX, _describe_pool_case),
    pooling_check("ex04.max_pool2d.stride.hidden", "max_pool2d", stride_cases, _ref_max, MISCONCEPTIONS_MAX, _describe_pool_case),
    pooling_check("ex04.avg_pool2d.all", "avg_pool2d", avg_example_cases, _ref_avg, MISCONCEPTIONS_AVG, _describe_pool_case),
    pooling_check("ex04.avg_pool2d.all.hidden", "avg_pool2d", avg_cases, _ref_avg, MISCONCEPTIONS_AVG, _describe_pool_case),
)

for _c in CHECKS:
    register(_c)
