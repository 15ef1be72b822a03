"""``autograde_batch``: a whole class, one job per student, in parallel; robust to broken and
hostile work (``ARCHITECTURE.md``, "Data flow")."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, as_completed
from dataclasses import replace
from pathlib import Path
from typing import Any

from traitlets.config import Config

from course.grading.batch import speedups
from course.grading.batch.config import default_db_url, limits, load_config, portable, sandboxed
from course.grading.batch.executor import make_executor
from course.grading.batch.job import Job, JobResult, grade_job
from course.grading.batch.merge import MergeContext, merge_safely
from course.grading.batch.report import BatchResult
from course.grading.batch.submission import fingerprint, list_students, read_submission
from course.grading.batch.template import Template, ensure_assignment, make_template
from course.grading.results import Status, grader_note
from course.grading.secret import ensure_secret
from course.gradebook.students import ID_RULE, STUDENT_ID_RE
from course.gradebook.grades import read_class_rows
from course.gradebook.lateness import due_and_extensions, private_gradebook
from course.gradebook.records import StatusRecords


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot run here and the configuration did not opt out of it."""


def require_sandbox(cfg: Config) -> None:
    """Raise :class:`SandboxUnavailable` (with how to fix it) unless kernels can be sandboxed;
    warn on standard error when the configuration opts out."""
    from course.grading.sandbox import sandbox_problem

    if not sandboxed(cfg):
        print("warning: grading WITHOUT the sandbox (--no-sandbox): student code runs with your rights; "
              "every CSV row says so", file=sys.stderr)
        return
    problem = sandbox_problem()
    if problem:
        raise SandboxUnavailable(f"{problem}\nRefusing to run student code unsandboxed. On a trusted machine, "
                                 "--no-sandbox grades without the sandbox.")


def autograde_batch(
    root: str | os.PathLike[str],
    assignment_id: str,
    submitted: str | os.PathLike[str],
    *,
    jobs: int | None = None,
    overrides: Config | None = None,
    db_url: str | None = None,
    scheduler: str | None = None,
    students: Iterable[str] | None = None,
    progress: bool = True,
    executor: Executor | None = None,
) -> BatchResult:
    """Grade every student folder in ``submitted`` (``<student>/<assignment>/...``), or only
    ``students``, merge the outcomes into the gradebook, and read the whole class back from it."""
    start = time.monotonic()
    root = os.path.abspath(root)
    cfg = load_config(root, overrides)
    require_sandbox(cfg)
    db_url = db_url or default_db_url(root)
    submitted = Path(submitted).resolve()
    if not submitted.is_dir():
        raise FileNotFoundError(f"no submissions folder {submitted}")
    names = chosen_students(submitted, students)
    speedups.apply()  # the template's gradebook too (nbgrader's `alembic heads` subprocess: ~2 s)
    template = make_template(root, assignment_id, cfg)
    ensure_assignment(root, assignment_id, db_url, cfg)
    lim = limits(cfg)
    due, extensions = _deadlines(db_url, lim.course_id, assignment_id)
    template = replace(template, db=private_gradebook(template.db, assignment_id, lim.course_id, due))
    job_config = portable(cfg)
    grading_secret = ensure_secret(root)
    outcomes: list[JobResult] = []
    job_list: list[Job] = []
    for sid in names:
        if not STUDENT_ID_RE.match(sid):
            outcomes.append(JobResult(sid, assignment_id, Status.ERROR,
                                      [grader_note("the student folder name is not a valid student id")]))
            continue
        submission = read_submission(submitted / sid / assignment_id, sorted(template.release), lim.max_notebook_bytes)
        own = _with_extension(template, assignment_id, lim.course_id, due, sid, extensions.get(sid))
        job_list.append(Job(assignment_id, sid, submission, own, job_config, grading_secret))
    records = StatusRecords.for_gradebook(db_url, root)
    ctx = MergeContext(Path(root) / "autograded", records, cfg, template.rubrics)
    outcomes += _run(job_list, ctx, db_url, lim.course_id, jobs, scheduler, executor, progress, outcomes)
    rows = read_class_rows(db_url, lim.course_id, assignment_id, records)
    return BatchResult(outcomes, time.monotonic() - start, rows)


def chosen_students(submitted: Path, students: Iterable[str] | None) -> list[str]:
    """Every student folder of ``submitted``, or the ``students`` asked for (each must have one)."""
    found = list_students(submitted)
    if students is None:
        return found
    wanted = sorted(set(students))
    for sid in wanted:
        if not STUDENT_ID_RE.match(sid):
            raise ValueError(f"--student {sid!r} is not a student id ({ID_RULE})")
        if sid not in found:
            shown = ", ".join(found[:10]) + (f" and {len(found) - 10} more" if len(found) > 10 else "")
            raise ValueError(f"--student {sid}: no folder {submitted / sid}; student folders there: {shown or 'none'}")
    return wanted


def _deadlines(db_url: str, course_id: str, assignment_id: str) -> tuple[Any, dict[str, Any]]:
    from nbgrader.api import Gradebook

    with Gradebook(db_url, course_id) as gb:
        return due_and_extensions(gb, assignment_id)


def _with_extension(template: Template, assignment_id: str, course_id: str, due: Any, student_id: str,
                    extension: Any) -> Template:
    """The template, with the student's extension in its gradebook copy when there is one."""
    if not extension or due is None:
        return template
    return replace(template, db=private_gradebook(template.db, assignment_id, course_id, due, student_id, extension))


def _run(job_list: list[Job], ctx: MergeContext, db_url: str, course_id: str, jobs: int | None, scheduler: str | None,
         executor: Executor | None, progress: bool, early: list[JobResult]) -> list[JobResult]:
    from nbgrader.api import Gradebook

    own = executor is None
    close: Callable[[], None] = lambda: None
    if own and job_list:
        executor, close = make_executor(jobs or os.cpu_count() or 1, scheduler)
    done: list[JobResult] = []
    try:
        futures = {executor.submit(grade_job, job): job for job in job_list} if job_list else {}
        bar = _progress(len(futures), progress)
        waiting = {job.student_id for job in futures.values()}
        bar.set_postfix_str(_in_flight(waiting))
        with Gradebook(db_url, course_id) as gb:
            for outcome in early:
                merge_safely(gb, outcome, ctx)
            for future in as_completed(futures):
                job = futures[future]
                try:
                    outcome = future.result()
                except Exception as exc:  # a worker died (killed, say): the batch goes on
                    outcome = JobResult(job.student_id, job.assignment_id, Status.ERROR,
                                        [grader_note(f"the grading worker failed ({type(exc).__name__})")])
                outcome.fingerprint = fingerprint(job.submission)
                merge_safely(gb, outcome, ctx)
                done.append(outcome)
                waiting.discard(job.student_id)
                bar.set_postfix_str(_in_flight(waiting), refresh=False)
                bar.update(1)
        bar.close()
    finally:
        if own:
            close()
    return done


def _in_flight(waiting: set[str], shown: int = 3) -> str:
    """The progress bar's note: who is still being graded (the one a slow job holds up, say)."""
    names = sorted(waiting)
    if not names:
        return ""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return "waiting for " + ", ".join(names[:shown]) + more


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def set_postfix_str(self, text: str, refresh: bool = True) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, enabled: bool) -> Any:
    if not enabled or total == 0:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, unit="student", desc="autograde", file=sys.stderr)
