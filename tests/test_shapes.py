"""conv_output_size: the one output-size formula, checked against PyTorch and by hand."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from course import conv_output_size


@pytest.mark.parametrize(
    ("n", "k", "stride", "padding", "dilation", "expected"),
    [
        (5, 3, 1, 0, 1, 3),  # the lecture's 5x5 input and 3x3 kernel give a 3x3 feature map
        (1000, 5, 1, 0, 1, 996),  # the Keras model's first Conv2D (valid padding)
        (996, 2, 2, 0, 1, 498),  # ... and its first MaxPooling2D
        (7, 3, 2, 0, 1, 3),  # floor: windows at 0, 2, 4
        (8, 3, 2, 0, 1, 3),  # floor: the window at 6 would need index 8, so it is dropped
        (5, 3, 1, 1, 1, 5),  # "same" padding for an odd kernel
        (9, 3, 1, 0, 2, 5),  # dilation 2: the kernel spans 5 samples
    ],
)
def test_hand_worked_sizes(n: int, k: int, stride: int, padding: int, dilation: int, expected: int) -> None:
    assert conv_output_size(n, k, stride, padding, dilation) == expected


@given(
    n=st.integers(1, 40),
    k=st.integers(1, 7),
    stride=st.integers(1, 5),
    padding=st.integers(0, 3),
    dilation=st.integers(1, 3),
)
def test_matches_pytorch_conv1d(n: int, k: int, stride: int, padding: int, dilation: int) -> None:
    span = dilation * (k - 1) + 1
    x = torch.zeros(1, 1, n)
    w = torch.zeros(1, 1, k)
    if span > n + 2 * padding:
        with pytest.raises(ValueError, match="kernel too large"):
            conv_output_size(n, k, stride, padding, dilation)
        with pytest.raises(RuntimeError):
            torch.nn.functional.conv1d(x, w, stride=stride, padding=padding, dilation=dilation)
        return
    out = torch.nn.functional.conv1d(x, w, stride=stride, padding=padding, dilation=dilation)
    assert conv_output_size(n, k, stride, padding, dilation) == out.shape[-1]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n": 5, "k": 3, "stride": 0}, ValueError, r"stride must be a positive integer \(>= 1\), got 0"),
        ({"n": 5, "k": 3, "stride": -2}, ValueError, r"stride must be a positive integer \(>= 1\), got -2"),
        ({"n": 5, "k": 3, "padding": -1}, ValueError, r"padding must be zero or a positive integer, got -1"),
        ({"n": 5, "k": 3, "dilation": 0}, ValueError, r"dilation must be a positive integer"),
        ({"n": 0, "k": 3}, ValueError, r"n \(input length\) must be a positive integer"),
        ({"n": 5, "k": 0}, ValueError, r"k \(kernel size\) must be a positive integer"),
        ({"n": 3, "k": 5}, ValueError, r"kernel too large: it spans 5 samples .* padded input has only 3"),
        ({"n": 5.0, "k": 3}, TypeError, r"n must be an int, got float 5.0"),
        ({"n": 5, "k": "3"}, TypeError, r"k must be an int, got str '3'"),
        ({"n": 5, "k": 3, "stride": True}, TypeError, r"stride must be an int, got bool"),
    ],
)
def test_bad_input_says_what_it_got(kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        conv_output_size(**kwargs)
