"""ex04 mistake: max_pool2d swaps size and stride"""

EXPECT = 'you swapped the window size and the stride: `size` is the'


def max_pool2d(x, size, stride=None):
    x = np.asarray(x, dtype=float)
    kh, kw = (stride, stride) if stride is not None and np.ndim(stride) == 0 else (stride if stride is not None else ((size, size) if np.ndim(size) == 0 else size))
    if stride is None:
        stride = (kh, kw)
    sh, sw = (size, size) if np.ndim(size) == 0 else size
    h_out = (x.shape[-2] - kh) // sh + 1
    w_out = (x.shape[-1] - kw) // sw + 1
    out = np.zeros(x.shape[:-2] + (h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            window = x[..., i * sh:i * sh + kh, j * sw:j * sw + kw]
            out[..., i, j] = window.max(axis=(-2, -1))
    return out
