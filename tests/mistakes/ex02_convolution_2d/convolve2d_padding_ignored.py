"""ex02 mistake: convolve2d ignores the padding"""

EXPECT = 'you did not apply the padding: add `padding` rows/columns of zeros on'


def convolve2d(x, w, stride=1, padding=0):
    return correlate2d(x, np.asarray(w)[::-1, ::-1], stride=stride)
