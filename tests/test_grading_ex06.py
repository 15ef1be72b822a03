"""course.grading.exercises.audio_cnn: the checks of the audio CNN exercise, decided from recorded predictions.

The full round trip (release, autograde, feedback) is tests/test_grading_roundtrip.py with the
fixtures in tests/mistakes/ex06_audio_cnn/; here: the comparison and the messages, in-process.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from course.grading.checks import get
from course.grading.diagnosis import diagnose
from course.grading.exercises.audio_cnn import (
    EX06_FORBIDDEN,
    HIDDEN_SIZE,
    THRESHOLDS,
    accuracy_compare,
    predictor,
    shape_probe,
)
from course.grading.static import find_shortcuts

SEED = 20_261_205  # the hidden set's seed here (the grader draws it from its secret)


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
    ((x,), _), = check.make_cases(SEED)
    labels = check.reference(x)
    assert x.shape == (HIDDEN_SIZE, 1, 64, 30) and labels.mean() == 0.5
    for constant in (0, 1):
        pred = np.full(HIDDEN_SIZE, constant, dtype=np.int64)
        for t in THRESHOLDS:
            assert not get(f"ex06.accuracy.{t}").compare(pred, labels)
        message = diagnose(check, ((x,), {}), pred, labels)
        assert "predicts the same class for every clip" in message


def test_messages_do_not_reveal_hidden_labels() -> None:
    check = get("ex06.accuracy.90")
    case = check.make_cases(SEED)[0]
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


# --------------------------------------------------------------------------------------------
# a softmax before cross_entropy, and a loop without zero_grad (issue 13): each costs its cell
# --------------------------------------------------------------------------------------------
import json  # noqa: E402
import re  # noqa: E402
from pathlib import Path  # noqa: E402

from course.grading.probes import gradient_probe, output_probe  # noqa: E402
from course.grading.recorder import judge, run_cases  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EX06 = ROOT / "solutions" / "ex06_audio_cnn" / "ex06_audio_cnn.ipynb"


def _solution_namespace() -> dict:
    nb = json.loads(EX06.read_text(encoding="utf-8"))
    ns: dict = {"np": np, "torch": torch, "nn": nn}
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and cell["metadata"].get("nbgrader", {}).get("solution"):
            exec(compile("".join(cell["source"]), "<ex06 solution>", "exec"), ns)
    return ns


def _verdict(check_id: str, fn) -> tuple[bool, str | None]:
    check = get(check_id)
    ok, message, _ = judge(check, run_cases(check, fn))
    return ok, message


def _with_fixture(name: str) -> tuple[dict, str]:
    path = ROOT / "tests" / "mistakes" / "ex06_audio_cnn" / f"{name}.py"
    ns = _solution_namespace()
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), ns)
    return ns, ns["EXPECT"]


def test_solution_passes_the_logits_and_gradient_checks() -> None:
    ns = _solution_namespace()
    assert _verdict("ex06.build_model.logits", output_probe(ns["build_model"])) == (True, None)
    assert _verdict("ex06.train.zero_grad", gradient_probe(ns["build_model"], ns["train"])) == (True, None)


def test_softmax_model_loses_the_build_model_cell_with_its_reason() -> None:
    ns, expect = _with_fixture("softmax_before_cross_entropy")
    # its shapes are right: only the logits check fails
    assert _verdict("ex06.build_model.shape", shape_probe(ns["build_model"])) == (True, None)
    ok, message = _verdict("ex06.build_model.logits", output_probe(ns["build_model"]))
    assert not ok and message.startswith(expect) and "cross_entropy" in message and "applied twice" in message
    assert "remove the final nn.Softmax" in message


def test_loop_without_zero_grad_loses_the_train_cell_with_its_reason() -> None:
    ns, expect = _with_fixture("train_no_zero_grad")
    # 128 clips in mini-batches of 64 for 2 epochs: 4 backward passes, the last 3 find old gradients
    assert gradient_probe(ns["build_model"], ns["train"])(*get("ex06.train.zero_grad").cases()[0][0]).tolist() == [4, 3]
    ok, message = _verdict("ex06.train.zero_grad", gradient_probe(ns["build_model"], ns["train"]))
    assert not ok and message.startswith(expect) and "zero_grad() before each loss.backward()" in message


def _loop(where: str):
    def train(model, X, y, epochs=5, batch_size=64, lr=3e-3):
        X, y = torch.as_tensor(np.asarray(X, dtype=np.float32)), torch.as_tensor(np.asarray(y)).long()
        opt = torch.optim.Adam(model.parameters(), lr=lr)
        for _ in range(epochs):
            if where == "epoch":
                opt.zero_grad()
            for i in range(0, len(X), batch_size):
                loss = nn.functional.cross_entropy(model(X[i:i + batch_size]), y[i:i + batch_size])
                if where == "before":
                    model.zero_grad(set_to_none=False)  # zeros instead of None: cleared too
                loss.backward()
                opt.step()
                if where == "after":
                    opt.zero_grad()
        return model

    return train


def test_gradient_check_tells_rare_zeroing_from_never_and_accepts_other_clearing_orders() -> None:
    build = _conv_model
    assert _verdict("ex06.train.zero_grad", gradient_probe(build, _loop("before"))) == (True, None)
    assert _verdict("ex06.train.zero_grad", gradient_probe(build, _loop("after"))) == (True, None)
    # once per epoch: of 4 passes, the 2nd and 4th find the 1st and 3rd's gradients
    assert gradient_probe(build, _loop("epoch"))(*get("ex06.train.zero_grad").cases()[0][0]).tolist() == [4, 2]
    ok, message = _verdict("ex06.train.zero_grad", gradient_probe(build, _loop("epoch")))
    assert not ok and message.startswith("your training loop clears the gradients only now and then")


def test_a_sigmoid_or_log_softmax_output_is_not_called_a_softmax() -> None:
    """Log-probabilities are fine with cross_entropy; a sigmoid's rows do not sum to 1."""
    for last in (nn.LogSoftmax(dim=1), nn.Sigmoid()):
        ok, message = _verdict("ex06.build_model.logits", output_probe(lambda n, last=last: nn.Sequential(_conv_model(n), last)))
        assert ok, message


def test_hidden_accuracy_messages_name_the_hidden_test_set() -> None:
    for t in THRESHOLDS:
        for m in get(f"ex06.accuracy.{t}").misconceptions:
            assert "hidden test set" in m.message and "validation" not in m.message
    nb = json.loads(EX06.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["metadata"].get("nbgrader", {}).get("grade_id", "").startswith("test-accuracy-"):
            # at grading time the hidden check is decided first: its message is the cell's reason
            ids = re.findall(r'record\("([^"]+)"', source)
            assert len(ids) == 2 and not ids[0].startswith("ex06.accuracy.validation.") and ids[1].startswith(
                "ex06.accuracy.validation."), ids


def test_train_cell_checks_the_gradients_first() -> None:
    """A loop without zero_grad may also fail to learn: the cell's reason is the specific one."""
    nb = json.loads(EX06.read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "test-train")
    assert re.findall(r'record\("([^"]+)"', "".join(cell["source"])) == ["ex06.train.zero_grad", "ex06.train.learns"]
    cell = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "test-build-model")
    assert re.findall(r'record\("([^"]+)"', "".join(cell["source"])) == ["ex06.build_model.shape", "ex06.build_model.logits"]
