"""Receptive fields of stacked convolution and pooling layers.

The receptive field of an output unit is the stretch of input samples that can change it. For a
stack of layers, each with kernel size ``k``, stride ``s`` and dilation ``d`` (no padding), walk
from the input up, keeping the field size ``r`` and the *jump* ``j`` (the distance, in input
samples, between two neighbouring units of the current layer)::

    r_0 = 1, j_0 = 1
    r_l = r_{l-1} + (k_l - 1) * d_l * j_{l-1}
    j_l = j_{l-1} * s_l

so ``r = 1 + sum_l (k_l - 1) * d_l * prod_{m < l} s_m``. A pooling layer counts as a layer with
its window as ``k``. The same numbers hold along each axis of a 2-D stack.

``measure_receptive_field`` checks the formula by experiment: it runs a real stack built with
``course.layers.conv1d`` and records which input samples reach one output unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from course.shapes import conv_output_size

__all__ = ["receptive_field", "receptive_field_table", "measure_receptive_field"]


# --------------------------------------------------------------------------------------------
# checks shared with course.naive.receptive
# --------------------------------------------------------------------------------------------
def _check_layers(layers: Any) -> list[tuple[int, int, int]]:
    """Validate ``layers`` -> a list of ``(kernel_size, stride, dilation)`` int triples."""
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence):
        raise TypeError(
            f"layers must be a list of (kernel_size, stride) or (kernel_size, stride, dilation) tuples, "
            f"got {type(layers).__name__} {layers!r}"
        )
    checked = []
    for index, layer in enumerate(layers):
        where = f"layer {index} ({layer!r})"
        if not isinstance(layer, (tuple, list)) or len(layer) not in (2, 3):
            raise TypeError(f"{where} must be a (kernel_size, stride) or (kernel_size, stride, dilation) tuple")
        for name, value in zip(("kernel_size", "stride", "dilation"), layer, strict=False):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"{where}: {name} must be an int, got {type(value).__name__} {value!r}")
            if value < 1:
                raise ValueError(f"{where}: {name} must be a positive integer (>= 1), got {value}")
        k, s, d = (int(v) for v in (*layer, 1)[:3])
        checked.append((k, s, d))
    return checked


# --------------------------------------------------------------------------------------------
# the formula
# --------------------------------------------------------------------------------------------
def receptive_field(layers: Sequence[tuple[int, ...]]) -> int:
    """Receptive field size of one output unit of a stack of layers (no padding).

    ``r = 1 + sum_l (k_l - 1) * d_l * prod_{m < l} s_m``, the closed form of the recursion
    ``r += (k - 1) * d * jump; jump *= s``.

    Args:
        layers: one ``(kernel_size, stride)`` or ``(kernel_size, stride, dilation)`` per layer,
            input side first. An empty list is the input itself (field 1).

    Returns:
        The number of input samples (along one axis) that one output unit sees.

    Raises:
        TypeError: ``layers`` is not a list of 2- or 3-tuples of ints.
        ValueError: a kernel size, stride or dilation is < 1.

    Examples:
        >>> receptive_field([(3, 1), (3, 1)])        # two 3x3 convolutions see 5x5
        5
        >>> receptive_field([(3, 1), (2, 2), (3, 1)])  # conv, 2x2 pool, conv
        8
    """
    checked = _check_layers(layers)
    if not checked:
        return 1
    k, s, d = np.array(checked, dtype=object).T  # Python ints: no overflow on deep stacks
    jumps = np.cumprod(np.concatenate([[1], s[:-1]]))  # jump before each layer
    return int(1 + np.sum((k - 1) * d * jumps))


def receptive_field_table(layers: Sequence[tuple[int, ...]]) -> list[dict[str, Any]]:
    """Layer-by-layer receptive field arithmetic, for tables in the lectures.

    For each layer (1-based ``layer``), the row holds its ``kernel``, ``stride`` and
    ``dilation``, the receptive field ``size`` of its units, its ``jump`` (input samples between
    neighbouring units) and ``start``, the centre of its first unit's field in input coordinates
    (0-based, no padding): ``start_l = start_{l-1} + (k_l - 1) * d_l * j_{l-1} / 2`` (a float:
    even kernels put the centre between two samples).

    Examples:
        >>> [row["size"] for row in receptive_field_table([(3, 1), (2, 2), (3, 1)])]
        [3, 4, 8]
    """
    rows = []
    size, jump, start = 1, 1, 0.0
    for index, (k, s, d) in enumerate(_check_layers(layers), start=1):
        size += (k - 1) * d * jump
        start += (k - 1) * d * jump / 2
        jump *= s
        rows.append({"layer": index, "kernel": k, "stride": s, "dilation": d, "size": size, "jump": jump, "start": start})
    return rows


# --------------------------------------------------------------------------------------------
# the experiment
# --------------------------------------------------------------------------------------------
def _output_length(n: int, layers: list[tuple[int, int, int]]) -> int:
    """Length of the stack's output for an input of length ``n`` (0 if the input is too short)."""
    for k, s, d in layers:
        try:
            n = conv_output_size(n, k, s, 0, d)
        except ValueError:  # the kernel does not fit any more
            return 0
    return n


def measure_receptive_field(layers: Sequence[tuple[int, ...]], input_size: int | None = None) -> int:
    """Measure a stack's receptive field by experiment, without the formula.

    Builds the 1-D stack with ``course.layers.conv1d`` (all-ones kernels, so no two paths can
    cancel; no padding), feeds it one impulse at every input position at once (a batch of
    one-hot signals, in exact integer arithmetic) and finds which impulses reach the middle output
    unit. Returns the extent of those positions, ``last - first + 1`` (with dilation the field can
    have holes; its size counts them, as the formula does).

    Args:
        layers: as for :func:`receptive_field`.
        input_size: input length; by default about twice the shortest input that gives an output
            (found by trying lengths, not by the formula).

    Raises:
        TypeError / ValueError: as :func:`receptive_field`; ``ValueError`` if ``input_size`` is too
            short for the stack to produce an output.
    """
    from course.layers import conv1d  # numerical core, imported when measuring

    checked = _check_layers(layers)
    if input_size is None:
        shortest = 1
        while _output_length(shortest, checked) == 0:
            shortest *= 2
        low, high = shortest // 2, shortest  # too short .. long enough: bisect
        while high - low > 1:
            mid = (low + high) // 2
            low, high = (low, mid) if _output_length(mid, checked) else (mid, high)
        input_size = 2 * high + 3
    elif isinstance(input_size, bool) or not isinstance(input_size, (int, np.integer)) or input_size < 1:
        raise ValueError(f"input_size must be a positive int, got {input_size!r}")
    out_len = _output_length(int(input_size), checked)
    if out_len == 0:
        raise ValueError(f"input_size={input_size} is too short: the stack {checked} gives no output for it")

    signal = np.eye(int(input_size), dtype=np.int64)[:, None, :]  # (L, 1, L): impulse at position p in example p
    for k, s, d in checked:
        signal = conv1d(signal, np.ones((1, 1, k), dtype=np.int64), stride=s, dilation=d)  # (L, 1, L_out)
    reached = np.flatnonzero(signal[:, 0, out_len // 2])  # input positions that change the middle unit
    return int(reached[-1] - reached[0] + 1)
