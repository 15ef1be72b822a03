"""Kernel-side helpers of ex06's test cells: turn a model, ``build_model`` or ``train`` into a
function of arrays that a graded call can run on the cases the grader sends.

They hold no seeds and make no data: the hidden test set, the train probe's clips and the
validation clips arrive as cases (``course.grading.inject`` / ``course.grading.guard``), and the
labels stay in the grader's process (``course.grading.exercises.audio_cnn``). Only ``shape_probe``
draws its own inputs: random spectrogram-shaped noise from a public seed, to test shapes.

Test cells::

    from course.grading import record
    from course.grading.probes import gradient_probe, output_probe, predictor, shape_probe, train_probe

    record("ex06.build_model.shape", shape_probe(build_model))
    record("ex06.build_model.logits", output_probe(build_model))
    record("ex06.train.learns", train_probe(build_model, train))
    record("ex06.train.zero_grad", gradient_probe(build_model, train))
    record("ex06.accuracy.validation.65", predictor(model))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

TRAIN_PROBE_EPOCHS = 4
INPUT_SHAPE = (1, 64, 30)


def _model_device(model: Any) -> Any:
    try:
        return next(model.parameters()).device
    except (StopIteration, AttributeError):
        return "cpu"


def predictor(model: Any, batch_size: int = 250) -> Callable[[np.ndarray], np.ndarray]:
    """``X (N, 1, F, T) -> predicted classes (N,) int64`` for a trained ``torch.nn.Module``."""

    def predict(x: np.ndarray) -> np.ndarray:
        import torch

        if not isinstance(model, torch.nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        dev = _model_device(model)
        model.eval()
        out = []
        with torch.no_grad():
            for i in range(0, x.shape[0], batch_size):
                logits = model(torch.as_tensor(np.array(x[i : i + batch_size]), device=dev))
                if logits.ndim != 2 or logits.shape[0] != min(batch_size, x.shape[0] - i):
                    raise ValueError(f"the model must return logits of shape (N, n_classes), got {tuple(logits.shape)}")
                out.append(logits.argmax(dim=1).cpu())
        return torch.cat(out).numpy().astype(np.int64)

    return predict


def _fresh_model(build_model: Callable[[int], Any], n_classes: int) -> Any:
    """``build_model(n_classes)`` under a fixed seed, checked to be a module, in eval mode."""
    import torch

    torch.manual_seed(0)
    model = build_model(n_classes)
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"build_model must return a torch.nn.Module, got {type(model).__name__}")
    model.eval()
    return model


def shape_probe(build_model: Callable[[int], Any]) -> Callable[[int, int], np.ndarray]:
    """``(n_classes, batch) -> [batch_out, n_outputs, depends_on_input]`` for ``build_model``."""

    def probe(n_classes: int, batch: int) -> np.ndarray:
        import torch

        model = _fresh_model(build_model, n_classes)
        gen = torch.Generator().manual_seed(int(batch))
        x = torch.randn(int(batch), *INPUT_SHAPE, generator=gen)
        dev = _model_device(model)
        with torch.no_grad():
            out = model(x.to(dev)).detach().cpu()
            other = model((x.flip(-1) * 2.0 + 0.5).to(dev)).detach().cpu()
        depends = int(out.shape == other.shape and not torch.allclose(out, other))
        if out.ndim != 2:  # not (N, n_classes): record -1 for the class axis
            return np.array([out.shape[0] if out.ndim else -1, -1, depends], dtype=np.int64)
        return np.array([out.shape[0], out.shape[1], depends], dtype=np.int64)

    return probe


def train_probe(build_model: Callable[[int], Any], train: Callable[..., Any]) -> Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
    """``(X_train, y_train, X_eval) -> predictions``: a fresh ``build_model(2)`` trained by the
    student's ``train(model, X, y, epochs=4)``, then predicting ``X_eval``."""

    def probe(x_train: np.ndarray, y_train: np.ndarray, x_eval: np.ndarray) -> np.ndarray:
        import torch

        torch.manual_seed(0)
        model = build_model(2)
        result = train(model, x_train, y_train, epochs=TRAIN_PROBE_EPOCHS)
        if isinstance(result, torch.nn.Module):  # train may return the model
            model = result
        return predictor(model)(x_eval)

    return probe


def output_probe(build_model: Callable[[int], Any]) -> Callable[[int, int], np.ndarray]:
    """``(n_classes, batch) -> the outputs (batch, n_classes) float64`` of ``build_model(n_classes)``
    on random spectrogram-shaped noise (a public seed): the grader checks that they are logits,
    not probabilities (a final softmax before ``cross_entropy``)."""

    def probe(n_classes: int, batch: int) -> np.ndarray:
        import torch

        model = _fresh_model(build_model, n_classes)
        gen = torch.Generator().manual_seed(1000 + int(batch))
        x = torch.randn(int(batch), *INPUT_SHAPE, generator=gen) * 3.0
        with torch.no_grad():
            out = model(x.to(_model_device(model))).detach().cpu()
        return out.numpy().astype(np.float64)

    return probe


def gradient_probe(build_model: Callable[[int], Any], train: Callable[..., Any], epochs: int = 2) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """``(X, y) -> [backward passes, passes that found an old gradient]`` (int64) while the
    student's ``train(model, X, y, epochs=2)`` trains a fresh ``build_model(2)``.

    A hook on every parameter looks at ``.grad`` when a new gradient arrives: PyTorch ADDS it
    to what ``.grad`` holds, so a loop that clears the gradients (``zero_grad()``) before each
    ``backward()`` finds them None or zero; one that never clears them finds the last batch's."""

    def probe(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        import torch

        torch.manual_seed(0)
        model = build_model(2)
        if not isinstance(model, torch.nn.Module):
            raise TypeError(f"build_model must return a torch.nn.Module, got {type(model).__name__}")
        calls: dict[int, list[int]] = {}
        handles = []
        for index, param in enumerate(model.parameters()):
            if not param.requires_grad:
                continue
            calls[index] = [0, 0]

            def hook(grad: Any, param: Any = param, count: list[int] = calls[index]) -> None:
                count[0] += 1
                old = param.grad
                if old is not None and bool(torch.any(old != 0)):
                    count[1] += 1

            handles.append(param.register_hook(hook))
        try:
            train(model, x, y, epochs=epochs)
        finally:
            for handle in handles:
                handle.remove()
        passes = max((c[0] for c in calls.values()), default=0)
        stale = max((c[1] for c in calls.values()), default=0)
        return np.array([passes, stale], dtype=np.int64)

    return probe
