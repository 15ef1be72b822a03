"""Shared machinery of the lecture widgets: a matplotlib figure shown as a PNG in ipywidgets.

Why a PNG in an ``ipywidgets.Image`` rather than ``%matplotlib widget``: it needs no JupyterLab
extension (ipympl is not required), it redraws without flicker, and it runs headless (Agg) in
tests and under nbval. Each widget builds its artists once and ``update()`` only changes their
data (``set_data``, ``set_ydata``, ``set_array``, ``set_text``), then re-renders the PNG.

Rendering is blitted: the static part of the figure (axes, ticks, labels, legends) is drawn once
and kept as a background; an update restores it and draws only the artists registered with
``_animate`` (the ones whose data change), then encodes the pixels as PNG. Call
``render(full=True)`` after changing something static (axis limits, tick labels).

Accessibility: ipywidgets' ``Image`` view draws a bare ``<img>`` with no ``alt``. Its base view
does put the widget's ``tooltip`` into the element's ``title`` (the last source of an
image's accessible name, which screen readers announce and axe-core accepts), but only when the
model has an empty ``description``, a trait ``Image`` does not have: reading it fails in the
browser. :class:`DescribedImage` adds that trait, and every render sets the tooltip to
``describe()``, a sentence saying what the figure currently shows. Every control is created
with a ``description`` (its visible label); ``control_labels()`` lists them.

Two gaps that no model trait can close are closed by a small script (:data:`CONTROLS_JS`,
``application/javascript``) that each widget displays next to itself; JupyterLab runs it for the
outputs it trusts (those made in the session), and front ends that do not run it lose nothing else:

- ipywidgets' slider draws its handle (``role="slider"``, the element that takes the keyboard
  focus) without an accessible name, so a screen reader announces "slider, 3" but not which one
  (axe-core: ``aria-input-field-name``). The script gives each handle its label's text as
  ``aria-label``.
- JupyterLab's command-mode shortcuts also fire while a control has the focus: typing "d" in the
  clip dropdown (to pick "downsweep") is the first half of "D, D" (delete the cell), and
  ArrowUp/ArrowDown move to another cell instead of changing the value. The script marks each
  control, and the element in it that takes the focus, ``data-lm-suppress-shortcuts``, which
  JupyterLab honours: keys typed in a control reach the control only. Tab still moves the focus on.

Both are applied to the controls of course widgets only (``.course-widget``, :data:`WIDGET_CLASS`),
now and whenever a control is redrawn.
"""

from __future__ import annotations

import io
from typing import Any

import ipywidgets as widgets
from matplotlib.artist import Artist
from traitlets import Unicode
from PIL import Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["FigureWidget", "DescribedImage", "CONTROLS_JS", "WIDGET_CLASS"]

WIDGET_CLASS = "course-widget"
"""CSS class of every course widget's outer box (what :data:`CONTROLS_JS` looks in)."""

CONTROLS_JS = """
(function () {
  if (window.__courseWidgetControls) { window.__courseWidgetControls(); return; }
  var pending = false;
  function fix() {
    pending = false;
    document.querySelectorAll('.%s .widget-slider, .%s .widget-dropdown, .%s .widget-checkbox').forEach(function (control) {
      [control].concat(Array.from(control.querySelectorAll('select, input, .noUi-handle'))).forEach(function (e) {
        if (e.getAttribute('data-lm-suppress-shortcuts') !== 'true') { e.setAttribute('data-lm-suppress-shortcuts', 'true'); }
      });
      var text = control.querySelector('.widget-label');
      var name = text ? text.textContent.trim() : '';
      control.querySelectorAll('.noUi-handle').forEach(function (handle) {
        if (name && handle.getAttribute('aria-label') !== name) { handle.setAttribute('aria-label', name); }
      });
    });
  }
  window.__courseWidgetControls = fix;
  fix();
  new MutationObserver(function () {
    if (!pending) { pending = true; window.requestAnimationFrame(fix); }
  }).observe(document.body, {childList: true, subtree: true});
})();
""" % ((WIDGET_CLASS,) * 3)


class DescribedImage(widgets.Image):
    """An ``ipywidgets.Image`` whose ``tooltip`` reaches the browser as the ``<img title>``.

    ipywidgets' DOM view sets ``title`` from ``tooltip`` only when the model's ``description``
    is empty, and ``Image`` has no ``description``: this subclass syncs an always-empty one.
    """

    description = Unicode("", help="kept empty: lets the view use `tooltip` as the image's title").tag(sync=True)


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
        self.image = DescribedImage(format="png")
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

    def describe(self) -> str:
        """The figure's text alternative: what it shows now. Subclasses say more."""
        return f"{type(self).__name__} figure"

    def control_labels(self) -> dict[str, str]:
        """Each control's class name and visible label (its ``description``), in display order."""
        return {f"{i}:{type(c).__name__}": getattr(c, "description", "") for i, c in enumerate(self.controls)}

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
        alt = " ".join(self.describe().split())
        if self.image.tooltip != alt:
            self.image.tooltip = alt
        return data

    # --- display --------------------------------------------------------------------------
    @property
    def widget(self) -> widgets.Box:
        """The ipywidgets box (controls above the figure) that a notebook displays."""
        if self._box is None:
            self._box = widgets.VBox(
                [widgets.HBox(self.controls, layout=widgets.Layout(flex_flow="row wrap")), self.info, self.image]
            )
            self._box.add_class(WIDGET_CLASS)
        return self._box

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def _ipython_display_(self) -> None:
        """Show the widget, then the script that names its slider handles and keeps JupyterLab's
        shortcuts away from its controls (see the module doc)."""
        from IPython.display import display

        display(self.widget)
        display({"application/javascript": CONTROLS_JS, "text/plain": ""}, raw=True)
