"""Feedback out without nbgrader's exchange: on one machine, or with an LMS.

- ``course feedback-bundle ID``: ``feedback_bundles/<ID>/<student>.zip`` per student (their
  feedback pages), and ``feedback_bundles/<ID>/canvas_<ID>.zip`` for Canvas's "Re-Upload
  Submissions" (Gradebook, the assignment's menu): one file per student named the way Canvas names
  the files of "Download Submissions", ``<lastfirst>_<Canvas user id>_<file>``, so Canvas attaches
  each page to its student (the Canvas user id is the roster's LMS id). Students without an LMS
  id are listed, not guessed.
- ``course feedback-mail ID``: one message per student with an email in the roster, written as
  ``outbox/<ID>/<student>.eml`` (the feedback pages attached). Nothing is sent: open the files in
  a mail client, or hand the folder to the university's mailer; that is the whole dry run.

Only pages ``course feedback`` already made are used (``feedback/<student>/<ID>/*.html``), read
without following links, and only for students the gradebook knows.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

MAX_PAGE_BYTES = 50_000_000


@dataclass
class Bundle:
    written: list[Path] = field(default_factory=list)
    without_feedback: list[str] = field(default_factory=list)  # students with no page yet
    without_lms_id: list[str] = field(default_factory=list)  # left out of the Canvas zip
    without_email: list[str] = field(default_factory=list)  # no message written


def pages(root: Path, student_id: str, assignment_id: str) -> list[Path]:
    """The student's feedback pages: regular files, links not followed."""
    folder = root / "feedback" / student_id / assignment_id
    if not folder.is_dir() or folder.is_symlink() or (root / "feedback" / student_id).is_symlink():
        return []
    return [p for p in sorted(folder.glob("*.html"))
            if p.is_file() and not p.is_symlink() and p.stat().st_size <= MAX_PAGE_BYTES]


def canvas_slug(student: Any) -> str:
    """Canvas's file-name form of a name: last and first name, lower case, letters only."""
    text = f"{student.last_name or ''}{student.first_name or ''}" or student.id
    return re.sub(r"[^a-z0-9]", "", text.lower()) or "student"


def _students(gb: Any, only: str | None) -> list[Any]:
    return sorted((s for s in gb.students if only is None or s.id == only), key=lambda s: s.id)


def write_bundles(gb: Any, root: Path, assignment_id: str, out: Path, only: str | None = None) -> Bundle:
    out.mkdir(parents=True, exist_ok=True)
    result = Bundle()
    canvas = out / f"canvas_{assignment_id}.zip"
    with zipfile.ZipFile(canvas, "w", zipfile.ZIP_DEFLATED) as lms:
        for student in _students(gb, only):
            found = pages(root, student.id, assignment_id)
            if not found:
                result.without_feedback.append(student.id)
                continue
            target = out / f"{student.id}.zip"
            with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as own:
                for page in found:
                    own.write(page, f"{assignment_id}/{page.name}")
            result.written.append(target)
            if not student.lms_user_id:
                result.without_lms_id.append(student.id)
                continue
            for page in found:
                lms.write(page, f"{canvas_slug(student)}_{student.lms_user_id}_{assignment_id}_{page.name}")
    result.written.append(canvas)
    return result


def message(student: Any, assignment_id: str, found: list[Path], sender: str, course_name: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = student.email
    msg["Subject"] = f"{course_name}: feedback on {assignment_id}"
    name = student.first_name or student.id
    msg.set_content(f"Hello {name},\n\nyour feedback on {assignment_id} is attached: open the HTML file in a "
                    "web browser. Reply to this message if something in it looks wrong.\n")
    for page in found:
        msg.add_attachment(page.read_bytes(), maintype="text", subtype="html", filename=page.name)
    return msg


def write_outbox(gb: Any, root: Path, assignment_id: str, out: Path, sender: str, course_name: str,
                 only: str | None = None) -> Bundle:
    out.mkdir(parents=True, exist_ok=True)
    result = Bundle()
    for student in _students(gb, only):
        found = pages(root, student.id, assignment_id)
        if not found:
            result.without_feedback.append(student.id)
        elif not student.email:
            result.without_email.append(student.id)
        else:
            target = out / f"{student.id}.eml"
            target.write_bytes(bytes(message(student, assignment_id, found, sender, course_name)))
            result.written.append(target)
    return result
