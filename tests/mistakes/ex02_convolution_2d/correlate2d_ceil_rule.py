"""ex02 mistake: correlate2d keeps a last window that does not fit"""

EXPECT = 'you kept a last window that does not fit (rounding up):'


def correlate2d(x, w, stride=1, padding=0):
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    k = w
    kh, kw = k.shape
    xp = np.pad(x, ((padding, padding + w.shape[0]), (padding, padding + w.shape[1])))
    h_out = int(np.ceil((x.shape[0] + 2 * padding - kh) / stride)) + 1
    w_out = int(np.ceil((x.shape[1] + 2 * padding - kw) / stride)) + 1
    y = np.zeros((h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            window = xp[i * stride:i * stride + kh, j * stride:j * stride + kw]
            y[i, j] = np.sum(window * k)
    return y
