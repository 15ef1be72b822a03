"""Shared machinery of the lecture widgets: a matplotlib figure shown as a PNG in ipywidgets.

Why a PNG in an ``ipywidgets.Image`` rather than ``%matplotlib widget``: it needs no JupyterLab
extension (ipympl is not required), it redraws without flicker, and it runs headless (Agg) in
tests and under nbval. Each widget builds its artists once and ``update()`` only changes their
data (``set_data``, ``set_ydata``, ``set_array``, ``set_text``), then re-renders the PNG.

Rendering is blitted: the static part of the figure (axes, ticks, labels, legends) is drawn once
and kept as a background; an update restores it and draws only the artists registered with
``_animate`` (the ones whose data change), then encodes the pixels as PNG. Call
``render(full=True)`` after changing something static (axis limits, tick labels).
"""

from __future__ import annotations

import io
from typing import Any

import ipywidgets as widgets
from matplotlib.artist import Artist
from PIL import Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["FigureWidget"]


class FigureWidget:
    """Base class: controls above a figure; subclasses implement ``update()``.

    Attributes:
        fig: the matplotlib ``Figure`` (never registered with pyplot).
        image: the ``ipywidgets.Image`` that shows the rendered figure.
        info: an ``ipywidgets.HTML`` line under the controls for changing text (text drawn by
            matplotlib costs milliseconds per label on every redraw; HTML costs nothing).
        controls: the control widgets, in display order.
        n_updates: how many times ``update()`` has run (handy in tests).
    """

    dpi: float = 80.0

    def __init__(self, figsize: tuple[float, float]) -> None:
        self.fig = Figure(figsize=figsize, dpi=self.dpi, layout="constrained")
        FigureCanvasAgg(self.fig)  # attach an Agg canvas: no pyplot, no GUI backend
        self.image = widgets.Image(format="png")
        self.info = widgets.HTML()
        self.controls: list[widgets.Widget] = []
        self.n_updates = 0
        self._layout_frozen = False
        self._box: widgets.Box | None = None
        self._animated: list[Artist] = []
        self._background: Any = None

    # --- wiring ---------------------------------------------------------------------------
    def _watch(self, *controls: widgets.Widget) -> None:
        """Call ``update()`` whenever one of ``controls`` changes value."""
        for control in controls:
            control.observe(self._on_change, names="value")

    def _on_change(self, change: dict[str, Any]) -> None:
        self.update()

    def update(self) -> None:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    # --- drawing --------------------------------------------------------------------------
    def _animate(self, *artists: Artist) -> None:
        """Register artists that change on every update (drawn over the cached background)."""
        for artist in artists:
            artist.set_animated(True)
            self._animated.append(artist)

    def render(self, full: bool = False) -> bytes:
        """Draw the figure with Agg and put the PNG into ``self.image``; return the bytes.

        Args:
            full: redraw the static background too (needed after limits or ticks change).
        """
        canvas = self.fig.canvas
        if full or self._background is None:
            canvas.draw()  # layout + static artists; animated artists are skipped by Agg
            if not self._layout_frozen:
                # constrained layout is solved on the first draw, then frozen: later redraws
                # only move data, and skipping the layout solver keeps updates fast.
                self.fig.set_layout_engine("none")
                self._layout_frozen = True
            self._background = canvas.copy_from_bbox(self.fig.bbox)
        else:
            canvas.restore_region(self._background)
        for artist in self._animated:
            self.fig.draw_artist(artist)
        width, height = canvas.get_width_height()
        pixels = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buffer = io.BytesIO()
        pixels.convert("RGB").save(buffer, format="png", compress_level=1)
        data = buffer.getvalue()
        self.image.value = data
        return data

    # --- display --------------------------------------------------------------------------
    @property
    def widget(self) -> widgets.Box:
        """The ipywidgets box (controls above the figure) that a notebook displays."""
        if self._box is None:
            self._box = widgets.VBox(
                [widgets.HBox(self.controls, layout=widgets.Layout(flex_flow="row wrap")), self.info, self.image]
            )
        return self._box

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)
