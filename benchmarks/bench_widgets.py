"""How long one widget update takes: the callback a slider move triggers, PNG included.

For each lecture widget, drive its main control through a sweep of values many times and report
the mean milliseconds per update (goal: <= 50 ms, so dragging a slider feels live), as wall
time and as the process's CPU time (the cost with a free core; on a shared machine the wall time
also counts waiting for one). The reference,
in the same process, is the naive redraw: the whole figure drawn and encoded from scratch
(``fig.savefig`` to PNG) after the same change; ``speedup`` = naive / blitted CPU time.

Run by hand (never in tests): ``python benchmarks/bench_widgets.py [--repeats N]``.
The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import time

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
from scipy import signal  # noqa: E402

from course.widgets import (  # noqa: E402
    ConvolutionStepper,
    EquivarianceDemo,
    ParameterCounter,
    PoolingExplorer,
    ReceptiveFieldExplorer,
    SlidingConvolution,
)


def chirp_spectrogram() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    fs = 2000
    t = np.arange(fs) / fs
    rng = np.random.default_rng(0)
    audio = ((t >= 0.2) & (t < 0.8)) * signal.chirp(t - 0.2, f0=150, t1=0.6, f1=700) + 0.05 * rng.standard_normal(t.size)
    freqs, times, z = signal.stft(audio, fs=fs, nperseg=64, noverlap=32)
    return 20 * np.log10(np.abs(z) + 1e-2), times, freqs


def cases() -> list[tuple[str, object, str, list]]:
    spec, times, freqs = chirp_spectrogram()
    return [
        ("sliding", SlidingConvolution(), "slider", list(range(26))),
        ("stepper", ConvolutionStepper(), "slider", list(range(9))),
        ("params", ParameterCounter(), "size", list(range(16, 48))),
        ("equivariance", EquivarianceDemo(), "shift", list(range(-10, 21))),
        ("receptive", ReceptiveFieldExplorer([(3, 1), (3, 2), (3, 1, 2)]), "kernel", [1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2]),
        ("pooling", PoolingExplorer(spec, times, freqs), "size", [1, 2, 3, 4, 5, 6, 7, 8]),
    ]


def time_updates(widget: object, control: str, values: list, repeats: int) -> tuple[float, float]:
    """Mean (wall, CPU) ms per update when the control takes each value in turn, ``repeats`` sweeps.

    On a shared machine the wall time includes waiting for a core; the process's CPU time is
    what the update costs when it has a core to itself.
    """
    slider = getattr(widget, control)
    n = 0
    start, start_cpu = time.perf_counter(), time.process_time()
    for _ in range(repeats):
        for value in values:
            slider.value = value
            n += 1
    return (time.perf_counter() - start) / n * 1000, (time.process_time() - start_cpu) / n * 1000


def time_naive(widget: object, control: str, values: list, repeats: int) -> tuple[float, float]:
    """Mean (wall, CPU) ms of the naive path: same change, then the whole figure drawn as PNG."""
    slider = getattr(widget, control)
    render = widget.render
    widget.render = lambda full=False: b""  # type: ignore[attr-defined]  # skip the blitted path
    try:
        for artist in widget._animated:  # naive drawing draws every artist, animated or not
            artist.set_animated(False)
        n = 0
        start, start_cpu = time.perf_counter(), time.process_time()
        for _ in range(repeats):
            for value in values:
                slider.value = value
                buffer = io.BytesIO()
                widget.fig.savefig(buffer, format="png")
                n += 1
        return (time.perf_counter() - start) / n * 1000, (time.process_time() - start_cpu) / n * 1000
    finally:
        widget.render = render  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="sweeps of each control (default 3)")
    args = parser.parse_args()
    results: dict[str, float] = {}
    cpu_results: dict[str, float] = {}
    ratios: dict[str, float] = {}
    print(f"{'widget':>13} | {'ms/update':>9} | {'CPU ms':>6} | {'naive CPU ms':>12} | speedup (CPU)")
    for name, widget, control, values in cases():
        time_updates(widget, control, values, 1)  # warm-up: caches, first layout
        ms, cpu_ms = time_updates(widget, control, values, args.repeats)
        _, naive_cpu = time_naive(widget, control, values, 1)
        results[name] = round(ms, 1)
        cpu_results[name] = round(cpu_ms, 1)
        ratios[name] = round(naive_cpu / cpu_ms, 2)
        print(f"{name:>13} | {ms:9.1f} | {cpu_ms:6.1f} | {naive_cpu:12.1f} | {naive_cpu / cpu_ms:6.2f}x")
    worst = max(results.values())
    print(json.dumps({
        "bench": "widgets",
        "ms_per_update": results,
        "cpu_ms_per_update": cpu_results,
        "speedup_vs_full_redraw": ratios,
        "max_ms_per_update": worst,
        "max_cpu_ms_per_update": max(cpu_results.values()),
        "goal_ms": 50,
        "within_goal": worst <= 50,
        "cpu_count": os.cpu_count(),
        "load_avg_1min": round(os.getloadavg()[0], 2),
    }))


if __name__ == "__main__":
    main()
