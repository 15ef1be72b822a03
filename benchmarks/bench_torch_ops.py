"""Benchmark: course.torch_ops (unfold + matmul) against torch.nn.functional, same process.

Run by hand: ``python benchmarks/bench_torch_ops.py [--threads T] [--min-time S]``.
Shapes: N=16, C_in=16, C_out=32, 64x64 maps, 3x3 and 5x5 kernels (stride 1, padding 1 and 2 so
the maps keep their size), and 2x2 max/avg pooling with stride 2. Times are medians from
``torch.utils.benchmark`` (which synchronises CUDA). The ratio is twin time / PyTorch time:
1.0 means as fast, 3.0 means three times slower. On CPU both sides use the same thread count.
On CUDA both sides compute in full float32: TF32 is switched off for cuDNN (by default PyTorch
lets cuDNN convolutions use TF32, whose 10-bit mantissa makes F.conv2d differ from an exact
float32 product by ~1e-2 at these sizes) and for matmul.
The last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import math

import torch
import torch.nn.functional as F
from torch.utils import benchmark

from course import torch_ops

N, C_IN, C_OUT, SIZE = 16, 16, 32, 64


def _time(stmt: str, env: dict, threads: int, min_time: float) -> float:
    timer = benchmark.Timer(stmt=stmt, globals=env, num_threads=threads)
    return timer.blocked_autorange(min_run_time=min_time).median


def run(dev: torch.device, threads: int, min_time: float) -> dict[str, dict[str, float]]:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(N, C_IN, SIZE, SIZE, generator=g).to(dev)
    results: dict[str, dict[str, float]] = {}
    cases = []
    for k in (3, 5):
        w = torch.randn(C_OUT, C_IN, k, k, generator=g).to(dev)
        b = torch.randn(C_OUT, generator=g).to(dev)
        env = {"x": x, "w": w, "b": b, "p": k // 2, "F": F, "ops": torch_ops, "dev": dev}
        cases.append((f"conv{k}x{k}", "ops.correlate2d(x, w, b, padding=p, device=dev)", "F.conv2d(x, w, b, padding=p)", env))
    env = {"x": x, "F": F, "ops": torch_ops, "dev": dev}
    cases.append(("max_pool2x2", "ops.max_pool2d(x, 2, device=dev)", "F.max_pool2d(x, 2)", env))
    cases.append(("avg_pool2x2", "ops.avg_pool2d(x, 2, device=dev)", "F.avg_pool2d(x, 2)", env))
    for name, twin, ref, env in cases:
        # same numbers first: a benchmark of a wrong answer is worthless
        torch.testing.assert_close(eval(twin, env), eval(ref, env), rtol=1e-4, atol=1e-4)
        t_twin = _time(twin, env, threads, min_time)
        t_ref = _time(ref, env, threads, min_time)
        results[name] = {"twin_ms": round(t_twin * 1e3, 4), "torch_ms": round(t_ref * 1e3, 4), "ratio_vs_torch": round(t_twin / t_ref, 3)}
        print(f"{dev.type:>4} {name:<12} twin {t_twin * 1e3:9.3f} ms   torch {t_ref * 1e3:9.3f} ms   ratio {t_twin / t_ref:6.2f}")
    return results


def main() -> None:
    torch.backends.cudnn.allow_tf32 = False  # F.conv2d in true float32, like the twin's matmul
    torch.backends.cuda.matmul.allow_tf32 = False
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="CPU threads for both sides (default 1: fair on a shared machine)")
    parser.add_argument("--min-time", type=float, default=0.5, help="seconds of timing per measurement")
    args = parser.parse_args()
    print(f"torch {torch.__version__}, N={N}, C_in={C_IN}, C_out={C_OUT}, {SIZE}x{SIZE}, CPU threads={args.threads}")
    report: dict[str, object] = {"bench": "torch_ops", "shape": [N, C_IN, SIZE, SIZE], "c_out": C_OUT, "threads": args.threads}
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    for dev in devices:
        res = run(dev, args.threads, args.min_time)
        report[dev.type] = res
        ratios = [r["ratio_vs_torch"] for r in res.values()]
        report[f"{dev.type}_geomean_ratio"] = round(math.exp(sum(map(math.log, ratios)) / len(ratios)), 3)
    if torch.cuda.is_available():
        report["gpu"] = torch.cuda.get_device_name()
    report["ratio_vs_torch"] = report["cpu_geomean_ratio"]
    print(json.dumps(report))


if __name__ == "__main__":
    main()
