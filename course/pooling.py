"""Max and average pooling of feature maps, vectorised with NumPy (PyTorch's semantics).

Pooling slides a ``kH x kW`` window over each feature map with a stride (by default the window
size, so windows do not overlap) and keeps one number per window: the largest (max pooling) or
the mean (average pooling). It has no weights; it shrinks the map and makes the output barely
change when the input shifts by less than a window.

Shapes follow the floor rule of ``course.shapes.conv_output_size``:
``H_out = floor((H + 2*padding - kH) / stride) + 1``. Adaptive pooling instead fixes the output
size and derives the windows: output cell ``i`` of ``out`` covers input rows
``floor(i * H / out)`` up to (excluding) ``ceil((i + 1) * H / out)``, as in PyTorch.

Inputs may be one map ``(H, W)``, a stack ``(C, H, W)`` or a batch ``(N, C, H, W)``; the leading
axes are kept. Max pooling keeps the dtype; average pooling returns floats (float64 for integer
inputs, else the input's float type).

How it is fast: instead of reducing over many tiny windows, the output is built from the
``kH * kW`` strided views ``x[..., u::s_h, v::s_w]`` (one per position inside the window), combined
with ``numpy.maximum`` or ``+`` in place -- a handful of whole-array operations.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from course._validate import as_numeric_array, as_pair, check_ndim, check_non_negative, check_positive
from course.shapes import conv_output_size

__all__ = ["max_pool2d", "avg_pool2d", "adaptive_max_pool2d", "adaptive_avg_pool2d"]

_LAYOUT = "array of shape (H, W), (C, H, W) or (N, C, H, W)"


# --------------------------------------------------------------------------------------------
# checks and index bookkeeping shared with course.naive.pooling
# --------------------------------------------------------------------------------------------
def _check_input(x: Any) -> np.ndarray:
    x = as_numeric_array(x, "x (the input)")
    if x.dtype.kind == "c":
        raise TypeError(f"x (the input) must be real numbers to pool (max needs an order), got dtype {x.dtype}")
    check_ndim(x, "x (the input)", (2, 3, 4), _LAYOUT)
    if x.size == 0:
        raise ValueError(f"x (the input) is empty (shape {x.shape}); expected every axis >= 1")
    return x


def _check_pool(x: Any, size: Any, stride: Any, padding: Any) -> tuple[np.ndarray, tuple[int, int], tuple[int, int], tuple[int, int], tuple[int, int]]:
    """Validate pooling arguments; return x, window, stride, padding and the output's (H, W)."""
    x = _check_input(x)
    size = as_pair(size, "size (the pooling window)")
    for k in size:
        check_positive(k, "size (the pooling window)")
    stride = size if stride is None else as_pair(stride, "stride")
    for s in stride:
        check_positive(s, "stride")
    padding = as_pair(padding, "padding")
    for p, k in zip(padding, size, strict=True):
        check_non_negative(p, "padding")
        if 2 * p > k:
            raise ValueError(f"padding must be at most half the window size (as in PyTorch), got padding={padding} for size={size}")
    out_hw = (
        conv_output_size(x.shape[-2], size[0], stride[0], padding[0]),
        conv_output_size(x.shape[-1], size[1], stride[1], padding[1]),
    )
    return x, size, stride, padding, out_hw


def _check_adaptive(x: Any, output_size: Any) -> tuple[np.ndarray, tuple[int, int]]:
    x = _check_input(x)
    output_size = as_pair(output_size, "output_size")
    for o in output_size:
        check_positive(o, "output_size")
    return x, output_size


def _adaptive_bins(n_in: int, n_out: int) -> list[tuple[int, int]]:
    """PyTorch's adaptive bins: ``[floor(i*n_in/n_out), ceil((i+1)*n_in/n_out))`` for each i."""
    return [((i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)) for i in range(n_out)]


def _avg_dtype(x: np.ndarray) -> np.dtype:
    return x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)


def _pad_value(dtype: np.dtype) -> Any:
    """The value that never wins a max: -inf for floats, the smallest value for ints and bools."""
    if dtype.kind == "f":
        return -np.inf
    if dtype.kind == "b":
        return False
    return np.iinfo(dtype).min


def _padded(x: np.ndarray, padding: tuple[int, int], value: Any) -> np.ndarray:
    if padding == (0, 0):
        return x
    pad = [(0, 0)] * (x.ndim - 2) + [(padding[0],) * 2, (padding[1],) * 2]
    return np.pad(x, pad, constant_values=value)


# --------------------------------------------------------------------------------------------
# fixed windows
# --------------------------------------------------------------------------------------------
def _taps(x: np.ndarray, size: tuple[int, int], stride: tuple[int, int], out_hw: tuple[int, int]) -> Iterator[np.ndarray]:
    """Yield, for each position (u, v) inside the window, the view ``x[..., u + i*s_h, v + j*s_w]``."""
    (kh, kw), (sh, sw), (h_out, w_out) = size, stride, out_hw
    for u in range(kh):
        for v in range(kw):
            yield x[..., u : u + sh * (h_out - 1) + 1 : sh, v : v + sw * (w_out - 1) + 1 : sw]  # (..., H_out, W_out)


def max_pool2d(
    x: Any,
    size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
) -> np.ndarray:
    """Max pooling: the largest value in each ``kH x kW`` window; equal to ``F.max_pool2d``.

    ``y[..., i, j] = max_{u < kH, v < kW} xp[..., i*s_h + u, j*s_w + v]`` where ``xp`` is ``x``
    padded with -inf (padding never wins).

    Args:
        x: ``(H, W)``, ``(C, H, W)`` or ``(N, C, H, W)``.
        size: window, int or ``(kH, kW)``.
        stride: step, int or pair; defaults to ``size`` (non-overlapping windows).
        padding: int or pair, at most half the window (PyTorch's rule).

    Shape:
        ``(..., H_out, W_out)``, ``H_out = floor((H + 2*p_h - kH) / s_h) + 1`` (likewise W).

    Raises:
        TypeError: non-numeric or complex input; size/stride/padding not an int or a pair.
        ValueError: wrong number of dimensions, size or stride < 1, bad padding, or a window
            larger than the (padded) input.

    Examples:
        >>> max_pool2d([[1, 2, 0, 1], [3, 4, 1, 0], [0, 0, 5, 6], [1, 0, 7, 8]], 2)
        array([[4, 1],
               [1, 8]])
    """
    x, size, stride, padding, out_hw = _check_pool(x, size, stride, padding)
    xp = _padded(x, padding, _pad_value(x.dtype))
    taps = list(_taps(xp, size, stride, out_hw))
    if len(taps) == 1:  # a 1x1 window: just the strided samples
        return taps[0].copy()
    out = np.maximum(taps[0], taps[1])  # (..., H_out, W_out), the running maximum
    for view in taps[2:]:
        np.maximum(out, view, out=out)
    return out


def avg_pool2d(
    x: Any,
    size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
) -> np.ndarray:
    """Average pooling: the mean of each ``kH x kW`` window; equal to ``F.avg_pool2d``.

    ``y[..., i, j] = (1 / (kH*kW)) * sum_{u, v} xp[..., i*s_h + u, j*s_w + v]`` where ``xp`` is
    ``x`` padded with zeros; padded zeros count in the mean (PyTorch's default
    ``count_include_pad=True``).

    Args and errors as :func:`max_pool2d`. Returns floats (float64 for integer input).

    Shape:
        ``(..., H_out, W_out)``, ``H_out = floor((H + 2*p_h - kH) / s_h) + 1`` (likewise W).

    Examples:
        >>> avg_pool2d([[1, 2, 0, 1], [3, 4, 1, 0], [0, 0, 5, 6], [1, 0, 7, 8]], 2)
        array([[2.5 , 0.5 ],
               [0.25, 6.5 ]])
    """
    x, size, stride, padding, out_hw = _check_pool(x, size, stride, padding)
    dtype = _avg_dtype(x)
    xp = _padded(x.astype(dtype, copy=False), padding, 0)
    taps = list(_taps(xp, size, stride, out_hw))
    if len(taps) == 1:
        return taps[0].copy()
    out = taps[0] + taps[1]  # (..., H_out, W_out), the running window sum
    for view in taps[2:]:
        out += view
    out *= dtype.type(1.0 / len(taps))
    return out


# --------------------------------------------------------------------------------------------
# adaptive windows
# --------------------------------------------------------------------------------------------
def _adaptive(x: np.ndarray, output_size: tuple[int, int], reduce: Any) -> np.ndarray:
    """Reduce rows into bins, then columns into bins (both max and mean are separable this way)."""
    h_bins = _adaptive_bins(x.shape[-2], output_size[0])
    w_bins = _adaptive_bins(x.shape[-1], output_size[1])
    rows = np.stack([reduce(x[..., a:b, :], axis=-2) for a, b in h_bins], axis=-2)  # (..., out_h, W)
    return np.stack([reduce(rows[..., a:b], axis=-1) for a, b in w_bins], axis=-1)  # (..., out_h, out_w)


def adaptive_max_pool2d(x: Any, output_size: int | tuple[int, int]) -> np.ndarray:
    """Max pooling to a fixed output size; equal to ``F.adaptive_max_pool2d``.

    Output cell ``(i, j)`` is the maximum over input rows ``floor(i*H/out_h)`` to
    ``ceil((i+1)*H/out_h) - 1`` and the same rule for columns (windows may overlap).

    Args:
        x: ``(H, W)``, ``(C, H, W)`` or ``(N, C, H, W)``.
        output_size: ``(out_h, out_w)`` or one int for both (>= 1; may exceed the input size).

    Shape:
        ``(..., out_h, out_w)`` whatever the input's height and width.

    Raises:
        TypeError: non-numeric or complex input; output_size not an int or a pair of ints.
        ValueError: wrong number of dimensions, empty input, or output_size < 1.

    Examples:
        >>> adaptive_max_pool2d([[1, 5, 2], [0, 3, 9]], (1, 2))   # column bins [0, 2) and [1, 3)
        array([[5, 9]])
    """
    x, output_size = _check_adaptive(x, output_size)
    return _adaptive(x, output_size, np.max)


def adaptive_avg_pool2d(x: Any, output_size: int | tuple[int, int]) -> np.ndarray:
    """Average pooling to a fixed output size; equal to ``F.adaptive_avg_pool2d``.

    Output cell ``(i, j)`` is the mean over PyTorch's bins (see :func:`adaptive_max_pool2d`).
    Returns floats (float64 for integer input).

    Shape:
        ``(..., out_h, out_w)``; ``output_size=1`` is global average pooling.

    Examples:
        >>> adaptive_avg_pool2d([[1, 5, 2], [0, 3, 9]], 1)   # global average pooling
        array([[3.33333333]])
    """
    x, output_size = _check_adaptive(x, output_size)
    return _adaptive(x.astype(_avg_dtype(x), copy=False), output_size, np.mean)
