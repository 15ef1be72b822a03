"""PyTorch twins of 2-D correlation and pooling, written from tensor operations.

These functions do what ``torch.nn.functional.conv2d`` and ``max_pool2d`` / ``avg_pool2d`` /
``adaptive_*_pool2d`` do, but are built from windows (``Tensor.unfold``) and one matrix
product, so you can read how a convolutional layer is computed. They run on any device:
``device=None`` means :func:`course.device` (the GPU when there is one, else the CPU).

What deep-learning libraries call "conv" (``F.conv2d``, Keras ``Conv2D``) is
**cross-correlation**: the kernel is *not* flipped. Hence the honest name :func:`correlate2d`.

Layout is PyTorch's: ``(N, C, H, W)``. Single examples may drop N, ``(C, H, W)``; a single
map ``(H, W)`` is accepted too (see each function).

Every output size comes from :func:`course.shapes.conv_output_size`::

    out = floor((n + 2*padding - dilation*(k - 1) - 1) / stride) + 1

Inputs may be NumPy arrays, nested lists or tensors; integer and boolean inputs are converted to
PyTorch's default float dtype (float32). The result is always a tensor on ``device``.
Everything is differentiable: gradients flow through ``unfold`` and the matrix product.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Union

import numpy as np
import torch
import torch.nn.functional as F

from course._device import device as default_device
from course._validate import as_numeric_array, as_pair, check_mode, check_ndim, check_non_negative, check_positive
from course.shapes import conv_output_size

__all__ = ["correlate2d", "max_pool2d", "avg_pool2d", "adaptive_max_pool2d", "adaptive_avg_pool2d"]

TensorLike = Union[torch.Tensor, np.ndarray, Any]
DeviceLike = Union[torch.device, str, None]
Pair = Union[int, tuple[int, int]]
# (top, bottom, left, right) zeros added around a map
Pads = tuple[int, int, int, int]


# --------------------------------------------------------------------------- helpers
def _resolve_device(device: DeviceLike) -> torch.device:
    """``None`` -> :func:`course.device`; a string or ``torch.device`` -> that device."""
    if device is None:
        return default_device()
    if not isinstance(device, (str, torch.device)):
        raise TypeError(f"device must be None, a string such as 'cpu' or 'cuda', or a torch.device; got {device!r}")
    try:
        dev = torch.device(device)
    except RuntimeError as exc:
        raise ValueError(f"device must name a PyTorch device such as 'cpu' or 'cuda'; got {device!r}") from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device {str(device)!r} was requested but CUDA is not available on this machine; "
            "use device='cpu' or device=None (which picks the GPU only when there is one)"
        )
    return dev


def _as_tensor(x: TensorLike, name: str, device: torch.device) -> torch.Tensor:
    """A real floating-point tensor on ``device`` (ints and bools -> default float dtype)."""
    if isinstance(x, torch.Tensor):
        t = x
    else:
        arr = as_numeric_array(x, name)  # TypeError for strings, objects, None
        t = torch.from_numpy(np.ascontiguousarray(arr))
    if t.is_complex():
        raise TypeError(f"{name} must hold real numbers, got complex dtype {t.dtype}")
    if not t.is_floating_point():
        t = t.to(torch.get_default_dtype())
    return t.to(device)


def _check_ndim(t: torch.Tensor, name: str, allowed: tuple[int, ...], layout: str) -> None:
    # course._validate.check_ndim reads .ndim and .shape; show the shape as a plain tuple
    check_ndim(SimpleNamespace(ndim=t.ndim, shape=tuple(t.shape)), name, allowed, layout)  # type: ignore[arg-type]


def _positive_pair(value: Any, name: str) -> tuple[int, int]:
    h, w = as_pair(value, name)
    return check_positive(h, name), check_positive(w, name)


def _resolve_padding(padding: Any, kernel: tuple[int, int], stride: tuple[int, int], dilation: tuple[int, int]) -> Pads:
    """Turn ``padding`` (int, pair, "valid", "same" or "full") into (top, bottom, left, right).

    ``"same"`` pads ``dilation*(k - 1)`` zeros in total, the odd one at the bottom/right
    (as PyTorch does) and needs stride 1; ``"full"`` pads ``dilation*(k - 1)`` on each side.
    """
    if isinstance(padding, str):
        mode = check_mode(padding)
        spans = [d * (k - 1) for k, d in zip(kernel, dilation)]  # zeros that "full" adds per side
        if mode == "valid":
            return 0, 0, 0, 0
        if mode == "full":
            return spans[0], spans[0], spans[1], spans[1]
        if stride != (1, 1):
            raise ValueError(f"padding='same' needs stride 1 (as in PyTorch), got stride={stride}")
        (th, tw) = spans
        return th // 2, th - th // 2, tw // 2, tw - tw // 2
    ph, pw = as_pair(padding, "padding")
    ph, pw = check_non_negative(ph, "padding"), check_non_negative(pw, "padding")
    return ph, ph, pw, pw


def _out_size(n: int, k: int, stride: int, before: int, after: int, dilation: int) -> int:
    """``conv_output_size`` for zeros ``before`` and ``after`` the map (equal unless "same")."""
    if before == after:
        return conv_output_size(n, k, stride=stride, padding=before, dilation=dilation)
    return conv_output_size(n + before + after, k, stride=stride, padding=0, dilation=dilation)


# --------------------------------------------------------------------------- correlation
def correlate2d(
    x: TensorLike,
    weight: TensorLike,
    bias: TensorLike | None = None,
    stride: Pair = 1,
    padding: Pair | str = 0,
    dilation: Pair = 1,
    device: DeviceLike = None,
) -> torch.Tensor:
    """2-D cross-correlation of a batch with a bank of kernels: ``F.conv2d`` from unfold + matmul.

    Deep-learning "convolution" is cross-correlation (the kernel is not flipped)::

        out[n, o, i, j] = bias[o] + sum_{c, a, b} x_pad[n, c, i*sH + a*dH, j*sW + b*dW] * weight[o, c, a, b]

    It is computed the im2col way: ``Tensor.unfold`` gives a view of every receptive field,
    copying them out as columns (one per output position) makes a matrix, and one matrix
    product with the flattened kernels does all the multiply-adds. (``F.unfold`` is the same
    im2col in one call; this route measured faster on CPU and GPU.)

    Args:
        x: input, ``(N, C_in, H, W)`` or one example ``(C_in, H, W)``; or a single map ``(H, W)``
            together with a single kernel ``weight`` of shape ``(kH, kW)``.
        weight: kernels ``(C_out, C_in, kH, kW)`` (``(kH, kW)`` when ``x`` is ``(H, W)``).
        bias: ``(C_out,)`` or None (a number is accepted for a single ``(H, W)`` map).
        stride: int or (sH, sW), >= 1.
        padding: int or (pH, pW) zeros on each side, or ``"valid"`` (0), ``"same"`` (output
            as large as the input; stride 1 only) or ``"full"`` (``dilation*(k-1)`` each side).
        dilation: int or (dH, dW), >= 1: spacing between kernel taps.
        device: where to compute; None means :func:`course.device`.

    Returns:
        A tensor on ``device`` with the dtype both inputs promote to.

    Shape:
        ``(N, C_in, H, W)`` -> ``(N, C_out, H_out, W_out)`` (``(C_in, H, W)`` -> ``(C_out, H_out, W_out)``;
        ``(H, W)`` -> ``(H_out, W_out)``), with
        ``H_out = floor((H + 2*pH - dH*(kH - 1) - 1) / sH) + 1`` and likewise ``W_out``.

    Raises:
        TypeError: non-numeric or complex inputs; stride/padding/dilation not ints or pairs.
        ValueError: wrong number of dimensions, channel mismatch, bias of the wrong length,
            bad stride/padding/dilation values, or a kernel larger than the padded input.

    Examples:
        >>> x = torch.arange(25.0).reshape(5, 5)
        >>> correlate2d(x, torch.ones(3, 3), device="cpu")    # sums of 3x3 windows
        tensor([[ 54.,  63.,  72.],
                [ 99., 108., 117.],
                [144., 153., 162.]])
    """
    dev = _resolve_device(device)
    x_t = _as_tensor(x, "x", dev)
    w_t = _as_tensor(weight, "weight", dev)
    _check_ndim(x_t, "x", (2, 3, 4), "(H, W), (C_in, H, W) or (N, C_in, H, W)")
    single_map = x_t.ndim == 2
    if single_map:
        _check_ndim(w_t, "weight", (2,), "(kH, kW) when x is a single (H, W) map")
        w_t = w_t[None, None]  # (kH, kW) -> (1, 1, kH, kW)
    else:
        _check_ndim(w_t, "weight", (4,), "(C_out, C_in, kH, kW)")
    x4 = x_t.reshape((-1,) + tuple(x_t.shape[-3:])) if x_t.ndim >= 3 else x_t[None, None]  # -> (N, C_in, H, W)
    n, c_in, h, w = x4.shape
    c_out, w_c_in, kh, kw = w_t.shape
    if w_c_in != c_in:
        raise ValueError(
            f"weight expects {w_c_in} input channels (weight.shape[1]) but x has {c_in} "
            f"(x.shape[-3]); x is {tuple(x_t.shape)}, weight is {tuple(w_t.shape)}"
        )
    b_t = _bias(bias, c_out, single_map, dev)

    s = _positive_pair(stride, "stride")
    d = _positive_pair(dilation, "dilation")
    top, bottom, left, right = _resolve_padding(padding, (kh, kw), s, d)
    h_out = _out_size(h, kh, s[0], top, bottom, d[0])
    w_out = _out_size(w, kw, s[1], left, right, d[1])

    dtype = torch.promote_types(x4.dtype, w_t.dtype)
    if b_t is not None and not isinstance(bias, (int, float)):  # a plain number does not promote
        dtype = torch.promote_types(dtype, b_t.dtype)
    x4, w_t = x4.to(dtype), w_t.to(dtype)
    if (top, bottom, left, right) != (0, 0, 0, 0):
        x4 = F.pad(x4, (left, right, top, bottom))  # zeros around every map
    span_h, span_w = d[0] * (kh - 1) + 1, d[1] * (kw - 1) + 1  # extent of a dilated kernel
    win = x4.unfold(2, span_h, s[0]).unfold(3, span_w, s[1])  # view (N, C_in, H_out, W_out, span_h, span_w)
    win = win[..., :: d[0], :: d[1]]  # keep every d-th tap: (N, C_in, H_out, W_out, kH, kW)
    # im2col: one column per output position, rows ordered (c, a, b) like weight's last 3 axes
    cols = win.permute(0, 1, 4, 5, 2, 3).reshape(n, c_in * kh * kw, h_out * w_out)  # copy: (N, C_in*kH*kW, L)
    out = w_t.reshape(c_out, -1) @ cols  # (C_out, C_in*kH*kW) @ (N, C_in*kH*kW, L) -> (N, C_out, L)
    if b_t is not None:
        out = out + b_t.to(dtype).view(1, c_out, 1)
    out = out.view(n, c_out, h_out, w_out)  # (N, C_out, L) -> (N, C_out, H_out, W_out)
    if single_map:
        return out[0, 0]
    return out if x_t.ndim == 4 else out[0]


def _bias(bias: TensorLike | None, c_out: int, single_map: bool, dev: torch.device) -> torch.Tensor | None:
    if bias is None:
        return None
    b = _as_tensor(bias, "bias", dev)
    if single_map and b.ndim == 0:
        return b.reshape(1)
    if b.ndim != 1 or b.shape[0] != c_out:
        raise ValueError(f"bias must have shape ({c_out},), one value per output channel; got shape {tuple(b.shape)}")
    return b


# --------------------------------------------------------------------------- pooling
_POOL_LAYOUT = "(H, W), (C, H, W) or (N, C, H, W)"


def _windows(
    x: TensorLike, size: Pair, stride: Pair | None, padding: Pair, fill: float, device: DeviceLike
) -> torch.Tensor:
    """All pooling windows as a view ``(..., H_out, W_out, kH, kW)`` of the (padded) input."""
    dev = _resolve_device(device)
    t = _as_tensor(x, "x", dev)
    _check_ndim(t, "x", (2, 3, 4), _POOL_LAYOUT)
    k = _positive_pair(size, "size")
    s = k if stride is None else _positive_pair(stride, "stride")
    p = as_pair(padding, "padding")
    for pi, ki in zip(p, k):
        check_non_negative(pi, "padding")
        if pi > ki // 2:  # PyTorch's rule: a window must never see only padding
            raise ValueError(f"padding must be at most half the window size, got padding={padding} for size={size}")
    h, w = t.shape[-2:]
    h_out = conv_output_size(h, k[0], stride=s[0], padding=p[0])  # validates: window fits
    w_out = conv_output_size(w, k[1], stride=s[1], padding=p[1])
    if p != (0, 0):
        t = F.pad(t, (p[1], p[1], p[0], p[0]), value=fill)
    win = t.unfold(-2, k[0], s[0]).unfold(-2, k[1], s[1])  # (..., H, W) -> (..., H_out, W_out, kH, kW)
    if tuple(win.shape[-4:-2]) != (h_out, w_out):  # cannot happen: same floor rule
        raise RuntimeError(f"internal error: windows {tuple(win.shape)} vs expected ({h_out}, {w_out})")
    return win


def max_pool2d(
    x: TensorLike, size: Pair, stride: Pair | None = None, padding: Pair = 0, device: DeviceLike = None
) -> torch.Tensor:
    """Max pooling from ``Tensor.unfold``: same result as ``F.max_pool2d(x, size, stride, padding)``.

    Each output cell is the largest value in its ``size`` window; windows move by ``stride``
    (default: ``size``, non-overlapping). A last window that does not fit is dropped (floor rule).
    Padding (at most half the window) is filled with ``-inf`` so it never wins.

    Args:
        x: ``(N, C, H, W)``, ``(C, H, W)`` or ``(H, W)``.
        size: window, int or (kH, kW).
        stride: int or (sH, sW); None means ``size``.
        padding: int or (pH, pW), each at most half the window.
        device: where to compute; None means :func:`course.device`.

    Shape:
        ``(..., H, W)`` -> ``(..., H_out, W_out)``, ``H_out = floor((H + 2*pH - kH) / sH) + 1``.

    Raises:
        TypeError: non-numeric input, or size/stride/padding not ints or pairs.
        ValueError: wrong number of dimensions, non-positive size/stride, negative or too large
            padding, or a window larger than the padded input.
    """
    win = _windows(x, size, stride, padding, float("-inf"), device)
    return win.amax(dim=(-2, -1))  # (..., H_out, W_out, kH, kW) -> (..., H_out, W_out)


def avg_pool2d(
    x: TensorLike, size: Pair, stride: Pair | None = None, padding: Pair = 0, device: DeviceLike = None
) -> torch.Tensor:
    """Average pooling from ``Tensor.unfold``: same result as ``F.avg_pool2d(x, size, stride, padding)``.

    Each output cell is the mean of its window. Padding zeros count in the mean (PyTorch's
    default ``count_include_pad=True``): the divisor is always ``kH * kW``.

    Args, Shape and Raises: as :func:`max_pool2d`.
    """
    win = _windows(x, size, stride, padding, 0.0, device)
    return win.mean(dim=(-2, -1))  # (..., H_out, W_out, kH, kW) -> (..., H_out, W_out)


def _bins(n: int, out: int) -> list[tuple[int, int]]:
    """PyTorch's adaptive bins: ``start = floor(i*n/out)``, ``end = ceil((i+1)*n/out)``."""
    return [((i * n) // out, -(-((i + 1) * n) // out)) for i in range(out)]


def _adaptive(x: TensorLike, output_size: Pair, reduce: str, device: DeviceLike) -> torch.Tensor:
    dev = _resolve_device(device)
    t = _as_tensor(x, "x", dev)
    _check_ndim(t, "x", (2, 3, 4), _POOL_LAYOUT)
    oh, ow = _positive_pair(output_size, "output_size")
    h, w = t.shape[-2:]
    if h < 1 or w < 1:
        raise ValueError(f"x must have at least one row and one column, got shape {tuple(t.shape)}")

    def pool(v: torch.Tensor, dim: int, a: int, b: int) -> torch.Tensor:
        part = v.narrow(dim, a, b - a)
        return part.amax(dim=dim) if reduce == "max" else part.mean(dim=dim)

    # A bin is a rectangle (rows a:b) x (columns c:d), so pooling rows then columns is exact
    # for max and for mean (every row of a bin has the same number of columns).
    rows = torch.stack([pool(t, -2, a, b) for a, b in _bins(h, oh)], dim=-2)  # (..., H, W) -> (..., oh, W)
    return torch.stack([pool(rows, -1, c, d) for c, d in _bins(w, ow)], dim=-1)  # -> (..., oh, ow)


def adaptive_max_pool2d(x: TensorLike, output_size: Pair, device: DeviceLike = None) -> torch.Tensor:
    """Max pooling to a fixed output size, whatever the input size (``F.adaptive_max_pool2d``).

    This is the lecture's "pooling to a fixed size": the window and step are adjusted so that,
    e.g., every spectrogram ends up as 9 x 9 feature maps. Output cell ``i`` along an axis of
    length ``n`` covers ``floor(i*n/out) <= index < ceil((i+1)*n/out)`` (PyTorch's bin edges;
    bins may overlap by one, and ``out > n`` repeats cells).

    Args:
        x: ``(N, C, H, W)``, ``(C, H, W)`` or ``(H, W)``.
        output_size: int or (out_H, out_W), >= 1.
        device: where to compute; None means :func:`course.device`.

    Shape:
        ``(..., H, W)`` -> ``(..., out_H, out_W)``.

    Raises:
        TypeError: non-numeric input, or output_size not an int or a pair of ints.
        ValueError: wrong number of dimensions, non-positive output_size or an empty input.
    """
    return _adaptive(x, output_size, "max", device)


def adaptive_avg_pool2d(x: TensorLike, output_size: Pair, device: DeviceLike = None) -> torch.Tensor:
    """Average pooling to a fixed output size (``F.adaptive_avg_pool2d``); bins as
    :func:`adaptive_max_pool2d`. Args, Shape and Raises: as there."""
    return _adaptive(x, output_size, "mean", device)
