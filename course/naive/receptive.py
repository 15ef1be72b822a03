"""Loop version of ``course.receptive.receptive_field``: the recursion, one layer at a time."""

from __future__ import annotations

from collections.abc import Sequence

from course.receptive import _check_layers

__all__ = ["receptive_field"]


def receptive_field(layers: Sequence[tuple[int, ...]]) -> int:
    """Receptive field of one output unit, walking the layers from the input up.

    ``size`` grows by ``(k - 1) * dilation * jump`` per layer, where ``jump`` is the distance in
    input samples between neighbouring units of the layer below; then ``jump *= stride``.
    """
    size, jump = 1, 1
    for kernel, stride, dilation in _check_layers(layers):
        size += (kernel - 1) * dilation * jump
        jump *= stride
    return size
