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

import functools
import hashlib
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from course.grading.checks import Case, Check, Misconception, register
from course.grading.probes import TRAIN_PROBE_EPOCHS, predictor, shape_probe, train_probe  # noqa: F401

HIDDEN_KEY = "ex06.accuracy.hidden"  # the six accuracy checks share one hidden set (one seed)
HIDDEN_SIZE = 1000
VALIDATION_SIZE = 500
TRAIN_PROBE_SIZES = (1000, 500)
TRAIN_PROBE_THRESHOLD = 0.75
THRESHOLDS = (65, 70, 75, 80, 85, 90)

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
    """The labels of inputs ``x`` made in this process by :func:`_dataset` (a copy).

    The references of the accuracy and train-probe checks: the grader made the inputs it sent,
    so it knows their labels; inputs it did not make have none (``KeyError``)."""
    with _LABELS_LOCK:
        y = _LABELS.get(_digest(x))
    if y is None:
        raise KeyError("these inputs were not made by this process: their labels are unknown")
    return y.copy()


@functools.lru_cache(maxsize=8)
def _dataset(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
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


def _derived(seed: int, what: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{int(seed)}:{what}".encode()).digest()[:8], "big")


def _validation() -> tuple[np.ndarray, np.ndarray]:
    from course.data import SPLIT_SEEDS

    return _dataset(VALIDATION_SIZE, SPLIT_SEEDS["validation"])


def _hidden(seed: int) -> tuple[np.ndarray, np.ndarray]:
    return _dataset(HIDDEN_SIZE, seed)


# ------------------------------------------------------------------------------------------
# grader-side comparison
# ------------------------------------------------------------------------------------------
class _Sentinel:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name}>"


_CONSTANT = _Sentinel("constant prediction")
_BELOW = _Sentinel("below the threshold")


def _predictions(student: Any, n: int) -> np.ndarray | None:
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
    class (``_CONSTANT``) or simply valid predictions (``_BELOW``, tried last).
    """

    def compare(student: Any, expected: Any) -> bool:
        if expected is _CONSTANT or expected is _BELOW:
            s = _predictions(student, np.shape(student)[0] if np.ndim(student) == 1 else -1)
            if s is None:
                return False
            return bool(expected is _BELOW or (s.size > 0 and np.all(s == s[0])))
        e = np.asarray(expected)
        s = _predictions(student, e.shape[0])
        if s is None:
            return False
        return bool(np.mean(s == e) >= threshold - 1e-12)

    return compare


def _accuracy_misconceptions(threshold: float, where: str) -> tuple[Misconception, ...]:
    return (
        Misconception(
            "constant prediction",
            f"your model predicts the same class for every clip of the {where}: it ignores its input "
            "(is it trained? does the output depend on the spectrogram?)",
            lambda *a, **k: _CONSTANT,
        ),
        Misconception(
            "below threshold",
            f"your model's accuracy on the {where} is below {threshold:.0%} "
            "(train longer, on more clips, or improve the architecture)",
            lambda *a, **k: _BELOW,
        ),
    )


# ------------------------------------------------------------------------------------------
# shapes
# ------------------------------------------------------------------------------------------
_SHAPE_CASES = ((2, 1), (2, 5), (3, 5))


def _shape_reference(n_classes: int, batch: int) -> np.ndarray:
    return np.array([batch, n_classes, 1], dtype=np.int64)


class _ShapeMistake(_Sentinel):
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


class _OutputTest(_Sentinel):
    """What a misconception (or the reference) predicts for recorded model outputs: a test."""

    def __init__(self, name: str, test: Callable[[np.ndarray], bool]) -> None:
        super().__init__(name)
        self.test = test


def _are_probabilities(s: np.ndarray) -> bool:
    """Every row non-negative and summing to 1: the output of a softmax."""
    return bool(s.ndim == 2 and s.shape[1] >= 2 and np.all(s >= -1e-7)
                and np.allclose(s.sum(axis=1), 1.0, rtol=0, atol=_SUMS_TO_ONE_TOL))


def _outputs_compare(student: Any, expected: Any) -> bool:
    try:
        s = np.asarray(student, dtype=np.float64)
    except Exception:
        return False
    if not isinstance(expected, _OutputTest):
        return False
    return bool(expected.test(s))


def _logits_reference(n_classes: int, batch: int) -> Any:
    # outputs of any other kind (a wrong shape) are left to ex06.build_model.shape
    return _OutputTest("logits", lambda s: not _are_probabilities(s))


def _softmax_output(n_classes: int, batch: int) -> Any:
    return _OutputTest("probabilities", _are_probabilities)


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
# the training loop clears the gradients before each backward()
# ------------------------------------------------------------------------------------------
GRADIENT_PROBE_SIZE = 128  # two mini-batches of 64 per epoch, two epochs: four backward passes


def _gradient_cases() -> list[Case]:
    """Public noise: the probe looks at the gradients, not at what is learnt."""
    rng = np.random.default_rng(6201)
    x = rng.standard_normal((GRADIENT_PROBE_SIZE, 1, 64, 30)).astype(np.float32)
    y = rng.integers(0, 2, size=GRADIENT_PROBE_SIZE).astype(np.int64)
    return [((x, y), {})]


def _gradient_compare(student: Any, expected: Any) -> bool:
    try:
        s = np.asarray(student)
        if s.shape != (2,) or s.dtype.kind not in "iu":
            return False
        return bool(expected.test(s)) if isinstance(expected, _OutputTest) else False
    except Exception:
        return False


def _gradient_reference(x: Any, y: Any) -> Any:
    return _OutputTest("fresh gradients", lambda s: s[1] == 0)


def _never_zeroed(x: Any, y: Any) -> Any:
    return _OutputTest("never zeroed", lambda s: s[0] >= 2 and s[1] == s[0] - 1)


def _rarely_zeroed(x: Any, y: Any) -> Any:
    return _OutputTest("zeroed too rarely", lambda s: 0 < s[1] < s[0] - 1)


register(
    Check(
        id="ex06.train.zero_grad",
        function="train",
        cases=_gradient_cases,
        reference=_gradient_reference,
        misconceptions=(
            Misconception(
                "never zero_grad",
                "your training loop never clears the gradients: PyTorch ADDS each loss.backward() into the "
                "parameters' .grad, so without optimiser.zero_grad() every step follows the sum of all the "
                "gradients so far instead of the current mini-batch's (a model may still learn, but the steps "
                "grow and point the wrong way). Call optimiser.zero_grad() before each loss.backward()",
                _never_zeroed,
            ),
            Misconception(
                "zero_grad too rarely",
                "your training loop clears the gradients only now and then (once per epoch?): between two "
                "zero_grad() calls PyTorch ADDS each loss.backward() into .grad, so the steps follow the sum of "
                "several mini-batches' gradients. Call optimiser.zero_grad() before every loss.backward()",
                _rarely_zeroed,
            ),
        ),
        compare=_gradient_compare,
        forbidden=EX06_FORBIDDEN,
        describe=lambda case: f"train(model, X, y, epochs=2) on {GRADIENT_PROBE_SIZE} clips in mini-batches",
    )
)


# ------------------------------------------------------------------------------------------
# the student's training loop learns
# ------------------------------------------------------------------------------------------
def _train_probe_cases(seed: int) -> list[Case]:
    """1000 training clips and 500 evaluation clips, both from the (secret) ``seed``."""
    x_tr, y_tr = _dataset(TRAIN_PROBE_SIZES[0], _derived(seed, "train"))
    x_ev, _ = _dataset(TRAIN_PROBE_SIZES[1], _derived(seed, "eval"))
    return [((x_tr, y_tr.copy(), x_ev), {})]


def _train_probe_reference(x_train: Any, y_train: Any, x_eval: Any) -> np.ndarray:
    return labels_for(x_eval)


register(
    Check(
        id="ex06.train.learns",
        function="train",
        cases=_train_probe_cases,
        hidden=True,
        reference=_train_probe_reference,
        misconceptions=(
            Misconception(
                "constant prediction",
                f"after train(model, X, y, epochs={TRAIN_PROBE_EPOCHS}) on {TRAIN_PROBE_SIZES[0]} clips, the model "
                "predicts the same class for every clip: it did not learn (is the optimiser stepping? "
                "are the gradients zeroed and the loss computed from the model's output?)",
                lambda *a, **k: _CONSTANT,
            ),
            Misconception(
                "did not learn",
                f"after train(model, X, y, epochs={TRAIN_PROBE_EPOCHS}) on {TRAIN_PROBE_SIZES[0]} clips, a fresh "
                f"model did not learn: accuracy below {TRAIN_PROBE_THRESHOLD:.0%} on other clips "
                "(check the loss, the optimiser step and the learning rate)",
                lambda *a, **k: _BELOW,
            ),
        ),
        compare=accuracy_compare(TRAIN_PROBE_THRESHOLD),
        forbidden=EX06_FORBIDDEN,
        describe=lambda case: f"train(model, X, y, epochs={TRAIN_PROBE_EPOCHS}) on {TRAIN_PROBE_SIZES[0]} clips",
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
            cases=lambda: [((_validation()[0],), {})],
            reference=labels_for,
            misconceptions=_accuracy_misconceptions(t, f"validation set ({VALIDATION_SIZE} clips)"),
            compare=accuracy_compare(t),
            forbidden=EX06_FORBIDDEN,
            describe=lambda case: f"the validation set, accuracy >= {t:.0%}",
        )
    )
    register(
        Check(
            id=f"ex06.accuracy.{threshold_pct}",
            function="model",
            cases=lambda seed: [((_hidden(seed)[0],), {})],
            hidden=True,
            seed_key=HIDDEN_KEY,
            reference=labels_for,
            misconceptions=_accuracy_misconceptions(t, f"hidden test set ({HIDDEN_SIZE} clips)"),
            compare=accuracy_compare(t),
            forbidden=EX06_FORBIDDEN,
            describe=lambda case: f"the hidden test set, accuracy >= {t:.0%}",
        )
    )


for _t in THRESHOLDS:
    _register_accuracy(_t)


def hidden_accuracy(predictions: Any, seed: int) -> float:
    """Accuracy of ``predictions (N,)`` on the hidden test set of ``seed`` (grader side, for reports)."""
    y = _hidden(seed)[1]
    p = _predictions(predictions, y.shape[0])
    return float("nan") if p is None else float(np.mean(p == y))
