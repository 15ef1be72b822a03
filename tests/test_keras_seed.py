"""The lecture's Keras model, built by Keras 3 itself (PyTorch backend), agrees with the course's
PyTorch version (``course.models.seed_cnn`` / ``course.models.summary``).

At 1000 x 1000 the model has 3.9 billion weights (15.6 GB of float32): it is built on PyTorch's
``meta`` device, so nothing is allocated, and Keras' own ``summary()`` and ``count_params()``
still work. At 128 x 128 it is built on the CPU and run on a batch.
"""

from __future__ import annotations

import contextlib
import io
import logging.config
import os
import subprocess
import sys

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")  # before keras is first imported in this process

# keras imports absl, whose log handler keeps the sys.stderr of the moment it is made: under
# pytest, the capture's file. Any traitlets application started later in this worker (nbgrader,
# `course autograde` run in-process) calls logging.config.dictConfig, which closes every handler;
# absl's closes its stream unless it is the sys.stderr of that moment, which the in-process
# commands have redirected: the capture's file was closed and every later test on the worker
# failed with "I/O operation on closed file" (a fresh-clone run: 140 errors). Made on the real
# stderr instead, absl's handler never closes anything of pytest's.
with contextlib.redirect_stderr(sys.__stderr__):
    import absl.logging  # noqa: E402, F401

from course.keras_seed import build_seed_model, import_keras, keras_rows  # noqa: E402
from course.models import seed_cnn, summary  # noqa: E402


def _side(n: int) -> list[int]:
    """Side length after conv 5x5 (valid) -> pool 2x2/2 -> conv 5x5 -> pool 2x2, by hand."""
    a = n - 4
    b = a // 2
    c = b - 4
    return [a, b, c, c // 2]


def _expected_rows(n: int, classes: int) -> list[tuple[str, tuple[int, ...], int]]:
    """What the slide's model must be, worked out from the layer definitions alone."""
    a, b, c, d = _side(n)
    flat = 64 * d * d
    return [
        ("Conv2D", (a, a, 32), 32 * (5 * 5 * 1) + 32),
        ("MaxPooling2D", (b, b, 32), 0),
        ("Conv2D", (c, c, 64), 64 * (5 * 5 * 32) + 64),
        ("MaxPooling2D", (d, d, 64), 0),
        ("Flatten", (flat,), 0),
        ("Dense", (1000,), flat * 1000 + 1000),
        ("Dense", (classes,), 1000 * classes + classes),
    ]


@pytest.fixture(scope="module")
def big():
    return build_seed_model(10, 1000, device="meta")


@pytest.fixture(scope="module")
def small():
    return build_seed_model(10, 128, device="cpu")


def test_keras_runs_on_the_pytorch_backend() -> None:
    keras = import_keras()
    assert keras.config.backend() == "torch"
    assert keras.__version__.startswith("3.")
    assert "tensorflow" not in sys.modules


def test_the_slide_numbers_at_1000x1000() -> None:
    # the lecture's total, by hand: 832 + 51,264 + 64*247*247*1000 + 1000 + 10,010
    rows = _expected_rows(1000, 10)
    assert [r[1] for r in rows][:4] == [(996, 996, 32), (498, 498, 32), (494, 494, 64), (247, 247, 64)]
    assert sum(r[2] for r in rows) == 3_904_639_106


@pytest.mark.parametrize("size", [128, 1000])
def test_keras_model_matches_the_layer_arithmetic_and_course_summary(size: int, small, big) -> None:
    model = small if size == 128 else big
    rows = keras_rows(model)
    assert [(r.kind, r.output_shape, r.parameters) for r in rows] == _expected_rows(size, 10)
    assert model.count_params() == sum(r.parameters for r in rows)

    torch_summary = summary(seed_cnn(10, input_size=(size, size), device="meta"), (size, size))
    torch_rows = [r for r in torch_summary.rows if r.kind != "ReLU"]  # Keras folds ReLU into Conv2D/Dense
    assert len(torch_rows) == len(rows)
    for k, t in zip(rows, torch_rows):
        chw = t.output_shape
        hwc = chw[1:] + chw[:1] if len(chw) == 3 else chw  # PyTorch (C, H, W) -> Keras (H, W, C)
        assert hwc == k.output_shape, (k, t)
        assert t.parameters == k.parameters, (k, t)
    assert model.count_params() == torch_summary.total


def test_keras_summary_prints_the_total(big) -> None:
    lines: list[str] = []
    big.summary(print_fn=lambda line, *a, **k: lines.append(line))
    text = "\n".join(lines)
    assert "3,904,639,106" in text and "3,904,577,000" in text


def test_the_1000x1000_model_allocates_no_weights(big) -> None:
    # every weight lives on the meta device: a shape and a dtype, no memory
    devices = {str(w.value.device) for w in big.weights}
    assert devices == {"meta"}, devices


def test_building_at_1000x1000_stays_far_below_the_weights_size() -> None:
    # in a fresh process, so that the peak memory belongs to this build alone
    code = (
        "import os, resource; os.environ['KERAS_BACKEND'] = 'torch'\n"
        "from course.keras_seed import build_seed_model\n"
        "m = build_seed_model(10, 1000, device='meta')\n"
        "print(m.count_params(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    count, peak_kib = map(int, out.stdout.split()[-2:])
    assert count == 3_904_639_106
    assert peak_kib * 1024 < 2e9, f"peak memory {peak_kib / 1e6:.1f} GB while building: weights were allocated"


def test_the_128x128_model_runs_and_gives_probabilities(small) -> None:
    batch = np.random.default_rng(0).random((3, 128, 128, 1), dtype=np.float32)
    out = np.asarray(small.predict(batch, verbose=0))
    assert out.shape == (3, 10)
    assert np.allclose(out.sum(axis=1), 1.0, atol=1e-5) and (out >= 0).all()


def test_import_keras_refuses_another_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    # a Keras already imported with another backend cannot be switched: say so, do not go on
    keras = import_keras()
    monkeypatch.setattr(keras.config, "backend", lambda: "jax")
    with pytest.raises(RuntimeError, match="'jax' backend.*KERAS_BACKEND"):
        import_keras()


def test_keras_leaves_the_test_runner_s_stderr_open() -> None:
    """What broke a fresh-clone run: keras imported, then a traitlets application configures
    logging while the in-process `course` command has redirected stderr."""
    import_keras()
    runner_stderr = sys.stderr
    with contextlib.redirect_stderr(io.StringIO()):
        logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
    assert not runner_stderr.closed

