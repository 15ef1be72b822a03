"""course.torch_ops: the unfold/matmul twins against torch.nn.functional."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import course
from course.torch_ops import adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, correlate2d, max_pool2d

CPU = torch.device("cpu")


def _conv_cases(n_cases: int, seed: int) -> list[dict]:
    """Random valid F.conv2d configurations: shapes, non-square kernels, stride, padding, dilation."""
    rng = np.random.default_rng(seed)
    cases = []
    while len(cases) < n_cases:
        kh, kw = rng.integers(1, 6, size=2)
        sh, sw = rng.integers(1, 4, size=2)
        dh, dw = rng.integers(1, 4, size=2)
        ph, pw = rng.integers(0, 4, size=2)
        h, w = rng.integers(1, 17, size=2)
        if dh * (kh - 1) + 1 > h + 2 * ph or dw * (kw - 1) + 1 > w + 2 * pw:
            continue  # no window fits: covered by the error tests
        cases.append(
            dict(
                n=int(rng.integers(1, 4)), c_in=int(rng.integers(1, 5)), c_out=int(rng.integers(1, 5)),
                hw=(int(h), int(w)), k=(int(kh), int(kw)), stride=(int(sh), int(sw)),
                padding=(int(ph), int(pw)), dilation=(int(dh), int(dw)), bias=bool(rng.integers(0, 2)),
            )
        )
    return cases


@pytest.mark.parametrize("case", _conv_cases(40, seed=0), ids=lambda c: f"{c['hw']}-k{c['k']}-s{c['stride']}-p{c['padding']}-d{c['dilation']}")
def test_correlate2d_matches_f_conv2d(case: dict) -> None:
    g = torch.Generator().manual_seed(1)
    x = torch.randn(case["n"], case["c_in"], *case["hw"], generator=g, dtype=torch.float64)
    w = torch.randn(case["c_out"], case["c_in"], *case["k"], generator=g, dtype=torch.float64)
    b = torch.randn(case["c_out"], generator=g, dtype=torch.float64) if case["bias"] else None
    kw = dict(stride=case["stride"], padding=case["padding"], dilation=case["dilation"])
    got = correlate2d(x, w, b, device="cpu", **kw)
    expected = F.conv2d(x, w, b, **kw)
    assert got.shape == expected.shape
    torch.testing.assert_close(got, expected)


@settings(max_examples=30, deadline=None)
@given(
    hw=st.tuples(st.integers(3, 12), st.integers(3, 12)),
    k=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    stride=st.integers(1, 3),
    padding=st.integers(0, 2),
    dilation=st.integers(1, 2),
    seed=st.integers(0, 2**16),
)
def test_correlate2d_property_matches_f_conv2d(hw, k, stride, padding, dilation, seed) -> None:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(2, 3, *hw, generator=g, dtype=torch.float64)
    w = torch.randn(4, 3, *k, generator=g, dtype=torch.float64)
    kw = dict(stride=stride, padding=padding, dilation=dilation)
    torch.testing.assert_close(correlate2d(x, w, device="cpu", **kw), F.conv2d(x, w, **kw))


def test_correlate2d_lecture_example_by_hand() -> None:
    # The lecture's 5x5 animation (Irhum Shafkat): this input and kernel give the slide's feature map.
    x = np.array([[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]])
    w = np.array([[0, 1, 2], [2, 2, 0], [0, 1, 2]])
    expected = torch.tensor([[12.0, 12.0, 17.0], [10.0, 17.0, 19.0], [9.0, 6.0, 14.0]])
    got = correlate2d(x, w, device="cpu")
    assert got.dtype == torch.float32  # integers become the default float dtype
    torch.testing.assert_close(got, expected)


def test_correlate2d_does_not_flip_the_kernel() -> None:
    # a single 1 in the middle of x reads the kernel out backwards: correlation, not convolution
    x = torch.zeros(5, 5, dtype=torch.float64)
    x[2, 2] = 1.0
    w = torch.arange(9.0, dtype=torch.float64).reshape(3, 3)
    out = correlate2d(x, w, padding=1, device="cpu")[1:4, 1:4]
    torch.testing.assert_close(out, torch.flip(w, dims=(0, 1)))


def test_correlate2d_unbatched_and_single_map_layouts() -> None:
    g = torch.Generator().manual_seed(2)
    x = torch.randn(3, 7, 6, generator=g)
    w = torch.randn(2, 3, 3, 2, generator=g)
    b = torch.randn(2, generator=g)
    got = correlate2d(x, w, b, stride=2, device="cpu")
    assert got.shape == (2, 3, 3)  # (C_in, H, W) -> (C_out, H_out, W_out)
    torch.testing.assert_close(got, F.conv2d(x, w, b, stride=2))
    single = correlate2d(x[0], w[0, 0], bias=0.5, device="cpu")  # (H, W) with (kH, kW)
    torch.testing.assert_close(single, F.conv2d(x[:1], w[:1, :1], torch.tensor([0.5]))[0])


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")  # PyTorch's own note
@pytest.mark.parametrize("padding", ["valid", "same", "full"])
@pytest.mark.parametrize("k", [(3, 3), (2, 4), (5, 2)])
def test_correlate2d_padding_modes(padding: str, k: tuple[int, int]) -> None:
    g = torch.Generator().manual_seed(3)
    x = torch.randn(2, 2, 9, 8, generator=g, dtype=torch.float64)
    w = torch.randn(3, 2, *k, generator=g, dtype=torch.float64)
    d = (2, 1)
    got = correlate2d(x, w, padding=padding, dilation=d, device="cpu")
    if padding == "full":  # dilation*(k - 1) zeros on each side; PyTorch has no "full"
        full = (d[0] * (k[0] - 1), d[1] * (k[1] - 1))
        expected = F.conv2d(x, w, padding=full, dilation=d)
    else:
        expected = F.conv2d(x, w, padding=padding, dilation=d)
    torch.testing.assert_close(got, expected)
    if padding == "same":
        assert got.shape[-2:] == x.shape[-2:]


def test_correlate2d_accepts_numpy_and_keeps_float64() -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(size=(1, 2, 6, 6))[..., ::-1]  # a negative-stride view
    w = rng.normal(size=(3, 2, 3, 3))
    got = correlate2d(x, w, device="cpu")
    assert isinstance(got, torch.Tensor) and got.dtype == torch.float64 and got.device == CPU
    torch.testing.assert_close(got, F.conv2d(torch.from_numpy(x.copy()), torch.from_numpy(w)))


def test_default_device_is_course_device() -> None:
    out = correlate2d(torch.ones(1, 1, 3, 3), torch.ones(1, 1, 2, 2))
    assert out.device.type == course.device().type
    assert max_pool2d(torch.ones(4, 4), 2).device.type == course.device().type


def test_correlate2d_gradients_match_f_conv2d() -> None:
    g = torch.Generator().manual_seed(5)
    x = torch.randn(2, 3, 8, 7, generator=g, dtype=torch.float64, requires_grad=True)
    w = torch.randn(4, 3, 3, 2, generator=g, dtype=torch.float64, requires_grad=True)
    b = torch.randn(4, generator=g, dtype=torch.float64, requires_grad=True)
    kw = dict(stride=(2, 1), padding=1, dilation=(1, 2))
    grads = torch.autograd.grad(correlate2d(x, w, b, device="cpu", **kw).square().sum(), (x, w, b))
    ref = torch.autograd.grad(F.conv2d(x, w, b, **kw).square().sum(), (x, w, b))
    for got, expected in zip(grads, ref):
        torch.testing.assert_close(got, expected)


def _pool_cases(n_cases: int, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    cases = []
    while len(cases) < n_cases:
        kh, kw = (int(v) for v in rng.integers(1, 5, size=2))
        stride = None if rng.integers(0, 3) == 0 else tuple(int(v) for v in rng.integers(1, 4, size=2))
        ph, pw = int(rng.integers(0, kh // 2 + 1)), int(rng.integers(0, kw // 2 + 1))
        h, w = (int(v) for v in rng.integers(1, 14, size=2))
        if kh > h + 2 * ph or kw > w + 2 * pw:
            continue
        cases.append(dict(shape=(int(rng.integers(1, 3)), int(rng.integers(1, 4)), h, w), k=(kh, kw), stride=stride, padding=(ph, pw)))
    return cases


@pytest.mark.parametrize("case", _pool_cases(30, seed=6), ids=lambda c: f"{c['shape']}-k{c['k']}-s{c['stride']}-p{c['padding']}")
def test_pools_match_f_pools(case: dict) -> None:
    x = torch.randn(*case["shape"], generator=torch.Generator().manual_seed(7), dtype=torch.float64)
    kw = dict(stride=case["stride"], padding=case["padding"])
    torch.testing.assert_close(max_pool2d(x, case["k"], device="cpu", **kw), F.max_pool2d(x, case["k"], **kw))
    torch.testing.assert_close(avg_pool2d(x, case["k"], device="cpu", **kw), F.avg_pool2d(x, case["k"], **kw))


def test_pools_by_hand_and_on_single_maps() -> None:
    x = torch.tensor([[1.0, 2.0, 5.0, 0.0], [3.0, 4.0, 1.0, 1.0], [0.0, 0.0, 7.0, 8.0], [0.0, 4.0, 6.0, 2.0]])
    torch.testing.assert_close(max_pool2d(x, 2, device="cpu"), torch.tensor([[4.0, 5.0], [4.0, 8.0]]))
    torch.testing.assert_close(avg_pool2d(x, 2, device="cpu"), torch.tensor([[2.5, 1.75], [1.0, 5.75]]))
    # floor rule: a 5th row/column that does not fill a window is dropped
    x5 = F.pad(x, (0, 1, 0, 1), value=100.0)
    torch.testing.assert_close(max_pool2d(x5, 2, device="cpu"), torch.tensor([[4.0, 5.0], [4.0, 8.0]]))


@pytest.mark.parametrize("shape,out", [((2, 3, 10, 7), (3, 4)), ((1, 2, 5, 5), 5), ((3, 4, 6), (4, 9)), ((7, 13), (9, 9)), ((2, 1, 3, 2), (7, 5))])
def test_adaptive_pools_match_f(shape: tuple[int, ...], out) -> None:
    x = torch.randn(*shape, generator=torch.Generator().manual_seed(8), dtype=torch.float64)
    x3 = x if x.ndim > 2 else x[None]  # F.adaptive_*_pool2d wants (C, H, W) or (N, C, H, W)
    exp_max = F.adaptive_max_pool2d(x3, out)
    exp_avg = F.adaptive_avg_pool2d(x3, out)
    if x.ndim == 2:
        exp_max, exp_avg = exp_max[0], exp_avg[0]
    torch.testing.assert_close(adaptive_max_pool2d(x, out, device="cpu"), exp_max)
    torch.testing.assert_close(adaptive_avg_pool2d(x, out, device="cpu"), exp_avg)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU: compares the twins on CUDA with the CPU")
def test_twins_on_cuda_match_cpu() -> None:
    g = torch.Generator().manual_seed(9)
    x = torch.randn(4, 3, 33, 29, generator=g, dtype=torch.float64)
    w = torch.randn(5, 3, 5, 3, generator=g, dtype=torch.float64)
    b = torch.randn(5, generator=g, dtype=torch.float64)
    kw = dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2))
    on_gpu = correlate2d(x, w, b, device="cuda", **kw)
    assert on_gpu.device.type == "cuda"
    torch.testing.assert_close(on_gpu.cpu(), correlate2d(x, w, b, device="cpu", **kw))
    torch.testing.assert_close(on_gpu.cpu(), F.conv2d(x, w, b, **kw))
    for fn in (max_pool2d, avg_pool2d):
        torch.testing.assert_close(fn(x, 3, 2, 1, device="cuda").cpu(), fn(x, 3, 2, 1, device="cpu"))
    for fn in (adaptive_max_pool2d, adaptive_avg_pool2d):
        torch.testing.assert_close(fn(x.cuda(), (9, 9)).cpu(), fn(x, (9, 9), device="cpu"))


# ----------------------------------------------------------------------------- bad inputs
X = torch.zeros(1, 2, 6, 6)
W = torch.zeros(3, 2, 3, 3)


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda: correlate2d(torch.zeros(1, 1, 2, 6, 6), W, device="cpu"), ValueError, r"x must be 2-D or 3-D or 4-D .*5-D"),
        (lambda: correlate2d(X, torch.zeros(2, 3, 3), device="cpu"), ValueError, r"weight must be 4-D \(C_out, C_in, kH, kW\)"),
        (lambda: correlate2d(torch.zeros(6, 6), W, device="cpu"), ValueError, r"weight must be 2-D \(kH, kW\) when x is a single"),
        (lambda: correlate2d(X, torch.zeros(3, 4, 3, 3), device="cpu"), ValueError, r"weight expects 4 input channels .* x has 2"),
        (lambda: correlate2d(X, W, torch.zeros(2), device="cpu"), ValueError, r"bias must have shape \(3,\).*got shape \(2,\)"),
        (lambda: correlate2d(X, W, stride=0, device="cpu"), ValueError, r"stride must be a positive integer.*got 0"),
        (lambda: correlate2d(X, W, dilation=(1, -2), device="cpu"), ValueError, r"dilation must be a positive integer.*got -2"),
        (lambda: correlate2d(X, W, padding=-1, device="cpu"), ValueError, r"padding must be zero or a positive integer, got -1"),
        (lambda: correlate2d(X, W, padding="circular", device="cpu"), ValueError, r"mode must be one of 'full', 'same', 'valid'; got 'circular'"),
        (lambda: correlate2d(X, W, padding="same", stride=2, device="cpu"), ValueError, r"padding='same' needs stride 1"),
        (lambda: correlate2d(X, torch.zeros(3, 2, 7, 3), device="cpu"), ValueError, r"kernel too large: it spans 7 samples"),
        (lambda: correlate2d(X, W, dilation=3, device="cpu"), ValueError, r"kernel too large: it spans 7 samples \(k=3, dilation=3\)"),
        (lambda: correlate2d(X, W, stride=1.5, device="cpu"), TypeError, r"stride must be an int or a pair of ints"),
        (lambda: correlate2d("abc", W, device="cpu"), TypeError, r"x must be an array of numbers, got dtype <U3"),
        (lambda: correlate2d(X.to(torch.complex64), W, device="cpu"), TypeError, r"x must hold real numbers, got complex"),
        (lambda: correlate2d(X, W, device="gpu0"), ValueError, r"device must name a PyTorch device.*'gpu0'"),
        (lambda: correlate2d(X, W, device=3), TypeError, r"device must be None, a string .* got 3"),
        (lambda: max_pool2d(torch.zeros(3), 2, device="cpu"), ValueError, r"x must be 2-D or 3-D or 4-D \(H, W\).*1-D"),
        (lambda: max_pool2d(X, 0, device="cpu"), ValueError, r"size must be a positive integer.*got 0"),
        (lambda: avg_pool2d(X, 2, stride=(1, 0), device="cpu"), ValueError, r"stride must be a positive integer.*got 0"),
        (lambda: max_pool2d(X, 3, padding=2, device="cpu"), ValueError, r"padding must be at most half the window size"),
        (lambda: avg_pool2d(X, 2, padding=-1, device="cpu"), ValueError, r"padding must be zero or a positive integer"),
        (lambda: max_pool2d(X, (7, 2), device="cpu"), ValueError, r"kernel too large: it spans 7 samples"),
        (lambda: max_pool2d(X, "2", device="cpu"), TypeError, r"size must be an int or a pair of ints"),
        (lambda: adaptive_max_pool2d(X, (0, 3), device="cpu"), ValueError, r"output_size must be a positive integer.*got 0"),
        (lambda: adaptive_avg_pool2d(X, 2.0, device="cpu"), TypeError, r"output_size must be an int or a pair of ints"),
        (lambda: adaptive_avg_pool2d(torch.zeros(2, 0, 4), 2, device="cpu"), ValueError, r"at least one row and one column"),
    ],
)
def test_bad_inputs_raise_with_a_clear_message(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message given where there is no CUDA GPU")
def test_cuda_requested_without_a_gpu() -> None:
    with pytest.raises(ValueError, match=r"'cuda' was requested but CUDA is not available"):
        correlate2d(X, W, device="cuda")
