"""correlate1d flips the kernel: that is convolution, not cross-correlation."""
import numpy as np

EXPECT = "your correlate1d flips the kernel"


def correlate1d(x, w, mode="valid"):
    x = np.asarray(x)
    w = np.asarray(w)[::-1]
    n, k = len(x), len(w)
    padded = np.concatenate([np.zeros(k - 1, dtype=x.dtype), x, np.zeros(k - 1, dtype=x.dtype)])
    full = np.array([np.dot(padded[t:t + k], w) for t in range(n + k - 1)], dtype=np.result_type(x, w))
    if mode == "full":
        return full
    if mode == "same":
        start = (min(n, k) - 1) // 2
        return full[start:start + max(n, k)]
    return full[min(n, k) - 1:max(n, k)]
