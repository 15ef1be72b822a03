"""Equivariance under translation, then near invariance after pooling.

Shift the input by ``s`` samples: the feature map (``course.correlate1d``, mode "same") shifts by
the same ``s`` (equivariance: ``conv(shift(x)) = shift(conv(x))``). Max pooling over windows of
``p`` samples then keeps the strongest response of each window, so a small shift changes few of
the pooled values (near invariance).
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

import course
from course.widgets._base import FigureWidget

__all__ = ["EquivarianceDemo", "shift_signal", "demo_pattern_signal"]


def shift_signal(x: np.ndarray, s: int) -> np.ndarray:
    """Delay ``x`` by ``s`` samples (``s < 0``: advance); zeros come in, samples fall off the end."""
    out = np.zeros_like(x)
    if s >= 0:
        out[s:] = x[: x.size - s]
    else:
        out[:s] = x[-s:]
    return out


def demo_pattern_signal(n: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A signal with one short pattern in weak noise, and the pattern itself as the kernel."""
    rng = np.random.default_rng(seed)
    pattern = np.array([0.5, 1.0, -1.0, 1.0, -0.5])
    x = 0.05 * rng.standard_normal(n)
    x[8 : 8 + pattern.size] += pattern  # response lobes at n = 8..12: early in the pool window [8, 16)
    return x, pattern


class EquivarianceDemo(FigureWidget):
    """Slider ``shift`` moves the input; the feature map and its max-pooled version follow.

    Controls (attributes): ``shift`` (samples), ``pool`` (max-pool window = stride, samples).

    Kept after each ``update()``: ``shifted_input``, ``feature_map`` (of the shifted input),
    ``reference_feature_map`` (of the unshifted input), ``pooled``, ``reference_pooled``,
    ``peak`` (index of the feature map's maximum), ``n_pooled_changed`` (pooled values that
    differ from the unshifted ones by more than 10 % of the largest unshifted pooled value).
    """

    def __init__(self, x: np.ndarray | None = None, kernel: np.ndarray | None = None, pool: int = 8) -> None:
        super().__init__(figsize=(8.0, 5.2))
        if x is None or kernel is None:
            x, kernel = demo_pattern_signal()
        self.x = np.asarray(x, dtype=float)
        self.kernel = np.asarray(kernel, dtype=float)
        n = self.x.size
        self.shift = widgets.IntSlider(value=0, min=-10, max=30, description="shift")
        self.pool = widgets.IntSlider(value=pool, min=1, max=16, description="pool size")
        self.controls = [self.shift, self.pool]
        self.reference_feature_map = course.correlate1d(self.x, self.kernel, mode="same")

        self.ax_x, self.ax_f, self.ax_p = self.fig.subplots(3, 1, sharex=True)
        t = np.arange(n)
        self.ax_x.plot(t, self.x, color="0.75", label="original")
        (self.x_line,) = self.ax_x.plot(t, self.x, color="C0", label="shifted input")
        self.ax_f.plot(t, self.reference_feature_map, color="0.75", label="map of original")
        (self.f_line,) = self.ax_f.plot(t, self.reference_feature_map, color="C1", label="map of shifted input")
        self.peak_line = self.ax_f.axvline(0, color="C3", linestyle=":")
        self.ref_steps = self.ax_p.stairs(np.zeros(1), np.array([0.0, 1.0]), color="0.6", linewidth=2, label="pooled original")
        self.p_steps = self.ax_p.stairs(np.zeros(1), np.array([0.0, 1.0]), color="C2", linewidth=2, label="pooled shifted")
        self.ax_x.set_ylabel("input")
        self.ax_f.set_ylabel("feature map")
        self.ax_p.set_ylabel("max-pooled")
        self.ax_p.set_xlabel("n (samples)")
        self.ax_x.set_xlim(-0.5, n - 0.5)
        top = np.abs(self.reference_feature_map).max() * 1.15
        self.ax_f.set_ylim(-top, top)
        self.ax_p.set_ylim(-top, top)
        for ax in (self.ax_x, self.ax_f, self.ax_p):
            ax.legend(loc="upper right", fontsize=7)
        self._animate(self.x_line, self.f_line, self.peak_line, self.ref_steps, self.p_steps)
        self._watch(self.shift, self.pool)
        self.update()

    def _max_pool(self, fmap: np.ndarray, p: int) -> np.ndarray:
        # a 1-D map pooled as a (1, n) image with (1, p) windows, stride p
        return course.max_pool2d(fmap[np.newaxis, :], (1, p), (1, p))[0]

    def describe(self) -> str:
        """Text alternative of the figure for the current shift (read by screen readers)."""
        s, p = int(self.shift.value), int(self.pool.value)
        return (
            f"Three line plots against n (samples). Top: the input shifted by {s} samples (blue) over the original "
            f"(grey). Middle: the feature map of the shifted input (orange), with its peak at n = {self.peak} "
            f"(red dotted line), over the map of the original (grey): the same curve moved by {s} samples. "
            f"Bottom: both maps max-pooled over windows of {p} samples (green shifted, grey original): "
            f"{self.n_pooled_changed} of {self.pooled.size} pooled values changed noticeably."
        )

    def update(self) -> None:
        """Shift the input, recompute the feature map and both pooled maps, redraw."""
        s, p = int(self.shift.value), int(self.pool.value)
        self.shifted_input = shift_signal(self.x, s)
        self.feature_map = course.correlate1d(self.shifted_input, self.kernel, mode="same")
        self.peak = int(np.argmax(self.feature_map))
        self.pooled = self._max_pool(self.feature_map, p)
        self.reference_pooled = self._max_pool(self.reference_feature_map, p)
        tolerance = 0.1 * np.abs(self.reference_pooled).max()  # ignore wiggles of the background
        self.n_pooled_changed = int(np.sum(np.abs(self.pooled - self.reference_pooled) > tolerance))
        edges = np.arange(self.pooled.size + 1) * p - 0.5

        self.x_line.set_ydata(self.shifted_input)
        self.f_line.set_ydata(self.feature_map)
        self.peak_line.set_xdata([self.peak, self.peak])
        self.ref_steps.set_data(self.reference_pooled, edges)
        self.p_steps.set_data(self.pooled, edges)
        self.info.value = (
            f"shift <b>{s}</b>: feature-map peak at n = <b>{self.peak}</b>; "
            f"<b>{self.n_pooled_changed}</b> of {self.pooled.size} max-pooled values changed noticeably (> 10 %)"
        )
        self.n_updates += 1
        self.render()
