"""Pooling a spectrogram: window size, stride and statistic, or a fixed output size.

``max_pool2d`` / ``avg_pool2d`` slide a ``size x size`` window with ``stride`` and keep the max or
the mean of the covered cells; the output size follows ``course.conv_output_size``. "adaptive
(9x9)" instead picks the windows so that the output is 9 x 9 whatever the input size
(``course.adaptive_max_pool2d``): the lecture's alternative to resizing the input.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

import course
from course.widgets._base import FigureWidget

__all__ = ["PoolingExplorer"]

STATISTICS = ("max", "average", "adaptive max (9x9)")


class PoolingExplorer(FigureWidget):
    """A spectrogram and its pooled map, side by side.

    Args:
        spec: ``(F, T)`` map, frequency rows (low first), time columns.
        times: ``(T,)`` frame times in s; freqs: ``(F,)`` bin frequencies in Hz.

    Controls (attributes): ``size`` (window), ``stride``, ``statistic`` (dropdown of
    ``STATISTICS``).

    Kept after each ``update()``: ``pooled`` (the pooled map) and ``output_shape``.
    """

    def __init__(self, spec: np.ndarray, times: np.ndarray, freqs: np.ndarray, size: int = 2, stride: int = 2) -> None:
        super().__init__(figsize=(9.0, 3.4))
        self.spec = np.asarray(spec, dtype=float)
        self.times = np.asarray(times, dtype=float)
        self.freqs = np.asarray(freqs, dtype=float)
        self.size = widgets.IntSlider(value=size, min=1, max=8, description="size")
        self.stride = widgets.IntSlider(value=stride, min=1, max=8, description="stride")
        self.statistic = widgets.Dropdown(options=STATISTICS, value="max", description="statistic")
        self.controls = [self.statistic, self.size, self.stride]
        ax_in, self.ax_out = self.fig.subplots(1, 2)
        extent = (self.times[0], self.times[-1], self.freqs[0], self.freqs[-1])
        lo, hi = float(self.spec.min()), float(self.spec.max())
        im = ax_in.imshow(self.spec, origin="lower", aspect="auto", extent=extent, cmap="magma", vmin=lo, vmax=hi, interpolation="nearest")
        ax_in.set_title(f"spectrogram {self.spec.shape[0]} x {self.spec.shape[1]}", fontsize=10)
        self.out_image = self.ax_out.imshow(self.spec, origin="lower", aspect="auto", extent=extent, cmap="magma", vmin=lo, vmax=hi, interpolation="nearest")
        for ax in (ax_in, self.ax_out):
            ax.set_xlabel("time (s)")
            ax.set_ylabel("frequency (Hz)")
        self.fig.colorbar(im, ax=[ax_in, self.ax_out], label="magnitude (dB)")
        self.ax_out.set_title("pooled map", fontsize=10)
        self._animate(self.out_image)
        self._watch(self.size, self.stride, self.statistic)
        self.update()

    def describe(self) -> str:
        """Text alternative of the figure (read by screen readers)."""
        f, t = self.spec.shape
        return (
            f"Two colour maps of frequency ({self.freqs[0]:.0f} to {self.freqs[-1]:.0f} Hz, upwards) against time "
            f"({self.times[0]:.2f} to {self.times[-1]:.2f} s), same colour scale in dB. Left: the {f} x {t} "
            f"spectrogram. Right: the map after {self._label}, {self.output_shape[0]} x {self.output_shape[1]} "
            f"cells: coarser blocks that keep the bright sweep."
        )

    def update(self) -> None:
        """Pool the spectrogram with the current settings and redraw the pooled map."""
        stat = self.statistic.value
        k, s = int(self.size.value), int(self.stride.value)
        if stat == "max":
            self.pooled = course.max_pool2d(self.spec, k, s)
            label = f"max pool {k}x{k}, stride {s}"
        elif stat == "average":
            self.pooled = course.avg_pool2d(self.spec, k, s)
            label = f"average pool {k}x{k}, stride {s}"
        else:
            self.pooled = course.adaptive_max_pool2d(self.spec, (9, 9))
            label = "adaptive max pool to 9x9"
        self.output_shape = tuple(self.pooled.shape)
        self._label = label
        self.out_image.set_data(self.pooled)
        self.info.value = (
            f"{label}: {self.spec.shape[0]} × {self.spec.shape[1]} → "
            f"<b>{self.output_shape[0]} × {self.output_shape[1]}</b>"
        )
        self.n_updates += 1
        self.render()
