"""Synthetic, seeded right-whale upcall data (offline: nothing is downloaded).

The clips follow the format of the public right-whale detection data (Cornell / Kaggle 2013):
2-second mono clips sampled at 2 kHz (4000 samples), labelled 1 ("upcall") or 0 ("no upcall").

What is in a clip
-----------------
Every clip is coloured background noise (power spectrum ~ 1/(f + 20 Hz)**alpha with alpha drawn
per clip, a slow amplitude modulation, and a random overall gain of +-10 dB), plus one event:

* ``"upcall"`` (label 1): a tonal upsweep of 0.5-1.5 s whose frequency rises from f0 in
  [50, 110] Hz by 50-140 Hz (so it ends in [100, 250] Hz), along ``f0 + (f1 - f0) * u**p``
  (``u`` in [0, 1] is the position inside the call, ``p`` in [0.6, 1.8] its curvature), with up
  to two harmonics (relative amplitudes 0-0.5 and 0-0.25), a raised-cosine onset/offset and a
  slow amplitude wobble.
* negatives (label 0), one confuser each, in equal shares:
  ``"downsweep"`` (the same call reversed in frequency: same band, same energy),
  ``"flat"`` (a tone in [60, 240] Hz drifting by at most 10 Hz, same durations and harmonics),
  ``"ship"`` (harmonic lines on a 25-80 Hz fundamental over the whole clip, slowly wandering) and
  ``"clicks"`` (3-12 damped broadband clicks).

The event's level is set by a signal-to-noise ratio measured in the call band: the event's mean
power while it sounds divided by the background's power between 50 and 250 Hz
(``SNR_dB = 10 log10(P_event / P_noise[50-250 Hz])``), uniform in ``SNR_RANGE_DB`` = -6 to +10 dB
by default. Every kind draws its SNR from the same range, so the energy in the 50-250 Hz band does not tell the classes apart: a band-energy rule
(:func:`course.audio_models.BandEnergyBaseline`) stays near chance, while the *shape* of the
event in the spectrogram (rising, falling, flat, broadband) decides the label. In addition, any
clip gets an extra train of clicks with probability 0.2.

Splits
------
``SPLIT_SEEDS`` fixes one seed per split: ``"train"`` (seed 1001), ``"validation"`` (2002) and
``"test"`` (3003). :func:`load_split` draws a split from its seed alone, so the splits are
reproducible and do not overlap (different seeds give independent clips; tests check that no
clip appears twice). The grader's hidden test set uses another seed that is not in the release.

Speed: generation is vectorised over a batch (phase accumulation is one ``cumsum`` over a
(batch, samples) array), about 10,000 clips in a few seconds on one core.

Harmonic tones for the harmonic-structure lecture: :func:`harmonic_tone` (e.g. 100/200/300/400 Hz
vs 120/240/360/480 Hz).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course._validate import as_numeric_array, check_positive

__all__ = [
    "SAMPLE_RATE",
    "CLIP_SECONDS",
    "N_SAMPLES",
    "CALL_BAND",
    "SNR_RANGE_DB",
    "SPLIT_SEEDS",
    "SPLIT_SIZES",
    "KINDS",
    "NEGATIVE_KINDS",
    "CLASS_NAMES",
    "Clips",
    "generate_clips",
    "load_split",
    "harmonic_tone",
    "upcall",
    "band_power",
]

SAMPLE_RATE: int = 2000  # Hz
CLIP_SECONDS: float = 2.0
N_SAMPLES: int = int(SAMPLE_RATE * CLIP_SECONDS)  # 4000
CALL_BAND: tuple[float, float] = (50.0, 250.0)  # Hz, where upcalls (and the confusers) live
SNR_RANGE_DB: tuple[float, float] = (-6.0, 10.0)

SPLIT_SEEDS: dict[str, int] = {"train": 1001, "validation": 2002, "test": 3003}
SPLIT_SIZES: dict[str, int] = {"train": 4000, "validation": 1000, "test": 2000}

KINDS: tuple[str, ...] = ("upcall", "downsweep", "flat", "ship", "clicks")
NEGATIVE_KINDS: tuple[str, ...] = KINDS[1:]
CLASS_NAMES: tuple[str, str] = ("no upcall", "upcall")

_CHUNK = 256  # clips synthesised at a time (fixed: results do not depend on memory)
_EXTRA_CLICK_PROB = 0.2


@dataclass(frozen=True)
class Clips:
    """A batch of labelled clips.

    Attributes:
        audio: ``(N, L)`` float32 waveforms, L = 4000 samples (2 s at 2 kHz).
        labels: ``(N,)`` int64, 1 = upcall, 0 = no upcall.
        kinds: ``(N,)`` str, the event in each clip (one of ``KINDS``).
        snr_db: ``(N,)`` float, the event's SNR in dB against the 50-250 Hz background.
        sample_rate: samples per second (2000).
    """

    audio: np.ndarray
    labels: np.ndarray
    kinds: np.ndarray
    snr_db: np.ndarray
    sample_rate: int = SAMPLE_RATE

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def __getitem__(self, index: object) -> Clips:
        """Select clips (an int, a slice, an index array or a boolean mask); keeps the batch axis."""
        if isinstance(index, (int, np.integer)):
            index = [int(index)]
        return Clips(self.audio[index], self.labels[index], self.kinds[index], self.snr_db[index], self.sample_rate)


# ----------------------------------------------------------------------------- parameters
def _draw_parameters(rng: np.random.Generator, kinds: np.ndarray, snr_range: tuple[float, float]) -> dict[str, np.ndarray]:
    """Per-clip random parameters, all drawn up front (so chunking cannot change them)."""
    n = kinds.shape[0]
    dur = rng.uniform(0.5, 1.5, n)
    p = {
        "snr_db": rng.uniform(snr_range[0], snr_range[1], n),
        "dur": dur,
        "f0": rng.uniform(50.0, 110.0, n),
        "rise": rng.uniform(50.0, 140.0, n),
        "curv": np.exp(rng.uniform(np.log(0.6), np.log(1.8), n)),
        "h2": rng.uniform(0.0, 0.5, n) * (rng.random(n) < 0.7),
        "h3": rng.uniform(0.0, 0.25, n) * (rng.random(n) < 0.4),
        "wobble_f": rng.uniform(0.5, 3.0, n),
        "wobble_a": rng.uniform(0.0, 0.3, n),
        "phase": rng.uniform(0, 2 * np.pi, (n, 3)),
        "flat_f": rng.uniform(60.0, 240.0, n),
        "flat_drift": rng.uniform(-10.0, 10.0, n),
        "ship_f": rng.uniform(25.0, 80.0, n),
        "ship_k": rng.integers(3, 9, n),
        "ship_decay": rng.uniform(0.5, 0.9, n),
        "ship_wander": rng.uniform(0.0, 0.02, n),
        "ship_wander_f": rng.uniform(0.1, 1.0, n),
        "alpha": rng.uniform(0.5, 1.8, n),
        "noise_am": rng.uniform(0.0, 0.3, n),
        "noise_am_f": rng.uniform(0.2, 2.0, n),
        "gain_db": rng.uniform(-10.0, 10.0, n),
        "extra_clicks": rng.random(n) < _EXTRA_CLICK_PROB,
        "extra_snr_db": rng.uniform(snr_range[0], snr_range[1], n),
    }
    # start time so that the whole call fits in the clip: t0 in [0.05, 2 - 0.05 - dur]
    p["t0"] = 0.05 + rng.random(n) * (CLIP_SECONDS - 0.1 - dur)
    return p


# ----------------------------------------------------------------------------- synthesis
def _coloured_noise(rng: np.random.Generator, alpha: np.ndarray, am: np.ndarray, am_f: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Background noise with spectrum ~ 1/(f + 20)**alpha, unit RMS, and its 50-250 Hz power.

    Shape: alpha (B,) -> noise (B, L), band power (B,).
    """
    b, n = alpha.shape[0], t.shape[0]
    white = rng.standard_normal((b, n), dtype=np.float32)
    spec = np.fft.rfft(white, axis=1)  # (B, L//2 + 1)
    freqs = np.fft.rfftfreq(n, 1.0 / SAMPLE_RATE).astype(np.float32)  # (L//2 + 1,)
    shape = np.exp(np.log(freqs[None, :] + 20.0) * (-alpha[:, None] / 2.0))  # amplitude ~ power**0.5
    spec = spec * shape
    power = np.abs(spec) ** 2  # (B, L//2 + 1)
    in_band = (freqs >= CALL_BAND[0]) & (freqs <= CALL_BAND[1])
    band_fraction = power[:, in_band].sum(axis=1) / (power[:, 1:].sum(axis=1) + 0.5 * power[:, 0])
    noise = np.fft.irfft(spec, n=n, axis=1).astype(np.float32)  # (B, L)
    noise *= 1.0 + am[:, None] * np.sin(2 * np.pi * am_f[:, None] * t[None, :] + am_f[:, None] * 7.0)
    noise /= np.sqrt(np.mean(noise**2, axis=1, keepdims=True))
    # unit RMS: the band power is the band's share of the power (the slow AM barely moves it)
    return noise, band_fraction


def band_power(audio: np.ndarray, band: tuple[float, float] = CALL_BAND, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Mean power of ``audio`` between ``band[0]`` and ``band[1]`` Hz (Parseval on the rFFT).

    Shape: (..., L) -> (...)

    ``P = (2 / L**2) * sum_{k in band} |X_k|**2`` (the factor 2 counts the negative frequencies).
    """
    x = as_numeric_array(audio, "audio")
    n = x.shape[-1]
    spec = np.fft.rfft(x, axis=-1)
    freqs = np.fft.rfftfreq(n, 1.0 / sample_rate)
    mask = (freqs >= band[0]) & (freqs <= band[1])
    return 2.0 * np.sum(np.abs(spec[..., mask]) ** 2, axis=-1) / n**2


def _tonal(kind_code: np.ndarray, p: dict[str, np.ndarray], t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Tonal events (upcall, downsweep, flat) for a chunk, unit-free; and their envelopes.

    Shape: (B,) parameters, t (L,) -> signal (B, L), envelope (B, L).
    Frequency track -> phase by cumulative sum: phase[n] = 2*pi/fs * sum_{m<=n} f[m].
    """
    t0, dur = p["t0"][:, None], p["dur"][:, None]
    u = np.clip((t[None, :] - t0) / dur, 0.0, 1.0)  # (B, L) position inside the call
    f0, f1 = p["f0"][:, None], (p["f0"] + p["rise"])[:, None]
    shape = u ** p["curv"][:, None]
    # one track for all three kinds: freq = a + b * shape + c * u, with per-clip coefficients
    #   upcall: a = f0, b = f1 - f0;  downsweep: a = f1, b = f0 - f1;  flat: a = f_flat, c = drift
    up, down, flat = (kind_code == 0)[:, None], (kind_code == 1)[:, None], (kind_code == 2)[:, None]
    a = np.where(up, f0, np.where(down, f1, p["flat_f"][:, None]))  # (B, 1)
    b = np.where(up, f1 - f0, np.where(down, f0 - f1, 0.0))
    c = np.where(flat, p["flat_drift"][:, None], 0.0)
    freq = (a + b * shape + c * u).astype(np.float32)  # (B, L)
    phase = 2 * np.pi * np.cumsum(freq, axis=1) / SAMPLE_RATE  # (B, L)
    ph = p["phase"]
    sig = (
        np.sin(phase + ph[:, 0:1])
        + p["h2"][:, None] * np.sin(2 * phase + ph[:, 1:2])
        + p["h3"][:, None] * np.sin(3 * phase + ph[:, 2:3])
    )
    inside = (t[None, :] >= t0) & (t[None, :] <= t0 + dur)
    ramp = np.minimum(1.0, np.minimum(u, 1.0 - u) * dur / 0.08)  # 80 ms raised-cosine edges
    env = inside * 0.5 * (1 - np.cos(np.pi * ramp))
    env = env * (1.0 + p["wobble_a"][:, None] * np.sin(2 * np.pi * p["wobble_f"][:, None] * (t[None, :] - t0)))
    return sig * env, inside


def _ship(p: dict[str, np.ndarray], t: np.ndarray) -> np.ndarray:
    """Ship-like tonal noise: harmonics of a slowly wandering fundamental, the whole clip.

    Shape: (B,) parameters, t (L,) -> (B, L).
    """
    f = p["ship_f"][:, None] * (1 + p["ship_wander"][:, None] * np.sin(2 * np.pi * p["ship_wander_f"][:, None] * t[None, :]))
    phase = 2 * np.pi * np.cumsum(f, axis=1) / SAMPLE_RATE  # (B, L)
    out = np.zeros_like(phase)
    for k in range(1, 9):
        on = (k <= p["ship_k"]) & (k * p["ship_f"] < 450.0)
        amp = on * p["ship_decay"] ** (k - 1)
        out += amp[:, None] * np.sin(k * phase + k * p["phase"][:, 0:1])
    return out


def _clicks(rng: np.random.Generator, b: int, n: int) -> np.ndarray:
    """Trains of 3-12 damped broadband clicks (150-700 Hz ring, 2-6 ms decay). Shape: -> (B, L)."""
    impulses = np.zeros((b, n))
    counts = rng.integers(3, 13, b)
    for i in range(b):  # a few positions per clip: cheap
        pos = rng.integers(0, n - 40, counts[i])
        impulses[i, pos] = rng.choice([-1.0, 1.0], counts[i]) * rng.uniform(0.5, 1.0, counts[i])
    tk = np.arange(64) / SAMPLE_RATE  # (64,) click kernel support, 32 ms
    ring = rng.uniform(150.0, 700.0, b)[:, None]
    decay = rng.uniform(0.002, 0.006, b)[:, None]
    kernel = np.exp(-tk[None, :] / decay) * np.sin(2 * np.pi * ring * tk[None, :])  # (B, 64)
    spec = np.fft.rfft(impulses, axis=1) * np.fft.rfft(kernel, n=n, axis=1)
    return np.fft.irfft(spec, n=n, axis=1)


def _scale_to_snr(sig: np.ndarray, active: np.ndarray, noise_band: np.ndarray, snr_db: np.ndarray) -> np.ndarray:
    """Scale each row of ``sig`` so its mean power while active is ``snr_db`` above ``noise_band``."""
    n_active = np.maximum(active.sum(axis=1), 1)
    p_sig = np.sum(sig**2, axis=1) / n_active
    target = noise_band * 10.0 ** (snr_db / 10.0)
    return sig * np.sqrt(target / np.maximum(p_sig, 1e-30))[:, None]


def _synthesise(rng: np.random.Generator, kind_code: np.ndarray, p: dict[str, np.ndarray]) -> np.ndarray:
    """Audio for one chunk. Shape: kind_code (B,) -> (B, L) float32.

    Each event is synthesised only for the clips that carry it (float32 to keep it fast).
    """
    t = (np.arange(N_SAMPLES) / SAMPLE_RATE).astype(np.float32)  # (L,)
    p32 = {k: (v.astype(np.float32) if v.dtype.kind == "f" else v) for k, v in p.items()}
    noise, noise_band = _coloured_noise(rng, p32["alpha"], p32["noise_am"], p32["noise_am_f"], t)
    audio = noise.astype(np.float32)
    sub = lambda idx: {k: v[idx] for k, v in p32.items()}  # noqa: E731  parameters of a subset

    tonal_idx = np.flatnonzero(kind_code <= 2)
    tonal, inside = _tonal(kind_code[tonal_idx], sub(tonal_idx), t)
    audio[tonal_idx] += _scale_to_snr(tonal, inside, noise_band[tonal_idx], p["snr_db"][tonal_idx])
    call_len = np.maximum((p["dur"] * SAMPLE_RATE).astype(int), 1)  # samples a call lasts

    ship_idx = np.flatnonzero(kind_code == 3)
    ship = _ship(sub(ship_idx), t)
    # a ship sounds for the whole clip: 3 dB less power gives about the energy of a 1-s call
    audio[ship_idx] += _scale_to_snr(ship, np.ones_like(ship, dtype=bool), noise_band[ship_idx], p["snr_db"][ship_idx] - 3.0)

    click_idx = np.flatnonzero(kind_code == 4)
    extra_idx = np.flatnonzero(p["extra_clicks"])
    both = np.concatenate([click_idx, extra_idx])
    clicks = _clicks(rng, both.shape[0], N_SAMPLES)
    snr = np.concatenate([p["snr_db"][click_idx], p["extra_snr_db"][extra_idx]]) + 3.0
    # clicks: their energy equals that of a tonal event of the same SNR lasting a call's duration
    active = np.arange(N_SAMPLES)[None, :] < call_len[both][:, None]
    scaled = _scale_to_snr(clicks, active, noise_band[both], snr)
    np.add.at(audio, both, scaled.astype(np.float32))
    audio *= (10.0 ** (p["gain_db"][:, None] / 20.0) * 0.1).astype(np.float32)
    return audio


def generate_clips(
    n: int,
    seed: int,
    positive_fraction: float = 0.5,
    snr_db: tuple[float, float] = SNR_RANGE_DB,
    kinds: tuple[str, ...] | None = None,
) -> Clips:
    """Generate ``n`` labelled clips, deterministically for a ``seed``.

    Exactly ``round(n * positive_fraction)`` clips are upcalls; the negatives cycle through
    ``NEGATIVE_KINDS`` (equal shares); the order is shuffled.

    Args:
        n: number of clips (>= 1).
        seed: seed of the generator (same seed, same clips).
        positive_fraction: share of upcalls, in [0, 1].
        snr_db: (low, high) range of the event's SNR in dB against the 50-250 Hz background.
        kinds: restrict the events to these kinds (each in ``KINDS``), in equal shares; overrides
            ``positive_fraction``. E.g. ``("upcall", "downsweep")``.

    Returns:
        :class:`Clips` with ``audio`` of shape ``(n, 4000)``.

    Shape: -> audio (N, L), labels (N,)
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"n must be an int (number of clips), got {type(n).__name__} {n!r}")
    n = check_positive(int(n), "n (number of clips)")
    if not 0.0 <= float(positive_fraction) <= 1.0:
        raise ValueError(f"positive_fraction must be in [0, 1], got {positive_fraction}")
    lo, hi = (float(v) for v in snr_db)
    if lo > hi:
        raise ValueError(f"snr_db must be (low, high) with low <= high, got {snr_db}")
    rng = np.random.default_rng(seed)
    if kinds is not None:
        bad = [k for k in kinds if k not in KINDS]
        if bad or not kinds:
            raise ValueError(f"kinds must be a non-empty tuple of {KINDS}, got {kinds!r}")
        codes = np.array([KINDS.index(k) for k in kinds])[np.arange(n) % len(kinds)]
    else:
        n_pos = int(round(n * float(positive_fraction)))
        neg = 1 + np.arange(n - n_pos) % len(NEGATIVE_KINDS)
        codes = np.concatenate([np.zeros(n_pos, dtype=int), neg])
    codes = codes[rng.permutation(n)]
    p = _draw_parameters(rng, codes, (lo, hi))
    audio = np.empty((n, N_SAMPLES), dtype=np.float32)
    for start in range(0, n, _CHUNK):
        sl = slice(start, start + _CHUNK)
        audio[sl] = _synthesise(rng, codes[sl], {k: v[sl] for k, v in p.items()})
    labels = (codes == 0).astype(np.int64)
    return Clips(audio, labels, np.array(KINDS)[codes], p["snr_db"], SAMPLE_RATE)


def load_split(split: str, n: int | None = None) -> Clips:
    """The course's fixed splits: ``"train"``, ``"validation"`` or ``"test"``.

    Each split is drawn from its own seed (``SPLIT_SEEDS``), so it is the same on every machine
    and independent of the others. ``n`` defaults to ``SPLIT_SIZES[split]`` (4000/1000/2000);
    a smaller ``n`` gives a smaller draw from the same seed (not a prefix of the larger one).
    """
    if split not in SPLIT_SEEDS:
        raise ValueError(f"split must be one of {', '.join(repr(s) for s in SPLIT_SEEDS)}; got {split!r}")
    return generate_clips(SPLIT_SIZES[split] if n is None else n, seed=SPLIT_SEEDS[split])


def upcall(
    f0: float = 70.0,
    f1: float = 200.0,
    duration: float = 1.0,
    start: float = 0.5,
    curvature: float = 1.0,
    sample_rate: int = SAMPLE_RATE,
    length: float = CLIP_SECONDS,
    down: bool = False,
) -> np.ndarray:
    """One clean sweep (no noise): an upcall from ``f0`` to ``f1`` Hz, or a downsweep if ``down``.

    Frequency track ``f(u) = f0 + (f1 - f0) * u**curvature`` (reversed for ``down``), raised-cosine
    edges, unit amplitude. Shape: -> (L,) with L = length * sample_rate.
    """
    if duration <= 0 or start < 0 or start + duration > length:
        raise ValueError(f"the sweep must fit in the clip: got start={start}, duration={duration}, length={length}")
    t = np.arange(int(round(length * sample_rate))) / sample_rate
    u = np.clip((t - start) / duration, 0.0, 1.0)
    shape = u**curvature
    freq = f1 - (f1 - f0) * shape if down else f0 + (f1 - f0) * shape
    phase = 2 * np.pi * np.cumsum(freq) / sample_rate
    inside = (t >= start) & (t <= start + duration)
    ramp = np.minimum(1.0, np.minimum(u, 1 - u) * duration / 0.08)
    return (np.sin(phase) * inside * 0.5 * (1 - np.cos(np.pi * ramp))).astype(np.float32)


def harmonic_tone(
    f0: float,
    n_harmonics: int = 4,
    duration: float = 1.0,
    sample_rate: int = SAMPLE_RATE,
    amplitudes: np.ndarray | None = None,
) -> np.ndarray:
    """A harmonic tone: ``sum_k a_k sin(2 pi k f0 t)`` for k = 1..n_harmonics.

    ``harmonic_tone(100)`` has partials at 100, 200, 300, 400 Hz; ``harmonic_tone(120)`` at 120,
    240, 360, 480 Hz (the lecture's example). Partials at or above Nyquist raise ``ValueError``.

    Shape: -> (L,) with L = duration * sample_rate.
    """
    n_harmonics = check_positive(int(n_harmonics), "n_harmonics")
    if f0 <= 0 or n_harmonics * f0 >= sample_rate / 2:
        raise ValueError(
            f"harmonics must lie between 0 and the Nyquist frequency {sample_rate / 2} Hz; got f0={f0} "
            f"with {n_harmonics} harmonics (highest {n_harmonics * f0} Hz)"
        )
    amps = np.ones(n_harmonics) if amplitudes is None else as_numeric_array(amplitudes, "amplitudes").astype(float)
    if amps.shape != (n_harmonics,):
        raise ValueError(f"amplitudes must have one value per harmonic ({n_harmonics}), got shape {amps.shape}")
    t = np.arange(int(round(duration * sample_rate))) / sample_rate
    k = np.arange(1, n_harmonics + 1)[:, None]  # (K, 1)
    return (amps[:, None] * np.sin(2 * np.pi * k * f0 * t[None, :])).sum(axis=0).astype(np.float32)
