"""How fast are course.max_pool2d / avg_pool2d (NumPy) next to PyTorch's CPU pooling?

Run by hand: ``python benchmarks/bench_pooling.py [--repeats 9]``. Prints a table and, as its
last line, one JSON object with the figures. Cases: float32 (16, 32, 128, 128) feature maps,
2x2 windows with stride 2 (the common case), and 3x3 windows with stride 2 (overlapping), plus
the loop version (course.naive.max_pool2d) on a small map. Best of ``--repeats`` after a warm-up,
course and torch taking turns so that both see the same machine load.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))  # run from a checkout

import course  # noqa: E402
import course.naive  # noqa: E402
from _timing import best_time, best_times_interleaved  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    torch.set_num_threads(cores)
    x = np.random.default_rng(0).standard_normal((16, 32, 128, 128), dtype=np.float32)
    xt = torch.from_numpy(x)

    rows = []
    for kind, ours, theirs in (("max", course.max_pool2d, F.max_pool2d), ("avg", course.avg_pool2d, F.avg_pool2d)):
        for size, stride in ((2, 2), (3, 2)):
            got, want = ours(x, size, stride), theirs(xt, size, stride).numpy()
            if got.shape != want.shape or not np.allclose(got, want, atol=1e-5):
                raise SystemExit(f"{kind} pool {size}x{size}: results differ from PyTorch")
            with torch.no_grad():
                t_ours, t_torch = best_times_interleaved(
                    [lambda f=ours, k=size, s=stride: f(x, k, s), lambda f=theirs, k=size, s=stride: f(xt, k, s)],
                    args.repeats,
                )
            rows.append({"case": f"{kind}_pool2d {size}x{size} stride {stride}", "ms": t_ours * 1e3, "torch_ms": t_torch * 1e3, "ratio": t_torch / t_ours})

    small = x[:1, :4, :32, :32]
    t_loop = best_time(lambda: course.naive.max_pool2d(small, 2), 1)
    t_fast = best_time(lambda: course.max_pool2d(small, 2), args.repeats)

    print(f"input (16, 32, 128, 128) float32; cores={cores}, torch threads={torch.get_num_threads()}")
    print(f"{'case':32s} {'course ms':>10s} {'torch ms':>9s} {'ratio':>6s}")
    for r in rows:
        print(f"{r['case']:32s} {r['ms']:10.2f} {r['torch_ms']:9.2f} {r['ratio']:6.2f}")
    print(f"loop version, max 2x2 on (1, 4, 32, 32): {t_loop * 1e3:.1f} ms vs {t_fast * 1e3:.3f} ms, {t_loop / t_fast:.0f}x")
    summary = {
        "bench": "pooling",
        "ratio_vs_torch_max2x2": round(rows[0]["ratio"], 2),
        "ratio_vs_torch_max3x3s2": round(rows[1]["ratio"], 2),
        "ratio_vs_torch_avg2x2": round(rows[2]["ratio"], 2),
        "ratio_vs_torch_avg3x3s2": round(rows[3]["ratio"], 2),
        "naive_speedup": round(t_loop / t_fast),
        "cores": cores,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
