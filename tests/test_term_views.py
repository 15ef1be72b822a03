"""A term, end to end, on a small class (issue 18, "Done when"): the roster, a due date, late
work, an extension granted after grading, a person's hand grade kept through a regrade, a
``tampered`` submission settled by a person, feedback, the report and every export; then every
view of every student's score must agree: ``grades_ex01_convolution_1d.csv``, ``course grades``
long / wide / canvas, ``course student``, the report's histogram and the feedback page.

Six students on ex01 (10 points; the course policy: 10 % of the score per started day late):

- alice: the model solution, on time: 10;
- bob: the model solution, 34 h late; a person then sets test-correlate1d-full (1 point) to 0 in
  the formgrader and bob is regraded: 9 - 20 % = 7.2;
- carol: the model solution, 34 h late, and after grading an extension to 05:00 on the third:
  10, and ``grades_<ID>.csv`` says so without a new autograde run;
- dave: forgot the flip: convolve1d's 6 points lost: 4;
- erin: a folder with notes.txt and no notebook: missing, 0, not submitted;
- frank: patches the test machinery: tampered, 0; a person looks and gives 2 (``course settle``);
  regraded with bob (the same notebook, tampered again), the decision carries over: still 2.

The formgrader's own submission page (nbgrader's exporter, in headless Chromium) says where its
total differs from the course's figure (bob's late penalty, erin's missing work).
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from grading_helpers import (BIN, MISTAKES, apply_mistake, cell_by_id, copy_course, course, env, feedback_text,
                             read_csv, solved_notebook, write_submission)

AID = "ex01_convolution_1d"
DUE = "2026-12-01 17:00:00 UTC"
LATE = "2026-12-03 03:00:00.000000 UTC"  # 34 h late: 2 started days, 20 %
COURSE_ID = "convolutional-models"
EXPECTED = {"alice": "10", "bob": "7.2", "carol": "10", "dave": "4", "erin": "0", "frank": "2"}
TAMPER = '''
import numpy as np
import course.grading.recorder as rec

def convolve1d(x, w, mode="full"):
    return np.zeros(3)

rec.judge = lambda check, results: (True, None, len(results))
'''


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(scope="module")
def term(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = copy_course(tmp_path_factory.mktemp("term-views"), [AID])
    course("release", AID, root=root)
    proc = subprocess.run([str(BIN / "nbgrader"), "db", "assignment", "add", AID, f"--duedate={DUE}"],
                          cwd=root, env=env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    roster = root / "roster.csv"
    roster.write_text("Student ID,First Name,Last Name,Email,LMS ID\n" + "".join(
        f"{sid},{sid.title()},Test,{sid}@example.edu,{900 + i}\n" for i, sid in enumerate(EXPECTED)))
    course("students", "import", str(roster), root=root)

    sub = root / "submitted"
    solved = solved_notebook(root, AID)
    for sid in ("alice", "bob", "carol"):
        write_submission(sub, sid, AID, solved)
    for sid in ("bob", "carol"):
        (sub / sid / AID / "timestamp.txt").write_text(LATE)
    nb, _ = apply_mistake(solved_notebook(root, AID), MISTAKES / AID / "no_flip.py")
    write_submission(sub, "dave", AID, nb)
    (sub / "erin" / AID).mkdir(parents=True)
    (sub / "erin" / AID / "notes.txt").write_text("sorry\n")
    tamper = solved_notebook(root, AID)
    cell_by_id(tamper, "convolve1d").source = TAMPER
    write_submission(sub, "frank", AID, tamper)
    course("autograde", AID, "--submitted", str(sub), "--jobs", "2", "--quiet", root=root)
    csv_path = root / f"grades_{AID}.csv"
    first = read_csv(csv_path)

    # carol writes: she had been ill; the instructor extends her deadline after grading
    ext = course("extension", AID, "carol", "--until", "2026-12-03 05:00:00 UTC", root=root)
    after_extension = read_csv(csv_path)
    # frank's row is tampered: a person looks at the notebook and decides
    settle = course("settle", AID, "frank", "--by", "Dr Lee", "--why", "zeros for convolve1d; correlate1d by hand is right",
                    "--score", "2", root=root)
    # a person lowers one of bob's tests in the formgrader, then bob is regraded, and frank's
    # unchanged notebook with him (a check fixed, say): the person's decision on frank carries over
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", COURSE_ID) as gb:
        grade = gb.find_grade("test-correlate1d-full", AID, AID, "bob")
        grade.manual_score, grade.needs_manual_grade = 0, False
        gb.db.commit()
    regrade = course("autograde", AID, "--submitted", str(sub), "--student", "bob", "--student", "frank",
                     "--jobs", "2", root=root)
    course("feedback", AID, root=root)
    report_csv = root / f"report_{AID}.csv"
    report = course("report", AID, "--csv", str(report_csv), root=root)
    return {"root": root, "csv": csv_path, "first": first, "after_extension": after_extension,
            "extension": ext.stdout, "settle": settle.stdout, "regrade_progress": regrade.stderr, "report": report.stdout,
            "report_rows": _rows(report_csv.read_text("utf-8"))}


def test_the_runs_gave_the_expected_statuses(term: dict) -> None:
    first = term["first"]
    assert {sid: r["status"] for sid, r in first.items()} == {
        "alice": "ok", "bob": "ok", "carol": "ok", "dave": "ok", "erin": "missing", "frank": "tampered"}
    assert first["carol"]["score"] == "8" and first["carol"]["penalty"] == "2"


def test_an_extension_after_grading_refreshes_the_class_csv(term: dict) -> None:
    """Issue 18 #6: the CSV stayed at carol's 8 until the next autograde."""
    carol = term["after_extension"]["carol"]
    assert (carol["score"], carol["late_seconds"], carol["penalty"]) == ("10", "0", "0"), carol
    assert f"CSV: {term['csv']}" in term["extension"]


def test_the_progress_bar_names_the_student_in_flight(term: dict) -> None:
    """Issue 18 #5: the bar sat at 24/25 for 36 s without naming who was being graded. Both
    students of the regrade are in flight at its start (--jobs 2): the bar names them both (the
    old bar named whoever had finished, so one name alone could match it)."""
    assert "waiting for bob, frank" in term["regrade_progress"], term["regrade_progress"][-2000:]


def test_settling_is_recorded_with_who_when_and_why_and_survives_a_regrade(term: dict) -> None:
    """Issue 18 #8: frank was settled at 2, then regraded (the same notebook, tampered again):
    the decision carries over, with its who, when and why, in every view."""
    carried = r"; carried over to the run of \d{4}-\d\d-\d\d \(the same submission\)$"
    frank = read_csv(term["csv"])["frank"]
    assert frank["status"] == "settled" and frank["score"] == "2"
    assert re.search(r"tampered settled by Dr Lee on \d{4}-\d\d-\d\d \(score set to 2\): zeros for convolve1d",
                     frank["reason"]), frank
    assert re.search(carried, frank["reason"]), frank
    long = {r["student_id"]: r for r in _rows(course("grades", root=term["root"]).stdout)}
    assert long["frank"]["status"] == "settled" and long["frank"]["decision"].startswith("tampered settled by Dr Lee")
    assert re.search(carried, long["frank"]["decision"]), long["frank"]
    view = course("student", "frank", root=term["root"]).stdout
    assert "decision on ex01_convolution_1d: tampered settled by Dr Lee" in view
    assert "score 2 of 10   status settled" in view and re.search(carried[:-1], view), view
    again = course("settle", AID, "frank", "--by", "x", "--why", "y", "--accept", root=term["root"], check=False)
    assert again.returncode == 2 and "nothing to settle" in again.stderr


def test_a_hand_grade_survives_the_regrade(term: dict) -> None:
    bob = read_csv(term["csv"])["bob"]
    assert (bob["score"], bob["penalty"]) == ("7.2", "1.8"), bob


def _feedback_score(root: Path, sid: str) -> str:
    text = feedback_text(root, sid, AID)
    found = re.search(r"Score: (?:<strong>)?([0-9.]+) / 10", text)
    assert found, text[:2000]
    return found.group(1)


def test_every_view_of_every_score_agrees(term: dict) -> None:
    root = term["root"]
    views: dict[str, dict[str, str]] = {"grades CSV": {s: r["score"] for s, r in read_csv(term["csv"]).items()}}
    long = _rows(course("grades", "--format", "long", root=root).stdout)
    views["long"] = {r["student_id"]: r["score"] for r in long}
    wide = _rows(course("grades", "--format", "wide", root=root).stdout)
    views["wide"] = {r["student_id"]: r[AID] for r in wide}
    views["wide total"] = {r["student_id"]: r["total"] for r in wide}
    canvas = list(csv.reader(io.StringIO(course("grades", "--format", "canvas", root=root).stdout)))
    views["canvas"] = {line[2]: line[5] for line in canvas[2:]}
    views["course student"] = {}
    for sid in EXPECTED:
        text = course("student", sid, root=root).stdout
        views["course student"][sid] = re.search(r"^total ([0-9.]+) of 10$", text, re.M).group(1)
    views["feedback"] = {sid: _feedback_score(root, sid) for sid in EXPECTED}
    for name, view in views.items():
        assert view == EXPECTED, (name, view)
    # the report's histogram counts the same scores
    bins = {r["item"]: int(r["count"]) for r in term["report_rows"] if r["section"] == "score"}
    for label, count in bins.items():
        assert count == sum(1 for s in EXPECTED.values() if int(float(s)) == int(label)), (label, bins)
    mean = sum(float(s) for s in EXPECTED.values()) / len(EXPECTED)
    assert f"mean {mean:.2f} of 10" in term["report"]


def test_missing_work_is_not_submitted_anywhere(term: dict) -> None:
    long = {r["student_id"]: r for r in _rows(course("grades", root=term["root"]).stdout)}
    assert (long["erin"]["status"], long["erin"]["submitted"]) == ("missing", "false")
    assert "not submitted: graded as the untouched exercise" in feedback_text(term["root"], "erin", AID)


def test_the_report_counts_late_work_and_submitters(term: dict) -> None:
    late = [r for r in term["report_rows"] if r["section"] == "late"]
    assert [r["item"] for r in late] == ["bob"]  # carol's extension lifted hers
    tests = [r for r in term["report_rows"] if r["section"] == "test"]
    assert tests and all(r["of"] == "5" for r in tests)  # erin handed in nothing


def test_feedback_leaves_without_the_exchange(term: dict, tmp_path: Path) -> None:
    """Issue 18 #10: a zip per student, a zip for Canvas's Re-Upload Submissions, and messages
    written to a folder (a dry run: nothing is sent)."""
    import email
    import zipfile

    root = term["root"]
    out = course("feedback-bundle", AID, "--out", str(tmp_path / "zips"), root=root).stdout
    with zipfile.ZipFile(tmp_path / "zips" / "alice.zip") as z:
        assert z.namelist() == [f"{AID}/{AID}.html"]
        assert "Score: <strong>10 / 10" in z.read(f"{AID}/{AID}.html").decode()
    with zipfile.ZipFile(tmp_path / "zips" / f"canvas_{AID}.zip") as z:
        names = sorted(z.namelist())
    assert names[0] == f"testalice_900_{AID}_{AID}.html" and len(names) == len(EXPECTED), names
    assert "zip: " in out
    mail = course("feedback-mail", AID, "--from", "Dr Lee <lee@example.edu>", "--outbox", str(tmp_path / "out"),
                  root=root).stdout
    assert "Nothing was sent" in mail
    msg = email.message_from_bytes((tmp_path / "out" / "bob.eml").read_bytes())
    assert msg["To"] == "bob@example.edu" and msg["Subject"].endswith(f"feedback on {AID}")
    (attachment,) = [p for p in msg.walk() if p.get_filename()]
    assert attachment.get_filename() == f"{AID}.html" and b"7.2 / 10" in attachment.get_payload(decode=True)
    typo = course("feedback-mail", AID, "--from", "x@y", "--student", "bbo", root=root, check=False)
    assert typo.returncode == 2 and "did you mean bob?" in typo.stderr


# --- the formgrader: nbgrader's own submission page, in headless Chromium ---------------------
def formgrader_texts(root: Path, students: list[str], aid: str = AID) -> dict[str, str]:
    """The text of each student's submission page exactly as nbgrader's formgrader renders it
    (its exporter and extra configuration with the course's configuration), read by headless
    Chromium (one browser for all the pages)."""
    from nbconvert.exporters import HTMLExporter
    from nbgrader.server_extensions.formgrader import handlers
    from playwright.sync_api import sync_playwright
    from traitlets.config import Config

    from course.grading.batch import load_config
    from test_browser import CHROMIUM, CHROMIUM_ARGS

    cfg = load_config(root)
    extra = Config()
    extra.HTMLExporter.template_name = "formgrade"
    extra.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    cfg.merge(extra)
    files = {}
    for student in students:
        resources = {"assignment_id": aid, "notebook_id": aid, "submission_id": "x", "index": 0, "total": 1,
                     "base_url": "", "student": student, "last_name": "T", "first_name": student,
                     "notebook_path": f"autograded/{student}/{aid}/{aid}.ipynb"}
        html, _ = HTMLExporter(config=cfg).from_filename(str(root / "autograded" / student / aid / f"{aid}.ipynb"),
                                                         resources=resources)
        files[student] = root / f"formgrader-{student}.html"
        files[student].write_text(html, encoding="utf-8")
    texts = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page()
        page.route("**/*", lambda route: route.abort() if not route.request.url.startswith("file://")
                   else route.continue_())
        for student, path in files.items():
            page.goto(path.as_uri())
            texts[student] = page.inner_text("body")
        browser.close()
    return texts


@pytest.mark.browser
def test_the_formgrader_page_says_which_figure_counts(term: dict) -> None:
    """Issue 18 #3: the formgrader showed bob's score before the late penalty and erin's missing
    work as graded 0 with no timestamp, with no word that the course's figure differs."""
    root = term["root"]
    pages = formgrader_texts(root, ["bob", "erin", "alice", "carol"])
    bob = pages["bob"]
    assert "Late by 1 day 10 hours" in bob and "1.8 points off" in bob and "before that penalty" in bob, bob[:3000]
    assert "grades_ex01_convolution_1d.csv" in bob and "course student bob" in bob
    erin = pages["erin"]
    assert "No notebook was handed in" in erin and "It is not a submission" in erin
    alice = pages["alice"]
    assert "Course grading note" not in alice  # on time, ok: nbgrader's figure is the course's
    carol = pages["carol"]
    assert "Late by" not in carol  # the extension after grading rewrote the note
    # graders only: the student's feedback never shows the note
    assert "Course grading note" not in feedback_text(root, "bob", AID)
