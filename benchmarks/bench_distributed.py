"""Autograde a class locally (``--jobs 2``) and on a 2-worker Dask cluster, in the same run.

    python benchmarks/bench_distributed.py [--students 60] [--workers 2]

Builds a class from ex01_convolution_1d (half the students hand in the solved notebook, half
the untouched release) in a temporary folder, grades it with ``course autograde --jobs N`` (a
local process pool) and with ``course autograde --scheduler tcp://127.0.0.1:PORT`` against a
``distributed.LocalCluster`` of N worker processes with one thread each, checks that both
CSVs are identical, and prints the wall times and their ratio. Last line: one JSON object.

On one machine the cluster cannot be faster than the pool (same cores, plus shipping each job
to a worker); the figure says what the distributed path costs. On a real cluster the workers
are other machines and the ratio falls with their number.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from deploy_helpers import (ASSIGNMENT, VENV_BIN, explain, make_class,  # noqa: E402
                            make_course_root, run_course)


def grade(template: Path, tmp: Path, submitted: Path, name: str, extra: list[str]) -> tuple[float, str]:
    root = tmp / name
    shutil.copytree(template, root)
    out = root / "grades.csv"
    start = time.perf_counter()
    proc = run_course(["--root", str(root), "autograde", ASSIGNMENT, "--submitted", str(submitted),
                       "--csv", str(out), "--quiet", *extra], cwd=root, timeout=3600)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(explain(proc))
    return seconds, out.read_text()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2, help="local --jobs and cluster workers")
    args = parser.parse_args()

    from distributed import LocalCluster

    os.environ["PATH"] = f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    with tempfile.TemporaryDirectory(prefix="bench-distributed-") as tmp_name:
        tmp = Path(tmp_name)
        template = make_course_root(tmp / "template")
        make_class(template, tmp / "submitted", args.students, "st")

        local_s, local_csv = grade(template, tmp, tmp / "submitted", "local",
                                   ["--jobs", str(args.workers)])
        print(f"local --jobs {args.workers}: {local_s:.1f} s "
              f"({local_s / args.students:.2f} s per student)", flush=True)

        start = time.perf_counter()
        with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                          host="127.0.0.1", dashboard_address=None) as cluster:
            cluster_start_s = time.perf_counter() - start
            remote_s, remote_csv = grade(template, tmp, tmp / "submitted", "cluster",
                                         ["--scheduler", cluster.scheduler_address])
        print(f"cluster of {args.workers} workers: {remote_s:.1f} s "
              f"({remote_s / args.students:.2f} s per student; cluster start {cluster_start_s:.1f} s)",
              flush=True)

        same = local_csv == remote_csv
        print(f"same CSV: {same}; ratio cluster/local = {remote_s / local_s:.2f}")
        print(json.dumps({
            "bench": "distributed_autograde",
            "students": args.students,
            "workers": args.workers,
            "local_jobs_s": round(local_s, 2),
            "cluster_s": round(remote_s, 2),
            "cluster_start_s": round(cluster_start_s, 2),
            "ratio_cluster_vs_local": round(remote_s / local_s, 3),
            "local_s_per_student": round(local_s / args.students, 3),
            "cluster_s_per_student": round(remote_s / args.students, 3),
            "same_csv": same,
            "cpus": os.cpu_count(),
        }))
        if not same:
            raise SystemExit("the cluster's CSV differs from local grading")


if __name__ == "__main__":
    main()
