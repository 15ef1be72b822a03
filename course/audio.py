"""Audio as CNN input: log-magnitude spectrograms, a log-frequency view, and framing.

Two ways to feed audio to a CNN (the lecture's "two main paradigms"):

* **image paradigm**: a spectrogram ``S[f, t]`` is an image with frequency rows and time
  columns, shape ``(F, T)``; a batch for ``Conv2d`` is ``(N, 1, F, T)`` (see :func:`features`).
* **framed audio**: the waveform cut into (overlapping) frames, shape ``(n_frames, frame_length)``;
  a batch for ``Conv1d`` puts the samples of a frame on the channel axis and the frame index on
  the length axis, ``(N, frame_length, n_frames)`` (see :func:`frame_audio`).

The spectrogram is the short-time Fourier transform with a periodic Hann window, no centring::

    X[k, m] = sum_{n=0}^{n_fft-1} w[n] x[m*hop + n] exp(-2j pi k n / n_fft)
    S_dB[k, m] = 20 log10(max(|X[k, m]|, floor))

with ``n_frames = floor((L - n_fft) / hop) + 1`` (the convolution output-size formula with
``k = n_fft, stride = hop``) and bin ``k`` at ``k * sample_rate / n_fft`` Hz. The NumPy
(:func:`log_spectrogram`) and PyTorch (:func:`log_spectrogram_torch`, on ``course.device()`` by
default) versions compute the same numbers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from course._validate import as_numeric_array, check_positive
from course.shapes import conv_output_size

if TYPE_CHECKING:  # torch and matplotlib are imported only when used
    import torch
    from matplotlib.axes import Axes

__all__ = [
    "N_FFT",
    "HOP",
    "FEATURE_BINS",
    "DB_FLOOR",
    "n_frames",
    "frequencies",
    "frame_times",
    "frame_audio",
    "log_spectrogram",
    "log_spectrogram_torch",
    "log_frequency",
    "features",
    "feature_axes",
    "plot_spectrogram",
    "plot_waveform",
    "sweep_kernel",
    "detector_response",
]

N_FFT: int = 256  # 128 ms at 2 kHz: 7.8 Hz bins
HOP: int = 128  # 64 ms: 30 frames in a 2-s clip
FEATURE_BINS: int = 64  # bins 0..63 = 0-492 Hz: the CNN's input height
DB_FLOOR: float = 1e-6  # magnitudes below this are clipped before the log (-120 dB)


def _check_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    return check_positive(int(value), name)


def n_frames(n_samples: int, frame_length: int, hop: int) -> int:
    """Number of frames: ``floor((n_samples - frame_length) / hop) + 1`` (``conv_output_size``)."""
    return conv_output_size(n_samples, frame_length, stride=hop)


def frequencies(n_fft: int = N_FFT, sample_rate: float = 2000, n_bins: int | None = None) -> np.ndarray:
    """Centre frequency (Hz) of each STFT bin: ``k * sample_rate / n_fft``, k = 0..n_bins-1.

    ``n_bins`` defaults to ``n_fft // 2 + 1`` (all bins up to Nyquist). Shape: -> (n_bins,)
    """
    n_fft = _check_int(n_fft, "n_fft")
    n_bins = n_fft // 2 + 1 if n_bins is None else _check_int(n_bins, "n_bins")
    return np.arange(n_bins) * sample_rate / n_fft


def frame_times(n_samples: int, n_fft: int = N_FFT, hop: int = HOP, sample_rate: float = 2000) -> np.ndarray:
    """Centre time (s) of each frame: ``(m * hop + n_fft / 2) / sample_rate``. Shape: -> (T,)"""
    t = n_frames(n_samples, n_fft, hop)
    return (np.arange(t) * hop + n_fft / 2) / sample_rate


def frame_audio(audio: Any, frame_length: int, hop: int) -> np.ndarray:
    """Cut audio into frames of ``frame_length`` samples, one every ``hop`` samples (a view).

    Frame ``m`` is ``audio[..., m*hop : m*hop + frame_length]``; a last incomplete frame is dropped.
    For ``Conv1d`` over frames, move the frame samples to the channel axis:
    ``frame_audio(x, 256, 128).transpose(0, 2, 1)`` -> ``(N, frame_length, n_frames)``.

    Shape: (..., L) -> (..., n_frames, frame_length), n_frames = floor((L - frame_length) / hop) + 1

    Raises:
        ValueError: the audio is shorter than one frame, or a size is not positive.
    """
    x = as_numeric_array(audio, "audio")
    frame_length = _check_int(frame_length, "frame_length")
    hop = _check_int(hop, "hop")
    if x.ndim < 1 or x.shape[-1] < frame_length:
        raise ValueError(
            f"audio must have at least frame_length={frame_length} samples on its last axis, got shape {x.shape}"
        )
    windows = np.lib.stride_tricks.sliding_window_view(x, frame_length, axis=-1)  # (..., L-fl+1, fl)
    return windows[..., ::hop, :]  # (..., n_frames, frame_length)


def log_spectrogram(
    audio: Any,
    n_fft: int = N_FFT,
    hop: int = HOP,
    n_bins: int | None = None,
    floor: float = DB_FLOOR,
) -> np.ndarray:
    """Log-magnitude STFT spectrogram in dB (NumPy), frequency rows, time columns.

    ``S_dB[k, m] = 20 log10(max(|sum_n w[n] x[m*hop + n] e^{-2j pi k n / n_fft}|, floor))``
    with ``w`` the periodic Hann window. Bins ``0..n_bins-1`` are kept (default all,
    ``n_fft // 2 + 1``); their frequencies are :func:`frequencies`.

    Shape: (..., L) -> (..., F, T), F = n_bins, T = floor((L - n_fft) / hop) + 1
    """
    x = as_numeric_array(audio, "audio")
    x = x.astype(np.float32 if x.dtype == np.float32 else np.float64, copy=False)  # float32 stays float32
    n_fft, hop = _check_int(n_fft, "n_fft"), _check_int(hop, "hop")
    n_bins = n_fft // 2 + 1 if n_bins is None else min(_check_int(n_bins, "n_bins"), n_fft // 2 + 1)
    frames = frame_audio(x, n_fft, hop)  # (..., T, n_fft)
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)).astype(x.dtype)  # periodic Hann
    spec = np.fft.rfft(frames * window, axis=-1)[..., :n_bins]  # (..., T, F)
    mag_db = 20.0 * np.log10(np.maximum(np.abs(spec), floor))
    return np.swapaxes(mag_db, -1, -2)  # (..., F, T)


def log_spectrogram_torch(
    audio: Any,
    n_fft: int = N_FFT,
    hop: int = HOP,
    n_bins: int | None = None,
    floor: float = DB_FLOOR,
    device: Any = None,
) -> torch.Tensor:
    """The same spectrogram as :func:`log_spectrogram`, computed with ``torch.stft``.

    Runs on ``device`` (default ``course.device()``: CUDA when available) in float32.

    Shape: (..., L) -> (..., F, T)
    """
    import torch

    from course._device import device as default_device

    dev = default_device() if device is None else torch.device(device)
    n_fft, hop = _check_int(n_fft, "n_fft"), _check_int(hop, "hop")
    n_bins = n_fft // 2 + 1 if n_bins is None else min(_check_int(n_bins, "n_bins"), n_fft // 2 + 1)
    x = torch.as_tensor(np.asarray(audio) if not isinstance(audio, torch.Tensor) else audio)
    x = x.to(device=dev, dtype=torch.float32)
    if x.ndim < 1 or x.shape[-1] < n_fft:
        raise ValueError(f"audio must have at least n_fft={n_fft} samples on its last axis, got shape {tuple(x.shape)}")
    lead = x.shape[:-1]
    flat = x.reshape(-1, x.shape[-1])  # (B, L): torch.stft wants at most one batch axis
    window = torch.hann_window(n_fft, periodic=True, device=dev)
    spec = torch.stft(flat, n_fft, hop_length=hop, window=window, center=False, return_complex=True)  # (B, K, T)
    mag_db = 20.0 * torch.log10(spec[:, :n_bins].abs().clamp_min(floor))
    return mag_db.reshape(*lead, n_bins, mag_db.shape[-1])  # (..., F, T)


def log_frequency(
    spec: Any,
    freqs: Any,
    fmin: float = 50.0,
    fmax: float | None = None,
    bins_per_octave: int = 24,
) -> tuple[np.ndarray, np.ndarray]:
    """Resample the frequency axis of a spectrogram onto log-spaced frequencies (constant-Q-like).

    Output bin ``j`` sits at ``fmin * 2**(j / bins_per_octave)``: every bin spans the same
    *ratio* of frequencies, so multiplying all frequencies by a factor (a harmonic tone at 120 Hz
    instead of 100 Hz) *shifts* the pattern by ``bins_per_octave * log2(factor)`` bins without
    changing it. On a linear axis the same change stretches the pattern instead.

    Each output bin averages the linear bins under a triangle spanning its two neighbours (as a
    mel filter bank does); where the triangle is narrower than a linear bin (low frequencies)
    it interpolates linearly. Magnitudes are averaged in linear units, so ``spec`` in dB is
    converted to magnitude and back.

    Args:
        spec: ``(..., F, T)`` spectrogram in dB (from :func:`log_spectrogram`).
        freqs: ``(F,)`` bin frequencies in Hz (from :func:`frequencies`).
        fmin: lowest output frequency (> 0).
        fmax: highest output frequency (default the highest bin of ``freqs``).
        bins_per_octave: resolution of the log axis.

    Returns:
        ``(spec_log, log_freqs)``: ``(..., F_log, T)`` in dB and the ``(F_log,)`` centres in Hz.
    """
    s = as_numeric_array(spec, "spec").astype(np.float64)
    f = as_numeric_array(freqs, "freqs").astype(np.float64)
    if s.ndim < 2 or f.shape != (s.shape[-2],):
        raise ValueError(f"freqs must have one entry per frequency row of spec: spec {s.shape}, freqs {f.shape}")
    bins_per_octave = _check_int(bins_per_octave, "bins_per_octave")
    fmax = float(f[-1]) if fmax is None else float(fmax)
    if not 0 < fmin < fmax <= f[-1]:
        raise ValueError(f"need 0 < fmin < fmax <= {f[-1]} Hz (the highest bin), got fmin={fmin}, fmax={fmax}")
    n_out = int(np.floor(bins_per_octave * np.log2(fmax / fmin))) + 1
    centres = fmin * 2.0 ** (np.arange(-1, n_out + 1) / bins_per_octave)  # with one neighbour each side
    weights = np.zeros((n_out, f.size))  # (F_log, F)
    for j in range(n_out):
        lo, c, hi = centres[j], centres[j + 1], centres[j + 2]
        tri = np.clip(np.minimum((f - lo) / (c - lo), (hi - f) / (hi - c)), 0.0, None)
        interp = np.clip(1.0 - np.abs(f - c) / (f[1] - f[0]), 0.0, None)  # linear interpolation
        weights[j] = tri if tri.sum() >= 1.0 else interp
    weights /= weights.sum(axis=1, keepdims=True)
    mag = 10.0 ** (s / 20.0)  # dB -> magnitude
    out = np.einsum("jf,...ft->...jt", weights, mag)  # (..., F_log, T)
    return 20.0 * np.log10(np.maximum(out, DB_FLOOR)), centres[1:-1]


def features(audio: Any) -> np.ndarray:
    """The upcall CNN's input: whitened log spectrograms, float32, shape ``(N, 1, 64, 30)``.

    Steps: :func:`log_spectrogram` (n_fft=256, hop=128 at 2 kHz, bins 0-63 = 0-492 Hz), then
    per clip and per frequency row subtract the median over time (removes the background's
    colour, the recording gain and stationary ship lines: "spectral whitening"), then divide
    by 10 dB so values are of order 1.

    Shape: (N, L) -> (N, 1, F, T) with F = 64, T = floor((L - 256) / 128) + 1 (30 for 2-s clips)
    """
    x = as_numeric_array(audio, "audio")
    if x.ndim != 2:
        raise ValueError(f"audio must be 2-D (N clips, L samples), got shape {x.shape}")
    s = log_spectrogram(x, N_FFT, HOP, n_bins=FEATURE_BINS)  # (N, F, T)
    s = s - np.median(s, axis=-1, keepdims=True)  # (N, F, T) whitened per row
    return (s[:, None] / 10.0).astype(np.float32)  # (N, 1, F, T)


def feature_axes(n_samples: int = 4000, sample_rate: float = 2000) -> tuple[np.ndarray, np.ndarray]:
    """``(times, freqs)`` of :func:`features`: frame centres in s ``(T,)`` and bin centres in Hz ``(F,)``."""
    return frame_times(n_samples, N_FFT, HOP, sample_rate), frequencies(N_FFT, sample_rate, FEATURE_BINS)


def sweep_kernel(size: int = 5, direction: str = "up") -> np.ndarray:
    """A hand-made detector of a frequency sweep in a spectrogram (frequency rows, low first).

    ``"up"``: ones on the diagonal ``w[i, i]`` (frequency rises by one bin per frame),
    ``"down"``: the anti-diagonal, ``"flat"``: the middle row; the mean is subtracted so that a
    uniform patch gives 0. Used with cross-correlation (what CNN layers compute).

    Shape: -> (size, size)
    """
    size = _check_int(size, "size")
    if direction == "up":
        w = np.eye(size)
    elif direction == "down":
        w = np.eye(size)[::-1]
    elif direction == "flat":
        w = np.zeros((size, size))
        w[size // 2] = 1.0
    else:
        raise ValueError(f"direction must be 'up', 'down' or 'flat', got {direction!r}")
    return w - w.mean()


def detector_response(spec: Any, kernel: Any) -> np.ndarray:
    """ReLU of the valid cross-correlation of a ``(F, T)`` map with a ``(kF, kT)`` kernel.

    ``r[i, j] = max(0, sum_{u, v} spec[i + u, j + v] * kernel[u, v])`` -- one feature map of a
    convolutional layer with a fixed kernel. Shape: (F, T) -> (F - kF + 1, T - kT + 1)
    """
    from course.convolution import correlate2d

    return np.maximum(correlate2d(np.asarray(spec, dtype=float), np.asarray(kernel, dtype=float)), 0.0)


def plot_spectrogram(
    audio: Any,
    sample_rate: float = 2000,
    n_fft: int = N_FFT,
    hop: int = HOP,
    fmax: float | None = 500.0,
    ax: Axes | None = None,
    title: str | None = None,
    colorbar: bool = True,
    log_axis: bool = False,
    vmin: float | None = None,
) -> Axes:
    """Compute and draw the spectrogram of one clip: time (s), frequency (Hz), colour bar (dB).

    ``log_axis=True`` draws the log-frequency view (:func:`log_frequency`, 50 Hz to ``fmax``),
    labelling the frequency axis in Hz at octave steps. Returns the axes (``ax.images[-1]`` is
    the image).

    Shape: audio (L,)
    """
    from course.plotting import show_spectrogram

    x = as_numeric_array(audio, "audio")
    if x.ndim != 1:
        raise ValueError(f"audio must be one clip, a 1-D array of samples, got shape {x.shape}")
    s = log_spectrogram(x, n_fft, hop)  # (F, T)
    f = frequencies(n_fft, sample_rate)
    t = frame_times(x.shape[0], n_fft, hop, sample_rate)
    if log_axis:
        s, f_log = log_frequency(s, f, 50.0, fmax if fmax is not None else float(f[-1]))
        ax = show_spectrogram(s, t, np.arange(f_log.size, dtype=float), ax=ax, title=title, colorbar=colorbar)
        octaves = np.flatnonzero(np.isclose(np.log2(f_log / f_log[0]) % 1.0, 0.0) | np.isclose(np.log2(f_log / f_log[0]) % 1.0, 1.0))
        ax.set_yticks(octaves, [f"{f_log[i]:.0f}" for i in octaves])
        ax.set_ylabel("frequency (Hz, log scale)")
    else:
        keep = f <= (fmax if fmax is not None else f[-1])
        ax = show_spectrogram(s[keep], t, f[keep], ax=ax, title=title, colorbar=colorbar)
    if vmin is not None:
        im = ax.images[-1]
        im.set_clim(vmin, im.get_clim()[1])
    return ax


def plot_waveform(audio: Any, sample_rate: float = 2000, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Draw one clip's waveform against time in seconds. Shape: audio (L,)"""
    from course.plotting import new_axes

    x = as_numeric_array(audio, "audio")
    if x.ndim != 1:
        raise ValueError(f"audio must be one clip, a 1-D array of samples, got shape {x.shape}")
    if ax is None:
        _, ax = new_axes(figsize=(6.0, 2.2))
    ax.plot(np.arange(x.size) / sample_rate, x, lw=0.6)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("amplitude")
    if title is not None:
        ax.set_title(title)
    return ax
