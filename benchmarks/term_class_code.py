"""What the students of ``term_class.py`` who write their own code hand in: lopez wrote it,
nguyen copied lopez's with every name and comment changed, patel wrote something else. ex01's
come from ``tests/test_term_class.py``. Each is a tuple of answer-cell sources, in the order of
``term_class.CELLS``; every one passes all the tests.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from test_term_class import COPY_A, COPY_B, INDEP_1  # noqa: E402

EX03_LOPEZ = ('''import numpy as np


def conv_layer_forward(x, weight, bias, stride=1, padding=0):
    inp = np.pad(np.asarray(x, dtype=float), ((0, 0), (padding, padding), (padding, padding)))
    kern = np.asarray(weight, dtype=float)
    n_out, n_in, kh, kw = kern.shape
    rows = (inp.shape[1] - kh) // stride + 1
    cols = (inp.shape[2] - kw) // stride + 1
    result = np.empty((n_out, rows, cols))
    for r in range(rows):
        for c in range(cols):
            patch = inp[:, r * stride:r * stride + kh, c * stride:c * stride + kw]
            # one dot product per output map over the whole (C_in, kH, kW) patch
            result[:, r, c] = np.tensordot(kern, patch, axes=3)
    return result + np.asarray(bias, dtype=float)[:, None, None]
''', '''def count_conv_parameters(c_in, c_out, kernel_size, bias=True):
    if not hasattr(kernel_size, "__len__"):
        kernel_size = (kernel_size, kernel_size)
    weights = c_out * c_in * kernel_size[0] * kernel_size[1]
    return weights + c_out if bias else weights
''')
EX03_NGUYEN = ('''import numpy as np


def conv_layer_forward(x, weight, bias, stride=1, padding=0):
    padded = np.pad(np.asarray(x, dtype=float), ((0, 0), (padding, padding), (padding, padding)))
    w = np.asarray(weight, dtype=float)
    co, ci, fh, fw = w.shape
    oh = (padded.shape[1] - fh) // stride + 1
    ow = (padded.shape[2] - fw) // stride + 1
    y = np.empty((co, oh, ow))
    for a in range(oh):
        for b in range(ow):
            window = padded[:, a * stride:a * stride + fh, b * stride:b * stride + fw]
            y[:, a, b] = np.tensordot(w, window, axes=3)  # all output channels at once
    return y + np.asarray(bias, dtype=float)[:, None, None]
''', '''def count_conv_parameters(c_in, c_out, kernel_size, bias=True):
    if not hasattr(kernel_size, "__len__"):
        kernel_size = (kernel_size, kernel_size)
    n = c_out * c_in * kernel_size[0] * kernel_size[1]
    return n + c_out if bias else n
''')
EX03_PATEL = ('''import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv_layer_forward(x, weight, bias, stride=1, padding=0):
    w = np.asarray(weight, dtype=float)
    x = np.pad(np.asarray(x, dtype=float), [(0, 0)] + [(padding, padding)] * 2)
    win = sliding_window_view(x, w.shape[2:], axis=(1, 2))[:, ::stride, ::stride]
    return np.einsum("chwij,ocij->ohw", win, w) + np.asarray(bias, dtype=float).reshape(-1, 1, 1)
''', '''def count_conv_parameters(c_in, c_out, kernel_size, bias=True):
    k = np.broadcast_to(kernel_size, 2)
    return int(c_out * c_in * k[0] * k[1] + bias * c_out)
''')
EX04_LOPEZ = ('''import numpy as np


def _windows(x, size, stride):
    x = np.asarray(x, dtype=float)
    kh, kw = (size, size) if np.ndim(size) == 0 else size
    stride = (kh, kw) if stride is None else stride
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else stride
    nh = (x.shape[-2] - kh) // sh + 1
    nw = (x.shape[-1] - kw) // sw + 1
    # every window, stacked on two new leading axes
    return np.array([[x[..., i * sh:i * sh + kh, j * sw:j * sw + kw] for j in range(nw)] for i in range(nh)])


def max_pool2d(x, size, stride=None):
    return np.moveaxis(_windows(x, size, stride).max(axis=(-2, -1)), (0, 1), (-2, -1))
''', '''def avg_pool2d(x, size, stride=None):
    return np.moveaxis(_windows(x, size, stride).mean(axis=(-2, -1)), (0, 1), (-2, -1))
''', '''def adaptive_max_pool2d(x, output_size):
    x = np.asarray(x, dtype=float)
    oh, ow = (output_size, output_size) if np.ndim(output_size) == 0 else output_size
    h, w = x.shape[-2:]
    rows = [(i * h // oh, -(-(i + 1) * h // oh)) for i in range(oh)]
    cols = [(j * w // ow, -(-(j + 1) * w // ow)) for j in range(ow)]
    out = [[x[..., r0:r1, c0:c1].max(axis=(-2, -1)) for c0, c1 in cols] for r0, r1 in rows]
    return np.moveaxis(np.array(out), (0, 1), (-2, -1))
''')
EX04_NGUYEN = ('''import numpy as np


def _patches(x, size, stride):
    x = np.asarray(x, dtype=float)
    ph, pw = (size, size) if np.ndim(size) == 0 else size
    stride = (ph, pw) if stride is None else stride
    dh, dw = (stride, stride) if np.ndim(stride) == 0 else stride
    count_h = (x.shape[-2] - ph) // dh + 1
    count_w = (x.shape[-1] - pw) // dw + 1
    return np.array([[x[..., a * dh:a * dh + ph, b * dw:b * dw + pw] for b in range(count_w)]
                     for a in range(count_h)])


def max_pool2d(x, size, stride=None):
    return np.moveaxis(_patches(x, size, stride).max(axis=(-2, -1)), (0, 1), (-2, -1))  # grid axes last
''', '''def avg_pool2d(x, size, stride=None):
    return np.moveaxis(_patches(x, size, stride).mean(axis=(-2, -1)), (0, 1), (-2, -1))
''', '''def adaptive_max_pool2d(x, output_size):
    x = np.asarray(x, dtype=float)
    th, tw = (output_size, output_size) if np.ndim(output_size) == 0 else output_size
    n_rows, n_cols = x.shape[-2:]
    bins_r = [(a * n_rows // th, -(-(a + 1) * n_rows // th)) for a in range(th)]
    bins_c = [(b * n_cols // tw, -(-(b + 1) * n_cols // tw)) for b in range(tw)]
    grid = [[x[..., top:bottom, left:right].max(axis=(-2, -1)) for left, right in bins_c] for top, bottom in bins_r]
    return np.moveaxis(np.array(grid), (0, 1), (-2, -1))
''')
EX04_PATEL = ('''import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _pool(x, size, stride, reduce):
    x = np.asarray(x, dtype=float)
    size = np.broadcast_to(size, 2)
    stride = size if stride is None else np.broadcast_to(stride, 2)
    win = sliding_window_view(x, tuple(size), axis=(-2, -1))[..., ::stride[0], ::stride[1], :, :]
    return reduce(win, axis=(-2, -1))


def max_pool2d(x, size, stride=None):
    return _pool(x, size, stride, np.max)
''', '''def avg_pool2d(x, size, stride=None):
    return _pool(x, size, stride, np.mean)
''', '''def adaptive_max_pool2d(x, output_size):
    x = np.asarray(x, dtype=float)
    edges = [[(i * n // m, -(-(i + 1) * n // m)) for i in range(m)]
             for n, m in zip(x.shape[-2:], np.broadcast_to(output_size, 2))]
    return np.stack([np.stack([x[..., a:b, c:d].max(axis=(-2, -1)) for c, d in edges[1]], -1)
                     for a, b in edges[0]], -2)
''')
OWN = {"ex01_convolution_1d": {"lopez": COPY_A, "nguyen": COPY_B, "patel": INDEP_1},
       "ex03_conv_layer": {"lopez": EX03_LOPEZ, "nguyen": EX03_NGUYEN, "patel": EX03_PATEL},
       "ex04_pooling": {"lopez": EX04_LOPEZ, "nguyen": EX04_NGUYEN, "patel": EX04_PATEL}}
