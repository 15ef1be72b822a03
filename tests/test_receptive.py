"""course.receptive: the formula, the table, and the formula against a brute-force measurement."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from course import receptive_field, receptive_field_table
from course.receptive import measure_receptive_field

SETTINGS = settings(max_examples=50, deadline=None)

layer = st.one_of(
    st.tuples(st.integers(1, 5), st.integers(1, 3)),
    st.tuples(st.integers(1, 5), st.integers(1, 3), st.integers(1, 3)),
)
stacks = st.lists(layer, min_size=0, max_size=4)


# ---------------------------------------------------------------- hand-worked
@pytest.mark.parametrize(
    ("layers", "expected"),
    [
        ([], 1),
        ([(3, 1)], 3),
        ([(3, 1), (3, 1)], 5),  # two 3x3 convolutions see as far as one 5x5
        ([(3, 1), (3, 1), (3, 1)], 7),
        ([(2, 2), (2, 2), (2, 2)], 8),  # three 2x2 poolings: 2^3
        ([(3, 1), (2, 2), (3, 1)], 8),  # 3, then +1, then +2*2
        ([(3, 1, 2)], 5),  # a dilated 3-tap kernel spans 5 samples
        ([(3, 1, 1), (3, 1, 2), (3, 1, 4)], 15),  # WaveNet-style doubling: 1 + 2*(1+2+4)
        ([(5, 2), (5, 2), (3, 1)], 1 + 4 + 4 * 2 + 2 * 4),
    ],
)
def test_receptive_field_hand_worked(layers: list, expected: int) -> None:
    assert receptive_field(layers) == expected
    assert measure_receptive_field(layers) == expected


def test_receptive_field_table_hand_worked() -> None:
    rows = receptive_field_table([(3, 1), (2, 2), (3, 1, 2)])
    assert [r["size"] for r in rows] == [3, 4, 12]
    assert [r["jump"] for r in rows] == [1, 2, 2]
    assert [r["start"] for r in rows] == [1.0, 1.5, 5.5]
    assert rows[2] == {"layer": 3, "kernel": 3, "stride": 1, "dilation": 2, "size": 12, "jump": 2, "start": 5.5}


def test_receptive_field_accepts_lists_and_numpy_ints() -> None:
    assert receptive_field([[3, 1], (np.int64(3), np.int32(2))]) == 5


def test_measure_with_an_explicit_input_size() -> None:
    assert measure_receptive_field([(3, 2), (3, 2)], input_size=40) == 7


# ---------------------------------------------------------------- the formula against experiments
@SETTINGS
@given(stacks)
def test_formula_matches_brute_force(layers: list) -> None:
    assert receptive_field(layers) == measure_receptive_field(layers)


@SETTINGS
@given(stacks)
def test_table_agrees_with_receptive_field(layers: list) -> None:
    rows = receptive_field_table(layers)
    assert len(rows) == len(layers)
    for i, row in enumerate(rows):
        assert row["size"] == receptive_field(layers[: i + 1])
        assert row["jump"] == int(np.prod([lay[1] for lay in layers[: i + 1]]))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 4), st.integers(1, 2)), min_size=1, max_size=3), st.integers(0, 2**32 - 1))
def test_formula_and_start_match_a_torch_gradient(layers: list, seed: int) -> None:
    # independent check with PyTorch: the gradient of the first output unit is non-zero exactly
    # on its receptive field; the field's centre is the table's `start`
    n = 4 * receptive_field(layers) + 4
    x = torch.zeros(1, 1, n, dtype=torch.float64, requires_grad=True)
    y = x
    for k, s in layers:
        y = torch.nn.functional.conv1d(y, torch.ones(1, 1, k, dtype=torch.float64), stride=s)
    y[0, 0, 0].backward()
    hit = torch.nonzero(x.grad[0, 0]).flatten()
    assert int(hit[-1] - hit[0] + 1) == receptive_field(layers)
    assert (hit[0] + hit[-1]).item() / 2 == receptive_field_table(layers)[-1]["start"]


# ---------------------------------------------------------------- bad input
def test_bad_layers() -> None:
    with pytest.raises(TypeError, match=r"layers must be a list of \(kernel_size, stride\) .*got int 3"):
        receptive_field(3)
    with pytest.raises(TypeError, match=r"layers must be a list .*got str"):
        receptive_field("3,1")
    with pytest.raises(TypeError, match=r"layer 1 \(\(3,\)\) must be a \(kernel_size, stride\) or \(kernel_size, stride, dilation\) tuple"):
        receptive_field([(3, 1), (3,)])
    with pytest.raises(TypeError, match=r"layer 0 \(\(3, 1, 1, 1\)\) must be"):
        receptive_field([(3, 1, 1, 1)])
    with pytest.raises(TypeError, match=r"layer 0 \(\(3.0, 1\)\): kernel_size must be an int, got float 3.0"):
        receptive_field([(3.0, 1)])
    with pytest.raises(ValueError, match=r"layer 0 \(\(3, 0\)\): stride must be a positive integer \(>= 1\), got 0"):
        receptive_field([(3, 0)])
    with pytest.raises(ValueError, match=r"layer 2 \(\(3, 1, -1\)\): dilation must be a positive integer"):
        receptive_field_table([(3, 1), (3, 1), (3, 1, -1)])
    with pytest.raises(TypeError, match=r"layer 0 \(3\) must be a \(kernel_size, stride\)"):
        measure_receptive_field([3])
    with pytest.raises(ValueError, match=r"input_size=4 is too short"):
        measure_receptive_field([(3, 1), (3, 1)], input_size=4)
    with pytest.raises(ValueError, match=r"input_size must be a positive int, got 0"):
        measure_receptive_field([(3, 1)], input_size=0)
