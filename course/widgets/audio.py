"""Upcall explorer: pick a kind of clip, an example and an SNR; see the spectrogram and what a
hand-made upsweep detector (one convolutional kernel + ReLU) responds to.

The spectrogram is the CNN's input (``course.audio.features``: whitened log magnitude, 0-492 Hz).
The detector is ``course.audio.sweep_kernel(7, "up")`` cross-correlated with it, then a ReLU
(``course.audio.detector_response``): it lights up along an upcall and hardly on a downsweep.
Its diagonal rises one frequency bin per frame (7.8 Hz per 64 ms, about 122 Hz/s): on a call that
rises much more slowly and has a strong 2nd harmonic (which rises twice as fast), the peak can sit
on the harmonic rather than on the call (upcall example 0 at +4 dB: 172 Hz, on the harmonic of a
50-100 Hz call); on example 1 (60 -> 190 Hz in 1 s) it sits on the call.
With a trained ``model`` (``(N, 1, 64, 30)`` -> 2 logits) the explorer also shows P(upcall).

Colour scale of the response map: fixed, from 0 to ``RESPONSE_VMAX`` = 8, so that maps of
different clips and SNRs can be compared by eye. With the 7 x 7 kernel the response to background
noise stays mostly below 2-4, an upcall peaks at about 7 (+4 dB) to 9 (+10 dB), confusers at 4-5: the upcall
stands out as a bright ridge, noise and confusers stay dark. (A scale fitted to each map would make
noise look as bright as a call.) A cross marks the peak on both panels.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import numpy as np

from course.audio import detector_response, feature_axes, features, sweep_kernel
from course.data import KINDS, SNR_RANGE_DB, generate_clips
from course.widgets._base import FigureWidget

__all__ = ["UpcallExplorer", "RESPONSE_VMAX"]

RESPONSE_VMAX = 8.0  # top of the response colour scale: a clear upcall (+4 dB and up) reaches it


class UpcallExplorer(FigureWidget):
    """Spectrogram of a synthetic clip and the upsweep detector's response map, side by side.

    Controls (attributes): ``kind`` (dropdown of ``course.data.KINDS``), ``example`` (which clip,
    an int seed), ``snr`` (dB against the 50-250 Hz background).

    Kept after each ``update()``: ``audio`` ``(4000,)``, ``spec`` ``(64, 30)`` (the CNN input),
    ``response`` ``(58, 24)`` (the detector's feature map), ``score`` (its maximum),
    ``peak_time`` / ``peak_frequency`` (s / Hz: the centre of the best-matching window) and
    ``probability`` (P(upcall) from ``model``, or ``None`` without a model).
    """

    def __init__(self, kind: str = "upcall", example: int = 0, snr: float = 4.0, model: Any = None, kernel_size: int = 7) -> None:
        super().__init__(figsize=(9.5, 3.4))
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        self.model = model
        self.kernel = sweep_kernel(kernel_size, "up")
        self.kind = widgets.Dropdown(options=KINDS, value=kind, description="clip")
        self.example = widgets.IntSlider(value=example, min=0, max=19, description="example")
        self.snr = widgets.FloatSlider(value=snr, min=SNR_RANGE_DB[0], max=SNR_RANGE_DB[1], step=1.0, description="SNR (dB)")
        self.controls = [self.kind, self.example, self.snr]
        times, freqs = feature_axes()
        ax_spec, ax_resp = self.fig.subplots(1, 2)
        dt, df = times[1] - times[0], freqs[1] - freqs[0]
        extent = (times[0] - dt / 2, times[-1] + dt / 2, freqs[0] - df / 2, freqs[-1] + df / 2)
        self.spec_image = ax_spec.imshow(np.zeros((64, 30)), origin="lower", aspect="auto", extent=extent, cmap="magma", vmin=-1.0, vmax=3.0, interpolation="nearest")
        k = kernel_size
        # response[i, j] belongs to the window whose lower-left cell is (i, j): centre it
        r_extent = (times[k // 2] - dt / 2, times[-1 - k // 2] + dt / 2, freqs[k // 2] - df / 2, freqs[-1 - k // 2] + df / 2)
        self.resp_image = ax_resp.imshow(np.zeros((64 - k + 1, 30 - k + 1)), origin="lower", aspect="auto", extent=r_extent, cmap="viridis", vmin=0.0, vmax=RESPONSE_VMAX, interpolation="nearest")
        self._r_origin = (times[k // 2], freqs[k // 2])  # centre of the window of response[0, 0]
        for ax in (ax_spec, ax_resp):
            ax.set_xlabel("time (s)")
            ax.set_ylabel("frequency (Hz)")
            ax.set_xlim(extent[0], extent[1])
            ax.set_ylim(extent[2], extent[3])
        ax_spec.set_title("CNN input: whitened log spectrogram", fontsize=10)
        ax_resp.set_title(f"upsweep detector ({k}x{k} kernel + ReLU)", fontsize=10)
        self.fig.colorbar(self.spec_image, ax=ax_spec, label="level (x10 dB)")
        self.fig.colorbar(self.resp_image, ax=ax_resp, label="response")
        # the detector's peak, on both panels (centre of the best-matching window)
        self.peak_marks = [ax.plot([], [], "+", color="red", markersize=14, markeredgewidth=2.5)[0] for ax in (ax_spec, ax_resp)]
        self._dt, self._df = dt, df
        self._animate(self.spec_image, self.resp_image, *self.peak_marks)
        self._watch(self.kind, self.example, self.snr)
        self.update()

    def describe(self) -> str:
        """Text alternative of the figure for the current clip (read by screen readers)."""
        text = (
            f"Two colour maps of frequency (0 to 492 Hz, upwards) against time (0 to 2 s) for {self.kind.value} "
            f"example {self.example.value} at {float(self.snr.value):+.0f} dB SNR. Left: the CNN input, the whitened "
            f"log spectrogram. Right: the upsweep detector's response on a fixed scale from 0 to {RESPONSE_VMAX:g}; "
            f"its peak, {self.score:.1f}, is at {self.peak_time:.2f} s and {self.peak_frequency:.0f} Hz (red cross)."
        )
        if self.probability is not None:
            text += f" The CNN gives P(upcall) = {self.probability:.2f}."
        return text

    def update(self) -> None:
        """Generate the chosen clip, compute its spectrogram and the detector's response, redraw."""
        snr = float(self.snr.value)
        clip = generate_clips(1, seed=int(self.example.value), kinds=(self.kind.value,), snr_db=(snr, snr))
        self.audio = clip.audio[0]
        self.spec = features(clip.audio)[0, 0]  # (64, 30)
        self.response = detector_response(self.spec, self.kernel)  # (58, 24) for a 7x7 kernel
        self.score = float(self.response.max())
        i, j = np.unravel_index(int(np.argmax(self.response)), self.response.shape)
        self.peak_time = float(self._r_origin[0] + j * self._dt)  # s, centre of the best window
        self.peak_frequency = float(self._r_origin[1] + i * self._df)  # Hz
        self.probability = None
        if self.model is not None:
            import torch

            with torch.no_grad():
                logits = self.model(torch.as_tensor(self.spec[None, None]).to(next(self.model.parameters()).device))
                self.probability = float(torch.softmax(logits, dim=1)[0, 1])
        self.spec_image.set_data(self.spec)
        self.resp_image.set_data(self.response)
        for mark in self.peak_marks:
            mark.set_data([self.peak_time], [self.peak_frequency])
        text = (f"{self.kind.value} #{self.example.value} at {snr:+.0f} dB: detector peak <b>{self.score:.2f}</b> "
                f"at {self.peak_time:.2f} s, {self.peak_frequency:.0f} Hz")
        if self.probability is not None:
            text += f", CNN P(upcall) = <b>{self.probability:.2f}</b>"
        self.info.value = text
        self.n_updates += 1
        self.render()
