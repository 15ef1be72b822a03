"""convolve1d slides the kernel without flipping it: that is cross-correlation."""
import numpy as np

EXPECT = "your convolve1d equals cross-correlation: the kernel must be flipped"


def convolve1d(x, w, mode="full"):
    x = np.asarray(x)
    w = np.asarray(w)
    n, k = len(x), len(w)
    full = np.zeros(n + k - 1, dtype=np.result_type(x, w))
    for a in range(n):
        full[a:a + k] += x[a] * w[::-1]
    if mode == "full":
        return full
    if mode == "same":
        start = (min(n, k) - 1) // 2
        return full[start:start + max(n, k)]
    return full[min(n, k) - 1:max(n, k)]
