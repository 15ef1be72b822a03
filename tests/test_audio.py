"""course.audio: spectrograms (NumPy and PyTorch), the log-frequency view, framing, plots."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import scipy.signal
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from course.audio import (
    FEATURE_BINS,
    feature_axes,
    features,
    frame_audio,
    frame_times,
    frequencies,
    log_frequency,
    log_spectrogram,
    log_spectrogram_torch,
    n_frames,
    plot_spectrogram,
    plot_waveform,
)
from course.data import generate_clips, harmonic_tone


def _noisy_tone(seed: int = 0, n: int = 4000) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 2000
    return np.sin(2 * np.pi * 137.0 * t) + 0.3 * rng.standard_normal(n)


def test_spectrogram_equals_an_explicit_stft_with_scipys_hann_window() -> None:
    x = _noisy_tone()
    window = scipy.signal.get_window("hann", 256)  # periodic Hann (fftbins=True)
    frames = [x[m * 128 : m * 128 + 256] * window for m in range(n_frames(4000, 256, 128))]
    expected = 20 * np.log10(np.abs(np.fft.rfft(np.array(frames), axis=1))).T  # (F, T)
    np.testing.assert_allclose(log_spectrogram(x), expected, rtol=1e-10, atol=1e-9)


def test_spectrogram_shapes_and_axes() -> None:
    x = np.zeros((3, 2, 4000)) + 1.0
    s = log_spectrogram(x, n_fft=256, hop=128)
    assert s.shape == (3, 2, 129, 30)  # F = 256/2 + 1, T = floor((4000 - 256)/128) + 1
    assert log_spectrogram(x[0, 0], n_bins=64).shape == (64, 30)
    np.testing.assert_allclose(frequencies(256, 2000)[:3], [0.0, 7.8125, 15.625])
    np.testing.assert_allclose(frame_times(4000, 256, 128, 2000)[:2], [0.064, 0.128])
    times, freqs = feature_axes()
    assert times.shape == (30,) and freqs.shape == (FEATURE_BINS,) and freqs[-1] == pytest.approx(492.1875)


def test_numpy_and_torch_spectrograms_agree_on_cpu() -> None:
    x = np.stack([_noisy_tone(s) for s in range(3)]).astype(np.float32)
    a = log_spectrogram(x.astype(np.float64))
    b = log_spectrogram_torch(x, device="cpu")
    assert isinstance(b, torch.Tensor) and b.device.type == "cpu" and tuple(b.shape) == a.shape
    np.testing.assert_allclose(b.numpy(), a, atol=0.02)  # float32 vs float64, in dB
    # the floor: silence gives the same -120 dB in both
    np.testing.assert_allclose(log_spectrogram_torch(np.zeros(512), device="cpu").numpy(), log_spectrogram(np.zeros(512)))


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_numpy_and_torch_spectrograms_agree_on_cuda() -> None:
    x = np.stack([_noisy_tone(s) for s in range(3)]).astype(np.float32)
    b = log_spectrogram_torch(x)  # device=None -> course.device() -> cuda
    assert b.device.type == "cuda"
    np.testing.assert_allclose(b.cpu().numpy(), log_spectrogram(x.astype(np.float64)), atol=0.02)


@settings(max_examples=25, deadline=None)
@given(k=st.integers(2, 126), phase=st.floats(0, 6.28))
def test_a_pure_tone_peaks_at_its_frequency_bin(k: int, phase: float) -> None:
    f = k * 2000 / 256  # exactly on bin k
    t = np.arange(2048) / 2000
    s = log_spectrogram(np.cos(2 * np.pi * f * t + phase))
    assert np.all(np.argmax(s, axis=0) == k)


def test_frame_audio_cuts_the_expected_slices() -> None:
    x = np.arange(10.0)
    frames = frame_audio(x, 4, 3)
    np.testing.assert_array_equal(frames, [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]])
    batch = np.arange(2 * 4000, dtype=np.float32).reshape(2, 4000)
    fr = frame_audio(batch, 256, 128)
    assert fr.shape == (2, n_frames(4000, 256, 128), 256) == (2, 30, 256)
    np.testing.assert_array_equal(fr[1, 5], batch[1, 640:896])
    # Conv1d layout: samples of a frame on the channel axis
    assert fr.transpose(0, 2, 1).shape == (2, 256, 30)


@settings(max_examples=30, deadline=None)
@given(length=st.integers(1, 60), frame=st.integers(1, 20), hop=st.integers(1, 9))
def test_frame_count_is_the_convolution_output_size(length: int, frame: int, hop: int) -> None:
    if frame > length:
        with pytest.raises(ValueError, match="at least frame_length"):
            frame_audio(np.zeros(length), frame, hop)
        return
    frames = frame_audio(np.arange(length), frame, hop)
    assert frames.shape == ((length - frame) // hop + 1, frame)
    assert frames[-1, -1] <= length - 1 and frames[0, 0] == 0


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda: frame_audio(np.zeros(10), 0, 1), ValueError, "frame_length must be a positive integer"),
        (lambda: frame_audio(np.zeros(10), 3, 1.5), TypeError, "hop must be an int"),
        (lambda: frame_audio(["a", "b"], 1, 1), TypeError, "audio must be an array of numbers"),
        (lambda: log_spectrogram(np.zeros(100), n_fft=256), ValueError, "at least frame_length=256 samples"),
        (lambda: log_spectrogram_torch(np.zeros(100), device="cpu"), ValueError, "at least n_fft=256 samples"),
        (lambda: features(np.zeros(4000)), ValueError, "audio must be 2-D \\(N clips, L samples\\)"),
        (lambda: log_frequency(np.zeros((5, 3)), np.arange(4.0)), ValueError, "one entry per frequency row"),
        (lambda: log_frequency(np.zeros((5, 3)), np.arange(5.0) * 10, fmin=0), ValueError, "need 0 < fmin < fmax"),
        (lambda: plot_spectrogram(np.zeros((2, 4000))), ValueError, "audio must be one clip"),
    ],
)
def test_bad_inputs_are_explained(call, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        call()


def _log_view(f0: float, bins_per_octave: int = 24) -> tuple[np.ndarray, np.ndarray]:
    x = harmonic_tone(f0, 4, duration=1.0)
    s = log_spectrogram(x, n_fft=1024, hop=512)  # 1.95 Hz bins
    spec, centres = log_frequency(s, frequencies(1024), fmin=50.0, fmax=900.0, bins_per_octave=bins_per_octave)
    return spec.mean(axis=-1), centres


def _best_shift(a: np.ndarray, b: np.ndarray, max_shift: int) -> tuple[int, float]:
    """Shift of b against a (b[i + s] ~ a[i]) with the highest correlation, and that correlation."""
    scores = []
    for s in range(max_shift + 1):
        u, v = a[: a.size - s], b[s:]
        scores.append(np.corrcoef(u, v)[0, 1])
    return int(np.argmax(scores)), float(np.max(scores))


def test_log_frequency_turns_a_frequency_ratio_into_a_shift() -> None:
    # 100 Hz * 2**(6/24) = 118.9 Hz: every partial moves up by exactly 6 log bins
    a, centres = _log_view(100.0)
    b, _ = _log_view(100.0 * 2 ** (6 / 24))
    assert centres[24] == pytest.approx(100.0) and centres[48] == pytest.approx(200.0)
    shift, corr = _best_shift(a, b, 12)
    assert shift == 6 and corr > 0.97


def test_harmonics_keep_their_pattern_in_log_frequency_but_not_in_linear_frequency() -> None:
    # the lecture's 100/200/300/400 Hz vs 120/240/360/480 Hz
    a, _ = _log_view(100.0)
    b, _ = _log_view(120.0)
    shift, corr_log = _best_shift(a, b, 12)
    assert shift == round(24 * np.log2(1.2)) and corr_log > 0.9  # one shift aligns all four partials
    lin_a = log_spectrogram(harmonic_tone(100.0), n_fft=2000, hop=2000).mean(axis=-1)  # 1 Hz bins
    lin_b = log_spectrogram(harmonic_tone(120.0), n_fft=2000, hop=2000).mean(axis=-1)
    peaks_a = np.sort(np.argsort(lin_a)[-4:])
    peaks_b = np.sort(np.argsort(lin_b)[-4:])
    np.testing.assert_array_equal(peaks_a, [100, 200, 300, 400])
    np.testing.assert_array_equal(peaks_b, [120, 240, 360, 480])
    assert len(set(peaks_b - peaks_a)) == 4  # on a linear axis each partial moves by a different amount
    _, corr_lin = _best_shift(lin_a[50:900], lin_b[50:900], 100)
    assert corr_lin < corr_log - 0.2


def test_features_are_whitened_float32_spectrograms() -> None:
    clips = generate_clips(4, seed=0)
    x = features(clips.audio)
    assert x.shape == (4, 1, 64, 30) and x.dtype == np.float32
    np.testing.assert_allclose(np.median(x, axis=-1), 0.0, atol=1e-6)  # median removed per row
    # gain does not matter: 20 dB louder clips give the same features
    np.testing.assert_allclose(features(clips.audio * 10.0), x, atol=1e-4)
    expected = (log_spectrogram(clips.audio[1].astype(np.float64), n_bins=64) - np.median(log_spectrogram(clips.audio[1].astype(np.float64), n_bins=64), axis=1, keepdims=True)) / 10
    np.testing.assert_allclose(x[1, 0], expected, atol=1e-3)


def test_plots_have_time_and_frequency_axes_and_a_colour_bar() -> None:
    x = generate_clips(1, seed=1).audio[0]
    ax = plot_spectrogram(x, title="clip")
    assert ax.get_xlabel() == "time (s)" and ax.get_ylabel() == "frequency (Hz)"
    assert len(ax.figure.axes) == 2  # the image and its colour bar
    image = ax.images[-1].get_array()
    assert image.shape == (int(500 // (2000 / 256)) + 1, 30)
    left, right, bottom, top = ax.images[-1].get_extent()  # frame centres 0.064 .. 1.920 s, +- half a hop
    assert left == pytest.approx(0.032) and right == pytest.approx(1.952) and top == pytest.approx(500, abs=8)
    log_ax = plot_spectrogram(x, log_axis=True, colorbar=False)
    assert "log" in log_ax.get_ylabel() and len(log_ax.figure.axes) == 1
    assert [t.get_text() for t in log_ax.get_yticklabels()][:3] == ["50", "100", "200"]
    wave = plot_waveform(x)
    assert wave.get_xlabel() == "time (s)" and wave.lines[0].get_xdata()[-1] == pytest.approx(3999 / 2000)
