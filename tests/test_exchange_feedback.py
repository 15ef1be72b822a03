"""Feedback reaches students (issue 16, "What to build" #2).

- The formgrader's comment on an answer reaches the feedback page: ``FeedbackPolicy`` stores
  ``cell.metadata.course_feedback`` as a copy, so the comment must be in it before it is stored.
- ``course autograde`` carries nbgrader's ``timestamp.txt`` and ``submission_secret.txt`` into
  ``autograded/<student>/<ID>/``, so ``generate_feedback`` puts them in ``feedback/`` and
  ``nbgrader release_feedback`` works (its checksum needs the secret): after a whole-class run and
  after a regrade with ``--student``. Only those two named files, read without following links,
  small text only.
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
