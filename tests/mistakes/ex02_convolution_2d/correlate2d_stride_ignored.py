"""ex02 mistake: correlate2d ignores the stride"""

EXPECT = 'you ignored the stride: with stride s the window jumps s cells at a'


def correlate2d(x, w, stride=1, padding=0):
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    k = w
    kh, kw = k.shape
    xp = np.pad(x, ((padding, padding), (padding, padding)))
    h_out = xp.shape[0] - kh + 1
    w_out = xp.shape[1] - kw + 1
    y = np.zeros((h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            window = xp[i:i + kh, j:j + kw]
            y[i, j] = np.sum(window * k)
    return y
