"""The lecture's Keras CNN in PyTorch, and a Keras-style summary that allocates no weights.

The lecture ends with this Keras model for 1000 x 1000 grayscale inputs::

    model = Sequential()
    model.add(Input(shape=(1000, 1000, 1)))
    model.add(Conv2D(32, kernel_size=(5, 5), activation='relu'))
    model.add(MaxPooling2D(pool_size=(2, 2), strides=(2, 2)))
    model.add(Conv2D(64, kernel_size=(5, 5), activation='relu'))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Flatten())
    model.add(Dense(1000, activation='relu'))
    model.add(Dense(NumClasses, activation='softmax'))

:func:`seed_cnn` builds the same network as a ``torch.nn.Module`` (Keras' default padding is
``'valid'``, i.e. none), and :func:`summary` prints what Keras' ``model.summary()`` prints:
each layer's output shape and parameter count, and the total. At 1000 x 1000 the first dense
layer alone has 3,904,577,000 parameters (15.6 GB as float32), which is why both work on
PyTorch's ``meta`` device: tensors with a shape and a dtype but no memory.

Layout is PyTorch's ``(N, C, H, W)``; Keras is channels-last ``(N, H, W, C)``. The parameter
counts are identical; only the order in which ``Flatten`` lists the features differs.
"""

from __future__ import annotations

import copy
import html
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Union

import numpy as np
import torch
from torch import nn

from course._validate import as_pair, check_positive
from course.shapes import conv_output_size
from course.torch_ops import _resolve_device

__all__ = ["seed_cnn", "summary", "SeedCNN", "Summary", "SummaryRow"]

DeviceLike = Union[torch.device, str, None]

KERNEL = 5  # both Conv2D layers: 5 x 5, stride 1, 'valid'
POOL = 2  # both MaxPooling2D layers: 2 x 2, stride 2
CHANNELS = (32, 64)  # feature maps of conv1 and conv2
HIDDEN = 1000  # units of the first Dense layer
DEFAULT_MAX_BYTES = 2 * 1024**3  # refuse to allocate more than 2 GiB of weights unless asked


# --------------------------------------------------------------------------- shape arithmetic
def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    return int(value)


# (name, window, stride) of the four stages before Flatten; all 'valid' (no padding)
_STAGES = (("conv1 (5x5)", KERNEL, 1), ("pool1 (2x2)", POOL, POOL), ("conv2 (5x5)", KERNEL, 1), ("pool2 (2x2)", POOL, POOL))


def _trace_axis(n: int) -> tuple[list[int], int | None]:
    """Lengths along one axis after each stage, and the index of the stage that fails (or None)."""
    sizes: list[int] = []
    for i, (_name, k, s) in enumerate(_STAGES):
        try:
            sizes.append(conv_output_size(sizes[-1] if sizes else n, k, stride=s))  # floor((n - k) / s) + 1
        except ValueError:
            return sizes, i
    return sizes, None


def _smallest_input() -> int:
    """Smallest side length that survives conv1 -> pool1 -> conv2 -> pool2 (16)."""
    n = 1
    while _trace_axis(n)[1] is not None:
        n += 1
    return n


def _check_input_size(height: int, width: int) -> tuple[int, int]:
    """(H, W) after the two conv+pool stages, or ValueError saying where the input breaks."""
    out = []
    for axis, n in (("height", height), ("width", width)):
        sizes, failed = _trace_axis(n)
        if failed is not None:
            path = "".join(f" -> {m} after {name}" for m, (name, _k, _s) in zip(sizes, _STAGES))
            smallest = _smallest_input()
            raise ValueError(
                f"input is too small for seed_cnn: {axis} {n}{path}, too short for {_STAGES[failed][0]}; "
                f"the smallest input is {smallest} x {smallest}, got {height} x {width}"
            )
        out.append(sizes[-1])
    return out[0], out[1]


# --------------------------------------------------------------------------- the model
class SeedCNN(nn.Sequential):
    """The lecture's Keras CNN as an ``nn.Sequential`` whose forward returns **logits**.

    Keras' last layer is ``Dense(NumClasses, activation='softmax')``. In PyTorch the softmax is
    left out of the module: ``nn.CrossEntropyLoss`` applies log-softmax itself (more stable),
    and :meth:`predict_proba` applies softmax when you want probabilities.

    Attributes:
        n_classes, input_size (H, W), in_channels, fixed_pool_size ((H, W) or None); the
        adaptive layer itself, when there is one, is the child module ``fixed_pool``.
    """

    def __init__(
        self,
        layers: OrderedDict[str, nn.Module],
        n_classes: int,
        input_size: tuple[int, int],
        in_channels: int,
        fixed_pool: tuple[int, int] | None,
    ) -> None:
        super().__init__(layers)
        self.n_classes = n_classes
        self.input_size = input_size
        self.in_channels = in_channels
        self.fixed_pool_size = fixed_pool

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(N, n_classes)`` for a batch ``(N, in_channels, H, W)``.

        Without ``fixed_pool`` (H, W) must equal ``input_size`` (the dense layer's size depends
        on it); with ``fixed_pool`` any size of at least 16 x 16 works.
        """
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"seed_cnn expects a batch (N, {self.in_channels}, H, W), got shape {tuple(x.shape)}"
            )
        h, w = int(x.shape[2]), int(x.shape[3])
        if self.fixed_pool_size is None and (h, w) != self.input_size:
            raise ValueError(
                f"this seed_cnn was built for {self.input_size[0]} x {self.input_size[1]} inputs (its dense layer "
                f"depends on it), got {h} x {w}; build it with input_size=({h}, {w}) or fixed_pool=(9, 9)"
            )
        _check_input_size(h, w)
        return super().forward(x)

    def predict_proba(self, x: torch.Tensor) -> torch.Tensor:
        """Class probabilities ``(N, n_classes)``: softmax of the logits (Keras' last activation)."""
        return torch.softmax(self(x), dim=1)


def seed_cnn(
    n_classes: int,
    input_size: int | tuple[int, int] = (1000, 1000),
    in_channels: int = 1,
    *,
    fixed_pool: int | tuple[int, int] | None = None,
    device: DeviceLike = None,
    dtype: torch.dtype | None = None,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
) -> SeedCNN:
    """The lecture's Keras model as a PyTorch module (returns logits; see :class:`SeedCNN`).

    Layers (Keras' default padding is ``'valid'``: no padding, so 5 x 5 kernels trim 4)::

        conv1   Conv2d(in_channels, 32, 5)  + ReLU     (N, 32, H-4, W-4)
        pool1   MaxPool2d(2, stride 2)                 (N, 32, (H-4)//2, ...)
        conv2   Conv2d(32, 64, 5)           + ReLU
        pool2   MaxPool2d(2, stride 2)                 (N, 64, H2, W2)
        [fixed] AdaptiveMaxPool2d(fixed_pool)          (N, 64, *fixed_pool)   only with fixed_pool
        flatten                                        (N, 64*H2*W2)
        dense1  Linear(64*H2*W2, 1000)      + ReLU
        dense2  Linear(1000, n_classes)                logits; softmax in the loss / predict_proba

    Each size follows ``out = floor((n + 2*padding - dilation*(k - 1) - 1) / stride) + 1``.
    At 1000 x 1000: 996 -> 498 -> 494 -> 247, so dense1 has 64*247*247*1000 + 1000 =
    3,904,577,000 parameters. With ``fixed_pool=(9, 9)`` it has 64*9*9*1000 + 1000 = 5,185,000
    for *any* input size: the lecture's "pooling to a fixed size".

    Args:
        n_classes: number of classes (>= 1).
        input_size: (H, W) of the input maps, or one int for square inputs; at least 16 x 16.
        in_channels: channels of the input (1 for a grayscale image or a spectrogram).
        fixed_pool: if given, an ``AdaptiveMaxPool2d(fixed_pool)`` before ``Flatten``.
        device: where to create the weights; ``"meta"`` creates none (shapes only: use it for
            :func:`summary` of huge models). None means :func:`course.device`.
        dtype: weight dtype (default: PyTorch's default, float32).
        max_bytes: refuse (ValueError) to allocate more weight bytes than this on a real
            device (default 2 GiB; the 1000 x 1000 model needs 15.6 GB). None: no limit.

    Shape:
        ``(N, in_channels, H, W)`` -> ``(N, n_classes)``.

    Raises:
        TypeError: a size or count is not an int (or pair of ints).
        ValueError: n_classes, in_channels or a size < 1; an input smaller than 16 x 16 (the
            message says at which layer it breaks); weights larger than ``max_bytes``.
    """
    n_classes = check_positive(_int(n_classes, "n_classes"), "n_classes")
    in_channels = check_positive(_int(in_channels, "in_channels"), "in_channels")
    h, w = as_pair(input_size, "input_size")
    h, w = check_positive(h, "input_size"), check_positive(w, "input_size")
    h2, w2 = _check_input_size(h, w)
    if fixed_pool is not None:
        fh, fw = as_pair(fixed_pool, "fixed_pool")
        h2, w2 = check_positive(fh, "fixed_pool"), check_positive(fw, "fixed_pool")
    flat = CHANNELS[1] * h2 * w2  # features entering dense1

    dev = _resolve_device(device)  # None -> course.device(); ValueError for unknown names
    if dtype is not None and not isinstance(dtype, torch.dtype):
        raise TypeError(f"dtype must be a torch.dtype such as torch.float32, or None; got {dtype!r}")
    dt = torch.get_default_dtype() if dtype is None else dtype
    n_params = _seed_cnn_parameters(in_channels, flat, n_classes)
    n_bytes = n_params * torch.empty((), dtype=dt, device="meta").element_size()
    if dev.type != "meta" and max_bytes is not None and n_bytes > max_bytes:
        raise ValueError(
            f"seed_cnn({n_classes}, input_size=({h}, {w})) would allocate {n_params:,} parameters = "
            f"{_human(n_bytes)} of {str(dt).replace('torch.', '')} weights, more than max_bytes={_human(max_bytes)}; "
            "pass device='meta' to build it without memory (enough for summary), use fixed_pool=(9, 9) "
            "or a smaller input_size, or raise max_bytes"
        )

    kw: dict[str, Any] = {"device": dev, "dtype": dt}
    layers: OrderedDict[str, nn.Module] = OrderedDict()
    layers["conv1"] = nn.Conv2d(in_channels, CHANNELS[0], KERNEL, **kw)
    layers["relu1"] = nn.ReLU()
    layers["pool1"] = nn.MaxPool2d(POOL, stride=POOL)
    layers["conv2"] = nn.Conv2d(CHANNELS[0], CHANNELS[1], KERNEL, **kw)
    layers["relu2"] = nn.ReLU()
    layers["pool2"] = nn.MaxPool2d(POOL, stride=POOL)
    if fixed_pool is not None:
        layers["fixed_pool"] = nn.AdaptiveMaxPool2d((h2, w2))
    layers["flatten"] = nn.Flatten()
    layers["dense1"] = nn.Linear(flat, HIDDEN, **kw)
    layers["relu3"] = nn.ReLU()
    layers["dense2"] = nn.Linear(HIDDEN, n_classes, **kw)
    pool = None if fixed_pool is None else (h2, w2)
    return SeedCNN(layers, n_classes, (h, w), in_channels, pool)


def _seed_cnn_parameters(in_channels: int, flat: int, n_classes: int) -> int:
    """Weights + biases of conv1, conv2, dense1, dense2 (for the memory check before building)."""
    conv1 = CHANNELS[0] * in_channels * KERNEL * KERNEL + CHANNELS[0]
    conv2 = CHANNELS[1] * CHANNELS[0] * KERNEL * KERNEL + CHANNELS[1]
    return conv1 + conv2 + (flat * HIDDEN + HIDDEN) + (HIDDEN * n_classes + n_classes)


# --------------------------------------------------------------------------- summary
class SummaryRow(NamedTuple):
    """One executed layer: its name in the model, its class, output shape (no batch), parameters."""

    layer: str
    kind: str
    output_shape: tuple[int, ...]
    parameters: int


def _human(n_bytes: float) -> str:
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if n_bytes < 1000 or unit == "TB":
            return f"{n_bytes:,.0f} {unit}" if unit == "bytes" else f"{n_bytes:.2f} {unit}"
        n_bytes /= 1000
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True)
class Summary:
    """A Keras-style model summary: ``print(s)`` shows the table, notebooks render HTML.

    Attributes:
        rows: one :class:`SummaryRow` per executed leaf layer, in forward order.
        total: number of parameters of the model (each shared tensor counted once).
        trainable: those with ``requires_grad``.
        input_shape: the example shape that was run, ``(C, H, W)``.
    """

    rows: tuple[SummaryRow, ...]
    total: int
    trainable: int
    input_shape: tuple[int, ...]

    @property
    def bytes_float32(self) -> int:
        """Memory the parameters need as float32: 4 bytes each."""
        return 4 * self.total

    def _cells(self) -> list[tuple[str, str, str]]:
        return [
            (f"{r.layer} ({r.kind})", "(N, " + ", ".join(map(str, r.output_shape)) + ")", f"{r.parameters:,}")
            for r in self.rows
        ]

    def _footer(self) -> list[str]:
        gib = f" = {self.bytes_float32 / 1024**3:.2f} GiB" if self.bytes_float32 >= 1024**3 else ""
        return [
            f"Total params: {self.total:,} ({_human(self.bytes_float32)}{gib} as float32)",
            f"Trainable params: {self.trainable:,}",
            f"Non-trainable params: {self.total - self.trainable:,}",
        ]

    def __str__(self) -> str:
        head = ("Layer (type)", "Output shape", "Param #")
        cells = self._cells()
        w0, w1, w2 = (max(len(c[i]) for c in [head, *cells]) for i in range(3))
        line = "-" * (w0 + w1 + w2 + 4)
        fmt = lambda c: f"{c[0]:<{w0}}  {c[1]:<{w1}}  {c[2]:>{w2}}"  # noqa: E731
        input_line = "Input: (N, " + ", ".join(map(str, self.input_shape)) + ")"
        return "\n".join([input_line, line, fmt(head), line, *map(fmt, cells), line, *self._footer()])

    def _repr_html_(self) -> str:
        esc = html.escape
        body = "".join(
            f"<tr><td>{esc(a)}</td><td>{esc(b)}</td><td style='text-align:right'>{esc(c)}</td></tr>"
            for a, b, c in self._cells()
        )
        foot = "<br>".join(esc(s) for s in self._footer())
        return (
            "<table><thead><tr><th>Layer (type)</th><th>Output shape</th><th>Param #</th></tr></thead>"
            f"<tbody>{body}</tbody></table><p>{foot}</p>"
        )


def _example_shape(model: nn.Module, input_size: Any) -> tuple[int, ...]:
    """``input_size`` as (C, H, W): (H, W) takes C from the model's first Conv2d."""
    if input_size is None:
        if isinstance(model, SeedCNN):
            return (model.in_channels, *model.input_size)
        raise TypeError("summary needs input_size, (H, W) or (C, H, W), for a model that is not a seed_cnn")
    if isinstance(input_size, (int, np.integer)) and not isinstance(input_size, bool):
        input_size = (input_size, input_size)
    if not isinstance(input_size, Sequence) or isinstance(input_size, str) or len(input_size) not in (2, 3):
        raise TypeError(f"input_size must be an int, (H, W) or (C, H, W), got {input_size!r}")
    dims = tuple(check_positive(_int(v, "input_size entries"), "input_size entries") for v in input_size)
    if len(dims) == 3:
        return dims
    if isinstance(model, SeedCNN):
        return (model.in_channels, *dims)
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    if not convs:
        raise TypeError(f"input_size {input_size!r} has no channel count and the model has no Conv2d; give (C, H, W)")
    return (convs[0].in_channels, *dims)


def _meta_copy(model: nn.Module) -> nn.Module:
    """A copy of ``model`` whose parameters and buffers are ``meta`` tensors (no data is copied).

    ``copy.deepcopy`` looks every object up in ``memo`` first, so pre-filling it with a meta
    twin of each tensor makes the copy share none of the real storage; shared layers and tied
    weights stay shared in the copy.
    """
    memo: dict[int, Any] = {}
    for p in model.parameters():
        memo[id(p)] = nn.Parameter(torch.empty_like(p, device="meta"), requires_grad=p.requires_grad)
    for b in model.buffers():
        memo[id(b)] = torch.empty_like(b, device="meta")
    return copy.deepcopy(model, memo)


def summary(model: nn.Module, input_size: int | Sequence[int] | None = None) -> Summary:
    """Keras' ``model.summary()`` for a PyTorch model, computed without allocating weights.

    The model is copied with every parameter and buffer replaced by a ``meta`` tensor of the
    same shape (no memory), a meta input of shape ``(2, C, H, W)`` is run through the copy,
    and forward hooks on the copy record each leaf layer's output shape.
    The parameter counts are ``numel()`` of the parameters, which needs no data. The model
    itself is left untouched, whether its weights are real or on ``meta``.

    Args:
        model: any ``nn.Module`` taking one ``(N, C, H, W)`` tensor.
        input_size: ``(H, W)`` (C then comes from the model), ``(C, H, W)`` or an int for a
            square map. May be left out for a :func:`seed_cnn` model (its own input_size).

    Returns:
        A :class:`Summary` (``.rows``, ``.total``, ``.bytes_float32``; prints as a table).
        A layer called twice appears twice in ``rows``; ``total`` counts each tensor once.

    Shape:
        Rows' ``output_shape`` leave out the batch: ``(C, H, W)`` for ``(N, C, H, W)`` outputs.

    Raises:
        TypeError: ``model`` is not an ``nn.Module``, or ``input_size`` is malformed.
        ValueError: an ``input_size`` entry < 1, or the model cannot run on that input (the
            message quotes the input shape and PyTorch's error).
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    example = _example_shape(model, input_size)
    shadow = _meta_copy(model)
    floats = [p.dtype for p in shadow.parameters() if p.is_floating_point()]
    x = torch.empty((2, *example), dtype=floats[0] if floats else torch.get_default_dtype(), device="meta")

    rows: list[SummaryRow] = []

    def record(name: str):  # noqa: ANN202 - a forward hook
        def hook(module: nn.Module, _inputs: Any, output: Any) -> None:
            out = output[0] if isinstance(output, (tuple, list)) else output
            shape = tuple(out.shape[1:]) if isinstance(out, torch.Tensor) else ()
            rows.append(SummaryRow(name or "model", type(module).__name__, shape, sum(p.numel() for p in module.parameters())))

        return hook

    for name, module in shadow.named_modules():
        if not any(True for _ in module.children()):  # leaf layers (the model itself if it has none)
            module.register_forward_hook(record(name))
    try:
        with torch.no_grad():
            shadow(x)
    except (RuntimeError, ValueError) as exc:
        raise ValueError(f"summary could not run the model on an input of shape {tuple(x.shape)}: {exc}") from exc
    unique = {id(p): p for p in model.parameters()}.values()  # shared tensors once
    total = sum(p.numel() for p in unique)
    trainable = sum(p.numel() for p in unique if p.requires_grad)
    return Summary(tuple(rows), total, trainable, example)
