"""ex04 shortcut: max_pool2d calls the course's own reference implementation."""
import course

EXPECT = "calls course.max_pool2d"


def max_pool2d(x, size, stride=None):
    return course.max_pool2d(x, size, stride)
