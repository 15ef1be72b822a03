"""The term's commands on gradebooks filled through nbgrader's ``Gradebook`` API (no grading run):
``course grades --format long|wide|canvas``, ``course students import``, ``course extension``,
the course late policy, hand grades kept across runs, a closed pipe, and what git ignores.

Every expected figure is worked out by hand in the test; the autograde round trip of the same
commands is in ``test_term_class.py`` and ``test_term_handgrades.py``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from grading_helpers import BIN, REPO, course, env

COURSE_ID = "convolutional-models"
EX01, EX03 = "ex01_convolution_1d", "ex03_conv_layer"
DUE = dt.datetime(2026, 12, 1, 17, 0, 0)


def _db(root: Path) -> str:
    return f"sqlite:///{root / 'gradebook.db'}"


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A course folder with two assignments in its gradebook, made with nbgrader's API.

    ex01: cells test-a (6 points) and test-b (4), due 2026-12-01 17:00 UTC.
    ex03: test-c (7) and a written answer (3, graded by hand), no due date.
    alice: ex01 6 + 4 on time; ex03 7 automatic + 3 by hand.
    bob:   ex01 6 + 0, submitted 2026-12-03 03:00 UTC (34 h late); nothing for ex03.
    """
    tmp_path = tmp_path_factory.mktemp("term-gradebook")
    shutil.copy2(REPO / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    with Gradebook(_db(tmp_path), COURSE_ID) as gb:
        gb.add_assignment(EX01, duedate=DUE)
        gb.add_notebook(EX01, EX01)
        gb.add_grade_cell("test-a", EX01, EX01, max_score=6, cell_type="code")
        gb.add_grade_cell("test-b", EX01, EX01, max_score=4, cell_type="code")
        gb.add_assignment(EX03)
        gb.add_notebook(EX03, EX03)
        gb.add_grade_cell("test-c", EX03, EX03, max_score=7, cell_type="code")
        gb.add_grade_cell("answer-dense", EX03, EX03, max_score=3, cell_type="markdown")
        gb.add_solution_cell("answer-dense", EX03, EX03)
        for sid in ("alice", "bob"):
            gb.add_student(sid)
        _grade(gb, EX01, "alice", {"test-a": 6, "test-b": 4}, timestamp=dt.datetime(2026, 12, 1, 9, 0))
        _grade(gb, EX03, "alice", {"test-c": 7, "answer-dense": None}, timestamp=dt.datetime(2026, 12, 1, 9, 0))
        g = gb.find_grade("answer-dense", EX03, EX03, "alice")
        g.manual_score, g.needs_manual_grade = 3, False  # what the formgrader does
        _grade(gb, EX01, "bob", {"test-a": 6, "test-b": 0}, timestamp=dt.datetime(2026, 12, 3, 3, 0))
        gb.db.commit()
    return tmp_path


@pytest.fixture
def root(template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the template course for one test."""
    return Path(shutil.copytree(template, tmp_path / "course"))


def _grade(gb: Gradebook, aid: str, sid: str, scores: dict[str, float | None], timestamp: dt.datetime) -> None:
    gb.add_submission(aid, sid, timestamp=timestamp)
    for cell, score in scores.items():
        g = gb.find_grade(cell, aid, aid, sid)
        g.auto_score = score
        g.needs_manual_grade = score is None
    gb.db.commit()


def _roster(root: Path, text: str, name: str = "roster.csv") -> Path:
    path = root / name
    path.write_text(text, encoding="utf-8")
    return path


ROSTER = ("Student ID,First Name,Last Name,Email,LMS ID\n"
          "alice,Alice,Liddell,alice@example.edu,1001\n"
          "bob,Bob,Builder,bob@example.edu,1002\n"
          "carol,Carol,Carroll,carol@example.edu,\n")


# --- exports -------------------------------------------------------------------------------
def test_long_format_has_hand_grades_and_the_late_penalty(root: Path) -> None:
    out = course("grades", root=root).stdout
    # bob's ex01: 6 points, 34 h late = 2 started days at 10 % a day (nbgrader_config.py) -> -1.2
    assert _rows(out) == [
        ["student_id", "assignment", "score", "max_score", "status", "submitted", "needs_manual_grade",
         "late_seconds", "penalty", "decision"],
        ["alice", EX01, "10", "10", "unknown", "true", "false", "0", "0", ""],  # graded outside course autograde
        ["alice", EX03, "10", "10", "unknown", "true", "false", "0", "0", ""],
        ["bob", EX01, "4.8", "10", "unknown", "true", "false", "122400", "1.2", ""],
        ["bob", EX03, "0", "10", "missing", "false", "false", "0", "0", ""],
    ]


def test_canvas_format_is_canvas_gradebook_import_layout(root: Path) -> None:
    course("students", "import", str(_roster(root, ROSTER)), root=root)
    out = root / "canvas.csv"
    proc = course("grades", "--format", "canvas", "--csv", str(out), root=root)
    assert proc.stdout == f"CSV: {out}\n"  # the table went to the file, and the command says where
    assert _rows(out.read_text("utf-8")) == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", EX01, EX03],
        ["    Points Possible", "", "", "", "", "10", "10"],
        ["Liddell, Alice", "1001", "alice", "alice@example.edu", "", "10", "10"],
        ["Builder, Bob", "1002", "bob", "bob@example.edu", "", "4.8", "0"],
        ["Carroll, Carol", "", "carol", "carol@example.edu", "", "0", "0"],
    ]


def test_wide_format_one_row_per_student_with_total(root: Path) -> None:
    out = course("grades", "--format", "wide", root=root).stdout
    assert _rows(out) == [
        ["student_id", "first_name", "last_name", "email", EX01, EX03, "total"],
        ["alice", "", "", "", "10", "10", "20"],
        ["bob", "", "", "", "4.8", "0", "4.8"],
    ]
    # into a file, the command says where, as every command that writes one (the 25-student term:
    # --format wide --csv and --assignment ID --csv printed nothing)
    for args, path in ((["--format", "wide"], root / "all_grades_wide.csv"), (["--assignment", EX01], root / "g.csv")):
        proc = course("grades", *args, "--csv", str(path), root=root)
        assert proc.stdout == f"CSV: {path}\n" and path.read_text("utf-8").startswith("student_id,"), proc.stdout


def test_unknown_format_is_refused_with_the_allowed_ones(root: Path) -> None:
    proc = course("grades", "--format", "excel", root=root, check=False)
    assert proc.returncode == 2
    assert "'excel'" in proc.stderr and "long" in proc.stderr and "canvas" in proc.stderr


def test_grades_into_a_closed_pipe_ends_quietly(root: Path) -> None:
    """``course grades | head -3``: the reader leaves after three lines; no traceback. The output
    is made larger than a pipe's buffer (64 KiB), so the writer is still writing when it goes."""
    lines = ["id,first name,last name,email"] + [f"s{i:05d},First{i},Last{i},s{i}@example.edu" for i in range(1500)]
    course("students", "import", str(_roster(root, "\n".join(lines) + "\n")), root=root)
    shell_env = env()
    shell_env.pop("PYTHONUNBUFFERED", None)  # an instructor's shell: buffered output, flushed at exit
    proc = subprocess.run(f"set -o pipefail; '{BIN / 'course'}' --root '{root}' grades | head -3", shell=True,
                          executable="/bin/bash", cwd=root, env=shell_env, capture_output=True, text=True, timeout=120)
    assert proc.stdout.splitlines() == [
        "student_id,assignment,score,max_score,status,submitted,needs_manual_grade,late_seconds,penalty,decision",
        f"alice,{EX01},10,10,unknown,true,false,0,0,", f"alice,{EX03},10,10,unknown,true,false,0,0,"]
    assert "Traceback" not in proc.stderr and "BrokenPipeError" not in proc.stderr, proc.stderr
    assert proc.returncode == 0, proc.stderr
    assert len(course("grades", root=root).stdout.encode()) > 2 * 65536  # the pipe really filled up


# --- roster --------------------------------------------------------------------------------
def test_roster_import_fills_the_names_the_formgrader_shows(root: Path) -> None:
    from course.grading.batch import api

    proc = course("students", "import", str(_roster(root, ROSTER)), root=root)
    assert "3 students" in proc.stdout and "1 new, 2 updated" in proc.stdout
    # the formgrader's Manage Students page lists NbGraderAPI.get_students()
    students = {s["id"]: s for s in api(root).get_students()}
    assert (students["alice"]["first_name"], students["alice"]["last_name"]) == ("Alice", "Liddell")
    assert (students["carol"]["first_name"], students["carol"]["last_name"], students["carol"]["email"]) == (
        "Carol", "Carroll", "carol@example.edu")
    with Gradebook(_db(root), COURSE_ID) as gb:
        assert gb.find_student("bob").lms_user_id == "1002"
        assert gb.find_student("carol").lms_user_id is None
    # a second import updates in place; an empty cell does not erase what is known
    _roster(root, "email,last_name,first_name,id\nalice.l@example.edu,Liddell-Hart,,alice\n", "again.csv")
    course("students", "import", str(root / "again.csv"), root=root)
    with Gradebook(_db(root), COURSE_ID) as gb:
        alice = gb.find_student("alice")
        assert (alice.first_name, alice.last_name, alice.email, alice.lms_user_id) == (
            "Alice", "Liddell-Hart", "alice.l@example.edu", "1001")
        assert len(gb.students) == 3


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("id,first name,email\nalice,Alice,a@x\n", ["no column for the last name", "'id', 'first name', 'email'",
                                                     "surname"]),
        ("id,first,last,email\n", ["no column for the first name", "'first'"]),
        ("id,first name,last name,email\nalice,A,L,a@x\nalice,B,M,b@x\n", ["line 3", "alice is already on line 2"]),
        ("id,first name,last name,email\nal ice,A,L,a@x\n", ["line 2", "'al ice' is not a student id"]),
        ("id,first name,last name,email\n,A,L,a@x\n", ["line 2", "'' is not a student id"]),
        ("id,username,first name,last name,email\n", ["several columns mean id", "'id', 'username'"]),
        ("", ["no column for the id", "(empty)"]),
    ],
)
def test_bad_rosters_say_what_they_got(root: Path, text: str, words: list[str]) -> None:
    proc = course("students", "import", str(_roster(root, text)), root=root, check=False)
    assert proc.returncode == 2
    for w in words:
        assert w in proc.stderr, (w, proc.stderr)
    with Gradebook(_db(root), COURSE_ID) as gb:
        assert sorted(s.id for s in gb.students) == ["alice", "bob"]  # nothing half-imported


def test_canvas_gradebook_export_is_a_roster(root: Path, tmp_path: Path) -> None:
    """Issue 18 #10: Canvas's own export (Student "Last, First", ID, SIS User ID, SIS Login ID)
    lacked the first/last name columns the import expected."""
    export = tmp_path / "canvas_export.csv"
    export.write_text('Student,ID,SIS User ID,SIS Login ID,Section,ex01 (123)\n'
                      '    Points Possible,,,,,10\n'
                      '"Liddell, Alice",1001,alice,alice@example.edu,A,10\n'
                      '"Builder, Bob",1002,bob,bob@example.edu,A,4.8\n'
                      '"Student, Test",9999,,,A,\n', encoding="utf-8")
    proc = course("students", "import", str(export), root=root)
    assert "2 students" in proc.stdout
    with Gradebook(_db(root), COURSE_ID) as gb:
        alice = gb.find_student("alice")
        assert (alice.first_name, alice.last_name, alice.email, alice.lms_user_id) == (
            "Alice", "Liddell", "alice@example.edu", "1001")
        assert sorted(s.id for s in gb.students) == ["alice", "bob"]
    # and what course grades --format canvas writes reads back the same
    course("students", "import", str(_roster(root, ROSTER)), root=root)
    ours = root / "canvas.csv"
    course("grades", "--format", "canvas", "--csv", str(ours), root=root)
    assert "3 students" in course("students", "import", str(ours), root=root).stdout


def test_roster_from_a_spreadsheet_with_semicolons(root: Path) -> None:
    text = "\ufeffStudent ID;First Name;Last Name;E-mail\r\nbob;Bob;Builder;bob@example.edu\r\n"
    path = root / "roster.csv"
    path.write_bytes(text.encode("utf-8"))
    course("students", "import", str(path), root=root)
    with Gradebook(_db(root), COURSE_ID) as gb:
        bob = gb.find_student("bob")
        assert (bob.first_name, bob.last_name, bob.email) == ("Bob", "Builder", "bob@example.edu")


def test_roster_not_utf8(root: Path) -> None:
    path = root / "roster.csv"
    path.write_bytes("id,first name,last name,email\nzoe,Zoé,Ünal,z@x\n".encode("latin-1"))
    proc = course("students", "import", str(path), root=root, check=False)
    assert proc.returncode == 2 and "is not UTF-8 text" in proc.stderr and "CSV UTF-8" in proc.stderr


def test_missing_roster_file(root: Path) -> None:
    proc = course("students", "import", str(root / "nope.csv"), root=root, check=False)
    assert proc.returncode == 2 and "no roster file" in proc.stderr and "nope.csv" in proc.stderr


# --- extensions and the late policy ----------------------------------------------------------
def _late(root: Path, aid: str, sid: str) -> tuple[float, float, float]:
    with Gradebook(_db(root), COURSE_ID) as gb:
        sub = gb.find_submission(aid, sid)
        return float(sub.total_seconds_late), float(sub.late_submission_penalty or 0), float(sub.score)


def test_extension_removes_and_restores_the_penalty(root: Path) -> None:
    course("grades", root=root)  # applies the policy: 34 h late
    assert _late(root, EX01, "bob") == (122400.0, 1.2, 6.0)
    proc = course("extension", EX01, "bob", "--until", "2026-12-03 05:00:00 UTC", root=root)
    assert "has until 2026-12-03 05:00:00 UTC" in proc.stdout and "extension 1 day 12 hours)" in proc.stdout, proc.stdout
    assert _late(root, EX01, "bob") == (0.0, 0.0, 6.0)
    # until 2026-12-02 03:00: still 24 h late -> one started day, 10 % of 6
    course("extension", EX01, "bob", "--until", "2026-12-02 03:00:00 UTC", root=root)
    assert _late(root, EX01, "bob") == (86400.0, 0.6, 6.0)
    course("extension", EX01, "bob", "--remove", root=root)
    assert _late(root, EX01, "bob") == (122400.0, 1.2, 6.0)
    rows = {(r[0], r[1]): r for r in _rows(course("grades", root=root).stdout)}
    assert rows[("bob", EX01)][2] == "4.8"


def test_extension_for_a_student_not_graded_yet(root: Path) -> None:
    course("students", "import", str(_roster(root, "id,first name,last name,email\ndave,Dave,D,d@example.edu\n")),
           root=root)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        proc = course("extension", EX01, "dave", "--until", "2026-12-05 17:00:00 UTC", root=root)
    # the 25-student term: three SQLAlchemy "SAWarning: Object of type <SubmittedAssignment> not in
    # session" blocks (nbgrader's add_submission) and "extension 4 days, 0:00:00" (timedelta's text)
    assert [f"{w.category.__name__}: {w.message}" for w in caught] == [] and proc.stderr == "", proc.stderr
    assert proc.stdout.endswith("dave has until 2026-12-05 17:00:00 UTC for ex01_convolution_1d (due 2026-12-01 "
                                "17:00:00 UTC, extension 4 days)\n"), proc.stdout
    with Gradebook(_db(root), COURSE_ID) as gb:
        sub = gb.find_submission(EX01, "dave")
        assert sub.extension == dt.timedelta(days=4)
        assert not sub.needs_manual_grade
    # an extension alone is no submission: dave is listed as not submitted, with 0
    rows = {(r[0], r[1]): r for r in _rows(course("grades", root=root).stdout)}
    assert rows[("dave", EX01)][2:7] == ["0", "10", "missing", "false", "false"]


def test_a_mistyped_student_creates_no_ghost(root: Path) -> None:
    """Issue 18 #1: ``course extension ex01 alcie`` exited 0 and created a student "alcie"."""
    course("students", "import", str(_roster(root, ROSTER)), root=root)
    proc = course("extension", EX01, "alcie", "--until", "2026-12-05 17:00:00 UTC", root=root, check=False)
    assert proc.returncode == 2 and "no student 'alcie'" in proc.stderr and "did you mean alice?" in proc.stderr
    proc = course("extension", EX01, "zzzzzz", "--remove", root=root, check=False)
    assert proc.returncode == 2 and "known: alice, bob, carol" in proc.stderr
    with Gradebook(_db(root), COURSE_ID) as gb:
        assert sorted(s.id for s in gb.students) == ["alice", "bob", "carol"]
    assert "alcie" not in course("grades", root=root).stdout
    for args in (["student", "bbo"], ["settle", EX01, "bbo", "--by", "me", "--why", "x", "--accept"]):
        proc = course(*args, root=root, check=False)
        assert proc.returncode == 2 and "did you mean bob?" in proc.stderr, (args, proc.stderr)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ([EX03, "bob", "--until", "2026-12-05 17:00:00 UTC"], ["ex03_conv_layer has no due date", "--duedate"]),
        ([EX01, "bob", "--until", "2026-11-30 17:00:00 UTC"], ["2026-11-30 17:00:00", "not after the due date",
                                                               "2026-12-01 17:00:00"]),
        ([EX01, "bob", "--until", "next friday"], ["'next friday' is not a date and time", "2026-12-01 17:00:00 UTC"]),
        ([EX01, "bob", "--until", "2026-12-05 17:00:00 XYZ"], ["unknown time zone 'XYZ'"]),
        (["ex99_nothing", "bob", "--until", "2026-12-05 17:00:00 UTC"], ["no assignment 'ex99_nothing'",
                                                                        f"known: {EX01}, {EX03}"]),
        ([EX01, "bob smith", "--until", "2026-12-05 17:00:00 UTC"], ["'bob smith' is not a student id"]),
    ],
)
def test_bad_extensions_say_what_they_got(root: Path, args: list[str], words: list[str]) -> None:
    proc = course("extension", *args, root=root, check=False)
    assert proc.returncode == 2, proc
    for w in words:
        assert w in proc.stderr, (w, proc.stderr)


def test_extension_needs_until_or_remove(root: Path) -> None:
    proc = course("extension", EX01, "bob", root=root, check=False)
    assert proc.returncode == 2 and "--until" in proc.stderr and "--remove" in proc.stderr


def test_extension_until_other_time_zone(root: Path) -> None:
    # 2026-12-02 12:00 at UTC-5 is 17:00 UTC: one day after the due date
    course("extension", EX01, "bob", "--until", "2026-12-02 12:00:00 -0500", root=root)
    with Gradebook(_db(root), COURSE_ID) as gb:
        assert gb.find_submission(EX01, "bob").extension == dt.timedelta(days=1)


def _plugin(**config: object):
    from traitlets.config import Config

    from course.gradebook.lateness import CourseLatePolicy

    cfg = Config()
    for key, value in config.items():
        section, name = key.split("__")
        cfg[section][name] = value
    return CourseLatePolicy(config=cfg)


@pytest.mark.parametrize(
    ("seconds", "score", "expected"),
    [
        (0, 10.0, None),  # on time
        (1, 10.0, 1.0),  # one second late is one started day: 10 % of 10
        (86400, 10.0, 1.0),  # exactly 24 h: still one day
        (86401, 10.0, 2.0),  # 24 h + 1 s: two days
        (122400, 11.0, 2.2),  # the issue's 34 h on 11 points: 2 days, 20 %
        (10 * 86400, 8.0, 4.0),  # ten days would be 100 %: capped at 50 %
    ],
)
def test_percent_per_day_with_a_cap(seconds: int, score: float, expected: float | None) -> None:
    plugin = _plugin(CourseLatePolicy__percent_per_day=10.0, CourseLatePolicy__max_percent=50.0)
    assert plugin.late_submission_penalty("s", score, seconds) == expected


def test_nbgrader_methods_zero_and_none_still_work() -> None:
    # set on nbgrader's own class, as nbgrader's documentation says: the course plugin follows it
    zero = _plugin(LateSubmissionPlugin__penalty_method="zero")
    assert zero.late_submission_penalty("s", 11.0, 122400) == 11.0
    assert zero.late_submission_penalty("s", 11.0, 0) is None
    assert _plugin(LateSubmissionPlugin__penalty_method="none").late_submission_penalty("s", 11.0, 122400) is None


def test_grace_minutes_forgive_a_slow_upload() -> None:
    plugin = _plugin(CourseLatePolicy__grace_minutes=5.0)
    assert plugin.late_submission_penalty("s", 10.0, 299) is None
    assert plugin.late_submission_penalty("s", 10.0, 301) == 1.0  # 10 % default


def test_a_bad_policy_value_is_refused_by_name() -> None:
    from traitlets import TraitError

    with pytest.raises(TraitError, match="percent_per_day"):
        _plugin(CourseLatePolicy__penalty_method="percent_per_week")


def test_late_penalty_follows_a_hand_grade_given_later(root: Path) -> None:
    """bob's ex01 is late; a person raises test-b from 0 to 4: the penalty is 20 % of 10 now."""
    course("grades", root=root)
    with Gradebook(_db(root), COURSE_ID) as gb:
        g = gb.find_grade("test-b", EX01, EX01, "bob")
        g.manual_score = 4
        gb.db.commit()
    rows = {(r[0], r[1]): r for r in _rows(course("grades", root=root).stdout)}
    assert rows[("bob", EX01)][2] == "8" and rows[("bob", EX01)][8] == "2"


def test_issue_zero_policy_on_a_late_submission(root: Path) -> None:
    """The issue's setup: ``c.LateSubmissionPlugin.penalty_method = "zero"`` in nbgrader_config.py."""
    cfg = root / "nbgrader_config.py"
    cfg.write_text(cfg.read_text("utf-8") + '\nc.LateSubmissionPlugin.penalty_method = "zero"\n', "utf-8")
    rows = {(r[0], r[1]): r for r in _rows(course("grades", root=root).stdout)}
    assert rows[("bob", EX01)][2:] == ["0", "10", "unknown", "true", "false", "122400", "6", ""]
    assert rows[("alice", EX01)][2] == "10"


# --- hand grades: what a run does to the flag ------------------------------------------------
class _Grade:
    def __init__(self, manual_score: float | None, needs_manual_grade: bool) -> None:
        self.manual_score, self.needs_manual_grade = manual_score, needs_manual_grade


@pytest.mark.parametrize(
    ("manual", "flag_before", "run_flags", "changed", "after"),
    [
        (None, True, True, False, True),  # nobody graded it: the run decides
        (None, True, False, False, False),
        (3.0, False, True, False, False),  # graded by hand, answer unchanged: stays graded
        (3.0, False, True, True, True),  # graded by hand, answer changed: a person must look again
        (3.0, True, False, False, True),  # still flagged: only a person clears the flag
    ],
)
def test_hand_grade_flag_rule(manual, flag_before, run_flags, changed, after) -> None:
    from course.gradebook.handgrades import needs_manual_grade

    assert needs_manual_grade(_Grade(manual, flag_before), run_flags, changed) is after


def test_answer_checksums_compare_the_answer_cell_only() -> None:
    import json

    from course.gradebook.handgrades import answer_changed, answers_of

    def nb(answer: str, other: str) -> bytes:
        cells = [{"cell_type": "markdown", "source": answer, "metadata": {"nbgrader": {
                    "grade_id": "answer-dense", "solution": True, "grade": True}}},
                 {"cell_type": "code", "source": other, "metadata": {"nbgrader": {"grade_id": "code", "solution": True}}},
                 {"cell_type": "code", "source": "assert True", "metadata": {"nbgrader": {"grade_id": "test-c", "grade": True}}}]
        return json.dumps({"cells": cells, "metadata": {}}).encode()

    before = answers_of({"n.ipynb": nb("dense has more", "x = 1")})
    assert not answer_changed(before, answers_of({"n.ipynb": nb("dense has more", "x = 2")}), "n", "answer-dense")
    assert answer_changed(before, answers_of({"n.ipynb": nb("dense has fewer", "x = 1")}), "n", "answer-dense")
    # a test cell's grade rests on every answer cell of the notebook
    assert answer_changed(before, answers_of({"n.ipynb": nb("dense has more", "x = 2")}), "n", "test-c")
    assert not answer_changed(before, answers_of({"n.ipynb": nb("dense has more", "x = 1")}), "n", "test-c")
    assert answer_changed({}, before, "n", "answer-dense")  # nothing to compare with


# --- small defects ------------------------------------------------------------------------------
def test_instructor_outputs_are_ignored_by_git() -> None:
    """Every output the README's "Running a term" writes (``--csv``/``--html``/``--out`` FILE), and
    the defaults, are instructor-only: git must never pick them up (issue 18 #12: all_grades_wide.csv)."""
    readme = (REPO / "README.md").read_text("utf-8")
    suggested = set(re.findall(r"--(?:csv|html|out)[ =]([A-Za-z0-9_<>./-]+)", readme))
    suggested = {s.replace("<ID>", "ex01_convolution_1d").replace("ID", "ex01_convolution_1d").rstrip(".,`")
                 for s in suggested if not s.isupper()}  # FILE, DIR: placeholders
    names = ["all_grades.csv", "all_grades_wide.csv", "all_grades_long.csv", "canvas.csv", "grades_wide.csv",
             "grades_ex01_convolution_1d.csv", "gradebook.db", "gradebook.status.json", "canvas_grades.csv",
             "report_ex01_convolution_1d.html", "report_ex01_convolution_1d.csv", "similarity_ex01_convolution_1d.html",
             "roster.csv", "feedback_bundles/ex01_convolution_1d/alice.zip", "outbox/ex01_convolution_1d/alice.eml",
             *sorted(suggested)]
    names = sorted(set(names))
    proc = subprocess.run(["git", "check-ignore", "--no-index", *names], cwd=REPO, capture_output=True, text=True)
    assert sorted(proc.stdout.split()) == sorted(names)


def test_json_error_names_the_place_once() -> None:
    from course.grading.batch.notebook import problem_with

    text = problem_with(b'{"cells": [ "abc', 500)
    assert text == "the notebook is not valid JSON (Unterminated string starting at line 1, column 13)"
    assert "at at" not in (problem_with(b'{"a\x01": 1}', 500) or "")


def test_course_student_shows_one_student_across_assignments(root: Path) -> None:
    """Issue 18 #9: what an instructor opens when a student emails: name and email, each
    assignment's score, status, lateness and penalty, missing work, feedback, and the total."""
    course("students", "import", str(_roster(root, ROSTER)), root=root)
    bob = course("student", "bob", root=root).stdout
    assert bob.startswith("bob: Bob Builder <bob@example.edu>"), bob
    assert "score 4.8 of 10   status unknown" in bob and "late by 1 day 10 hours: 1.2 points off" in bob, bob
    assert "ex03_conv_layer\n  not submitted: 0 of 10" in bob, bob
    assert "feedback: not generated yet" in bob and bob.rstrip().endswith("total 4.8 of 20"), bob


# --- the words every view shares --------------------------------------------------------------
def _late_alice(root: Path, hours: float) -> None:
    """alice's ex01 (10 points) handed in ``hours`` after the due date."""
    with Gradebook(_db(root), COURSE_ID) as gb:
        gb.find_submission(EX01, "alice").timestamp = DUE + dt.timedelta(hours=hours)
        gb.db.commit()


def test_one_point_off_is_singular_in_every_view(root: Path) -> None:
    """The 25-student term: ``course report`` said "ito: late by 3 hours, 1 points off" (and so did
    its CSV and ``course student``) where the class CSV said "1 point off": the words were built in
    four places. alice: 10 points, 3 hours late -> one started day, 10 % -> 1 point off."""
    from course.gradebook.grades import class_rows
    from course.gradebook.lateness import apply_late_penalties, describe_policy
    from course.gradebook.records import StatusRecords
    from course.grading.batch import load_config
    from course.grading.batch.grader_view import figure_note
    from course.grading.results import Status
    from course.term.commands import text_summary
    from course.term.report import build_report, report_rows
    from course.term.student import student_view

    _late_alice(root, 3)
    cfg, records = load_config(root), StatusRecords.for_gradebook(_db(root), root)
    with Gradebook(_db(root), COURSE_ID) as gb:
        late = apply_late_penalties(gb, EX01, "alice", cfg)
        apply_late_penalties(gb, EX01, "bob", cfg)
        rows = class_rows(gb, EX01, records)
        student = student_view(gb, records, "alice", root)
    report = build_report(root, EX01, rows, describe_policy(cfg))
    views = {"class CSV": rows[0]["reason"], "course student": student, "report": text_summary(report),
             "report CSV": str(report_rows(report)), "formgrader note": figure_note(Status.OK, EX01, "alice", late)}
    for view, text in views.items():
        assert "1 points" not in text, (view, text)
    assert rows[0]["reason"].endswith("late by 3 hours: 1 point off")
    assert "\n  late by 3 hours: 1 point off\n" in student, student
    assert "  alice: late by 3 hours: 1 point off" in views["report"] and "  bob: late by 1 day 10 hours: 1.2 points off" \
        in views["report"], views["report"]
    assert ["late", "alice", "", "1", "2", "", "alice", "late by 3 hours: 1 point off"] in report_rows(report)
    assert "takes 1 point off." in views["formgrader note"], views["formgrader note"]


def test_hand_graded_answers_are_over_those_who_handed_in_a_notebook(root: Path) -> None:
    """The 25-student term: the report's hand-graded section counted two students who handed in no
    notebook (their release's blank answer, nbgrader's 0) as "graded", while its pass rates left
    them out: "25 graded, mean 2.20 of 3" where 23 handed in, mean 2.39. Here: alice's answer got
    3 by hand; bob handed in no ex03 notebook (status missing, the release's answer given 0)."""
    _grade_ex03_bob_missing(root)
    out = root / "report.csv"
    text = course("report", EX03, "--csv", str(out), root=root).stdout
    assert "graded by hand (of the 1 who handed in a readable notebook):\n" in text, text
    assert "\n  answer-dense: 1 graded, mean 3.00 of 3; 0 waiting for a person\n" in text, text
    hand = [r for r in _rows(out.read_text("utf-8")) if r[0] == "hand"]
    assert hand == [["hand", "answer-dense", "", "1", "1", "100.0", "", "mean 3.00 of 3 points; waiting: 0"]]
    assert f"{EX03}: 2 students, mean 5.00 of 10; missing: 1, unknown: 1\n" in text, text  # 10 + 0


def _grade_ex03_bob_missing(root: Path) -> None:
    """bob's ex03 graded as the untouched release (what ``course autograde`` does for missing work)."""
    from course.gradebook.records import StatusRecords
    from course.grading.results import Status, no_notebook_note

    with Gradebook(_db(root), COURSE_ID) as gb:
        _grade(gb, EX03, "bob", {"test-c": 0, "answer-dense": 0}, timestamp=None)
    StatusRecords.for_gradebook(_db(root), root).set(
        EX03, "bob", Status.MISSING, [no_notebook_note(f"{EX03}.ipynb was not submitted: graded as the untouched exercise")])
