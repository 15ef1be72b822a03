"""Loop versions of ``course.pooling``: one Python loop step per output cell.

Slow on purpose and written to be read. Same names, signatures, results and errors as the fast
versions in ``course.pooling`` (they share its argument checks).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.pooling import _adaptive_bins, _avg_dtype, _check_adaptive, _check_pool, _pad_value, _padded

__all__ = ["max_pool2d", "avg_pool2d", "adaptive_max_pool2d", "adaptive_avg_pool2d"]


def _pool(x: np.ndarray, size: tuple[int, int], stride: tuple[int, int], out_hw: tuple[int, int], reduce: Any, dtype: np.dtype) -> np.ndarray:
    """``y[..., i, j] = reduce(window at rows i*s_h .. i*s_h + kH - 1, columns j*s_w .. j*s_w + kW - 1)``."""
    (kh, kw), (sh, sw), (h_out, w_out) = size, stride, out_hw
    out = np.zeros((*x.shape[:-2], h_out, w_out), dtype=dtype)
    for i in range(h_out):
        for j in range(w_out):
            window = x[..., i * sh : i * sh + kh, j * sw : j * sw + kw]
            out[..., i, j] = reduce(window, axis=(-2, -1))
    return out


def max_pool2d(x: Any, size: int | tuple[int, int], stride: int | tuple[int, int] | None = None, padding: int | tuple[int, int] = 0) -> np.ndarray:
    """Loop version of :func:`course.pooling.max_pool2d`: the largest value of each window."""
    x, size, stride, padding, out_hw = _check_pool(x, size, stride, padding)
    return _pool(_padded(x, padding, _pad_value(x.dtype)), size, stride, out_hw, np.max, x.dtype)


def avg_pool2d(x: Any, size: int | tuple[int, int], stride: int | tuple[int, int] | None = None, padding: int | tuple[int, int] = 0) -> np.ndarray:
    """Loop version of :func:`course.pooling.avg_pool2d`: the mean of each window (padding counts)."""
    x, size, stride, padding, out_hw = _check_pool(x, size, stride, padding)
    dtype = _avg_dtype(x)
    return _pool(_padded(x.astype(dtype), padding, 0), size, stride, out_hw, np.mean, dtype)


def _adaptive(x: np.ndarray, output_size: tuple[int, int], reduce: Any, dtype: np.dtype) -> np.ndarray:
    h_bins = _adaptive_bins(x.shape[-2], output_size[0])
    w_bins = _adaptive_bins(x.shape[-1], output_size[1])
    out = np.zeros((*x.shape[:-2], *output_size), dtype=dtype)
    for i, (top, bottom) in enumerate(h_bins):
        for j, (left, right) in enumerate(w_bins):
            out[..., i, j] = reduce(x[..., top:bottom, left:right], axis=(-2, -1))
    return out


def adaptive_max_pool2d(x: Any, output_size: int | tuple[int, int]) -> np.ndarray:
    """Loop version of :func:`course.pooling.adaptive_max_pool2d` (PyTorch's bins)."""
    x, output_size = _check_adaptive(x, output_size)
    return _adaptive(x, output_size, np.max, x.dtype)


def adaptive_avg_pool2d(x: Any, output_size: int | tuple[int, int]) -> np.ndarray:
    """Loop version of :func:`course.pooling.adaptive_avg_pool2d` (PyTorch's bins)."""
    x, output_size = _check_adaptive(x, output_size)
    dtype = _avg_dtype(x)
    return _adaptive(x.astype(dtype), output_size, np.mean, dtype)
