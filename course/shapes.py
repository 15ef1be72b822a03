"""The output-size formula of convolution and pooling, coded once.

For an input of length ``n``, a kernel (or pooling window) of size ``k``, and PyTorch's
``stride``, ``padding`` (zeros added on *each* side) and ``dilation``::

    out = floor((n + 2*padding - dilation*(k - 1) - 1) / stride) + 1

``dilation*(k - 1) + 1`` is the span the dilated kernel covers. The floor means a last window
that does not fit entirely is dropped (PyTorch's and Keras' ``valid`` rule).
"""

from __future__ import annotations

from typing import Any

from course._validate import check_non_negative, check_positive


def _as_int(value: Any, name: str) -> int:
    import numpy as np

    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    return int(value)


def conv_output_size(n: int, k: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """Length of a convolution (or pooling) output along one axis.

    ``out = floor((n + 2*padding - dilation*(k - 1) - 1) / stride) + 1``

    Args:
        n: input length along this axis (>= 1).
        k: kernel (or window) size along this axis (>= 1).
        stride: step between windows (>= 1).
        padding: zeros added on each side (>= 0).
        dilation: spacing between kernel taps (>= 1); 1 means contiguous.

    Returns:
        The output length, >= 1.

    Raises:
        TypeError: an argument is not an int.
        ValueError: an argument is out of range, or the dilated kernel is larger than the padded
            input so that no window fits.

    Examples:
        >>> conv_output_size(5, 3)          # the lecture's 5x5 input, 3x3 kernel
        3
        >>> conv_output_size(7, 3, stride=2, padding=1)
        4
    """
    n = check_positive(_as_int(n, "n"), "n (input length)")
    k = check_positive(_as_int(k, "k"), "k (kernel size)")
    stride = check_positive(_as_int(stride, "stride"), "stride")
    padding = check_non_negative(_as_int(padding, "padding"), "padding")
    dilation = check_positive(_as_int(dilation, "dilation"), "dilation")
    span = dilation * (k - 1) + 1
    if span > n + 2 * padding:
        raise ValueError(
            f"kernel too large: it spans {span} samples (k={k}, dilation={dilation}) but the padded "
            f"input has only {n + 2 * padding} (n={n}, padding={padding} on each side)"
        )
    return (n + 2 * padding - span) // stride + 1
