"""ex02 mistake: convolve2d flips the output instead of the kernel"""

EXPECT = 'you flipped the output instead of the kernel: flip w (w[::-1, ::-1]),'


def convolve2d(x, w, stride=1, padding=0):
    return correlate2d(x, w, stride=stride, padding=padding)[::-1, ::-1]
