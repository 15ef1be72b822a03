"""Status and reason of each submission from the latest run that graded it: a small JSON sidecar
next to the gradebook (nbgrader's schema has no column for them; the scores stay in the gradebook).

``gradebook.db`` -> ``gradebook.status.json`` beside it; for a server database (PostgreSQL) the
file is ``gradebook.status.json`` in the course folder. Only the instructor's process writes it,
atomically (a temporary file renamed over the old one). Layout::

    {"version": 1, "assignments": {"ex01_convolution_1d": {"alice": {"status": "ok",
        "reason": "...", "graded_at": "2026-11-25T14:30:00+00:00"}}}}

``reason`` is the run's reason without the "N points wait for manual grading" part: that part is
recomputed from the gradebook whenever a CSV is written, so a hand grade given later shows.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path
from typing import Any

VERSION = 1
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
            return {"version": VERSION, "assignments": {}}
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"{self.path} is not a readable status file ({exc}); it holds each submission's "
                             "status and reason; move it away and re-run `course autograde` to rebuild it") from exc
        if not isinstance(data, dict) or not isinstance(data.get("assignments"), dict):
            raise ValueError(f"{self.path} has no 'assignments' table: expected a file written by course autograde")
        return data

    def get(self, assignment_id: str, student_id: str) -> dict[str, Any] | None:
        entry = self._data["assignments"].get(assignment_id, {}).get(student_id)
        return dict(entry) if isinstance(entry, dict) else None

    def students(self, assignment_id: str) -> list[str]:
        return sorted(self._data["assignments"].get(assignment_id, {}))

    def set(self, assignment_id: str, student_id: str, status: str, reason: str) -> None:
        table = self._data["assignments"].setdefault(assignment_id, {})
        table[student_id] = {"status": status, "reason": reason,
                             "graded_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
        self.save()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self._data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        fd, tmp = tempfile.mkstemp(prefix=self.path.name + ".", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
