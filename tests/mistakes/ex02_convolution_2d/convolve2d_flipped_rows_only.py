"""ex02 mistake: convolve2d flips the kernel upside down only"""

EXPECT = 'you flipped the kernel upside down only: convolution flips it along'


def convolve2d(x, w, stride=1, padding=0):
    return correlate2d(x, np.asarray(w)[::-1, :], stride=stride, padding=padding)
