"""Figure helpers for the lectures and exercises (matplotlib only, no pyplot state).

Every helper draws on an ``Axes`` you pass in, or creates its own ``Figure`` (from
``matplotlib.figure.Figure``, not ``pyplot``), so nothing leaks into pyplot's global figure list
and the helpers work under the headless Agg backend (tests, CI, nbval). In a notebook, a figure
created by a helper is shown by leaving it as the cell's last expression (``ax.figure``) or with
``IPython.display.display(ax.figure)``.

Helpers:
    show_grid: a small 2-D array drawn as a grid of coloured cells with its numbers written in.
    show_signal: a 1-D signal as a stem plot (sample index or time in seconds on the x axis).
    show_spectrogram: a time-frequency map with time in s, frequency in Hz and a colour bar.
    highlight_window: a rectangle outlining a window of cells on a grid (sliding kernels, pools).
    new_axes: a fresh ``(Figure, Axes)`` pair (or a grid of axes, ``nrows, ncols`` as in
        ``plt.subplots``) without pyplot.
    show_figure: a figure as an HTML ``<figure>``: the PNG with a text alternative (``alt``) and
        an optional visible caption. Lectures display every figure through it.

Accessibility: JupyterLab shows a bare matplotlib figure as an ``<img>`` without ``alt``, so a
screen-reader user hears nothing about it. ``show_figure(fig, alt="...")`` returns an object whose
HTML representation is ``<figure><img alt="..."><figcaption>...</figcaption></figure>`` and whose
plain-text representation is the alt text itself (what a text-only front end shows).
"""

from __future__ import annotations

from typing import Any

import base64
import html
import io

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from course._validate import as_numeric_array, check_ndim

__all__ = [
    "new_axes",
    "show_grid",
    "show_signal",
    "show_spectrogram",
    "highlight_window",
    "format_number",
    "show_figure",
    "AccessibleFigure",
]


def new_axes(nrows: int = 1, ncols: int = 1, figsize: tuple[float, float] | None = None, **kwargs: Any) -> tuple[Figure, Any]:
    """Create a ``Figure`` and its axes without touching pyplot.

    The arguments come in matplotlib's order (``plt.subplots(nrows, ncols)``): ``new_axes(1, 2)``
    is one row of two axes side by side, ``new_axes(2, 1)`` two axes one above the other.

    Args:
        nrows: number of rows of axes.
        ncols: number of columns of axes.
        figsize: figure size in inches; default 4 inches per column, 3 per row.
        **kwargs: passed to ``Figure.subplots`` (e.g. ``squeeze``, ``sharex``, ``gridspec_kw``).

    Returns:
        ``(fig, axes)``: ``axes`` is one ``Axes`` when ``nrows == ncols == 1``, a 1-D array for a
        single row or column, else an array of shape ``(nrows, ncols)``.

    Raises:
        ValueError: ``nrows`` or ``ncols`` is not a whole number of at least 1.
    """
    for name, value in (("nrows", nrows), ("ncols", ncols)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")
    if figsize is None:
        figsize = (4.0 * ncols, 3.0 * nrows)
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(nrows, ncols, **kwargs)
    return fig, axes


def _own_axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    if ax is None:
        fig = Figure(figsize=figsize, layout="constrained")
        ax = fig.add_subplot()
    elif not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    return ax


def format_number(value: float) -> str:
    """Short text for a cell: integers without decimals, other numbers with up to 2 decimals."""
    if np.iscomplexobj(value):
        return f"{complex(value):.2g}"
    v = float(value)
    if np.isnan(v):
        return "nan"
    if float(v).is_integer() and abs(v) < 1e6:
        return str(int(v))
    return f"{v:.2f}".rstrip("0").rstrip(".")


def show_grid(
    array: Any,
    ax: Axes | None = None,
    title: str | None = None,
    annotate: bool = True,
    cmap: str = "viridis",
    colorbar: bool = False,
    vmin: float | None = None,
    vmax: float | None = None,
    fontsize: float | None = None,
    origin: str = "upper",
    clabel: str | None = None,
) -> Axes:
    """Draw a small 2-D array as a grid of cells with its numbers written in the cells.

    Row 0 is at the top (matrix orientation) by default; with ``origin="lower"`` row 0 is at
    the bottom, the way a spectrogram or a kernel over (frequency, time) is read: frequency
    increases upwards. Cells are square, ticks are the row and column indices. The numbers are written in black or white, whichever reads better on the cell colour.
    A 1-D array is drawn as a single row.

    Shape:
        array: ``(H, W)`` (or ``(L,)``, drawn as ``(1, L)``).

    Args:
        array: the numbers to draw.
        ax: the axes to draw on; a new figure is created when None.
        title: axes title.
        annotate: write each value in its cell (turn off for arrays larger than ~20x20).
        cmap: colour map name.
        colorbar: add a colour bar beside the grid.
        vmin, vmax: colour limits; default the array's min and max (an array of one value is
            drawn in the middle of the colour map).
        fontsize: size of the numbers; default chosen from the grid size.
        origin: ``"upper"`` (row 0 at the top, a matrix) or ``"lower"`` (row 0 at the bottom).
        clabel: label of the colour bar (with ``colorbar=True``).

    Returns:
        The axes drawn on. The image is ``ax.images[-1]`` and the cell texts are the axes'
        ``texts`` in row-major order (useful to update them in place).

    Raises:
        TypeError: ``array`` is not numeric or ``ax`` is not an Axes.
        ValueError: ``array`` is not 1-D or 2-D, or ``origin`` is not "upper" or "lower".
    """
    if origin not in ("upper", "lower"):
        raise ValueError(f"origin must be 'upper' (row 0 at the top) or 'lower' (row 0 at the bottom), got {origin!r}")
    arr = as_numeric_array(array, "array")
    check_ndim(arr, "array", (1, 2), "(H, W) grid")
    if arr.ndim == 1:
        arr = arr[np.newaxis, :]  # (L,) -> (1, L)
    arr = np.real(arr).astype(float)
    h, w = arr.shape
    ax = _own_axes(ax, (max(2.0, 0.5 * w + 1.0), max(1.5, 0.5 * h + 0.8)))
    lo = float(np.nanmin(arr)) if vmin is None else vmin
    hi = float(np.nanmax(arr)) if vmax is None else vmax
    if hi == lo:  # one value (e.g. a 1x1 output): the middle of the colour map, not its pale end
        lo, hi = lo - 0.5, hi + 0.5
    im = ax.imshow(arr, cmap=cmap, vmin=lo, vmax=hi, origin=origin, aspect="equal", interpolation="nearest")
    ax.set_xticks(np.arange(w))
    ax.set_yticks(np.arange(h))
    ax.set_xticks(np.arange(-0.5, w, 1.0), minor=True)
    ax.set_yticks(np.arange(-0.5, h, 1.0), minor=True)
    ax.grid(which="minor", color="white", linewidth=1.0)
    ax.tick_params(which="minor", length=0)
    ax.tick_params(labelsize=8)
    if annotate:
        size = fontsize if fontsize is not None else max(6.0, 12.0 - 0.4 * max(h, w))
        colormap = im.get_cmap()
        for i in range(h):
            for j in range(w):
                value = arr[i, j]
                shade = colormap(im.norm(value))
                luminance = 0.299 * shade[0] + 0.587 * shade[1] + 0.114 * shade[2]
                ax.text(
                    j, i, format_number(value), ha="center", va="center", fontsize=size,
                    color="black" if luminance > 0.5 else "white",
                )
    if colorbar:
        ax.figure.colorbar(im, ax=ax, shrink=0.8, label=clabel or "")
    if title is not None:
        ax.set_title(title)
    return ax


def highlight_window(
    ax: Axes,
    row: int,
    col: int,
    height: int,
    width: int,
    color: str = "red",
    linewidth: float = 2.5,
    inset: float = 0.0,
    linestyle: str = "-",
) -> Rectangle:
    """Outline the ``height x width`` window whose first cell is ``(row, col)`` on a grid.

    ``inset`` (in cells, e.g. 0.08) draws the outline that much inside the window, so that
    overlapping windows (stride smaller than the window) stay distinguishable.
    Move it later with ``rect.set_xy((col - 0.5, row - 0.5))`` (with ``inset=0``).
    """
    rect = Rectangle(
        (col - 0.5 + inset, row - 0.5 + inset), width - 2 * inset, height - 2 * inset,
        fill=False, edgecolor=color, linewidth=linewidth, linestyle=linestyle,
    )
    ax.add_patch(rect)
    return rect


def show_signal(
    x: Any,
    ax: Axes | None = None,
    title: str | None = None,
    dt: float | None = None,
    unit: str = "samples",
    start: int = 0,
    label: str | None = None,
    color: str | None = None,
) -> Axes:
    """Stem plot of a 1-D signal.

    Shape:
        x: ``(L,)``.

    Args:
        x: the samples.
        ax: the axes to draw on; a new figure is created when None.
        title: axes title.
        dt: sampling period; when given the x axis is time ``n * dt`` and ``unit`` names its unit
            (e.g. ``dt=1/8000, unit="s"``); when None the x axis is the sample index.
        unit: unit of the x axis label ("samples", "s", "ms", ...).
        start: index of the first sample (e.g. negative for a kernel centred at 0).
        label: legend label.
        color: stem colour (default: the axes' next colour).

    Returns:
        The axes drawn on; the stem container is ``ax.containers[-1]``.

    Raises:
        TypeError: ``x`` is not numeric, ``ax`` not an Axes.
        ValueError: ``x`` is not 1-D, or ``dt`` is not positive.
    """
    arr = as_numeric_array(x, "x")
    check_ndim(arr, "x", (1,), "(L,) signal")
    arr = np.real(arr).astype(float)
    if dt is not None and not dt > 0:
        raise ValueError(f"dt (sampling period) must be positive, got {dt!r}")
    ax = _own_axes(ax, (5.0, 2.5))
    n = np.arange(start, start + arr.size)
    t = n if dt is None else n * dt
    kwargs: dict[str, Any] = {"basefmt": "k-"}
    if label is not None:
        kwargs["label"] = label
    stem = ax.stem(t, arr, **kwargs)
    stem.markerline.set_markersize(4 if arr.size > 30 else 6)
    if color is not None:
        stem.markerline.set_color(color)
        stem.stemlines.set_color(color)
    if dt is None:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # sample indices are whole numbers
        ax.set_xlabel("n (samples)" if unit == "samples" else f"n ({unit})")
    else:
        ax.set_xlabel(f"time ({unit})")
    ax.set_ylabel("amplitude")
    if title is not None:
        ax.set_title(title)
    if label is not None:
        ax.legend(loc="best", fontsize=8)
    return ax


def show_spectrogram(
    spec: Any,
    times: Any,
    freqs: Any,
    ax: Axes | None = None,
    title: str | None = None,
    cmap: str = "magma",
    colorbar: bool = True,
    clabel: str = "magnitude (dB)",
    vmin: float | None = None,
    vmax: float | None = None,
    symmetric: bool = False,
) -> Axes:
    """Draw a time-frequency map ``spec[f, t]`` with time in s, frequency in Hz and a colour bar.

    Shape:
        spec: ``(F, T)`` -- frequency rows (low at the bottom), time columns.
        times: ``(T,)`` frame centres in seconds. freqs: ``(F,)`` bin centres in Hz.

    Args:
        vmin, vmax: colour limits (default the map's min and max).
        symmetric: centre the colour scale on 0 (``-m .. m`` with ``m`` the largest magnitude):
            use it with a diverging colour map such as ``"RdBu_r"`` so that white means 0.

    Returns:
        The axes; the image is ``ax.images[-1]`` (update it with ``set_data``).
    """
    s = np.real(as_numeric_array(spec, "spec")).astype(float)
    check_ndim(s, "spec", (2,), "(F, T) spectrogram")
    t = np.asarray(times, dtype=float)
    f = np.asarray(freqs, dtype=float)
    if t.shape != (s.shape[1],) or f.shape != (s.shape[0],):
        raise ValueError(
            f"times must have shape ({s.shape[1]},) and freqs ({s.shape[0]},) for a spectrogram of "
            f"shape {s.shape}, got {t.shape} and {f.shape}"
        )
    ax = _own_axes(ax, (5.0, 3.0))
    dt = t[1] - t[0] if t.size > 1 else 1.0
    df = f[1] - f[0] if f.size > 1 else 1.0
    extent = (t[0] - dt / 2, t[-1] + dt / 2, f[0] - df / 2, f[-1] + df / 2)
    if symmetric:
        m = float(np.nanmax(np.abs(s))) or 1.0
        vmin, vmax = -m, m
    im = ax.imshow(s, origin="lower", aspect="auto", extent=extent, cmap=cmap, interpolation="nearest", vmin=vmin, vmax=vmax)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("frequency (Hz)")
    if colorbar:
        ax.figure.colorbar(im, ax=ax, label=clabel)
    if title is not None:
        ax.set_title(title)
    return ax


# --------------------------------------------------------------------------- accessible display
class AccessibleFigure:
    """A rendered figure with a text alternative, displayed as an HTML ``<figure>``.

    Made by :func:`show_figure`. In Jupyter the HTML representation is
    ``<figure><img src="data:image/png;base64,..." alt="..."><figcaption>...</figcaption></figure>``;
    the plain-text representation is the alt text (what a text-only front end, or a
    screen reader reading the text output, gets). No bare ``image/png`` is offered, so no
    front end can pick an image without its text alternative.

    Attributes:
        png: the PNG bytes. alt: the text alternative. caption: the visible caption or None.
        width, height: the image size in pixels.
    """

    def __init__(self, png: bytes, alt: str, caption: str | None = None) -> None:
        from PIL import Image

        self.png = png
        self.alt = alt
        self.caption = caption
        with Image.open(io.BytesIO(png)) as im:
            self.width, self.height = im.size

    @property
    def html(self) -> str:
        """The ``<figure>`` element (alt text and caption HTML-escaped)."""
        data = base64.b64encode(self.png).decode("ascii")
        img = (
            f'<img src="data:image/png;base64,{data}" alt="{html.escape(self.alt, quote=True)}" '
            f'width="{self.width}" style="max-width:100%;height:auto">'
        )
        cap = "" if not self.caption else f"<figcaption>{html.escape(self.caption)}</figcaption>"
        return f'<figure class="course-figure" style="margin:0.5em 0">{img}{cap}</figure>'

    def _repr_html_(self) -> str:
        return self.html

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {"text/html": self.html, "text/plain": f"[figure] {self.alt}"}

    def __repr__(self) -> str:
        return f"AccessibleFigure({self.width}x{self.height} px, alt={self.alt!r})"


def show_figure(fig: Figure, alt: str, caption: str | None = None, dpi: float = 100.0) -> AccessibleFigure:
    """Render ``fig`` to PNG and return it with its text alternative, for display in a notebook.

    Leave the result as a cell's last expression (or ``display`` it): Jupyter shows
    ``<figure><img alt="..."><figcaption>caption</figcaption></figure>``.

    Args:
        fig: a matplotlib ``Figure`` (e.g. from :func:`new_axes` or ``ax.figure``).
        alt: what the figure shows, in words (not "a figure"): what is plotted against what and
            what the reader should notice. Required, at least a few words.
        caption: optional visible caption under the image.
        dpi: resolution of the PNG.

    Raises:
        TypeError: ``fig`` is not a matplotlib Figure.
        ValueError: ``alt`` is empty or too short to describe anything (under 15 characters).
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure (use ax.figure for an Axes), got {type(fig).__name__}")
    if not isinstance(alt, str) or len(alt.strip()) < 15:
        raise ValueError(f"alt must describe what the figure shows in a sentence (at least 15 characters), got {alt!r}")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    return AccessibleFigure(buffer.getvalue(), " ".join(alt.split()), caption)
