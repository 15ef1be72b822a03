"""Step a 2-D kernel over a small input cell by cell: window, 9 products, their sum.

The default data are the lecture's worked example (a 5x5 input, a 3x3 kernel), whose feature map
is ``[[12, 12, 17], [10, 17, 19], [9, 6, 14]]``: what deep-learning libraries compute, i.e.
cross-correlation ``y[i, j] = sum_{m, n} x[i + m, j + n] * w[m, n]`` (``course.correlate2d``).
Ticking ``flip`` flips the kernel in both axes first: true convolution (``course.convolve2d``).
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

import course
from course.plotting import format_number, highlight_window, show_grid
from course.widgets._base import FigureWidget

__all__ = ["ConvolutionStepper", "LECTURE_INPUT", "LECTURE_KERNEL"]

LECTURE_INPUT = np.array(
    [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]]
)
LECTURE_KERNEL = np.array([[0, 1, 2], [2, 2, 0], [0, 1, 2]])


class ConvolutionStepper(FigureWidget):
    """Slider over the output positions of a stride-1, no-padding 2-D correlation.

    Controls (attributes): ``slider`` (output position, row-major: 0 .. H_out*W_out - 1) and
    ``flip`` (checkbox: flip the kernel, i.e. true convolution).

    Kept after each ``update()``:
        ``highlight``: (row, col) of the window's top-left input cell; ``window``: the input
        values under the kernel; ``kernel_used``: the kernel as applied (flipped when ``flip``);
        ``products``: window * kernel_used; ``value``: their sum; ``output_full``: the whole
        feature map; ``output_values``: the feature map filled up to the current position,
        NaN after it.
    """

    def __init__(self, x: np.ndarray | None = None, w: np.ndarray | None = None) -> None:
        super().__init__(figsize=(7.5, 3.0))
        self.x = np.asarray(LECTURE_INPUT if x is None else x)
        self.w = np.asarray(LECTURE_KERNEL if w is None else w)
        kh, kw = self.w.shape
        self.out_shape = (
            course.conv_output_size(self.x.shape[0], kh),
            course.conv_output_size(self.x.shape[1], kw),
        )
        n_positions = self.out_shape[0] * self.out_shape[1]
        self.slider = widgets.IntSlider(value=0, min=0, max=n_positions - 1, description="position")
        self.flip = widgets.Checkbox(value=False, description="flip kernel (true convolution)")
        self.controls = [self.slider, self.flip]

        ax_in, self.ax_k, self.ax_out = self.fig.subplots(1, 3, gridspec_kw={"width_ratios": [5, 3, 3]})
        show_grid(self.x, ax=ax_in, title="input x", cmap="Blues")
        self.rect = highlight_window(ax_in, 0, 0, kh, kw)
        self._draw_kernel()
        # the output: an image plus one text per cell, updated in place; the 9 products are an
        # HTML table in ``self.info`` (text drawn by matplotlib is the slow part of a redraw)
        out_lo, out_hi = self._output_range()
        self.o_image = self.ax_out.imshow(np.full(self.out_shape, np.nan), cmap="Oranges", vmin=out_lo, vmax=out_hi, interpolation="nearest")
        self.o_texts = [self.ax_out.text(j, i, "", ha="center", va="center", fontsize=11) for i in range(self.out_shape[0]) for j in range(self.out_shape[1])]
        self.o_rect = highlight_window(self.ax_out, 0, 0, 1, 1)
        self.ax_out.set_title("feature map y")
        self.ax_out.set_xticks(range(self.out_shape[1]))
        self.ax_out.set_yticks(range(self.out_shape[0]))
        self.ax_out.tick_params(labelsize=8)
        self._animate(self.rect, self.o_image, *self.o_texts, self.o_rect)

        self._watch(self.slider)
        self.flip.observe(self._on_flip, names="value")
        self.update()

    def _output_range(self) -> tuple[float, float]:
        """Colour limits covering both feature maps (flipped or not), computed once."""
        # flip -> feature map: correlation (what libraries compute) or true convolution
        self._maps = {False: course.correlate2d(self.x, self.w), True: course.convolve2d(self.x, self.w)}
        lo = float(min(m.min() for m in self._maps.values()))
        hi = float(max(m.max() for m in self._maps.values()))
        return lo, hi if hi > lo else lo + 1.0

    def _draw_kernel(self) -> None:
        self.ax_k.clear()
        self.kernel_used = self.w[::-1, ::-1] if self.flip.value else self.w
        show_grid(self.kernel_used, ax=self.ax_k, title="kernel, flipped" if self.flip.value else "kernel w", cmap="Purples")

    def _on_flip(self, change: dict[str, object]) -> None:
        self._draw_kernel()
        self._background = None  # the kernel panel is static: redraw it
        self.update()

    def _products_html(self, i: int, j: int) -> str:
        """The window times the kernel, cell by cell, and the sum, as a small HTML table."""
        rows = []
        for a_row, b_row, c_row in zip(self.window, self.kernel_used, self.products):
            cells = "".join(
                f"<td style='padding:2px 8px'>{format_number(a)}·{format_number(b)} = <b>{format_number(c)}</b></td>"
                for a, b, c in zip(a_row, b_row, c_row)
            )
            rows.append(f"<tr>{cells}</tr>")
        return (
            f"<div>products (input window × kernel) for output y[{i}, {j}]:</div>"
            f"<table style='border:1px solid #ccc'>{''.join(rows)}</table>"
            f"<div>sum = <b>{format_number(self.value)}</b> → y[{i}, {j}]</div>"
        )

    def describe(self) -> str:
        """Text alternative of the figure at the current position (read by screen readers)."""
        i, j = self.highlight
        kh, kw = self.w.shape
        done = "; ".join(
            " ".join("_" if np.isnan(v) else format_number(v) for v in row) for row in self.output_values
        )
        return (
            f"Three grids. Left: the {self.x.shape[0]}x{self.x.shape[1]} input with a red square around the "
            f"{kh}x{kw} window at rows {i} to {i + kh - 1}, columns {j} to {j + kw - 1}. Middle: the kernel"
            f"{', flipped by 180 degrees (true convolution)' if self.flip.value else ''}. Right: the feature map "
            f"filled up to cell ({i}, {j}), whose value is the sum of the window's products, "
            f"{format_number(self.value)}. Feature map so far, row by row (_ = not computed yet): {done}."
        )

    def update(self) -> None:
        """Move the window to the slider's position; compute the 9 products and the sum."""
        kh, kw = self.w.shape
        p = int(self.slider.value)
        i, j = divmod(p, self.out_shape[1])
        self.highlight = (i, j)
        self.window = self.x[i : i + kh, j : j + kw]
        self.products = self.window * self.kernel_used
        self.value = self.products.sum()
        self.output_full = self._maps[bool(self.flip.value)]
        shown = np.full(self.output_full.size, np.nan)
        shown[: p + 1] = self.output_full.ravel()[: p + 1]
        self.output_values = shown.reshape(self.output_full.shape)

        self.rect.set_xy((j - 0.5, i - 0.5))
        self.o_rect.set_xy((j - 0.5, i - 0.5))
        self.info.value = self._products_html(i, j)
        self.o_image.set_array(np.ma.masked_invalid(self.output_values))
        for text, v in zip(self.o_texts, self.output_values.ravel()):
            text.set_text("" if np.isnan(v) else format_number(v))
        self.n_updates += 1
        self.render()
