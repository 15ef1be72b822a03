"""Checks and mistake catalogue of ``ex04_pooling``'s ``adaptive_max_pool2d``.

Graded function (ARCHITECTURE.md, "Exercise contract")::

    adaptive_max_pool2d(x, output_size)     # PyTorch's bins: start = floor(i*n/out), end = ceil((i+1)*n/out)

``x`` is ``(H, W)`` or ``(C, H, W)``; ``output_size`` an int or a ``(height, width)`` pair. Each
misconception computes the bins a student with that mistake would use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course.grading.checks import Case, Check, Misconception, register
from course.grading.exercises.pooling import (
    distinct_ints,
    HAND_4x6,
    HAND_5,
    HAND_X,
    pair,
    pool_map,
    pooling_check,
    WINDOW_MESSAGES,
)

__all__ = ["CHECKS", "MISCONCEPTIONS_ADAPTIVE"]


def _ref_adaptive(x: Any, output_size: Any) -> np.ndarray:
    from course.pooling import adaptive_max_pool2d

    return adaptive_max_pool2d(x, output_size)


Bins = Callable[[int, int], list[tuple[int, int]]]


def _bins_pytorch(n: int, out: int) -> list[tuple[int, int]]:
    return [((i * n) // out, -(-((i + 1) * n) // out)) for i in range(out)]


def _bins_equal_floor(n: int, out: int) -> list[tuple[int, int]]:
    w = n // out
    if w == 0:
        raise ValueError("empty bins")
    return [(i * w, i * w + w) for i in range(out)]


def _bins_linspace(n: int, out: int) -> list[tuple[int, int]]:
    edges = np.round(np.linspace(0, n, out + 1)).astype(int)
    bins = [(int(edges[i]), int(edges[i + 1])) for i in range(out)]
    if any(b <= a for a, b in bins):
        raise ValueError("empty bin")
    return bins


def _bins_floor_ends(n: int, out: int) -> list[tuple[int, int]]:
    bins = [((i * n) // out, ((i + 1) * n) // out) for i in range(out)]
    if any(b <= a for a, b in bins):
        raise ValueError("empty bin")
    return bins


def _bins_stride_kernel(n: int, out: int) -> list[tuple[int, int]]:
    s = n // out
    if s == 0:
        raise ValueError("stride 0")
    k = n - (out - 1) * s
    return [(i * s, i * s + k) for i in range(out)]


def _bins_ceil_start(n: int, out: int) -> list[tuple[int, int]]:
    bins = [(-(-(i * n) // out), -(-((i + 1) * n) // out)) for i in range(out)]
    if any(b <= a for a, b in bins):
        raise ValueError("empty bin")
    return bins


def _bins_array_split(n: int, out: int) -> list[tuple[int, int]]:
    """np.array_split's blocks: disjoint, sizes n // out + 1 for the first n % out, then n // out."""
    if out > n:
        raise ValueError("empty bins")
    edges = np.cumsum([0] + [len(b) for b in np.array_split(np.arange(n), out)])
    return [(int(edges[i]), int(edges[i + 1])) for i in range(out)]


def _adaptive(x: Any, output_size: Any, bins: Bins, *, first_only: bool = False, reversed_pair: bool = False,
              channels: str = "first") -> np.ndarray:
    x = np.asarray(x, dtype=float)
    oh, ow = pair(output_size)
    if first_only:
        if np.ndim(output_size) == 0 or oh == ow:
            raise ValueError("no pair")
        ow = oh
    if reversed_pair:
        if np.ndim(output_size) == 0 or oh == ow:
            raise ValueError("no rectangular pair")
        oh, ow = ow, oh
    if channels == "last":
        if x.ndim != 3:
            raise ValueError("one map")
        x = np.moveaxis(x, -1, 0)
    rows, cols = bins(x.shape[-2], oh), bins(x.shape[-1], ow)
    out = pool_map(x, rows, cols, np.max) if x.ndim == 2 else np.array([pool_map(m, rows, cols, np.max) for m in x])
    if channels == "last":
        out = np.moveaxis(out, 0, -1)
    if channels == "merged":
        if out.ndim != 3:
            raise ValueError("one map")
        out = out.max(axis=0)
    return out


def _adaptive_with(bins: Bins, **kw: Any) -> Callable[..., np.ndarray]:
    def compute(x, output_size):
        return _adaptive(x, output_size, bins, **kw)

    return compute


BIN_RULE = "bin i along an axis of length n covers [floor(i*n/out), ceil((i+1)*n/out)), so neighbouring bins may overlap"

MISCONCEPTIONS_ADAPTIVE: tuple[Misconception, ...] = (
    Misconception(
        "equal_width_floor_bins",
        f"you used equal bins of width n // out: they leave the last rows/columns out. PyTorch's {BIN_RULE}",
        _adaptive_with(_bins_equal_floor),
    ),
    Misconception(
        "stride_kernel_formula",
        f"you turned adaptive pooling into ordinary pooling (stride n // out, window n - (out-1)*stride): PyTorch's {BIN_RULE}",
        _adaptive_with(_bins_stride_kernel),
    ),
    Misconception(
        "floor_ends",
        f"your bins end at floor((i+1)*n/out): the end is rounded UP, {BIN_RULE}",
        _adaptive_with(_bins_floor_ends),
    ),
    Misconception(
        "array_split_bins",
        "your bins are np.array_split's blocks: disjoint, their sizes differ by at most one, the larger ones first. "
        f"PyTorch's {BIN_RULE}",
        _adaptive_with(_bins_array_split),
    ),
    Misconception(
        "ceil_start",
        f"your bins start at ceil(i*n/out): the start is rounded DOWN, {BIN_RULE}",
        _adaptive_with(_bins_ceil_start),
    ),
    Misconception(
        "linspace_round",
        f"you rounded evenly spaced edges (linspace/round) to the nearest cell: PyTorch rounds the start DOWN and the end UP, {BIN_RULE}",
        _adaptive_with(_bins_linspace),
    ),
    Misconception(
        "first_of_pair",
        "output_size may be a (height, width) pair: the output has `height` rows and `width` columns",
        _adaptive_with(_bins_pytorch, first_only=True),
    ),
    Misconception(
        "pair_reversed",
        "you read output_size the other way round: (height, width) means `height` rows and `width` columns",
        _adaptive_with(_bins_pytorch, reversed_pair=True),
    ),
    Misconception("pooled_channels", WINDOW_MESSAGES["pooled_channels"], _adaptive_with(_bins_pytorch, channels="merged")),
    Misconception("channels_last", WINDOW_MESSAGES["channels_last"], _adaptive_with(_bins_pytorch, channels="last")),
)


def _describe_adaptive_case(case: Case) -> str:
    args, kwargs = case
    parts = [f"x of shape {np.shape(args[0])}"] + [f"output_size={v!r}" for v in args[1:]]
    return ", ".join(parts + [f"{k}={v!r}" for k, v in kwargs.items()])


def adaptive_example_cases() -> list[Case]:
    """A 5x5 map to 3x3: bins [0, 2), [1, 4), [3, 5) overlap (checkable by hand); 4x4 to 2x2;
    then (height, width) output sizes on non-square maps: two 10x7 maps to (4, 7) (rows: bins
    [0, 3), [2, 5), [5, 8), [7, 10); columns: one cell per bin), a 4x6 map to (3, 1) (one bin
    along the columns) and a 6x9 map to (2, 4)."""
    rng = np.random.default_rng(4001)
    return [((HAND_5.copy(), 3), {}), ((HAND_X.copy(), 2), {}), ((distinct_ints(rng, (2, 10, 7)), (4, 7)), {}),
            ((HAND_4x6.copy(), (3, 1)), {}), ((distinct_ints(rng, (6, 9)), (2, 4)), {})]


def adaptive_cases(seed: int) -> list[Case]:
    """Uneven and overlapping bins, (height, width) output sizes, (C, H, W) maps, and the lecture's
    "pool to a fixed 9x9" for spectrogram-like maps of varying duration (width)."""
    rng = np.random.default_rng(seed)
    specs: list[tuple[tuple[int, ...], Any]] = [
        ((5, 7), (3, 5)), ((7, 10), (3, 4)), ((10, 7), 4), ((13, 13), 5), ((3, 9, 11), 4), ((6, 8), (4, 3)), ((5, 9), 5),
        ((8, 8), 8), ((11, 7), 1), ((2, 12, 17), (5, 7)),
    ]
    cases: list[Case] = [((distinct_ints(rng, shape), out), {}) for shape, out in specs]
    for width in (9, 14, 23, 32):  # clips of varying duration -> always (C, 9, 9)
        cases.append(((distinct_ints(rng, (2, 20, width)), 9), {}))
    return cases


CHECKS: tuple[Check, ...] = (
    pooling_check("ex04.adaptive_max_pool2d.all", "adaptive_max_pool2d", adaptive_example_cases, _ref_adaptive, MISCONCEPTIONS_ADAPTIVE, _describe_adaptive_case),
    pooling_check("ex04.adaptive_max_pool2d.all.hidden", "adaptive_max_pool2d", adaptive_cases, _ref_adaptive, MISCONCEPTIONS_ADAPTIVE, _describe_adaptive_case),
)

for _c in CHECKS:
    register(_c)
