"""ex02 mistake: correlate2d pads the top and left only"""

EXPECT = 'you padded one side only (top/left): `padding` zeros go on ALL four'


def correlate2d(x, w, stride=1, padding=0):
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    k = w
    kh, kw = k.shape
    xp = np.pad(x, ((padding, 0), (padding, 0)))
    h_out = (xp.shape[0] - kh) // stride + 1
    w_out = (xp.shape[1] - kw) // stride + 1
    y = np.zeros((h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            window = xp[i * stride:i * stride + kh, j * stride:j * stride + kw]
            y[i, j] = np.sum(window * k)
    return y
