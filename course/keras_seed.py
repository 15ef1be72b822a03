"""The lecture's Keras model, built with Keras 3 itself (PyTorch backend, no TensorFlow).

The slide's code, with its typos fixed (a missing ``Flatten`` import, an extra parenthesis)::

    from keras.models import Sequential          # the slide: tensorflow.keras.models
    from keras.layers import Dense, Input, Conv2D, MaxPooling2D, Flatten

    model = Sequential()
    model.add(Input(shape=(1000, 1000, 1)))      # 1000x1000 grayscale
    model.add(Conv2D(32, kernel_size=(5, 5), activation='relu'))
    model.add(MaxPooling2D(pool_size=(2, 2), strides=(2, 2)))
    model.add(Conv2D(64, kernel_size=(5, 5), activation='relu'))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Flatten())                         # convert to vector, then feed forward network
    model.add(Dense(1000, activation='relu'))
    model.add(Dense(NumClasses, activation='softmax'))

Keras 3 runs on several backends; the course uses PyTorch's (``KERAS_BACKEND=torch``), which
must be chosen *before* ``keras`` is first imported: :func:`import_keras` sets it and refuses
a Keras already imported with another backend.

At 1000 x 1000 the first ``Dense`` layer has 3,904,577,000 weights (15.6 GB as float32), so
:func:`build_seed_model` can build the model on PyTorch's ``meta`` device (``device="meta"``):
every weight has its shape and dtype but no memory, and ``model.summary()`` and
``model.count_params()`` work as usual. At a small size (128 x 128) build it on the CPU and run
it. :func:`keras_rows` lists each layer's output shape and parameter count, for comparison with
:func:`course.models.summary` (the same network in PyTorch; Keras is channels-last
``(N, H, W, C)``, PyTorch channels-first ``(N, C, H, W)``).
"""

from __future__ import annotations

import os
import sys
from typing import Any, NamedTuple

__all__ = ["import_keras", "build_seed_model", "keras_rows", "KerasRow"]


def import_keras() -> Any:
    """Import Keras 3 on the PyTorch backend and return the ``keras`` module.

    Sets ``KERAS_BACKEND=torch`` when Keras is not imported yet.

    Raises:
        RuntimeError: Keras was already imported with another backend (restart the kernel and
            set ``os.environ["KERAS_BACKEND"] = "torch"`` before the first ``import keras``).
    """
    if "keras" not in sys.modules:
        os.environ["KERAS_BACKEND"] = "torch"
    import keras

    backend = keras.config.backend()
    if backend != "torch":
        raise RuntimeError(
            f"keras is already imported with the {backend!r} backend; restart the kernel and set "
            "os.environ['KERAS_BACKEND'] = 'torch' before importing keras"
        )
    return keras


def build_seed_model(num_classes: int = 10, size: int = 1000, device: str | None = None) -> Any:
    """The slide's ``Sequential`` model for ``size x size`` grayscale inputs, layer for layer.

    Args:
        num_classes: units of the last (softmax) layer, the slide's ``NumClasses``.
        size: height and width of the input (the slide: 1000).
        device: where Keras creates the weights: ``"meta"`` for none at all (shapes only; enough
            for ``summary()`` and ``count_params()``), ``"cpu"``, or None for Keras' default.

    Returns:
        A built ``keras.Sequential``; input ``(N, size, size, 1)``, output ``(N, num_classes)``.
    """
    keras = import_keras()
    from keras.layers import Conv2D, Dense, Flatten, Input, MaxPooling2D
    from keras.models import Sequential

    def build() -> Any:
        model = Sequential()
        model.add(Input(shape=(size, size, 1)))
        model.add(Conv2D(32, kernel_size=(5, 5), activation="relu"))
        model.add(MaxPooling2D(pool_size=(2, 2), strides=(2, 2)))
        model.add(Conv2D(64, kernel_size=(5, 5), activation="relu"))
        model.add(MaxPooling2D(pool_size=(2, 2)))
        model.add(Flatten())
        model.add(Dense(1000, activation="relu"))
        model.add(Dense(num_classes, activation="softmax"))
        return model

    if device is None:
        return build()
    with keras.device(device):
        return build()


class KerasRow(NamedTuple):
    """One Keras layer: its name, class, output shape without the batch axis, parameters."""

    layer: str
    kind: str
    output_shape: tuple[int, ...]
    parameters: int


def keras_rows(model: Any) -> list[KerasRow]:
    """Each layer of a built Keras model: name, class, output shape (no batch), ``count_params()``.

    Output shapes come from Keras' own shape inference (``layer.output.shape``), so no data runs.
    """
    return [
        KerasRow(layer.name, type(layer).__name__, tuple(int(d) for d in layer.output.shape[1:]), int(layer.count_params()))
        for layer in model.layers
    ]
