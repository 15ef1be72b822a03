"""Models for the upcall detector, a device-aware training loop, and a band-energy baseline.

* :class:`UpcallCNN`: the course's reference CNN on spectrograms ``(N, 1, 64, 30)``:
  conv -> ReLU -> max-pool, twice, a third conv, adaptive max pooling to a fixed 4 x 4 grid
  (so any input size works, the lecture's "pooling as an alternative to resizing"), optionally
  a GRU over time (the lecture's "optional RNN"), flatten, dense, dense -> logits.
* :class:`FramedAudioCNN`: the other paradigm, 1-D convolution over framed raw audio
  ``(N, frame_length, n_frames)`` (samples of a frame on the channel axis).
* :func:`train`, :func:`evaluate`, :func:`predict`: a seeded, device-aware loop with an optional
  time budget, a tqdm progress bar and a per-epoch callback (for live plots).
* :class:`BandEnergyBaseline`: logistic regression on the energy in the 50-250 Hz band (and its
  share of the total): it knows where upcalls are in frequency but not their shape.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from course._validate import as_numeric_array, check_positive

__all__ = [
    "UpcallCNN",
    "FramedAudioCNN",
    "frames_for_1d",
    "train",
    "evaluate",
    "predict",
    "BandEnergyBaseline",
    "band_energy_features",
    "set_threads",
]


def set_threads(n: int | None = None) -> int:
    """Use ``n`` CPU threads in PyTorch (default: the cores this process may use, at most 4)."""
    import os

    if n is None:
        try:
            n = len(os.sched_getaffinity(0))
        except AttributeError:  # not on Linux
            n = os.cpu_count() or 1
        n = max(1, min(n, 4))
    torch.set_num_threads(check_positive(int(n), "n (threads)"))
    return int(n)


class UpcallCNN(nn.Module):
    """Spectrogram CNN: conv(5x5) -> pool -> conv(3x3) -> pool -> conv(3x3) -> adaptive pool -> dense.

    Shape:
        input ``(N, 1, F, T)`` (64 x 30 for the course's features) -> logits ``(N, n_classes)``.
        After each block: (N, c1, F/2, T/2) -> (N, c2, F/4, T/4) -> (N, c3, 4, 4) -> (N, 16*c3)
        With ``recurrent=True`` the conv maps ``(N, c3, F', T')`` become a sequence over time
        ``(N, T', c3*F')`` read by a GRU whose last state feeds the dense layers.

    Args:
        n_classes: number of output logits.
        channels: filters in the three conv layers.
        hidden: units in the hidden dense layer.
        recurrent: add a GRU over time between the convolutions and the dense layers.
    """

    def __init__(self, n_classes: int = 2, channels: tuple[int, int, int] = (8, 16, 32), hidden: int = 32, recurrent: bool = False) -> None:
        super().__init__()
        c1, c2, c3 = channels
        self.features = nn.Sequential(
            nn.Conv2d(1, c1, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c2, c3, 3, padding=1), nn.ReLU(),
        )  # fmt: skip
        self.recurrent = recurrent
        if recurrent:
            self.pool = nn.AdaptiveMaxPool2d((4, None))  # keep time, 4 frequency rows
            self.rnn = nn.GRU(4 * c3, hidden, batch_first=True)
            self.head = nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, n_classes))
        else:
            self.pool = nn.AdaptiveMaxPool2d((4, 4))
            self.head = nn.Sequential(nn.Flatten(), nn.Linear(16 * c3, hidden), nn.ReLU(), nn.Linear(hidden, n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.pool(self.features(x))  # (N, c3, 4, 4) or (N, c3, 4, T')
        if self.recurrent:
            seq = h.flatten(1, 2).transpose(1, 2)  # (N, c3*4, T') -> (N, T', c3*4)
            _, last = self.rnn(seq)  # (1, N, hidden)
            return self.head(last[0])
        return self.head(h)


def frames_for_1d(audio: Any, frame_length: int = 64, hop: int = 32) -> np.ndarray:
    """Framed, per-clip standardised audio for :class:`FramedAudioCNN`.

    Shape: (N, L) -> (N, frame_length, n_frames), n_frames = floor((L - frame_length) / hop) + 1
    """
    from course.audio import frame_audio

    x = as_numeric_array(audio, "audio").astype(np.float32)
    if x.ndim != 2:
        raise ValueError(f"audio must be 2-D (N clips, L samples), got shape {x.shape}")
    x = x / (x.std(axis=1, keepdims=True) + 1e-8)  # the recording gain carries no information
    return np.ascontiguousarray(frame_audio(x, frame_length, hop).transpose(0, 2, 1))  # (N, fl, n_frames)


class FramedAudioCNN(nn.Module):
    """1-D CNN over framed audio: a learned filter bank per frame, then convolution over time.

    Layer 1 is a ``Conv1d(frame_length, n_filters, 1)``: a learned filter bank applied to every
    frame (the same as a strided 1-D convolution of the raw waveform). Its output goes through
    ``log(1 + |.|)`` (a magnitude, phase removed), then 1-D convolutions over the frame axis
    learn how the frame contents change in time (rising or falling), and global max pooling
    over time reads out.

    Shape: ``(N, frame_length, n_frames)`` -> ``(N, n_classes)``
    """

    def __init__(self, n_classes: int = 2, frame_length: int = 64, n_filters: int = 48, channels: int = 48) -> None:
        super().__init__()
        self.filterbank = nn.Conv1d(frame_length, n_filters, 1, bias=False)
        self.temporal = nn.Sequential(
            nn.Conv1d(n_filters, channels, 5, padding=2), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(channels, channels, 5, padding=2), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(channels, channels, 3, padding=1), nn.ReLU(),
        )  # fmt: skip
        self.head = nn.Sequential(nn.Linear(channels, 32), nn.ReLU(), nn.Linear(32, n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.log1p(self.filterbank(x).abs())  # (N, n_filters, n_frames)
        h = self.temporal(h)  # (N, channels, n_frames / 4)
        return self.head(h.amax(dim=-1))  # global max over time -> (N, channels) -> (N, n_classes)


def _as_tensors(x: Any, y: Any | None, device: torch.device) -> tuple[torch.Tensor, torch.Tensor | None]:
    xt = torch.as_tensor(np.asarray(x, dtype=np.float32) if not isinstance(x, torch.Tensor) else x).float().to(device)
    yt = None
    if y is not None:
        yt = torch.as_tensor(np.asarray(y) if not isinstance(y, torch.Tensor) else y).long().to(device)
        if yt.shape != (xt.shape[0],):
            raise ValueError(f"y must hold one label per example: X has {xt.shape[0]} examples, y has shape {tuple(yt.shape)}")
    return xt, yt


def train(
    model: nn.Module,
    X: Any,
    y: Any,
    epochs: int = 10,
    batch_size: int = 64,
    lr: float = 3e-3,
    seed: int = 0,
    device: Any = None,
    time_budget: float | None = None,
    X_val: Any = None,
    y_val: Any = None,
    progress: bool = False,
    callback: Callable[[dict[str, list[float]]], None] | None = None,
) -> dict[str, list[float]]:
    """Train ``model`` with Adam and cross-entropy; deterministic for a ``seed`` on the CPU.

    Args:
        model: maps ``(N, ...)`` inputs to ``(N, n_classes)`` logits.
        X, y: training inputs ``(N, ...)`` and integer labels ``(N,)`` (NumPy or torch).
        epochs: passes over the data (the loop stops earlier if ``time_budget`` runs out).
        batch_size, lr: mini-batch size and Adam's learning rate.
        seed: fixes the order of the mini-batches (the weights are initialised when the model
            is built: call ``torch.manual_seed`` before building it for a reproducible run).
        device: where to train (default ``course.device()``); the model is moved there.
        time_budget: seconds of training after which the loop stops (checked per batch).
        X_val, y_val: optional validation set, evaluated after each epoch.
        progress: show a tqdm progress bar (``tqdm.auto``: a widget in Jupyter).
        callback: called after each epoch with the history (e.g. to redraw a live plot).

    Returns:
        history: ``{"loss": [...], "train_acc": [...], "val_acc": [...], "time": [...]}`` per epoch.
    """
    from course._device import device as default_device

    dev = default_device() if device is None else torch.device(device)
    epochs, batch_size = check_positive(int(epochs), "epochs"), check_positive(int(batch_size), "batch_size")
    xt, yt = _as_tensors(X, y, dev)
    model.to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)
    hist: dict[str, list[float]] = {"loss": [], "train_acc": [], "val_acc": [], "time": []}
    n = xt.shape[0]
    start = time.perf_counter()
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=epochs * ((n + batch_size - 1) // batch_size), desc="training", unit="batch")
    out_of_time = False
    for _ in range(epochs):
        model.train()
        order = torch.randperm(n, generator=gen).to(dev)
        tot_loss, correct = 0.0, 0
        seen = 0
        for i in range(0, n, batch_size):
            idx = order[i : i + batch_size]
            logits = model(xt[idx])
            loss = nn.functional.cross_entropy(logits, yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot_loss += loss.item() * idx.numel()
            correct += int((logits.argmax(1) == yt[idx]).sum())
            seen += idx.numel()
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{loss.item():.3f}")
            if time_budget is not None and time.perf_counter() - start > time_budget:
                out_of_time = True
                break
        hist["loss"].append(tot_loss / seen)
        hist["train_acc"].append(correct / seen)
        hist["val_acc"].append(evaluate(model, X_val, y_val, device=dev) if X_val is not None else float("nan"))
        hist["time"].append(time.perf_counter() - start)
        if callback is not None:
            callback(hist)
        if out_of_time:
            break
    if bar is not None:
        bar.close()
    model.eval()
    return hist


@torch.no_grad()
def predict(model: nn.Module, X: Any, batch_size: int = 512, device: Any = None) -> np.ndarray:
    """Predicted class (argmax of the logits) for every example. Shape: (N, ...) -> (N,) int64"""
    from course._device import device as default_device

    dev = default_device() if device is None else torch.device(device)
    xt, _ = _as_tensors(X, None, dev)
    model.to(dev).eval()
    out = [model(xt[i : i + batch_size]).argmax(1).cpu() for i in range(0, xt.shape[0], batch_size)]
    return torch.cat(out).numpy().astype(np.int64)


def evaluate(model: nn.Module, X: Any, y: Any, device: Any = None) -> float:
    """Accuracy of ``model`` on ``(X, y)``: the fraction of examples whose argmax is the label."""
    labels = np.asarray(y.cpu() if isinstance(y, torch.Tensor) else y)
    return float(np.mean(predict(model, X, device=device) == labels))


def band_energy_features(audio: Any, band: tuple[float, float] = (50.0, 250.0), sample_rate: int = 2000) -> np.ndarray:
    """Per clip: log energy in ``band``, log total energy, and the band's share (log ratio).

    Shape: (N, L) -> (N, 3)
    """
    from course.data import band_power

    x = as_numeric_array(audio, "audio").astype(np.float64)
    if x.ndim != 2:
        raise ValueError(f"audio must be 2-D (N clips, L samples), got shape {x.shape}")
    p_band = band_power(x, band, sample_rate)
    p_all = np.mean(x**2, axis=1)
    return np.stack([np.log(p_band + 1e-20), np.log(p_all + 1e-20), np.log(p_band / (p_all + 1e-20) + 1e-20)], axis=1)


class BandEnergyBaseline:
    """Logistic regression on :func:`band_energy_features` (fitted by Newton's method).

    It sees how much energy is in the upcall band, but nothing about the shape of the sound
    (rising, falling, flat, clicks), so on the course's data it stays near chance.
    """

    def __init__(self, band: tuple[float, float] = (50.0, 250.0), l2: float = 1e-3) -> None:
        self.band = band
        self.l2 = l2
        self.mean_: np.ndarray | None = None
        self.std_: np.ndarray | None = None
        self.coef_: np.ndarray | None = None

    def _design(self, audio: Any) -> np.ndarray:
        f = band_energy_features(audio, self.band)
        if self.mean_ is None or self.std_ is None:
            raise ValueError("the baseline is not fitted: call fit(audio, labels) first")
        z = (f - self.mean_) / self.std_
        return np.concatenate([np.ones((z.shape[0], 1)), z], axis=1)  # (N, 4) with intercept

    def fit(self, audio: Any, labels: Any, iterations: int = 25) -> BandEnergyBaseline:
        """Fit on clips ``(N, L)`` and 0/1 labels ``(N,)``; returns ``self``."""
        f = band_energy_features(audio, self.band)
        self.mean_, self.std_ = f.mean(axis=0), f.std(axis=0) + 1e-12
        a = self._design(audio)
        t = np.asarray(labels, dtype=float)
        w = np.zeros(a.shape[1])
        for _ in range(iterations):  # Newton / IRLS
            p = 1.0 / (1.0 + np.exp(-a @ w))
            grad = a.T @ (p - t) + self.l2 * w
            hess = (a * (p * (1 - p))[:, None]).T @ a + self.l2 * np.eye(a.shape[1])
            w -= np.linalg.solve(hess, grad)
        self.coef_ = w
        return self

    def predict(self, audio: Any) -> np.ndarray:
        """0/1 predictions. Shape: (N, L) -> (N,)"""
        if self.coef_ is None:
            raise ValueError("the baseline is not fitted: call fit(audio, labels) first")
        return (self._design(audio) @ self.coef_ > 0).astype(np.int64)

    def score(self, audio: Any, labels: Any) -> float:
        """Accuracy on clips ``(N, L)`` with labels ``(N,)``."""
        return float(np.mean(self.predict(audio) == np.asarray(labels)))
