"""A class with broken and hostile ex01 submissions: one ``course autograde`` batch; every student
gets a CSV row with the right status and reason, and nobody earns a point they did not earn."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from grading_helpers import OWN_CONVOLVE, cell_by_id, copy_course, course, feedback_text, read_csv, solved_notebook, write_submission

AID = "ex01_convolution_1d"
NAME = f"{AID}.ipynb"
TIMEOUT = 5  # seconds per notebook in this batch

CORRECT_CODE = OWN_CONVOLVE + '''
def correlate1d(x, w, mode="valid"):
    return convolve1d(x, np.asarray(w)[::-1], mode)
'''


def _release(root: Path) -> nbformat.NotebookNode:
    return nbformat.read(root / "exercises" / AID / NAME, as_version=4)


def _append(nb: nbformat.NotebookNode, grade_id: str, code: str) -> nbformat.NotebookNode:
    cell_by_id(nb, grade_id).source += "\n" + code
    return nb


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = copy_course(tmp_path_factory.mktemp("hostile"), [AID])
    course("release", AID, root=root)
    sub = root / "submitted"
    solved = lambda: solved_notebook(root, AID)  # noqa: E731

    write_submission(sub, "good", AID, solved())
    write_submission(sub, "invalid_json", AID, b'{"cells": [ this is not json')
    (sub / "missing" / AID).mkdir(parents=True)  # folder, but no notebook
    (sub / "no_folder").mkdir(parents=True)  # student folder without the assignment folder

    nb = solved()
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "test-convolve1d-full"]
    write_submission(sub, "deleted_test_cell", AID, nb)

    nb = _release(root)  # nothing solved, every test cell "edited" to pass
    for c in nb.cells:
        if c.metadata.get("nbgrader", {}).get("grade"):
            c.source = "pass"
    write_submission(sub, "edited_test_cells", AID, nb)

    nb = _release(root)  # test cells' grading metadata removed and the tests replaced
    for c in nb.cells:
        if c.metadata.get("nbgrader", {}).get("grade"):
            c.metadata = {}
            c.source = "print('all good')"
    write_submission(sub, "edited_test_metadata", AID, nb)

    nb = solved()  # an answer cell's grading metadata damaged: nbgrader itself cannot grade it
    del cell_by_id(nb, "convolve1d").metadata["nbgrader"]["grade_id"]
    write_submission(sub, "damaged_metadata", AID, nb)

    write_submission(sub, "loop_after_correct_code", AID, _append(solved(), "convolve1d", "while True:\n    pass"))
    write_submission(sub, "endless_sleep_late", AID, _append(solved(), "correlate1d", "import time\ntime.sleep(10**6)"))
    write_submission(sub, "kills_kernel", AID, _append(solved(), "correlate1d", "import os\nos._exit(1)"))
    write_submission(sub, "prints_a_lot", AID, _append(solved(), "correlate1d",
                                                       "for _ in range(100):\n    print('x' * 1_000_000)"))
    write_submission(sub, "huge_allocation", AID, _append(solved(), "correlate1d",
                                                          "hog = []\nwhile True:\n    hog.append(bytearray(200_000_000))"))

    secrets = [root / "solutions" / AID / NAME, root / "gradebook.db", sub / "good" / AID / NAME,
               Path("../../../solutions") / AID / NAME, Path("../../good") / AID / NAME]
    reader = f'''
import numpy as np
leaked = []
for path in {[str(p) for p in secrets]!r}:
    try:
        with open(path, "rb") as f:
            f.read(16)
        leaked.append(path)
    except OSError:
        pass
if leaked:
{chr(10).join("    " + line for line in CORRECT_CODE.splitlines())}
'''
    nb = _release(root)
    cell_by_id(nb, "correlate1d").source = reader
    write_submission(sub, "reads_secrets", AID, nb)

    nb = _release(root)  # wrong answers, and the test machinery patched to say "right"
    cell_by_id(nb, "convolve1d").source = '''
import numpy as np
import numpy.testing
import builtins
import course.grading.recorder as rec

def convolve1d(x, w, mode="full"):
    return np.zeros(3)

np.testing.assert_allclose = lambda *a, **k: None
np.allclose = lambda *a, **k: True
builtins.AssertionError = type("Nothing", (Exception,), {})
rec.judge = lambda check, results: (True, None, len(results))
_orig = rec.run_cases
rec.run_cases = lambda check, fn: _orig(check, check.reference)
'''
    cell_by_id(nb, "correlate1d").source = "def correlate1d(x, w, mode='valid'):\n    return np.zeros(1)\n"
    write_submission(sub, "patches_test_machinery", AID, nb)

    csv_path = root / "grades.csv"
    proc = course("autograde", AID, "--submitted", str(sub), "--jobs", "2", "--timeout", str(TIMEOUT),
                  "--memory-mb", "1024", "--csv", str(csv_path), "--quiet", root=root)
    course("feedback", AID, root=root)
    return {"root": root, "rows": read_csv(csv_path), "stdout": proc.stdout, "students": sorted(p.name for p in sub.iterdir())}


def test_every_student_has_a_row(hostile: dict) -> None:
    assert sorted(hostile["rows"]) == hostile["students"]
    assert "students, mean score" in hostile["stdout"]


def _row(hostile: dict, student: str) -> dict:
    return hostile["rows"][student]


def test_good_submission_full_marks(hostile: dict) -> None:
    assert _row(hostile, "good")["score"] == "10"
    assert _row(hostile, "good")["status"] == "ok"


@pytest.mark.parametrize("student,status,words", [
    ("invalid_json", "invalid", "not valid JSON"),
    ("missing", "missing", "was not submitted"),
    ("no_folder", "missing", "no folder ex01_convolution_1d in the student's submission"),
])
def test_unreadable_submissions_score_zero(hostile: dict, student: str, status: str, words: str) -> None:
    row = _row(hostile, student)
    assert (row["score"], row["max_score"], row["status"]) == ("0", "10", status)
    assert words in row["reason"]


def test_deleted_test_cell_is_restored_and_graded(hostile: dict) -> None:
    row = _row(hostile, "deleted_test_cell")
    assert row["score"] == "10" and row["status"] == "ok"


@pytest.mark.parametrize("student", ["edited_test_cells", "edited_test_metadata"])
def test_edited_test_cells_earn_nothing(hostile: dict, student: str) -> None:
    row = _row(hostile, student)
    assert row["score"] == "0", row
    assert row["status"] in ("ok", "repaired")


def test_damaged_metadata_is_graded_from_the_instructor_copy(hostile: dict) -> None:
    row = _row(hostile, "damaged_metadata")
    assert (row["score"], row["status"]) == ("10", "repaired"), row
    assert "graded from the instructor's copy" in row["reason"]


def test_loop_right_after_correct_code_earns_nothing(hostile: dict) -> None:
    row = _row(hostile, "loop_after_correct_code")
    assert (row["score"], row["status"]) == ("0", "timeout")
    assert "was still running when the notebook's 5 s ran out" in row["reason"]


def test_endless_sleep_keeps_only_tests_that_ran_before(hostile: dict) -> None:
    row = _row(hostile, "endless_sleep_late")
    # the three convolve1d cells (6 points) ran before the sleeping correlate1d cell
    assert (row["score"], row["status"]) == ("6", "timeout")
    text = feedback_text(hostile["root"], "endless_sleep_late", AID)
    assert "did not run in an uninterrupted run" in text


def test_killed_kernel_is_a_crash(hostile: dict) -> None:
    row = _row(hostile, "kills_kernel")
    assert (row["score"], row["status"]) == ("6", "crashed")
    assert "kernel died" in row["reason"]


def test_printing_a_lot_is_truncated(hostile: dict) -> None:
    row = _row(hostile, "prints_a_lot")
    assert row["status"] in ("ok", "timeout")
    assert float(row["score"]) <= 10
    autograded = hostile["root"] / "autograded" / "prints_a_lot" / AID / NAME
    assert autograded.stat().st_size < 5_000_000


def test_huge_allocation_hurts_only_that_student(hostile: dict) -> None:
    row = _row(hostile, "huge_allocation")
    assert row["status"] in ("ok", "crashed", "timeout")
    assert float(row["score"]) <= 10
    assert _row(hostile, "good")["score"] == "10"


def test_kernel_cannot_read_solutions_gradebook_or_other_students(hostile: dict) -> None:
    row = _row(hostile, "reads_secrets")
    assert row["score"] == "0", row


def test_patching_the_test_machinery_gains_nothing(hostile: dict) -> None:
    row = _row(hostile, "patches_test_machinery")
    assert row["score"] == "0", row
    assert row["status"] == "tampered"


def test_gradebook_holds_the_batch(hostile: dict) -> None:
    proc = course("grades", root=hostile["root"])
    lines = proc.stdout.strip().splitlines()[1:]
    graded = {ln.split(",")[0]: ln.split(",")[2] for ln in lines}
    for student, row in hostile["rows"].items():
        assert graded[student] == row["score"], student


def test_reasons_are_plain_words_without_paths(hostile: dict) -> None:
    for student, row in hostile["rows"].items():
        assert row["reason"], student
        assert str(hostile["root"]) not in row["reason"]
        assert "/tmp/" not in row["reason"]
        assert "Traceback" not in row["reason"]


def test_csv_columns(hostile: dict) -> None:
    text = (hostile["root"] / "grades.csv").read_text("utf-8")
    assert text.splitlines()[0] == "student_id,assignment,score,max_score,status,reason,late_seconds,penalty"
    assert json.dumps(hostile["rows"])  # plain strings only
