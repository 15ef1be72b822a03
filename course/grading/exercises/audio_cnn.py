"""Checks of ex06_audio_cnn: ``build_model(n_classes)`` and ``train(model, X, y, epochs=...)``.

The student builds a ``torch.nn.Module`` for spectrograms ``(N, 1, 64, 30)`` (from
``course.audio.features``) and trains it in the notebook. Nothing is decided in the student's
kernel: test cells record *predictions for inputs* (``course.grading.probes``), the grader makes
the inputs and their labels in its own process, sends the inputs as cases and keeps the labels.

Checks (one graded cell each; a cell scores all its points when its checks pass):

``ex06.build_model.shape`` (2 points)
    ``build_model(n)`` for n = 2 and 3 on batches of 1 and 5 random spectrograms: the probe
    records ``(batch, n_outputs, depends_on_input)``; expected ``(N, n, 1)``. A model whose
    logits do not change with the input (a constant predictor) fails here.
``ex06.build_model.logits`` (same cell as the shapes)
    ``build_model(n)`` for n = 2 and 3 on 16 random spectrograms: the probe records the outputs;
    they must be logits, not probabilities. A model ending in ``nn.Softmax`` (rows that sum to 1)
    trained with ``cross_entropy`` applies softmax twice: it may still reach 90 %, but the cell
    loses its points and the message explains why.
``ex06.train.zero_grad`` (same cell as ``ex06.train.learns``)
    A fresh ``build_model(2)`` trained by ``train(model, X, y, epochs=2)`` on 128 noise clips; a
    hook on every parameter counts the backward passes that find an old gradient in ``.grad``
    (``course.grading.probes.gradient_probe``). Any such pass fails: a loop without
    ``zero_grad()`` still learns the upcalls (Adam normalises the summed gradients) but is wrong.
``ex06.train.learns`` (2 points, hidden data)
    A fresh ``build_model(2)`` (``torch.manual_seed(0)``) trained by the student's
    ``train(model, X, y, epochs=4)`` on 1000 clips must reach >= 75 % on 500 other clips; both
    sets come from the grader's secret seed (a fresh random one outside grading). The reference
    CNN reaches about 93 % there (1 s of training).
``ex06.accuracy.<T>`` for T in 65, 70, 75, 80, 85, 90 (1 point each, hidden)
    The notebook's trained ``model`` predicts the classes of a **hidden test set** of 1000
    balanced clips, generated at grading time from the grader's secret seed
    (:func:`course.grading.secret.hidden_seed` of ``"ex06.accuracy.hidden"``: one set shared by
    the six thresholds; nothing in the package predicts it). Each cell passes when the accuracy
    is >= T %.
    So the 6 accuracy points grow with the accuracy in 5-point steps: 0 points below 65 %
    (chance is 50 % on the balanced set; with 1000 clips a guessing model's accuracy has a
    standard deviation of 1.6 %, so 65 % is 9 standard deviations above chance) and full marks
    from 90 % (the reference CNN reaches 96-99 % with the notebook's small training budget,
    and the band-energy baseline, which knows where upcalls are but not their shape, stays
    near 60 %: 90 % can only be reached by a model that learned the shape of the upcall).
    The visible part of each cell runs the same threshold on the course's validation split.

Why predictions cannot leak labels: the recorded thing is the model's predicted class for each
hidden input; the labels are computed by the grader from the secret seed in its own process
(looked up by the inputs' digest, :func:`labels_for`), and the messages never show them. Reaching the data generator (``course.data``), the reference models
(``course.audio_models``, ``course.models``) or the grading package from ``build_model``, the
trained ``model`` or ``train`` is forbidden (checked by the no-shortcut scan); patching course
modules or touching ``course.grading`` is caught by the tampering scan.

Kernel-side helpers used by the test cells: ``course.grading.probes`` (:func:`shape_probe`,
:func:`train_probe`, :func:`predictor`; re-exported here for the grader's tests).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course.grading.checks import Case, Check, Misconception, register
from course.grading.exercises.audio_data import (
    accuracy_compare,
    accuracy_misconceptions,
    EX06_FORBIDDEN,
    HIDDEN_KEY,
    hidden_set,
    HIDDEN_SIZE,
    labels_for,
    Marker,
    OutputTest,
    predictions_of,
    validation_set,
    VALIDATION_SIZE,
)
from course.grading.probes import TRAIN_PROBE_EPOCHS, predictor, shape_probe, train_probe  # noqa: F401

THRESHOLDS = (65, 70, 75, 80, 85, 90)

# ------------------------------------------------------------------------------------------
# shapes
# ------------------------------------------------------------------------------------------
_SHAPE_CASES = ((2, 1), (2, 5), (3, 5))


def _shape_reference(n_classes: int, batch: int) -> np.ndarray:
    return np.array([batch, n_classes, 1], dtype=np.int64)


class _ShapeMistake(Marker):
    """What a misconception predicts for a shape case: a test on the recorded triple."""

    def __init__(self, name: str, test: Callable[[np.ndarray], bool]) -> None:
        super().__init__(name)
        self.test = test


def _shape_compare(student: Any, expected: Any) -> bool:
    try:
        s = np.asarray(student)
        if s.shape != (3,) or s.dtype.kind not in "iu":
            return False
        if isinstance(expected, _ShapeMistake):
            return bool(expected.test(s))
        return bool(np.array_equal(s, np.asarray(expected)))
    except Exception:
        return False


def _wrong_rank(n_classes: int, batch: int) -> Any:
    return _ShapeMistake("not (N, n_classes)", lambda s: s[1] == -1)


def _wrong_classes(n_classes: int, batch: int) -> Any:
    return _ShapeMistake("wrong number of classes", lambda s: s[0] == batch and s[1] not in (-1, n_classes))


def _ignores_input(n_classes: int, batch: int) -> Any:
    return _ShapeMistake("ignores input", lambda s: s[0] == batch and s[1] == n_classes and s[2] == 0)


def _shape_describe(case: Case) -> str:
    (n_classes, batch), _ = case
    return f"build_model({n_classes}) on a batch of {batch} spectrograms of shape (1, 64, 30)"


register(
    Check(
        id="ex06.build_model.shape",
        function="build_model",
        cases=lambda: [((n, b), {}) for n, b in _SHAPE_CASES],
        reference=_shape_reference,
        misconceptions=(
            Misconception(
                "not (N, n_classes)",
                "your model must return a 2-D tensor of logits, shape (N, n_classes) -- one row per "
                "spectrogram (did you flatten the batch away, or return a 1-D vector?)",
                _wrong_rank,
            ),
            Misconception(
                "wrong number of classes",
                "your model's last layer must have n_classes outputs: build_model(n_classes) should use "
                "its argument (e.g. nn.Linear(..., n_classes)), not a fixed number",
                _wrong_classes,
            ),
            Misconception(
                "ignores input",
                "your model ignores its input: its logits are the same for different spectrograms "
                "(a constant predictor cannot detect upcalls)",
                _ignores_input,
            ),
        ),
        compare=_shape_compare,
        forbidden=EX06_FORBIDDEN,
        describe=_shape_describe,
    )
)


# ------------------------------------------------------------------------------------------
# logits, not probabilities (a softmax before cross_entropy)
# ------------------------------------------------------------------------------------------
_LOGITS_CASES = ((2, 16), (3, 16))
_SUMS_TO_ONE_TOL = 1e-4


def _are_probabilities(s: np.ndarray) -> bool:
    """Every row non-negative and summing to 1: the output of a softmax."""
    return bool(s.ndim == 2 and s.shape[1] >= 2 and np.all(s >= -1e-7)
                and np.allclose(s.sum(axis=1), 1.0, rtol=0, atol=_SUMS_TO_ONE_TOL))


def _outputs_compare(student: Any, expected: Any) -> bool:
    try:
        s = np.asarray(student, dtype=np.float64)
    except Exception:
        return False
    if not isinstance(expected, OutputTest):
        return False
    return bool(expected.test(s))


def _logits_reference(n_classes: int, batch: int) -> Any:
    # outputs of any other kind (a wrong shape) are left to ex06.build_model.shape
    return OutputTest("logits", lambda s: not _are_probabilities(s))


def _softmax_output(n_classes: int, batch: int) -> Any:
    return OutputTest("probabilities", _are_probabilities)


MSG_SOFTMAX = (
    "your model ends with a softmax: its outputs are probabilities (each row sums to 1), but cross_entropy "
    "applies log-softmax itself, so softmax is applied twice and learning slows down and stalls. "
    "Return logits: remove the final nn.Softmax"
)

register(
    Check(
        id="ex06.build_model.logits",
        function="build_model",
        cases=lambda: [((n, b), {}) for n, b in _LOGITS_CASES],
        reference=_logits_reference,
        misconceptions=(Misconception("softmax before cross_entropy", MSG_SOFTMAX, _softmax_output),),
        compare=_outputs_compare,
        forbidden=EX06_FORBIDDEN,
        describe=lambda case: f"build_model({case[0][0]}) on {case[0][1]} random spectrograms",
    )
)


# ------------------------------------------------------------------------------------------
# accuracy of the notebook's trained model: validation (visible) and hidden test set
# ------------------------------------------------------------------------------------------
def _register_accuracy(threshold_pct: int) -> None:
    t = threshold_pct / 100.0
    register(
        Check(
            id=f"ex06.accuracy.validation.{threshold_pct}",
            function="model",
            cases=lambda: [((validation_set()[0],), {})],
            reference=labels_for,
            misconceptions=accuracy_misconceptions(t, f"validation set ({VALIDATION_SIZE} clips)"),
            compare=accuracy_compare(t),
            forbidden=EX06_FORBIDDEN,
            describe=lambda case: f"the validation set, accuracy >= {t:.0%}",
        )
    )
    register(
        Check(
            id=f"ex06.accuracy.{threshold_pct}",
            function="model",
            cases=lambda seed: [((hidden_set(seed)[0],), {})],
            hidden=True,
            seed_key=HIDDEN_KEY,
            reference=labels_for,
            misconceptions=accuracy_misconceptions(t, f"hidden test set ({HIDDEN_SIZE} clips)"),
            compare=accuracy_compare(t),
            forbidden=EX06_FORBIDDEN,
            describe=lambda case: f"the hidden test set, accuracy >= {t:.0%}",
        )
    )


for _t in THRESHOLDS:
    _register_accuracy(_t)


def hidden_accuracy(predictions: Any, seed: int) -> float:
    """Accuracy of ``predictions (N,)`` on the hidden test set of ``seed`` (grader side, for reports)."""
    y = hidden_set(seed)[1]
    p = predictions_of(predictions, y.shape[0])
    return float("nan") if p is None else float(np.mean(p == y))
