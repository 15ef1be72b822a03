"""Status and notes of each submission from the latest run that graded it, and a person's
decision on it: a small JSON sidecar next to the gradebook (nbgrader's schema has no column for
them; the scores stay in the gradebook). The values are :class:`course.grading.results.RunRecord`.

``gradebook.db`` -> ``gradebook.status.json`` beside it; for a server database (PostgreSQL) the
file is ``gradebook.status.json`` in the course folder. Only the instructor's process writes it,
atomically (a temporary file renamed over the old one). Layout::

    {"version": 2, "assignments": {"ex01_convolution_1d": {"alice": {"status": "settled",
        "notes": [{"kind": "run", "text": "..."}], "graded_at": "2026-11-25T14:30:00+00:00",
        "fingerprint": "<sha256 of the submitted notebooks>",
        "decision": {"by": "...", "at": "...", "action": "accept", "why": "...", "was": "review",
                     "score": null, "fingerprint": "<the submission decided on>", "carried_to": ""}}}},
     "decisions": [...every decision ever recorded, with assignment and student...]}

A run that replaces a decided one keeps the decision when it graded the same submission and holds it
again with the status the person settled (``carried_to`` says when), else records it as ``"lapsed": {"decision": {...},
"lapse": "changed" | "unknown" | "not-held" | "other-status" | "not-saved"}`` (see
:func:`course.grading.results.decision_for_run`).

Notes are data; the CSV's reason is rendered from them (:func:`course.grading.results.render_reason`)
with what the gradebook says now (manual grading waiting, the late penalty), so a hand grade
given later shows. A version-1 file (one ``reason`` string per run) is still read.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from course.grading.results import Decision, LapsedDecision, Note, RunRecord, Status, now_iso

VERSION = 2
SUFFIX = ".status.json"
DEFAULT_NAME = "gradebook" + SUFFIX


def records_path(db_url: str, root: str | os.PathLike[str]) -> Path:
    """Where the sidecar of the gradebook at ``db_url`` lives (see the module docstring)."""
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    database = url.database or ""
    if url.get_backend_name() == "sqlite" and database and database != ":memory:":
        path = Path(database)
        if not path.is_absolute():
            path = Path(root) / path
        return path.with_name(path.stem + SUFFIX)
    return Path(root) / DEFAULT_NAME


class StatusRecords:
    """The sidecar, loaded once; :meth:`set` saves at once."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._data = self._load()

    @classmethod
    def for_gradebook(cls, db_url: str, root: str | os.PathLike[str]) -> StatusRecords:
        return cls(records_path(db_url, root))

    def _load(self) -> dict[str, Any]:
        if not self.path.exists():
            return {"version": VERSION, "assignments": {}, "decisions": []}
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"{self.path} is not a readable status file ({exc}); it holds each submission's "
                             "status and reason; move it away and re-run `course autograde` to rebuild it") from exc
        if not isinstance(data, dict) or not isinstance(data.get("assignments"), dict):
            raise ValueError(f"{self.path} has no 'assignments' table: expected a file written by course autograde")
        data.setdefault("decisions", [])
        return data

    def get(self, assignment_id: str, student_id: str) -> RunRecord | None:
        entry = self._data["assignments"].get(assignment_id, {}).get(student_id)
        if not isinstance(entry, dict):
            return None
        try:
            return RunRecord.from_json(entry)
        except (KeyError, ValueError, TypeError) as exc:
            raise ValueError(f"{self.path}: the record of {student_id} for {assignment_id} is damaged ({exc}); "
                             f"re-run course autograde {assignment_id} --student {student_id}") from None

    def students(self, assignment_id: str) -> list[str]:
        return sorted(self._data["assignments"].get(assignment_id, {}))

    def set(self, assignment_id: str, student_id: str, status: Status, notes: Iterable[Note], fingerprint: str = "",
            decision: Decision | LapsedDecision | None = None) -> RunRecord:
        """Record a run (it replaces the last one). ``decision`` is what became of a person's
        decision on an earlier run (:func:`course.grading.results.decision_for_run`): a
        :class:`Decision` re-applied to this run (the run is then ``settled``, the decision keeps
        its who, when and why and says it was carried over to this run), or a
        :class:`LapsedDecision` the reason explains."""
        graded_at = now_iso()
        if isinstance(decision, Decision):
            record = RunRecord(Status.SETTLED, tuple(notes), graded_at, replace(decision, carried_to=graded_at),
                               fingerprint)
        else:
            record = RunRecord(Status(status), tuple(notes), graded_at, None, fingerprint, decision)
        self._data["assignments"].setdefault(assignment_id, {})[student_id] = record.to_json()
        self.save()
        return record

    def previous(self, assignment_id: str, student_id: str) -> RunRecord | None:
        """:meth:`get`, with a damaged record read as none (the new run replaces it; the
        decisions ever made stay in :meth:`decisions`)."""
        try:
            return self.get(assignment_id, student_id)
        except ValueError:
            return None

    def decide(self, assignment_id: str, student_id: str, decision: Decision) -> RunRecord:
        """Record a person's decision on the latest run (kept in the history too)."""
        record = self.get(assignment_id, student_id)
        if record is None:
            raise ValueError(f"no run of {assignment_id} for {student_id} on record: grade it first "
                             f"(course autograde {assignment_id} --student {student_id})")
        settled = replace(record, status=Status.SETTLED, decision=decision, lapsed=None)
        self._data["assignments"][assignment_id][student_id] = settled.to_json()
        self._data["decisions"].append({"assignment": assignment_id, "student": student_id, **decision.to_json()})
        self.save()
        return settled

    def decisions(self, assignment_id: str | None = None, student_id: str | None = None) -> list[dict[str, Any]]:
        """Every decision recorded, oldest first (optionally one assignment's or one student's)."""
        return [dict(d) for d in self._data["decisions"]
                if (assignment_id is None or d.get("assignment") == assignment_id)
                and (student_id is None or d.get("student") == student_id)]

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._data["version"] = VERSION
        text = json.dumps(self._data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        fd, tmp = tempfile.mkstemp(prefix=self.path.name + ".", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
