"""``course.grading.batch.merge`` on a real nbgrader gradebook, without running a kernel: a job's
result (:class:`JobResult`) merged the way ``course autograde`` merges it, in the style of
nbgrader's own preprocessor tests (cells made with ``nbgrader.tests``' helpers, the gradebook
filled by nbgrader's ``SaveCells``).

- a hand grade is kept across a regrade, and flagged again only when its answer changed;
- a link planted where the autograded notebook goes is removed, never followed;
- ``review`` holds every grade for a person; ``error`` zeroes the automatic scores;
- notes travel as data: the student's submission notes into the notebook's metadata, every
  note into the status file, rendered once into the CSV's reason.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from nbgrader.api import Gradebook
from traitlets.config import Config

from merge_helpers import AID, NB, assignment_notebook, template_gradebook

from course.gradebook.grades import class_rows
from course.gradebook.records import StatusRecords
from course.grading.batch.job import JobResult
from course.grading.batch.merge import MergeContext, merge_outcome, merge_safely
from course.grading.results import (NoteKind, Status, display_note, grader_note, no_notebook_note, run_note,
                                    submission_note)

SID = "alice"


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A gradebook with the assignment's cells (nbgrader's SaveCells), made once."""
    return template_gradebook(tmp_path_factory.mktemp("merge-template"))


@pytest.fixture
def course_dir(template_db: bytes, tmp_path: Path) -> Path:
    """A fresh copy of the gradebook for one test."""
    (tmp_path / "gradebook.db").write_bytes(template_db)
    return tmp_path


def _ctx(root: Path) -> MergeContext:
    cfg = Config()
    cfg.AssignLatePenalties.plugin_class = "course.gradebook.lateness.CourseLatePolicy"
    return MergeContext(root / "autograded", StatusRecords(root / "gradebook.status.json"), cfg)


def _result(status: Status = Status.OK, notes: list | None = None, test_score: float = 2.0,
            files: dict[str, bytes] | None = None) -> JobResult:
    grades = [{"notebook": NB, "cell": "test-f", "auto_score": test_score, "max_score": 2.0, "needs_manual_grade": False},
              {"notebook": NB, "cell": "answer-why", "auto_score": None, "max_score": 3.0, "needs_manual_grade": True}]
    files = {f"{NB}.ipynb": assignment_notebook()} if files is None else files
    return JobResult(SID, AID, status, list(notes or []), 0.0, 5.0, grades, [], None, files)


def _merge(root: Path, result: JobResult) -> None:
    with Gradebook(f"sqlite:///{root}/gradebook.db") as gb:
        merge_outcome(gb, result, _ctx(root))


def _grade(root: Path, cell: str) -> tuple[float | None, float | None, bool]:
    with Gradebook(f"sqlite:///{root}/gradebook.db") as gb:
        g = gb.find_grade(cell, NB, AID, SID)
        return g.auto_score, g.manual_score, bool(g.needs_manual_grade)


def _hand_grade(root: Path, cell: str, points: float) -> None:
    with Gradebook(f"sqlite:///{root}/gradebook.db") as gb:
        g = gb.find_grade(cell, NB, AID, SID)
        g.manual_score, g.needs_manual_grade = points, False  # what the formgrader does
        gb.db.commit()


def _row(root: Path) -> dict[str, str]:
    with Gradebook(f"sqlite:///{root}/gradebook.db") as gb:
        (row,) = class_rows(gb, AID, StatusRecords(root / "gradebook.status.json"))
    return row


def test_first_merge_leaves_the_written_answer_to_a_person(course_dir: Path) -> None:
    _merge(course_dir, _result())
    assert _grade(course_dir, "test-f") == (2.0, None, False)
    assert _grade(course_dir, "answer-why") == (None, None, True)
    row = _row(course_dir)
    assert (row["score"], row["status"]) == ("2", "ok")
    assert row["reason"] == "all tests passed; 3 points wait for manual grading (answer-why)"


def test_a_hand_grade_survives_a_regrade_of_the_same_answer(course_dir: Path) -> None:
    _merge(course_dir, _result())
    _hand_grade(course_dir, "answer-why", 2.5)
    _merge(course_dir, _result(test_score=0.0))  # the regrade's automatic score changes; the answer does not
    assert _grade(course_dir, "answer-why") == (None, 2.5, False)
    assert _grade(course_dir, "test-f") == (0.0, None, False)
    assert _row(course_dir)["score"] == "2.5"


def test_a_changed_answer_is_flagged_again_and_keeps_its_grade(course_dir: Path) -> None:
    _merge(course_dir, _result())
    _hand_grade(course_dir, "answer-why", 2.5)
    changed = {f"{NB}.ipynb": assignment_notebook(written="Because the kernel slides.")}
    _merge(course_dir, _result(files=changed))
    assert _grade(course_dir, "answer-why") == (None, 2.5, True)


def test_a_link_planted_in_autograded_is_removed_not_followed(course_dir: Path) -> None:
    victim = course_dir / "elsewhere"
    victim.mkdir()
    (victim / "keep.txt").write_text("mine")
    (course_dir / "autograded" / SID).mkdir(parents=True)
    (course_dir / "autograded" / SID / AID).symlink_to(victim, target_is_directory=True)
    _merge(course_dir, _result())
    folder = course_dir / "autograded" / SID / AID
    assert not folder.is_symlink() and (folder / f"{NB}.ipynb").is_file()
    assert sorted(p.name for p in victim.iterdir()) == ["keep.txt"] and (victim / "keep.txt").read_text() == "mine"


def test_review_holds_every_grade_for_a_person(course_dir: Path) -> None:
    _merge(course_dir, _result(Status.REVIEW, [run_note("needs a person to look: the guard changed")], test_score=0))
    assert _grade(course_dir, "test-f") == (0.0, None, True)
    assert _grade(course_dir, "answer-why") == (0, None, True)
    row = _row(course_dir)
    assert row["status"] == "review" and row["reason"] == "needs a person to look: the guard changed"


def test_error_zeroes_what_the_grader_could_not_vouch_for(course_dir: Path) -> None:
    _merge(course_dir, _result(Status.ERROR, [grader_note("the grader failed")], test_score=2.0))
    assert _grade(course_dir, "test-f") == (0, None, True)
    assert _row(course_dir)["score"] == "0"


def test_notes_travel_as_data(course_dir: Path) -> None:
    notes = [submission_note("no ps1.ipynb in the submission: graded ps1 (1).ipynb in its place"),
             run_note("1 of 1 tests failed (first, test-f: wrong)")]
    _merge(course_dir, _result(notes=notes, test_score=0.0))
    nb = json.loads((course_dir / "autograded" / SID / AID / f"{NB}.ipynb").read_text())
    # the student's feedback gets the submission note only, as a list, not a reason to parse
    assert nb["metadata"]["course_grading"]["submission_notes"] == [notes[0].text]
    stored = json.loads((course_dir / "gradebook.status.json").read_text())["assignments"][AID][SID]
    assert stored["notes"] == [{"kind": NoteKind.SUBMISSION.value, "text": notes[0].text},
                               {"kind": NoteKind.RUN.value, "text": notes[1].text}]
    assert _row(course_dir)["reason"] == (f"{notes[0].text}; {notes[1].text}; "
                                          "3 points wait for manual grading (answer-why)")


def test_missing_work_leads_with_what_counts(course_dir: Path) -> None:
    """The 25-student term: a missing student's reason led with the ignored file, then listed the
    release's six failed tests and a stand-in's display note, and the 90-character summary line
    showed only the ignored file. What counts leads; the release's failures are not the student's."""
    missing = no_notebook_note("ps1.ipynb was not submitted: graded as the untouched exercise")
    ignored = submission_note("only the notebook is graded; other files in the submission were ignored: notes.txt")
    figure = display_note("course.plotting draws nothing while grading: figures are not redrawn")
    result = _result(Status.MISSING, [ignored, missing, run_note("1 of 1 tests failed (first, test-f: raised "
                                                                 "NotImplementedError)"), figure], test_score=0.0)
    result.grades[1].update(auto_score=0.0, needs_manual_grade=False)  # nbgrader's 0 for the released answer
    _merge(course_dir, result)
    assert _row(course_dir)["reason"] == f"{missing.text}; {ignored.text}"
    nb = json.loads((course_dir / "autograded" / SID / AID / f"{NB}.ipynb").read_text())
    # the student's feedback: what counts first; the release's figure note is not about their work
    assert nb["metadata"]["course_grading"]["submission_notes"] == [missing.text, ignored.text]
    unreadable = no_notebook_note("the notebook is not valid JSON (Expecting value): graded as the untouched exercise")
    result = _result(Status.INVALID, [unreadable, run_note("1 of 1 tests failed (first, test-f: wrong)"),
                                      grader_note("graded without the sandbox")], test_score=0.0)
    result.grades[1].update(auto_score=0.0, needs_manual_grade=False)
    _merge(course_dir, result)
    assert _row(course_dir)["reason"] == f"{unreadable.text}; graded without the sandbox"


def test_a_failed_merge_is_an_error_row_and_the_batch_goes_on(course_dir: Path) -> None:
    result = _result()
    result.timestamp = "not a time"
    with Gradebook(f"sqlite:///{course_dir}/gradebook.db") as gb:
        merge_safely(gb, result, _ctx(course_dir))
    assert result.status == Status.ERROR and "could not save the grades (ValueError" in result.notes[0].text
    record = StatusRecords(course_dir / "gradebook.status.json").get(AID, SID)
    assert record.status == Status.ERROR and record.notes == tuple(result.notes)


def test_a_stand_in_note_reaches_the_feedback_and_is_no_failure(course_dir: Path) -> None:
    """A display note tells the student why a figure is absent from their feedback; in the
    instructor's reason it was noise true of every submission (the 25-student term: every ex04
    reason read "all tests passed; course.plotting draws nothing ...; matplotlib draws nothing ...",
    failed tests and the late penalty pushed to the end)."""
    note = display_note("figures are not redrawn while grading (matplotlib is a stand-in)")
    _merge(course_dir, _result(notes=[note]))
    nb = json.loads((course_dir / "autograded" / SID / AID / f"{NB}.ipynb").read_text())
    assert nb["metadata"]["course_grading"]["submission_notes"] == [note.text]
    assert _row(course_dir)["reason"] == "all tests passed; 3 points wait for manual grading (answer-why)"
    failed = run_note("1 of 1 tests failed (first, test-f: wrong)")
    _merge(course_dir, _result(notes=[note, failed], test_score=0.0))
    assert _row(course_dir)["reason"] == f"{failed.text}; 3 points wait for manual grading (answer-why)"


def test_a_person_settles_a_review_and_the_written_answer_still_waits(course_dir: Path) -> None:
    """Issue 18 #8: ``course settle --accept`` lifts the hold on the tests, keeps the written
    answer flagged for its hand grade, and records who decided, when and why."""
    from course.gradebook.settle import settle

    _merge(course_dir, _result(Status.REVIEW, [run_note("needs a person to look: the guard changed")], test_score=2))
    records = StatusRecords(course_dir / "gradebook.status.json")
    with Gradebook(f"sqlite:///{course_dir}/gradebook.db") as gb:
        with pytest.raises(ValueError, match="needs who decided"):
            settle(gb, records, AID, SID, "accept", " ", "looked", _ctx(course_dir).config)
        with pytest.raises(ValueError, match="allowed: accept, override"):
            settle(gb, records, AID, SID, "forgive", "me", "looked", _ctx(course_dir).config)
        record = settle(gb, records, AID, SID, "accept", "Dr Lee", "the threads are honest", _ctx(course_dir).config)
    assert record.status == Status.SETTLED and record.decision.by == "Dr Lee"
    assert _grade(course_dir, "test-f") == (2.0, None, False)
    assert _grade(course_dir, "answer-why") == (0, None, True)  # still waits for its hand grade
    row = _row(course_dir)
    assert row["status"] == "settled" and row["score"] == "2"
    assert re.search(r"review settled by Dr Lee on \d{4}-\d\d-\d\d \(scores accepted\): the threads are honest$",
                     row["reason"]), row
    history = StatusRecords(course_dir / "gradebook.status.json").decisions(AID, SID)
    assert [(d["by"], d["action"], d["was"]) for d in history] == [("Dr Lee", "accept", "review")]
    with Gradebook(f"sqlite:///{course_dir}/gradebook.db") as gb:
        with pytest.raises(ValueError, match="nothing to settle"):
            settle(gb, records, AID, SID, "accept", "Dr Lee", "again", _ctx(course_dir).config)


def test_an_override_spreads_the_total_over_the_grades(course_dir: Path) -> None:
    from course.gradebook.settle import settle

    _merge(course_dir, _result(Status.TAMPERED, [run_note("the notebook changes the grading machinery")], test_score=0))
    records = StatusRecords(course_dir / "gradebook.status.json")
    with Gradebook(f"sqlite:///{course_dir}/gradebook.db") as gb:
        with pytest.raises(ValueError, match="outside 0 to 5"):
            settle(gb, records, AID, SID, "override", "Dr Lee", "x", _ctx(course_dir).config, score=7)
        settle(gb, records, AID, SID, "override", "Dr Lee", "correlate is right", _ctx(course_dir).config, score=3)
    assert _grade(course_dir, "test-f")[1:] == (1.2, False) and _grade(course_dir, "answer-why")[1:] == (1.8, False)
    assert _row(course_dir)["score"] == "3"
