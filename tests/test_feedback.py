"""The feedback page a student receives (issue 13): `course feedback` through nbgrader's
GenerateFeedback with the course's configuration, template and policy, then the page in
headless Chromium with every network request blocked.

The gradebook and the autograded notebook are written here with nbgrader's own API (the
grader's verdicts as RecordVerdicts writes them), so the page is tested without running an
autograde batch (tests/test_grading_roundtrip.py does that end to end).

- a summary at the top: every test by name, its points and its one-line reason;
- no hidden-test internals: no ``### BEGIN HIDDEN TESTS``, no hidden test's source, no check id;
- maths rendered with no network: TeX became MathML on the grader's machine, and Chromium lays
  it out (a fraction's numerator sits above its denominator), with every request refused;
- messages wrap: at 1,200 px nothing is wider than the page, however long the message.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import shutil
from pathlib import Path
from typing import Any

import nbformat
import pytest

from grading_helpers import REPO, course

AID = "ex02_convolution_2d"
STUDENT = "alice"
DUE = dt.datetime(2026, 12, 1, 17, 0)
CHROMIUM = os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium")
LONG = "AVeryLongUnbrokenTokenThatWouldNotWrapOnItsOwn" * 12
FAILED = {  # grade_id -> the grader's message
    "test-correlate2d-padding": ("one window too few along each axis: your output is 4×4, expected 5×5 for x of shape "
                                 "(5, 5), w of shape (3, 3), padding=1 (0 of 2 cases correct; failed "
                                 "ex02.correlate2d.padding.hidden too) " + LONG),
    "test-conv-output-size-dilation": "conv_output_size returned 3 for n=7, k=3, dilation=2, expected 3.5",
}
MATH_CELL = ("The output size is $\\left\\lfloor \\frac{n + 2p - k}{s} \\right\\rfloor + 1$, and\n\n"
             "$$y[i, j] = \\sum_{u,v} x[i + u, j + v]\\, w[u, v]$$")


@pytest.fixture(scope="module")
def feedback_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`course feedback` for one student of ex02 whose padding test (and one other) failed,
    handed in 3 hours late (1 point off)."""
    from nbgrader.api import Gradebook

    root = tmp_path_factory.mktemp("feedback-course")
    shutil.copy2(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(REPO / "solutions" / AID, root / "solutions" / AID)
    course("release", AID, root=root)
    nb = nbformat.read(REPO / "solutions" / AID / f"{AID}.ipynb", as_version=4)
    nb.cells.insert(1, nbformat.v4.new_markdown_cell(MATH_CELL))
    cells, points = {}, {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            gid = meta["grade_id"]
            points[gid] = float(meta["points"])
            if gid in FAILED:
                cells[gid] = {"passed": False, "kind": "WrongAnswer", "message": FAILED[gid]}
                cell.outputs = [nbformat.v4.new_output("error", ename="WrongAnswer", evalue=FAILED[gid],
                                                       traceback=[f"WrongAnswer: {FAILED[gid]}"])]
            else:
                cells[gid] = {"passed": True, "message": "correct"}
    nb.metadata["course_grading"] = {"cells": cells, "execution": {"status": "ok"}, "order": list(cells)}
    out = root / "autograded" / STUDENT / AID
    out.mkdir(parents=True)
    nbformat.write(nb, out / f"{AID}.ipynb")
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "convolutional-models") as gb:
        gb.update_or_create_student(STUDENT)
        gb.update_or_create_assignment(AID, duedate=DUE)
        gb.add_submission(AID, STUDENT, timestamp=DUE + dt.timedelta(hours=3))
        for gid, pts in points.items():
            grade = gb.find_grade(gid, AID, AID, STUDENT)
            grade.auto_score = 0.0 if gid in FAILED else pts
            grade.needs_manual_grade = False
        # 3 hours late: the penalty as the merge stores it (nbgrader's own field)
        gb.find_submission_notebook(AID, AID, STUDENT).late_submission_penalty = 1.0
        gb.db.commit()
    course("feedback", AID, root=root)
    pages = list((root / "feedback" / STUDENT / AID).glob("*.html"))
    assert len(pages) == 1, pages
    return pages[0]


def _text(page: Path) -> str:
    return page.read_text(encoding="utf-8")


def test_summary_lists_every_test_with_points_and_reason(feedback_page: Path) -> None:
    text = _text(feedback_page)
    summary = text[text.index('<table class="summary">'):text.index("</table>")]
    rows = re.findall(r"<tr class=\"(\w+)\">\s*<td><a href=\"#([^\"]+)\">([^<]+)</a></td>\s*<td[^>]*>([^<]+)</td>"
                      r"\s*<td[^>]*>([^<]+)</td>\s*<td>([^<]*)</td>", summary)
    by_name = {name: (status, pts, result, html.unescape(reason)) for status, _, name, pts, result, reason in rows}
    # ex02's six graded test cells: 1 + 1 + 3 + 2 + 2 + 2 = 11 points
    assert sorted(by_name) == sorted(["conv output size", "conv output size dilation", "correlate2d valid",
                                      "correlate2d stride", "correlate2d padding", "convolve2d"])
    assert by_name["correlate2d padding"][:3] == ("failed", "0 / 2", "✗ failed")
    assert by_name["correlate2d padding"][3].startswith("one window too few along each axis: your output is 4×4")
    assert by_name["correlate2d valid"] == ("passed", "3 / 3", "✓ passed", "passed")
    assert by_name["conv output size dilation"][3] == "conv_output_size returned 3 for n=7, k=3, dilation=2, expected 3.5"
    assert "Score: <strong>7 / 11</strong>" in text  # 11 - 2 - 1, then 1 point off for lateness
    assert text.index('class="summary"') < text.index("Your notebook")


def test_late_note_says_one_point(feedback_page: Path) -> None:
    """The late words are made once (course/gradebook/grades.py): the page said "late penalty of
    1 points" where the class CSV says "1 point off"."""
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", "", _text(feedback_page))).split())
    assert "Submitted 3 hours late (due 2026-12-01 17:00): 1 point off." in text, text[:3000]
    assert "1 points off" not in text and "late penalty of" not in text


def test_no_hidden_test_internals(feedback_page: Path) -> None:
    text = _text(feedback_page)
    assert "BEGIN HIDDEN TESTS" not in text and "END HIDDEN TESTS" not in text
    assert ".hidden" not in text
    assert "correlate2d.padding" not in text.split("Your notebook")[0]  # no check id in the summary
    assert "(0 of 2 cases correct; failed a hidden test too)" in html.unescape(text)


def test_page_is_self_contained_and_maths_is_mathml(feedback_page: Path) -> None:
    text = _text(feedback_page)
    assert "<script" not in text and "mathjax" not in text.lower()
    assert not re.search(r"(src|href)=\"(https?:)?//", text), "the page loads nothing from the network"
    assert re.search(r'<math [^>]*display="block"', text) and re.search(r'<math [^>]*display="inline"', text)
    assert "<mfrac>" in text  # the cell's \frac, as MathML
    assert "$\\left" not in text and "$$" not in text  # no TeX left for a script to typeset


def _browser() -> Any:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    return sync_playwright()


@pytest.mark.browser
def test_in_chromium_offline_maths_renders_and_nothing_overflows(feedback_page: Path) -> None:
    args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
    with _browser() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=args)
        try:
            context = browser.new_context(viewport={"width": 1200, "height": 900}, offline=True)
            refused: list[str] = []

            def block(route: Any) -> None:
                if route.request.url == feedback_page.as_uri():
                    route.continue_()
                else:
                    refused.append(route.request.url)
                    route.abort()

            context.route("**/*", block)
            page = context.new_page()
            page.goto(feedback_page.as_uri())
            page.wait_for_load_state("load")
            assert refused == [], refused
            assert page.evaluate("document.documentElement.scrollWidth") <= 1200
            wide = page.evaluate("""() => [...document.querySelectorAll('main *')]
                .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
                .map(e => e.tagName + '.' + e.className).slice(0, 5)""")
            assert wide == [], wide
            # the long message wraps inside its table cell and its verdict box
            for selector in ("table.summary tr.failed td:last-child", "p.verdict.failed"):
                box = page.evaluate(f"""() => {{ const e = [...document.querySelectorAll({selector!r})]
                    .find(e => e.textContent.includes('AVeryLong'));
                    return [e.scrollWidth, e.clientWidth, e.getBoundingClientRect().height]; }}""")
                assert box[0] <= box[1] and box[2] > 60, (selector, box)  # several lines
            # MathML laid out by the browser: the fraction's numerator above its denominator,
            # the display sum wider than tall, the sum's limits under the sigma
            frac = page.evaluate("""() => { const f = document.querySelector('mfrac');
                const [a, b] = [...f.children].map(c => c.getBoundingClientRect());
                return [a.bottom, b.top, a.height, b.height]; }""")
            assert frac[2] > 0 and frac[3] > 0 and frac[0] <= frac[1] + 1, frac
            display = page.evaluate("""() => { const m = document.querySelector('math[display=block]');
                const r = m.getBoundingClientRect(); return [r.width, r.height, getComputedStyle(m).display]; }""")
            assert display[0] > display[1] > 10 and "math" in display[2], display
            assert "\\frac" not in page.inner_text("main") and "$$" not in page.inner_text("main")
            os.makedirs(REPO / "test-artifacts" / "feedback", exist_ok=True)
            page.screenshot(path=str(REPO / "test-artifacts" / "feedback" / "feedback.png"), full_page=True)
        finally:
            browser.close()


def test_template_files_are_not_git_ignored() -> None:
    """The template ships with the repository (a folder named ``feedback/`` would be ignored)."""
    import subprocess

    from course.grading.feedback import TEMPLATES

    files = sorted(p for p in TEMPLATES.rglob("*") if p.is_file())
    assert {p.name for p in files} >= {"index.html.j2", "conf.json"}
    if not (REPO / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout")
    ignored = subprocess.run(["git", "check-ignore", *map(str, files)], cwd=REPO, capture_output=True, text=True)
    assert ignored.stdout == "", ignored.stdout
