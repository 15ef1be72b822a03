"""course.plotting: grids with numbers, stem plots, spectrograms; Agg only, no pyplot state."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (only to check that no pyplot figure is created)
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from course.plotting import format_number, highlight_window, new_axes, show_grid, show_signal, show_spectrogram  # noqa: E402


@pytest.fixture(autouse=True)
def _no_pyplot_leak():
    plt.close("all")
    yield
    assert plt.get_fignums() == [], "a helper registered a figure with pyplot"


# --- show_grid -----------------------------------------------------------------------------
def test_show_grid_writes_every_value_in_its_cell_row_major():
    values = [[3, 3, 2], [0, 1.5, -1]]
    ax = show_grid(values)
    texts = ax.texts
    assert [t.get_text() for t in texts] == ["3", "3", "2", "0", "1.5", "-1"]
    # text (i, j) sits at x = column j, y = row i (row 0 at the top)
    assert [t.get_position() for t in texts] == [(j, i) for i in range(2) for j in range(3)]
    np.testing.assert_array_equal(ax.images[-1].get_array(), np.array(values, dtype=float))
    assert ax.yaxis_inverted(), "row 0 must be drawn at the top, like a matrix"


def test_show_grid_on_given_axes_returns_them_and_sets_title():
    fig = Figure()
    ax = fig.add_subplot()
    out = show_grid(np.eye(2), ax=ax, title="kernel w")
    assert out is ax
    assert ax.get_title() == "kernel w"


def test_show_grid_creates_its_own_figure_without_pyplot():
    ax = show_grid(np.arange(6).reshape(2, 3))
    assert isinstance(ax, Axes)
    assert isinstance(ax.figure, Figure)


def test_show_grid_draws_a_single_value_in_the_middle_of_the_colour_map():
    # issue 19: lecture 02's 1x1 output (14) was drawn in the colour map's near-white end
    ax = show_grid(np.array([[14.0]]), cmap="Oranges")
    image = ax.images[-1]
    assert image.norm(14.0) == pytest.approx(0.5)
    assert ax.texts[0].get_text() == "14" and ax.texts[0].get_color() in ("black", "white")
    ax = show_grid(np.array([[14.0]]), cmap="Oranges", vmin=3, vmax=17)   # explicit limits are kept
    assert ax.images[-1].get_clim() == (3, 17)


def test_show_grid_without_annotation_writes_nothing():
    ax = show_grid(np.ones((4, 4)), annotate=False)
    assert len(ax.texts) == 0


def test_show_grid_1d_is_one_row():
    ax = show_grid([1, 2, 3])
    assert ax.images[-1].get_array().shape == (1, 3)
    assert [t.get_text() for t in ax.texts] == ["1", "2", "3"]


def test_show_grid_colorbar_adds_an_axes():
    ax = show_grid(np.arange(4).reshape(2, 2), colorbar=True)
    assert len(ax.figure.axes) == 2


def test_show_grid_text_colour_contrasts_with_the_cell():
    ax = show_grid([[0, 10]], cmap="Greys")  # 0 -> white cell, 10 -> black cell
    assert [t.get_color() for t in ax.texts] == ["black", "white"]


def test_show_grid_constant_array_does_not_crash_and_uses_given_limits():
    ax = show_grid(np.full((2, 2), 5.0), vmin=0, vmax=10)
    assert ax.images[-1].get_clim() == (0, 10)
    ax = show_grid(np.full((2, 2), 5.0))
    lo, hi = ax.images[-1].get_clim()
    assert lo < hi


def test_show_grid_rejects_bad_input():
    with pytest.raises(ValueError, match=r"must be 1-D or 2-D .* got a 3-D array"):
        show_grid(np.zeros((2, 2, 2)))
    with pytest.raises(TypeError, match="array must be an array of numbers"):
        show_grid([["a", "b"]])
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes or None, got str"):
        show_grid(np.zeros((2, 2)), ax="left")


# --- show_signal ---------------------------------------------------------------------------
def test_show_signal_stems_at_sample_indices():
    x = np.array([1.0, -2.0, 0.5])
    ax = show_signal(x, title="x")
    stem = ax.containers[-1]
    xs, ys = stem.markerline.get_data()
    np.testing.assert_array_equal(xs, [0, 1, 2])
    np.testing.assert_array_equal(ys, x)
    assert ax.get_xlabel() == "n (samples)"
    assert ax.get_title() == "x"


def test_show_signal_time_axis_with_dt_and_unit():
    ax = show_signal(np.ones(4), dt=0.5, unit="s")
    xs, _ = ax.containers[-1].markerline.get_data()
    np.testing.assert_allclose(xs, [0.0, 0.5, 1.0, 1.5])
    assert ax.get_xlabel() == "time (s)"


def test_show_signal_start_shifts_indices_and_label_adds_legend():
    ax = show_signal([1, 2, 3], start=-1, label="w")
    xs, _ = ax.containers[-1].markerline.get_data()
    np.testing.assert_array_equal(xs, [-1, 0, 1])
    assert ax.get_legend() is not None


def test_show_signal_rejects_bad_input():
    with pytest.raises(ValueError, match=r"x must be 1-D .* got a 2-D array"):
        show_signal(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="dt .* must be positive, got 0"):
        show_signal([1, 2], dt=0)


# --- show_spectrogram ----------------------------------------------------------------------
def test_show_spectrogram_units_extent_and_colorbar():
    spec = np.arange(12.0).reshape(3, 4)  # 3 frequency bins, 4 frames
    times = np.array([0.0, 0.1, 0.2, 0.3])
    freqs = np.array([0.0, 100.0, 200.0])
    ax = show_spectrogram(spec, times, freqs, title="x[t, w]")
    assert ax.get_xlabel() == "time (s)"
    assert ax.get_ylabel() == "frequency (Hz)"
    np.testing.assert_allclose(ax.images[-1].get_extent(), [-0.05, 0.35, -50.0, 250.0])
    assert len(ax.figure.axes) == 2  # the colour bar
    np.testing.assert_array_equal(ax.images[-1].get_array(), spec)


def test_show_spectrogram_rejects_mismatched_axes():
    with pytest.raises(ValueError, match=r"times must have shape \(4,\) and freqs \(3,\)"):
        show_spectrogram(np.zeros((3, 4)), np.zeros(3), np.zeros(3))


# --- small helpers -------------------------------------------------------------------------
def test_highlight_window_outlines_the_cells():
    fig, ax = new_axes()
    show_grid(np.zeros((5, 5)), ax=ax)
    rect = highlight_window(ax, 1, 2, 3, 3)
    assert rect.get_xy() == (1.5, 0.5)
    assert (rect.get_width(), rect.get_height()) == (3, 3)


def test_new_axes_takes_rows_then_columns_like_matplotlib():
    # issue 19: new_axes(ncols, nrows) used to reverse plt.subplots(nrows, ncols)
    fig, axes = new_axes(3, 2)
    assert isinstance(fig, Figure)
    assert axes.shape == (3, 2) == Figure().subplots(3, 2).shape
    assert tuple(fig.get_size_inches()) == (8.0, 9.0)  # 4 inches per column, 3 per row
    fig, (left, right) = new_axes(1, 2)  # one row: side by side
    fig.canvas.draw()
    assert left.get_position().x1 <= right.get_position().x0
    assert left.get_position().y0 == pytest.approx(right.get_position().y0)
    fig, (top, bottom) = new_axes(2, 1)  # one column: one above the other
    fig.canvas.draw()
    assert bottom.get_position().y1 <= top.get_position().y0
    assert new_axes(ncols=4)[1].shape == (4,) and new_axes(nrows=4)[1].shape == (4,)


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True])
def test_new_axes_rejects_a_count_that_is_not_a_whole_number(bad):
    with pytest.raises(ValueError, match=r"nrows must be a whole number >= 1, got"):
        new_axes(bad, 1)
    with pytest.raises(ValueError, match=r"ncols must be a whole number >= 1, got"):
        new_axes(1, bad)


@pytest.mark.parametrize(("value", "text"), [(3, "3"), (3.0, "3"), (1.5, "1.5"), (0.125, "0.12"), (-2.0, "-2"), (float("nan"), "nan")])
def test_format_number(value, text):
    assert format_number(value) == text


# --- orientation, colour limits, outlines ----------------------------------------------------
def test_show_grid_origin_lower_puts_row_0_at_the_bottom():
    fig, (up, low) = new_axes(2, 1)
    arr = np.array([[1, 2], [3, 4]])
    show_grid(arr, ax=up)
    show_grid(arr, ax=low, origin="lower", colorbar=True, clabel="weight")
    # in data coordinates row 0 is at y = 0 in both; what differs is which way the y axis runs
    assert up.get_ylim()[0] > up.get_ylim()[1]   # inverted: row 0 drawn at the top
    assert low.get_ylim()[0] < low.get_ylim()[1]  # row 0 drawn at the bottom
    fig.canvas.draw()
    y_row0 = low.transData.transform((0, 0))[1]
    y_row1 = low.transData.transform((0, 1))[1]
    assert y_row0 < y_row1  # display y grows upwards: row 1 is above row 0
    assert fig.axes[-1].get_ylabel() == "weight"
    with pytest.raises(ValueError, match="origin"):
        show_grid(arr, origin="left")


def test_show_spectrogram_symmetric_scale_centres_white_on_zero():
    spec = np.array([[-1.0, 0.5], [2.0, -3.0]])
    ax = show_spectrogram(spec, np.array([0.0, 0.1]), np.array([0.0, 100.0]), cmap="RdBu_r", symmetric=True)
    assert ax.images[-1].get_clim() == (-3.0, 3.0)
    ax = show_spectrogram(spec, np.array([0.0, 0.1]), np.array([0.0, 100.0]), vmin=-1, vmax=1)
    assert ax.images[-1].get_clim() == (-1, 1)


def test_highlight_window_inset_keeps_overlapping_windows_apart():
    fig, ax = new_axes()
    a = highlight_window(ax, 0, 0, 3, 3, inset=0.1, linestyle="--")
    assert a.get_xy() == pytest.approx((-0.4, -0.4))
    assert (a.get_width(), a.get_height()) == pytest.approx((2.8, 2.8))
    assert a.get_linestyle() == "--"


# --- show_figure: a figure with its text alternative ----------------------------------------
def test_show_figure_html_has_the_png_and_an_escaped_alt():
    import base64
    import re

    from course.plotting import AccessibleFigure, show_figure

    fig, ax = new_axes(figsize=(2, 1))
    ax.plot([0, 1], [0, 1])
    shown = show_figure(fig, alt='A rising line from (0, 0) to (1, 1), "y = x" <linear>', caption="y = x")
    assert isinstance(shown, AccessibleFigure)
    html = shown._repr_html_()
    img = re.search(r'<img src="data:image/png;base64,([^"]+)" alt="([^"]*)"', html)
    assert img, html[:200]
    png = base64.b64decode(img.group(1))
    assert png.startswith(b"\x89PNG") and png == shown.png
    assert img.group(2) == "A rising line from (0, 0) to (1, 1), &quot;y = x&quot; &lt;linear&gt;"
    assert "<figcaption>y = x</figcaption>" in html
    bundle = shown._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain"}, "no bare image/png that a front end could show without its alt"
    assert bundle["text/plain"].endswith('"y = x" <linear>')
    assert shown.width > 0 and shown.height > 0


def test_show_figure_refuses_a_figure_without_a_description():
    from course.plotting import show_figure

    fig, _ax = new_axes()
    with pytest.raises(ValueError, match="alt"):
        show_figure(fig, alt="figure")
    with pytest.raises(TypeError, match="ax.figure"):
        show_figure(_ax, alt="a line plot of nothing at all, for the test")
