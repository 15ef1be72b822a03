"""Checks and mistake catalogue of ``ex03_conv_layer``.

Graded functions (ARCHITECTURE.md, "Exercise contract")::

    conv_layer_forward(x, weight, bias, stride=1, padding=0)
        # x (C_in, H, W), weight (C_out, C_in, kH, kW), bias (C_out,) -> (C_out, H_out, W_out)
        # fout_{l+1}(i) = b_{l+1}(i) + sum_j fout_l(j) * f_{l+1}(i, j)   (* = cross-correlation)
    count_conv_parameters(c_in, c_out, kernel_size, bias=True)

Check ids follow ex01: ``ex03.<function>.<part>`` (visible, checkable by hand) and
``ex03.<function>.<part>.hidden`` (random cases from the grader's secret seed); one graded cell per part.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course.grading.checks import CONVOLUTION_SHORTCUTS, Case, Check, Misconception, register
from course.grading.exercises.output_size import compare_size
from course.grading.exercises.convolution_2d import STRIDE_PADDING_MESSAGES, wrong_correlate, random_ints, random_kernel, keep_kernel, pad_sides, mistake_variants

__all__ = ["CHECKS", "MISCONCEPTIONS_LAYER", "MISCONCEPTIONS_PARAMETERS"]


def _ref_layer(x: Any, weight: Any, bias: Any, stride: int = 1, padding: int = 0) -> np.ndarray:
    from course.layers import conv_layer_forward

    return conv_layer_forward(x, weight, bias, stride=stride, padding=padding)


def _ref_count(c_in: int, c_out: int, kernel_size: Any, bias: bool = True) -> int:
    from course.layers import count_conv_parameters

    return count_conv_parameters(c_in, c_out, kernel_size, bias=bias)


# --------------------------------------------------------------------------------------------
# conv_layer_forward: wrong answers
# --------------------------------------------------------------------------------------------
CorrFn = Callable[[np.ndarray, np.ndarray, int, int], np.ndarray]


def _right_corr(x: np.ndarray, w: np.ndarray, stride: int, padding: int) -> np.ndarray:
    return wrong_correlate(pad_sides(x, padding, padding, padding, padding), keep_kernel(w), (stride, stride))


def _responses(x: Any, weight: Any, stride: int, padding: int, corr: CorrFn = _right_corr) -> np.ndarray:
    """Every input map j correlated with every kernel weight[i, j]: (C_out, C_in, H_out, W_out)."""
    x, weight = np.asarray(x, dtype=float), np.asarray(weight, dtype=float)
    return np.array([[corr(x[j], weight[i, j], stride, padding) for j in range(x.shape[0])] for i in range(weight.shape[0])])


def _bias(bias: Any) -> np.ndarray:
    return np.asarray(bias, dtype=float)[:, None, None]  # (C_out,) -> (C_out, 1, 1)


def _missing_bias(x, weight, bias, stride=1, padding=0):
    return _responses(x, weight, stride, padding).sum(axis=1)


def _bias_per_input_map(x, weight, bias, stride=1, padding=0):
    return _responses(x, weight, stride, padding).sum(axis=1) + np.shape(x)[0] * _bias(bias)


def _same_index_only(x, weight, bias, stride=1, padding=0):
    r = _responses(x, weight, stride, padding)  # (C_out, C_in, H_out, W_out)
    c_out, c_in = r.shape[:2]
    out = np.array([r[i, i] if i < c_in else np.zeros(r.shape[2:]) for i in range(c_out)])
    return out + _bias(bias)


def _first_input_only(x, weight, bias, stride=1, padding=0):
    r = _responses(x, weight, stride, padding)
    if r.shape[1] == 1:
        raise ValueError("one input map")
    return r[:, 0] + _bias(bias)


def _last_input_only(x, weight, bias, stride=1, padding=0):
    r = _responses(x, weight, stride, padding)
    if r.shape[1] == 1:
        raise ValueError("one input map: the last is the only one")
    return r[:, -1] + _bias(bias)


def _last_input_only_no_bias(x, weight, bias, stride=1, padding=0):
    return _responses(x, weight, stride, padding)[:, -1]  # one input map: the bias is still missing


def _padding_channels(x, weight, bias, stride=1, padding=0):
    """np.pad(x, padding) pads the map axis too: the loop over j reads padded map j, which is
    input map j - padding (all zeros for j < padding)."""
    if padding == 0:
        raise ValueError("no padding")
    x = np.asarray(x, dtype=float)
    shifted = np.zeros_like(x)
    if padding < x.shape[0]:
        shifted[padding:] = x[: x.shape[0] - padding]
    return _responses(shifted, weight, stride, padding).sum(axis=1) + _bias(bias)


def _transposed_kernels(x, weight, bias, stride=1, padding=0):
    weight = np.asarray(weight, dtype=float)
    if weight.shape[2] != weight.shape[3]:
        raise ValueError("a non-square kernel transposed does not fit the window")
    return _responses(x, weight.transpose(0, 1, 3, 2), stride, padding).sum(axis=1) + _bias(bias)


def _no_sum(x, weight, bias, stride=1, padding=0):
    return _responses(x, weight, stride, padding) + _bias(bias)[:, None]  # (C_out, C_in, H_out, W_out)


def _no_sum_flat(x, weight, bias, stride=1, padding=0):
    r = _no_sum(x, weight, bias, stride, padding)
    return r.reshape(-1, *r.shape[2:])  # (C_out * C_in, H_out, W_out)


def _mean_over_inputs(x, weight, bias, stride=1, padding=0):
    r = _responses(x, weight, stride, padding)
    if r.shape[1] == 1:
        raise ValueError("one input map: mean = sum")
    return r.mean(axis=1) + _bias(bias)


def _weight_axes_swapped(x, weight, bias, stride=1, padding=0):
    weight = np.asarray(weight, dtype=float)
    if weight.shape[0] != weight.shape[1]:
        raise ValueError("C_out != C_in: would not even run")
    return _responses(x, weight.transpose(1, 0, 2, 3), stride, padding).sum(axis=1) + _bias(bias)


def _flipped_kernels(x, weight, bias, stride=1, padding=0):
    weight = np.asarray(weight, dtype=float)[:, :, ::-1, ::-1]
    return _responses(x, weight, stride, padding).sum(axis=1) + _bias(bias)


def _channels_last(x, weight, bias, stride=1, padding=0):
    right = _responses(x, weight, stride, padding).sum(axis=1) + _bias(bias)
    return right.transpose(1, 2, 0)  # (H_out, W_out, C_out)


def _with_map_mistake(name: str) -> Callable[..., np.ndarray]:
    """The layer built from a correlation that makes ex02's stride/padding mistake ``name``."""
    wrong = mistake_variants(keep_kernel)[name]

    def compute(x, weight, bias, stride=1, padding=0):
        corr = lambda xm, w, s, p: wrong(xm, w, stride=s, padding=p)  # noqa: E731
        return _responses(x, weight, stride, padding, corr).sum(axis=1) + _bias(bias)

    return compute


FORMULA = "fout(i) = b(i) + sum_j x[j] (cross-correlated with) weight[i, j]"

MISCONCEPTIONS_LAYER: tuple[Misconception, ...] = (
    Misconception(
        "missing_bias", f"you left out the bias: output map i gets its bias b[i] added once, at every position: {FORMULA}", _missing_bias
    ),
    Misconception(
        "bias_per_input_map",
        "you added the bias once per input map (C_in times): add b[i] only once to output map i, after summing over the input maps",
        _bias_per_input_map,
    ),
    Misconception(
        "same_index_only",
        f"you combined input map i only with output map i: every output map sums the responses of ALL input maps, {FORMULA}",
        _same_index_only,
    ),
    Misconception(
        "first_input_only",
        f"you used only the first input map: every output map sums the responses of ALL C_in input maps, {FORMULA}",
        _first_input_only,
    ),
    Misconception(
        "last_input_only",
        "only the LAST input map counts in your output (plus the bias): each input map's response replaces the one "
        "before it (`=` where `+=` belongs?); every output map sums the responses of ALL input maps, " + FORMULA,
        _last_input_only,
    ),
    Misconception(
        "last_input_only_no_bias",
        "your output map i is the response of the LAST input map only, without the bias: each input map's response "
        "replaces what was there before, the bias included (`=` where `+=` belongs?); " + FORMULA,
        _last_input_only_no_bias,
    ),
    Misconception(
        "padding_channels",
        "you padded the map axis too (np.pad(x, padding) pads ALL three axes of a (C_in, H, W) array): your map j is "
        "then input map j - padding, the first ones all zeros. Pad only H and W: "
        "np.pad(x, ((0, 0), (padding, padding), (padding, padding)))",
        _padding_channels,
    ),
    Misconception(
        "transposed_kernels",
        "you used each kernel transposed (weight[i, j].T): weight[i, j, u, v] multiplies x[j, r + u, c + v], u down "
        "the rows and v along the columns",
        _transposed_kernels,
    ),
    Misconception(
        "no_sum",
        "you kept one map per (output, input) pair instead of summing over the input maps: that is the combinatorial "
        f"explosion the lecture warns about (10 kernels x 10 maps = 100 maps); the layer fuses them by addition, {FORMULA}",
        _no_sum,
    ),
    Misconception(
        "no_sum_flat",
        "you returned C_out * C_in maps, one per (output, input) pair: the layer fuses them by addition into C_out maps, "
        f"{FORMULA}",
        _no_sum_flat,
    ),
    Misconception(
        "mean_over_inputs",
        f"you averaged the responses of the input maps: the layer SUMS them, {FORMULA}",
        _mean_over_inputs,
    ),
    Misconception(
        "weight_axes_swapped",
        "you used weight[j, i] where weight[i, j] belongs: weight has shape (C_out, C_in, kH, kW), so output map i "
        "uses the kernels weight[i, :] (one per input map j)",
        _weight_axes_swapped,
    ),
    Misconception(
        "flipped_kernels",
        "you flipped the kernels (true convolution): a convolutional layer, like PyTorch's and Keras', computes "
        "cross-correlation, y[i, j] = sum_{u,v} x[i + u, j + v] * w[u, v]",
        _flipped_kernels,
    ),
    Misconception(
        "channels_last",
        "your output is (H_out, W_out, C_out): return the maps first, shape (C_out, H_out, W_out) (PyTorch's layout)",
        _channels_last,
    ),
    # ex02's stride/padding mistakes, made again on every map (the full catalogue is ex02's)
    *(
        Misconception(name, STRIDE_PADDING_MESSAGES[name], _with_map_mistake(name))
        for name in ("stride_ignored", "stride_in_size_only", "ceil_rule", "padding_ignored", "padding_one_side",
                     "padding_rows_only")
    ),
)


# --------------------------------------------------------------------------------------------
# count_conv_parameters: wrong answers
# --------------------------------------------------------------------------------------------
def _hw(kernel_size: Any) -> tuple[int, int]:
    return (int(kernel_size), int(kernel_size)) if np.ndim(kernel_size) == 0 else (int(kernel_size[0]), int(kernel_size[1]))


def _forgot_c_in(c_in, c_out, kernel_size, bias=True):
    kh, kw = _hw(kernel_size)
    return c_out * kh * kw + (c_out if bias else 0)


def _bias_per_pair(c_in, c_out, kernel_size, bias=True):
    kh, kw = _hw(kernel_size)
    return c_out * c_in * (kh * kw + (1 if bias else 0))


def _bias_per_input_channel(c_in, c_out, kernel_size, bias=True):
    kh, kw = _hw(kernel_size)
    return c_out * c_in * kh * kw + (c_in if bias else 0)


def _always_bias(c_in, c_out, kernel_size, bias=True):
    kh, kw = _hw(kernel_size)
    return c_out * c_in * kh * kw + c_out


def _never_bias(c_in, c_out, kernel_size, bias=True):
    kh, kw = _hw(kernel_size)
    return c_out * c_in * kh * kw


def _single_bias(c_in, c_out, kernel_size, bias=True):
    kh, kw = _hw(kernel_size)
    return c_out * c_in * kh * kw + (1 if bias else 0)


def _square_of_first(c_in, c_out, kernel_size, bias=True):
    kh, _ = _hw(kernel_size)
    return c_out * c_in * kh * kh + (c_out if bias else 0)


def _kernel_not_squared(c_in, c_out, kernel_size, bias=True):
    if np.ndim(kernel_size) != 0:
        raise ValueError("a pair: k not squared does not apply")
    return c_out * c_in * int(kernel_size) + (c_out if bias else 0)


PARAMETER_FORMULA = "c_out * c_in * kH * kW weights + c_out biases (when bias=True)"

MISCONCEPTIONS_PARAMETERS: tuple[Misconception, ...] = (
    Misconception(
        "forgot_c_in",
        f"each output map has one kH x kW kernel PER INPUT MAP, so multiply by c_in too: {PARAMETER_FORMULA}",
        _forgot_c_in,
    ),
    Misconception(
        "bias_per_pair",
        f"you counted one bias per (output, input) pair: there is one bias per OUTPUT map, {PARAMETER_FORMULA}",
        _bias_per_pair,
    ),
    Misconception(
        "bias_per_input_channel",
        f"you counted one bias per input map (c_in): there is one bias per OUTPUT map, {PARAMETER_FORMULA}",
        _bias_per_input_channel,
    ),
    Misconception(
        "always_bias", "with bias=False the layer has no biases: count only the c_out * c_in * kH * kW weights", _always_bias
    ),
    Misconception("never_bias", f"you forgot the biases: {PARAMETER_FORMULA}", _never_bias),
    Misconception("single_bias", f"there is one bias per output map, not one for the whole layer: {PARAMETER_FORMULA}", _single_bias),
    Misconception(
        "square_of_first",
        "kernel_size=(kH, kW) may be rectangular: a kernel has kH * kW weights, not kH * kH",
        _square_of_first,
    ),
    Misconception(
        "kernel_not_squared",
        "kernel_size=k (an int) means a k x k kernel: k * k weights per (output, input) pair, not k",
        _kernel_not_squared,
    ),
)


# --------------------------------------------------------------------------------------------
# cases
# --------------------------------------------------------------------------------------------
# the notebook's hand-worked example: two 3x3 input maps, two output maps with 2x2 kernels
HAND_X = np.array([[[1, 2, 0], [0, 1, 3], [2, 0, 1]], [[0, 1, 1], [2, 0, 0], [1, 1, 2]]], dtype=float)
HAND_W = np.array(
    [[[[1, 0], [0, 1]], [[0, 2], [1, 0]]], [[[1, 1], [0, 0]], [[0, 0], [-1, 1]]]], dtype=float
)  # (C_out=2, C_in=2, 2, 2)
HAND_B = np.array([1.0, -2.0])


def _describe_layer_case(case: Case) -> str:
    args, kwargs = case
    bias = ", ".join(f"{float(b):g}" for b in np.ravel(args[2]))
    parts = [f"x of shape {np.shape(args[0])}", f"weight of shape {np.shape(args[1])}", f"bias [{bias}]"]
    return ", ".join(parts + [f"{k}={v!r}" for k, v in kwargs.items()])


def _describe_count_case(case: Case) -> str:
    args, kwargs = case
    names = ("c_in", "c_out", "kernel_size", "bias")
    return ", ".join([f"{n}={v!r}" for n, v in zip(names, args)] + [f"{k}={v!r}" for k, v in kwargs.items()])


def _layer_case(rng: np.random.Generator, c_in: int, c_out: int, hw: tuple[int, int], khw: tuple[int, int], **kwargs: int) -> Case:
    x = random_ints(rng, (c_in, *hw))
    weight = np.array([[random_kernel(rng, khw) for _ in range(c_in)] for _ in range(c_out)])
    bias = rng.integers(1, 6, size=c_out).astype(float) * rng.choice([-1.0, 1.0], size=c_out)
    return (x, weight, bias), kwargs


def channel_example_cases() -> list[Case]:
    """The hand-worked example (2 maps in, 2 out), then one input map and three output maps with
    2x3 kernels, then three input maps and two output maps with 3x2 kernels on 5x4 maps."""
    rng = np.random.default_rng(3001)
    return [((HAND_X.copy(), HAND_W.copy(), HAND_B.copy()), {}), _layer_case(rng, 1, 3, (4, 5), (2, 3)),
            _layer_case(rng, 3, 2, (5, 4), (3, 2))]


def channel_cases(seed: int) -> list[Case]:
    """Stride 1, no padding: 1-4 input and output maps, non-square maps and kernels, non-zero biases."""
    rng = np.random.default_rng(seed)
    specs = [(2, 2, (5, 6), (2, 3)), (3, 2, (6, 5), (3, 2)), (2, 4, (7, 7), (3, 3)), (4, 3, (8, 10), (2, 4)), (1, 2, (6, 4), (3, 1)), (3, 3, (9, 6), (4, 3)), (4, 4, (12, 12), (5, 5))]
    return [_layer_case(rng, ci, co, hw, k) for ci, co, hw, k in specs]


def stride_padding_example_cases() -> list[Case]:
    """The hand-worked example with padding 1, then with stride 2 and padding 1 (the last window
    does not fit), then its first input map alone (one map in: a bias added per input map shows
    only with several); then 5x6 maps with 3x2 kernels, stride 2 and padding 1, where the windows
    fit exactly (5 + 2 - 3 and 6 + 2 - 2 are multiples of 2), 6x7 maps with stride 3 and
    padding 2, and 7x6 maps with stride 2 and no padding."""
    rng = np.random.default_rng(3002)
    return [
        ((HAND_X.copy(), HAND_W.copy(), HAND_B.copy()), {"padding": 1}),
        ((HAND_X.copy(), HAND_W.copy(), HAND_B.copy()), {"stride": 2, "padding": 1}),
        ((HAND_X[:1].copy(), HAND_W[:, :1].copy(), HAND_B.copy()), {"padding": 1}),
        _layer_case(rng, 2, 3, (5, 6), (3, 2), stride=2, padding=1),
        _layer_case(rng, 3, 2, (6, 7), (2, 3), stride=3, padding=2),
        _layer_case(rng, 2, 2, (7, 6), (3, 2), stride=2, padding=0),
    ]


def stride_padding_cases(seed: int) -> list[Case]:
    """Strides 2-3 with a last window that does not fit, padding 1-2, several maps."""
    rng = np.random.default_rng(seed)
    specs = [(2, 2, (6, 6), (3, 3), 1, 2), (2, 3, (7, 9), (3, 2), 2, 1), (3, 2, (8, 7), (2, 3), 3, 0), (4, 2, (9, 11), (3, 3), 2, 2), (1, 3, (10, 8), (4, 2), 3, 1), (3, 4, (16, 12), (5, 3), 2, 1)]
    return [_layer_case(rng, ci, co, hw, k, stride=s, padding=p) for ci, co, hw, k, s, p in specs]


def count_example_cases() -> list[Case]:
    """The lecture's Keras model (Conv2D(32, 5x5) on 1 map, Conv2D(64, 5x5) on 32), and small layers."""
    return [
        ((3, 5, (2, 3)), {}),
        ((1, 32, 5), {}),
        ((32, 64, 5), {}),
        ((3, 64, 3), {}),
        ((1, 8, (5, 3)), {"bias": False}),
        ((2, 4, (3, 3)), {"bias": True}),
    ]


def count_cases(seed: int) -> list[Case]:
    """Seeded random layers: 1-512 channels, square and rectangular kernels, with and without bias."""
    rng = np.random.default_rng(seed)
    out: list[Case] = [((3, 5, (2, 3)), {}), ((4, 6, 3), {"bias": False}), ((2, 7, 3), {})]
    for i in range(30):
        c_in, c_out = int(rng.choice([1, 2, 3, 16, 32, 64, 128, 512])), int(rng.integers(1, 257))
        kernel: Any = int(rng.integers(1, 8)) if i % 3 else (int(rng.integers(1, 8)), int(rng.integers(1, 8)))
        out.append(((c_in, c_out, kernel), {"bias": bool(i % 4)} if i % 2 else {}))
    return out


# --------------------------------------------------------------------------------------------
# registration
# --------------------------------------------------------------------------------------------
def _layer_check(check_id: str, cases: Callable[..., list[Case]]) -> Check:
    return Check(
        id=check_id, function="conv_layer_forward", cases=cases, reference=_ref_layer, hidden=check_id.endswith(".hidden"),
        misconceptions=MISCONCEPTIONS_LAYER, forbidden=CONVOLUTION_SHORTCUTS, describe=_describe_layer_case,
    )


def _count_check(check_id: str, cases: Callable[..., list[Case]]) -> Check:
    return Check(
        id=check_id, function="count_conv_parameters", cases=cases, reference=_ref_count, hidden=check_id.endswith(".hidden"),
        misconceptions=MISCONCEPTIONS_PARAMETERS, compare=compare_size, forbidden=CONVOLUTION_SHORTCUTS,
        describe=_describe_count_case,
    )


CHECKS: tuple[Check, ...] = (
    _layer_check("ex03.conv_layer_forward.channels", channel_example_cases),
    _layer_check("ex03.conv_layer_forward.channels.hidden", channel_cases),
    _layer_check("ex03.conv_layer_forward.stride_padding", stride_padding_example_cases),
    _layer_check("ex03.conv_layer_forward.stride_padding.hidden", stride_padding_cases),
    _count_check("ex03.count_conv_parameters.all", count_example_cases),
    _count_check("ex03.count_conv_parameters.all.hidden", count_cases),
)

for _check in CHECKS:
    register(_check)
