"""course.audio_models: the upcall CNN, the 1-D framed-audio model, training, the baseline."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course.audio import features
from course.audio_models import (
    BandEnergyBaseline,
    FramedAudioCNN,
    UpcallCNN,
    band_energy_features,
    evaluate,
    frames_for_1d,
    predict,
    set_threads,
    train,
)
from course.data import generate_clips, harmonic_tone

set_threads(2)


@pytest.fixture(scope="module")
def small_data() -> dict[str, np.ndarray]:
    train_clips, test_clips = generate_clips(800, seed=41), generate_clips(300, seed=42)
    return {
        "x": features(train_clips.audio), "y": train_clips.labels,
        "x_test": features(test_clips.audio), "y_test": test_clips.labels,
        "audio": train_clips.audio,
    }  # fmt: skip


@pytest.mark.parametrize("shape", [(3, 1, 64, 30), (2, 1, 40, 50), (1, 1, 16, 16)])
def test_upcall_cnn_maps_any_spectrogram_size_to_logits(shape: tuple[int, ...]) -> None:
    torch.manual_seed(0)
    for model in (UpcallCNN(n_classes=3), UpcallCNN(n_classes=3, recurrent=True)):
        out = model(torch.randn(*shape))
        assert out.shape == (shape[0], 3)


def test_upcall_cnn_layer_shapes_follow_the_formula() -> None:
    model = UpcallCNN()
    h = model.features(torch.zeros(2, 1, 64, 30))
    assert h.shape == (2, 32, 16, 7)  # 64x30 -> pool -> 32x15 -> pool -> 16x7 (floor)
    assert model.pool(h).shape == (2, 32, 4, 4)
    n_params = sum(p.numel() for p in model.parameters())
    # conv 1*8*25+8, conv 8*16*9+16, conv 16*32*9+32, dense 512*32+32, dense 32*2+2
    assert n_params == (208) + (1168) + (4640) + (16416) + (66)


def test_framed_audio_model_shapes() -> None:
    audio = generate_clips(3, seed=0).audio
    frames = frames_for_1d(audio, 64, 32)
    assert frames.shape == (3, 64, (4000 - 64) // 32 + 1) and frames.dtype == np.float32
    np.testing.assert_allclose(frames[1, :, 2], audio[1, 64:128] / audio[1].std(), rtol=1e-5)
    out = FramedAudioCNN(frame_length=64)(torch.as_tensor(frames))
    assert out.shape == (3, 2)


def test_short_training_run_learns_the_upcall(small_data: dict[str, np.ndarray]) -> None:
    torch.manual_seed(0)
    model = UpcallCNN()
    before = evaluate(model, small_data["x_test"], small_data["y_test"], device="cpu")
    hist = train(model, small_data["x"], small_data["y"], epochs=4, device="cpu",
                 X_val=small_data["x_test"], y_val=small_data["y_test"])
    after = evaluate(model, small_data["x_test"], small_data["y_test"], device="cpu")
    assert len(hist["loss"]) == 4 and hist["loss"][-1] < hist["loss"][0]
    assert after >= 0.85 and after > before + 0.2
    assert hist["val_acc"][-1] == pytest.approx(after)


def test_training_is_deterministic_for_a_seed(small_data: dict[str, np.ndarray]) -> None:
    runs = []
    for _ in range(2):
        torch.manual_seed(3)
        model = UpcallCNN(channels=(4, 8, 8), hidden=8)
        runs.append(train(model, small_data["x"][:200], small_data["y"][:200], epochs=1, seed=5, device="cpu")["loss"])
    assert runs[0] == runs[1]


def test_time_budget_stops_training_early(small_data: dict[str, np.ndarray]) -> None:
    hist = train(UpcallCNN(), small_data["x"], small_data["y"], epochs=50, time_budget=0.0, device="cpu")
    assert len(hist["loss"]) == 1  # stopped after the first batch


def test_callback_sees_the_history_each_epoch(small_data: dict[str, np.ndarray]) -> None:
    seen = []
    train(UpcallCNN(), small_data["x"][:64], small_data["y"][:64], epochs=2, device="cpu",
          callback=lambda h: seen.append(len(h["loss"])))  # fmt: skip
    assert seen == [1, 2]


def test_predict_and_evaluate_agree_with_the_logits() -> None:
    torch.manual_seed(1)
    model = UpcallCNN()
    x = np.random.default_rng(0).standard_normal((10, 1, 64, 30)).astype(np.float32)
    with torch.no_grad():
        expected = model(torch.as_tensor(x)).argmax(1).numpy()
    np.testing.assert_array_equal(predict(model, x, batch_size=3, device="cpu"), expected)
    labels = expected.copy()
    labels[:4] = 1 - labels[:4]
    assert evaluate(model, x, labels, device="cpu") == pytest.approx(0.6)


def test_train_rejects_mismatched_labels() -> None:
    with pytest.raises(ValueError, match="one label per example: X has 4 examples, y has shape \\(3,\\)"):
        train(UpcallCNN(), np.zeros((4, 1, 64, 30), np.float32), np.zeros(3), device="cpu")


def test_band_energy_features_by_hand() -> None:
    t = np.arange(4000) / 2000
    x = np.stack([2.0 * np.sin(2 * np.pi * 100 * t), np.sin(2 * np.pi * 600 * t)])
    f = band_energy_features(x)
    np.testing.assert_allclose(f[0, :2], np.log(2.0), rtol=1e-9)  # all of the power (A**2/2 = 2) in band
    assert f[1, 0] < -20 and f[1, 1] == pytest.approx(np.log(0.5))


def test_band_energy_baseline_learns_energy_when_energy_is_the_answer() -> None:
    # tones inside vs outside 50-250 Hz: energy alone separates them, and the baseline finds it
    rng = np.random.default_rng(0)
    inside = [harmonic_tone(f, 1, 2.0) for f in rng.uniform(60, 240, 30)]
    outside = [harmonic_tone(f, 1, 2.0) for f in rng.uniform(300, 900, 30)]
    x = np.stack(inside + outside) + 0.05 * rng.standard_normal((60, 4000))
    y = np.array([1] * 30 + [0] * 30)
    assert BandEnergyBaseline().fit(x, y).score(x, y) == 1.0


def test_band_energy_baseline_stays_near_chance_on_upcalls(small_data: dict[str, np.ndarray]) -> None:
    baseline = BandEnergyBaseline().fit(small_data["audio"], small_data["y"])
    test = generate_clips(300, seed=42)
    assert baseline.score(test.audio, test.labels) <= 0.75


def test_unfitted_baseline_says_so() -> None:
    with pytest.raises(ValueError, match="the baseline is not fitted"):
        BandEnergyBaseline().predict(np.zeros((2, 4000)))
