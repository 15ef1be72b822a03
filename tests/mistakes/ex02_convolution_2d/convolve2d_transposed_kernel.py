"""ex02 mistake: convolve2d transposes the kernel instead of flipping it"""

EXPECT = 'you transposed the kernel (w.T) instead of flipping it: flipping'


def convolve2d(x, w, stride=1, padding=0):
    return correlate2d(x, np.asarray(w).T, stride=stride, padding=padding)
