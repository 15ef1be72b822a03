"""mode='same' keeps the first max(N, K) values of the full result instead of the centre."""
import numpy as np

EXPECT = "mode='same' must be centred"


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
        return full[:max(n, k)]
    return full[min(n, k) - 1:max(n, k)]
