"""A whole class of ex01 through the term's commands: one ``course autograde`` of 24 mixed
submissions (correct, untouched, every catalogued mistake, two students with the same mistake,
broken JSON, missing work, a renamed notebook, late work with and without an extension, and
students who wrote their own code), then ``course report``, ``course similarity``,
``course feedback``, ``course students import`` + ``course grades --format canvas`` and a
``course autograde --student`` regrade merged into the class CSV.

Expected figures are worked out by hand from the exercise (ex01: convolve1d's three tests are
2 points each, correlate1d's are 2, 1 and 1) and the course late policy in nbgrader_config.py
(10 % of the score per started day late, at most 50 %).
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import nbformat
import pytest

from grading_helpers import (
    BIN,
    MISTAKES,
    apply_mistake,
    cell_by_id,
    copy_course,
    course,
    env,
    feedback_text,
    mistakes,
    read_csv,
    solved_notebook,
    write_submission,
)

AID = "ex01_convolution_1d"
NAME = f"{AID}.ipynb"
DUE = "2026-12-01 17:00:00 UTC"
LATE = "2026-12-03 03:00:00.000000 UTC"  # 34 h after DUE: 2 started days, 20 %
TESTS = {"test-convolve1d-full": 2, "test-convolve1d-same": 2, "test-convolve1d-valid": 2,
         "test-correlate1d-valid": 2, "test-correlate1d-same": 1, "test-correlate1d-full": 1}

# Students who wrote their own code. copy-b is copy-a with every name changed and other comments.
COPY_A = ('''import numpy as np


def convolve1d(x, w, mode="full"):
    signal = np.asarray(x)
    kernel = np.asarray(w)
    n, k = len(signal), len(kernel)
    out = np.zeros(n + k - 1, dtype=np.result_type(signal, kernel))
    for i in range(n):
        for j in range(k):
            out[i + j] += signal[i] * kernel[j]  # every product lands at lag i + j
    if mode == "full":
        return out
    if mode == "same":
        begin = (min(n, k) - 1) // 2
        return out[begin:begin + max(n, k)]
    return out[min(n, k) - 1:max(n, k)]
''', '''def correlate1d(x, w, mode="valid"):
    kernel = np.asarray(w)
    return convolve1d(x, kernel[::-1], mode)
''')
COPY_B = ('''import numpy as np


def convolve1d(x, w, mode="full"):
    # my loop version
    xs = np.asarray(x)
    ws = np.asarray(w)
    length, width = len(xs), len(ws)
    y = np.zeros(length + width - 1, dtype=np.result_type(xs, ws))
    for p in range(length):
        for q in range(width):
            y[p + q] += xs[p] * ws[q]
    if mode == "full":
        return y
    if mode == "same":
        first = (min(length, width) - 1) // 2
        return y[first:first + max(length, width)]
    return y[min(length, width) - 1:max(length, width)]
''', '''def correlate1d(x, w, mode="valid"):
    ws = np.asarray(w)
    return convolve1d(x, ws[::-1], mode)
''')
INDEP_1 = ('''import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _full(x, w):
    x = np.asarray(x)
    w = np.asarray(w)
    padded = np.pad(x, (len(w) - 1, len(w) - 1))
    return sliding_window_view(padded, len(w)) @ w


def _cut(full, n, k, mode):
    if mode == "same":
        s = (min(n, k) - 1) // 2
        return full[s:s + max(n, k)]
    if mode == "valid":
        return full[min(n, k) - 1:max(n, k)]
    return full


def convolve1d(x, w, mode="full"):
    w = np.asarray(w)
    full = _full(x, w[::-1]).astype(np.result_type(np.asarray(x), w))
    return _cut(full, len(x), len(w), mode)
''', '''def correlate1d(x, w, mode="valid"):
    w = np.asarray(w)
    full = _full(x, w).astype(np.result_type(np.asarray(x), w))
    return _cut(full, len(x), len(w), mode)
''')
INDEP_2 = ('''import numpy as np


def convolve1d(x, w, mode="full"):
    a = np.asarray(x)
    b = np.asarray(w)
    n, k = a.size, b.size
    terms = [[a[s] * b[t - s] for s in range(max(0, t - k + 1), min(n, t + 1))] for t in range(n + k - 1)]
    full = np.array([sum(ts) for ts in terms], dtype=np.result_type(a, b))
    if mode == "same":
        lo = (min(n, k) - 1) // 2
        return full[lo:lo + max(n, k)]
    if mode == "valid":
        return full[min(n, k) - 1:max(n, k)]
    return full
''', '''def correlate1d(x, w, mode="valid"):
    return convolve1d(x, np.asarray(w)[::-1], mode)
''')
OWN_CODE = {"copy-a": COPY_A, "copy-b": COPY_B, "indep-1": INDEP_1, "indep-2": INDEP_2}
FULL_MARKS = ["solution-1", "solution-2", "renamed", "late-extended", *OWN_CODE]


def _own(root: Path, code: tuple[str, str]) -> nbformat.NotebookNode:
    nb = nbformat.read(root / "exercises" / AID / NAME, 4)
    cell_by_id(nb, "convolve1d").source, cell_by_id(nb, "correlate1d").source = code
    return nb


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The class, graded once; the due date set with nbgrader's own command, one extension."""
    root = copy_course(tmp_path_factory.mktemp("term-class"), [AID])
    course("release", AID, root=root)
    proc = subprocess.run([str(BIN / "nbgrader"), "db", "assignment", "add", AID, f"--duedate={DUE}"],
                          cwd=root, env=env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]

    sub = root / "submitted"
    solved = solved_notebook(root, AID)
    for sid in ("solution-1", "solution-2", "late", "late-extended"):
        write_submission(sub, sid, AID, solved)
    for sid in ("late", "late-extended"):
        (sub / sid / AID / "timestamp.txt").write_text(LATE)
    release = nbformat.read(root / "exercises" / AID / NAME, 4)
    write_submission(sub, "untouched-1", AID, release)
    write_submission(sub, "untouched-2", AID, release)
    expect = {}
    for m in mistakes(AID):
        nb, expect[f"mistake-{m.stem}"] = apply_mistake(solved_notebook(root, AID), m)
        write_submission(sub, f"mistake-{m.stem}", AID, nb)
    nb, expect["mistake-no_flip-2"] = apply_mistake(solved_notebook(root, AID), MISTAKES / AID / "no_flip.py")
    write_submission(sub, "mistake-no_flip-2", AID, nb)
    write_submission(sub, "broken-json", AID, nbformat.writes(solved)[:-200])
    (sub / "missing-folder").mkdir(parents=True)
    (sub / "missing-notebook" / AID).mkdir(parents=True)
    (sub / "missing-notebook" / AID / "notes.txt").write_text("I ran out of time\n")
    write_submission(sub, "renamed", AID, solved, name=f"{AID} (1).ipynb")
    for sid, code in OWN_CODE.items():
        write_submission(sub, sid, AID, _own(root, code))
    roster = root / "roster.csv"  # the term starts with the class list: ids only, names come later
    roster.write_text("id,first name,last name,email\n" + "".join(f"{p.name},,,\n" for p in sorted(sub.iterdir())))
    course("students", "import", str(roster), root=root)
    course("extension", AID, "late-extended", "--until", "2026-12-03 05:00:00 UTC", root=root)

    proc = course("autograde", AID, "--submitted", str(sub), "--jobs", "2", "--quiet", root=root)
    csv_path = root / f"grades_{AID}.csv"
    return {"root": root, "submitted": sub, "csv": csv_path, "rows": read_csv(csv_path), "expect": expect,
            "summary": proc.stdout}


def test_the_class_is_at_least_twenty_mixed_submissions(graded: dict) -> None:
    rows = graded["rows"]
    assert len(rows) == 24 and len(rows) == len(list(graded["submitted"].iterdir()))
    assert Counter(r["status"] for r in rows.values()) == {"ok": 21, "missing": 2, "invalid": 1}


def test_class_csv_scores(graded: dict) -> None:
    rows = graded["rows"]
    for sid in FULL_MARKS:
        assert (rows[sid]["score"], rows[sid]["max_score"]) == ("10", "10"), rows[sid]
    for sid in ("untouched-1", "untouched-2", "broken-json", "missing-folder", "missing-notebook"):
        assert rows[sid]["score"] == "0", rows[sid]
    # convolve1d wrong in every mode: its 3 x 2 points lost, correlate1d's 4 kept
    for sid in ("mistake-no_flip", "mistake-no_flip-2", "mistake-shortcut_np_convolve"):
        assert rows[sid]["score"] == "4", rows[sid]
    assert rows["mistake-same_not_centred"]["score"] == "8"  # only convolve1d's "same" test
    for sid in graded["expect"]:
        assert float(rows[sid]["score"]) < 10, rows[sid]


def test_late_work_and_the_extension(graded: dict) -> None:
    rows = graded["rows"]
    # 34 h late: 2 started days at 10 % of 10 points
    assert [rows["late"][k] for k in ("score", "late_seconds", "penalty")] == ["8", "122400", "2"]
    # extended to 2026-12-03 05:00: on time
    assert [rows["late-extended"][k] for k in ("score", "late_seconds", "penalty")] == ["10", "0", "0"]
    assert rows["solution-1"]["late_seconds"] == "0"  # no timestamp.txt: not late


def test_reasons_explain_missing_unreadable_and_renamed_work(graded: dict) -> None:
    rows = graded["rows"]
    assert "the notebook is not valid JSON (" in rows["broken-json"]["reason"]
    assert "at at" not in rows["broken-json"]["reason"]
    assert f"no folder {AID}" in rows["missing-folder"]["reason"]
    assert f"{NAME} was not submitted" in rows["missing-notebook"]["reason"]
    assert "notes.txt" in rows["missing-notebook"]["reason"]
    assert f"graded {AID} (1).ipynb in its place" in rows["renamed"]["reason"]


def test_missing_work_reason_leads_with_what_counts(graded: dict) -> None:
    """The 25-student term: a missing student's reason led with the ignored file, then listed the
    release's six failed tests, and the 90-character summary line showed only the ignored file."""
    rows = graded["rows"]
    assert rows["missing-notebook"]["reason"] == (f"{NAME} was not submitted: graded as the untouched exercise; only "
                                                  "the notebook is graded; other files in the submission were "
                                                  "ignored: notes.txt")
    assert re.search(rf"^missing-notebook\s+0/10\s+missing\s+{re.escape(NAME)} was not submitted",
                     graded["summary"], re.M), graded["summary"]
    assert rows["missing-folder"]["reason"] == (f"no folder {AID} in the student's submission: graded as the "
                                                "untouched exercise")
    assert rows["broken-json"]["reason"].startswith("the notebook is not valid JSON (")
    assert "tests failed" not in rows["broken-json"]["reason"], rows["broken-json"]


def test_long_export_says_who_handed_nothing_in(graded: dict) -> None:
    """Issue 18 #2: a folder without a notebook was exported as submitted=true, with no status."""
    rows = {r["student_id"]: r for r in _rows(course("grades", "--format", "long", root=graded["root"]).stdout)}
    for sid in ("missing-notebook", "missing-folder"):
        assert (rows[sid]["status"], rows[sid]["submitted"], rows[sid]["score"]) == ("missing", "false", "0"), rows[sid]
    assert (rows["broken-json"]["status"], rows["broken-json"]["submitted"]) == ("invalid", "true")
    assert (rows["late"]["status"], rows["late"]["submitted"], rows["late"]["score"]) == ("ok", "true", "8")
    assert all(rows[sid]["status"] == graded["rows"][sid]["status"] for sid in graded["rows"])


def test_reason_says_the_late_penalty(graded: dict) -> None:
    """Issue 18 #5: a late student's summary line said "8/10 ok all tests passed"."""
    assert graded["rows"]["late"]["reason"] == "all tests passed; late by 1 day 10 hours: 2 points off"
    assert re.search(r"^late\s+8/10\s+ok\s+all tests passed; late by 1 day 10 hours: 2 points off$",
                     graded["summary"], re.M), graded["summary"]
    assert "submission_secret" not in graded["csv"].read_text("utf-8")


def test_feedback_explains_what_happened_to_the_notebook(graded: dict) -> None:
    root = graded["root"]
    course("feedback", AID, root=root)
    assert "the notebook is not valid JSON" in feedback_text(root, "broken-json", AID)
    assert f"no folder {AID}" in feedback_text(root, "missing-folder", AID)
    assert f"{NAME} was not submitted" in feedback_text(root, "missing-notebook", AID)
    assert f"graded {AID} (1).ipynb in its place" in feedback_text(root, "renamed", AID)
    one = course("feedback", AID, "--student", "late", root=root)
    assert one.stdout.startswith("1 feedback report(s) in ") and "/late/" in one.stdout  # issue 18 #5: said 25
    typo = course("feedback", AID, "--student", "lat", root=root, check=False)
    assert typo.returncode == 2 and "did you mean late" in typo.stderr
    late = feedback_text(root, "late", AID)
    assert "1 day 10 hours" in late and re.search(r"\b2 points?\b", late), late[-3000:]
    assert "in its place" not in feedback_text(root, "solution-1", AID)


# --- the misconception report ------------------------------------------------------------------
@pytest.fixture(scope="module")
def report(graded: dict) -> dict:
    root = graded["root"]
    html, csv_out = root / f"report_{AID}.html", root / f"report_{AID}.csv"
    proc = course("report", AID, "--html", str(html), "--csv", str(csv_out), root=root)
    return {"text": proc.stdout, "html": html.read_text("utf-8"), "rows": _rows(csv_out.read_text("utf-8"))}


def _section(report: dict, section: str) -> list[dict[str, str]]:
    return [r for r in report["rows"] if r["section"] == section]


def test_report_counts_the_students_who_forgot_the_flip(report: dict) -> None:
    no_flip = [r for r in _section(report, "mistake") if r["item"].split(" / ")[0] == "no flip"]
    assert len(no_flip) == 1
    # of the 21 who handed in a readable notebook (not the missing and the unreadable: issue 18 #7)
    assert (no_flip[0]["count"], no_flip[0]["of"], no_flip[0]["function"]) == ("2", "21", "convolve1d")
    assert no_flip[0]["students"] == "mistake-no_flip;mistake-no_flip-2"
    assert re.search(r"^\s+2\s+convolve1d: no flip\b", report["text"], re.M), report["text"]


def test_report_statuses_and_histogram_agree_with_the_csv(graded: dict, report: dict) -> None:
    rows = graded["rows"].values()
    statuses = {r["item"]: int(r["count"]) for r in _section(report, "status")}
    assert statuses == dict(Counter(r["status"] for r in rows)) == {"ok": 21, "missing": 2, "invalid": 1}
    # max 10: one bin per point, 0 .. 10
    bins = {r["item"]: int(r["count"]) for r in _section(report, "score")}
    assert list(bins) == [str(i) for i in range(11)]
    assert bins == {str(i): sum(1 for r in rows if int(float(r["score"])) == i) for i in range(11)}
    assert bins["10"] == len(FULL_MARKS) and bins["8"] >= 2  # late, same_not_centred
    mean = sum(float(r["score"]) for r in rows) / 24
    assert f"mean {mean:.2f} of 10" in report["text"]


def test_report_pass_rates_add_up_to_every_students_score(graded: dict, report: dict) -> None:
    """A student's score before the late penalty is the points of the tests they passed. Pass
    rates are over the 21 students who handed in a readable notebook (issue 18 #7)."""
    tests = {r["item"]: r for r in _section(report, "test")}
    assert set(tests) == set(TESTS)
    no_notebook = {"broken-json", "missing-folder", "missing-notebook"}
    for gid, r in tests.items():
        assert int(r["of"]) == 21
        failed = set(filter(None, r["students"].split(";")))
        assert int(r["count"]) == 21 - len(failed) and not failed & no_notebook
    for sid, row in graded["rows"].items():
        if sid in no_notebook:
            assert row["score"] == "0"
            continue
        earned = sum(points for gid, points in TESTS.items() if sid not in tests[gid]["students"].split(";"))
        assert earned == float(row["score"]) + float(row["penalty"]), sid
    full = tests["test-convolve1d-full"]
    assert {"mistake-no_flip", "untouched-1"} <= set(full["students"].split(";"))


def test_report_has_a_late_work_section(graded: dict, report: dict) -> None:
    """Issue 18 #7: the report had no late-work section."""
    late = _section(report, "late")
    assert [(r["item"], r["detail"]) for r in late] == [("late", "late by 1 day 10 hours: 2 points off")]
    assert "late work: 1 submission(s) (10% of the score per started day late, at most 50%)" in report["text"]
    assert "  late: late by 1 day 10 hours: 2 points off" in report["text"]
    assert 'data-section="late" data-item="late"' in report["html"]


def test_report_names_every_student_who_lost_points(graded: dict, report: dict) -> None:
    named: set[str] = set()
    for r in _section(report, "mistake") + _section(report, "failure"):
        assert int(r["count"]) == len(r["students"].split(";")) if r["students"] else r["count"] == "0"
        named |= set(filter(None, r["students"].split(";")))
    lost = {sid for sid, row in graded["rows"].items() if float(row["score"]) + float(row["penalty"]) < 10}
    assert named == lost
    def who(label: str) -> set[str]:
        return {s for r in _section(report, "failure") if r["item"].startswith(label) for s in r["students"].split(";")}

    assert who("not attempted") == {"untouched-1", "untouched-2"}
    assert who("no readable notebook") == {"broken-json", "missing-folder", "missing-notebook"}
    # counted once per function, not once per test cell
    assert [r["count"] for r in _section(report, "failure") if r["item"].startswith("no readable")] == ["3", "3"]


def test_report_html_is_one_self_contained_page(report: dict) -> None:
    html = report["html"]
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html
    for fetch in ("<script", "<link", " src=", "url(", "@import", "http://", "https://"):
        assert fetch not in html, fetch
    # the figures carry the CSV's numbers
    assert re.search(r'data-section="mistake" data-item="no flip[^"]*" data-function="convolve1d" data-count="2"', html)
    assert 'data-section="status" data-item="missing" data-function="" data-count="2"' in html


def test_report_errors_say_what_they_got(graded: dict) -> None:
    proc = course("report", "ex99_nothing", root=graded["root"], check=False)
    assert proc.returncode == 2
    assert "no assignment 'ex99_nothing'" in proc.stderr and AID in proc.stderr


# --- similarity ------------------------------------------------------------------------------
def test_similarity_ranks_the_renamed_copy_first(graded: dict, tmp_path: Path) -> None:
    root = graded["root"]
    folder = tmp_path / "own"
    for sid in [*OWN_CODE, "untouched-1"]:
        shutil.copytree(graded["submitted"] / sid, folder / sid)
    html = root / f"similarity_{AID}.html"
    proc = course("similarity", AID, "--submitted", str(folder), "--html", str(html), "--threshold", "0", root=root)
    ranked = [ln.split()[-3:] for ln in proc.stdout.splitlines() if re.match(r"^\s+\d+\s", ln)]
    assert ranked[0] == ["copy-a", "~", "copy-b"], proc.stdout
    top = re.search(r"^\s+1\s+(\d+)%", proc.stdout, re.M)
    second = re.search(r"^\s+2\s+(\d+)%", proc.stdout, re.M)
    assert int(top.group(1)) >= 90 and int(second.group(1)) < 50, proc.stdout
    # the default threshold (50 %) lists the copied pair alone, as one cluster
    plain = course("similarity", AID, "--submitted", str(folder), root=root).stdout
    assert [ln.split()[-3:] for ln in plain.splitlines() if re.match(r"^\s+\d+\s", ln)] == [["copy-a", "~", "copy-b"]]
    assert "  cluster 1: copy-a, copy-b\n" in plain and "cluster 2" not in plain
    # the untouched release has no code of its own once the release is left out: said so, not ranked
    assert "the release's code only (nothing of their own to compare): untouched-1\n" in proc.stdout
    assert proc.stdout.count("untouched-1") == 1
    assert "never a penalty" in proc.stdout
    text = html.read_text("utf-8")
    assert '<tr data-a="copy-a" data-b="copy-b"' in text and "<mark>" in text and "<script" not in text


def test_similarity_finds_the_copiers_among_students_with_the_model_solution(graded: dict) -> None:
    """Issue 18 #4: with many students handing in the model solution, the pair who copied with
    renamed variables ranked 46th and never showed. Now the solution's code is told apart, the
    copiers are the first pair and the only cluster; reads autograded/ by default."""
    proc = course("similarity", AID, root=graded["root"])
    out = proc.stdout
    ranked = [ln.split()[-3:] for ln in out.splitlines() if re.match(r"^\s+\d+\s", ln)]
    assert ranked[0] == ["copy-a", "~", "copy-b"], out
    solution_line = next(ln for ln in out.splitlines() if ln.startswith("matches the model solution"))
    for sid in ("solution-1", "solution-2", "late", "late-extended", "renamed"):
        assert f" {sid} (" in solution_line, out
    assert "copy-a" not in solution_line and "indep-1" not in solution_line
    assert re.search(r"^  cluster 1: copy-a, copy-b$", out, re.M), out
    # graded as the untouched release: the missing, the unreadable and the untouched
    assert ("the release's code only (nothing of their own to compare): broken-json, missing-folder, "
            "missing-notebook, untouched-1, untouched-2\n") in out
    assert out.count("untouched-1") == 1
    # --top and --threshold on the command line
    one = course("similarity", AID, "--top", "1", "--threshold", "0", root=graded["root"]).stdout
    assert len([ln for ln in one.splitlines() if re.match(r"^\s+\d+\s", ln)]) == 1 and "raise --top" in one
    bad = course("similarity", AID, "--top", "0", root=graded["root"], check=False)
    assert bad.returncode == 2 and "--top must be 1 or more" in bad.stderr


def test_similarity_shows_the_copiers_among_many_with_the_model_solution(tmp_path: Path) -> None:
    """Issue 18 #4 as measured: with many students handing in the model solution, the pair that
    copied with renamed variables ranked 46th and fell below the 30-pair list. Default options."""
    root = copy_course(tmp_path / "c", [AID])
    course("release", AID, root=root)
    sub = tmp_path / "sub"
    for i in range(10):
        write_submission(sub, f"sol-{i:02d}", AID, solved_notebook(root, AID))
    for sid, code in {"zz-copy-a": COPY_A, "zz-copy-b": COPY_B, "indep-1": INDEP_1, "indep-2": INDEP_2}.items():
        write_submission(sub, sid, AID, _own(root, code))
    out = course("similarity", AID, "--submitted", str(sub), root=root).stdout
    ranked = [line.split()[-3:] for line in out.splitlines() if re.match(r"^\s+\d+\s", line)]
    assert ["zz-copy-a", "~", "zz-copy-b"] in ranked, out


def test_similarity_needs_two_students(graded: dict, tmp_path: Path) -> None:
    shutil.copytree(graded["submitted"] / "copy-a", tmp_path / "one" / "copy-a")
    proc = course("similarity", AID, "--submitted", str(tmp_path / "one"), root=graded["root"], check=False)
    assert proc.returncode == 2 and "1 student(s) with answer code" in proc.stderr and "at least 2" in proc.stderr


# --- roster and the LMS export ----------------------------------------------------------------
def test_roster_then_canvas_export_of_the_class(graded: dict, tmp_path: Path) -> None:
    root = graded["root"]
    roster = tmp_path / "roster.csv"
    names = sorted(graded["rows"])
    roster.write_text("Student ID,First Name,Last Name,Email,LMS ID\n" + "".join(
        f"{sid},First{i},Last{i},{sid}@example.edu,{5000 + i}\n" for i, sid in enumerate(names)))
    course("students", "import", str(roster), root=root)
    out = tmp_path / "canvas.csv"
    course("grades", "--format", "canvas", "--csv", str(out), root=root)
    lines = list(csv.reader(io.StringIO(out.read_text("utf-8"))))
    assert lines[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", AID]
    assert lines[1] == ["    Points Possible", "", "", "", "", "10"]
    by_id = {ln[2]: ln for ln in lines[2:]}
    assert len(by_id) == 24
    i = names.index("late")
    assert by_id["late"] == [f"Last{i}, First{i}", str(5000 + i), "late", "late@example.edu", "", "8"]
    assert by_id["missing-folder"][5] == "0" and by_id["copy-b"][5] == "10"


# --- regrading one student ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def regraded(graded: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A copy of the graded course in which mistake-no_flip-2 fixed the flip and was regraded
    alone with ``--student``."""
    root = Path(shutil.copytree(graded["root"], tmp_path_factory.mktemp("term-regrade") / "course"))
    before = (root / f"grades_{AID}.csv").read_text("utf-8")
    sub = root / "submitted"
    write_submission(sub, "mistake-no_flip-2", AID, solved_notebook(root, AID))
    proc = course("autograde", AID, "--submitted", str(sub), "--student", "mistake-no_flip-2", "--jobs", "1",
                  "--quiet", root=root)
    return {"root": root, "before": before, "after": (root / f"grades_{AID}.csv").read_text("utf-8"),
            "summary": proc.stdout}


def test_student_regrade_merges_into_the_class_csv(regraded: dict) -> None:
    before, after = regraded["before"].splitlines(), regraded["after"].splitlines()
    assert len(after) == len(before) == 25  # the header and 24 students: nothing lost
    changed = [(b, a) for b, a in zip(before, after) if b != a]
    assert len(changed) == 1 and changed[0][1].startswith("mistake-no_flip-2,")
    assert _rows(regraded["after"])[[r["student_id"] for r in _rows(regraded["after"])].index("mistake-no_flip-2")][
        "score"] == "10"
    # the summary shows the one student graded, and says the CSV kept the others
    assert "mistake-no_flip-2" in regraded["summary"] and "mistake-no_flip " not in regraded["summary"]
    assert "23 student(s) graded by earlier runs" in regraded["summary"]


def test_report_after_the_regrade_counts_one_no_flip(regraded: dict) -> None:
    out = regraded["root"] / "r.csv"
    course("report", AID, "--csv", str(out), root=regraded["root"])
    row = [r for r in _rows(out.read_text("utf-8")) if r["section"] == "mistake" and r["item"].startswith("no flip")]
    assert (row[0]["count"], row[0]["students"]) == ("1", "mistake-no_flip")


def test_student_flag_errors_name_what_exists(graded: dict, tmp_path: Path) -> None:
    root = graded["root"]
    before = graded["csv"].read_text("utf-8")
    proc = course("autograde", AID, "--submitted", str(graded["submitted"]), "--student", "ghost", "--quiet",
                  root=root, check=False)
    assert proc.returncode == 2 and "--student ghost: no folder" in proc.stderr and "broken-json" in proc.stderr
    proc = course("autograde", AID, "--submitted", str(graded["submitted"]), "--student", "two words", "--quiet",
                  root=root, check=False)
    assert proc.returncode == 2 and "'two words' is not a student id" in proc.stderr
    assert graded["csv"].read_text("utf-8") == before
