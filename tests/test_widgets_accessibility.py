"""Accessibility of the lecture widgets, headless: a text alternative that follows the figure,
a label on every control, and what reaches the browser (checked for real in
tests/test_accessibility_lectures.py, in JupyterLab).

The expected values in the text alternatives are worked out by hand or with NumPy/SciPy (the
lecture's 5x5 example, an impulse through a ramp kernel), never read from the widget.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import ipywidgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from IPython.core.interactiveshell import InteractiveShell  # noqa: E402
from scipy import signal  # noqa: E402

from course.widgets import (  # noqa: E402
    ConvolutionStepper,
    EquivarianceDemo,
    ParameterCounter,
    PoolingExplorer,
    ReceptiveFieldExplorer,
    SlidingConvolution,
)
from course.widgets._base import CONTROLS_JS, WIDGET_CLASS  # noqa: E402
from course.widgets.audio import RESPONSE_VMAX, UpcallExplorer  # noqa: E402

MIN_ALT = 60
SPEC = np.arange(48.0).reshape(6, 8)
MAKERS = {
    "sliding": lambda: SlidingConvolution(),
    "stepper": lambda: ConvolutionStepper(),
    "params": lambda: ParameterCounter(),
    "equivariance": lambda: EquivarianceDemo(),
    "receptive": lambda: ReceptiveFieldExplorer(),
    "pooling": lambda: PoolingExplorer(SPEC, np.arange(8) * 0.1, np.arange(6) * 100.0),
    "upcall": lambda: UpcallExplorer(kind="upcall", example=0, snr=4.0),
}
LABELLED = (ipywidgets.IntSlider, ipywidgets.FloatSlider, ipywidgets.Dropdown, ipywidgets.Checkbox,
            ipywidgets.SelectionSlider, ipywidgets.ToggleButtons, ipywidgets.RadioButtons)


@pytest.fixture(autouse=True)
def _no_pyplot_leak():
    plt.close("all")
    yield
    assert plt.get_fignums() == [], "a widget registered a figure with pyplot"


@pytest.mark.parametrize("name", MAKERS)
def test_every_widget_image_carries_a_text_alternative_and_every_control_a_label(name: str) -> None:
    widget = MAKERS[name]()
    image = widget.image
    # the <img title> that the browser gets: ipywidgets' view uses `tooltip` only when the model's
    # `description` is synced and empty
    state = image.get_state()
    assert state["description"] == "" and state["tooltip"] == " ".join(widget.describe().split())
    assert len(state["tooltip"]) >= MIN_ALT, state["tooltip"]
    assert type(widget).__name__ not in state["tooltip"], "the default text: the widget says nothing of its figure"
    assert widget.controls
    for control in widget.controls:
        assert isinstance(control, LABELLED), f"{name}: {type(control).__name__} is not a labelled, keyboard-operable control"
        assert control.description.strip(), f"{name}: a {type(control).__name__} without a label"
        assert not control.disabled
    assert WIDGET_CLASS in widget.widget._dom_classes


@pytest.mark.parametrize("name", MAKERS)
def test_the_text_alternative_follows_the_controls(name: str) -> None:
    widget = MAKERS[name]()
    before = widget.image.tooltip
    control = widget.controls[0]
    if isinstance(control, ipywidgets.Dropdown):
        control.value = [o for o in control.options if o != control.value][-1]
    else:
        control.value = control.max if control.value != control.max else control.min
    assert widget.image.tooltip != before
    assert widget.image.tooltip == " ".join(widget.describe().split())


def test_stepper_alternative_names_the_window_and_the_sum() -> None:
    # the lecture's example: the centre window (rows 1-3, columns 1-3) sums to 17 by hand
    stepper = ConvolutionStepper()
    stepper.slider.value = 4
    text = stepper.image.tooltip
    assert "rows 1 to 3, columns 1 to 3" in text and ", 17." in text
    assert "12 12 17; 10 17 _" in text  # cells (0,0)..(1,1) computed, the rest not yet
    stepper.flip.value = True
    assert "flipped" in stepper.image.tooltip


def test_sliding_alternative_names_the_output_sample() -> None:
    # an impulse at n = 2 through the ramp [1, 2, 3]: y = [0, 0, 1, 2, 3, 0, 0], y[4] = 3
    demo = SlidingConvolution(signals={"impulse": np.array([0.0, 0.0, 1.0, 0.0, 0.0])},
                              kernels={"ramp": np.array([1.0, 2.0, 3.0])})
    demo.slider.value = 4
    expected = np.convolve([0, 0, 1, 0, 0], [1, 2, 3])[4]
    assert f"y[4] = {expected:.4g}" in demo.image.tooltip
    assert "t = 4" in demo.image.tooltip


def test_parameter_counter_alternative_has_both_counts() -> None:
    counter = ParameterCounter()
    counter.c_in.value, counter.c_out.value, counter.kernel.value, counter.size.value = 1, 8, 3, 28
    conv = 8 * (3 * 3 * 1) + 8
    assert f"conv layer {conv:,} parameters" in counter.image.tooltip


def test_pooling_alternative_has_the_output_size() -> None:
    explorer = PoolingExplorer(SPEC, np.arange(8) * 0.1, np.arange(6) * 100.0, size=2, stride=2)
    assert "3 x 4 cells" in explorer.image.tooltip  # floor((6-2)/2)+1 = 3, floor((8-2)/2)+1 = 4


def test_upcall_alternative_names_the_peak_where_the_cross_is() -> None:
    explorer = UpcallExplorer(kind="upcall", example=0, snr=10.0)
    i, j = np.unravel_index(np.argmax(explorer.response), explorer.response.shape)
    # response[i, j] belongs to the 7x7 window whose centre is spectrogram cell (i + 3, j + 3)
    from course.audio import feature_axes

    times, freqs = feature_axes()
    assert explorer.peak_time == pytest.approx(times[j + 3])
    assert explorer.peak_frequency == pytest.approx(freqs[i + 3])
    assert f"at {times[j + 3]:.2f} s and {freqs[i + 3]:.0f} Hz" in explorer.image.tooltip
    for mark in explorer.peak_marks:
        assert mark.get_xdata()[0] == pytest.approx(times[j + 3]) and mark.get_ydata()[0] == pytest.approx(freqs[i + 3])


def test_upcall_response_scale_shows_the_call_without_saturating_the_noise() -> None:
    # issue 13: a 0-2 scale made the whole map saturated stripes. On the fixed 0..RESPONSE_VMAX
    # scale an upcall at +4..+10 dB reaches the top of the scale, and the background stays dark.
    explorer = UpcallExplorer(kind="upcall", example=0, snr=10.0)
    assert explorer.resp_image.get_clim() == (0.0, RESPONSE_VMAX)
    for snr in (4.0, 10.0):
        explorer.snr.value = snr
        r = explorer.response
        assert 0.75 * RESPONSE_VMAX <= r.max() <= 1.25 * RESPONSE_VMAX, (snr, r.max())
        assert np.mean(r >= RESPONSE_VMAX) < 0.01, "more than 1 % of the map saturated"
        assert np.median(r) < 0.1 * RESPONSE_VMAX
    for kind in ("flat", "ship", "clicks", "downsweep"):
        explorer.kind.value = kind
        explorer.snr.value = 4.0
        assert explorer.response.max() < 0.7 * RESPONSE_VMAX, (kind, explorer.response.max())
    # the detector is the scipy cross-correlation of the CNN input with the kernel, then a ReLU
    expected = np.maximum(signal.correlate2d(explorer.spec, explorer.kernel, mode="valid"), 0)
    assert np.allclose(explorer.response, expected, atol=1e-5)


def test_displaying_a_widget_sends_the_controls_script() -> None:
    shell = InteractiveShell.instance()
    published: list[dict] = []
    original = shell.display_pub.publish
    shell.display_pub.publish = lambda data, metadata=None, **kw: published.append(data)
    try:
        from IPython.display import display

        display(ConvolutionStepper())
    finally:
        shell.display_pub.publish = original
    kinds = [sorted(d) for d in published]
    assert any("application/vnd.jupyter.widget-view+json" in d for d in published), kinds
    script = [d["application/javascript"] for d in published if "application/javascript" in d]
    assert script == [CONTROLS_JS]
    assert [d.get("text/plain") for d in published if "application/javascript" in d] == [""]
    # what the script does, in the browser: labels slider handles, keeps JupyterLab's shortcuts away
    assert "aria-label" in CONTROLS_JS and "data-lm-suppress-shortcuts" in CONTROLS_JS
    assert f".{WIDGET_CLASS} .widget-slider" in CONTROLS_JS and "MutationObserver" in CONTROLS_JS
