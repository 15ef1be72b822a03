"""Reading one student's submission folder: only the notebook is used.

Everything else in the folder (Python files, a ``course/`` folder, data, links) is listed in the
reason and never reaches the grading kernel, so nothing a student ships can be imported there.
Files are opened without following symbolic links and read only up to a size cap. A folder with
no notebook of the released name but exactly one other notebook is graded from that notebook,
with a note (a browser download renamed it ``ex03_conv_layer (1).ipynb``, say).
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

TIMESTAMP_FILE = "timestamp.txt"  # nbgrader's record of when the work was submitted
SECRET_FILE = "submission_secret.txt"  # nbgrader's per-submission secret (release_feedback's checksum)
RECORD_FILES = (TIMESTAMP_FILE, SECRET_FILE)  # carried into autograded/, so feedback/ has them
MAX_RECORD_BYTES = 1024
JUPYTER_FOLDERS = (".ipynb_checkpoints",)  # Jupyter's own autosaves: never the student's work, never listed
_MAX_LISTED = 5


@dataclass
class Submission:
    notebooks: dict[str, bytes] = field(default_factory=dict)  # released file name -> bytes
    timestamp: bytes | None = None
    records: dict[str, bytes] = field(default_factory=dict)  # RECORD_FILES found, as small printable text
    notes: list[str] = field(default_factory=list)  # about the folder, plain words (submission notes: the
    # CSV's reason and the student's feedback)
    too_large: dict[str, int] = field(default_factory=dict)  # released name -> size found
    folder_missing: bool = False


def fingerprint(sub: Submission) -> str:
    """SHA-256 of what the batch grades from a submission: each released notebook's name and
    bytes as read (a notebook over the size cap by its size; none when missing). A person's
    decision on a held run carries over to a later run only while this is unchanged
    (:func:`course.grading.results.decision_for_run`)."""
    h = hashlib.sha256(b"course-submission-v1\0")
    for name in sorted(set(sub.notebooks) | set(sub.too_large)):
        data = sub.notebooks.get(name)
        h.update(name.encode("utf-8") + b"\0")
        if data is None:
            h.update(f"too large: {sub.too_large[name]}".encode() + b"\0")
        else:
            h.update(len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


def list_students(submitted: Path) -> list[str]:
    return sorted(p.name for p in submitted.iterdir() if p.is_dir() and not p.name.startswith("."))


def read_regular(path: Path, limit: int) -> tuple[bytes | None, int]:
    """(bytes, size) of a regular file read without following a link; (None, size) when it is
    larger than ``limit``; raises ``OSError`` for a link or anything not a regular file."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError("not a regular file")
        if info.st_size > limit:
            return None, info.st_size
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:
            return None, total
        return b"".join(chunks), total
    finally:
        os.close(fd)


def read_submission(folder: Path, release_names: list[str], max_notebook_bytes: int) -> Submission:
    """The released notebooks found in ``folder`` (see the module docstring)."""
    sub = Submission()
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except (FileNotFoundError, NotADirectoryError):
        sub.folder_missing = True
        return sub
    others: list[str] = []
    spare: dict[str, bytes] = {}
    for entry in entries:
        name = entry.name
        path = Path(folder) / name
        if entry.is_symlink():
            others.append(f"{name} (a link, not followed)")
            continue
        if entry.is_dir(follow_symlinks=False):
            if name not in JUPYTER_FOLDERS:
                others.append(f"{name}/")
            continue
        if name in RECORD_FILES:
            data, _ = _safe_read(path, MAX_RECORD_BYTES)
            if name == TIMESTAMP_FILE:
                sub.timestamp = data if data is None or len(data) <= 256 else None
            if data is not None and is_record_text(data):
                sub.records[name] = data
            continue
        if name in release_names or name.endswith(".ipynb"):
            data, size = _safe_read(path, max_notebook_bytes)
            if data is None:
                if size > max_notebook_bytes and name in release_names:
                    sub.too_large[name] = size
                else:
                    others.append(name)
            elif name in release_names:
                sub.notebooks[name] = data
            else:
                spare[name] = data
            continue
        others.append(name)
    missing = [n for n in release_names if n not in sub.notebooks and n not in sub.too_large]
    if len(missing) == 1 and len(spare) == 1:
        (found, data), = spare.items()
        sub.notebooks[missing[0]] = data
        sub.notes.append(f"no {missing[0]} in the submission: graded {found} in its place")
        spare = {}
    others += sorted(spare)
    if others:
        shown = ", ".join(others[:_MAX_LISTED]) + (f" and {len(others) - _MAX_LISTED} more" if len(others) > _MAX_LISTED else "")
        sub.notes.append(f"only the notebook is graded; other files in the submission were ignored: {shown}")
    return sub


def is_record_text(data: bytes) -> bool:
    """True for what nbgrader writes in ``timestamp.txt`` / ``submission_secret.txt``: a short
    line of printable ASCII (a trailing newline allowed)."""
    text = data[:-1] if data.endswith(b"\n") else data
    return 0 < len(text) <= MAX_RECORD_BYTES and all(32 <= b < 127 for b in text)


def _safe_read(path: Path, limit: int) -> tuple[bytes | None, int]:
    try:
        return read_regular(path, limit)
    except OSError:
        return None, 0
