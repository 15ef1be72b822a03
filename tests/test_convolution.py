"""course.convolution against NumPy, SciPy and PyTorch, hand-worked values and properties."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from course import convolve1d, convolve2d, correlate1d, correlate2d

MODES = ("full", "same", "valid")
SETTINGS = settings(max_examples=50, deadline=None)


def _vec(min_size: int = 1, max_size: int = 12) -> st.SearchStrategy[np.ndarray]:
    """1-D float arrays of small integers (so sums are exact)."""
    return hnp.arrays(np.float64, st.integers(min_size, max_size), elements=st.integers(-9, 9).map(float))


def _map(min_side: int = 1, max_side: int = 9) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(
        np.float64,
        st.tuples(st.integers(min_side, max_side), st.integers(min_side, max_side)),
        elements=st.integers(-9, 9).map(float),
    )


def _torch_correlate2d(x: np.ndarray, w: np.ndarray, stride: int | tuple[int, int], padding: int | tuple[int, int]) -> np.ndarray:
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64))[None, None]
    wt = torch.as_tensor(np.asarray(w, dtype=np.float64))[None, None]
    return F.conv2d(xt, wt, stride=stride, padding=padding)[0, 0].numpy()


# ---------------------------------------------------------------- 1-D against NumPy, every length
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("n", range(1, 8))
@pytest.mark.parametrize("k", range(1, 8))
def test_1d_match_numpy_for_every_length_pair(n: int, k: int, mode: str) -> None:
    rng = np.random.default_rng(100 * n + k)
    x, w = rng.normal(size=n), rng.normal(size=k)
    np.testing.assert_allclose(convolve1d(x, w, mode), np.convolve(x, w, mode), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(correlate1d(x, w, mode), np.correlate(x, w, mode), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("n", "k"), [(3, 5), (2, 7), (4, 4), (1, 6), (6, 1), (10, 3)])
def test_1d_complex_matches_numpy(n: int, k: int, mode: str) -> None:
    rng = np.random.default_rng(n * k)
    x = rng.normal(size=n) + 1j * rng.normal(size=n)
    w = rng.normal(size=k) + 1j * rng.normal(size=k)
    np.testing.assert_allclose(convolve1d(x, w, mode), np.convolve(x, w, mode), atol=1e-12)
    np.testing.assert_allclose(correlate1d(x, w, mode), np.correlate(x, w, mode), atol=1e-12)


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint8, np.bool_, np.float32])
def test_1d_result_dtype_like_numpy(dtype: type) -> None:
    x = np.array([1, 0, 1, 1, 0], dtype=dtype)
    w = np.array([1, 1, 0], dtype=dtype)
    for mode in MODES:
        got, want = convolve1d(x, w, mode), np.convolve(x, w, mode)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
        got, want = correlate1d(x, w, mode), np.correlate(x, w, mode)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


def test_1d_hand_worked() -> None:
    # y[n] = sum_k x[n-k] w[k]: [1,2,3] * [0,1,0.5]
    np.testing.assert_array_equal(convolve1d([1, 2, 3], [0, 1, 0.5]), [0, 1, 2.5, 4, 1.5])
    np.testing.assert_array_equal(convolve1d([1, 2, 3], [0, 1, 0.5], "same"), [1, 2.5, 4])
    np.testing.assert_array_equal(convolve1d([1, 2, 3], [0, 1, 0.5], "valid"), [2.5])
    # r[k] = sum_n x[n+k] w[n], no flip: a difference filter
    np.testing.assert_array_equal(correlate1d([1, 2, 4, 7], [-1, 1]), [1, 2, 3])
    assert correlate1d([1, 2, 4, 7], [-1, 1]).dtype.kind == "i"
    # numpy.correlate with a longer second argument: lag order kept, window from the other end
    np.testing.assert_array_equal(correlate1d([1, 2, 3], [1, 2, 3, 4, 5], "full"), [5, 14, 26, 20, 14, 8, 3])
    np.testing.assert_array_equal(correlate1d([1, 2, 3], [1, 2, 3, 4, 5], "same"), [14, 26, 20, 14, 8])
    np.testing.assert_array_equal(correlate1d([1, 2, 3], [1, 2, 3, 4, 5], "valid"), [26, 20, 14])


def test_1d_defaults() -> None:
    x, w = np.arange(6.0), np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(convolve1d(x, w), np.convolve(x, w))  # full by default
    np.testing.assert_allclose(correlate1d(x, w), np.correlate(x, w))  # valid by default


def test_1d_long_signal_matches_numpy() -> None:
    rng = np.random.default_rng(7)
    x, w = rng.normal(size=5000), rng.normal(size=301)
    for mode in MODES:
        np.testing.assert_allclose(convolve1d(x, w, mode), np.convolve(x, w, mode), atol=1e-9)
        np.testing.assert_allclose(convolve1d(w, x, mode), np.convolve(w, x, mode), atol=1e-9)
        np.testing.assert_allclose(correlate1d(w, x, mode), np.correlate(w, x, mode), atol=1e-9)


# ---------------------------------------------------------------- 1-D properties
@SETTINGS
@given(_vec(), _vec(), st.sampled_from(MODES))
def test_1d_matches_numpy_property(x: np.ndarray, w: np.ndarray, mode: str) -> None:
    np.testing.assert_array_equal(convolve1d(x, w, mode), np.convolve(x, w, mode))
    np.testing.assert_array_equal(correlate1d(x, w, mode), np.correlate(x, w, mode))


@SETTINGS
@given(_vec(), _vec())
def test_full_convolution_commutes(x: np.ndarray, w: np.ndarray) -> None:
    np.testing.assert_array_equal(convolve1d(x, w), convolve1d(w, x))


@SETTINGS
@given(st.integers(1, 10), st.integers(1, 6), st.floats(-3, 3), st.floats(-3, 3), st.integers(0, 10**6))
def test_1d_linearity(n: int, k: int, a: float, b: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x1, x2, w = rng.normal(size=n), rng.normal(size=n), rng.normal(size=k)
    for mode in MODES:
        np.testing.assert_allclose(
            convolve1d(a * x1 + b * x2, w, mode), a * convolve1d(x1, w, mode) + b * convolve1d(x2, w, mode), atol=1e-9
        )
        np.testing.assert_allclose(
            correlate1d(a * x1 + b * x2, w, mode), a * correlate1d(x1, w, mode) + b * correlate1d(x2, w, mode), atol=1e-9
        )


@SETTINGS
@given(_vec(), _vec(), st.sampled_from(MODES))
def test_1d_correlate_is_convolve_with_flipped_kernel(x: np.ndarray, w: np.ndarray, mode: str) -> None:
    if len(w) > len(x):  # numpy's window for "same"/"valid" then differs between the two
        mode = "full"
    np.testing.assert_array_equal(correlate1d(x, w, mode), convolve1d(x, w[::-1], mode))


@SETTINGS
@given(_vec(min_size=12, max_size=30), _vec(max_size=5), st.integers(1, 5))
def test_1d_translation_equivariance(x: np.ndarray, w: np.ndarray, shift: int) -> None:
    # shifting the input shifts the valid output by the same amount (away from the borders)
    y = correlate1d(x, w, "valid")
    y_shifted = correlate1d(np.roll(x, shift), w, "valid")
    np.testing.assert_array_equal(y_shifted[shift:], y[: len(y) - shift])


# ---------------------------------------------------------------- 2-D
def test_lecture_worked_example() -> None:
    x = np.array([[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]])
    w = np.array([[0, 1, 2], [2, 2, 0], [0, 1, 2]])
    expected = np.array([[12, 12, 17], [10, 17, 19], [9, 6, 14]])
    got = correlate2d(x, w)
    np.testing.assert_array_equal(got, expected)
    assert got.dtype.kind == "i"
    np.testing.assert_array_equal(convolve2d(x, w[::-1, ::-1]), expected)


def test_2d_hand_worked_stride_and_padding() -> None:
    x = np.arange(1, 10).reshape(3, 3)  # [[1,2,3],[4,5,6],[7,8,9]]
    ones = np.ones((2, 2), dtype=int)
    # padding 1, stride 2: windows at rows/cols -1 and 1 of the original
    np.testing.assert_array_equal(correlate2d(x, ones, stride=2, padding=1), [[1, 5], [11, 28]])
    np.testing.assert_array_equal(convolve2d(x, [[1, 0], [0, 2]]), [[7, 10], [16, 19]])


@pytest.mark.parametrize("seed", range(12))
def test_2d_against_torch_random(seed: int) -> None:
    rng = np.random.default_rng(seed)
    h, w_ = rng.integers(3, 14, size=2)
    kh, kw = rng.integers(1, 5, size=2)
    stride = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    padding = (int(rng.integers(0, 3)), int(rng.integers(0, 3)))
    x, w = rng.normal(size=(h, w_)), rng.normal(size=(kh, kw))
    np.testing.assert_allclose(correlate2d(x, w, stride, padding), _torch_correlate2d(x, w, stride, padding), atol=1e-10)
    np.testing.assert_allclose(
        convolve2d(x, w, stride, padding), _torch_correlate2d(x, w[::-1, ::-1].copy(), stride, padding), atol=1e-10
    )


@pytest.mark.parametrize("seed", range(6))
def test_2d_against_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(int(rng.integers(4, 12)), int(rng.integers(4, 12))))
    w = rng.normal(size=(int(rng.integers(1, 4)), int(rng.integers(1, 4))))
    np.testing.assert_allclose(correlate2d(x, w), scipy.signal.correlate2d(x, w, mode="valid"), atol=1e-10)
    np.testing.assert_allclose(convolve2d(x, w), scipy.signal.convolve2d(x, w, mode="valid"), atol=1e-10)
    # scipy's "full" is padding k-1 in each axis (only square padding here, so use a square kernel)
    sq = rng.normal(size=(3, 3))
    np.testing.assert_allclose(convolve2d(x, sq, padding=2), scipy.signal.convolve2d(x, sq, mode="full"), atol=1e-10)


@SETTINGS
@given(_map(3, 9), _map(1, 3), st.integers(1, 3), st.integers(0, 2))
def test_2d_matches_torch_property(x: np.ndarray, w: np.ndarray, stride: int, padding: int) -> None:
    np.testing.assert_allclose(correlate2d(x, w, stride, padding), _torch_correlate2d(x, w, stride, padding), atol=1e-9)


@SETTINGS
@given(_map(3, 9), _map(1, 3), st.integers(1, 3), st.integers(0, 2))
def test_2d_correlate_is_convolve_with_flipped_kernel(x: np.ndarray, w: np.ndarray, stride: int, padding: int) -> None:
    np.testing.assert_array_equal(correlate2d(x, w, stride, padding), convolve2d(x, w[::-1, ::-1], stride, padding))


@SETTINGS
@given(st.integers(3, 8), st.integers(1, 3), st.floats(-2, 2), st.integers(0, 10**6))
def test_2d_linearity(n: int, k: int, a: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x1, x2, w = rng.normal(size=(n, n)), rng.normal(size=(n, n)), rng.normal(size=(k, k))
    np.testing.assert_allclose(convolve2d(a * x1 + x2, w), a * convolve2d(x1, w) + convolve2d(x2, w), atol=1e-9)


@SETTINGS
@given(_map(6, 9), _map(1, 3), st.integers(1, 3), st.integers(1, 3))
def test_2d_translation_equivariance(x: np.ndarray, w: np.ndarray, di: int, dj: int) -> None:
    y = correlate2d(x, w)
    y_shifted = correlate2d(np.roll(x, (di, dj), axis=(0, 1)), w)
    h, wd = y.shape
    np.testing.assert_array_equal(y_shifted[di:, dj:], y[: h - di, : wd - dj])


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("fn", [convolve1d, correlate1d])
def test_1d_bad_input(fn) -> None:  # noqa: ANN001
    with pytest.raises(ValueError, match=r"mode must be one of 'full', 'same', 'valid'; got 'middle'"):
        fn([1, 2, 3], [1, 2], "middle")
    with pytest.raises(ValueError, match=r"x \(the signal\) must be 1-D .*got a 2-D array of shape \(2, 2\)"):
        fn([[1, 2], [3, 4]], [1, 2])
    with pytest.raises(ValueError, match=r"w \(the kernel\) must be 1-D .*got a 0-D array"):
        fn([1, 2, 3], 2.0)
    with pytest.raises(ValueError, match=r"x \(the signal\) is empty"):
        fn([], [1, 2])
    with pytest.raises(ValueError, match=r"w \(the kernel\) is empty"):
        fn([1, 2], [])
    with pytest.raises(TypeError, match=r"x \(the signal\) must be an array of numbers, got dtype <U1"):
        fn(["a", "b"], [1, 2])
    with pytest.raises(TypeError, match=r"w \(the kernel\) must be an array of numbers, got dtype object"):
        fn([1, 2], np.array([object(), object()]))


@pytest.mark.parametrize("fn", [convolve2d, correlate2d])
def test_2d_bad_input(fn) -> None:  # noqa: ANN001
    x, w = np.ones((4, 5)), np.ones((2, 2))
    with pytest.raises(ValueError, match=r"x \(the input map\) must be 2-D .*got a 3-D array of shape \(1, 4, 5\)"):
        fn(x[None], w)
    with pytest.raises(ValueError, match=r"w \(the kernel\) must be 2-D .*got a 1-D array"):
        fn(x, np.ones(3))
    with pytest.raises(ValueError, match=r"kernel too large: it spans 6 samples .*padded input has only 4"):
        fn(x, np.ones((6, 2)))
    with pytest.raises(ValueError, match=r"stride must be a positive integer \(>= 1\), got 0"):
        fn(x, w, stride=0)
    with pytest.raises(ValueError, match=r"stride must be a positive integer \(>= 1\), got -1"):
        fn(x, w, stride=(1, -1))
    with pytest.raises(ValueError, match=r"padding must be zero or a positive integer, got -1"):
        fn(x, w, padding=-1)
    with pytest.raises(TypeError, match=r"stride must be an int or a pair of ints"):
        fn(x, w, stride=1.5)
    with pytest.raises(TypeError, match=r"x \(the input map\) must be an array of numbers"):
        fn(np.full((3, 3), "a"), w)
    with pytest.raises(ValueError, match=r"x \(the input map\) is empty"):
        fn(np.ones((0, 3)), w)
