"""Parameter sharing, counted live: a convolutional layer vs a dense layer on the same input.

A conv layer with ``C_in`` input maps, ``C_out`` kernels of size ``k x k`` and a bias per kernel
has ``C_out * (C_in * k * k + 1)`` parameters (``course.count_conv_parameters``), whatever the
input size: the same kernel is slid everywhere (shared weights). A dense layer that maps the same
``C_in x H x W`` input to an output of the same size as the conv layer's
(``C_out x H_out x W_out``, ``H_out`` by ``course.conv_output_size``) needs one weight per
input-output pair plus a bias per output.
"""

from __future__ import annotations

import ipywidgets as widgets

import course
from course.widgets._base import FigureWidget

__all__ = ["ParameterCounter", "dense_parameter_count"]


def dense_parameter_count(n_inputs: int, n_outputs: int, bias: bool = True) -> int:
    """Weights (and biases) of a fully connected layer: ``n_inputs * n_outputs (+ n_outputs)``."""
    return int(n_inputs) * int(n_outputs) + (int(n_outputs) if bias else 0)


class ParameterCounter(FigureWidget):
    """Sliders for input size, channels and kernel size; bars (log scale) of the two counts.

    Controls (attributes): ``size`` (H = W of the input), ``c_in``, ``c_out``, ``kernel``.

    Kept after each ``update()``: ``conv_params``, ``dense_params``, ``ratio``
    (dense / conv), ``output_shape`` (C_out, H_out, W_out).
    """

    def __init__(self, size: int = 28, c_in: int = 1, c_out: int = 8, kernel: int = 3) -> None:
        super().__init__(figsize=(6.5, 2.6))
        self.size = widgets.IntSlider(value=size, min=4, max=256, description="H = W")
        self.c_in = widgets.IntSlider(value=c_in, min=1, max=64, description="C_in")
        self.c_out = widgets.IntSlider(value=c_out, min=1, max=64, description="C_out")
        self.kernel = widgets.IntSlider(value=kernel, min=1, max=9, description="kernel k")
        self.controls = [self.size, self.c_in, self.c_out, self.kernel]
        self.ax = self.fig.add_subplot()
        self.bars = self.ax.barh([1, 0], [1, 1], color=["C0", "C3"])
        self.ax.set_yticks([1, 0], ["conv layer", "dense layer"])
        self.ax.set_xscale("log")
        self.ax.set_xlim(1, 1e14)
        self.ax.set_xlabel("number of parameters (log scale)")
        self.labels = [self.ax.text(1.5, y, "", va="center", fontsize=9, color="white") for y in (1, 0)]
        self._animate(*self.bars, *self.labels)
        self._watch(*self.controls)
        self.update()

    def describe(self) -> str:
        """Text alternative of the bar chart (read by screen readers)."""
        c_out, n_out, _ = self.output_shape
        n = int(self.size.value)
        return (
            f"Horizontal bar chart, number of parameters on a log scale. For a {int(self.c_in.value)}x{n}x{n} input "
            f"and a {c_out}x{n_out}x{n_out} output: conv layer {self.conv_params:,} parameters (blue bar), "
            f"dense layer {self.dense_params:,} (red bar), {self.ratio:,.0f} times more."
        )

    def update(self) -> None:
        """Recount both layers for the current sliders and redraw the bars."""
        k = int(self.kernel.value)
        n = int(self.size.value)
        c_in, c_out = int(self.c_in.value), int(self.c_out.value)
        if k > n:  # the kernel no longer fits in the input: keep it legal
            k = n
        n_out = course.conv_output_size(n, k)
        self.output_shape = (c_out, n_out, n_out)
        self.conv_params = int(course.count_conv_parameters(c_in, c_out, k))
        self.dense_params = dense_parameter_count(c_in * n * n, c_out * n_out * n_out)
        self.ratio = self.dense_params / self.conv_params
        for bar, label, count in zip(self.bars, self.labels, (self.conv_params, self.dense_params)):
            bar.set_width(count)
            label.set_text(f"{count:,}")
        self.info.value = (
            f"input {c_in}×{n}×{n} → output {c_out}×{n_out}×{n_out}: conv <b>{self.conv_params:,}</b> "
            f"parameters, dense <b>{self.dense_params:,}</b> ({self.ratio:,.0f}× more)"
        )
        self.n_updates += 1
        self.render()
