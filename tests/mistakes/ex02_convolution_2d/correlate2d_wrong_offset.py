"""ex02 mistake: correlate2d starts the strided windows at stride-1"""

EXPECT = 'your strided windows start at the wrong place: the first window'


def correlate2d(x, w, stride=1, padding=0):
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    kh, kw = w.shape
    xp = np.pad(x, ((padding, padding), (padding, padding)))
    full = np.zeros((xp.shape[0] - kh + 1, xp.shape[1] - kw + 1))
    for i in range(full.shape[0]):
        for j in range(full.shape[1]):
            full[i, j] = np.sum(xp[i:i + kh, j:j + kw] * w)
    return full[stride - 1::stride, stride - 1::stride]  # keeps every stride-th, starting at stride-1
