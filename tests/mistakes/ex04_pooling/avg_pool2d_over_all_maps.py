"""ex04 mistake: avg_pool2d averages the windows of all maps together"""

EXPECT = 'every map of your output holds the same values'


def avg_pool2d(x, size, stride=None):
    x = np.asarray(x, dtype=float)
    kh, kw = (size, size) if np.ndim(size) == 0 else size
    if stride is None:
        stride = (kh, kw)
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else stride
    h_out = (x.shape[-2] - kh) // sh + 1
    w_out = (x.shape[-1] - kw) // sw + 1
    out = np.zeros(x.shape[:-2] + (h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            window = x[..., i * sh:i * sh + kh, j * sw:j * sw + kw]
            out[..., i, j] = window.mean()
    return out
