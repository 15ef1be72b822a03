"""The grading round trip of ex02_convolution_2d (``tests/roundtrip.py``)."""

from roundtrip import roundtrip_tests

globals().update(roundtrip_tests(["ex02_convolution_2d"]))
