"""The classic sliding demo of 1-D convolution: the flipped kernel slides along the signal.

``y[t] = sum_a x[a] * w[t - a]``: for output time ``t`` the kernel is time-reversed and its
origin placed at ``a = t``; the products ``x[a] * w[t - a]`` are summed into ``y[t]``.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.collections import LineCollection

import course
from course.widgets._base import FigureWidget

__all__ = ["SlidingConvolution", "demo_signals", "demo_kernels"]


def demo_signals(n: int = 24, seed: int = 0) -> dict[str, np.ndarray]:
    """Small synthetic signals of length ``n`` (seeded), by name."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    rect = np.zeros(n)
    rect[n // 4 : n // 4 + 6] = 1.0
    spikes = np.zeros(n)
    spikes[[3, 10, 18]] = [1.0, 0.6, -0.8]
    return {
        "rectangle": rect,
        "spikes": spikes,
        "step": (t >= n // 3).astype(float),
        "noisy sine": np.round(np.sin(2 * np.pi * t / 12) + 0.3 * rng.standard_normal(n), 2),
    }


def demo_kernels() -> dict[str, np.ndarray]:
    """Small kernels (finite support) by name; the ramp is asymmetric, so its flip is visible."""
    return {
        "ramp [1, 2, 3]": np.array([1.0, 2.0, 3.0]),
        "moving average (4)": np.full(4, 0.25),
        "difference [1, -1]": np.array([1.0, -1.0]),
        "exponential decay": np.round(0.6 ** np.arange(6), 3),
    }


class _Stems:
    """A stem plot whose data can be replaced in place (markers + vertical lines)."""

    def __init__(self, ax: Any, color: str, label: str, alpha: float = 1.0) -> None:
        self.lines = LineCollection([], colors=color, linewidths=1.5, alpha=alpha)
        ax.add_collection(self.lines)
        (self.markers,) = ax.plot([], [], "o", color=color, markersize=4, label=label, alpha=alpha)

    def set_data(self, n: np.ndarray, y: np.ndarray) -> None:
        self.markers.set_data(n, y)
        segments = np.zeros((len(n), 2, 2))  # (points, 2 ends, (x, y))
        segments[:, :, 0] = np.asarray(n, dtype=float)[:, None]
        segments[:, 1, 1] = y
        self.lines.set_segments(segments)


class SlidingConvolution(FigureWidget):
    """Slide the time-reversed kernel along a signal and watch the output build up.

    Controls (attributes): ``signal_dropdown``, ``kernel_dropdown``, ``slider`` (output time t).

    Kept after each ``update()``:
        ``position``: t; ``axis``: the sample indices a drawn; ``signal``: x on that axis;
        ``flipped_kernel``: w[t - a] on that axis (zero outside the kernel's support);
        ``products``: x[a] * w[t - a]; ``output_full``: the whole convolution
        (``course.convolve1d(x, w, "full")``); ``output_values``: y[0..t], the part computed so far.
    """

    def __init__(
        self,
        signals: dict[str, np.ndarray] | None = None,
        kernels: dict[str, np.ndarray] | None = None,
        signal: str | None = None,
        kernel: str | None = None,
    ) -> None:
        super().__init__(figsize=(8.0, 5.2))
        self.signals = dict(signals) if signals is not None else demo_signals()
        self.kernels = dict(kernels) if kernels is not None else demo_kernels()
        self.signal_dropdown = widgets.Dropdown(options=list(self.signals), value=signal or next(iter(self.signals)), description="signal x")
        self.kernel_dropdown = widgets.Dropdown(options=list(self.kernels), value=kernel or next(iter(self.kernels)), description="kernel w")
        self.slider = widgets.IntSlider(value=0, min=0, max=1, description="t", continuous_update=True)
        self.controls = [self.signal_dropdown, self.kernel_dropdown, self.slider]

        self.ax_in, self.ax_prod, self.ax_out = self.fig.subplots(3, 1, sharex=True)
        self.x_stems = _Stems(self.ax_in, "C0", "x[a]")
        self.w_stems = _Stems(self.ax_in, "C3", "w[t - a] (flipped, shifted)", alpha=0.8)
        self.p_stems = _Stems(self.ax_prod, "C2", "x[a] w[t - a]")
        self.y_all = _Stems(self.ax_out, "0.8", "y (still to come)")
        self.y_done = _Stems(self.ax_out, "C1", "y[0..t]")
        self.cursor = [ax.axvline(0, color="k", linestyle=":", linewidth=1) for ax in (self.ax_in, self.ax_prod, self.ax_out)]
        self.ax_in.set_ylabel("input")
        self.ax_prod.set_ylabel("product")
        self.ax_out.set_ylabel("output")
        self.ax_out.set_xlabel("a (input samples) / t (output samples)")
        for ax in (self.ax_in, self.ax_prod, self.ax_out):
            ax.axhline(0, color="k", linewidth=0.5)
            ax.legend(loc="upper right", fontsize=7)
        for stems in (self.x_stems, self.w_stems, self.p_stems, self.y_all, self.y_done):
            self._animate(stems.lines, stems.markers)
        self._animate(*self.cursor)

        self._load_pair()
        self._watch(self.slider)
        self.signal_dropdown.observe(self._on_pair_change, names="value")
        self.kernel_dropdown.observe(self._on_pair_change, names="value")
        self.update()

    def _on_pair_change(self, change: dict[str, Any]) -> None:
        self._load_pair()
        self._background = None  # new limits: redraw the static part too
        self.update()

    def _load_pair(self) -> None:
        """A new signal or kernel: recompute the full output and the axis limits."""
        self.x = np.asarray(self.signals[self.signal_dropdown.value], dtype=float)
        self.w = np.asarray(self.kernels[self.kernel_dropdown.value], dtype=float)
        n, k = self.x.size, self.w.size
        self.output_full = course.convolve1d(self.x, self.w, mode="full")  # (n + k - 1,)
        self.axis = np.arange(-(k - 1), n + k - 1)  # every a where x or a shifted kernel can be
        self.signal = np.zeros(self.axis.size)
        self.signal[k - 1 : k - 1 + n] = self.x
        with self.slider.hold_trait_notifications():
            self.slider.max = self.output_full.size - 1
            self.slider.value = min(self.slider.value, self.slider.max)
        self.x_stems.set_data(np.arange(n), self.x)
        self.y_all.set_data(np.arange(self.output_full.size), self.output_full)
        lim_x = (self.axis[0] - 0.8, self.axis[-1] + 0.8)
        self.ax_in.set_xlim(*lim_x)
        top = max(np.abs(self.x).max(), np.abs(self.w).max(), 1e-9) * 1.15
        self.ax_in.set_ylim(-top, top)
        prod_top = max(np.abs(np.outer(self.x, self.w)).max(), 1e-9) * 1.15
        self.ax_prod.set_ylim(-prod_top, prod_top)
        out_top = max(np.abs(self.output_full).max(), 1e-9) * 1.15
        self.ax_out.set_ylim(-out_top, out_top)

    def describe(self) -> str:
        """Text alternative of the figure for the current t (read by screen readers)."""
        t = self.position
        return (
            f"Sliding convolution at output time t = {t}. Top: the input signal '{self.signal_dropdown.value}' "
            f"x[a] (blue stems) and the kernel '{self.kernel_dropdown.value}' flipped and shifted to t, w[t - a] "
            f"(red stems, over a = {t - self.w.size + 1} to {t}). Middle: their products x[a] w[t - a], which sum to "
            f"{self.products.sum():.4g}. Bottom: the output y[0] to y[{t}] computed so far (orange), ending at "
            f"y[{t}] = {self.output_full[t]:.4g}; the rest of the {self.output_full.size} outputs in grey."
        )

    def update(self) -> None:
        """Place the flipped kernel at t, compute the products and the output so far, redraw."""
        t = int(self.slider.value)
        self.position = t
        lag = t - self.axis  # t - a for every a on the axis
        inside = (lag >= 0) & (lag < self.w.size)  # finite support of the kernel
        self.flipped_kernel = np.where(inside, self.w[np.clip(lag, 0, self.w.size - 1)], 0.0)
        self.products = self.signal * self.flipped_kernel
        self.output_values = self.output_full[: t + 1]

        self.w_stems.set_data(self.axis[inside], self.flipped_kernel[inside])
        self.p_stems.set_data(self.axis[inside], self.products[inside])
        self.y_done.set_data(np.arange(t + 1), self.output_values)
        for line in self.cursor:
            line.set_xdata([t, t])
        overlap = [a for a in self.axis[inside] if 0 <= a < self.x.size]  # where x and w[t - a] meet
        symbols = " + ".join(f"x[{a}]·w[{t - a}]" for a in overlap)
        numbers = " + ".join(f"{self.x[a]:.3g}·{self.w[t - a]:.3g}" for a in overlap)
        self.info.value = (
            f"<b>y[{t}]</b> = {symbols} = {numbers} = <b>{self.output_full[t]:.4g}</b>"
        )
        self.n_updates += 1
        self.render()
