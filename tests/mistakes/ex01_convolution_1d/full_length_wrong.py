"""The full result is one sample short (N + K - 2 outputs instead of N + K - 1)."""
import numpy as np

EXPECT = "for mode='full'"


def convolve1d(x, w, mode="full"):
    x = np.asarray(x)
    w = np.asarray(w)
    n, k = len(x), len(w)
    full = np.zeros(n + k - 1, dtype=np.result_type(x, w))
    for a in range(n):
        full[a:a + k] += x[a] * w
    if mode == "full":
        return full[:-1]
    if mode == "same":
        start = (min(n, k) - 1) // 2
        return full[start:start + max(n, k)]
    return full[min(n, k) - 1:max(n, k)]
