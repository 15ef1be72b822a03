"""Loop versions of ``course.layers``: the lecture's sums written as Python loops.

Slow on purpose and written to be read. Same names, signatures, results and errors as the fast
versions in ``course.layers`` (they share its argument checks).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.layers import _check_conv, _result_dtype
from course.naive.convolution import correlate2d

__all__ = ["conv_layer_forward", "conv2d", "conv1d"]


def conv_layer_forward(
    x: Any,
    weight: Any,
    bias: Any,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
) -> np.ndarray:
    """Loop version of :func:`course.layers.conv_layer_forward`, the slide's formula as written:

    ``fout_{l+1}(i) = b_{l+1}(i) + sum_j fout_l(j) * f_{l+1}(i, j)`` (``*`` = cross-correlation).
    """
    x, weight, bias, stride, padding, _, (h_out, w_out) = _check_conv(
        x, weight, bias, stride, padding, 1, dims=2, unbatched_only=True
    )
    x = x[0]  # (1, C_in, H, W) -> (C_in, H, W)
    c_out, c_in = weight.shape[:2]
    out = np.zeros((c_out, h_out, w_out), dtype=_result_dtype(x, weight, bias))
    for i in range(c_out):  # output feature map i
        if bias is not None:
            out[i] += bias[i]
        for j in range(c_in):  # sum over input feature maps j
            out[i] += correlate2d(x[j], weight[i, j], stride, padding)
    return out


def conv2d(
    x: Any,
    weight: Any,
    bias: Any = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    dilation: int | tuple[int, int] = 1,
) -> np.ndarray:
    """Loop version of :func:`course.layers.conv2d` (equal to ``torch.nn.functional.conv2d``).

    ``y[n, o, i, j] = bias[o] + sum_{c, u, v} xp[n, c, i*s_h + u*d_h, j*s_w + v*d_w] * weight[o, c, u, v]``
    """
    unbatched = np.ndim(x) == 3
    x, weight, bias, (sh, sw), (ph, pw), (dh, dw), (h_out, w_out) = _check_conv(
        x, weight, bias, stride, padding, dilation, dims=2
    )
    n, c_in, h, w = x.shape
    c_out, _, kh, kw = weight.shape
    dtype = _result_dtype(x, weight, bias)
    xp = np.zeros((n, c_in, h + 2 * ph, w + 2 * pw), dtype=dtype)  # zero padding on every side
    xp[:, :, ph : ph + h, pw : pw + w] = x
    out = np.zeros((n, c_out, h_out, w_out), dtype=dtype)
    for b in range(n):
        for o in range(c_out):
            for i in range(h_out):
                for j in range(w_out):
                    window = xp[b, :, i * sh : i * sh + dh * (kh - 1) + 1 : dh, j * sw : j * sw + dw * (kw - 1) + 1 : dw]
                    out[b, o, i, j] = np.sum(window * weight[o]) + (bias[o] if bias is not None else 0)
    return out[0] if unbatched else out


def conv1d(
    x: Any,
    weight: Any,
    bias: Any = None,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
) -> np.ndarray:
    """Loop version of :func:`course.layers.conv1d` (equal to ``torch.nn.functional.conv1d``).

    ``y[n, o, t] = bias[o] + sum_{c, k} xp[n, c, t*stride + k*dilation] * weight[o, c, k]``
    """
    unbatched = np.ndim(x) == 2
    x, weight, bias, (s,), (p,), (d,), (l_out,) = _check_conv(x, weight, bias, stride, padding, dilation, dims=1)
    n, c_in, length = x.shape
    c_out, _, k = weight.shape
    dtype = _result_dtype(x, weight, bias)
    xp = np.zeros((n, c_in, length + 2 * p), dtype=dtype)
    xp[:, :, p : p + length] = x
    out = np.zeros((n, c_out, l_out), dtype=dtype)
    for b in range(n):
        for o in range(c_out):
            for t in range(l_out):
                total = bias[o] if bias is not None else 0
                for c in range(c_in):
                    for tap in range(k):
                        total += xp[b, c, t * s + tap * d] * weight[o, c, tap]
                out[b, o, t] = total
    return out[0] if unbatched else out
