"""course.models: the lecture's Keras CNN in PyTorch and its weight-free summary."""

from __future__ import annotations

import resource

import pytest
import torch
from torch import nn

from course.models import SeedCNN, Summary, seed_cnn, summary

# Keras' model.summary() of the lecture's model (Input (1000, 1000, 1), NumClasses = 10):
# an independent source for the parameter counts.
KERAS_1000 = {"conv1": 832, "conv2": 51_264, "dense1": 3_904_577_000, "dense2": 10_010}
KERAS_1000_TOTAL = 3_904_639_106


def _by_layer(s: Summary) -> dict[str, tuple[tuple[int, ...], int]]:
    return {r.layer: (r.output_shape, r.parameters) for r in s.rows}


def test_summary_matches_keras_at_1000x1000_without_allocating() -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    model = seed_cnn(10, input_size=(1000, 1000), device="meta")
    s = summary(model, (1000, 1000))
    grown_gib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024**2
    assert grown_gib < 1.0  # real weights would be 15.6 GB
    assert all(p.device.type == "meta" for p in model.parameters())
    rows = _by_layer(s)
    assert {name: rows[name][1] for name in KERAS_1000} == KERAS_1000
    assert s.total == KERAS_1000_TOTAL
    assert sum(r.parameters for r in s.rows) == KERAS_1000_TOTAL
    assert s.bytes_float32 == 4 * KERAS_1000_TOTAL
    # 'valid' 5x5 trims 4, 2x2/2 pooling halves (floor): 1000 -> 996 -> 498 -> 494 -> 247
    assert rows["conv1"][0] == (32, 996, 996)
    assert rows["pool1"][0] == (32, 498, 498)
    assert rows["conv2"][0] == (64, 494, 494)
    assert rows["pool2"][0] == (64, 247, 247)
    assert rows["flatten"][0] == (64 * 247 * 247,)
    assert rows["dense1"][0] == (1000,) and rows["dense2"][0] == (10,)


def test_summary_prints_a_table() -> None:
    s = summary(seed_cnn(10, device="meta"))  # input_size taken from the model
    text = str(s)
    for needle in ("conv1 (Conv2d)", "(N, 32, 996, 996)", "3,904,577,000", "dense2 (Linear)", "Total params: 3,904,639,106", "15.62 GB"):
        assert needle in text
    html = s._repr_html_()
    assert html.startswith("<table>") and "<td>dense1 (Linear)</td>" in html and "3,904,639,106" in html


@pytest.fixture(scope="module")
def small_model() -> SeedCNN:
    torch.manual_seed(0)
    return seed_cnn(4, input_size=(64, 48), in_channels=2, device="cpu")


def test_summary_of_real_small_model_matches_numel_and_forward_shapes(small_model: SeedCNN) -> None:
    s = summary(small_model, (64, 48))
    assert s.total == sum(p.numel() for p in small_model.parameters())
    assert s.input_shape == (2, 64, 48)
    # record the shapes of a real forward pass with our own hooks
    seen: list[tuple[str, tuple[int, ...], int]] = []
    handles = [
        m.register_forward_hook(lambda mod, i, o, n=n: seen.append((n, tuple(o.shape[1:]), sum(p.numel() for p in mod.parameters()))))
        for n, m in small_model.named_children()
    ]
    try:
        out = small_model(torch.randn(3, 2, 64, 48))
    finally:
        for h in handles:
            h.remove()
    assert out.shape == (3, 4)
    assert [(r.layer, r.output_shape, r.parameters) for r in s.rows] == seen


def test_summary_leaves_a_real_model_untouched(small_model: SeedCNN) -> None:
    before = {n: p.detach().clone() for n, p in small_model.named_parameters()}
    summary(small_model)
    for n, p in small_model.named_parameters():
        assert p.device.type == "cpu"
        assert torch.equal(p, before[n])
    assert not any(m._forward_hooks for m in small_model.modules())  # no hook left behind


def test_summary_of_any_module_counts_shared_weights_once() -> None:
    conv = nn.Conv2d(3, 3, 3, padding=1)
    model = nn.Sequential(conv, nn.BatchNorm2d(3), conv, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(3, 2))
    s = summary(model, (20, 20))  # C = 3 from the first Conv2d
    assert [r.layer for r in s.rows] == ["0", "1", "0", "3", "4", "5"]  # the shared conv runs twice
    assert s.rows[0].output_shape == (3, 20, 20) and s.rows[-1].output_shape == (2,)
    assert s.total == 84 + 6 + 8  # conv (3*3*9 + 3) once, batch norm 2*3, linear 3*2 + 2
    assert s.total == sum(p.numel() for p in model.parameters())
    assert s.trainable == s.total
    assert all(p.device.type == "cpu" and p.requires_grad for p in model.parameters())  # untouched
    assert model[0] is model[2] and not conv._forward_hooks


@pytest.mark.parametrize("size", [(16, 16), (64, 64), (100, 37), (1000, 1000)])
def test_fixed_pool_makes_the_dense_layer_independent_of_input_size(size: tuple[int, int]) -> None:
    model = seed_cnn(10, input_size=size, fixed_pool=(9, 9), device="meta")
    rows = _by_layer(summary(model))
    assert rows["fixed_pool"][0] == (64, 9, 9)
    assert rows["dense1"] == ((1000,), 64 * 9 * 9 * 1000 + 1000)  # 5,185,000 whatever the input


def test_fixed_pool_model_runs_on_several_sizes() -> None:
    torch.manual_seed(1)
    model = seed_cnn(3, input_size=(40, 40), fixed_pool=9, device="cpu")
    for h, w in [(16, 16), (40, 40), (57, 23)]:
        assert model(torch.randn(2, 1, h, w)).shape == (2, 3)


def test_logits_and_predict_proba(small_model: SeedCNN) -> None:
    x = torch.randn(5, 2, 64, 48, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        logits = small_model(x)
        proba = small_model.predict_proba(x)
    torch.testing.assert_close(proba.sum(dim=1), torch.ones(5))
    torch.testing.assert_close(proba, torch.softmax(logits, dim=1))
    target = torch.tensor([0, 1, 2, 3, 0])
    loss = nn.CrossEntropyLoss()(logits, target)  # the loss applies the softmax to the logits
    torch.testing.assert_close(loss, -proba[torch.arange(5), target].log().mean())


def test_smallest_input_is_16() -> None:
    # by hand: 16 -> 12 (conv 5x5) -> 6 (pool) -> 2 (conv 5x5) -> 1 (pool)
    rows = _by_layer(summary(seed_cnn(2, input_size=16, device="meta")))
    assert rows["pool2"][0] == (64, 1, 1)
    with pytest.raises(ValueError, match=r"height 15 -> 11 after conv1 \(5x5\) -> 5 after pool1 \(2x2\) -> 1 after conv2 \(5x5\), too short for pool2"):
        seed_cnn(2, input_size=15, device="meta")
    with pytest.raises(ValueError, match=r"width 13 .*too short for conv2 .*smallest input is 16 x 16, got 20 x 13"):
        seed_cnn(2, input_size=(20, 13), device="meta")


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        (dict(n_classes=0), ValueError, r"n_classes must be a positive integer \(>= 1\), got 0"),
        (dict(n_classes=-3), ValueError, r"n_classes must be a positive integer \(>= 1\), got -3"),
        (dict(n_classes=2.5), TypeError, r"n_classes must be an int, got float 2.5"),
        (dict(n_classes=True), TypeError, r"n_classes must be an int, got bool"),
        (dict(n_classes=2, in_channels=0), ValueError, r"in_channels must be a positive integer"),
        (dict(n_classes=2, input_size=(0, 20)), ValueError, r"input_size must be a positive integer"),
        (dict(n_classes=2, input_size="big"), TypeError, r"input_size must be an int or a pair of ints"),
        (dict(n_classes=2, input_size=4), ValueError, r"height 4, too short for conv1 \(5x5\)"),
        (dict(n_classes=2, fixed_pool=(9, 0)), ValueError, r"fixed_pool must be a positive integer"),
        (dict(n_classes=2, device="gpu0"), ValueError, r"device must name a PyTorch device.*'gpu0'"),
        (dict(n_classes=2, dtype="float32"), TypeError, r"dtype must be a torch.dtype"),
        (dict(n_classes=10), ValueError, r"would allocate 3,904,639,106 parameters = 15.62 GB .*pass device='meta'"),
    ],
)
def test_seed_cnn_bad_inputs(kwargs: dict, error: type, match: str) -> None:
    kwargs = {"device": "cpu", **kwargs}
    with pytest.raises(error, match=match):
        seed_cnn(**kwargs)


def test_default_device_and_dtype() -> None:
    import course

    model = seed_cnn(2, input_size=16)  # 1.1 M parameters: small enough to build for real
    assert model.conv1.weight.device.type == course.device().type
    assert model.dense1.weight.dtype == torch.float32
    assert seed_cnn(2, input_size=16, device="meta", dtype=torch.float64).dense2.bias.dtype == torch.float64


def test_max_bytes_can_be_raised_and_ignores_meta() -> None:
    # 64x64: 10,872,099 parameters = 43.5 MB as float32
    with pytest.raises(ValueError, match=r"more than max_bytes=10.00 MB"):
        seed_cnn(3, input_size=64, device="cpu", max_bytes=10_000_000)
    assert seed_cnn(3, input_size=64, device="meta", max_bytes=10).conv1.weight.is_meta
    assert seed_cnn(3, input_size=64, device="cpu", max_bytes=None).dense1.weight.device.type == "cpu"


def test_forward_and_summary_bad_inputs(small_model: SeedCNN) -> None:
    with pytest.raises(ValueError, match=r"expects a batch \(N, 2, H, W\), got shape \(2, 64, 48\)"):
        small_model(torch.zeros(2, 64, 48))
    with pytest.raises(ValueError, match=r"built for 64 x 48 inputs .* got 70 x 70"):
        small_model(torch.zeros(1, 2, 70, 70))
    with pytest.raises(ValueError, match=r"summary could not run the model on an input of shape \(2, 2, 70, 70\)"):
        summary(small_model, (70, 70))
    with pytest.raises(ValueError, match=r"summary could not run the model on an input of shape \(2, 5, 20, 20\)"):
        summary(nn.Sequential(nn.Conv2d(3, 1, 3)), (5, 20, 20))  # 5 channels into a 3-channel conv
    with pytest.raises(TypeError, match=r"model must be a torch.nn.Module, got str"):
        summary("seed_cnn", (64, 64))
    with pytest.raises(TypeError, match=r"input_size must be an int, \(H, W\) or \(C, H, W\), got \(1, 2, 3, 4\)"):
        summary(small_model, (1, 2, 3, 4))
    with pytest.raises(ValueError, match=r"input_size entries must be a positive integer"):
        summary(small_model, (0, 48))
    with pytest.raises(TypeError, match=r"summary needs input_size"):
        summary(nn.Linear(3, 2))
    with pytest.raises(TypeError, match=r"has no channel count and the model has no Conv2d"):
        summary(nn.Sequential(nn.Flatten(), nn.Linear(12, 2)), (3, 4))
