"""mode='valid' drops one output: full[K:N] instead of full[K-1:N]."""
import numpy as np

EXPECT = "your output has length"


def correlate1d(x, w, mode="valid"):
    x = np.asarray(x)
    w = np.asarray(w)
    n, k = len(x), len(w)
    out = [np.dot(x[t:t + k], w) for t in range(n - k)]
    if mode == "valid":
        return np.array(out, dtype=np.result_type(x, w))
    padded = np.concatenate([np.zeros(k - 1, dtype=x.dtype), x, np.zeros(k - 1, dtype=x.dtype)])
    full = np.array([np.dot(padded[t:t + k], w) for t in range(n + k - 1)], dtype=np.result_type(x, w))
    if mode == "full":
        return full
    start = (min(n, k) - 1) // 2
    return full[start:start + max(n, k)]
