"""A person's decision on a held submission (``course settle``) and the next ``course autograde``
of that student (issue 18 #8), on a real nbgrader gradebook and the real status file, without a
kernel: each run is a job's result (:class:`JobResult`) merged the way the batch merges it.

- the same submission, held again (a whole-class rerun): the decision is re-applied and the row
  stays ``settled``, with the original who, when and why, and says it was carried over;
- a different submission: the decision is not carried; the row is held again on the run's own
  figures, and every view says an earlier decision was for a different submission;
- the same submission now graded ``ok`` (a check fixed): the run's figure stands, and the reason
  says the earlier decision no longer applies;
- the same submission held for another reason (``error``: the grader failed): not carried, it
  waits for a person, and comes back when a later run holds it as the person saw it;
- a decision recorded before fingerprints: not carried, and said so.
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
from course.gradebook.settle import settle
from course.grading.batch.job import JobResult
from course.grading.batch.merge import MergeContext, merge_outcome, merge_safely
from course.grading.batch.submission import Submission, fingerprint
from course.grading.results import Status, run_note
from course.term.exports import long_table
from course.term.student import student_view

SID = "frank"
DATE = r"\d{4}-\d\d-\d\d"
SUBMITTED = fingerprint(Submission(notebooks={f"{NB}.ipynb": b'{"cells": []}'}))
RESUBMITTED = fingerprint(Submission(notebooks={f"{NB}.ipynb": b'{"cells": [], "x": 1}'}))


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A gradebook with the assignment's cells (nbgrader's SaveCells), made once."""
    return template_gradebook(tmp_path_factory.mktemp("settle-template"))


@pytest.fixture
def root(template_db: bytes, tmp_path: Path) -> Path:
    (tmp_path / "gradebook.db").write_bytes(template_db)
    return tmp_path


def _config() -> Config:
    cfg = Config()
    cfg.AssignLatePenalties.plugin_class = "course.gradebook.lateness.CourseLatePolicy"
    return cfg


def _records(root: Path) -> StatusRecords:
    return StatusRecords(root / "gradebook.status.json")


def _run(root: Path, status: Status, submission: str, test_score: float = 0.0, safely: bool = False,
         timestamp: str | None = None) -> None:
    """Merge one run of frank's submission (``submission``: its fingerprint)."""
    grades = [{"notebook": NB, "cell": "test-f", "auto_score": test_score, "max_score": 2.0, "needs_manual_grade": False},
              {"notebook": NB, "cell": "answer-why", "auto_score": None, "max_score": 3.0, "needs_manual_grade": True}]
    notes = [] if status == Status.OK else [run_note(f"the run says {status.value}")]
    result = JobResult(SID, AID, status, notes, 0.0, 5.0, grades, [], timestamp, {f"{NB}.ipynb": assignment_notebook()})
    result.fingerprint = submission  # what the batch sets from the submission it read
    ctx = MergeContext(root / "autograded", _records(root), _config())
    with Gradebook(f"sqlite:///{root}/gradebook.db") as gb:
        (merge_safely if safely else merge_outcome)(gb, result, ctx)


def _settle(root: Path, action: str, why: str, score: float | None = None, by: str = "Dr Lee") -> None:
    with Gradebook(f"sqlite:///{root}/gradebook.db") as gb:
        settle(gb, _records(root), AID, SID, action, by, why, _config(), score)


def _row(root: Path) -> dict[str, str]:
    with Gradebook(f"sqlite:///{root}/gradebook.db") as gb:
        (row,) = class_rows(gb, AID, _records(root))
    return row


def _decision_column(root: Path) -> str:
    with Gradebook(f"sqlite:///{root}/gradebook.db") as gb:
        columns, rows = long_table(gb, records=_records(root))
    (row,) = rows
    return row[columns.index("decision")]


def _grade(root: Path, cell: str) -> tuple[float | None, float | None, bool]:
    with Gradebook(f"sqlite:///{root}/gradebook.db") as gb:
        g = gb.find_grade(cell, NB, AID, SID)
        return g.auto_score, g.manual_score, bool(g.needs_manual_grade)


def test_the_fingerprint_is_of_the_notebooks_read() -> None:
    same = fingerprint(Submission(notebooks={f"{NB}.ipynb": b'{"cells": []}'}, notes=["other files ignored"]))
    assert same == SUBMITTED and RESUBMITTED != SUBMITTED
    renamed = fingerprint(Submission(notebooks={"other.ipynb": b'{"cells": []}'}))
    too_large = fingerprint(Submission(too_large={f"{NB}.ipynb": 30_000_000}))
    assert len({SUBMITTED, renamed, too_large, fingerprint(Submission())}) == 4


def test_the_same_submission_held_again_keeps_the_decision(root: Path) -> None:
    """A whole-class rerun graded frank's unchanged notebook ``tampered`` again: the score a
    person gave stands and the row stays ``settled``, with the original who, when and why."""
    _run(root, Status.TAMPERED, SUBMITTED)
    _settle(root, "override", "zeros for convolve1d; correlate1d by hand is right", score=3)
    settled_at = _records(root).get(AID, SID).decision.at
    _run(root, Status.TAMPERED, SUBMITTED)
    record = _records(root).get(AID, SID)
    assert record.status == Status.SETTLED and record.fingerprint == SUBMITTED
    assert (record.decision.by, record.decision.at, record.decision.score) == ("Dr Lee", settled_at, 3.0)
    assert record.decision.carried_to == record.graded_at
    row = _row(root)
    assert (row["status"], row["score"]) == ("settled", "3"), row
    words = (rf"tampered settled by Dr Lee on {settled_at[:10]} \(score set to 3\): zeros for convolve1d; "
             rf"correlate1d by hand is right; carried over to the run of {record.graded_at[:10]} \(the same submission\)")
    assert re.search(words + "$", row["reason"]), row
    assert re.fullmatch(words, _decision_column(root))
    with Gradebook(f"sqlite:///{root}/gradebook.db") as gb:
        view = student_view(gb, _records(root), SID, root)
    assert "status settled" in view and re.search(words, view), view
    # a carry-over is no new decision: the history holds the one a person made
    assert [(d["by"], d["at"]) for d in _records(root).decisions(AID, SID)] == [("Dr Lee", settled_at)]


def test_an_accepted_review_held_again_stays_accepted(root: Path) -> None:
    """``--accept`` on a ``review`` after the person set the flagged test in the formgrader: a
    rerun of the same notebook (``review`` again, the test flagged and 0 again) keeps the scores
    as the person left them; the written answer still waits for its hand grade."""
    _run(root, Status.REVIEW, SUBMITTED, test_score=0)
    with Gradebook(f"sqlite:///{root}/gradebook.db") as gb:
        g = gb.find_grade("test-f", NB, AID, SID)
        g.manual_score, g.needs_manual_grade = 2, False  # what the formgrader does
        gb.db.commit()
    _settle(root, "accept", "the guard's message was a false alarm")
    _run(root, Status.REVIEW, SUBMITTED, test_score=0)
    assert _grade(root, "test-f") == (0, 2, False)
    assert _grade(root, "answer-why") == (0, None, True)
    row = _row(root)
    assert (row["status"], row["score"]) == ("settled", "2"), row
    assert "(scores accepted): the guard's message was a false alarm; carried over to the run of" in row["reason"]


def test_a_different_submission_is_held_again_and_says_why(root: Path) -> None:
    """frank hands in a new notebook: the person's 3 was for the old one. The row is held again
    on the run's own figures and says so; the next decision is made afresh."""
    _run(root, Status.TAMPERED, SUBMITTED)
    _settle(root, "override", "correlate1d by hand is right", score=3)
    _run(root, Status.TAMPERED, RESUBMITTED)
    assert _grade(root, "test-f")[:2] == (0, None) and _grade(root, "answer-why")[1] is None  # the 3 is taken back
    row = _row(root)
    assert (row["status"], row["score"]) == ("tampered", "0"), row
    words = (rf"an earlier decision by Dr Lee on {DATE} \(score set to 3\) was for a different submission: "
             "not carried over, a person settles this run again")
    assert re.search(words, row["reason"]) and re.fullmatch(words, _decision_column(root)), row
    _run(root, Status.TAMPERED, RESUBMITTED)  # rerun again before anyone looked: still said
    assert re.search(words, _row(root)["reason"])
    _settle(root, "override", "the new notebook is honest", score=4, by="Dr Kim")
    row = _row(root)
    assert (row["status"], row["score"]) == ("settled", "4") and "different submission" not in row["reason"], row
    assert [d["by"] for d in _records(root).decisions(AID, SID)] == ["Dr Lee", "Dr Kim"]


def test_the_same_submission_now_ok_stands_on_its_own_figure(root: Path) -> None:
    """A check was fixed: the notebook a person scored 1 now passes (``ok``). The run's figure
    stands, and the reason says the earlier decision no longer applies."""
    _run(root, Status.REVIEW, SUBMITTED, test_score=0)
    _settle(root, "override", "looks half right", score=1)
    _run(root, Status.OK, SUBMITTED, test_score=2)
    assert _grade(root, "test-f") == (2, None, False)
    row = _row(root)
    assert (row["status"], row["score"]) == ("ok", "2"), row
    assert re.search(rf"^all tests passed; 3 points wait for manual grading \(answer-why\); an earlier decision by "
                     rf"Dr Lee on {DATE} \(score set to 1\) no longer applies: the same submission now grades ok$",
                     row["reason"]), row


def test_a_decision_from_before_fingerprints_is_not_carried(root: Path) -> None:
    """A status file written before fingerprints (no ``fingerprint`` keys): the decision cannot
    be matched to the submission, so it is treated as for a different one, and said so."""
    _run(root, Status.TAMPERED, SUBMITTED)
    _settle(root, "override", "correlate1d by hand is right", score=3)
    path = root / "gradebook.status.json"
    data = json.loads(path.read_text())
    entry = data["assignments"][AID][SID]
    for table in (entry, entry["decision"]):
        for key in ("fingerprint", "carried_to"):
            table.pop(key, None)
    path.write_text(json.dumps(data))
    _run(root, Status.TAMPERED, SUBMITTED)
    row = _row(root)
    assert (row["status"], row["score"]) == ("tampered", "0"), row
    assert re.search(rf"an earlier decision by Dr Lee on {DATE} \(score set to 3\) may have been for a different "
                     r"submission \(no fingerprint to compare\): not carried over", row["reason"]), row


def test_a_run_whose_grades_could_not_be_saved_does_not_hide_the_decision(root: Path) -> None:
    _run(root, Status.TAMPERED, SUBMITTED)
    _settle(root, "override", "correlate1d by hand is right", score=3)
    _run(root, Status.TAMPERED, SUBMITTED, safely=True, timestamp="not a time")
    record = _records(root).get(AID, SID)
    assert record.status == Status.ERROR
    assert re.search(rf"could not save the grades .*; an earlier decision by Dr Lee on {DATE} \(score set to 3\) "
                     "was not re-applied: this run's grades could not be saved", _row(root)["reason"])


def test_held_for_another_reason_waits_and_the_decision_comes_back(root: Path) -> None:
    """A person accepted a ``review``'s scores; a rerun of the same notebook fails in the grader
    (``error``: every score 0). The accept said nothing of those zeros: the row waits for a
    person, and says why; the next run that holds it for review again brings the decision back."""
    _run(root, Status.REVIEW, SUBMITTED, test_score=2)
    _settle(root, "accept", "the guard's message was a false alarm")
    _run(root, Status.ERROR, SUBMITTED, test_score=2)
    row = _row(root)
    assert (row["status"], row["score"]) == ("error", "0"), row
    assert re.search(rf"an earlier decision by Dr Lee on {DATE} \(scores accepted\) settled this submission graded "
                     "review; this run grades it error: not carried over, a person settles this run again$",
                     row["reason"]), row
    _run(root, Status.REVIEW, SUBMITTED, test_score=2)
    row = _row(root)
    assert (row["status"], row["score"]) == ("settled", "2"), row
    assert re.search(r"review settled by Dr Lee on .*: the guard's message was a false alarm; carried over", row["reason"])
