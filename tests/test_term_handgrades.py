"""Hand grades that stick, feedback that waits for them, and late work on ex03 (7 points graded
automatically, the written answer ``answer-dense`` worth 3 graded by hand).

One ``course autograde`` of four students; hand grades are given the way the formgrader gives
them, through nbgrader's ``Gradebook`` API; later runs (``--student`` and the whole class) must
keep them. The due date is set with nbgrader's own command on a gradebook that does not know the
assignment yet (released elsewhere), as an instructor new to the course would.
"""

from __future__ import annotations

import csv

import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from grading_helpers import BIN, cell_by_id, copy_course, course, env, feedback_text, read_csv, solved_notebook, write_submission

AID = "ex03_conv_layer"
COURSE_ID = "convolutional-models"
CELL = "answer-dense"
LATE = "2026-12-03 03:00:00.000000 UTC"  # 34 h after the due date: 2 started days, 20 %


def _answer(root: Path, text: str) -> nbformat.NotebookNode:
    nb = solved_notebook(root, AID)
    cell_by_id(nb, CELL).source = text
    return nb


def _hand_grade(root: Path, student: str, points: float) -> None:
    """What the formgrader does when a person types a score (nbgrader's API handler)."""
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", COURSE_ID) as gb:
        grade = gb.find_grade(CELL, AID, AID, student)
        grade.manual_score = points
        grade.needs_manual_grade = False
        gb.db.commit()


def _grade(root: Path, student: str) -> tuple[float | None, bool, float]:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", COURSE_ID) as gb:
        g = gb.find_grade(CELL, AID, AID, student)
        return g.manual_score, bool(g.needs_manual_grade), float(gb.find_submission(AID, student).score)


@pytest.fixture(scope="module")
def course_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_course(tmp_path_factory.mktemp("term-hand"), [AID])
    course("release", AID, root=root)
    (root / "gradebook.db").unlink()  # released on another machine: this gradebook is new
    proc = subprocess.run([str(BIN / "nbgrader"), "db", "assignment", "add", AID,
                           "--duedate=2026-12-01 17:00:00 UTC"], cwd=root, env=env(), capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    sub = root / "submitted"
    write_submission(sub, "alice", AID, _answer(root, "A dense layer needs a weight per input-output pair; "
                                                      "a conv layer shares one small kernel."))
    write_submission(sub, "bob", AID, _answer(root, "Conv has fewer parameters."))
    write_submission(sub, "carol", AID, _answer(root, "Sharing the kernel across positions."))
    (sub / "carol" / AID / "timestamp.txt").write_text(LATE)
    write_submission(sub, "dave", AID, nbformat.read(root / "exercises" / AID / f"{AID}.ipynb", 4))
    course("autograde", AID, "--submitted", str(sub), "--jobs", "2", "--quiet", root=root)
    return root


@pytest.fixture
def root(course_dir: Path, tmp_path: Path) -> Path:
    """A copy of the graded course, for a test that changes it."""
    return Path(shutil.copytree(course_dir, tmp_path / "course"))


def test_first_run_leaves_the_written_answer_to_a_person(course_dir: Path) -> None:
    rows = read_csv(course_dir / f"grades_{AID}.csv")
    assert rows["alice"]["score"] == "7" and rows["alice"]["max_score"] == "10"
    assert f"3 points wait for manual grading ({CELL})" in rows["alice"]["reason"]
    # carol: 7 points, 34 h late -> 20 % of 7
    assert [rows["carol"][k] for k in ("score", "late_seconds", "penalty")] == ["5.6", "122400", "1.4"]
    assert rows["dave"]["score"] == "0" and "manual grading" not in rows["dave"]["reason"]
    # the 25-student term: a written answer handed in as released lost its points without a word
    assert f"{CELL} left as released: 0 of 3 points" in rows["dave"]["reason"], rows["dave"]["reason"]
    assert "left as released" not in rows["alice"]["reason"]
    assert _grade(course_dir, "alice") == (None, True, 7.0)


def test_reasons_leave_out_what_is_true_of_every_submission(course_dir: Path) -> None:
    """The 25-student term: every ex03 reason carried "course.plotting draws nothing while grading:
    figures are not redrawn", pushing the late penalty and what waits to the end. The student's
    feedback keeps it: it says why the figure is absent from their page."""
    rows = read_csv(course_dir / f"grades_{AID}.csv")
    assert rows["alice"]["reason"] == f"all tests passed; 3 points wait for manual grading ({CELL})"
    assert rows["carol"]["reason"] == (f"all tests passed; 3 points wait for manual grading ({CELL}); "
                                       "late by 1 day 10 hours: 1.4 points off")
    assert "draws nothing" not in (course_dir / f"grades_{AID}.csv").read_text("utf-8")


def test_feedback_refuses_while_hand_grading_is_pending(course_dir: Path) -> None:
    proc = course("feedback", AID, root=course_dir, check=False)
    assert proc.returncode == 1
    assert "3 submission(s) of ex03_conv_layer still need grading by hand" in proc.stderr
    for student in ("alice", "bob", "carol"):
        assert f"  {student}: {AID}: {CELL}" in proc.stderr
    assert "dave" not in proc.stderr  # an answer left as released: nbgrader gives it 0 itself
    assert "--allow-pending" in proc.stderr
    assert not (course_dir / "feedback").exists()


def test_allow_pending_says_pending_not_zero(root: Path) -> None:
    course("feedback", AID, "--allow-pending", root=root)
    text = feedback_text(root, "alice", AID)
    assert "pending" in text
    assert "waits for your instructor to grade it by hand" in text
    late = feedback_text(root, "carol", AID)
    assert "1 day 10 hours" in late and "1.4" in late
    assert "course.plotting draws nothing while grading: figures are not redrawn" in text  # why no figure


def test_feedback_goes_out_once_everything_is_graded(root: Path) -> None:
    for student, points in (("alice", 3), ("bob", 1), ("carol", 2)):
        _hand_grade(root, student, points)
    course("feedback", AID, root=root)
    text = feedback_text(root, "alice", AID)
    assert "waits for your instructor" not in text
    assert len(list((root / "feedback").glob(f"*/{AID}/*.html"))) == 4
    # the rubric is for graders: it never reaches a student (issue 18 #11)
    assert "Rubric for" not in text and "Model answer (for the grader)" not in text


@pytest.mark.browser
def test_the_formgrader_shows_graders_the_rubric(course_dir: Path) -> None:
    """Issue 18 #11: the rubric of the hand-graded answer lived only in solutions/."""
    from test_term_views import formgrader_texts

    text = formgrader_texts(course_dir, ["bob"], AID)["bob"]
    assert f"Rubric for {CELL}" in text and "Grading: 1 point for the parameter comparison" in text, text[-3000:]
    assert text.index("Conv has fewer parameters.") < text.index(f"Rubric for {CELL}")  # right after the answer


def test_the_report_has_the_hand_graded_answer_and_mistakes_in_words(root: Path) -> None:
    """Issue 18 #7: ex03's written question (3 of 10 points) was missing from the report, and
    ex03's mistakes showed raw ids (bias_per_input_map)."""
    _hand_grade(root, "alice", 3)
    _hand_grade(root, "bob", 1)
    out = root / "r.csv"
    text = course("report", AID, "--csv", str(out), root=root).stdout
    # dave left the answer as released: nbgrader's own 0, no person needed
    assert "graded by hand (of the 4 who handed in a readable notebook):\n" in text, text
    assert (f"\n  {CELL}: 3 graded, mean 1.33 of 3; 1 waiting for a person (carol); "
            "1 left as released, 0 each (dave)\n") in text, text
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    hand = [r for r in rows if r["section"] == "hand"]
    assert [(r["item"], r["count"], r["of"], r["students"]) for r in hand] == [(CELL, "3", "4", "carol")]
    assert hand[0]["detail"].endswith("left as released: 1 (dave)"), hand
    mistakes = [r["item"] for r in rows if r["section"] == "mistake"]
    assert mistakes and not [m for m in mistakes if "_" in m], mistakes
    assert "bias per input map" in mistakes or any("bias" in m for m in mistakes)


def test_feedback_for_one_student_checks_only_that_student(root: Path) -> None:
    _hand_grade(root, "alice", 3)
    course("feedback", AID, "--student", "alice", root=root)
    proc = course("feedback", AID, "--student", "bob", root=root, check=False)
    assert proc.returncode == 1 and "1 submission(s)" in proc.stderr and "bob" in proc.stderr


def test_hand_grade_survives_a_regrade(root: Path) -> None:
    _hand_grade(root, "alice", 3)
    _hand_grade(root, "carol", 2)
    # the class CSV and `course grades` show the hand grade at once, from the gradebook
    course("grades", "--assignment", AID, "--csv", str(root / f"grades_{AID}.csv"), root=root)
    rows = read_csv(root / f"grades_{AID}.csv")
    assert rows["alice"]["score"] == "10" and "manual grading" not in rows["alice"]["reason"]
    # carol: 7 + 2 = 9, 20 % late penalty = 1.8
    assert (rows["carol"]["score"], rows["carol"]["penalty"]) == ("7.2", "1.8")
    long = course("grades", root=root).stdout.splitlines()
    assert f"alice,{AID},10,10,ok,true,false,0,0," in long
    # regrade the whole class: the hand grades stay and are not flagged again
    course("autograde", AID, "--submitted", str(root / "submitted"), "--jobs", "2", "--quiet", root=root)
    assert _grade(root, "alice") == (3.0, False, 10.0)
    assert _grade(root, "carol") == (2.0, False, 9.0)
    rows = read_csv(root / f"grades_{AID}.csv")
    assert len(rows) == 4 and "manual grading" not in rows["alice"]["reason"]
    assert rows["alice"]["score"] == "10" and rows["carol"]["score"] == "7.2"
    assert f"3 points wait for manual grading ({CELL})" in rows["bob"]["reason"]  # nobody graded bob yet
    pending = course("feedback", AID, root=root, check=False)
    assert "alice" not in pending.stderr and "  bob:" in pending.stderr


def test_changed_answer_is_flagged_again(root: Path) -> None:
    _hand_grade(root, "bob", 1)
    write_submission(root / "submitted", "bob", AID, _answer(root, "A dense layer connects every input to "
                                                                   "every output; a conv layer reuses its kernel."))
    course("autograde", AID, "--submitted", str(root / "submitted"), "--student", "bob", "--jobs", "1", "--quiet",
           root=root)
    manual, flagged, score = _grade(root, "bob")
    assert (manual, flagged) == (1.0, True)  # the old grade is kept for the person to revise
    assert f"3 points wait for manual grading ({CELL})" in read_csv(root / f"grades_{AID}.csv")["bob"]["reason"]


def test_extension_after_grading_lifts_the_penalty(root: Path) -> None:
    course("extension", AID, "carol", "--until", "2026-12-04 17:00:00 UTC", root=root)
    course("grades", "--assignment", AID, "--csv", str(root / f"grades_{AID}.csv"), root=root)
    row = read_csv(root / f"grades_{AID}.csv")["carol"]
    assert [row[k] for k in ("score", "late_seconds", "penalty")] == ["7", "0", "0"]


def test_zero_policy_through_autograde_of_a_one_student_folder(root: Path) -> None:
    """The issue's setup: ``c.LateSubmissionPlugin.penalty_method = "zero"``, carol 34 h late,
    graded from a folder holding only her submission: the class CSV keeps everyone."""
    cfg = root / "nbgrader_config.py"
    cfg.write_text(cfg.read_text("utf-8") + '\nc.LateSubmissionPlugin.penalty_method = "zero"\n', "utf-8")
    shutil.copytree(root / "submitted" / "carol", root / "late-ones" / "carol")
    course("autograde", AID, "--submitted", str(root / "late-ones"), "--jobs", "1", "--quiet", root=root)
    rows = read_csv(root / f"grades_{AID}.csv")
    assert sorted(rows) == ["alice", "bob", "carol", "dave"]
    assert [rows["carol"][k] for k in ("score", "late_seconds", "penalty")] == ["0", "122400", "7"]
    assert rows["alice"]["penalty"] == "0" and rows["alice"]["score"] == "7"


def test_grades_for_an_unknown_assignment(course_dir: Path) -> None:
    proc = course("grades", "--assignment", "ex99", root=course_dir, check=False)
    assert proc.returncode == 2 and "no assignment 'ex99'" in proc.stderr and AID in proc.stderr
