"""course.layers against torch.nn.functional, hand-worked values, properties and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from course import conv1d, conv2d, conv_layer_forward, correlate2d, count_conv_parameters

SETTINGS = settings(max_examples=50, deadline=None)


def _torch_conv2d(x, w, b=None, stride=1, padding=0, dilation=1) -> np.ndarray:  # noqa: ANN001
    t = lambda a: None if a is None else torch.as_tensor(np.asarray(a, dtype=np.float64))  # noqa: E731
    return F.conv2d(t(x), t(w), t(b), stride, padding, dilation).numpy()


@st.composite
def conv2d_cases(draw: st.DrawFn) -> tuple:
    """Random shapes, non-square kernels, stride/padding/dilation as ints or pairs."""
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    dil = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    pad = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    h = draw(st.integers(max(1, dil[0] * (kh - 1) + 1 - 2 * pad[0]), 12))
    w = draw(st.integers(max(1, dil[1] * (kw - 1) + 1 - 2 * pad[1]), 12))
    n, c_in, c_out = draw(st.integers(1, 3)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**32 - 1))
    as_int = draw(st.booleans())
    pick = lambda pair: pair[0] if as_int and pair[0] == pair[1] else pair  # noqa: E731
    return (n, c_in, c_out, h, w, kh, kw), pick(stride), pick(pad), pick(dil), seed


# ---------------------------------------------------------------- conv2d
@SETTINGS
@given(conv2d_cases(), st.booleans())
def test_conv2d_matches_torch(case: tuple, with_bias: bool) -> None:
    (n, c_in, c_out, h, w, kh, kw), stride, pad, dil, seed = case
    rng = np.random.default_rng(seed)
    x, weight = rng.normal(size=(n, c_in, h, w)), rng.normal(size=(c_out, c_in, kh, kw))
    bias = rng.normal(size=c_out) if with_bias else None
    got = conv2d(x, weight, bias, stride, pad, dil)
    want = _torch_conv2d(x, weight, bias, stride, pad, dil)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, atol=1e-10)


def test_conv2d_float32_stays_float32_and_matches_torch() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 16, 20, 24)).astype(np.float32)
    w = rng.normal(size=(8, 16, 3, 5)).astype(np.float32)
    b = rng.normal(size=8).astype(np.float32)
    got = conv2d(x, w, b, stride=(1, 2), padding=(1, 2))
    assert got.dtype == np.float32
    want = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), (1, 2), (1, 2)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_conv2d_large_map_is_split_into_row_blocks() -> None:
    # 1 x 3 x 300 x 301 with a 5x5 kernel: one image's im2col matrix is too big for one block
    rng = np.random.default_rng(1)
    x, w = rng.normal(size=(1, 3, 300, 301)), rng.normal(size=(2, 3, 5, 5))
    np.testing.assert_allclose(conv2d(x, w, padding=2), _torch_conv2d(x, w, padding=2), atol=1e-9)


def test_conv2d_integer_input_gives_exact_integers() -> None:
    rng = np.random.default_rng(2)
    x, w = rng.integers(-5, 6, size=(2, 3, 7, 6)), rng.integers(-3, 4, size=(4, 3, 2, 3))
    b = np.array([1, -2, 0, 5])
    got = conv2d(x, w, b, padding=1)
    assert got.dtype.kind == "i"
    np.testing.assert_array_equal(got, np.rint(_torch_conv2d(x, w, b, padding=1)).astype(int))


def test_conv2d_unbatched_input() -> None:
    rng = np.random.default_rng(3)
    x, w = rng.normal(size=(2, 6, 6)), rng.normal(size=(3, 2, 3, 3))
    np.testing.assert_allclose(conv2d(x, w), _torch_conv2d(x[None], w)[0], atol=1e-10)


def test_conv2d_hand_worked_lecture_example() -> None:
    x = np.array([[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]])
    k = np.array([[0, 1, 2], [2, 2, 0], [0, 1, 2]])
    got = conv2d(x[None, None], k[None, None], np.array([1]))
    np.testing.assert_array_equal(got[0, 0], np.array([[12, 12, 17], [10, 17, 19], [9, 6, 14]]) + 1)


@SETTINGS
@given(conv2d_cases(), st.floats(-2, 2))
def test_conv2d_is_linear_in_the_input(case: tuple, a: float) -> None:
    (n, c_in, c_out, h, w, kh, kw), stride, pad, dil, seed = case
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=(2, n, c_in, h, w))
    weight = rng.normal(size=(c_out, c_in, kh, kw))
    np.testing.assert_allclose(
        conv2d(a * x1 + x2, weight, None, stride, pad, dil),
        a * conv2d(x1, weight, None, stride, pad, dil) + conv2d(x2, weight, None, stride, pad, dil),
        atol=1e-9,
    )


# ---------------------------------------------------------------- conv1d
@SETTINGS
@given(
    st.integers(1, 3), st.integers(1, 4), st.integers(1, 4), st.integers(1, 5),
    st.integers(1, 3), st.integers(0, 3), st.integers(1, 3), st.integers(0, 2**32 - 1), st.booleans(),
)
def test_conv1d_matches_torch(n: int, c_in: int, c_out: int, k: int, stride: int, pad: int, dil: int, seed: int, with_bias: bool) -> None:
    rng = np.random.default_rng(seed)
    length = int(rng.integers(max(1, dil * (k - 1) + 1 - 2 * pad), 30))
    x, w = rng.normal(size=(n, c_in, length)), rng.normal(size=(c_out, c_in, k))
    b = rng.normal(size=c_out) if with_bias else None
    want = F.conv1d(torch.tensor(x), torch.tensor(w), None if b is None else torch.tensor(b), stride, pad, dil).numpy()
    np.testing.assert_allclose(conv1d(x, w, b, stride, pad, dil), want, atol=1e-10)
    np.testing.assert_allclose(conv1d(x[0], w, b, (stride,), (pad,), (dil,)), want[0], atol=1e-10)


def test_conv1d_framed_audio_float32() -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(size=(8, 40, 200)).astype(np.float32)  # 8 clips, 40 mel bands, 200 frames
    w = rng.normal(size=(64, 40, 5)).astype(np.float32)
    got = conv1d(x, w, stride=2, padding=2)
    assert got.dtype == np.float32 and got.shape == (8, 64, 100)
    want = F.conv1d(torch.from_numpy(x), torch.from_numpy(w), stride=2, padding=2).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


# ---------------------------------------------------------------- conv_layer_forward
@SETTINGS
@given(conv2d_cases(), st.booleans())
def test_conv_layer_forward_matches_torch_and_the_slide_sum(case: tuple, with_bias: bool) -> None:
    (_, c_in, c_out, h, w, kh, kw), stride, pad, dil, seed = case
    if dil not in (1, (1, 1)):  # conv_layer_forward has no dilation; make the kernel fit instead
        h, w = h + 2 * kh, w + 2 * kw
    rng = np.random.default_rng(seed)
    x, weight = rng.normal(size=(c_in, h, w)), rng.normal(size=(c_out, c_in, kh, kw))
    bias = rng.normal(size=c_out) if with_bias else None
    got = conv_layer_forward(x, weight, bias, stride, pad)
    np.testing.assert_allclose(got, _torch_conv2d(x[None], weight, bias, stride, pad)[0], atol=1e-10)
    # the lecture's formula: fout(i) = b(i) + sum_j fout(j) * f(i, j)
    for i in range(c_out):
        slide = sum(correlate2d(x[j], weight[i, j], stride, pad) for j in range(c_in)) + (bias[i] if with_bias else 0)
        np.testing.assert_allclose(got[i], slide, atol=1e-10)


def test_conv_layer_forward_hand_worked() -> None:
    x = np.stack([np.ones((3, 3)), 2 * np.ones((3, 3))])  # two input maps
    w = np.ones((2, 2, 2, 2))
    w[1, 1] = -1  # output map 1 subtracts input map 1
    got = conv_layer_forward(x, w, np.array([0.5, 10.0]))
    np.testing.assert_array_equal(got[0], np.full((2, 2), 0.5 + 4 * 1 + 4 * 2))
    np.testing.assert_array_equal(got[1], np.full((2, 2), 10.0 + 4 * 1 - 4 * 2))


# ---------------------------------------------------------------- count_conv_parameters
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((3, 64, 3), 64 * 3 * 3 * 3 + 64),
        ((1, 8, (5, 3)), 8 * 1 * 5 * 3 + 8),
        ((16, 32, 5, False), 16 * 32 * 25),
        ((1, 1, 1), 2),
    ],
)
def test_count_conv_parameters_hand_worked(args: tuple, expected: int) -> None:
    assert count_conv_parameters(*args) == expected


@SETTINGS
@given(st.integers(1, 64), st.integers(1, 64), st.integers(1, 7), st.integers(1, 7), st.booleans())
def test_count_conv_parameters_matches_torch(c_in: int, c_out: int, kh: int, kw: int, bias: bool) -> None:
    layer = torch.nn.Conv2d(c_in, c_out, (kh, kw), bias=bias, device="meta")
    assert count_conv_parameters(c_in, c_out, (kh, kw), bias=bias) == sum(p.numel() for p in layer.parameters())


def test_count_conv_parameters_bad_input() -> None:
    with pytest.raises(ValueError, match=r"c_in must be a positive integer \(>= 1\), got 0"):
        count_conv_parameters(0, 4, 3)
    with pytest.raises(TypeError, match=r"c_out must be an int .*got float 4.0"):
        count_conv_parameters(3, 4.0, 3)
    with pytest.raises(TypeError, match=r"kernel_size must be an int or a pair of ints"):
        count_conv_parameters(3, 4, (3, 3, 3))
    with pytest.raises(ValueError, match=r"kernel_size must be a positive integer \(>= 1\), got -3"):
        count_conv_parameters(3, 4, (3, -3))
    with pytest.raises(TypeError, match=r"bias must be True or False"):
        count_conv_parameters(3, 4, 3, bias="yes")


# ---------------------------------------------------------------- bad input
def test_conv2d_bad_input() -> None:
    x, w = np.ones((2, 3, 8, 8)), np.ones((4, 3, 3, 3))
    with pytest.raises(ValueError, match=r"channel mismatch: x has 2 input channels .* weight expects C_in=3"):
        conv2d(np.ones((2, 2, 8, 8)), w)
    with pytest.raises(ValueError, match=r"bias must have shape \(C_out,\) = \(4,\) .*got shape \(3,\)"):
        conv2d(x, w, np.ones(3))
    with pytest.raises(ValueError, match=r"x \(the input\) must be 4-D or 3-D .*got a 2-D array of shape \(8, 8\)"):
        conv2d(np.ones((8, 8)), w)
    with pytest.raises(ValueError, match=r"weight must be 4-D array of shape \(C_out, C_in, kH, kW\), got a 3-D"):
        conv2d(x, np.ones((4, 3, 3)))
    with pytest.raises(ValueError, match=r"kernel too large: it spans 9 samples \(k=3, dilation=4\).*padded input has only 8"):
        conv2d(x, w, dilation=4)
    with pytest.raises(ValueError, match=r"kernel too large: it spans 9 samples \(k=9, dilation=1\)"):
        conv2d(x, np.ones((4, 3, 9, 9)))
    with pytest.raises(ValueError, match=r"stride must be a positive integer \(>= 1\), got 0"):
        conv2d(x, w, stride=(1, 0))
    with pytest.raises(ValueError, match=r"padding must be zero or a positive integer, got -1"):
        conv2d(x, w, padding=-1)
    with pytest.raises(ValueError, match=r"dilation must be a positive integer \(>= 1\), got 0"):
        conv2d(x, w, dilation=0)
    with pytest.raises(TypeError, match=r"padding must be an int or a pair of ints \(height, width\), got 'same'"):
        conv2d(x, w, padding="same")
    with pytest.raises(TypeError, match=r"x \(the input\) must be an array of numbers, got dtype <U"):
        conv2d(np.full((1, 3, 4, 4), "a"), w)
    with pytest.raises(TypeError, match=r"weight must be an array of numbers, got dtype object"):
        conv2d(x, np.array([[None]], dtype=object))
    with pytest.raises(TypeError, match=r"bias must be an array of numbers"):
        conv2d(x, w, ["a", "b", "c", "d"])
    with pytest.raises(ValueError, match=r"empty arrays: x has shape \(0, 3, 8, 8\)"):
        conv2d(np.ones((0, 3, 8, 8)), w)


def test_conv1d_bad_input() -> None:
    x, w = np.ones((2, 3, 10)), np.ones((4, 3, 3))
    with pytest.raises(ValueError, match=r"channel mismatch: x has 5 input channels .* C_in=3"):
        conv1d(np.ones((2, 5, 10)), w)
    with pytest.raises(ValueError, match=r"x \(the input\) must be 3-D or 2-D array of shape \(N, C_in, L\) or \(C_in, L\)"):
        conv1d(np.ones(10), w)
    with pytest.raises(TypeError, match=r"stride must be an int \(or a 1-tuple of an int\), got \(1, 2\)"):
        conv1d(x, w, stride=(1, 2))
    with pytest.raises(ValueError, match=r"kernel too large: it spans 13 samples"):
        conv1d(x, np.ones((4, 3, 13)))


def test_conv_layer_forward_bad_input() -> None:
    with pytest.raises(ValueError, match=r"x \(the input\) must be 3-D array of shape \(C_in, H, W\), got a 4-D"):
        conv_layer_forward(np.ones((1, 2, 5, 5)), np.ones((3, 2, 3, 3)), None)
    with pytest.raises(ValueError, match=r"channel mismatch: x has 2 input channels"):
        conv_layer_forward(np.ones((2, 5, 5)), np.ones((3, 4, 3, 3)), np.zeros(3))
    with pytest.raises(ValueError, match=r"bias must have shape \(C_out,\) = \(3,\)"):
        conv_layer_forward(np.ones((2, 5, 5)), np.ones((3, 2, 3, 3)), np.zeros((3, 1)))
