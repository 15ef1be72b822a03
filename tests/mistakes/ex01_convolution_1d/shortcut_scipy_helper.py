"""correlate1d reaches scipy.signal.correlate through an aliased import and a helper function."""
import numpy as np
from scipy import signal as sig

EXPECT = "calls scipy.signal.correlate"


def _slide(x, w, mode):
    return sig.correlate(x, w, mode=mode)


def correlate1d(x, w, mode="valid"):
    return _slide(np.asarray(x), np.asarray(w), mode)
