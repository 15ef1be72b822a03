"""Timing helpers shared by the benchmarks: best-of-N wall-clock times after a warm-up."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_time(fn: Callable[[], object], repeats: int) -> float:
    """Best of ``repeats`` timed calls of ``fn``, after one untimed warm-up call."""
    fn()  # warm-up: allocations, BLAS threads, torch's kernel choice
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def best_times_interleaved(fns: list[Callable[[], object]], repeats: int) -> list[float]:
    """Best time of each function, running them in turn so that both see the same machine load."""
    for fn in fns:
        fn()  # warm-up
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, record in zip(fns, times, strict=True):
            start = time.perf_counter()
            fn()
            record.append(time.perf_counter() - start)
    return [min(t) for t in times]
