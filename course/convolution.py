"""Convolution and cross-correlation of 1-D signals and 2-D maps, vectorised with NumPy.

Naming is honest: ``convolve*`` flips the kernel, ``correlate*`` does not. What deep-learning
libraries call "conv" (``torch.nn.functional.conv2d``, Keras ``Conv2D``) is cross-correlation,
``correlate2d`` here; the lecture's slides call it convolution, as those libraries do.

1-D (``x`` has length N, ``w`` length K; ``w`` may be the longer one, as in NumPy)::

    convolve:   y[n] = sum_k x[n - k] * w[k]          (the kernel is flipped)
    correlate:  r[k] = sum_n x[n + k] * conj(w[n])    (the kernel slides as it is)

2-D (single maps, zero padding ``p`` on every side, stride ``s``)::

    correlate2d: y[i, j] = sum_{u, v} xp[i*s + u, j*s + v] * w[u, v]
    convolve2d:  the same with w flipped in both axes, w[::-1, ::-1]

Integer inputs give integer outputs (and bool inputs bool outputs), like ``numpy.convolve``: the
result dtype is ``numpy.result_type(x, w)``, so small integer types can overflow as in NumPy.

The loop versions, for reading, are in ``course.naive.convolution``; both share the checks below,
so they raise the same errors.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from course._validate import as_numeric_array, as_pair, check_mode, check_ndim, check_non_negative, check_positive
from course.shapes import conv_output_size

__all__ = ["convolve1d", "correlate1d", "convolve2d", "correlate2d"]


# --------------------------------------------------------------------------------------------
# checks and index bookkeeping shared with course.naive.convolution
# --------------------------------------------------------------------------------------------
def _check_1d(x: Any, w: Any, mode: Any) -> tuple[np.ndarray, np.ndarray, str]:
    """Validate the arguments of ``convolve1d`` / ``correlate1d``; return arrays and mode."""
    x = as_numeric_array(x, "x (the signal)")
    w = as_numeric_array(w, "w (the kernel)")
    check_ndim(x, "x (the signal)", (1,), "array of samples, shape (N,)")
    check_ndim(w, "w (the kernel)", (1,), "array of weights, shape (K,)")
    if x.size == 0:
        raise ValueError("x (the signal) is empty; expected at least one sample")
    if w.size == 0:
        raise ValueError("w (the kernel) is empty; expected at least one weight")
    mode = check_mode(mode)
    return x, w, mode


def _mode_slice(n_x: int, n_w: int, mode: str, *, reverse_lags: bool = False) -> slice:
    """Which part of the full result (length ``n_x + n_w - 1``) NumPy keeps for ``mode``.

    NumPy slides the *shorter* array along the longer one: "same" keeps ``max(n_x, n_w)``
    outputs starting ``(short - 1) - short // 2`` into the full result, "valid" keeps
    ``long - short + 1`` outputs starting ``short - 1`` in. ``numpy.correlate`` with a longer
    second argument works on the swapped pair and reverses its output afterwards
    (``reverse_lags=True``): the window then counts from the other end of the full result.
    """
    full = n_x + n_w - 1
    if mode == "full":
        return slice(0, full)
    short, long = min(n_x, n_w), max(n_x, n_w)
    if mode == "same":
        start, length = (short - 1) - short // 2, long
    else:  # "valid"
        start, length = short - 1, long - short + 1
    if reverse_lags:
        return slice(full - start - length, full - start)
    return slice(start, start + length)


def _check_2d(x: Any, w: Any, stride: Any, padding: Any) -> tuple[np.ndarray, np.ndarray, tuple[int, int], tuple[int, int]]:
    """Validate the arguments of ``correlate2d`` / ``convolve2d``."""
    x = as_numeric_array(x, "x (the input map)")
    w = as_numeric_array(w, "w (the kernel)")
    check_ndim(x, "x (the input map)", (2,), "map of shape (H, W)")
    check_ndim(w, "w (the kernel)", (2,), "kernel of shape (kH, kW)")
    stride = as_pair(stride, "stride")
    padding = as_pair(padding, "padding")
    for s in stride:
        check_positive(s, "stride")
    for p in padding:
        check_non_negative(p, "padding")
    if x.size == 0:
        raise ValueError(f"x (the input map) is empty (shape {x.shape}); expected at least one value")
    if w.size == 0:
        raise ValueError(f"w (the kernel) is empty (shape {w.shape}); expected at least one weight")
    return x, w, stride, padding


def _output_shape_2d(x_shape: tuple[int, ...], w_shape: tuple[int, ...], stride: tuple[int, int], padding: tuple[int, int]) -> tuple[int, int]:
    """``(H_out, W_out)`` by ``course.shapes.conv_output_size``; raises if the kernel does not fit."""
    return (
        conv_output_size(x_shape[0], w_shape[0], stride[0], padding[0]),
        conv_output_size(x_shape[1], w_shape[1], stride[1], padding[1]),
    )


# --------------------------------------------------------------------------------------------
# 1-D
# --------------------------------------------------------------------------------------------
def _full_convolution(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Full convolution of two non-empty 1-D arrays, length ``len(x) + len(w) - 1``."""
    if len(w) > len(x):  # convolution commutes: slide the shorter array along the longer one
        x, w = w, x
    dtype = np.result_type(x, w)
    k = len(w)
    padded = np.zeros(len(x) + 2 * (k - 1), dtype=dtype)  # (N + 2(K-1),)
    padded[k - 1 : k - 1 + len(x)] = x
    windows = sliding_window_view(padded, k)  # (N + K - 1, K), a view: no copy
    return np.einsum("nk,k->n", windows, w[::-1].astype(dtype, copy=False))  # (N + K - 1,)


def convolve1d(x: Any, w: Any, mode: str = "full") -> np.ndarray:
    """Convolve a 1-D signal with a 1-D kernel; the same result as ``numpy.convolve(x, w, mode)``.

    ``y[n] = sum_k x[n - k] * w[k]`` -- the kernel is flipped before it slides along the signal
    (cross-correlation, what deep-learning libraries call "conv", does not flip it).

    Args:
        x: the signal, shape ``(N,)``.
        w: the kernel, shape ``(K,)``; it may be longer than ``x`` (convolution commutes, so
            NumPy then slides ``x`` along ``w``; so does this function).
        mode: ``"full"`` (every overlap), ``"same"`` (``max(N, K)`` outputs, centred) or
            ``"valid"`` (only complete overlaps).

    Shape:
        full: ``(N + K - 1,)``; same: ``(max(N, K),)``; valid: ``(max(N, K) - min(N, K) + 1,)``.

    Returns:
        dtype ``numpy.result_type(x, w)``: integer inputs give integer outputs, like NumPy.

    Raises:
        TypeError: ``x`` or ``w`` is not numeric.
        ValueError: ``x`` or ``w`` is not 1-D or is empty, or ``mode`` is unknown.

    Examples:
        >>> convolve1d([1, 2, 3], [0, 1, 0.5])
        array([0. , 1. , 2.5, 4. , 1.5])
    """
    x, w, mode = _check_1d(x, w, mode)
    return _full_convolution(x, w)[_mode_slice(len(x), len(w), mode)]


def correlate1d(x: Any, w: Any, mode: str = "valid") -> np.ndarray:
    """Cross-correlate a 1-D signal with a 1-D kernel; the same as ``numpy.correlate(x, w, mode)``.

    ``r[k] = sum_n x[n + k] * conj(w[n])`` -- the kernel slides along the signal *without* being
    flipped. This is what deep-learning libraries call "convolution".

    Args:
        x: the signal, shape ``(N,)``.
        w: the kernel, shape ``(K,)``; complex kernels are conjugated, as in NumPy. When ``w``
            is longer than ``x`` the result follows ``numpy.correlate``: the full result is the
            same correlation, while "same" and "valid" keep the window NumPy keeps (it slides
            ``x`` along ``w`` and reverses the output).
        mode: ``"valid"`` (default, only complete overlaps), ``"same"`` or ``"full"``.

    Shape:
        full: ``(N + K - 1,)``; same: ``(max(N, K),)``; valid: ``(max(N, K) - min(N, K) + 1,)``.

    Returns:
        dtype ``numpy.result_type(x, w)``.

    Raises:
        TypeError: ``x`` or ``w`` is not numeric.
        ValueError: ``x`` or ``w`` is not 1-D or is empty, or ``mode`` is unknown.

    Examples:
        >>> correlate1d([1, 2, 3, 4], [1, 0, -1])
        array([-2, -2])
    """
    x, w, mode = _check_1d(x, w, mode)
    # correlation = convolution with the reversed (and conjugated) kernel, lags -(K-1) .. N-1
    full = _full_convolution(x, np.conj(w[::-1]) if w.dtype.kind == "c" else w[::-1])
    return full[_mode_slice(len(x), len(w), mode, reverse_lags=len(w) > len(x))]


# --------------------------------------------------------------------------------------------
# 2-D
# --------------------------------------------------------------------------------------------
def correlate2d(x: Any, w: Any, stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0) -> np.ndarray:
    """Cross-correlate a 2-D map with a 2-D kernel (deep learning's "convolution", no flip).

    ``y[i, j] = sum_{u, v} xp[i*s_h + u, j*s_w + v] * w[u, v]`` where ``xp`` is ``x`` with
    ``padding`` zeros added on every side. Equal to ``torch.nn.functional.conv2d`` on one map
    with one channel.

    Args:
        x: the input map, shape ``(H, W)``.
        w: the kernel, shape ``(kH, kW)``.
        stride: step between windows, an int or ``(s_h, s_w)``; >= 1.
        padding: zeros added on each side, an int or ``(p_h, p_w)``; >= 0.

    Shape:
        ``(H_out, W_out)`` with ``H_out = floor((H + 2*p_h - kH) / s_h) + 1`` (and likewise for
        W), by ``course.shapes.conv_output_size``.

    Raises:
        TypeError: non-numeric arrays, or stride/padding not an int or a pair of ints.
        ValueError: wrong number of dimensions, stride < 1, padding < 0, or a kernel larger than
            the padded input.

    Examples:
        >>> correlate2d([[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 0], [0, 1]])
        array([[ 6,  8],
               [12, 14]])
    """
    x, w, stride, padding = _check_2d(x, w, stride, padding)
    h_out, w_out = _output_shape_2d(x.shape, w.shape, stride, padding)
    dtype = np.result_type(x, w)
    xp = np.pad(x.astype(dtype, copy=False), [(padding[0],) * 2, (padding[1],) * 2])  # (H + 2p_h, W + 2p_w)
    windows = sliding_window_view(xp, w.shape)  # (H + 2p_h - kH + 1, W + 2p_w - kW + 1, kH, kW)
    windows = windows[:: stride[0], :: stride[1]][:h_out, :w_out]  # (H_out, W_out, kH, kW)
    return np.einsum("ijuv,uv->ij", windows, w.astype(dtype, copy=False))  # (H_out, W_out)


def convolve2d(x: Any, w: Any, stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0) -> np.ndarray:
    """Convolve a 2-D map with a 2-D kernel: the kernel is flipped in both axes, then correlated.

    ``y[i, j] = sum_{u, v} xp[i*s_h + u, j*s_w + v] * w[kH-1-u, kW-1-v]``, i.e.
    ``correlate2d(x, w[::-1, ::-1], stride, padding)``. With ``padding = k - 1`` and stride 1
    this is ``scipy.signal.convolve2d(x, w, mode="full")``.

    Args:
        x: the input map, shape ``(H, W)``.
        w: the kernel, shape ``(kH, kW)``.
        stride: step between windows, an int or ``(s_h, s_w)``; >= 1.
        padding: zeros added on each side, an int or ``(p_h, p_w)``; >= 0.

    Shape:
        ``(H_out, W_out)``, ``H_out = floor((H + 2*p_h - kH) / s_h) + 1`` (likewise for W).

    Raises:
        The same errors as :func:`correlate2d`.

    Examples:
        >>> convolve2d([[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 0], [0, 2]])
        array([[ 7, 10],
               [16, 19]])
    """
    x, w, stride, padding = _check_2d(x, w, stride, padding)
    return correlate2d(x, w[::-1, ::-1], stride, padding)
