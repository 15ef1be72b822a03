"""Loop versions of the course's operations: short, readable, mirroring the maths on the slides.

They are slow on purpose (Python loops over every output cell) and exist so students can read
the operation and so the fast vectorised versions in ``course`` can be tested against them.
Same names, signatures, layouts and errors as the fast versions.
"""

from __future__ import annotations

from course._lazy import lazy_attributes

_PUBLIC: dict[str, str] = {
    "convolve1d": "course.naive.convolution",
    "correlate1d": "course.naive.convolution",
    "convolve2d": "course.naive.convolution",
    "correlate2d": "course.naive.convolution",
    "conv_layer_forward": "course.naive.layers",
    "conv2d": "course.naive.layers",
    "conv1d": "course.naive.layers",
    "max_pool2d": "course.naive.pooling",
    "avg_pool2d": "course.naive.pooling",
    "adaptive_max_pool2d": "course.naive.pooling",
    "adaptive_avg_pool2d": "course.naive.pooling",
    "receptive_field": "course.naive.receptive",
}

__all__ = sorted(_PUBLIC)

__getattr__, __dir__ = lazy_attributes(__name__, globals(), _PUBLIC)
