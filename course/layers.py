"""Convolutional layers in NumPy: the lecture's layer formula and a fast batched ``conv2d``.

A convolutional layer maps ``C_in`` input feature maps to ``C_out`` output feature maps. Output
map ``i`` is its bias plus the sum, over every input map ``j``, of that input map
cross-correlated with the kernel ``f_{l+1}(i, j)`` (the lecture's formula)::

    fout_{l+1}(i) = b_{l+1}(i) + sum_j fout_l(j) * f_{l+1}(i, j)        (* = cross-correlation)

What deep-learning libraries call "convolution" (``torch.nn.functional.conv2d``, Keras
``Conv2D``) is this cross-correlation: the kernel is *not* flipped. ``conv2d`` and ``conv1d``
here give the same results as their PyTorch namesakes (NCHW / NCL layout, PyTorch's stride,
padding and dilation).

How the fast path works (``conv2d``): every output position's window ``(C_in, kH, kW)`` of the
zero-padded input is a strided *view* (``sliding_window_view``, no copy). One image at a time,
those windows are copied into a preallocated im2col matrix of shape ``(C_in*kH*kW,
H_out*W_out)`` (a few MB, so it stays in cache; its rows are contiguous runs of the input) and
multiplied by the weights reshaped to ``(C_out, C_in*kH*kW)`` in one BLAS matrix product that
writes straight into the NCHW output. Very large maps are cut into blocks of output rows. float32 stays float32 (SGEMM); integer inputs give
integer outputs (exact, but NumPy has no BLAS for integers, so they are slower).

The loop versions, for reading, are in ``course.naive.layers``; both share the checks below.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from course._validate import as_numeric_array, as_pair, check_ndim, check_non_negative, check_positive
from course.shapes import conv_output_size

__all__ = ["conv_layer_forward", "count_conv_parameters", "conv2d", "conv1d"]

# Target size (elements) of the im2col block handled per matrix product: 2**20 float32 = 4 MiB.
# Measured on 16x16x64x64 batches: one 64x64 image per product (0.5M elements at 3x3, 1.4M at
# 5x5) beats several (cache) and blocks of rows (call overhead); an image up to 4x this size is
# still done whole, larger ones (e.g. 1000x1000 spectrograms) in blocks of output rows.
_BLOCK_ELEMENTS = 1 << 20


# --------------------------------------------------------------------------------------------
# checks shared with course.naive.layers
# --------------------------------------------------------------------------------------------
def _as_tuple(value: Any, name: str, dims: int) -> tuple[int, ...]:
    """An int or a ``dims``-tuple of ints -> a ``dims``-tuple (PyTorch's int-or-tuple arguments)."""
    if dims == 2:
        return as_pair(value, name)
    if isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0]
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value),)
    raise TypeError(f"{name} must be an int (or a 1-tuple of an int), got {value!r}")


def _check_conv(
    x: Any,
    weight: Any,
    bias: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    *,
    dims: int,
    batched_only: bool = False,
    unbatched_only: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, tuple[int, ...], tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """Validate a convolution layer's arguments (``dims`` = 1 or 2 spatial dimensions).

    Returns ``x`` with a batch axis, ``weight``, ``bias`` (or None), ``stride``, ``padding``,
    ``dilation`` as tuples, and the output's spatial shape.
    """
    spatial = "H, W" if dims == 2 else "L"
    kernel = "kH, kW" if dims == 2 else "K"
    x = as_numeric_array(x, "x (the input)")
    weight = as_numeric_array(weight, "weight")
    if unbatched_only:
        check_ndim(x, "x (the input)", (dims + 1,), f"array of shape (C_in, {spatial})")
    elif batched_only:
        check_ndim(x, "x (the input)", (dims + 2,), f"array of shape (N, C_in, {spatial})")
    else:
        check_ndim(x, "x (the input)", (dims + 2, dims + 1), f"array of shape (N, C_in, {spatial}) or (C_in, {spatial})")
    check_ndim(weight, "weight", (dims + 2,), f"array of shape (C_out, C_in, {kernel})")
    if x.ndim == dims + 1:
        x = x[None]  # (C_in, ...) -> (1, C_in, ...)
    if x.size == 0 or weight.size == 0:
        raise ValueError(f"empty arrays: x has shape {x.shape} and weight {weight.shape}; expected every axis >= 1")
    c_out, c_in = weight.shape[:2]
    if x.shape[1] != c_in:
        raise ValueError(
            f"channel mismatch: x has {x.shape[1]} input channels (shape {x.shape}) but weight expects "
            f"C_in={c_in} (weight shape (C_out, C_in, {kernel}) = {weight.shape})"
        )
    if bias is not None:
        bias = as_numeric_array(bias, "bias")
        if bias.shape != (c_out,):
            raise ValueError(f"bias must have shape (C_out,) = ({c_out},) to match weight {weight.shape}, got shape {bias.shape}")
    stride = tuple(check_positive(s, "stride") for s in _as_tuple(stride, "stride", dims))
    padding = tuple(check_non_negative(p, "padding") for p in _as_tuple(padding, "padding", dims))
    dilation = tuple(check_positive(d, "dilation") for d in _as_tuple(dilation, "dilation", dims))
    out_shape = tuple(
        conv_output_size(x.shape[2 + a], weight.shape[2 + a], stride[a], padding[a], dilation[a]) for a in range(dims)
    )
    return x, weight, bias, stride, padding, dilation, out_shape


def _result_dtype(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None) -> np.dtype:
    return np.result_type(x, weight) if bias is None else np.result_type(x, weight, bias)


# --------------------------------------------------------------------------------------------
# the fast path
# --------------------------------------------------------------------------------------------
def _conv2d_nchw(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    stride: tuple[int, ...],
    padding: tuple[int, ...],
    dilation: tuple[int, ...],
    out_hw: tuple[int, ...],
) -> np.ndarray:
    """Checked (N, C_in, H, W) input -> (N, C_out, H_out, W_out), by blocked im2col + GEMM."""
    n, c_in, h, w = x.shape
    c_out, _, kh, kw = weight.shape
    h_out, w_out = out_hw
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    dtype = _result_dtype(x, weight, bias)

    if ph or pw:  # zero padding on every side: (N, C_in, H, W) -> (N, C_in, H + 2ph, W + 2pw)
        xp = np.zeros((n, c_in, h + 2 * ph, w + 2 * pw), dtype=dtype)
        xp[:, :, ph : ph + h, pw : pw + w] = x
    else:
        xp = x.astype(dtype, copy=False)
    # every window of the dilated kernel, as a view: (N, C_in, H_out, W_out, kH, kW)
    span = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    windows = sliding_window_view(xp, span, axis=(2, 3))[:, :, ::sh, ::sw, ::dh, ::dw]
    windows = windows.transpose(0, 1, 4, 5, 2, 3)  # (N, C_in, kH, kW, H_out, W_out)
    k = c_in * kh * kw
    w_mat = weight.astype(dtype, copy=False).reshape(c_out, k)  # (C_out, C_in, kH, kW) -> (C_out, K)

    out = np.empty((n, c_out, h_out, w_out), dtype=dtype)
    per_image = k * h_out * w_out  # elements of one image's im2col matrix
    if per_image <= 4 * _BLOCK_ELEMENTS:  # whole images per block: one BLAS call per image
        images = max(1, _BLOCK_ELEMENTS // per_image)
        cols = np.empty((images, c_in, kh, kw, h_out, w_out), dtype=dtype)
        for n0 in range(0, n, images):
            b = min(images, n - n0)
            np.copyto(cols[:b], windows[n0 : n0 + b])  # im2col: (b, K, H_out*W_out), contiguous rows
            np.matmul(w_mat, cols[:b].reshape(b, k, h_out * w_out), out=out[n0 : n0 + b].reshape(b, c_out, h_out * w_out))
    else:  # large maps: blocks of output rows of one image
        rows = max(1, _BLOCK_ELEMENTS // (w_out * k))
        cols = np.empty((c_in, kh, kw, rows, w_out), dtype=dtype)
        res = np.empty((c_out, rows * w_out), dtype=dtype)
        for i in range(n):
            for r0 in range(0, h_out, rows):
                r = min(rows, h_out - r0)
                np.copyto(cols[:, :, :, :r], windows[i, :, :, :, r0 : r0 + r])  # (C_in, kH, kW, r, W_out)
                np.matmul(w_mat, cols[:, :, :, :r].reshape(k, r * w_out), out=res[:, : r * w_out])  # (C_out, r*W_out)
                out[i, :, r0 : r0 + r, :] = res[:, : r * w_out].reshape(c_out, r, w_out)
    if bias is not None:
        out += bias.astype(dtype, copy=False)[:, None, None]
    return out


def conv2d(
    x: Any,
    weight: Any,
    bias: Any = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    dilation: int | tuple[int, int] = 1,
) -> np.ndarray:
    """Batched 2-D convolution layer (cross-correlation), equal to ``torch.nn.functional.conv2d``.

    ``y[n, o, i, j] = bias[o] + sum_{c, u, v} xp[n, c, i*s_h + u*d_h, j*s_w + v*d_w] * weight[o, c, u, v]``
    where ``xp`` is ``x`` with ``padding`` zeros on each side. The kernel is not flipped.

    Args:
        x: input, shape ``(N, C_in, H, W)`` (or ``(C_in, H, W)`` for one example).
        weight: kernels, shape ``(C_out, C_in, kH, kW)``.
        bias: ``(C_out,)`` or None.
        stride: step between windows, int or ``(s_h, s_w)``; >= 1.
        padding: zeros added on each side, int or ``(p_h, p_w)``; >= 0.
        dilation: spacing between kernel taps, int or ``(d_h, d_w)``; >= 1.

    Shape:
        ``(N, C_out, H_out, W_out)`` (no N if ``x`` had none), with
        ``H_out = floor((H + 2*p_h - d_h*(kH - 1) - 1) / s_h) + 1`` and likewise for W
        (``course.shapes.conv_output_size``).

    Returns:
        dtype ``numpy.result_type(x, weight, bias)``: float32 in, float32 out.

    Raises:
        TypeError: non-numeric arrays; stride/padding/dilation not an int or a pair of ints.
        ValueError: wrong number of dimensions, channel or bias mismatch, stride or dilation
            < 1, padding < 0, or a kernel larger than the padded input.
    """
    unbatched = np.ndim(x) == 3
    x, weight, bias, stride, padding, dilation, out_hw = _check_conv(x, weight, bias, stride, padding, dilation, dims=2)
    out = _conv2d_nchw(x, weight, bias, stride, padding, dilation, out_hw)
    return out[0] if unbatched else out


def conv1d(
    x: Any,
    weight: Any,
    bias: Any = None,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
) -> np.ndarray:
    """Batched 1-D convolution layer (cross-correlation), equal to ``torch.nn.functional.conv1d``.

    ``y[n, o, t] = bias[o] + sum_{c, k} xp[n, c, t*stride + k*dilation] * weight[o, c, k]``:
    for framed audio, ``C_in`` features per frame and ``L`` frames.

    Args:
        x: input, shape ``(N, C_in, L)`` (or ``(C_in, L)`` for one example).
        weight: kernels, shape ``(C_out, C_in, K)``.
        bias: ``(C_out,)`` or None.
        stride, padding, dilation: ints (or 1-tuples), as in PyTorch.

    Shape:
        ``(N, C_out, L_out)``, ``L_out = floor((L + 2*padding - dilation*(K - 1) - 1) / stride) + 1``.

    Raises:
        The same errors as :func:`conv2d`.
    """
    unbatched = np.ndim(x) == 2
    x, weight, bias, stride, padding, dilation, out_l = _check_conv(x, weight, bias, stride, padding, dilation, dims=1)
    # a 1-D signal is a 2-D map of height 1: (N, C, L) -> (N, C, 1, L)
    out = _conv2d_nchw(
        x[:, :, None, :], weight[:, :, None, :], bias, (1, *stride), (0, *padding), (1, *dilation), (1, *out_l)
    )[:, :, 0, :]
    return out[0] if unbatched else out


def conv_layer_forward(
    x: Any,
    weight: Any,
    bias: Any,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
) -> np.ndarray:
    """One convolutional layer on one example: the lecture's sum over input feature maps.

    ``fout_{l+1}(i) = b_{l+1}(i) + sum_j fout_l(j) * f_{l+1}(i, j)`` where ``*`` is the 2-D
    cross-correlation (``course.correlate2d``) with the given stride and zero padding.

    Args:
        x: input feature maps ``fout_l``, shape ``(C_in, H, W)``.
        weight: kernels ``f_{l+1}``, shape ``(C_out, C_in, kH, kW)``.
        bias: ``b_{l+1}``, shape ``(C_out,)``, or None for no bias.
        stride: int or ``(s_h, s_w)``; padding: int or ``(p_h, p_w)``.

    Shape:
        ``(C_out, H_out, W_out)``, ``H_out = floor((H + 2*p_h - kH) / s_h) + 1`` (likewise W).

    Raises:
        TypeError / ValueError: as :func:`conv2d`; ``x`` must be 3-D (one example).

    Examples:
        >>> x = np.ones((2, 3, 3)); w = np.ones((1, 2, 2, 2))
        >>> conv_layer_forward(x, w, np.array([0.5]))
        array([[[8.5, 8.5],
                [8.5, 8.5]]])
    """
    x, weight, bias, stride, padding, dilation, out_hw = _check_conv(
        x, weight, bias, stride, padding, 1, dims=2, unbatched_only=True
    )
    return _conv2d_nchw(x, weight, bias, stride, padding, dilation, out_hw)[0]


def _check_parameter_args(c_in: Any, c_out: Any, kernel_size: Any, bias: Any) -> tuple[int, int, tuple[int, int], bool]:
    for name, value in (("c_in", c_in), ("c_out", c_out)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name} must be an int (a number of channels), got {type(value).__name__} {value!r}")
        check_positive(int(value), name)
    kh, kw = as_pair(kernel_size, "kernel_size")
    check_positive(kh, "kernel_size")
    check_positive(kw, "kernel_size")
    if not isinstance(bias, (bool, np.bool_)):
        raise TypeError(f"bias must be True or False (whether the layer has biases), got {bias!r}")
    return int(c_in), int(c_out), (kh, kw), bool(bias)


def count_conv_parameters(c_in: int, c_out: int, kernel_size: int | tuple[int, int], bias: bool = True) -> int:
    """Number of trainable parameters of a 2-D convolutional layer.

    ``c_out * c_in * kH * kW`` weights (one ``kH x kW`` kernel per (output, input) map pair)
    ``+ c_out`` biases (one per output map) when ``bias`` is True. The input's height and width do
    not matter: the same kernels slide over every position (weight sharing).

    Examples:
        >>> count_conv_parameters(3, 64, 3)      # 64 * 3 * 3 * 3 + 64
        1792
        >>> count_conv_parameters(1, 8, (5, 3), bias=False)
        120
    """
    c_in, c_out, (kh, kw), bias = _check_parameter_args(c_in, c_out, kernel_size, bias)
    return c_out * c_in * kh * kw + (c_out if bias else 0)
