"""How fast is course.conv2d (NumPy) next to PyTorch's CPU convolution?

Run by hand: ``python benchmarks/bench_conv2d.py [--repeats 7]``. Prints a table and, as its last
line, one JSON object with the figures.

Cases (float32, CPU, every core for both libraries unless ``--threads``; for a one-core comparison
run ``OPENBLAS_NUM_THREADS=1 python benchmarks/bench_conv2d.py --threads 1``):
- course.conv2d vs torch.nn.functional.conv2d, N=16, C_in=16, C_out=32, 64x64, 3x3 and 5x5;
- course.conv1d vs F.conv1d on framed audio (N=16 clips, 64 mel bands -> 128 channels,
  1000 frames, kernel 5);
- course.naive.conv2d (the loop version) on a small case, to show what vectorising buys;
- a 1024x1024 float32 matrix product through NumPy, the machine's practical ceiling for an
  im2col + GEMM method.

GFLOP/s counts 2 * N * C_out * H_out * W_out * C_in * kH * kW (multiply + add). Timings are the
best of ``--repeats`` runs after a warm-up, course and torch taking turns so that both see the
same machine load. On a shared machine, run it more than once.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))  # run from a checkout

import course  # noqa: E402
import course.naive  # noqa: E402
from _timing import best_time, best_times_interleaved  # noqa: E402


def blas_info() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed"
    return ", ".join(
        f"{i.get('internal_api')} {i.get('version')} {i.get('architecture', '')} threads={i.get('num_threads')}"
        for i in threadpool_info()
        if i.get("user_api") == "blas"
    )


def conv_case(name: str, x: np.ndarray, w: np.ndarray, ours: Callable, theirs: Callable, repeats: int, **kw: object) -> dict:
    xt, wt = torch.from_numpy(x), torch.from_numpy(w)
    got, want = ours(x, w, **kw), theirs(xt, wt, **kw).numpy()
    err = float(np.max(np.abs(got - want)) / (np.max(np.abs(want)) or 1))
    if got.shape != want.shape or err > 1e-4:
        raise SystemExit(f"{name}: results differ (shapes {got.shape} vs {want.shape}, relative error {err:.1e})")
    flops = 2 * got.size * w[0].size
    with torch.no_grad():
        t_ours, t_torch = best_times_interleaved([lambda: ours(x, w, **kw), lambda: theirs(xt, wt, **kw)], repeats)
    return {
        "case": name,
        "ms": round(t_ours * 1e3, 2),
        "torch_ms": round(t_torch * 1e3, 2),
        "gflops": round(flops / t_ours / 1e9, 1),
        "torch_gflops": round(flops / t_torch / 1e9, 1),
        "ratio_vs_torch": round(t_torch / t_ours, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument(
        "--threads", type=int, default=os.cpu_count() or 1,
        help="torch threads (default: every core); set OPENBLAS_NUM_THREADS to the same for NumPy",
    )
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)

    rows = []
    x = rng.standard_normal((16, 16, 64, 64), dtype=np.float32)
    for k in (3, 5):
        w = rng.standard_normal((32, 16, k, k), dtype=np.float32)
        rows.append(conv_case(f"conv2d 16x16x64x64 -> 32, {k}x{k}", x, w, course.conv2d, F.conv2d, args.repeats))
    audio = rng.standard_normal((16, 64, 1000), dtype=np.float32)
    w1 = rng.standard_normal((128, 64, 5), dtype=np.float32)
    rows.append(conv_case("conv1d 16x64x1000 -> 128, k=5, pad 2", audio, w1, course.conv1d, F.conv1d, args.repeats, padding=2))

    # the loop version on a small case, against the fast version
    xs = rng.standard_normal((2, 4, 16, 16), dtype=np.float32)
    ws = rng.standard_normal((4, 4, 3, 3), dtype=np.float32)
    t_loop = best_time(lambda: course.naive.conv2d(xs, ws), 1)
    t_fast = best_time(lambda: course.conv2d(xs, ws), args.repeats)
    small_flops = 2 * 2 * 4 * 14 * 14 * 4 * 9

    a = rng.standard_normal((1024, 1024), dtype=np.float32)
    t_mm = best_time(lambda: a @ a, args.repeats)
    gemm_gflops = 2 * 1024**3 / t_mm / 1e9

    print(f"cores={cores}  torch threads={torch.get_num_threads()}  numpy BLAS: {blas_info()}")
    print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    print(f"{'case':40s} {'course ms':>10s} {'torch ms':>9s} {'GFLOP/s':>8s} {'torch':>7s} {'ratio':>6s}")
    for r in rows:
        print(f"{r['case']:40s} {r['ms']:10.2f} {r['torch_ms']:9.2f} {r['gflops']:8.1f} {r['torch_gflops']:7.1f} {r['ratio_vs_torch']:6.2f}")
    print(
        f"loop version, 2x4x16x16 -> 4, 3x3: naive {t_loop * 1e3:.1f} ms ({small_flops / t_loop / 1e9:.4f} GFLOP/s), "
        f"fast {t_fast * 1e3:.3f} ms: {t_loop / t_fast:.0f}x faster"
    )
    print(f"float32 1024x1024 matmul (numpy): {gemm_gflops:.1f} GFLOP/s")
    summary = {
        "bench": "conv2d",
        "ratio_vs_torch": rows[0]["ratio_vs_torch"],
        "ratio_vs_torch_5x5": rows[1]["ratio_vs_torch"],
        "ratio_vs_torch_conv1d": rows[2]["ratio_vs_torch"],
        "gflops_3x3": rows[0]["gflops"],
        "gflops_5x5": rows[1]["gflops"],
        "torch_gflops_3x3": rows[0]["torch_gflops"],
        "torch_gflops_5x5": rows[1]["torch_gflops"],
        "gflops_conv1d": rows[2]["gflops"],
        "sgemm_gflops": round(gemm_gflops, 1),
        "naive_speedup": round(t_loop / t_fast),
        "cores": cores,
        "threads": args.threads,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
