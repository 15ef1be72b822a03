"""Interactive widgets of the lectures (ipywidgets + matplotlib); never imported by the core.

One module per topic, one class per widget. Each widget keeps its controls as attributes, has an
``update()`` callback wired to them, stores the data it last drew (so tests can drive a control
and check the result), and displays itself (controls above a PNG of its figure) when it is the
last expression of a notebook cell. They need no JupyterLab extension.

=====================================  ============================  ==========
widget                                 module                        lecture
=====================================  ============================  ==========
``SlidingConvolution``                 ``course.widgets.sliding``    01
``ConvolutionStepper``                 ``course.widgets.stepper``    02
``ParameterCounter``                   ``course.widgets.params``     03
``EquivarianceDemo``                   ``course.widgets.equivariance``  03
``ReceptiveFieldExplorer``             ``course.widgets.receptive``  04
``PoolingExplorer``                    ``course.widgets.pooling``    05
``UpcallExplorer``                     ``course.widgets.audio``      06-07
=====================================  ============================  ==========

Names are imported lazily: ``from course.widgets import ConvolutionStepper`` loads only
``course.widgets.stepper``.
"""

from __future__ import annotations

from course._lazy import lazy_attributes

_PUBLIC: dict[str, str] = {
    "SlidingConvolution": "course.widgets.sliding",
    "ConvolutionStepper": "course.widgets.stepper",
    "ParameterCounter": "course.widgets.params",
    "EquivarianceDemo": "course.widgets.equivariance",
    "ReceptiveFieldExplorer": "course.widgets.receptive",
    "PoolingExplorer": "course.widgets.pooling",
    "UpcallExplorer": "course.widgets.audio",
}

__all__ = sorted(_PUBLIC)

__getattr__, __dir__ = lazy_attributes(__name__, globals(), _PUBLIC)
