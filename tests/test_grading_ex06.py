"""course.grading.exercises.audio_cnn: the checks of the audio CNN exercise, decided from recorded predictions.

The full round trip (release, autograde, feedback) is tests/test_grading_roundtrip.py with the
fixtures in tests/mistakes/ex06_audio_cnn/; here: the comparison and the messages, in-process.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from course.grading.checks import diagnose, get
from course.grading.exercises.audio_cnn import (
    EX06_FORBIDDEN,
    HIDDEN_SIZE,
    THRESHOLDS,
    accuracy_compare,
    predictor,
    shape_probe,
)
from course.grading.static import find_shortcuts


def test_every_threshold_has_a_hidden_and_a_validation_check() -> None:
    assert THRESHOLDS == (65, 70, 75, 80, 85, 90)
    for t in THRESHOLDS:
        assert get(f"ex06.accuracy.{t}").function == "model"
        assert get(f"ex06.accuracy.validation.{t}").forbidden == EX06_FORBIDDEN


def test_accuracy_compare_counts_correct_predictions() -> None:
    labels = np.array([0, 1] * 10)
    pred = labels.copy()
    pred[:3] = 1 - pred[:3]  # 17 of 20 right = 85 %
    assert accuracy_compare(0.85)(pred, labels)
    assert not accuracy_compare(0.90)(pred, labels)
    assert not accuracy_compare(0.5)(pred[:-1], labels)  # wrong length
    assert not accuracy_compare(0.5)(pred.astype(float), labels)  # classes are integers
    assert not accuracy_compare(0.5)("upcall", labels)


def test_hidden_set_is_balanced_so_a_constant_scores_chance() -> None:
    check = get("ex06.accuracy.65")
    ((x,), _), = check.cases()
    labels = check.reference(x)
    assert x.shape == (HIDDEN_SIZE, 1, 64, 30) and labels.mean() == 0.5
    for constant in (0, 1):
        pred = np.full(HIDDEN_SIZE, constant, dtype=np.int64)
        for t in THRESHOLDS:
            assert not get(f"ex06.accuracy.{t}").compare(pred, labels)
        message = diagnose(check, check.cases()[0], pred, labels)
        assert "predicts the same class for every clip" in message


def test_messages_do_not_reveal_hidden_labels() -> None:
    check = get("ex06.accuracy.90")
    case = check.cases()[0]
    labels = check.reference(*case[0])
    pred = labels.copy()
    pred[:200] = 1 - pred[:200]  # 80 %: below 90
    message = diagnose(check, case, pred, labels)
    assert message is not None and "below 90%" in message and "hidden test set" in message
    assert "[" not in message  # no array of labels or predictions in the text
    assert diagnose(get("ex06.accuracy.75"), case, pred, labels) is None


def _conv_model(n_classes: int) -> nn.Module:
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.AdaptiveMaxPool2d(2), nn.Flatten(), nn.Linear(16, n_classes))


class _Constant(nn.Module):
    def __init__(self, n_classes: int) -> None:
        super().__init__()
        self.b = nn.Parameter(torch.zeros(n_classes))
        self.n = n_classes

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.b.expand(x.shape[0], self.n)


@pytest.mark.parametrize(
    "build,expect",
    [
        (_conv_model, None),
        (lambda n: _Constant(n), "your model ignores its input"),
        (lambda n: _conv_model(2), "should use its argument"),
        (lambda n: nn.Sequential(_conv_model(n), nn.Flatten(0)), "must return a 2-D tensor of logits"),
    ],
)
def test_shape_check_diagnoses_models(build, expect: str | None) -> None:
    check = get("ex06.build_model.shape")
    probe = shape_probe(build)
    messages = [diagnose(check, case, probe(*case[0]), check.reference(*case[0])) for case in check.cases()]
    if expect is None:
        assert messages == [None, None, None]
    else:
        assert any(m is not None and expect in m for m in messages), messages


def test_predictor_returns_argmax_classes() -> None:
    torch.manual_seed(0)
    model = _conv_model(3)
    x = np.random.default_rng(0).standard_normal((7, 1, 64, 30)).astype(np.float32)
    with torch.no_grad():
        expected = model(torch.as_tensor(x)).argmax(1).numpy()
    np.testing.assert_array_equal(predictor(model, batch_size=3)(x), expected)
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        predictor("not a model")(x)


def test_scan_catches_a_model_that_reads_the_generator() -> None:
    student = [
        "from course.data import generate_clips\n"
        "def build_model(n_classes):\n"
        "    clips = generate_clips(1000, seed=1)\n"
        "    return clips\n",
        "model = build_model(2)\n",
    ]
    assert find_shortcuts(student, "model", EX06_FORBIDDEN) == ["course.data.generate_clips"]
    honest = ["import torch\nfrom torch import nn\ndef build_model(n_classes):\n    return nn.Linear(3, n_classes)\n",
              "from course.data import load_split\ntrain_clips = load_split('train', 10)\nmodel = build_model(2)\n"]
    assert find_shortcuts(honest, "model", EX06_FORBIDDEN) == []
