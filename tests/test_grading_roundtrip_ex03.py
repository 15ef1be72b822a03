"""The grading round trip of ex03_conv_layer (``tests/roundtrip.py``)."""

from roundtrip import roundtrip_tests

globals().update(roundtrip_tests(["ex03_conv_layer"]))
