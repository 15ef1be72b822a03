"""One job: one student's submission graded by nbgrader's own ``autograde`` in a private course
folder (its own gradebook copy, its own ``submitted/`` holding only that student's notebook).

A job is plain picklable data, so it can run in a forked worker or on a Dask worker; it returns
a :class:`JobResult` and never raises. What it found is carried as data (a
:class:`~course.grading.results.Status` and :class:`~course.grading.results.Note` values); the
words of the CSV's reason are made once, where the CSV and the status file are written.

One time limit (``BatchLimits.job_timeout``) covers the whole job: reading, cleaning, executing
and saving.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import tempfile
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from traitlets.config import Config

from course.grading.batch.config import api, limits, sandboxed
from course.grading.batch.notebook import problem_with, transplant
from course.grading.batch.submission import TIMESTAMP_FILE, Submission, read_regular
from course.grading.batch.template import Template
from course.grading.batch.verdicts import summarise
from course.grading.results import Note, Status, grader_note, no_notebook_note, submission_note

UNSANDBOXED_NOTE = grader_note("graded WITHOUT the sandbox (explicit opt-out): only for trusted work")


@dataclass
class Job:
    assignment_id: str
    student_id: str
    submission: Submission
    template: Template
    config: Config  # the course's configuration without machine-specific places
    secret: bytes = field(default=b"", repr=False)  # the instructor's grading secret (hidden cases)


@dataclass
class JobResult:
    """One student's graded submission, as the job hands it to the parent process."""

    student_id: str
    assignment_id: str
    status: Status
    notes: list[Note]
    score: float = 0.0
    max_score: float = 0.0
    grades: list[dict[str, Any]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    timestamp: str | None = None
    autograded: dict[str, bytes] = field(default_factory=dict)  # file name -> notebook bytes
    records: dict[str, bytes] = field(default_factory=dict)  # nbgrader's timestamp/secret files, as submitted
    seconds: float = 0.0
    log: str = ""
    fingerprint: str = ""  # of what was graded (submission.fingerprint, set by the batch); "" when unknown


class JobTimeout(BaseException):
    """The whole job ran out of time (a BaseException: nbgrader's ``except Exception`` must not
    swallow it)."""


_JOB_LOCK = threading.Lock()


def grade_job(job: Job) -> JobResult:
    """Grade one student; never raises. Jobs in the threads of one process take turns (nbgrader
    changes the working directory), each in a fresh ``contextvars`` context."""
    import contextvars

    def body() -> JobResult:
        with _JOB_LOCK:
            return _timed(job)

    return contextvars.Context().run(body)


def _timed(job: Job) -> JobResult:
    from course.grading import secret
    from course.grading.batch import speedups

    start = time.monotonic()
    speedups.apply()
    budget = limits(job.config).job_timeout
    secret.install(job.secret or None)
    try:
        with _deadline(budget), tempfile.TemporaryDirectory(prefix="course-job-", dir=_scratch()) as tmp:
            outcome = _grade_in(Path(tmp), job)
    except JobTimeout:
        _kill_children()
        outcome = JobResult(job.student_id, job.assignment_id, Status.TIMEOUT, [grader_note(
            f"grading this submission took longer than the {budget} s one submission may take")])
    except Exception as exc:  # a bug or an infrastructure problem: the batch goes on
        outcome = JobResult(job.student_id, job.assignment_id, Status.ERROR, [grader_note(
            f"the grader failed on this submission ({type(exc).__name__}: {str(exc)[:300]})")],
            log=traceback.format_exc())
    finally:
        secret.install(None)
        _close_loop()
    if not sandboxed(job.config):
        outcome.notes.insert(0, UNSANDBOXED_NOTE)
    outcome.seconds = round(time.monotonic() - start, 3)
    return outcome


@contextlib.contextmanager
def _deadline(seconds: int) -> Iterator[None]:
    """Raise :class:`JobTimeout` after ``seconds`` (a real-time timer; main thread only)."""
    if threading.current_thread() is not threading.main_thread() or seconds <= 0:
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise JobTimeout()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _kill_children() -> None:
    """SIGKILL this process's children (a kernel left behind by a job that ran out of time; the
    sandbox's ``--die-with-parent`` takes the kernel's own children with it)."""
    me = str(os.getpid())
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == me:
            with contextlib.suppress(OSError):
                os.kill(int(entry.name), signal.SIGKILL)


def _close_loop() -> None:
    import asyncio

    with contextlib.suppress(Exception):
        loop = asyncio.get_event_loop_policy().get_event_loop()
        if not loop.is_running():
            loop.close()
        asyncio.set_event_loop(None)


def _scratch() -> str | None:
    """Job folders live in memory (/dev/shm) when possible: SQLite's commits cost no fsync."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None


def _prepare(root: Path, job: Job) -> tuple[Status, list[Note], dict[str, bytes]]:
    """Write the private course folder; (status, notes, the student's readable notebooks)."""
    aid, sid = job.assignment_id, job.student_id
    lim = limits(job.config)
    (root / "source" / aid).mkdir(parents=True)
    for rel, data in job.template.source_files.items():
        dest = root / "source" / aid / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
    (root / "gradebook.db").write_bytes(job.template.db)
    sub = root / "submitted" / sid / aid
    sub.mkdir(parents=True)
    status, notes, originals = Status.OK, [submission_note(n) for n in job.submission.notes], {}
    if job.submission.folder_missing:
        status = Status.MISSING
        notes.append(no_notebook_note(f"no folder {aid} in the student's submission: graded as the untouched exercise"))
    for name, release in job.template.release.items():
        data = job.submission.notebooks.get(name)
        problem = None
        if name in job.submission.too_large:
            problem = (f"{name} is {job.submission.too_large[name] / 1e6:.1f} MB, more than the "
                       f"{lim.max_notebook_bytes / 1e6:g} MB a notebook may have")
        elif data is not None:
            problem = problem_with(data, lim.max_cells)
        if data is None and not problem:
            status = Status.MISSING if status == Status.OK else status
            if not job.submission.folder_missing:
                notes.append(no_notebook_note(f"{name} was not submitted: graded as the untouched exercise"))
        elif problem:
            status = Status.INVALID
            notes.append(no_notebook_note(f"{problem}: graded as the untouched exercise"))
        else:
            originals[name] = data
        (sub / name).write_bytes(originals.get(name, release))
    if job.submission.timestamp is not None:
        (sub / TIMESTAMP_FILE).write_bytes(job.submission.timestamp)
    return status, notes, originals


def _autograde(root: Path, job: Job) -> dict[str, Any]:
    a = api(root, f"sqlite:///{root}/gradebook.db", job.config)
    a.coursedir.source_directory = "source"
    return a.autograde(job.assignment_id, job.student_id, force=True, create=True)


def _grade_in(tmp: Path, job: Job) -> JobResult:
    root = tmp / "course"
    aid, sid = job.assignment_id, job.student_id
    status, notes, originals = _prepare(root, job)
    result = _autograde(root, job)
    log = result.get("log") or ""
    if not result.get("success") and originals:
        # damaged grading metadata (a test cell's nbgrader metadata edited, say): grade the
        # instructor's copy of the notebook with the student's answer cells put in
        status = Status.REPAIRED
        notes.append(submission_note("the notebook's grading metadata was damaged: graded from the instructor's "
                                     "copy of the notebook with your answer cells"))
        sub = root / "submitted" / sid / aid
        for name, data in originals.items():
            (sub / name).write_bytes(transplant(job.template.release[name], data))
        shutil.rmtree(root / "autograded", ignore_errors=True)
        result = _autograde(root, job)
        log += result.get("log") or ""
    if not result.get("success"):
        message = _last_error_line(result.get("error") or log)
        return JobResult(sid, aid, Status.ERROR,
                         [grader_note(_clean(f"nbgrader could not grade the submission: {message}", tmp))],
                         log=_clean((log + (result.get("error") or ""))[-3000:], tmp))
    outcome = _collect(root, job)
    outcome.records = dict(job.submission.records)
    outcome.log = _clean(log[-3000:], tmp)
    run_status, found = summarise(outcome.autograded)
    if status in (Status.OK, Status.REPAIRED) and run_status != Status.OK:
        status = run_status
    # what waits for manual grading is not a note: the CSV reads it from the gradebook, so a hand
    # grade given later shows
    outcome.status = status
    outcome.notes = [Note(n.kind, _clean(n.text, tmp)) for n in [*notes, *outcome.notes, *found]]
    return outcome


def _last_error_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for ln in reversed(lines):
        if re.match(r"^[A-Za-z_.]+(Error|Exception)\b", ln):
            return ln[:300]
    return lines[-1][:300] if lines else "unknown error"


def _clean(text: str, tmp: Path) -> str:
    return text.replace(str(tmp), "<job>").replace(os.path.realpath(tmp), "<job>")


def _collect(root: Path, job: Job) -> JobResult:
    """Grades and comments from the private gradebook, and the autograded notebooks: only the
    released notebook files, read without following links and size-capped."""
    from nbgrader.api import Gradebook

    aid, sid = job.assignment_id, job.student_id
    grades, comments = [], []
    with Gradebook(f"sqlite:///{root}/gradebook.db", limits(job.config).course_id) as gb:
        submission = gb.find_submission(aid, sid)
        for nb in submission.notebooks:
            for g in nb.grades:
                grades.append({"notebook": nb.name, "cell": g.name, "auto_score": g.auto_score,
                               "max_score": float(g.max_score), "needs_manual_grade": bool(g.needs_manual_grade)})
            for c in nb.comments:
                comments.append({"notebook": nb.name, "cell": c.name, "auto_comment": c.auto_comment})
        score, max_score = float(submission.score), float(submission.max_score)
        timestamp = submission.timestamp.isoformat() if submission.timestamp else None
    out_dir = root / "autograded" / sid / aid
    files, notes = {}, []
    limit = limits(job.config).max_returned_bytes
    for name in job.template.release:
        with contextlib.suppress(OSError):
            data, size = read_regular(out_dir / name, limit)
            if data is not None:
                files[name] = data
            else:  # (GuardedExecute caps what a notebook prints: this should not happen)
                notes.append(grader_note(f"the autograded {name} ({size} bytes) is over max_returned_bytes "
                                         f"({limit}): its grades are kept, the autograded file is not"))
    return JobResult(sid, aid, Status.OK, notes, score, max_score, grades, comments, timestamp, files)
