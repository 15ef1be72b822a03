"""Merging a job's outcome into the real gradebook (the parent process only, so SQLite is never
written concurrently), through nbgrader's ``Gradebook`` API, and its autograded notebook into
``autograded/<student>/<assignment>/`` (written without following links).

Besides the scores, a merge keeps what a person did: a hand grade (``Grade.manual_score``) is
never touched, and its flag is raised again only when the answer it was given for changed
(:mod:`course.gradebook.handgrades`). It applies the course's late policy to the merged scores
(:mod:`course.gradebook.lateness`); it writes into each autograded notebook's metadata what the
feedback explains beside the verdicts: ``course_grading.late`` (due date, submission time,
penalty) and ``course_grading.submission_notes`` (a missing, unreadable or renamed notebook: the
job's submission notes, as data); and it records the run's status, notes and fingerprint in the
status sidecar (:mod:`course.gradebook.records`). A person's decision on the student's previous
run (``course settle``) is re-applied when the run graded the same submission and holds it again with the same status
(:func:`course.grading.results.decision_for_run`, :func:`course.gradebook.settle.apply_decision`);
otherwise the record says why it no longer counts.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from traitlets.config import Config

from course.grading.batch.job import JobResult
from course.grading.results import (HELD_STATUSES, Decision, Lapse, LapsedDecision, Status, decision_for_run,
                                    grader_note, notes_for_student)
from course.gradebook.handgrades import Answers, answer_changed, answers_in, answers_of, needs_manual_grade
from course.gradebook.lateness import Lateness, apply_late_penalties
from course.gradebook.records import StatusRecords
from course.gradebook.settle import apply_decision, withdraw_decision
from course.grading.preprocessors.cells import METADATA_KEY


@dataclass
class MergeContext:
    autograded_root: Path  # the course's autograded/ folder
    records: StatusRecords  # status and notes of each submission's latest run
    config: Config  # the course's nbgrader configuration (the late policy)
    rubrics: dict[str, dict[str, str]] = field(default_factory=dict)  # notebook -> grade_id -> rubric


def merge_outcome(gb: Any, outcome: JobResult, ctx: MergeContext) -> None:
    aid, sid = outcome.assignment_id, outcome.student_id
    gb.update_or_create_student(sid)
    kwargs = {}
    if outcome.timestamp:
        kwargs["timestamp"] = dt.datetime.fromisoformat(outcome.timestamp)
    gb.update_or_create_submission(aid, sid, **kwargs)
    previous = ctx.records.previous(aid, sid)
    decided = decision_for_run(previous, outcome.status, outcome.fingerprint)
    if previous is not None and previous.decision is not None:
        withdraw_decision(gb, aid, sid, previous.decision)  # spread again below when it carries over
    folder = ctx.autograded_root / sid / aid
    before = answers_in(folder)
    current = answers_of(outcome.autograded) if outcome.autograded else before
    _merge_grades(gb, outcome, before, current)
    _merge_comments(gb, outcome)
    if outcome.status in HELD_STATUSES:
        _hold_for_a_person(gb, outcome)
    status = outcome.status
    if isinstance(decided, Decision):  # the same submission, held again: the decision stands
        apply_decision(gb, aid, sid, decided)
        status = Status.SETTLED
    gb.db.commit()
    late = apply_late_penalties(gb, aid, sid, ctx.config)
    files = with_metadata(outcome.autograded, late, notes_for_student(outcome.notes))
    files = {name: grader_view(aid, sid, data, status, late, ctx.rubrics.get(Path(name).stem, {}))
             for name, data in files.items()}
    if files:  # nbgrader's timestamp.txt and submission_secret.txt, for feedback/ and release_feedback
        files.update(outcome.records)
    write_autograded(folder, files)
    ctx.records.set(aid, sid, outcome.status, outcome.notes, outcome.fingerprint, decided)


def grader_view(assignment_id: str, student_id: str, data: bytes, status: Status, late: Lateness,
                rubric: dict[str, str] | None) -> bytes:
    """One autograded notebook with what the formgrader's grader needs beside nbgrader's figures
    (:mod:`course.grading.batch.grader_view`); ``rubric=None`` keeps the rubrics it has."""
    from course.grading.batch.grader_view import figure_note, with_grader_view

    return with_grader_view(data, figure_note(status, assignment_id, student_id, late), rubric)


def refresh_grader_view(autograded_root: Path, assignment_id: str, student_id: str, status: Status,
                        late: Lateness) -> None:
    """Rewrite the grader's notes of a student's autograded notebooks after the gradebook changed
    (an extension, a settled decision); links are not followed."""
    folder = autograded_root / student_id / assignment_id
    if not folder.is_dir() or folder.is_symlink():
        return
    for path in sorted(folder.glob("*.ipynb")):
        if path.is_symlink() or not path.is_file():
            continue
        data = grader_view(assignment_id, student_id, path.read_bytes(), status, late, None)
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC | os.O_NOFOLLOW)
        with contextlib.closing(os.fdopen(fd, "wb")) as out:
            out.write(data)


def _merge_grades(gb: Any, outcome: JobResult, previous: Answers, current: Answers) -> None:
    from nbgrader.api import MissingEntry

    for g in outcome.grades:
        try:
            grade = gb.find_grade(g["cell"], g["notebook"], outcome.assignment_id, outcome.student_id)
        except MissingEntry:
            continue
        grade.auto_score = g["auto_score"]
        changed = answer_changed(previous, current, g["notebook"], g["cell"])
        grade.needs_manual_grade = needs_manual_grade(grade, bool(g["needs_manual_grade"]), changed)


def _merge_comments(gb: Any, outcome: JobResult) -> None:
    from nbgrader.api import MissingEntry

    for c in outcome.comments:
        try:
            comment = gb.find_comment(c["cell"], c["notebook"], outcome.assignment_id, outcome.student_id)
        except MissingEntry:
            continue
        comment.auto_comment = c["auto_comment"]


def _hold_for_a_person(gb: Any, outcome: JobResult) -> None:
    """``error`` / ``review``: every grade is flagged for a person (hand grades stay as given);
    what the grader could not vouch for earns nothing until a person settles it (``course settle``)."""
    submission = gb.find_submission(outcome.assignment_id, outcome.student_id)
    for nb in submission.notebooks:
        for grade in nb.grades:
            if grade.manual_score is None:
                if outcome.status == Status.ERROR or grade.auto_score is None:
                    grade.auto_score = 0  # the cells the grader flagged are already 0
                grade.needs_manual_grade = True


def with_metadata(files: dict[str, bytes], late: Lateness, notes: list[str]) -> dict[str, bytes]:
    """The autograded notebooks with ``metadata.course_grading.late`` and
    ``metadata.course_grading.submission_notes`` set (see the module docstring)."""
    from course.grading.feedback import NOTES_KEY

    out = {}
    for name, data in files.items():
        try:
            nb = json.loads(data.decode("utf-8"))
            meta = nb.setdefault("metadata", {}).setdefault(METADATA_KEY, {})
            meta["late"] = late.metadata(Path(name).stem)
            meta[NOTES_KEY] = list(notes)
            data = (json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
        except (UnicodeDecodeError, ValueError, AttributeError, TypeError):
            pass
        out[name] = data
    return out


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


def merge_safely(gb: Any, outcome: JobResult, ctx: MergeContext) -> None:
    """:func:`merge_outcome`; a failure marks the outcome ``error`` and the batch goes on."""
    try:
        merge_outcome(gb, outcome, ctx)
    except Exception as exc:
        gb.db.rollback()
        outcome.status = Status.ERROR
        outcome.notes = [grader_note(f"could not save the grades ({type(exc).__name__}: {str(exc)[:200]})")]
        with contextlib.suppress(Exception):
            previous = ctx.records.previous(outcome.assignment_id, outcome.student_id)
            standing = previous.standing_decision() if previous is not None else None
            lapsed = LapsedDecision(standing, Lapse.NOT_SAVED) if standing is not None else None
            ctx.records.set(outcome.assignment_id, outcome.student_id, outcome.status, outcome.notes,
                            outcome.fingerprint, lapsed)
