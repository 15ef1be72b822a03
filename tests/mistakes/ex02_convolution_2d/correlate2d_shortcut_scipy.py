"""ex02 shortcut: correlate2d calls scipy.signal.correlate2d, a library function that does the whole job."""
from scipy import signal

EXPECT = "calls scipy.signal.correlate2d"


def correlate2d(x, w, stride=1, padding=0):
    xp = np.pad(np.asarray(x, dtype=float), padding)
    return signal.correlate2d(xp, w, mode="valid")[::stride, ::stride]
