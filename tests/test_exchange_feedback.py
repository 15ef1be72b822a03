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


# --- the whole way back, with real uids --------------------------------------------------------
# release -> fetch -> submit (each student's own uid) -> collect -> `course autograde` (sandboxed)
# -> a comment given through nbgrader's Gradebook API, as the formgrader saves it -> `course
# feedback` -> release_feedback (NbGraderAPI: the formgrader's button) -> each student's
# fetch_feedback as their own uid (as JupyterLab's Assignments tab runs it); then a regrade of
# one student (`--student`), `course feedback --student` and release_feedback again.
import pytest  # noqa: E402

from classroom import Classroom  # noqa: E402
from deploy_helpers import ASSIGNMENT  # noqa: E402
from realusers import RealUsers, unavailable  # noqa: E402

# nbgrader 0.9.6's own API passes ``authentictor=`` (sic) to ExchangeReleaseFeedback
pytestmark = pytest.mark.filterwarnings("ignore:Passing unrecognized arguments:DeprecationWarning")

COMMENT = "Nice vectorised loop, alice; mind the flipped kernel in mode='same'."
ANSWER_CELL = "convolve1d"  # a solution cell of ex01


def _sandbox_problem() -> str | None:
    from course.grading.sandbox import sandbox_problem

    return sandbox_problem()


def _fetched_pages(room: Classroom, name: str) -> list:
    return sorted((room.users.home(name) / ASSIGNMENT / "feedback").glob("*/*.html"))


@pytest.fixture(scope="module")
def returned():
    if unavailable():
        pytest.skip(unavailable())
    if _sandbox_problem():
        pytest.skip(f"course autograde needs its sandbox: {_sandbox_problem()}")
    from nbgrader.api import Gradebook

    with RealUsers(["alice", "bob"]) as users:
        room = Classroom(users)
        room.release()
        room.session("alice", "fetch", ASSIGNMENT, "write", ASSIGNMENT, "submit", ASSIGNMENT, answer=room.solved())
        room.session("bob", "fetch", ASSIGNMENT, "submit", ASSIGNMENT)  # the untouched exercise
        room.instructor("collect", ASSIGNMENT)
        room.course("autograde", ASSIGNMENT, "--submitted", "submitted", "--jobs", "2", "--quiet")
        with Gradebook(f"sqlite:///{room.root}/gradebook.db", "convolutional-models") as gb:
            gb.find_comment(ANSWER_CELL, ASSIGNMENT, ASSIGNMENT, "alice").manual_comment = COMMENT
            gb.db.commit()
        room.course("feedback", ASSIGNMENT)
        room.release_feedback(ASSIGNMENT)  # raises when nbgrader's release_feedback fails
        fetched = {name: room.session(name, "feedback", ASSIGNMENT, check=False) for name in ("alice", "bob")}
        yield room, fetched


def test_autograde_carries_nbgrader_records_into_feedback(returned) -> None:
    room, _ = returned
    for name in ("alice", "bob"):
        submitted = room.submitted(name)
        for record in ("timestamp.txt", "submission_secret.txt"):
            for folder in ("autograded", "feedback"):
                copy = room.root / folder / name / ASSIGNMENT / record
                assert copy.read_bytes() == (submitted / record).read_bytes(), copy


def test_each_student_fetches_their_own_feedback_with_the_comment(returned) -> None:
    room, fetched = returned
    for name, proc in fetched.items():
        assert proc.returncode == 0, proc.stdout + proc.stderr
        pages = _fetched_pages(room, name)
        assert len(pages) == 1 and pages[0].name == f"{ASSIGNMENT}.html", pages
        assert pages[0].stat().st_uid == room.users.uids[name]
    alice, bob = (_fetched_pages(room, n)[0].read_text() for n in ("alice", "bob"))
    assert "mind the flipped kernel" in alice
    assert "mind the flipped kernel" not in bob
    assert alice != bob


def test_no_student_can_reach_anyone_elses_feedback(returned) -> None:
    room, _ = returned
    exchange_feedback = room.exchange / "convolutional-models" / "feedback"
    assert len(list(exchange_feedback.glob("*.html"))) == 2  # both were released
    peek = room.student_python("bob", "import os, sys; print(os.listdir(sys.argv[1]))", str(exchange_feedback),
                               check=False)
    assert peek.returncode != 0 and "PermissionError" in peek.stderr
    peek = room.student_python("bob", "import sys; print(open(sys.argv[1]).read())",
                               str(_fetched_pages(room, "alice")[0]), check=False)
    assert peek.returncode != 0 and "PermissionError" in peek.stderr
    # a released page's name is a hash of the submission's secret, which only alice's own cache
    # (her home, mode 700) and the grader's private folder hold
    secrets = list((room.users.home("alice") / ".local").glob("share/jupyter/nbgrader_cache/*/*/submission_secret.txt"))
    assert len(secrets) == 1
    peek = room.student_python("bob", "import sys; print(open(sys.argv[1]).read())", str(secrets[0]), check=False)
    assert peek.returncode != 0 and "PermissionError" in peek.stderr


def test_a_regrade_keeps_the_way_back_open(returned) -> None:
    room, _ = returned
    room.course("autograde", ASSIGNMENT, "--submitted", "submitted", "--student", "alice", "--quiet")
    for record in ("timestamp.txt", "submission_secret.txt"):
        assert (room.root / "autograded" / "alice" / ASSIGNMENT / record).is_file()
    room.course("feedback", ASSIGNMENT, "--student", "alice")
    room.release_feedback(ASSIGNMENT, "alice")  # raises when nbgrader's release_feedback fails
