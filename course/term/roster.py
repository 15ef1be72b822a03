"""``course students import roster.csv``: the class list into nbgrader's student table
(``Gradebook.update_or_create_student``), so the formgrader shows names instead of "None, None".

The roster is a CSV (cells separated by ``,``, ``;`` or tabs, UTF-8) with a header row naming, in any order and case: the student id (the login
the student submits under), first name, last name, email, and optionally the LMS id (Canvas's
user id, exported as ``ID`` by ``course grades --format canvas``). Other columns are ignored.
Importing again updates the students in place (an empty cell keeps what the gradebook knows);
students missing from the roster are kept.

Canvas's own gradebook export (Grades, Export; and what ``course grades --format canvas`` writes)
is read as a roster too: ``Student`` ("Last, First"), ``ID`` (the Canvas user id, kept as the
LMS id), ``SIS User ID`` (the student id; ``SIS Login ID`` when it is empty) and ``SIS Login ID``
(the email when it holds one); the ``Points Possible`` row and Canvas's "Test Student" are skipped.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from course.gradebook.students import ID_RULE, STUDENT_ID_RE

COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "student id", "username", "login"),
    "first_name": ("first name", "firstname", "given name"),
    "last_name": ("last name", "lastname", "family name", "surname"),
    "email": ("email", "e mail", "email address"),
    "lms_user_id": ("lms id", "lms user id", "canvas id", "canvas user id"),
}
"""Gradebook field -> header names accepted for it (compared lower-case, ``_``/``-`` as spaces)."""

OPTIONAL = ("lms_user_id",)


def _norm(name: str) -> str:
    return " ".join(re.sub(r"[_\-]+", " ", name.strip().lower()).split())


def _columns(header: list[str], path: Path) -> dict[str, int]:
    """Gradebook field -> column index, from the header row."""
    found: dict[str, int] = {}
    normed = [_norm(h) for h in header]
    for field, names in COLUMNS.items():
        hits = [i for i, h in enumerate(normed) if h in names]
        if len(hits) > 1:
            raise ValueError(f"{path}: several columns mean {field.replace('_', ' ')}: "
                             + ", ".join(repr(header[i]) for i in hits))
        if hits:
            found[field] = hits[0]
        elif field not in OPTIONAL:
            raise ValueError(f"{path}: no column for the {field.replace('_', ' ')}; the header is "
                             f"{', '.join(repr(h) for h in header) or '(empty)'}; accepted names: {', '.join(names)}")
    return found


CANVAS_HEADER = ("student", "id", "sis user id", "sis login id")
CANVAS_SKIP = ("points possible", "student, test", "test student")


def _is_canvas(header: list[str]) -> bool:
    return all(h in [_norm(x) for x in header] for h in CANVAS_HEADER)


def _canvas_student(header: list[str], cells: list[str]) -> dict[str, Any] | None:
    """Gradebook fields of one row of a Canvas gradebook export (None for rows to skip)."""
    at = {_norm(h): i for i, h in enumerate(header)}
    cell = lambda name: (cells[at[name]].strip() if at[name] < len(cells) else "")  # noqa: E731
    name = cell("student")
    if name.lower() in CANVAS_SKIP or not name:
        return None
    last, _, first = name.partition(",")
    login = cell("sis login id")
    return {"id": cell("sis user id") or login or None, "first_name": first.strip() or None,
            "last_name": last.strip() or None, "email": login if "@" in login else None,
            "lms_user_id": cell("id") or None}


def read_roster(path: str | Path) -> list[dict[str, Any]]:
    """The roster's students as gradebook fields (empty cells become ``None``)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no roster file {path}")
    try:
        text = path.read_text("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start}); save the roster as "
                         "CSV UTF-8") from None
    first = text.splitlines()[0] if text.strip() else ""
    # a spreadsheet in some locales writes ';' (or a tab) between cells
    delimiter = max(",;\t", key=first.count) if first else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, [])
    canvas = _is_canvas(header)
    cols = {} if canvas else _columns(header, path)
    students: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if canvas:
            student = _canvas_student(header, cells)
            if student is None:
                continue
        else:
            student = {f: (cells[i].strip() or None) if i < len(cells) else None for f, i in cols.items()}
        sid = student["id"] or ""
        if not STUDENT_ID_RE.match(sid):
            raise ValueError(f"{path}, line {line}: {sid!r} is not a student id ({ID_RULE})")
        if sid in seen:
            raise ValueError(f"{path}, line {line}: student {sid} is already on line {seen[sid]}")
        seen[sid] = line
        students.append(student)
    return students


def import_roster(gb: Any, students: list[dict[str, Any]]) -> tuple[int, int]:
    """Create or update each student; returns (new, updated)."""
    from nbgrader.api import MissingEntry

    new = updated = 0
    for student in students:
        fields = {k: v for k, v in student.items() if k != "id" and v is not None}  # empty keeps what is known
        try:
            gb.find_student(student["id"])
            updated += 1
        except MissingEntry:
            new += 1
        gb.update_or_create_student(student["id"], **fields)
    return new, updated
