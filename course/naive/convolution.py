"""Loop versions of ``course.convolution``: one Python loop per output value, as on the slides.

Slow on purpose and written to be read. Same names, signatures, results and errors as the
vectorised versions in ``course.convolution`` (they share its argument checks).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.convolution import _check_1d, _check_2d, _mode_slice, _output_shape_2d

__all__ = ["convolve1d", "correlate1d", "convolve2d", "correlate2d"]


def _full_convolution(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``y[n] = sum_k x[n - k] * w[k]`` for every n where the two overlap (length N + K - 1)."""
    n_x, n_w = len(x), len(w)
    y = np.zeros(n_x + n_w - 1, dtype=np.result_type(x, w))
    for n in range(n_x + n_w - 1):
        for k in range(n_w):
            if 0 <= n - k < n_x:
                y[n] += x[n - k] * w[k]
    return y


def convolve1d(x: Any, w: Any, mode: str = "full") -> np.ndarray:
    """Loop version of :func:`course.convolution.convolve1d` (equal to ``numpy.convolve``)."""
    x, w, mode = _check_1d(x, w, mode)
    return _full_convolution(x, w)[_mode_slice(len(x), len(w), mode)]


def correlate1d(x: Any, w: Any, mode: str = "valid") -> np.ndarray:
    """Loop version of :func:`course.convolution.correlate1d` (equal to ``numpy.correlate``).

    ``r[k] = sum_n x[n + k] * conj(w[n])`` for every lag k from ``-(K-1)`` to ``N-1``, then the
    part that ``mode`` keeps.
    """
    x, w, mode = _check_1d(x, w, mode)
    n_x, n_w = len(x), len(w)
    w = np.conj(w) if w.dtype.kind == "c" else w
    r = np.zeros(n_x + n_w - 1, dtype=np.result_type(x, w))
    for i, lag in enumerate(range(-(n_w - 1), n_x)):
        for n in range(n_w):
            if 0 <= n + lag < n_x:
                r[i] += x[n + lag] * w[n]
    return r[_mode_slice(n_x, n_w, mode, reverse_lags=n_w > n_x)]


def correlate2d(x: Any, w: Any, stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0) -> np.ndarray:
    """Loop version of :func:`course.convolution.correlate2d`.

    ``y[i, j] = sum_{u, v} xp[i*s_h + u, j*s_w + v] * w[u, v]``, xp = x with zero padding.
    """
    x, w, stride, padding = _check_2d(x, w, stride, padding)
    h_out, w_out = _output_shape_2d(x.shape, w.shape, stride, padding)
    dtype = np.result_type(x, w)
    xp = np.zeros((x.shape[0] + 2 * padding[0], x.shape[1] + 2 * padding[1]), dtype=dtype)
    xp[padding[0] : padding[0] + x.shape[0], padding[1] : padding[1] + x.shape[1]] = x
    y = np.zeros((h_out, w_out), dtype=dtype)
    for i in range(h_out):
        for j in range(w_out):
            for u in range(w.shape[0]):
                for v in range(w.shape[1]):
                    y[i, j] += xp[i * stride[0] + u, j * stride[1] + v] * w[u, v]
    return y


def convolve2d(x: Any, w: Any, stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0) -> np.ndarray:
    """Loop version of :func:`course.convolution.convolve2d`: flip the kernel, then correlate."""
    x, w, stride, padding = _check_2d(x, w, stride, padding)
    flipped = np.zeros_like(w)
    for u in range(w.shape[0]):
        for v in range(w.shape[1]):
            flipped[u, v] = w[w.shape[0] - 1 - u, w.shape[1] - 1 - v]
    return correlate2d(x, flipped, stride, padding)
