"""ex02 mistake: convolve2d pads the top and left only"""

EXPECT = 'you padded one side only (top/left): `padding` zeros go on ALL four'


def convolve2d(x, w, stride=1, padding=0):
    xp = np.pad(np.asarray(x, dtype=float), ((padding, 0), (padding, 0)))
    return correlate2d(xp, np.asarray(w)[::-1, ::-1], stride=stride)
