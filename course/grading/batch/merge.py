"""Merging a job's outcome into the real gradebook (the parent process only, so SQLite is never
written concurrently), through nbgrader's ``Gradebook`` API, and its autograded notebook into
``autograded/<student>/<assignment>/`` (written without following links)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
from pathlib import Path
from typing import Any

from course.grading.batch.job import Outcome


def merge_outcome(gb: Any, outcome: Outcome, autograded_root: Path) -> None:
    from nbgrader.api import MissingEntry

    aid, sid = outcome.assignment_id, outcome.student_id
    gb.update_or_create_student(sid)
    kwargs = {}
    if outcome.timestamp:
        kwargs["timestamp"] = dt.datetime.fromisoformat(outcome.timestamp)
    gb.update_or_create_submission(aid, sid, **kwargs)
    for g in outcome.grades:
        try:
            grade = gb.find_grade(g["cell"], g["notebook"], aid, sid)
        except MissingEntry:
            continue
        grade.auto_score = g["auto_score"]
        grade.needs_manual_grade = bool(g["needs_manual_grade"]) or grade.manual_score is not None
    for c in outcome.comments:
        try:
            comment = gb.find_comment(c["cell"], c["notebook"], aid, sid)
        except MissingEntry:
            continue
        comment.auto_comment = c["auto_comment"]
    if outcome.status in ("error", "review"):
        submission = gb.find_submission(aid, sid)
        for nb in submission.notebooks:
            for grade in nb.grades:
                if grade.manual_score is None:
                    if outcome.status == "error" or grade.auto_score is None:
                        grade.auto_score = 0  # the cells the grader flagged are already 0
                    grade.needs_manual_grade = True  # a person looks before it counts
    gb.db.commit()
    write_autograded(autograded_root / sid / aid, outcome.autograded)


def write_autograded(dest: Path, files: dict[str, bytes]) -> None:
    """Replace ``dest`` with ``files``; a link planted at ``dest`` is removed, never followed."""
    if not files:
        return
    if dest.is_symlink():
        dest.unlink()
    elif dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name, data in files.items():
        if "/" in name or name in ("", ".", ".."):
            continue
        fd = os.open(dest / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with contextlib.closing(os.fdopen(fd, "wb")) as out:
            out.write(data)


def merge_safely(gb: Any, outcome: Outcome, autograded_root: Path) -> None:
    """:func:`merge_outcome`; a failure marks the outcome ``error`` and the batch goes on."""
    try:
        merge_outcome(gb, outcome, autograded_root)
    except Exception as exc:
        gb.db.rollback()
        outcome.status = "error"
        outcome.reason = f"could not save the grades ({type(exc).__name__}: {str(exc)[:200]})"
