"""The grading round trip, for every assignment in solutions/ and every wrong answer in
tests/mistakes/<assignment>/: release, autograde one batch of fake students per assignment
(``course autograde``), feedback, and what each student got.

Students in each batch: ``solution`` (the instructor's answers typed into the release),
``untouched`` (the release as given) and ``mistake-<name>`` for each mistake file.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from grading_helpers import (
    apply_mistake,
    assignments,
    copy_course,
    course,
    feedback_text,
    mistakes,
    read_csv,
    release_notebook_names,
    solved_notebook,
    write_submission,
)
from course.grading.release import leaks

ASSIGNMENTS = assignments()
MISTAKE_CASES = [(aid, m) for aid in ASSIGNMENTS for m in mistakes(aid)]


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_course(tmp_path_factory.mktemp("course"))
    course("release", *ASSIGNMENTS, root=root)
    return root


_BATCHES: dict[str, dict] = {}


@pytest.fixture(scope="module")
def batch(released: Path):
    """batch(aid) -> {"rows": CSV rows by student, "expect": {student: EXPECT}, "csv": Path}; one
    ``course autograde`` (and one ``course feedback``) per assignment, shared by the tests."""

    def run(aid: str) -> dict:
        if aid in _BATCHES:
            return _BATCHES[aid]
        submitted = released / f"submitted-{aid}"
        names = release_notebook_names(released, aid)
        expect: dict[str, str] = {}
        for name in names:
            write_submission(submitted, "solution", aid, solved_notebook(released, aid, name), name)
            write_submission(submitted, "untouched", aid, nbformat.read(released / "exercises" / aid / name, 4), name)
        for mistake in mistakes(aid):
            student = f"mistake-{mistake.stem}"
            for name in names:
                nb = solved_notebook(released, aid, name)
                if name == names[0]:
                    nb, expect[student] = apply_mistake(nb, mistake)
                write_submission(submitted, student, aid, nb, name)
        only = submitted
        csv_path = released / f"grades-{aid}.csv"
        course("autograde", aid, "--submitted", str(only), "--jobs", "2", "--csv", str(csv_path), "--quiet", root=released)
        course("feedback", aid, root=released)
        _BATCHES[aid] = {"rows": read_csv(csv_path), "expect": expect, "csv": csv_path, "submitted": only}
        return _BATCHES[aid]

    return run


@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_release_has_no_solution_and_no_hidden_test(released: Path, aid: str) -> None:
    for name in release_notebook_names(released, aid):
        problems = leaks(released / "exercises" / aid / name, released / "solutions" / aid / name)
        assert problems == []
        text = (released / "exercises" / aid / name).read_text("utf-8")
        assert "BEGIN HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text
        assert ".hidden\"" not in text


def _hand_graded_points(root: Path, aid: str) -> float:
    """Points of written answers (grade + solution cells): nbgrader leaves them to a person."""
    total = 0.0
    for name in release_notebook_names(root, aid):
        nb = nbformat.read(root / "solutions" / aid / name, 4)
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade") and meta.get("solution"):
                total += float(meta.get("points", 0))
    return total


@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_solutions_score_full_marks(batch, released: Path, aid: str) -> None:
    row = batch(aid)["rows"]["solution"]
    assert float(row["max_score"]) > 0
    manual = _hand_graded_points(released, aid)
    assert float(row["score"]) == float(row["max_score"]) - manual, row
    assert row["status"] == "ok"
    if manual:
        assert "wait for manual grading" in row["reason"]


@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_untouched_release_scores_zero(batch, aid: str) -> None:
    row = batch(aid)["rows"]["untouched"]
    assert float(row["score"]) == 0.0, row
    assert float(row["max_score"]) > 0


@pytest.mark.parametrize("aid,mistake", MISTAKE_CASES, ids=[f"{a}-{m.stem}" for a, m in MISTAKE_CASES])
def test_mistake_loses_points_and_feedback_names_it(batch, released: Path, aid: str, mistake: Path) -> None:
    result = batch(aid)
    student = f"mistake-{mistake.stem}"
    row = result["rows"][student]
    assert float(row["score"]) < float(row["max_score"]), row
    text = feedback_text(released, student, aid)
    assert text, f"no feedback HTML for {student}"
    assert result["expect"][student] in text, f"{result['expect'][student]!r} not in the feedback of {student}; row: {row}"


@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_every_student_gets_one_feedback_report(batch, released: Path, aid: str) -> None:
    result = batch(aid)
    for student in result["rows"]:
        reports = list((released / "feedback" / student / aid).glob("*.html"))
        assert len(reports) == len(release_notebook_names(released, aid)), student


def test_grading_twice_gives_identical_csv(batch, released: Path) -> None:
    """Re-grade four students of the ex01 batch: the class CSV (every student, read back from the
    gradebook) must not change by a character."""
    import shutil

    aid = "ex01_convolution_1d"
    if aid not in ASSIGNMENTS:
        pytest.fail("ex01_convolution_1d is missing from solutions/")
    first = batch(aid)
    again_dir = released / "regrade"
    students = ["solution", "untouched", "mistake-no_flip", "mistake-shortcut_np_convolve"]
    for student in students:
        shutil.copytree(first["submitted"] / student, again_dir / student)
    again = released / "grades-again.csv"
    course("autograde", aid, "--submitted", str(again_dir), "--jobs", "2", "--csv", str(again), "--quiet", root=released)
    assert again.read_text("utf-8") == first["csv"].read_text("utf-8")


def test_ex01_partial_credit_per_function_and_mode(batch) -> None:
    rows = batch("ex01_convolution_1d")["rows"]
    # only convolve1d's "same" cell is wrong: 2 of 10 points lost
    assert float(rows["mistake-same_not_centred"]["score"]) == 8.0
    # convolve1d replaced by numpy.convolve: all 6 convolve1d points lost, correlate1d keeps 4
    assert float(rows["mistake-shortcut_np_convolve"]["score"]) == 4.0


def test_gradebook_has_every_graded_student(batch, released: Path) -> None:
    result = batch("ex01_convolution_1d")
    proc = course("grades", root=released)
    lines = [ln.split(",") for ln in proc.stdout.strip().splitlines()]
    assert lines[0] == ["student_id", "assignment", "score", "max_score", "submitted", "needs_manual_grade",
                        "late_seconds", "penalty"]
    by_student = {(ln[0], ln[1]): ln for ln in lines[1:]}
    for student, row in result["rows"].items():
        assert by_student[(student, "ex01_convolution_1d")][2] == row["score"]
