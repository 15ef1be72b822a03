"""ex02 mistake: convolve2d ignores the stride"""

EXPECT = 'you ignored the stride: with stride s the window jumps s cells at a'


def convolve2d(x, w, stride=1, padding=0):
    return correlate2d(x, np.asarray(w)[::-1, ::-1], padding=padding)
