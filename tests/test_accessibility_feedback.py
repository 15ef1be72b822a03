"""Accessibility of the feedback page a student receives: an axe-core audit in headless Chromium.

The page is made by the course's own flow, as an instructor would: ``course release``, one
student's submission of exercise 01 with a classic mistake (the kernel not flipped, so some
tests fail and the page carries messages and tracebacks), ``course autograde``, ``course
feedback``. Chromium (Debian's, through test_browser's ``browser`` fixture) opens the HTML file
with every network request refused, and axe-core (``axe-playwright-python``) audits it.

Everything on that page is the course's: nbgrader's template as the course configures it, the
student's notebook, the grader's messages. So every serious or critical violation fails the test,
with no allowlist. The report lands in test-artifacts/accessibility/feedback.json.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from deploy_helpers import ARTIFACTS
from grading_helpers import MISTAKES, apply_mistake, copy_course, course, solved_notebook, write_submission
from test_browser import browser  # noqa: F401  (the browser fixture: Debian's Chromium)

AID = "ex01_convolution_1d"
STUDENT = "no_flip"
REPORTS = ARTIFACTS / "accessibility"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def feedback_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_course(tmp_path_factory.mktemp("feedback-a11y"), [AID])
    course("release", AID, root=root)
    nb, _expect = apply_mistake(solved_notebook(root, AID), MISTAKES / AID / "no_flip.py")
    write_submission(root / "submitted", STUDENT, AID, nb)
    course("autograde", AID, "--submitted", str(root / "submitted"), "--jobs", "1", "--quiet", root=root)
    course("feedback", AID, root=root)
    pages = sorted((root / "feedback" / STUDENT / AID).glob("*.html"))
    assert len(pages) == 1, pages
    return pages[0]


def test_accessibility_axe_audit_of_a_feedback_page(browser, feedback_page: Path) -> None:  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe

    context = browser.new_context(viewport={"width": 1200, "height": 900})
    refused: list[str] = []

    def offline(route) -> None:
        if route.request.url.startswith(("file:", "data:")):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    context.route("**/*", offline)
    page = context.new_page()
    try:
        page.goto(feedback_page.as_uri())
        page.wait_for_load_state("load")
        text = page.inner_text("body")
        assert "convolve1d" in text, "not the feedback page of exercise 01"
        # the page is in English and has a title: what a screen reader announces first
        assert page.evaluate("() => document.documentElement.lang").startswith("en")
        assert page.title().strip()

        results = Axe().run(page)
        REPORTS.mkdir(parents=True, exist_ok=True)
        (REPORTS / "feedback.json").write_text(json.dumps(results.response["violations"], indent=1))
        page.screenshot(path=str(REPORTS / "feedback.png"), full_page=True)
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']} at {' '.join(map(str, n['target']))}: {n['html'][:160]}"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")
            for n in v["nodes"]
        ]
        assert serious == [], "\n".join(serious)
        assert results.response["passes"], "axe-core checked nothing"
    finally:
        context.close()
    (REPORTS / "feedback-refused-requests.txt").write_text("\n".join(refused))
