"""Where jobs run: long-lived forked worker processes (imports done once, before forking) or,
with a scheduler address, a Dask distributed cluster (the same jobs, the same sandbox: the
worker that runs a kernel sets it up)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor


def warm() -> None:
    """Import what every job needs once per worker process."""
    from course.grading.batch import speedups

    speedups.apply()
    import nbclient  # noqa: F401
    import nbgrader.apps  # noqa: F401
    import nbgrader.converters  # noqa: F401
    import nbgrader.preprocessors  # noqa: F401

    import course.grading.preprocessors  # noqa: F401
    import course.grading.sandbox  # noqa: F401
    from course.grading.checks import load_exercise_modules

    load_exercise_modules()


def make_executor(jobs: int, scheduler: str | None = None) -> tuple[Executor, Callable[[], None]]:
    """(executor, close): ``jobs`` forked workers, or a Dask cluster's executor."""
    if scheduler:
        from distributed import Client

        client = Client(scheduler)
        return client.get_executor(), client.close
    warm()  # before forking: every worker starts warm
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    pool = ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=ctx, initializer=warm)

    def shutdown() -> None:
        pool.shutdown(wait=True, cancel_futures=True)

    return pool, shutdown
