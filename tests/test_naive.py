"""Loop versions (course.naive) against the vectorised ones (course) and the references."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import course
import course.naive as naive

SETTINGS = settings(max_examples=40, deadline=None)
MODES = ("full", "same", "valid")


@SETTINGS
@given(st.integers(1, 9), st.integers(1, 9), st.sampled_from(MODES), st.integers(0, 2**32 - 1))
def test_1d_loops_match_numpy(n: int, k: int, mode: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x, w = rng.normal(size=n), rng.normal(size=k)
    np.testing.assert_allclose(naive.convolve1d(x, w, mode), np.convolve(x, w, mode), atol=1e-12)
    np.testing.assert_allclose(naive.correlate1d(x, w, mode), np.correlate(x, w, mode), atol=1e-12)
    np.testing.assert_allclose(naive.convolve1d(x, w, mode), course.convolve1d(x, w, mode), atol=1e-12)


def test_1d_loops_integer_and_complex() -> None:
    x, w = np.array([1, 2, 3, 4]), np.array([1, -1, 2])
    for mode in MODES:
        assert naive.convolve1d(x, w, mode).dtype == np.convolve(x, w, mode).dtype
        np.testing.assert_array_equal(naive.correlate1d(x, w, mode), np.correlate(x, w, mode))
    xc, wc = x + 1j * x[::-1], w - 2j
    np.testing.assert_allclose(naive.correlate1d(xc, wc, "full"), np.correlate(xc, wc, "full"))
    np.testing.assert_allclose(naive.correlate1d(wc, xc, "same"), np.correlate(wc, xc, "same"))


@SETTINGS
@given(
    st.integers(3, 9), st.integers(3, 9), st.integers(1, 3), st.integers(1, 3),
    st.integers(1, 3), st.integers(0, 2), st.integers(0, 2**32 - 1),
)
def test_2d_loops_match_vectorised_and_torch(h: int, w: int, kh: int, kw: int, s: int, p: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x, k = rng.normal(size=(h, w)), rng.normal(size=(kh, kw))
    np.testing.assert_allclose(naive.correlate2d(x, k, s, p), course.correlate2d(x, k, s, p), atol=1e-12)
    np.testing.assert_allclose(naive.convolve2d(x, k, s, p), course.convolve2d(x, k, s, p), atol=1e-12)
    want = F.conv2d(torch.tensor(x)[None, None], torch.tensor(k)[None, None], stride=s, padding=p)[0, 0].numpy()
    np.testing.assert_allclose(naive.correlate2d(x, k, s, p), want, atol=1e-12)


def test_lecture_example_with_loops() -> None:
    x = np.array([[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]])
    k = np.array([[0, 1, 2], [2, 2, 0], [0, 1, 2]])
    np.testing.assert_array_equal(naive.correlate2d(x, k), [[12, 12, 17], [10, 17, 19], [9, 6, 14]])


@SETTINGS
@given(
    st.integers(1, 2), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3),
    st.tuples(st.integers(1, 2), st.integers(1, 2)), st.tuples(st.integers(0, 1), st.integers(0, 1)),
    st.tuples(st.integers(1, 2), st.integers(1, 2)), st.integers(0, 2**32 - 1),
)
def test_layer_loops_match_vectorised(n: int, c_in: int, c_out: int, kh: int, kw: int, s: tuple, p: tuple, d: tuple, seed: int) -> None:
    rng = np.random.default_rng(seed)
    h, w = int(rng.integers(d[0] * (kh - 1) + 1, 9)), int(rng.integers(d[1] * (kw - 1) + 1, 9))
    x, weight, bias = rng.normal(size=(n, c_in, h, w)), rng.normal(size=(c_out, c_in, kh, kw)), rng.normal(size=c_out)
    np.testing.assert_allclose(naive.conv2d(x, weight, bias, s, p, d), course.conv2d(x, weight, bias, s, p, d), atol=1e-10)
    np.testing.assert_allclose(naive.conv2d(x[0], weight, None, s, p, d), course.conv2d(x[0], weight, None, s, p, d), atol=1e-10)
    np.testing.assert_allclose(
        naive.conv_layer_forward(x[0], weight, bias, s, p), course.conv_layer_forward(x[0], weight, bias, s, p), atol=1e-10
    )
    x1, w1 = x[:, :, 0, :], weight[:, :, 0, :]
    np.testing.assert_allclose(
        naive.conv1d(x1, w1, bias, s[1], p[1], d[1]), course.conv1d(x1, w1, bias, s[1], p[1], d[1]), atol=1e-10
    )


def test_layer_loops_integer_input() -> None:
    rng = np.random.default_rng(5)
    x, w = rng.integers(-4, 5, size=(2, 2, 5, 5)), rng.integers(-2, 3, size=(3, 2, 2, 2))
    got = naive.conv2d(x, w, np.array([1, 2, 3]), padding=1)
    assert got.dtype.kind == "i"
    np.testing.assert_array_equal(got, course.conv2d(x, w, np.array([1, 2, 3]), padding=1))


@SETTINGS
@given(
    st.sampled_from([(), (2,), (2, 2)]), st.integers(2, 10), st.integers(2, 10), st.integers(1, 3), st.integers(1, 3),
    st.one_of(st.none(), st.integers(1, 3)), st.integers(0, 2**32 - 1),
)
def test_pool_loops_match_vectorised(lead: tuple, h: int, w: int, kh: int, kw: int, stride, seed: int) -> None:  # noqa: ANN001
    x = np.random.default_rng(seed).normal(size=(*lead, h + kh, w + kw))
    pad = (kh // 2, kw // 2)
    for name in ("max_pool2d", "avg_pool2d"):
        np.testing.assert_allclose(
            getattr(naive, name)(x, (kh, kw), stride, pad), getattr(course, name)(x, (kh, kw), stride, pad), atol=1e-12
        )
    for name in ("adaptive_max_pool2d", "adaptive_avg_pool2d"):
        np.testing.assert_allclose(getattr(naive, name)(x, (kh + 1, kw)), getattr(course, name)(x, (kh + 1, kw)), atol=1e-12)


@SETTINGS
@given(st.lists(st.tuples(st.integers(1, 6), st.integers(1, 4), st.integers(1, 3)), max_size=6))
def test_receptive_loop_matches_closed_form(layers: list) -> None:
    assert naive.receptive_field(layers) == course.receptive_field(layers)


# ---------------------------------------------------------------- same errors, word for word
BAD_CALLS = [
    ("convolve1d", ([1, 2], [1], "middle"), ValueError),
    ("correlate1d", ([[1, 2]], [1]), ValueError),
    ("correlate1d", ([1, 2], []), ValueError),
    ("correlate2d", (np.ones((3, 3)), np.ones((4, 4))), ValueError),
    ("convolve2d", (np.ones((3, 3)), np.ones((2, 2)), 0), ValueError),
    ("convolve2d", (np.full((3, 3), "a"), np.ones((2, 2))), TypeError),
    ("conv2d", (np.ones((1, 2, 5, 5)), np.ones((1, 3, 3, 3))), ValueError),
    ("conv2d", (np.ones((1, 3, 5, 5)), np.ones((2, 3, 3, 3)), np.ones(3)), ValueError),
    ("conv2d", (np.ones((1, 3, 5, 5)), np.ones((2, 3, 3, 3)), None, 1, -1), ValueError),
    ("conv1d", (np.ones((1, 3, 5)), np.ones((2, 3, 3)), None, 1, 0, 3), ValueError),
    ("conv_layer_forward", (np.ones((3, 5)), np.ones((2, 3, 3, 3)), None), ValueError),
    ("max_pool2d", (np.ones((4, 4)), 5), ValueError),
    ("avg_pool2d", (np.ones((4, 4)), 2, 0), ValueError),
    ("adaptive_max_pool2d", (np.ones(4), 2), ValueError),
    ("adaptive_avg_pool2d", (np.ones((4, 4)), (2, 0)), ValueError),
    ("receptive_field", ([(3, 0)],), ValueError),
    ("receptive_field", ([(3,)],), TypeError),
]


@pytest.mark.parametrize(("name", "args", "error"), BAD_CALLS, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(BAD_CALLS)])
def test_loop_versions_raise_the_same_errors(name: str, args: tuple, error: type) -> None:
    with pytest.raises(error) as fast:
        getattr(course, name)(*args)
    with pytest.raises(error, match=re.escape(str(fast.value))):
        getattr(naive, name)(*args)
