"""Helper package of the convolutional-models course.

Array layout is PyTorch's, written down once here: ``(N, C, H, W)`` for 2-D data and
``(N, C, L)`` for 1-D data, where N is the batch, C the channels (feature maps), H x W the
height and width (for a spectrogram: frequency x time) and L the length. Single examples may drop
N and C: a single map is ``(H, W)`` or ``(L,)``.

Naming is honest: ``convolve*`` flips the kernel, ``correlate*`` does not. What deep-learning
libraries call "conv" (``torch.nn.functional.conv2d``, Keras ``Conv2D``, ``course.conv2d``) is
cross-correlation.

Public names are imported lazily (PEP 562), so ``import course`` is fast and a notebook that
only needs NumPy never pays for importing PyTorch or the widgets.
"""

from __future__ import annotations

from course._lazy import lazy_attributes

__version__ = "0.1.0"

# public name -> module that defines it
_PUBLIC: dict[str, str] = {
    "device": "course._device",
    "conv_output_size": "course.shapes",
    "convolve1d": "course.convolution",
    "correlate1d": "course.convolution",
    "convolve2d": "course.convolution",
    "correlate2d": "course.convolution",
    "conv_layer_forward": "course.layers",
    "count_conv_parameters": "course.layers",
    "conv2d": "course.layers",
    "conv1d": "course.layers",
    "max_pool2d": "course.pooling",
    "avg_pool2d": "course.pooling",
    "adaptive_max_pool2d": "course.pooling",
    "adaptive_avg_pool2d": "course.pooling",
    "receptive_field": "course.receptive",
    "receptive_field_table": "course.receptive",
    "measure_receptive_field": "course.receptive",
}

__all__ = sorted(_PUBLIC)

__getattr__, __dir__ = lazy_attributes(__name__, globals(), _PUBLIC, submodules=True)
