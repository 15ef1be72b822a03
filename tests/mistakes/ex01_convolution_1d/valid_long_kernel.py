"""mode='valid' written as full[K-1:N]: right for short kernels, empty when the kernel is longer than the signal."""
import numpy as np

EXPECT = "with a kernel longer than the signal"


def convolve1d(x, w, mode="full"):
    x = np.asarray(x)
    w = np.asarray(w)
    n, k = len(x), len(w)
    full = np.zeros(n + k - 1, dtype=np.result_type(x, w))
    for a in range(n):
        full[a:a + k] += x[a] * w
    if mode == "full":
        return full
    if mode == "same":
        start = (min(n, k) - 1) // 2
        return full[start:start + max(n, k)]
    return full[k - 1:n]
