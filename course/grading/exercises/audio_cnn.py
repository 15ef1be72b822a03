"""Checks of ex06_audio_cnn: ``build_model(n_classes)`` and ``train(model, X, y, epochs=...)``.

The student builds a ``torch.nn.Module`` for spectrograms ``(N, 1, 64, 30)`` (from
``course.audio.features``) and trains it in the notebook. Nothing is decided in the student's
kernel: test cells record *predictions for inputs* with :func:`course.grading.record`, and the
grader recomputes the inputs and the labels from seeds in its own process.

Checks (one graded cell each; a cell scores all its points when its checks pass):

``ex06.build_model.shape`` (2 points)
    ``build_model(n)`` for n = 2 and 3 on batches of 1 and 5 random spectrograms: the probe
    records ``(batch, n_outputs, depends_on_input)``; expected ``(N, n, 1)``. A model whose
    logits do not change with the input (a constant predictor) fails here.
``ex06.train.learns`` (2 points)
    A fresh ``build_model(2)`` (``torch.manual_seed(0)``) trained by the student's
    ``train(model, X, y, epochs=4)`` on 1000 clips (seed 6101) must reach >= 75 % on 500 other
    clips (seed 6102). The reference CNN reaches about 93 % there (1 s of training).
``ex06.accuracy.<T>`` for T in 65, 70, 75, 80, 85, 90 (1 point each, hidden)
    The notebook's trained ``model`` predicts the classes of a **hidden test set** of 1000
    balanced clips, generated at grading time from ``HIDDEN_SEED`` (a seed that is in the
    grader's package, not in the release). Each cell passes when the accuracy is >= T %.
    So the 6 accuracy points grow with the accuracy in 5-point steps: 0 points below 65 %
    (chance is 50 % on the balanced set; with 1000 clips a guessing model's accuracy has a
    standard deviation of 1.6 %, so 65 % is 9 standard deviations above chance) and full marks
    from 90 % (the reference CNN reaches 96-99 % with the notebook's small training budget,
    and the band-energy baseline, which knows where upcalls are but not their shape, stays
    near 60 %: 90 % can only be reached by a model that learned the shape of the upcall).
    The visible part of each cell runs the same threshold on the course's validation split.

Why predictions cannot leak labels: the recorded thing is the model's predicted class for each
hidden input; the labels are computed by the grader from the seed in its own process, and the
messages never show them. Reaching the data generator (``course.data``), the reference models
(``course.audio_models``, ``course.models``) or the grading package from ``build_model``, the
trained ``model`` or ``train`` is forbidden (checked by the no-shortcut scan); patching course
modules or touching ``course.grading`` is caught by the tampering scan.

Kernel-side helpers used by the test cells: :func:`shape_probe`, :func:`train_probe`,
:func:`predictor`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from course.grading.checks import Case, Check, Misconception, register

HIDDEN_SEED = 97_531_864  # the hidden test set's seed; not in the released notebook
HIDDEN_SIZE = 1000
VALIDATION_SIZE = 500
TRAIN_PROBE_SEEDS = (6101, 6102)  # train / evaluate the student's train() on these
TRAIN_PROBE_SIZES = (1000, 500)
TRAIN_PROBE_EPOCHS = 4
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
# data (cached per process: the kernel and the grader each generate it once)
# ------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=8)
def _dataset(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(features (N, 1, 64, 30) float32, labels (N,) int64)`` of ``n`` clips from ``seed``."""
    from course.audio import features
    from course.data import generate_clips

    clips = generate_clips(n, seed=seed)
    x = features(clips.audio)
    x.setflags(write=False)
    y = clips.labels.copy()
    y.setflags(write=False)
    return x, y


def _validation() -> tuple[np.ndarray, np.ndarray]:
    from course.data import SPLIT_SEEDS

    return _dataset(VALIDATION_SIZE, SPLIT_SEEDS["validation"])


def _hidden() -> tuple[np.ndarray, np.ndarray]:
    return _dataset(HIDDEN_SIZE, HIDDEN_SEED)


# ------------------------------------------------------------------------------------------
# kernel-side probes (called in test cells, never trusted by the grader)
# ------------------------------------------------------------------------------------------
def _model_device(model: Any) -> Any:
    try:
        return next(model.parameters()).device
    except (StopIteration, AttributeError):
        return "cpu"


def predictor(model: Any, batch_size: int = 250) -> Callable[[np.ndarray], np.ndarray]:
    """``X (N, 1, F, T) -> predicted classes (N,) int64`` for a trained ``torch.nn.Module``."""

    def predict(x: np.ndarray) -> np.ndarray:
        import torch

        if not isinstance(model, torch.nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        dev = _model_device(model)
        model.eval()
        out = []
        with torch.no_grad():
            for i in range(0, x.shape[0], batch_size):
                logits = model(torch.as_tensor(np.array(x[i : i + batch_size]), device=dev))
                if logits.ndim != 2 or logits.shape[0] != min(batch_size, x.shape[0] - i):
                    raise ValueError(f"the model must return logits of shape (N, n_classes), got {tuple(logits.shape)}")
                out.append(logits.argmax(dim=1).cpu())
        return torch.cat(out).numpy().astype(np.int64)

    return predict


def shape_probe(build_model: Callable[[int], Any]) -> Callable[[int, int], np.ndarray]:
    """``(n_classes, batch) -> [batch_out, n_outputs, depends_on_input]`` for ``build_model``."""

    def probe(n_classes: int, batch: int) -> np.ndarray:
        import torch

        torch.manual_seed(0)
        model = build_model(n_classes)
        if not isinstance(model, torch.nn.Module):
            raise TypeError(f"build_model must return a torch.nn.Module, got {type(model).__name__}")
        model.eval()
        gen = torch.Generator().manual_seed(batch)
        x = torch.randn(batch, 1, 64, 30, generator=gen)
        dev = _model_device(model)
        with torch.no_grad():
            out = model(x.to(dev)).detach().cpu()
            other = model((x.flip(-1) * 2.0 + 0.5).to(dev)).detach().cpu()
        depends = int(out.shape == other.shape and not torch.allclose(out, other))
        if out.ndim != 2:  # not (N, n_classes): record -1 for the class axis
            return np.array([out.shape[0] if out.ndim else -1, -1, depends], dtype=np.int64)
        return np.array([out.shape[0], out.shape[1], depends], dtype=np.int64)

    return probe


def train_probe(build_model: Callable[[int], Any], train: Callable[..., Any]) -> Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
    """``(X_train, y_train, X_eval) -> predictions``: a fresh model trained by the student's loop."""

    def probe(x_train: np.ndarray, y_train: np.ndarray, x_eval: np.ndarray) -> np.ndarray:
        import torch

        torch.manual_seed(0)
        model = build_model(2)
        result = train(model, x_train, y_train, epochs=TRAIN_PROBE_EPOCHS)
        if isinstance(result, torch.nn.Module):  # train may return the model
            model = result
        return predictor(model)(x_eval)

    return probe


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
# the student's training loop learns
# ------------------------------------------------------------------------------------------
def _train_probe_cases() -> list[Case]:
    x_tr, y_tr = _dataset(TRAIN_PROBE_SIZES[0], TRAIN_PROBE_SEEDS[0])
    x_ev, _ = _dataset(TRAIN_PROBE_SIZES[1], TRAIN_PROBE_SEEDS[1])
    return [((x_tr, y_tr, x_ev), {})]


def _train_probe_reference(x_train: Any, y_train: Any, x_eval: Any) -> np.ndarray:
    return _dataset(TRAIN_PROBE_SIZES[1], TRAIN_PROBE_SEEDS[1])[1].copy()


register(
    Check(
        id="ex06.train.learns",
        function="train",
        cases=_train_probe_cases,
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
            reference=lambda x: _validation()[1].copy(),
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
            cases=lambda: [((_hidden()[0],), {})],
            reference=lambda x: _hidden()[1].copy(),
            misconceptions=_accuracy_misconceptions(t, f"hidden test set ({HIDDEN_SIZE} clips)"),
            compare=accuracy_compare(t),
            forbidden=EX06_FORBIDDEN,
            describe=lambda case: f"the hidden test set, accuracy >= {t:.0%}",
        )
    )


for _t in THRESHOLDS:
    _register_accuracy(_t)


def hidden_accuracy(predictions: Any) -> float:
    """Accuracy of ``predictions (N,)`` on the hidden test set (grader side, for reports)."""
    y = _hidden()[1]
    p = _predictions(predictions, y.shape[0])
    return float("nan") if p is None else float(np.mean(p == y))
