"""The grading round trip of ex05_receptive_field (``tests/roundtrip.py``)."""

from roundtrip import roundtrip_tests

globals().update(roundtrip_tests(["ex05_receptive_field"]))
