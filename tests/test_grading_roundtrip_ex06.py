"""The grading round trip of ex06_audio_cnn (``tests/roundtrip.py``)."""

from roundtrip import roundtrip_tests

globals().update(roundtrip_tests(["ex06_audio_cnn"]))
