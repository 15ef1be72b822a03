"""Calls numpy.convolve, the library function that does the whole job: no points for it."""
import numpy as np

EXPECT = "calls numpy.convolve"


def convolve1d(x, w, mode="full"):
    return np.convolve(x, w, mode)
