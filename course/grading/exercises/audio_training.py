"""Checks of ex06's ``train``: the loop clears the gradients before each ``backward()``
(``ex06.train.zero_grad``) and a fresh model learns (``ex06.train.learns``); ``audio_cnn.py``
describes the whole of ex06's grading.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.grading.checks import Case, Check, Misconception, register
from course.grading.exercises.audio_data import (
    accuracy_compare,
    BELOW,
    CONSTANT,
    dataset,
    derived_seed,
    EX06_FORBIDDEN,
    labels_for,
    OutputTest,
    TRAIN_PROBE_SIZES,
    TRAIN_PROBE_THRESHOLD,
)
from course.grading.probes import TRAIN_PROBE_EPOCHS


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
        return bool(expected.test(s)) if isinstance(expected, OutputTest) else False
    except Exception:
        return False


def _gradient_reference(x: Any, y: Any) -> Any:
    return OutputTest("fresh gradients", lambda s: s[1] == 0)


def _never_zeroed(x: Any, y: Any) -> Any:
    return OutputTest("never zeroed", lambda s: s[0] >= 2 and s[1] == s[0] - 1)


def _rarely_zeroed(x: Any, y: Any) -> Any:
    return OutputTest("zeroed too rarely", lambda s: 0 < s[1] < s[0] - 1)


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
    x_tr, y_tr = dataset(TRAIN_PROBE_SIZES[0], derived_seed(seed, "train"))
    x_ev, _ = dataset(TRAIN_PROBE_SIZES[1], derived_seed(seed, "eval"))
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
                lambda *a, **k: CONSTANT,
            ),
            Misconception(
                "did not learn",
                f"after train(model, X, y, epochs={TRAIN_PROBE_EPOCHS}) on {TRAIN_PROBE_SIZES[0]} clips, a fresh "
                f"model did not learn: accuracy below {TRAIN_PROBE_THRESHOLD:.0%} on other clips "
                "(check the loss, the optimiser step and the learning rate)",
                lambda *a, **k: BELOW,
            ),
        ),
        compare=accuracy_compare(TRAIN_PROBE_THRESHOLD),
        forbidden=EX06_FORBIDDEN,
        describe=lambda case: f"train(model, X, y, epochs={TRAIN_PROBE_EPOCHS}) on {TRAIN_PROBE_SIZES[0]} clips",
    )
)
