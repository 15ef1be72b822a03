"""Checks, diagnosis and the recorder (no kernel, no nbgrader): fast unit tests."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.grading import Check, Misconception, all_checks, diagnose, get, register
from course.grading.checks import default_compare
from course.grading.recorder import Unencodable, decode, encode, judge, run_cases

EX01 = [cid for cid in all_checks() if cid.startswith("ex01.")]


def _numpy_twin(check: Check):
    ref = np.convolve if check.function == "convolve1d" else np.correlate
    default = "full" if check.function == "convolve1d" else "valid"

    def fn(x, w, mode=default):
        return ref(x, w, mode)

    return fn


def test_ex01_registers_every_function_and_mode_visible_and_hidden() -> None:
    expected = {f"ex01.{f}.{m}{h}" for f in ("convolve1d", "correlate1d") for m in ("full", "same", "valid") for h in ("", ".hidden")}
    assert expected <= set(all_checks())


SEED = 20_261_205  # the hidden checks' cases here (the grader draws them from its secret)


@pytest.mark.parametrize("check_id", EX01)
def test_numpy_passes_every_ex01_check(check_id: str) -> None:
    check = get(check_id)
    cases = check.make_cases(SEED)
    ok, message, n_ok = judge(check, run_cases(check, _numpy_twin(check), cases), cases)
    assert (ok, message) == (True, None)
    assert n_ok == len(cases)


@pytest.mark.parametrize("check_id", EX01)
def test_cases_are_deterministic(check_id: str) -> None:
    check = get(check_id)
    first, second = check.make_cases(SEED), check.make_cases(SEED)
    assert len(first) == len(second)
    for (a1, k1), (a2, k2) in zip(first, second):
        assert k1 == k2
        for x, y in zip(a1, a2):
            np.testing.assert_array_equal(x, y)
            assert np.asarray(x).dtype == np.asarray(y).dtype


def test_hidden_cases_cover_long_kernels_integers_floats_and_default_mode() -> None:
    cases = get("ex01.convolve1d.full.hidden").make_cases(SEED)
    assert len(cases) >= 30
    assert any(len(a[1]) > len(a[0]) for a, _ in cases)
    kinds = {(np.asarray(a[0]).dtype.kind, np.asarray(a[1]).dtype.kind) for a, _ in cases}
    assert {("i", "i"), ("i", "f"), ("f", "i"), ("f", "f")} <= kinds
    assert any(k == {} for _, k in cases)
    correlate = get("ex01.correlate1d.valid.hidden").make_cases(SEED)
    assert all(len(a[1]) <= len(a[0]) for a, _ in correlate)


def test_no_flip_is_named() -> None:
    check = get("ex01.convolve1d.full")
    x, w = np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5])
    message = diagnose(check, ((x, w), {"mode": "full"}), np.convolve(x, w[::-1]), np.convolve(x, w))
    assert message == ("your convolve1d equals cross-correlation: the kernel must be flipped "
                       "(y[t] = sum over a of x[a] * w[t - a])")


def test_shape_problem_comes_first_with_the_mode() -> None:
    check = get("ex01.convolve1d.full")
    x, w = np.arange(5.0), np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    message = diagnose(check, ((x, w), {"mode": "full"}), np.zeros(8), np.convolve(x, w))
    assert message == "your output has length 8, expected 9 for mode='full'"


def test_same_not_centred_is_named() -> None:
    check = get("ex01.convolve1d.same")
    x, w = np.arange(1.0, 8.0), np.array([1.0, -2.0, 0.5, 4.0])
    wrong = np.convolve(x, w)[: len(x)]
    assert diagnose(check, ((x, w), {"mode": "same"}), wrong, np.convolve(x, w, "same")).startswith(
        "mode='same' must be centred")


def test_integer_truncation_is_named() -> None:
    check = get("ex01.convolve1d.full")
    x, w = np.array([1, 2, 3]), np.array([0.5, 0.25])
    expected = np.convolve(x, w)
    message = diagnose(check, ((x, w), {"mode": "full"}), expected.astype(int), expected)
    assert "truncates to integers" in message


def test_generic_message_names_the_first_wrong_value() -> None:
    check = get("ex01.correlate1d.valid")
    x, w = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 1.0])
    got = np.array([3.0, 5.0, 8.0])
    message = diagnose(check, ((x, w), {"mode": "valid"}), got, np.correlate(x, w, "valid"))
    assert "your output differs first at index 2 for mode='valid': you return 8.0, expected 7.0 (1 of 3 values wrong" in message


def test_right_answer_has_no_diagnosis() -> None:
    check = get("ex01.convolve1d.valid")
    x, w = np.arange(6.0), np.array([1.0, 2.0])
    assert diagnose(check, ((x, w), {"mode": "valid"}), np.convolve(x, w, "valid"), np.convolve(x, w, "valid")) is None


def test_not_implemented_and_exceptions_are_reported_per_case() -> None:
    check = get("ex01.convolve1d.full")

    def stub(x, w, mode="full"):
        raise NotImplementedError()

    ok, message, n_ok = judge(check, run_cases(check, stub))
    assert not ok and n_ok == 0
    assert message.startswith("convolve1d is not implemented yet: convolve1d(x: array of 3 values, w: array of 3 values, mode='full') raised")


def test_outputs_for_other_inputs_fail() -> None:
    """A recorder that ran on other inputs (a tampered kernel) cannot pass: the grader
    recomputes its own cases and references."""
    check = get("ex01.convolve1d.full.hidden")
    cases = check.make_cases(SEED)
    other = [{"ok": True, "value": encode(np.convolve(np.ones(3), np.ones(2)))} for _ in cases]
    ok, _, _ = judge(check, other, cases)
    assert not ok
    assert not judge(check, other[:-1], cases)[0]  # wrong number of outputs
    assert not judge(check, "garbage", cases)[0]  # type: ignore[arg-type]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True, width=32), max_size=20),
       st.sampled_from(["<f8", "<f4", "<i8", "<i4", "|u1", "<c16"]))
def test_encode_decode_is_exact(values: list[float], dtype: str) -> None:
    arr = np.array(values, dtype=np.float64)
    if np.dtype(dtype).kind in "iu":
        arr = np.nan_to_num(arr, nan=0.0, posinf=0.0, neginf=0.0).clip(0, 100)
    arr = arr.astype(dtype)
    back = decode(encode(arr))
    assert back.dtype == arr.dtype and back.shape == arr.shape
    np.testing.assert_array_equal(back, arr)


@pytest.mark.parametrize("value", [7, 2.5, np.int64(3), np.float32(1.5), True, np.arange(6).reshape(2, 3).T, [1, 2]])
def test_encode_keeps_scalars_and_shapes(value) -> None:
    back = decode(encode(value))
    assert back.shape == np.shape(value)
    np.testing.assert_array_equal(back, np.asarray(value))


def test_decode_rejects_malformed_payloads() -> None:
    good = encode(np.arange(3.0))
    assert isinstance(decode({**good, "dtype": "O"}), Unencodable)
    assert isinstance(decode({**good, "shape": [4]}), Unencodable)
    assert isinstance(decode({**good, "data": "!!!"}), Unencodable)
    assert isinstance(decode("nope"), Unencodable)
    assert isinstance(decode(encode(object())), Unencodable)
    assert not default_compare(decode(encode("text")), np.arange(3))


def test_register_and_get_custom_check() -> None:
    check = register(Check(id="test.square.basic", function="square", cases=lambda: [((np.arange(4),), {})],
                           reference=lambda x: x ** 2,
                           misconceptions=(Misconception("double", "you doubled instead of squaring", lambda x: 2 * x),)))
    assert get("test.square.basic") is check
    assert judge(check, run_cases(check, lambda x: 2 * x))[1] == "you doubled instead of squaring"
    with pytest.raises(KeyError, match="no check with id 'test.nothing'"):
        get("test.nothing")
    with pytest.raises(TypeError, match="expects a Check"):
        register("not a check")  # type: ignore[arg-type]
