"""Receptive field of one output unit through a stack of 1-D convolution layers, drawn.

Each layer is ``(kernel_size, stride, dilation)``. Unit ``i`` of layer ``l + 1`` reads the units
``i*stride + j*dilation`` (``j = 0 .. kernel_size - 1``) of layer ``l``. Following those
connections down from one top unit marks every input sample it depends on; the span of the
marked inputs is its receptive field, ``course.receptive_field(layers)``.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.collections import LineCollection

import course
from course.widgets._base import FigureWidget

__all__ = ["ReceptiveFieldExplorer", "dependency_sets"]

Layer = tuple[int, int, int]


def dependency_sets(layers: list[Layer], unit: int = 0) -> list[np.ndarray]:
    """Indices, per level, that output ``unit`` of the top layer is connected to.

    Returns a list from the input (level 0) up to the top (level ``len(layers)``), each a sorted
    array of unit indices; the top level is ``[unit]``.
    """
    levels = [np.array([unit])]
    for k, s, d in reversed(layers):
        above = levels[0]
        below = (above[:, None] * s + np.arange(k)[None, :] * d).ravel()  # (units, taps) -> flat
        levels.insert(0, np.unique(below))
    return levels


class ReceptiveFieldExplorer(FigureWidget):
    """Edit a stack of layers and see which input samples one output unit depends on.

    Controls (attributes): ``n_layers`` (1..6), ``layer`` (which layer the next three sliders
    edit), ``kernel``, ``stride``, ``dilation``.

    Kept after each ``update()``: ``layers`` (list of (k, s, d)), ``rf`` (from
    ``course.receptive_field``), ``levels`` (``dependency_sets``: connected units per level),
    ``span`` (extent of the connected inputs: max - min + 1, equals ``rf``), ``sizes`` (units
    drawn per level).
    """

    max_layers = 6

    def __init__(self, layers: list[tuple[int, ...]] | None = None) -> None:
        super().__init__(figsize=(9.0, 4.2))
        start = [tuple(layer) + (1,) * (3 - len(layer)) for layer in (layers or [(3, 1, 1), (3, 1, 1)])]
        self._stack: list[Layer] = [tuple(int(v) for v in layer) for layer in start]  # type: ignore[misc]
        self._stack += [(3, 1, 1)] * (self.max_layers - len(self._stack))
        self.n_layers = widgets.IntSlider(value=len(start), min=1, max=self.max_layers, description="layers")
        self.layer = widgets.Dropdown(options=[(f"layer {i + 1}", i) for i in range(len(start))], value=0, description="edit")
        self.kernel = widgets.IntSlider(value=self._stack[0][0], min=1, max=7, description="kernel")
        self.stride = widgets.IntSlider(value=self._stack[0][1], min=1, max=3, description="stride")
        self.dilation = widgets.IntSlider(value=self._stack[0][2], min=1, max=4, description="dilation")
        self.controls = [self.n_layers, self.layer, self.kernel, self.stride, self.dilation]
        self.ax = self.fig.add_subplot()
        self.ax.set_xlabel("position (input samples)")
        self.all_units = self.ax.scatter([], [], s=12, color="0.8", zorder=2)
        self.hit_units = self.ax.scatter([], [], s=22, color="C3", zorder=3)
        self.links = LineCollection([], colors="C3", linewidths=0.6, alpha=0.5, zorder=1)
        self.ax.add_collection(self.links)
        self.span_patch = self.ax.axvspan(0, 1, ymin=0, ymax=0.05, color="C1", alpha=0.35)
        self._static_key: tuple[int, int] | None = None
        self._animate(self.links, self.all_units, self.hit_units, self.span_patch)
        self._editing = False
        self.n_layers.observe(self._on_n_layers, names="value")
        self.layer.observe(self._on_layer, names="value")
        self._watch(self.kernel, self.stride, self.dilation)
        self.update()

    # --- controls ---------------------------------------------------------------------------
    def _on_n_layers(self, change: dict[str, Any]) -> None:
        n = int(self.n_layers.value)
        current = min(self.layer.value, n - 1)
        self._editing = True
        self.layer.options = [(f"layer {i + 1}", i) for i in range(n)]
        self.layer.value = current
        self._editing = False
        self._load_layer()
        self.update()

    def _on_layer(self, change: dict[str, Any]) -> None:
        if not self._editing:
            self._load_layer()

    def _load_layer(self) -> None:
        """Show the chosen layer's values on the sliders without triggering updates."""
        k, s, d = self._stack[int(self.layer.value)]
        self._editing = True
        self.kernel.value, self.stride.value, self.dilation.value = k, s, d
        self._editing = False

    def _on_change(self, change: dict[str, Any]) -> None:
        if not self._editing:
            self.update()

    def describe(self) -> str:
        """Text alternative of the diagram (read by screen readers)."""
        lo, hi = int(self.levels[0].min()), int(self.levels[0].max())
        connected = self.levels[0].size
        holes = f"; {self.span - connected} samples inside that span are not connected (holes)" if connected < self.span else ""
        return (
            f"Diagram of {len(self.layers)} layers stacked above the input, units as dots. Red lines follow the "
            f"connections of one unit of the top layer down to the input: it depends on input samples {lo} to {hi} "
            f"(orange band), a receptive field of {self.rf} samples{holes}. Layers (kernel, stride, dilation) from "
            f"the input up: {', '.join(str(tuple(l)) for l in self.layers)}."
        )

    # --- computation and drawing --------------------------------------------------------------
    def update(self) -> None:
        """Store the edited layer, recompute the receptive field and the connections, redraw."""
        if self.layer.value is not None:
            self._stack[int(self.layer.value)] = (int(self.kernel.value), int(self.stride.value), int(self.dilation.value))
        self.layers = self._stack[: int(self.n_layers.value)]
        self.rf = int(course.receptive_field(self.layers))
        self.levels = dependency_sets(self.layers)
        self.span = int(self.levels[0].max() - self.levels[0].min() + 1)
        # units drawn per level: enough input for 3 top units, sizes by the output-size formula
        jump = int(np.prod([s for _, s, _ in self.layers]))
        sizes = [self.rf + 2 * jump]
        for k, s, d in self.layers:
            sizes.append(course.conv_output_size(sizes[-1], k, stride=s, dilation=d))
        self.sizes = sizes
        # x position of unit i at level l (input coordinates): the centre of its receptive field,
        # start + i * jump, both from course.receptive_field_table (level 0 is the input itself)
        self.table = course.receptive_field_table(self.layers)
        firsts = [0.0] + [row["start"] for row in self.table]
        jumps = [1] + [row["jump"] for row in self.table]
        pos = [firsts[l] + jumps[l] * np.arange(sizes[l]) for l in range(len(sizes))]

        all_xy = np.concatenate([np.column_stack([p, np.full(p.size, l)]) for l, p in enumerate(pos)])
        hit_xy = np.concatenate([np.column_stack([pos[l][idx], np.full(idx.size, l)]) for l, idx in enumerate(self.levels)])
        segments = [np.zeros((0, 2, 2))]
        for l, (k, s, d) in enumerate(self.layers):
            above = self.levels[l + 1]  # connected units of layer l + 1
            taps = above[:, None] * s + np.arange(k)[None, :] * d  # (units, k) indices into layer l
            seg = np.empty((taps.size, 2, 2))  # one line per (unit, tap): ((x, y) above, (x, y) below)
            seg[:, 0, 0] = np.repeat(pos[l + 1][above], k)
            seg[:, 0, 1] = l + 1
            seg[:, 1, 0] = pos[l][taps.ravel()]
            seg[:, 1, 1] = l
            segments.append(seg)
        self.all_units.set_offsets(all_xy)
        self.hit_units.set_offsets(hit_xy)
        self.links.set_segments(np.concatenate(segments))
        lo, hi = self.levels[0].min() - 0.5, self.levels[0].max() + 0.5
        self.span_patch.set_x(lo)
        self.span_patch.set_width(hi - lo)
        self.info.value = (
            f"layers (kernel, stride, dilation), input side first: {self.layers} → "
            f"receptive field <b>{self.rf}</b> input samples"
        )
        # static part (limits, level labels): redrawn only when it changes. The x range is rounded
        # up to a power of two so that most slider moves reuse the cached background.
        x_max = 2 ** int(np.ceil(np.log2(sizes[0] + 1)))
        static_key = (x_max, len(self.layers))
        full = static_key != self._static_key
        if full:
            self._static_key = static_key
            self.ax.set_xlim(-1, x_max)
            self.ax.set_ylim(-1.0, len(self.layers) + 0.6)
            self.ax.set_yticks(range(len(sizes)), ["input"] + [f"layer {i + 1}" for i in range(len(self.layers))])
        self.n_updates += 1
        self.render(full=full)
