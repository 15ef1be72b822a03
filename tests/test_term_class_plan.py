"""The demo term of ``benchmarks/term_class.py`` (run by hand, not here) hands in what it says:
25 distinct students, every case of issue 18's term on each assignment, mistake files that
exist, and students' own code that is correct (checked against the course's references), so the
copier pair can only be told apart by similarity, not by a wrong answer."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import course  # noqa: E402
import term_class as T  # noqa: E402


def test_the_class_has_25_distinct_students_and_every_case() -> None:
    assert len(T.STUDENTS) == len(set(T.STUDENTS)) == 25
    for aid, plan in T.PLAN.items():
        kinds = {what.split(":")[0] for what in plan.values()}
        assert {"mistake", "own", "nothing"} <= kinds and T.LATE[aid], aid
        assert set(plan) <= set(T.STUDENTS) and set(T.LATE[aid]) <= set(T.STUDENTS)
        for what in plan.values():
            if what.startswith("mistake:"):
                assert (T.MISTAKES / aid / f"{what.split(':')[1]}.py").is_file(), what
        assert set(T.OWN[aid]) == {"lopez", "nguyen", "patel"} and T.OWN[aid]["lopez"] != T.OWN[aid]["nguyen"]
    term = {what for plan in T.PLAN.values() for what in plan.values()}
    assert {"renamed", "absent"} <= term  # a notebook under another name; no folder at all
    aid, sid, until = T.EXTENSION
    assert sid in T.LATE[aid] and T.timestamp(aid, sid) < until.replace(" UTC", "")


def _answers(aid: str, sid: str) -> dict:
    ns: dict = {}
    for code in T.OWN[aid][sid]:
        exec(code, ns)  # noqa: S102 - the demo's own answer code
    return ns


@pytest.mark.parametrize("sid", ["lopez", "nguyen", "patel"])
def test_own_code_of_ex03_and_ex04_is_correct(sid: str) -> None:
    rng = np.random.default_rng(0)
    conv, pool = _answers(T.EX03, sid), _answers(T.EX04, sid)
    for _ in range(20):
        c_in, c_out, h, w, kh, kw = rng.integers(1, 4, 6) + [0, 0, 3, 3, 0, 0]
        s, p = int(rng.integers(1, 3)), int(rng.integers(0, 2))
        args = rng.normal(size=(c_in, h, w)), rng.normal(size=(c_out, c_in, kh, kw)), rng.normal(size=c_out), s, p
        np.testing.assert_allclose(conv["conv_layer_forward"](*args), course.conv_layer_forward(*args))
        x = rng.normal(size=(2, h + 2, w + 3))
        size, stride = (int(kh), int(kw)), [None, int(s), (int(s), 1)][_ % 3]
        for name in ("max_pool2d", "avg_pool2d"):
            np.testing.assert_allclose(pool[name](x, size, stride), getattr(course, name)(x, size, stride))
        out = (int(kh), int(kw) + 1)
        np.testing.assert_allclose(pool["adaptive_max_pool2d"](x, out), course.adaptive_max_pool2d(x, out))
    for layer in [(3, 8, 5, True), (3, 8, (3, 2), False), (1, 1, np.int64(2), True)]:
        assert conv["count_conv_parameters"](*layer) == course.count_conv_parameters(*layer)
