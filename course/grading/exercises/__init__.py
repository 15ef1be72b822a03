"""The checks of each exercise, one module per concept (``ARCHITECTURE.md``, "Exercise contract").

A check id starts with its exercise's prefix (``"ex02.correlate2d.stride1"``); :data:`MODULES`
maps that prefix, or a longer one naming one function (``"ex02.conv_output_size"``), to the
module registering those checks, so :func:`course.grading.checks.get` imports only the module
it needs (the longest prefix wins).
"""

from __future__ import annotations

MODULES: dict[str, str] = {
    "ex01": "course.grading.exercises.convolution_1d",
    "ex02": "course.grading.exercises.convolution_2d",
    "ex02.conv_output_size": "course.grading.exercises.output_size",
    "ex03": "course.grading.exercises.conv_layer",
    "ex04": "course.grading.exercises.pooling",
    "ex04.adaptive_max_pool2d": "course.grading.exercises.adaptive_pooling",
    "ex05": "course.grading.exercises.receptive_field",
    "ex06": "course.grading.exercises.audio_cnn",
    "ex06.train": "course.grading.exercises.audio_training",
}
"""Check-id prefix -> module of those checks."""
