"""The lecture widgets, driven headless: move a control, check what the widget computed and drew.

Expected values are hand-worked (the lecture's 5x5 example, small impulses) or come from
NumPy/SciPy, never from the widget's own code path.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scipy import signal  # noqa: E402

from course.widgets import (  # noqa: E402
    ConvolutionStepper,
    EquivarianceDemo,
    ParameterCounter,
    PoolingExplorer,
    ReceptiveFieldExplorer,
    SlidingConvolution,
)
from course.widgets.equivariance import shift_signal  # noqa: E402
from course.widgets.params import dense_parameter_count  # noqa: E402
from course.widgets.receptive import dependency_sets  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
LECTURE_X = np.array([[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]])
LECTURE_W = np.array([[0, 1, 2], [2, 2, 0], [0, 1, 2]])
LECTURE_Y = np.array([[12, 12, 17], [10, 17, 19], [9, 6, 14]])  # from the lecture's slide


@pytest.fixture(autouse=True)
def _no_pyplot_leak():
    plt.close("all")
    yield
    assert plt.get_fignums() == [], "a widget registered a figure with pyplot"


def _image_changes(widget, move):
    """Apply ``move`` and return (png before, png after)."""
    before = bytes(widget.image.value)
    move()
    return before, bytes(widget.image.value)


# --- common behaviour ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("make", "control", "value"),
    [
        (lambda: SlidingConvolution(), "slider", 4),
        (lambda: ConvolutionStepper(), "slider", 4),
        (lambda: ParameterCounter(), "c_out", 16),
        (lambda: EquivarianceDemo(), "shift", 5),
        (lambda: ReceptiveFieldExplorer(), "kernel", 5),
        (lambda: PoolingExplorer(np.arange(48.0).reshape(6, 8), np.arange(8) * 0.1, np.arange(6) * 100.0), "size", 3),
    ],
    ids=["sliding", "stepper", "params", "equivariance", "receptive", "pooling"],
)
def test_moving_a_control_runs_update_and_redraws_the_png(make, control, value):
    widget = make()
    assert bytes(widget.image.value).startswith(PNG_MAGIC)
    count = widget.n_updates
    before, after = _image_changes(widget, lambda: setattr(getattr(widget, control), "value", value))
    assert widget.n_updates == count + 1
    assert after.startswith(PNG_MAGIC)
    assert after != before
    bundle = widget._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


# --- lecture 01: sliding 1-D convolution ---------------------------------------------------
def _impulse_demo():
    return SlidingConvolution(signals={"impulse": np.array([0.0, 0.0, 1.0, 0.0, 0.0])}, kernels={"ramp": np.array([1.0, 2.0, 3.0])})


def test_sliding_impulse_response_is_the_kernel_in_order():
    demo = _impulse_demo()
    np.testing.assert_array_equal(demo.output_full, [0, 0, 1, 2, 3, 0, 0])
    assert demo.slider.max == 6  # N + K - 1 outputs


def test_sliding_kernel_is_flipped_and_placed_at_t():
    demo = _impulse_demo()
    demo.slider.value = 3
    # axis a = -2 .. 6; w[t - a] is non-zero for a = 1, 2, 3: w[2], w[1], w[0] = 3, 2, 1
    np.testing.assert_array_equal(demo.axis, np.arange(-2, 7))
    np.testing.assert_array_equal(demo.flipped_kernel, [0, 0, 0, 3, 2, 1, 0, 0, 0])
    np.testing.assert_array_equal(demo.products, [0, 0, 0, 0, 2, 0, 0, 0, 0])
    np.testing.assert_array_equal(demo.output_values, [0, 0, 1, 2])
    assert demo.position == 3


def test_sliding_every_signal_and_kernel_matches_numpy_convolve():
    demo = SlidingConvolution()
    for signal_name in demo.signal_dropdown.options:
        for kernel_name in demo.kernel_dropdown.options:
            demo.signal_dropdown.value, demo.kernel_dropdown.value = signal_name, kernel_name
            expected = np.convolve(demo.x, demo.w)
            assert demo.slider.max == expected.size - 1
            for t in (0, expected.size // 2, expected.size - 1):
                demo.slider.value = t
                assert demo.products.sum() == pytest.approx(expected[t])
                np.testing.assert_allclose(demo.output_values, expected[: t + 1])
                assert np.count_nonzero(demo.flipped_kernel) <= demo.w.size  # finite support


def test_sliding_changing_the_kernel_resizes_the_slider_and_keeps_a_valid_position():
    demo = SlidingConvolution(signal="rectangle", kernel="exponential decay")  # 24 + 6 - 1 = 29 outputs
    demo.slider.value = 28
    demo.kernel_dropdown.value = "difference [1, -1]"  # 24 + 2 - 1 = 25 outputs
    assert demo.slider.max == 24
    assert demo.position == demo.slider.value <= 24
    np.testing.assert_allclose(demo.output_full, np.convolve(demo.x, [1.0, -1.0]))
    assert "y[" in demo.info.value


# --- lecture 02: the 5x5 stepper -------------------------------------------------------------
def test_stepper_reproduces_the_lecture_feature_map():
    stepper = ConvolutionStepper(LECTURE_X, LECTURE_W)
    stepper.slider.value = 8
    np.testing.assert_array_equal(stepper.output_values, LECTURE_Y)


def test_stepper_first_position_by_hand():
    stepper = ConvolutionStepper()  # defaults are the lecture's arrays
    assert stepper.highlight == (0, 0)
    np.testing.assert_array_equal(stepper.products, [[0, 3, 4], [0, 0, 0], [0, 1, 4]])
    assert stepper.value == 12
    assert np.isnan(stepper.output_values).sum() == 8  # only y[0, 0] is computed so far
    assert "sum = <b>12</b>" in stepper.info.value


@pytest.mark.parametrize("position", range(9))
def test_stepper_each_position_window_and_sum(position):
    stepper = ConvolutionStepper(LECTURE_X, LECTURE_W)
    stepper.slider.value = position
    i, j = divmod(position, 3)
    assert stepper.highlight == (i, j)
    np.testing.assert_array_equal(stepper.window, LECTURE_X[i : i + 3, j : j + 3])
    assert stepper.value == LECTURE_Y[i, j]
    filled = ~np.isnan(stepper.output_values.ravel())
    assert filled.sum() == position + 1 and filled[: position + 1].all()
    assert stepper.rect.get_xy() == (j - 0.5, i - 0.5)


def test_stepper_flip_gives_true_convolution_like_scipy():
    stepper = ConvolutionStepper(LECTURE_X, LECTURE_W)
    stepper.flip.value = True
    stepper.slider.value = 8
    np.testing.assert_array_equal(stepper.output_values, signal.convolve2d(LECTURE_X, LECTURE_W, mode="valid"))
    np.testing.assert_array_equal(stepper.kernel_used, LECTURE_W[::-1, ::-1])
    stepper.flip.value = False
    np.testing.assert_array_equal(stepper.output_values, LECTURE_Y)


# --- lecture 03: parameter counts, equivariance ----------------------------------------------
def test_parameter_counter_hand_worked_counts():
    counter = ParameterCounter(size=28, c_in=1, c_out=8, kernel=3)
    assert counter.conv_params == 80  # 8 * (1*3*3 + 1)
    assert counter.output_shape == (8, 26, 26)
    assert counter.dense_params == 784 * 5408 + 5408  # (1*28*28) inputs x (8*26*26) outputs + biases
    counter.c_in.value = 3
    assert counter.conv_params == 8 * (3 * 9 + 1)
    counter.size.value = 100  # the conv count does not depend on the input size
    assert counter.conv_params == 224
    assert counter.dense_params == (3 * 100 * 100) * (8 * 98 * 98) + 8 * 98 * 98
    assert counter.ratio == pytest.approx(counter.dense_params / 224)
    assert "224" in counter.info.value


def test_parameter_counter_kernel_larger_than_input_is_clamped():
    counter = ParameterCounter(size=4, kernel=3)
    counter.kernel.value = 9
    assert counter.output_shape[1:] == (1, 1)


def test_dense_parameter_count():
    assert dense_parameter_count(10, 3) == 33
    assert dense_parameter_count(10, 3, bias=False) == 30


def test_equivariance_feature_map_shifts_with_the_input():
    demo = EquivarianceDemo()
    reference = np.correlate(demo.x, demo.kernel, mode="same")
    np.testing.assert_allclose(demo.reference_feature_map, reference)
    for s in (3, 7, -4):
        demo.shift.value = s
        np.testing.assert_allclose(demo.feature_map, np.correlate(shift_signal(demo.x, s), demo.kernel, mode="same"))
        inner = slice(max(s, 0) + 3, demo.x.size + min(s, 0) - 3)  # away from the zeros that came in
        np.testing.assert_allclose(demo.feature_map[inner], shift_signal(reference, s)[inner])
        assert demo.peak == int(np.argmax(reference)) + s


def test_equivariance_pooling_by_hand_and_invariance_to_a_small_shift():
    demo = EquivarianceDemo(pool=8)
    n = demo.x.size // 8 * 8
    np.testing.assert_allclose(demo.reference_pooled, demo.reference_feature_map[:n].reshape(-1, 8).max(axis=1))
    assert demo.n_pooled_changed == 0
    assert demo.peak == 10  # the pattern's best match; its response lobes span 8..12, in the window [8, 16)
    for s in (1, 2, 3):  # the response stays inside its window: the pooled map barely changes
        demo.shift.value = s
        np.testing.assert_allclose(demo.pooled, demo.feature_map[:n].reshape(-1, 8).max(axis=1))
        assert demo.n_pooled_changed == 0
    demo.shift.value = 8  # a whole window further: the pooled maximum moves to the next window
    assert demo.n_pooled_changed >= 2


def test_shift_signal():
    np.testing.assert_array_equal(shift_signal(np.array([1, 2, 3, 4]), 1), [0, 1, 2, 3])
    np.testing.assert_array_equal(shift_signal(np.array([1, 2, 3, 4]), -2), [3, 4, 0, 0])
    np.testing.assert_array_equal(shift_signal(np.array([1, 2, 3, 4]), 0), [1, 2, 3, 4])


# --- lecture 05: receptive field -------------------------------------------------------------
def test_dependency_sets_by_hand():
    levels = dependency_sets([(3, 1, 1), (3, 1, 1)])
    assert [lv.tolist() for lv in levels] == [[0, 1, 2, 3, 4], [0, 1, 2], [0]]
    # dilation 2: the taps skip every other input (a receptive field with holes)
    assert dependency_sets([(3, 1, 2)])[0].tolist() == [0, 2, 4]
    # stride 2 below a 3-wide layer: units 0, 2, 4 of the input feed units 0, 1, 2 of layer 1 ...
    assert dependency_sets([(3, 2, 1), (3, 1, 1)])[0].tolist() == list(range(7))


@pytest.mark.parametrize(
    ("layers", "expected"),
    [([(3, 1)], 3), ([(3, 1), (3, 1)], 5), ([(3, 2), (3, 2), (3, 2)], 15), ([(3, 1, 1), (3, 1, 2), (3, 1, 4)], 15), ([(5, 1), (2, 2), (5, 1), (2, 2)], 16)],
)
def test_receptive_explorer_hand_worked_fields(layers, expected):
    explorer = ReceptiveFieldExplorer(layers)
    assert explorer.rf == expected
    assert explorer.span == expected  # the drawn connections span exactly the receptive field


def test_receptive_explorer_controls_edit_the_stack():
    explorer = ReceptiveFieldExplorer([(3, 1), (3, 1)])
    assert explorer.layers == [(3, 1, 1), (3, 1, 1)]
    explorer.n_layers.value = 3  # add a layer (default kernel 3)
    assert explorer.layers == [(3, 1, 1), (3, 1, 1), (3, 1, 1)] and explorer.rf == 7
    assert len(explorer.layer.options) == 3
    explorer.layer.value = 0  # edit the first layer: the sliders show its values
    assert (explorer.kernel.value, explorer.stride.value, explorer.dilation.value) == (3, 1, 1)
    explorer.stride.value = 2  # stride 2 at the bottom doubles what later layers add
    assert explorer.layers[0] == (3, 2, 1) and explorer.rf == 3 + 2 * 2 + 2 * 2
    explorer.layer.value = 2
    explorer.dilation.value = 3
    assert explorer.layers[2] == (3, 1, 3) and explorer.rf == 1 + 2 + 2 * 2 + 2 * 3 * 2
    explorer.n_layers.value = 1  # remove layers: the edited one is clamped
    assert explorer.layers == [(3, 2, 1)] and explorer.rf == 3 and explorer.layer.value == 0


def test_receptive_explorer_agrees_with_the_brute_force_measurement():
    from course.receptive import measure_receptive_field

    explorer = ReceptiveFieldExplorer([(3, 1), (2, 2), (3, 1, 2)])
    assert explorer.span == measure_receptive_field(explorer.layers)
    explorer.kernel.value = 5
    assert explorer.span == measure_receptive_field(explorer.layers)


def test_receptive_explorer_draws_one_point_per_unit():
    explorer = ReceptiveFieldExplorer([(3, 1), (3, 1)])
    assert sum(explorer.sizes) == len(explorer.all_units.get_offsets())
    assert sum(lv.size for lv in explorer.levels) == len(explorer.hit_units.get_offsets())
    # every unit of a level lies at start + i * jump; the top unit sits over the centre of its field
    assert explorer.hit_units.get_offsets()[-1][0] == pytest.approx(2.0)
    # one line per connection: 3 taps from the top unit, 3 from each of the 3 units below it
    assert len(explorer.links.get_segments()) == 3 + 3 * 3


# --- lecture 04: pooling ---------------------------------------------------------------------
@pytest.fixture
def small_spec():
    rng = np.random.default_rng(0)
    return rng.standard_normal((12, 20)), np.arange(20) * 0.016, np.arange(12) * 31.25


def test_pooling_max_and_average_match_numpy_reshape(small_spec):
    spec, times, freqs = small_spec
    explorer = PoolingExplorer(spec, times, freqs, size=2, stride=2)
    np.testing.assert_allclose(explorer.pooled, spec.reshape(6, 2, 10, 2).max(axis=(1, 3)))
    explorer.statistic.value = "average"
    np.testing.assert_allclose(explorer.pooled, spec.reshape(6, 2, 10, 2).mean(axis=(1, 3)))
    explorer.size.value = 4
    explorer.stride.value = 4
    np.testing.assert_allclose(explorer.pooled, spec.reshape(3, 4, 5, 4).mean(axis=(1, 3)))
    assert explorer.output_shape == (3, 5)
    np.testing.assert_allclose(explorer.out_image.get_array(), explorer.pooled)


def test_pooling_overlapping_windows_by_hand():
    x = np.array([[1.0, 3.0, 2.0, 1.0], [4.0, 6.0, 5.0, 0.0], [3.0, 1.0, 1.0, 2.0], [0.0, 2.0, 4.0, 3.0]])
    explorer = PoolingExplorer(x, np.arange(4) * 0.1, np.arange(4) * 10.0, size=3, stride=1)
    np.testing.assert_array_equal(explorer.pooled, [[6, 6], [6, 6]])
    explorer.size.value = 2
    np.testing.assert_array_equal(explorer.pooled, [[6, 6, 5], [6, 6, 5], [3, 4, 4]])


def test_pooling_adaptive_gives_nine_by_nine_for_any_size():
    for frames in (20, 57, 133):
        spec = np.random.default_rng(frames).standard_normal((33, frames))
        explorer = PoolingExplorer(spec, np.arange(frames) * 0.016, np.arange(33) * 31.25)
        explorer.statistic.value = "adaptive max (9x9)"
        assert explorer.output_shape == (9, 9)
        # PyTorch's bins: the first cell covers rows [0, ceil(33/9)) and columns [0, ceil(frames/9))
        assert explorer.pooled[0, 0] == spec[:4, : -(-frames // 9)].max()
        assert explorer.pooled.max() == spec.max()
