"""ex02 mistake: correlate2d slides its windows one cell at a time, sized for the stride"""

EXPECT = 'but its values are those of stride 1'


def correlate2d(x, w, stride=1, padding=0):
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    kh, kw = w.shape
    xp = np.pad(x, padding)
    h_out = (xp.shape[0] - kh) // stride + 1
    w_out = (xp.shape[1] - kw) // stride + 1
    y = np.zeros((h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            y[i, j] = np.sum(xp[i:i + kh, j:j + kw] * w)
    return y
