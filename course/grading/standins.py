"""Stand-ins, in the grading kernel, for the packages its sandbox does not mount.

Least privilege takes packages away (``SandboxKernelManager.distributions``); honest habits must
not lose marks for it. :func:`install` (called by ``course.grading.guard.boot``) puts a finder
first on ``sys.meta_path`` that answers, for each top-level name of ``stand_ins`` and all of its
sub-modules:

- ``"noop"`` (plotting: ``matplotlib``, ``course.plotting``): a module whose every attribute is a
  :class:`NoOp`: calling it, reading its attributes, indexing it, using it as a context manager
  all do nothing, so ``import matplotlib.pyplot as plt``, ``plt.plot(...)``,
  ``fig, ax = plt.subplots()`` and ``course.plotting.show_signal(...)`` run and draw nothing.
  What notebooks unpack has matplotlib's shape: ``subplots`` and ``new_axes`` return a figure and
  one axes object per panel (a NumPy object array, squeezed as matplotlib does), ``plot`` a list
  of one line, ``hist`` ``(counts, edges, patches)``, ``get_xlim``/``get_ylim`` a pair; and
  capitalised names (``plt.Figure``, ``matplotlib.axes.Axes``) are classes;
- ``"absent"`` (a whole-job library the assignment does not allow: ``scipy``, ``torch``...): the
  import succeeds, and any *use* raises :class:`NotAvailableWhileGrading` ("scipy.signal.convolve
  is not available while grading ex01: write the loop yourself").

The stand-ins are plain Python with no reference to anything real: there is nothing behind them
to reach. ``%matplotlib inline`` does nothing either. The grader adds a note to the feedback when
a notebook imports one (``RecordVerdicts``).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import types
from typing import Any

KINDS = ("noop", "absent")


class NotAvailableWhileGrading(RuntimeError):
    """A whole-job function, or a package the assignment's kernel does not have, was used."""


class _NoOpType(type):
    """``NoOp``'s class: a class attribute that does not exist is nothing too
    (``matplotlib.colors.LinearSegmentedColormap.from_list(...)``)."""

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return NOTHING


class NoOp(metaclass=_NoOpType):
    """Does nothing, whatever is done with it. Capitalised names are classes (``plt.Figure``,
    ``matplotlib.axes.Axes``: ``NoOp`` itself, so ``isinstance(fig, plt.Figure)`` holds); the
    calls whose results notebooks unpack return values of matplotlib's shapes (:data:`SHAPED`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __call__(self, *args: Any, **kwargs: Any) -> NoOp:
        return self

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        if name in SHAPED:
            return SHAPED[name]
        if name[:1].isupper():
            return NoOp
        return self

    def __getitem__(self, key: Any) -> NoOp:
        return self

    def __setitem__(self, key: Any, value: Any) -> None:
        pass

    def __setattr__(self, name: str, value: Any) -> None:
        pass

    def __iter__(self) -> Any:
        return iter(())

    def __len__(self) -> int:
        return 0

    def __enter__(self) -> NoOp:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def __repr__(self) -> str:
        return "<figure not drawn while grading>"


NOTHING = NoOp()


def _panels(*args: Any, **kwargs: Any) -> tuple[NoOp, Any]:
    """``(figure, axes)`` as ``plt.subplots(nrows, ncols, squeeze=True)`` returns them: one axes
    object, or a 1-D or 2-D NumPy array of them."""
    import numpy as np

    rows = kwargs.get("nrows", args[0] if args else 1)
    cols = kwargs.get("ncols", args[1] if len(args) > 1 else 1)
    rows = rows if isinstance(rows, int) and 0 < rows < 100 else 1
    cols = cols if isinstance(cols, int) and 0 < cols < 100 else 1
    grid = np.empty((rows, cols), dtype=object)
    for index in np.ndindex(rows, cols):
        grid[index] = NoOp()
    if kwargs.get("squeeze", True):
        if rows == cols == 1:
            return NoOp(), grid[0, 0]
        if rows == 1 or cols == 1:
            return NoOp(), grid.reshape(-1)
    return NoOp(), grid


def _lines(*args: Any, **kwargs: Any) -> list[NoOp]:
    """``ax.plot(...)``: a list of one line per data set (one here: ``line, = ax.plot(y)``)."""
    return [NoOp()]


def _hist(x: Any = (), bins: Any = 10, *args: Any, **kwargs: Any) -> tuple[Any, Any, list[NoOp]]:
    """``plt.hist(x, bins)``: ``(counts, edges, patches)`` of ``bins`` bins (counts are zeros)."""
    import numpy as np

    n = len(bins) - 1 if np.ndim(bins) == 1 else (bins if isinstance(bins, int) and 0 < bins < 100_000 else 10)
    n = max(int(n), 1)
    edges = np.asarray(bins, float) if np.ndim(bins) == 1 else np.linspace(0.0, 1.0, n + 1)
    return np.zeros(n), edges, [NoOp() for _ in range(n)]


def _limits(*args: Any, **kwargs: Any) -> tuple[float, float]:
    """``ax.get_xlim()``, ``plt.ylim(...)``: ``(low, high)``."""
    return (0.0, 1.0)


def _axis(*args: Any, **kwargs: Any) -> tuple[float, float, float, float]:
    return (0.0, 1.0, 0.0, 1.0)


SHAPED: dict[str, Any] = {
    "subplots": _panels, "new_axes": _panels,
    **dict.fromkeys(("plot", "semilogx", "semilogy", "loglog", "step", "plot_date"), _lines),
    "hist": _hist,
    **dict.fromkeys(("get_xlim", "get_ylim", "get_zlim", "xlim", "ylim", "set_xlim", "set_ylim"), _limits),
    "axis": _axis,
}
"""Calls whose results honest notebooks unpack, with results of matplotlib's shapes."""


class _NoOpModule(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return getattr(NOTHING, name)


class _Refusal:
    """A name of a package the kernel does not have: any use raises."""

    def __init__(self, name: str, assignment: str) -> None:
        object.__setattr__(self, "_message", f"{name} is not available while grading"
                                             f"{' ' + assignment if assignment else ''}: write the loop yourself")

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise NotAvailableWhileGrading(object.__getattribute__(self, "_message"))

    __call__ = __getitem__ = __iter__ = __len__ = __bool__ = __enter__ = _refuse

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        self._refuse()

    def __repr__(self) -> str:
        return f"<{object.__getattribute__(self, '_message')}>"


class _AbsentModule(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return _Refusal(f"{self.__name__}.{name}", self.__dict__.get("_course_assignment", ""))


class StandInFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds the stand-in of every module under the configured top-level names."""

    def __init__(self, stand_ins: dict[str, str], assignment: str) -> None:
        self._kinds = dict(stand_ins)
        self._assignment = assignment

    def _kind(self, fullname: str) -> str | None:
        for top, kind in self._kinds.items():
            if fullname == top or fullname.startswith(top + "."):
                return kind
        return None

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if self._kind(fullname) is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec: Any) -> types.ModuleType:
        cls = _NoOpModule if self._kind(spec.name) == "noop" else _AbsentModule
        module = cls(spec.name)
        module.__path__ = []
        module.__dict__["_course_assignment"] = self._assignment
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        pass


def install(stand_ins: dict[str, str], assignment: str = "") -> None:
    """Put the stand-ins' finder first on ``sys.meta_path`` (and forget any real module of those
    names loaded before: none is, in the sandbox)."""
    for name, kind in stand_ins.items():
        if kind not in KINDS:
            raise ValueError(f"stand-in kind {kind!r} for {name!r} is not one of {', '.join(KINDS)}")
    finder = StandInFinder(stand_ins, assignment)
    for name in list(sys.modules):
        if finder._kind(name) is not None:
            del sys.modules[name]
    for name in stand_ins:  # a sub-package (numpy.polynomial): its parent forgets it too
        parent, _, child = name.rpartition(".")
        if parent in sys.modules:
            sys.modules[parent].__dict__.pop(child, None)
    sys.meta_path.insert(0, finder)
    for name, magics in QUIET_MAGICS.items():
        if stand_ins.get(name) == "noop":
            _quiet_magics(magics)


QUIET_MAGICS = {"matplotlib": ("matplotlib", "pylab"), "IPython.extensions.autoreload": ("autoreload", "aimport")}
"""Line magics that do nothing when their package is a no-op stand-in: IPython's own
``%matplotlib inline`` would configure the real matplotlib, and ``%load_ext autoreload`` loads
the stand-in, whose magics ``%autoreload 2`` / ``%aimport`` are these (the real extension needs
``ctypes``; a graded notebook runs once, top to bottom, so there is nothing to reload)."""


def _quiet_magics(names: tuple[str, ...]) -> None:
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        for name in names:
            shell.register_magic_function(lambda line="": None, "line", name)
