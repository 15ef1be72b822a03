"""ex04 mistake: avg_pool2d drops the leftover at the start"""

EXPECT = 'your windows start at the wrong offset: the first window starts at'


def avg_pool2d(x, size, stride=None):
    x = np.asarray(x, dtype=float)
    kh, kw = (size, size) if np.ndim(size) == 0 else size
    if stride is None:
        stride = (kh, kw)
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else stride
    r0, c0 = (x.shape[-2] - kh) % sh, (x.shape[-1] - kw) % sw
    h_out = (x.shape[-2] - kh) // sh + 1
    w_out = (x.shape[-1] - kw) // sw + 1
    out = np.zeros(x.shape[:-2] + (h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            window = x[..., r0 + i * sh:r0 + i * sh + kh, c0 + j * sw:c0 + j * sw + kw]
            out[..., i, j] = window.mean(axis=(-2, -1))
    return out
