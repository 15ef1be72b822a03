"""Checks and mistake catalogue of ``ex05_receptive_field``.

Graded function (ARCHITECTURE.md, "Exercise contract")::

    receptive_field(layers)   # layers: [(kernel_size, stride) or (kernel_size, stride, dilation), ...]

For layers ``l = 1..L`` (input side first) with kernel ``k_l``, stride ``s_l`` and dilation
``d_l``, the receptive field of one output unit is::

    r = 1 + sum_l d_l * (k_l - 1) * j_{l-1},     j_0 = 1,  j_l = j_{l-1} * s_l   (the "jump")

Check ids follow ex01: ``ex05.receptive_field.<part>`` (visible) and ``...<part>.hidden``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from course.grading.checks import CONVOLUTION_SHORTCUTS, Case, Check, Misconception, register
from course.grading.exercises.output_size import compare_size

__all__ = ["CHECKS", "MISCONCEPTIONS"]

RECEPTIVE_SHORTCUTS = CONVOLUTION_SHORTCUTS | frozenset({"torchvision", "torch.autograd"})


def _ref(layers: Any) -> int:
    from course.receptive import receptive_field

    return receptive_field(layers)


def _triples(layers: Sequence[Sequence[int]]) -> list[tuple[int, int, int]]:
    return [(int(t[0]), int(t[1]), int(t[2]) if len(t) > 2 else 1) for t in layers]


def _walk(layers: Any, step: Callable[[int, int, int, int, int], int]) -> int:
    """``r = 1 + sum over layers of step(k, s, d, jump_before, previous_stride)``."""
    r, jump, previous = 1, 1, 1
    for k, s, d in _triples(layers):
        r += step(k, s, d, jump, previous)
        jump, previous = jump * s, s
    return r


def _multiply_kernels(layers):
    return math.prod(k for k, _, _ in _triples(layers))


def _sum_kernels(layers):
    return sum(k for k, _, _ in _triples(layers))


def _no_plus_one(layers):
    return _walk(layers, lambda k, s, d, j, p: d * (k - 1) * j) - 1


def _ignore_strides(layers):
    return _walk(layers, lambda k, s, d, j, p: d * (k - 1))


def _ignore_dilation(layers):
    return _walk(layers, lambda k, s, d, j, p: (k - 1) * j)


def _dilation_times_k(layers):
    return _walk(layers, lambda k, s, d, j, p: (d * k - 1) * j)


def _own_stride(layers):
    return _walk(layers, lambda k, s, d, j, p: d * (k - 1) * s)


def _previous_stride_only(layers):
    return _walk(layers, lambda k, s, d, j, p: d * (k - 1) * p)


def _jump_includes_own_stride(layers):
    return _walk(layers, lambda k, s, d, j, p: d * (k - 1) * j * s)


def _reversed_order(layers):
    return _walk(list(layers)[::-1], lambda k, s, d, j, p: d * (k - 1) * j)


def _kernel_not_minus_one(layers):
    return _walk(layers, lambda k, s, d, j, p: d * k * j)


def _dilation_twice(layers):
    if all(d == 1 for _, _, d in _triples(layers)):
        raise ValueError("no dilation")
    return _walk(layers, lambda k, s, d, j, p: d * d * (k - 1) * j)


def _jump_added(layers):
    """jump += s: the jump sums the strides (1 + s_1 + ... ) instead of multiplying them."""
    r, jump = 1, 1
    for k, s, d in _triples(layers):
        r += d * (k - 1) * jump
        jump += s
    return r


def _jump_added_minus_one(layers):
    """jump += s - 1: 1 + (s_1 - 1) + (s_2 - 1) + ... instead of s_1 * s_2 * ..."""
    r, jump = 1, 1
    for k, s, d in _triples(layers):
        r += d * (k - 1) * jump
        jump += s - 1
    return r


def _returned_jump(layers):
    return math.prod(s for _, s, _ in _triples(layers))


def _last_layer_missing(layers):
    return _walk(list(layers)[:-1], lambda k, s, d, j, p: d * (k - 1) * j)  # one layer: 1


def _first_layer_missing(layers):
    return _walk(list(layers)[1:], lambda k, s, d, j, p: d * (k - 1) * j)


def _strides_added(layers):
    """Each layer adds its kernel growth and its stride: r = 1 + sum d*(k - 1) + sum (s - 1)."""
    return _walk(layers, lambda k, s, d, j, p: d * (k - 1) + (s - 1))


FORMULA = "r = 1 + sum_l d_l*(k_l - 1)*j_(l-1), where the jump j_(l-1) is the product of the strides of the layers BEFORE layer l (j_0 = 1)"

MISCONCEPTIONS: tuple[Misconception, ...] = (
    Misconception(
        "multiply_kernels",
        f"you multiplied the kernel sizes: stacking layers ADDS (k - 1) input cells per layer (times the jump), {FORMULA}",
        _multiply_kernels,
    ),
    Misconception(
        "sum_kernels",
        f"you added the kernel sizes: neighbouring windows overlap, each layer adds only k - 1 new cells (times the jump), {FORMULA}",
        _sum_kernels,
    ),
    Misconception(
        "no_plus_one",
        f"you forgot the + 1: a single output unit (no layer) sees 1 cell, and each layer adds d*(k - 1)*jump, {FORMULA}",
        _no_plus_one,
    ),
    Misconception(
        "ignore_strides",
        f"you ignored the strides: after a layer with stride s, one step in its output is s steps in its input, so later kernels "
        f"reach further; {FORMULA}",
        _ignore_strides,
    ),
    Misconception(
        "ignore_dilation",
        f"you ignored the dilation: a kernel of size k with dilation d spans d*(k - 1) + 1 cells, {FORMULA}",
        _ignore_dilation,
    ),
    Misconception(
        "dilation_times_k",
        f"a dilated kernel spans d*(k - 1) + 1 cells, not d*k: there are k - 1 gaps of d between its k taps; {FORMULA}",
        _dilation_times_k,
    ),
    Misconception(
        "own_stride",
        f"you multiplied each layer's growth by its OWN stride: use the accumulated jump, the product of the strides of all "
        f"EARLIER layers; {FORMULA}",
        _own_stride,
    ),
    Misconception(
        "previous_stride_only",
        f"you multiplied by the previous layer's stride only: use the accumulated jump, the product of the strides of ALL "
        f"earlier layers; {FORMULA}",
        _previous_stride_only,
    ),
    Misconception(
        "jump_includes_own_stride",
        f"you updated the jump before using it: a layer's growth uses the strides of the layers before it, not its own; {FORMULA}",
        _jump_includes_own_stride,
    ),
    Misconception(
        "kernel_not_minus_one",
        f"your number is what adding d*k*jump per layer gives: a layer adds d*(k - 1)*jump cells, one fewer tap's worth "
        f"(its first tap sits on a cell already counted); {FORMULA}",
        _kernel_not_minus_one,
    ),
    Misconception(
        "dilation_twice",
        f"your number counts the dilation twice (d*d*(k - 1) per layer): a kernel of size k with dilation d adds "
        f"d*(k - 1) cells, times the jump; {FORMULA}",
        _dilation_twice,
    ),
    Misconception(
        "jump_added",
        f"your number is what a jump that ADDS the strides (jump += s) gives: the jump MULTIPLIES them (after strides 2 "
        f"and 3 one step is 2*3 = 6 input cells, not 1 + 2 + 3); {FORMULA}",
        _jump_added,
    ),
    Misconception(
        "jump_added_minus_one",
        f"your number is what a jump grown by s - 1 per layer (jump += s - 1) gives: the jump MULTIPLIES the strides "
        f"(after strides 2 and 3 one step is 2*3 = 6 input cells, not 1 + 1 + 2); {FORMULA}",
        _jump_added_minus_one,
    ),
    Misconception(
        "strides_added",
        f"your number is 1 + sum d*(k - 1) + sum (s - 1): the strides do not add cells of their own, they multiply "
        f"the growth of every LATER layer (the jump); {FORMULA}",
        _strides_added,
    ),
    Misconception(
        "returned_jump",
        f"your number is the product of all the strides (the final jump), not the receptive field: return r; {FORMULA}",
        _returned_jump,
    ),
    Misconception(
        "last_layer_missing",
        f"your number is the receptive field of all the layers but the LAST one: does your loop stop one layer early "
        f"(range(len(layers) - 1))? {FORMULA}",
        _last_layer_missing,
    ),
    Misconception(
        "first_layer_missing",
        f"your number is the receptive field of all the layers but the FIRST one: does your loop start at 1? {FORMULA}",
        _first_layer_missing,
    ),
    Misconception(
        "reversed_order",
        f"you walked the layers in the wrong order: layers[0] is the first layer applied to the input, and the jump "
        f"multiplies the strides from the input side; {FORMULA}",
        _reversed_order,
    ),
)


# --------------------------------------------------------------------------------------------
# cases
# --------------------------------------------------------------------------------------------
# The lecture's Keras model: Conv2D 5x5, MaxPooling 2x2 stride 2, Conv2D 5x5, MaxPooling 2x2.
KERAS_MODEL = [(5, 1), (2, 2), (5, 1), (2, 2)]  # -> 16


def _describe(case: Case) -> str:
    """``layers=[(4, 2), (5, 3)] (the right sum: 1 + 3*1 + 4*2 = 12)``: the case and how its answer is made."""
    args, _ = case
    layers = [tuple(int(v) for v in t) for t in args[0]]
    terms, jump = [], 1
    for k, s, d in _triples(layers):
        terms.append(f"{d}*{k - 1}*{jump}" if d != 1 else f"{k - 1}*{jump}")
        jump *= s
    return f"layers={layers!r} (the right sum: 1 + {' + '.join(terms) or '0'} = {_ref(layers)})"


def _random_stack(rng: np.random.Generator, n_layers: int, stride: bool, dilation: bool) -> list[tuple[int, ...]]:
    layers: list[tuple[int, ...]] = []
    for _ in range(n_layers):
        k = int(rng.integers(1, 8))
        s = int(rng.integers(1, 4)) if stride else 1
        if dilation and rng.random() < 0.7:
            layers.append((k, s, int(rng.integers(1, 5))))
        else:
            layers.append((k, s))
    return layers


def kernel_example_cases() -> list[Case]:
    """Stride 1, checkable by hand: two 3x3 layers see 5x5, one 5x5 layer sees 5x5, three 3x3 see 7x7."""
    return [(([(3, 1), (3, 1)],), {}), (([(5, 1)],), {}), (([(3, 1), (3, 1), (3, 1)],), {}), (([(3, 1), (5, 1), (2, 1)],), {}),
            (([(1, 1), (4, 1), (1, 1)],), {})]


def kernel_cases(seed: int) -> list[Case]:
    """Seeded random stride-1 stacks of 1-6 layers, kernels 1-7."""
    rng = np.random.default_rng(seed)
    return [((_random_stack(rng, int(rng.integers(1, 7)), False, False),), {}) for _ in range(25)]


# First cases of the stride and dilation checks: found by a search so that every catalogued mistake
# fails early on a case where no mistake listed before it gives the same wrong number.
_STRIDE_PREFIX: list[Case] = [(([(4, 2), (5, 3), (3, 3)],), {})]  # 1 + 3 + 4*2 + 2*6 = 24
_DILATION_PREFIX: list[Case] = [(([(5, 2, 3), (4, 3, 3), (2, 2)],), {})]  # 1 + 12 + 9*2 + 1*6 = 37


def stride_example_cases() -> list[Case]:
    """Strides: a three-layer stack worked in the notebook (24), the lecture's Keras model (a unit after the
    second pooling layer sees 16x16 pixels), two stride-2 poolings (4), more stacks, and one layer alone
    (its own stride changes nothing: 3)."""
    return [*_STRIDE_PREFIX, ((list(KERAS_MODEL),), {}), (([(2, 2), (2, 2)],), {}), (([(3, 2), (3, 2), (3, 1)],), {}),
            (([(1, 2), (3, 3)],), {}), (([(3, 2)],), {})]


def stride_cases(seed: int) -> list[Case]:
    """Seeded random stacks with strides 1-3 (pooling-like layers included)."""
    rng = np.random.default_rng(seed)
    return [*_STRIDE_PREFIX, *(((_random_stack(rng, int(rng.integers(1, 6)), True, False),), {}) for _ in range(25))]


def dilation_example_cases() -> list[Case]:
    """Dilation: a mixed stack (37), a 3-tap kernel with dilation 2 (5 cells), dilations 1, 2, 4 (WaveNet style: 15)."""
    return [*_DILATION_PREFIX, (([(3, 1, 2)],), {}), (([(3, 1, 1), (3, 1, 2), (3, 1, 4)],), {}),
            (([(1, 2, 3), (3, 2, 2), (2, 1)],), {})]


def dilation_cases(seed: int) -> list[Case]:
    """Seeded random stacks mixing (k, s) and (k, s, d) layers, strides and dilations."""
    rng = np.random.default_rng(seed)
    return [*_DILATION_PREFIX, *(((_random_stack(rng, int(rng.integers(1, 6)), True, True),), {}) for _ in range(25))]


def _check(check_id: str, cases: Callable[..., list[Case]]) -> Check:
    return Check(
        id=check_id, function="receptive_field", cases=cases, reference=_ref, misconceptions=MISCONCEPTIONS,
        compare=compare_size, forbidden=RECEPTIVE_SHORTCUTS, describe=_describe, hidden=check_id.endswith(".hidden"),
    )


CHECKS: tuple[Check, ...] = (
    _check("ex05.receptive_field.kernels", kernel_example_cases),
    _check("ex05.receptive_field.kernels.hidden", kernel_cases),
    _check("ex05.receptive_field.strides", stride_example_cases),
    _check("ex05.receptive_field.strides.hidden", stride_cases),
    _check("ex05.receptive_field.dilation", dilation_example_cases),
    _check("ex05.receptive_field.dilation.hidden", dilation_cases),
)

for _c in CHECKS:
    register(_c)
