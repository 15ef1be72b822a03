"""The grading round trip of ex01 (``tests/roundtrip.py``), and what only ex01 checks: grading
twice gives the same CSV, partial credit per function and mode, the gradebook holds every
graded student. The other assignments' round trips are ``test_grading_roundtrip_exNN.py``."""

from __future__ import annotations

import pytest
from pathlib import Path

from grading_helpers import course
from roundtrip import roundtrip_tests

ASSIGNMENTS = ["ex01_convolution_1d"]
globals().update(roundtrip_tests(ASSIGNMENTS))


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
    assert lines[0] == ["student_id", "assignment", "score", "max_score", "status", "submitted", "needs_manual_grade",
                        "late_seconds", "penalty", "decision"]
    by_student = {(ln[0], ln[1]): ln for ln in lines[1:]}
    for student, row in result["rows"].items():
        assert by_student[(student, "ex01_convolution_1d")][2] == row["score"]
