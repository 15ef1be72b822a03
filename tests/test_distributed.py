"""Autograding on a Dask distributed cluster gives the same grades as grading on this machine.

The test starts a real cluster on 127.0.0.1: a scheduler and two worker *processes* with one
thread each (``distributed.LocalCluster``), then grades a small class (two solved notebooks,
two untouched releases) twice, with ``course autograde ... --jobs 2`` (a local process pool)
and with ``course autograde ... --scheduler tcp://127.0.0.1:PORT`` (the jobs shipped to the
cluster's workers), each into its own course folder and gradebook, and compares the CSVs and
what the scheduler saw (the jobs really ran on both workers, not in the client).
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Iterator

import distributed
import pytest

from deploy_helpers import (ASSIGNMENT, VENV_BIN, explain, make_class, make_course_root,
                            run_course)

pytestmark = pytest.mark.slow

N_STUDENTS = 4


@pytest.fixture(scope="module")
def cluster() -> Iterator[object]:
    # workers run nbgrader, which calls `alembic` by name: the venv's bin first on their PATH
    old_path = os.environ.get("PATH", "")
    os.environ["PATH"] = f"{VENV_BIN}{os.pathsep}{old_path}"
    try:
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      host="127.0.0.1", dashboard_address=None,
                                      protocol="tcp://") as lc:
            yield lc
    finally:
        os.environ["PATH"] = old_path


@pytest.fixture(scope="module")
def course_class(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("dist")
    template = make_course_root(tmp / "template")
    kinds = make_class(template, tmp / "submitted", N_STUDENTS, "dk")
    return {"tmp": tmp, "template": template, "kinds": kinds}


def _grade(course_class: dict, name: str, extra: list[str]) -> tuple[str, Path]:
    import shutil

    root = course_class["tmp"] / name
    shutil.copytree(course_class["template"], root)
    out = root / "grades.csv"
    proc = run_course(["--root", str(root), "autograde", ASSIGNMENT, "--submitted",
                       str(course_class["tmp"] / "submitted"), "--csv", str(out), "--quiet",
                       *extra], cwd=root)
    assert proc.returncode == 0, explain(proc)
    return out.read_text(), root


def test_cluster_grades_like_local_grading(cluster, course_class: dict) -> None:
    address = cluster.scheduler_address
    assert address.startswith("tcp://127.0.0.1:"), address
    client = distributed.Client(address)
    try:
        workers = client.scheduler_info()["workers"]
        assert len(workers) == 2, workers

        local_csv, _ = _grade(course_class, "local", ["--jobs", "2"])
        remote_csv, remote_root = _grade(course_class, "cluster", ["--scheduler", address])

        # the jobs ran on the cluster: tasks of grade_job, spread over both workers
        ran_on = client.run(_grade_jobs_run_here)
    finally:
        client.close()

    assert remote_csv == local_csv
    rows = list(csv.DictReader(io.StringIO(remote_csv)))
    assert [r["student_id"] for r in rows] == sorted(course_class["kinds"])
    for row in rows:
        solved = course_class["kinds"][row["student_id"]] == "solved"
        assert (float(row["score"]) == float(row["max_score"])) is solved, row
        assert solved or float(row["score"]) == 0.0, row
    assert sum(ran_on.values()) == N_STUDENTS, ran_on
    assert all(n > 0 for n in ran_on.values()), f"all jobs ran on one worker: {ran_on}"
    # the client (the instructor's machine) wrote the gradebook and the autograded files
    assert (remote_root / "gradebook.db").is_file()
    assert len(list((remote_root / "autograded").glob(f"*/{ASSIGNMENT}/*.ipynb"))) == N_STUDENTS


def _grade_jobs_run_here(dask_worker=None) -> int:
    """On a worker: how many grade_job tasks finished here (from the worker's transition log)."""
    return sum(1 for entry in dask_worker.state.log
               if "grade_job" in str(entry[0]) and entry[2] == "memory")
