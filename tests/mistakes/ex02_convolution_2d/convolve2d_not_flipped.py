"""ex02 mistake: convolve2d does not flip the kernel"""

EXPECT = 'your convolve2d does not flip the kernel (that is cross-correlation):'


def convolve2d(x, w, stride=1, padding=0):
    return correlate2d(x, w, stride=stride, padding=padding)
