"""course.data: the synthetic right-whale upcall clips and the harmonic tones."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course import data
from course.audio import frequencies, frame_times, log_spectrogram
from course.audio_models import BandEnergyBaseline, band_energy_features
from course.data import (
    CALL_BAND,
    KINDS,
    N_SAMPLES,
    NEGATIVE_KINDS,
    SAMPLE_RATE,
    SPLIT_SEEDS,
    band_power,
    generate_clips,
    harmonic_tone,
    load_split,
    upcall,
)


def test_format_is_two_seconds_at_2khz() -> None:
    clips = generate_clips(6, seed=0)
    assert SAMPLE_RATE == 2000 and N_SAMPLES == 4000
    assert clips.audio.shape == (6, 4000) and clips.audio.dtype == np.float32
    assert clips.labels.shape == (6,) and clips.labels.dtype == np.int64
    assert np.all(np.isfinite(clips.audio))


def test_same_seed_same_clips_other_seed_other_clips() -> None:
    a, b, c = generate_clips(12, seed=7), generate_clips(12, seed=7), generate_clips(12, seed=8)
    np.testing.assert_array_equal(a.audio, b.audio)
    np.testing.assert_array_equal(a.labels, b.labels)
    np.testing.assert_array_equal(a.snr_db, b.snr_db)
    assert not np.allclose(a.audio, c.audio)


@settings(max_examples=8, deadline=None)
@given(n=st.integers(1, 30), seed=st.integers(0, 2**31 - 1))
def test_labels_are_upcall_kind_and_balanced(n: int, seed: int) -> None:
    clips = generate_clips(n, seed=seed)
    np.testing.assert_array_equal(clips.labels, (clips.kinds == "upcall").astype(int))
    assert clips.labels.sum() == round(n / 2)
    assert set(clips.kinds) <= set(KINDS)


def test_negatives_come_in_equal_shares() -> None:
    clips = generate_clips(40, seed=3)
    kinds, counts = np.unique(clips.kinds[clips.labels == 0], return_counts=True)
    assert list(kinds) == sorted(NEGATIVE_KINDS) and list(counts) == [5, 5, 5, 5]


def test_positive_fraction_and_kinds_arguments() -> None:
    assert generate_clips(10, seed=1, positive_fraction=0.3).labels.sum() == 3
    pair = generate_clips(10, seed=1, kinds=("upcall", "downsweep"))
    assert sorted(set(pair.kinds)) == ["downsweep", "upcall"] and pair.labels.sum() == 5


def test_snr_is_drawn_in_the_requested_range() -> None:
    clips = generate_clips(200, seed=4)
    lo, hi = data.SNR_RANGE_DB
    assert clips.snr_db.min() >= lo and clips.snr_db.max() <= hi
    assert clips.snr_db.max() - clips.snr_db.min() > 0.8 * (hi - lo)  # a real spread, not a constant
    narrow = generate_clips(20, seed=4, snr_db=(3.0, 3.0))
    np.testing.assert_allclose(narrow.snr_db, 3.0)


def test_scale_to_snr_sets_event_power_relative_to_band_noise() -> None:
    # hand-worked: a unit sine (power 1/2) active everywhere, noise band power 2, SNR 3 dB
    # -> event power 2 * 10**0.3 = 3.99
    t = np.arange(4000) / 2000
    sig = np.sin(2 * np.pi * 100 * t)[None, :]
    out = data._scale_to_snr(sig, np.ones_like(sig, dtype=bool), np.array([2.0]), np.array([3.0]))
    assert np.mean(out**2) == pytest.approx(2 * 10**0.3, rel=1e-6)


def test_higher_snr_means_more_event_energy_in_the_band() -> None:
    quiet = generate_clips(40, seed=9, kinds=("flat",), snr_db=(-6, -6))
    loud = generate_clips(40, seed=9, kinds=("flat",), snr_db=(10, 10))
    share = lambda c: band_power(c.audio) / np.mean(c.audio.astype(float) ** 2, axis=1)  # noqa: E731
    odds = lambda p: p / (1 - p)  # noqa: E731  band power : power outside the band
    assert np.median(odds(share(loud))) > 2 * np.median(odds(share(quiet)))
    assert np.all(share(loud) > share(quiet) - 0.1)  # same noise (same seed), louder event


def _peak_track(audio: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Times and peak frequencies (40-300 Hz) of the frames where a loud tone is present."""
    s = log_spectrogram(audio, 256, 64)
    f = frequencies(256)
    t = frame_times(audio.shape[-1], 256, 64)
    band = (f >= 40) & (f <= 300)
    peak_db = s[band].max(axis=0)
    loud = peak_db > np.percentile(peak_db, 10) + 12  # frames well above the quietest ones
    return t[loud], f[band][s[band].argmax(axis=0)][loud]


@pytest.mark.parametrize("kind,sign", [("upcall", 1), ("downsweep", -1)])
def test_upcalls_sweep_up_and_downsweeps_down_within_the_call_band(kind: str, sign: int) -> None:
    clips = generate_clips(12, seed=21, kinds=(kind,), snr_db=(15, 15))
    for audio in clips.audio:
        times, track = _peak_track(audio)
        assert times.size >= 4
        # (a clip may also carry a few clicks: robust statistics ignore those frames)
        assert np.mean((track >= 40) & (track <= 265)) >= 0.8
        i, j = np.triu_indices(times.size, 1)
        slope = np.median((track[j] - track[i]) / (times[j] - times[i]))  # Theil-Sen, Hz per second
        assert sign * slope > 25, (kind, slope)


def test_ship_noise_lasts_the_whole_clip_and_clicks_are_short() -> None:
    ship = generate_clips(6, seed=5, kinds=("ship",), snr_db=(10, 10))
    clicks = generate_clips(6, seed=5, kinds=("clicks",), snr_db=(10, 10))
    for audio in ship.audio:
        s = log_spectrogram(audio)
        row = s[np.argmax(np.median(s, axis=1)[3:58]) + 3]  # the strongest line, 23-450 Hz
        assert np.ptp(row) < 25  # steady over all 30 frames
    # clicks are broadband: the loudest frame lifts high frequencies (> 300 Hz) too
    for audio in clicks.audio:
        s = log_spectrogram(audio)
        loud = np.argmax(s.max(axis=0))
        assert s[40:100, loud].mean() > np.median(s[40:100], axis=1).mean() + 3


def test_splits_have_fixed_distinct_seeds_and_do_not_overlap() -> None:
    assert len(set(SPLIT_SEEDS.values())) == 3
    parts = {name: load_split(name, 40) for name in SPLIT_SEEDS}
    np.testing.assert_array_equal(parts["train"].audio, generate_clips(40, SPLIT_SEEDS["train"]).audio)
    rows = {name: {clip.tobytes() for clip in p.audio} for name, p in parts.items()}
    assert not rows["train"] & rows["validation"]
    assert not rows["train"] & rows["test"]
    assert not rows["validation"] & rows["test"]
    # not even a near-duplicate: the closest pair across splits is far apart
    a, b = parts["train"].audio.astype(float), parts["test"].audio.astype(float)
    a, b = a / np.linalg.norm(a, axis=1, keepdims=True), b / np.linalg.norm(b, axis=1, keepdims=True)
    assert np.abs(a @ b.T).max() < 0.9


def test_band_energy_rule_cannot_separate_the_classes() -> None:
    train, test = generate_clips(600, seed=11), generate_clips(600, seed=12)
    baseline = BandEnergyBaseline().fit(train.audio, train.labels)
    assert baseline.score(test.audio, test.labels) <= 0.75
    # even the best single threshold on the band's share, chosen on the test set itself
    share = band_energy_features(test.audio)[:, 2]
    best = max(max(np.mean((share > t) == test.labels), np.mean((share <= t) == test.labels)) for t in share)
    assert best <= 0.75


def test_harmonic_tone_has_partials_at_multiples_of_f0() -> None:
    for f0, expected in [(100, [100, 200, 300, 400]), (120, [120, 240, 360, 480])]:
        x = harmonic_tone(f0)  # 1 s at 2 kHz: rFFT bins are exactly 1 Hz apart
        mag = np.abs(np.fft.rfft(x))
        assert sorted(np.argsort(mag)[-4:]) == expected
        np.testing.assert_allclose(mag[expected], 1000.0, rtol=1e-3)  # unit amplitude: N/2


def test_clean_upcall_rises_from_f0_to_f1() -> None:
    x = upcall(f0=60, f1=220, duration=1.0, start=0.5)
    assert x.shape == (4000,)
    assert np.all(x[: int(0.5 * 2000) - 1] == 0) and np.all(x[int(1.5 * 2000) + 2 :] == 0)
    times, track = _peak_track(x + 1e-4 * np.random.default_rng(0).standard_normal(4000))
    assert track[0] < 90 and track[-1] > 190
    down = upcall(f0=60, f1=220, down=True)
    _, dtrack = _peak_track(down + 1e-4 * np.random.default_rng(0).standard_normal(4000))
    assert dtrack[0] > 190 and dtrack[-1] < 90


def test_band_power_matches_time_domain_power_for_a_tone() -> None:
    t = np.arange(4000) / 2000
    x = 3.0 * np.sin(2 * np.pi * 150 * t)
    assert band_power(x, CALL_BAND) == pytest.approx(4.5, rel=1e-9)  # A**2 / 2
    assert band_power(x, (300, 500)) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        ({"n": 0, "seed": 1}, ValueError, "n \\(number of clips\\) must be a positive integer"),
        ({"n": 2.5, "seed": 1}, TypeError, "n must be an int"),
        ({"n": 4, "seed": 1, "positive_fraction": 1.5}, ValueError, "positive_fraction must be in \\[0, 1\\]"),
        ({"n": 4, "seed": 1, "snr_db": (5, -5)}, ValueError, "low <= high"),
        ({"n": 4, "seed": 1, "kinds": ("whistle",)}, ValueError, "kinds must be a non-empty tuple"),
    ],
)
def test_generate_clips_rejects_bad_arguments(kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        generate_clips(**kwargs)


def test_load_split_rejects_unknown_split() -> None:
    with pytest.raises(ValueError, match="split must be one of 'train', 'validation', 'test'; got 'hidden'"):
        load_split("hidden")


def test_harmonic_tone_rejects_partials_above_nyquist() -> None:
    with pytest.raises(ValueError, match="Nyquist frequency 1000.0 Hz"):
        harmonic_tone(300, n_harmonics=4)
    with pytest.raises(ValueError, match="one value per harmonic"):
        harmonic_tone(100, amplitudes=[1, 2])


def test_upcall_must_fit_in_the_clip() -> None:
    with pytest.raises(ValueError, match="the sweep must fit in the clip"):
        upcall(start=1.5, duration=1.0)


def test_clips_indexing_keeps_the_batch_axis() -> None:
    clips = generate_clips(5, seed=2)
    one = clips[3]
    assert len(one) == 1 and one.audio.shape == (1, 4000)
    np.testing.assert_array_equal(one.audio[0], clips.audio[3])
    assert len(clips[clips.labels == 1]) == int(clips.labels.sum())
