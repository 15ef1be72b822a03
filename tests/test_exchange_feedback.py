"""Feedback reaches students (issue 16, "What to build" #2).

- The formgrader's comment on an answer reaches the feedback page: ``FeedbackPolicy`` stores
  ``cell.metadata.course_feedback`` as a copy, so the comment must be in it before it is stored.
- ``course autograde`` carries nbgrader's ``timestamp.txt`` and ``submission_secret.txt`` into
  ``autograded/<student>/<ID>/``, so ``generate_feedback`` puts them in ``feedback/`` and
  ``nbgrader release_feedback`` works (its checksum needs the secret): only those two named
  files, read without following links, small text only.

The whole way back with real uids (collect, autograde in the sandbox, a comment in the
formgrader, release_feedback, each student's fetch_feedback, a ``--student`` regrade released
again, no student reaching another's feedback or secret) is tests/test_class_week.py's.
"""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from course.grading.feedback import FeedbackPolicy


def _answer_cell(comment: str | None) -> nbformat.NotebookNode:
    cell = new_code_cell("def f(x):\n    return x\n")
    cell.metadata["nbgrader"] = {"grade_id": "answer-f", "solution": True, "grade": False, "locked": False,
                                 "schema_version": 3}
    if comment is not None:
        cell.metadata["nbgrader"]["comment"] = comment
    return cell


def test_formgrader_comment_reaches_the_feedback_metadata() -> None:
    nb = new_notebook(cells=[new_markdown_cell("intro"), _answer_cell("Nice use of slicing; mind the edges.")])
    resources = {"nbgrader": {"student": "alice", "assignment": "ex01", "notebook": "ex01"}}
    nb, _ = FeedbackPolicy().preprocess(nb, resources)
    assert nb.cells[1].metadata["course_feedback"]["comment"] == "Nice use of slicing; mind the edges."


def test_no_comment_key_without_a_comment() -> None:
    nb = new_notebook(cells=[_answer_cell(None)])
    nb, _ = FeedbackPolicy().preprocess(nb, {"nbgrader": {"student": "a", "assignment": "x", "notebook": "x"}})
    assert "comment" not in nb.cells[0].metadata["course_feedback"]


# --- the submission's nbgrader records: only the two named files, small text, never a link ----------
def _folder(tmp_path, **files: bytes):
    folder = tmp_path / "alice" / "ex01"
    folder.mkdir(parents=True)
    (folder / "ex01.ipynb").write_text("{}")
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def test_records_are_read_as_submitted(tmp_path) -> None:
    from course.grading.batch.submission import read_submission

    secret = b"ab12" * 32
    folder = _folder(tmp_path, **{"timestamp.txt": b"2026-12-05 10:00:00.000000 UTC",
                                  "submission_secret.txt": secret, "notes.txt": b"hello"})
    sub = read_submission(folder, ["ex01.ipynb"], 10_000)
    assert sub.records == {"timestamp.txt": b"2026-12-05 10:00:00.000000 UTC", "submission_secret.txt": secret}
    assert "notes.txt" in " ".join(sub.notes)  # any other file is still only listed


def test_records_refuse_links_binary_and_oversize(tmp_path) -> None:
    from course.grading.batch.submission import read_submission

    target = tmp_path / "elsewhere.txt"
    target.write_text("2026-12-05 10:00:00.000000 UTC")
    folder = _folder(tmp_path, **{"submission_secret.txt": b"\x00\xffbinary"})
    (folder / "timestamp.txt").symlink_to(target)
    sub = read_submission(folder, ["ex01.ipynb"], 10_000)
    assert sub.records == {} and sub.timestamp is None
    (folder / "timestamp.txt").unlink()
    (folder / "timestamp.txt").write_bytes(b"9" * 5000)
    (folder / "submission_secret.txt").write_bytes(b"")
    sub = read_submission(folder, ["ex01.ipynb"], 10_000)
    assert sub.records == {} and sub.timestamp is None
