"""The grading round trip of ex04_pooling (``tests/roundtrip.py``)."""

from roundtrip import roundtrip_tests

globals().update(roundtrip_tests(["ex04_pooling"]))
