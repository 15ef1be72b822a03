"""What ex06's checks share (grader side): the data sets they send, the labels of the inputs
the grader made, and how predictions and probe outputs are compared.

The hidden test set and the train probe's clips come from the grader's secret seed
(``course.grading.secret``); the labels never leave this process (:func:`labels_for` finds
them by the inputs' digest). ``audio_cnn.py`` holds the model checks (shapes, logits,
accuracy), ``audio_training.py`` the training-loop checks.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from course.grading.checks import Misconception

HIDDEN_KEY = "ex06.accuracy.hidden"  # the six accuracy checks share one hidden set (one seed)
HIDDEN_SIZE = 1000
VALIDATION_SIZE = 500
TRAIN_PROBE_SIZES = (1000, 500)
TRAIN_PROBE_THRESHOLD = 0.75

EX06_FORBIDDEN: frozenset[str] = frozenset(
    {
        "course.data",  # the generator knows the labels
        "course.audio_models",  # the course's reference models and training loop
        "course.models",
        "course.training",
        "course.grading",
    }
)


# ------------------------------------------------------------------------------------------
# data (grader side, cached per process) and the labels of the inputs it made
# ------------------------------------------------------------------------------------------
_LABELS: dict[str, np.ndarray] = {}
_LABELS_LOCK = threading.Lock()
_MAX_LABEL_SETS = 32


def _digest(x: Any) -> str:
    arr = np.ascontiguousarray(np.asarray(x))
    head = f"{arr.dtype.str}{arr.shape}".encode()
    return hashlib.sha256(head + arr.tobytes()).hexdigest()


def _remember(x: np.ndarray, y: np.ndarray) -> None:
    with _LABELS_LOCK:
        if len(_LABELS) >= _MAX_LABEL_SETS:
            _LABELS.pop(next(iter(_LABELS)))
        _LABELS[_digest(x)] = y


def labels_for(x: Any) -> np.ndarray:
    """The labels of inputs ``x`` made in this process by :func:`dataset` (a copy).

    The references of the accuracy and train-probe checks: the grader made the inputs it sent,
    so it knows their labels; inputs it did not make have none (``KeyError``)."""
    with _LABELS_LOCK:
        y = _LABELS.get(_digest(x))
    if y is None:
        raise KeyError("these inputs were not made by this process: their labels are unknown")
    return y.copy()


@functools.lru_cache(maxsize=8)
def dataset(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(features (N, 1, 64, 30) float32, labels (N,) int64)`` of ``n`` clips from ``seed``."""
    from course.audio import features
    from course.data import generate_clips

    clips = generate_clips(n, seed=int(seed) % 2**63)
    x = features(clips.audio)
    x.setflags(write=False)
    y = clips.labels.copy()
    y.setflags(write=False)
    _remember(x, y)
    return x, y


def derived_seed(seed: int, what: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{int(seed)}:{what}".encode()).digest()[:8], "big")


def validation_set() -> tuple[np.ndarray, np.ndarray]:
    from course.data import SPLIT_SEEDS

    return dataset(VALIDATION_SIZE, SPLIT_SEEDS["validation"])


def hidden_set(seed: int) -> tuple[np.ndarray, np.ndarray]:
    return dataset(HIDDEN_SIZE, seed)


# ------------------------------------------------------------------------------------------
# grader-side comparison
# ------------------------------------------------------------------------------------------
class Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name}>"


CONSTANT = Marker("constant prediction")
BELOW = Marker("below the threshold")


def predictions_of(student: Any, n: int) -> np.ndarray | None:
    try:
        s = np.asarray(student)
    except Exception:
        return None
    if s.shape != (n,) or s.dtype.kind not in "iu":
        return None
    return s


def accuracy_compare(threshold: float) -> Callable[[Any, Any], bool]:
    """``compare(predictions, labels)``: True when the accuracy is >= ``threshold``.

    Against the sentinels used by the misconceptions: True when the predictions are one constant
    class (``CONSTANT``) or simply valid predictions (``BELOW``, tried last).
    """

    def compare(student: Any, expected: Any) -> bool:
        if expected is CONSTANT or expected is BELOW:
            s = predictions_of(student, np.shape(student)[0] if np.ndim(student) == 1 else -1)
            if s is None:
                return False
            return bool(expected is BELOW or (s.size > 0 and np.all(s == s[0])))
        e = np.asarray(expected)
        s = predictions_of(student, e.shape[0])
        if s is None:
            return False
        return bool(np.mean(s == e) >= threshold - 1e-12)

    return compare


def accuracy_misconceptions(threshold: float, where: str) -> tuple[Misconception, ...]:
    return (
        Misconception(
            "constant prediction",
            f"your model predicts the same class for every clip of the {where}: it ignores its input "
            "(is it trained? does the output depend on the spectrogram?)",
            lambda *a, **k: CONSTANT,
        ),
        Misconception(
            "below threshold",
            f"your model's accuracy on the {where} is below {threshold:.0%} "
            "(train longer, on more clips, or improve the architecture)",
            lambda *a, **k: BELOW,
        ),
    )


class OutputTest(Marker):
    """What a misconception (or the reference) predicts for recorded model outputs: a test."""

    def __init__(self, name: str, test: Callable[[np.ndarray], bool]) -> None:
        super().__init__(name)
        self.test = test
