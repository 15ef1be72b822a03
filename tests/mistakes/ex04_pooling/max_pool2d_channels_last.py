"""ex04 mistake: max_pool2d pools the first two axes of a (C, H, W) input"""

EXPECT = 'x is (C, H, W) (channels first,'


def max_pool2d(x, size, stride=None):
    x = np.asarray(x, dtype=float)
    kh, kw = (size, size) if np.ndim(size) == 0 else size
    if stride is None:
        stride = (kh, kw)
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else stride
    # x is taken to be (H, W, C): pools axes 0 and 1
    h_out = (x.shape[0] - kh) // sh + 1
    w_out = (x.shape[1] - kw) // sw + 1
    out = np.zeros((h_out, w_out) + x.shape[2:])
    for i in range(h_out):
        for j in range(w_out):
            window = x[i * sh:i * sh + kh, j * sw:j * sw + kw]
            out[i, j] = window.max(axis=(0, 1))
    return out
