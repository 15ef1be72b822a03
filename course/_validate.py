"""Argument checks shared by the numerical modules.

Every check raises ``TypeError`` or ``ValueError`` with a message that says what was received
and what was expected, in words a student understands. Nothing here uses ``assert``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

MODES = ("full", "same", "valid")


def as_numeric_array(x: Any, name: str) -> np.ndarray:
    """Convert ``x`` to a NumPy array of numbers, or raise ``TypeError`` naming ``name``.

    Booleans, integers, floats and complex numbers are accepted; strings, objects and ``None`` are not.
    """
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be an array of numbers; could not convert {type(x).__name__}: {exc}") from exc
    if arr.dtype.kind not in "biufc":
        raise TypeError(
            f"{name} must be an array of numbers, got dtype {arr.dtype} (from {type(x).__name__})"
        )
    return arr


def check_ndim(arr: np.ndarray, name: str, allowed: Sequence[int], layout: str) -> None:
    """Raise ``ValueError`` unless ``arr.ndim`` is one of ``allowed``; ``layout`` names the axes."""
    if arr.ndim not in allowed:
        dims = " or ".join(f"{d}-D" for d in allowed)
        raise ValueError(f"{name} must be {dims} {layout}, got a {arr.ndim}-D array of shape {arr.shape}")


def check_mode(mode: Any) -> str:
    """Return ``mode`` if it is one of ``"full" | "same" | "valid"``, else raise ``ValueError``."""
    if not isinstance(mode, str) or mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(repr(m) for m in MODES)}; got {mode!r}")
    return mode


def as_pair(value: Any, name: str) -> tuple[int, int]:
    """Turn an int or a pair of ints into ``(height, width)``; raise ``TypeError`` otherwise."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value), int(value)
    if (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value)
    ):
        return int(value[0]), int(value[1])
    raise TypeError(f"{name} must be an int or a pair of ints (height, width), got {value!r}")


def check_positive(value: int, name: str) -> int:
    """Raise ``ValueError`` unless ``value >= 1`` (stride, dilation, kernel and pool sizes)."""
    if value < 1:
        raise ValueError(f"{name} must be a positive integer (>= 1), got {value}")
    return value


def check_non_negative(value: int, name: str) -> int:
    """Raise ``ValueError`` unless ``value >= 0`` (padding)."""
    if value < 0:
        raise ValueError(f"{name} must be zero or a positive integer, got {value}")
    return value
