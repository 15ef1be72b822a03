"""course.widgets.audio.UpcallExplorer, driven headless, and the sweep detector it shows."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from scipy import signal  # noqa: E402

from course.audio import detector_response, features, sweep_kernel  # noqa: E402
from course.data import generate_clips, upcall  # noqa: E402
from course.widgets.audio import UpcallExplorer  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _no_pyplot_leak():
    plt.close("all")
    yield
    assert plt.get_fignums() == [], "a widget registered a figure with pyplot"


def test_sweep_kernels_by_hand() -> None:
    up = sweep_kernel(3, "up")
    np.testing.assert_allclose(up, np.eye(3) - 1 / 3)
    np.testing.assert_allclose(sweep_kernel(3, "down"), np.eye(3)[::-1] - 1 / 3)
    np.testing.assert_allclose(sweep_kernel(3, "flat"), [[-1 / 3] * 3, [2 / 3] * 3, [-1 / 3] * 3])
    assert sweep_kernel(5).sum() == pytest.approx(0.0)
    with pytest.raises(ValueError, match="direction must be 'up', 'down' or 'flat', got 'sideways'"):
        sweep_kernel(3, "sideways")


def test_detector_response_is_relu_of_scipy_correlation() -> None:
    rng = np.random.default_rng(0)
    spec, w = rng.standard_normal((12, 9)), sweep_kernel(4)
    expected = np.maximum(signal.correlate2d(spec, w, mode="valid"), 0)
    np.testing.assert_allclose(detector_response(spec, w), expected, atol=1e-12)


def test_upsweep_detector_fires_on_an_upcall_not_on_a_downsweep() -> None:
    noise = 0.3 * np.random.default_rng(1).standard_normal(4000)
    up = features((upcall(70, 200) + noise)[None])[0, 0]
    down = features((upcall(70, 200, down=True) + noise)[None])[0, 0]
    k = sweep_kernel(7, "up")
    assert detector_response(up, k).max() > 2 * detector_response(down, k).max()
    kd = sweep_kernel(7, "down")  # and the mirrored kernel the other way round
    assert detector_response(down, kd).max() > 2 * detector_response(up, kd).max()


def test_explorer_draws_the_chosen_clip_and_keeps_what_it_drew() -> None:
    w = UpcallExplorer(kind="upcall", example=3, snr=8.0)
    assert bytes(w.image.value).startswith(PNG_MAGIC) and w.n_updates == 1
    clip = generate_clips(1, seed=3, kinds=("upcall",), snr_db=(8.0, 8.0))
    np.testing.assert_array_equal(w.audio, clip.audio[0])
    np.testing.assert_allclose(w.spec, features(clip.audio)[0, 0])
    assert w.response.shape == (58, 24)  # valid correlation with the 7x7 kernel
    np.testing.assert_allclose(w.response, np.maximum(signal.correlate2d(w.spec, sweep_kernel(7), mode="valid"), 0), atol=1e-9)
    assert w.score == pytest.approx(w.response.max()) and w.probability is None
    np.testing.assert_allclose(w.spec_image.get_array(), w.spec)
    assert "upcall #3" in w.info.value


def test_moving_controls_updates_data_and_picture() -> None:
    w = UpcallExplorer(kind="upcall", example=0, snr=10.0)
    up_score, before = w.score, bytes(w.image.value)
    w.kind.value = "downsweep"
    assert w.n_updates == 2 and w.kind.value in w.info.value
    assert bytes(w.image.value) != before
    assert w.score < up_score  # the upsweep kernel barely responds to a downsweep
    w.snr.value = -6.0
    clip = generate_clips(1, seed=0, kinds=("downsweep",), snr_db=(-6.0, -6.0))
    np.testing.assert_array_equal(w.audio, clip.audio[0])
    w.example.value = 5
    assert w.n_updates == 4


def test_explorer_shows_a_models_probability() -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64 * 30, 2))
    w = UpcallExplorer(model=model)
    with torch.no_grad():
        expected = torch.softmax(model(torch.as_tensor(w.spec[None, None])), 1)[0, 1].item()
    assert w.probability == pytest.approx(expected) and "P(upcall)" in w.info.value


def test_explorer_rejects_an_unknown_kind() -> None:
    with pytest.raises(ValueError, match="kind must be one of"):
        UpcallExplorer(kind="song")
