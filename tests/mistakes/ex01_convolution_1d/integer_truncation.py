"""The output array is allocated like x: with integer x and a float kernel every sum is truncated."""
import numpy as np

EXPECT = "truncates to integers"


def convolve1d(x, w, mode="full"):
    x = np.asarray(x)
    w = np.asarray(w)
    n, k = len(x), len(w)
    full = np.zeros(n + k - 1, dtype=x.dtype)
    for t in range(n + k - 1):
        total = 0
        for a in range(max(0, t - k + 1), min(n, t + 1)):
            total += x[a] * w[t - a]
        full[t] = total
    if mode == "full":
        return full
    if mode == "same":
        start = (min(n, k) - 1) // 2
        return full[start:start + max(n, k)]
    return full[min(n, k) - 1:max(n, k)]
