"""Late work, the nbgrader way: due dates and per-student extensions live in the gradebook
(``nbgrader db assignment add ID --duedate=...``, ``Gradebook.grant_extension``), the submission
time is nbgrader's ``timestamp.txt``, and the penalty comes from the ``LateSubmissionPlugin``
named by ``c.AssignLatePenalties.plugin_class`` in ``nbgrader_config.py``.

:class:`CourseLatePolicy` is the course's plugin: a percentage of the score per started day late,
with a cap (or nbgrader's own ``zero`` / ``none``). nbgrader's ``AssignLatePenalties`` runs it in
each grading job, on the job's private gradebook copy that carries the real due date and the
student's extension (:func:`private_gradebook`); :func:`apply_late_penalties` runs the same plugin
on the real gradebook when a job's outcome is merged, so the penalty applies to the score with
any hand grade included. The penalty is stored where nbgrader keeps it
(``SubmittedNotebook.late_submission_penalty``) and shown as ``late_seconds,penalty`` in the CSVs.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Enum, Float

DAY = 86_400


class CourseLatePolicy(LateSubmissionPlugin):
    """A percentage of the score per started day late, capped; or nbgrader's ``zero``/``none``.

    Configure in ``nbgrader_config.py``::

        c.AssignLatePenalties.plugin_class = "course.gradebook.lateness.CourseLatePolicy"
        c.CourseLatePolicy.penalty_method = "percent_per_day"   # or "zero", "none"
        c.CourseLatePolicy.percent_per_day = 10
        c.CourseLatePolicy.max_percent = 50
    """

    penalty_method = Enum(
        ("percent_per_day", "zero", "none"), default_value="percent_per_day",
        help="'percent_per_day': lose percent_per_day % of the score for each started day late, at most "
             "max_percent %; 'zero': a late submission scores 0 (nbgrader's); 'none': no penalty (nbgrader's)",
    ).tag(config=True)
    percent_per_day = Float(10.0, min=0.0, max=100.0,
                            help="Percent of the score lost per started day (24 h) late, for 'percent_per_day'"
                            ).tag(config=True)
    max_percent = Float(100.0, min=0.0, max=100.0,
                        help="Most percent of the score a late submission can lose, for 'percent_per_day'").tag(config=True)
    grace_minutes = Float(0.0, min=0.0,
                          help="Lateness up to this many minutes is forgiven (a slow upload, clock skew)").tag(config=True)

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float) -> float | None:
        if total_seconds_late <= self.grace_minutes * 60:
            return None
        if self.penalty_method != "percent_per_day":
            return super().late_submission_penalty(student_id, score, total_seconds_late)
        return round(float(score) * self.percent(total_seconds_late) / 100.0, 4)

    def percent(self, total_seconds_late: float) -> float:
        """Percent of the score lost for ``total_seconds_late`` under 'percent_per_day'."""
        return min(self.max_percent, started_days(total_seconds_late) * self.percent_per_day)

    def describe(self) -> str:
        if self.penalty_method == "zero":
            text = "a late submission scores 0"
        elif self.penalty_method == "none":
            text = "no penalty for late work"
        else:
            text = f"{self.percent_per_day:g}% of the score per started day late, at most {self.max_percent:g}%"
        return text + (f" (the first {self.grace_minutes:g} minutes are forgiven)" if self.grace_minutes else "")


def started_days(seconds: float) -> int:
    """Started days in ``seconds`` of lateness: 1 s -> 1, 24 h -> 1, 24 h + 1 s -> 2."""
    return int(math.ceil(seconds / DAY)) if seconds > 0 else 0


def late_preprocessor(config: Any) -> Any:
    """nbgrader's ``AssignLatePenalties`` on the course's configuration, its plugin made."""
    from nbgrader.preprocessors import AssignLatePenalties

    pp = AssignLatePenalties(config=config)
    pp.init_plugin()
    return pp


def describe_policy(config: Any) -> str:
    plugin = late_preprocessor(config).plugin_inst
    if hasattr(plugin, "describe"):
        return plugin.describe()
    return f"{type(plugin).__name__} (penalty_method={getattr(plugin, 'penalty_method', '?')})"


@dataclass
class Lateness:
    """What the gradebook says about one submission's lateness after the policy was applied."""

    due: dt.datetime | None
    timestamp: dt.datetime | None
    extension: dt.timedelta | None
    seconds_late: float
    penalties: dict[str, float]  # notebook name -> points lost
    policy: str

    @property
    def penalty(self) -> float:
        return round(sum(self.penalties.values()), 4)

    def metadata(self, notebook: str) -> dict[str, Any]:
        """The ``metadata.course_grading.late`` of one autograded notebook (for the feedback)."""
        iso = lambda t: t.isoformat(sep=" ") + " UTC" if t is not None else None  # noqa: E731
        return {"due": iso(self.due), "extended_due": iso(self.due + self.extension) if self.due and self.extension else None,
                "submitted": iso(self.timestamp), "seconds_late": round(self.seconds_late, 3),
                "days_late": started_days(self.seconds_late), "penalty": self.penalties.get(notebook, 0.0),
                "assignment_penalty": self.penalty, "policy": self.policy}


def apply_late_penalties(gb: Any, assignment_id: str, student_id: str, config: Any) -> Lateness:
    """Run the configured late plugin on the real gradebook for one submission (nbgrader's own
    ``AssignLatePenalties`` rules: reset, then a penalty only when late, clipped to [0, score])."""
    pp = late_preprocessor(config)
    submission = gb.find_submission(assignment_id, student_id)
    seconds = float(submission.total_seconds_late or 0)
    penalties: dict[str, float] = {}
    for notebook in submission.notebooks:
        notebook.late_submission_penalty = None
        if seconds > 0:
            penalty = pp.plugin_inst.late_submission_penalty(student_id, notebook.score, seconds)
            if penalty is not None:
                notebook.late_submission_penalty = pp._check_late_penalty(notebook, penalty)
        penalties[notebook.name] = float(notebook.late_submission_penalty or 0.0)
    gb.db.commit()
    due = submission.assignment.duedate
    policy = describe_policy(config)
    return Lateness(due, submission.timestamp, submission.extension, seconds, penalties, policy)


def refresh_late_penalties(gb: Any, config: Any, assignment_id: str | None = None) -> int:
    """Re-apply the policy to every late (or penalised) submission, so a penalty follows hand
    grades given since; returns how many were looked at."""
    count = 0
    for assignment in gb.assignments:
        if assignment_id is not None and assignment.name != assignment_id:
            continue
        for submission in assignment.submissions:
            if (submission.total_seconds_late or 0) > 0 or (submission.late_submission_penalty or 0) > 0:
                apply_late_penalties(gb, assignment.name, submission.student.id, config)
                count += 1
    return count


WHEN_EXAMPLE = '"2026-12-01 17:00:00 UTC"'
_OFFSET_RE = re.compile(r"^([+-])(\d{2}):?(\d{2})$")


def parse_when(text: str) -> dt.datetime:
    """``"YYYY-MM-DD HH:MM[:SS] ZONE"`` -> naive UTC (the gradebook's convention).

    ZONE is a zone name (``UTC``, ``Europe/Paris``) or an offset (``-0500``, ``+01:00``); an ISO
    time with its offset (``2026-12-01T17:00:00+01:00``) is read too, and a time without a zone
    is UTC, as nbgrader reads ``--duedate``. (nbgrader's own ``parse_utc`` reads ``-0500`` as
    500 seconds, hence this parser.)
    """
    import dateutil.tz

    parts = str(text).split()
    zone: dt.tzinfo | None = None
    if len(parts) == 3:
        offset = _OFFSET_RE.match(parts[2])
        if offset:
            sign = -1 if offset.group(1) == "-" else 1
            zone = dt.timezone(sign * dt.timedelta(hours=int(offset.group(2)), minutes=int(offset.group(3))))
        else:
            zone = dateutil.tz.gettz(parts[2])
            if zone is None:
                raise ValueError(f"{text!r}: unknown time zone {parts[2]!r}; expected e.g. {WHEN_EXAMPLE}")
        body = " ".join(parts[:2])
    elif len(parts) in (1, 2):
        body = " ".join(parts)
    else:
        raise ValueError(f"{text!r} is not a date and time; expected e.g. {WHEN_EXAMPLE}")
    try:
        when = dt.datetime.fromisoformat(body)
    except ValueError:
        raise ValueError(f"{text!r} is not a date and time; expected e.g. {WHEN_EXAMPLE}") from None
    if zone is not None:
        if when.tzinfo is not None:
            raise ValueError(f"{text!r} gives the time zone twice; expected e.g. {WHEN_EXAMPLE}")
        when = when.replace(tzinfo=zone)
    if when.tzinfo is not None:
        when = when.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return when


def due_and_extensions(gb: Any, assignment_id: str) -> tuple[dt.datetime | None, dict[str, dt.timedelta]]:
    """The assignment's due date and the students' extensions, from the gradebook."""
    assignment = gb.find_assignment(assignment_id)
    extensions = {s.student.id: s.extension for s in assignment.submissions if s.extension}
    return assignment.duedate, extensions


def private_gradebook(db: bytes, assignment_id: str, course_id: str, due: dt.datetime | None,
                      student_id: str | None = None, extension: dt.timedelta | None = None) -> bytes:
    """A job's SQLite gradebook copy (``db``) with the real due date, and the student's extension."""
    from nbgrader.api import Gradebook

    with tempfile.TemporaryDirectory(prefix="course-gradebook-") as tmp:
        path = Path(tmp) / "gradebook.db"
        path.write_bytes(db)
        with Gradebook(f"sqlite:///{path}", course_id) as gb:
            gb.update_or_create_assignment(assignment_id, duedate=due)
            if student_id and extension:
                gb.update_or_create_student(student_id)
                gb.update_or_create_submission(assignment_id, student_id, extension=extension)
        return path.read_bytes()


def grant_extension(gb: Any, assignment_id: str, student_id: str, until: dt.datetime | None,
                    config: Any) -> tuple[dt.datetime, dt.timedelta | None]:
    """Give ``student_id`` until ``until`` (naive UTC) for ``assignment_id``, or remove the
    extension (``until=None``); returns (due date, extension). A student not graded yet gets an
    empty submission row (nbgrader keeps extensions on submissions), flagged for nobody."""
    from nbgrader.api import MissingEntry

    try:
        assignment = gb.find_assignment(assignment_id)
    except MissingEntry:
        known = ", ".join(sorted(a.name for a in gb.assignments)) or "none"
        raise ValueError(f"no assignment {assignment_id!r} in the gradebook; known: {known}") from None
    if assignment.duedate is None:
        raise ValueError(f"{assignment_id} has no due date, so an extension means nothing; set one first: "
                         f"nbgrader db assignment add {assignment_id} --duedate=\"2026-12-01 17:00:00 UTC\"")
    if until is not None and until <= assignment.duedate:
        raise ValueError(f"--until {until} UTC is not after the due date {assignment.duedate} UTC of {assignment_id}")
    gb.update_or_create_student(student_id)
    try:
        gb.find_submission(assignment_id, student_id)
    except MissingEntry:
        # nbgrader builds the submission's notebook and grade rows before adding the submission to
        # the session; reading the assignment's notebooks meanwhile would autoflush, and SQLAlchemy
        # 2 warns (SAWarning) that the half-built rows are not in the session yet. Nothing is lost
        # (they are added and committed together); no_autoflush is SQLAlchemy's own way to build
        # such rows, so the flush waits for nbgrader's add and commit.
        with gb.db.no_autoflush:
            submission = gb.add_submission(assignment_id, student_id)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grade.needs_manual_grade = False
        gb.db.commit()
    minutes = (until - assignment.duedate).total_seconds() / 60 if until is not None else 0
    gb.grant_extension(assignment_id, student_id, minutes=minutes)
    apply_late_penalties(gb, assignment_id, student_id, config)
    return assignment.duedate, gb.find_submission(assignment_id, student_id).extension

