"""course.pooling against torch.nn.functional, hand-worked values, properties and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from course import adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, conv_output_size, max_pool2d

SETTINGS = settings(max_examples=50, deadline=None)
POOLS = {"max": (max_pool2d, F.max_pool2d), "avg": (avg_pool2d, F.avg_pool2d)}
ADAPTIVE = {"max": (adaptive_max_pool2d, F.adaptive_max_pool2d), "avg": (adaptive_avg_pool2d, F.adaptive_avg_pool2d)}


def _torch(fn, x: np.ndarray, *args) -> np.ndarray:  # noqa: ANN001
    """Run a torch pooling function on (H, W), (C, H, W) or (N, C, H, W) input."""
    t = torch.as_tensor(x)
    if x.ndim == 2:  # torch wants a channel axis
        return fn(t[None], *args)[0].numpy()
    return fn(t, *args).numpy()


@st.composite
def pool_cases(draw: st.DrawFn) -> tuple:
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = draw(st.one_of(st.none(), st.integers(1, 4), st.tuples(st.integers(1, 4), st.integers(1, 4))))
    padding = (draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2)))
    lead = draw(st.sampled_from([(), (3,), (2, 3)]))
    h = draw(st.integers(max(1, kh - 2 * padding[0]), 13))
    w = draw(st.integers(max(1, kw - 2 * padding[1]), 13))
    seed = draw(st.integers(0, 2**32 - 1))
    size = kh if kh == kw and draw(st.booleans()) else (kh, kw)
    return (*lead, h, w), size, stride, padding, seed


# ---------------------------------------------------------------- against PyTorch
@SETTINGS
@given(pool_cases(), st.sampled_from(sorted(POOLS)))
def test_pool_matches_torch(case: tuple, kind: str) -> None:
    shape, size, stride, padding, seed = case
    ours, theirs = POOLS[kind]
    x = np.random.default_rng(seed).normal(size=shape)
    want = _torch(theirs, x, size, size if stride is None else stride, padding)
    got = ours(x, size, stride, padding)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, atol=1e-12)


@SETTINGS
@given(
    st.sampled_from([(), (2,), (2, 3)]), st.integers(1, 15), st.integers(1, 15),
    st.integers(1, 9), st.integers(1, 9), st.sampled_from(sorted(ADAPTIVE)), st.integers(0, 2**32 - 1),
)
def test_adaptive_matches_torch(lead: tuple, h: int, w: int, oh: int, ow: int, kind: str, seed: int) -> None:
    ours, theirs = ADAPTIVE[kind]
    x = np.random.default_rng(seed).normal(size=(*lead, h, w))
    want = _torch(theirs, x, (oh, ow))
    got = ours(x, (oh, ow))
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, atol=1e-12)
    if oh == ow:
        np.testing.assert_allclose(ours(x, oh), want, atol=1e-12)


@pytest.mark.parametrize("kind", sorted(POOLS))
def test_pool_float32_batch(kind: str) -> None:
    ours, theirs = POOLS[kind]
    x = np.random.default_rng(0).normal(size=(4, 8, 32, 30)).astype(np.float32)
    got = ours(x, 2)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, theirs(torch.from_numpy(x), 2).numpy(), rtol=1e-6)


# ---------------------------------------------------------------- hand-worked
X = np.array([[1, 2, 0, 1], [3, 4, 1, 0], [0, 0, 5, 6], [1, 0, 7, 8]])


def test_max_pool_hand_worked() -> None:
    got = max_pool2d(X, 2)
    np.testing.assert_array_equal(got, [[4, 1], [1, 8]])
    assert got.dtype == X.dtype  # max keeps integers
    np.testing.assert_array_equal(max_pool2d(X, 3, stride=1), [[5, 6], [7, 8]])
    np.testing.assert_array_equal(max_pool2d(X, (1, 4)), [[2], [4], [6], [8]])
    # padding with -inf: the corner window sees only X[0, 0]
    np.testing.assert_array_equal(max_pool2d(X, 2, stride=2, padding=1), [[1, 2, 1], [3, 5, 6], [1, 7, 8]])


def test_avg_pool_hand_worked() -> None:
    np.testing.assert_array_equal(avg_pool2d(X, 2), [[2.5, 0.5], [0.25, 6.5]])
    np.testing.assert_array_equal(avg_pool2d(X, (2, 4)), [[1.5], [3.375]])
    # padded zeros count (PyTorch's count_include_pad=True): the corner window is X[0, 0] / 4
    assert avg_pool2d(X, 2, padding=1)[0, 0] == 0.25


def test_adaptive_hand_worked() -> None:
    x = np.array([[1, 5, 2], [0, 3, 9]])
    # width 3 into 2 bins: [floor(0), ceil(1.5)) = [0, 2) and [floor(1.5), ceil(3)) = [1, 3)
    np.testing.assert_array_equal(adaptive_max_pool2d(x, (1, 2)), [[5, 9]])
    np.testing.assert_allclose(adaptive_avg_pool2d(x, (1, 2)), [[(1 + 5 + 0 + 3) / 4, (5 + 2 + 3 + 9) / 4]])
    np.testing.assert_allclose(adaptive_avg_pool2d(x, 1), [[20 / 6]])  # global average pooling
    np.testing.assert_array_equal(adaptive_max_pool2d(x, (2, 3)), x)  # output size = input size: identity


# ---------------------------------------------------------------- properties
@SETTINGS
@given(pool_cases())
def test_pool_output_shape_follows_the_floor_rule(case: tuple) -> None:
    shape, size, stride, padding, _ = case
    k = (size, size) if isinstance(size, int) else size
    s = k if stride is None else (stride, stride) if isinstance(stride, int) else stride
    expected = (
        *shape[:-2],
        conv_output_size(shape[-2], k[0], s[0], padding[0]),
        conv_output_size(shape[-1], k[1], s[1], padding[1]),
    )
    x = np.zeros(shape)
    assert max_pool2d(x, size, stride, padding).shape == expected
    assert avg_pool2d(x, size, stride, padding).shape == expected


@SETTINGS
@given(st.integers(1, 4), st.integers(1, 3), st.integers(1, 3), st.integers(0, 2**32 - 1))
def test_max_pool_invariant_to_shifts_inside_the_window(k: int, blocks_h: int, blocks_w: int, seed: int) -> None:
    # one large value per k x k block: moving it anywhere inside its block leaves max pooling unchanged
    rng = np.random.default_rng(seed)
    base = rng.uniform(0, 1, size=(blocks_h * k, blocks_w * k))
    x, moved = base.copy(), base.copy()
    for bi in range(blocks_h):
        for bj in range(blocks_w):
            big = 10 + rng.uniform()
            x[bi * k + rng.integers(k), bj * k + rng.integers(k)] = big
            moved[bi * k + rng.integers(k), bj * k + rng.integers(k)] = big
    np.testing.assert_array_equal(max_pool2d(x, k), max_pool2d(moved, k))


@SETTINGS
@given(st.integers(2, 12), st.integers(2, 12), st.integers(0, 2**32 - 1))
def test_avg_pool_preserves_the_mean_when_windows_tile(bh: int, bw: int, seed: int) -> None:
    x = np.random.default_rng(seed).normal(size=(2 * bh, 2 * bw))
    np.testing.assert_allclose(avg_pool2d(x, 2).mean(), x.mean())


def test_avg_pool_integer_input_gives_float64() -> None:
    assert avg_pool2d(X, 2).dtype == np.float64
    assert adaptive_avg_pool2d(X, 2).dtype == np.float64
    assert avg_pool2d(X.astype(np.float32), 2).dtype == np.float32


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("fn", [max_pool2d, avg_pool2d])
def test_pool_bad_input(fn) -> None:  # noqa: ANN001
    x = np.ones((3, 6, 6))
    with pytest.raises(ValueError, match=r"x \(the input\) must be 2-D or 3-D or 4-D .*got a 1-D array of shape \(6,\)"):
        fn(np.ones(6), 2)
    with pytest.raises(ValueError, match=r"x \(the input\) must be 2-D or 3-D or 4-D .*got a 5-D array"):
        fn(np.ones((1, 1, 1, 6, 6)), 2)
    with pytest.raises(ValueError, match=r"size \(the pooling window\) must be a positive integer \(>= 1\), got 0"):
        fn(x, 0)
    with pytest.raises(ValueError, match=r"stride must be a positive integer \(>= 1\), got -2"):
        fn(x, 2, stride=-2)
    with pytest.raises(ValueError, match=r"padding must be zero or a positive integer, got -1"):
        fn(x, 2, padding=-1)
    with pytest.raises(ValueError, match=r"padding must be at most half the window size"):
        fn(x, 2, padding=2)
    with pytest.raises(ValueError, match=r"kernel too large: it spans 7 samples .*padded input has only 6"):
        fn(x, 7)
    with pytest.raises(TypeError, match=r"size \(the pooling window\) must be an int or a pair of ints"):
        fn(x, 2.0)
    with pytest.raises(TypeError, match=r"x \(the input\) must be an array of numbers, got dtype <U"):
        fn(np.full((4, 4), "a"), 2)
    with pytest.raises(TypeError, match=r"must be real numbers to pool"):
        fn(np.ones((4, 4)) * 1j, 2)
    with pytest.raises(ValueError, match=r"x \(the input\) is empty"):
        fn(np.ones((0, 4)), 2)


@pytest.mark.parametrize("fn", [adaptive_max_pool2d, adaptive_avg_pool2d])
def test_adaptive_bad_input(fn) -> None:  # noqa: ANN001
    with pytest.raises(ValueError, match=r"output_size must be a positive integer \(>= 1\), got 0"):
        fn(np.ones((4, 4)), (0, 2))
    with pytest.raises(TypeError, match=r"output_size must be an int or a pair of ints"):
        fn(np.ones((4, 4)), None)
    with pytest.raises(ValueError, match=r"must be 2-D or 3-D or 4-D"):
        fn(np.ones(4), 2)
    with pytest.raises(TypeError, match=r"must be an array of numbers, got dtype object"):
        fn(np.array([[object()]]), 1)
