"""Student content is inert wherever it is rendered: the feedback HTML a student receives and the
formgrader's view of a submission (the instructor's browser).

A student hides scripts in a markdown cell and in the outputs of their answer cell; the batch
grades the notebook through ``course autograde``; ``course feedback`` writes the feedback page;
the formgrader's exporter (nbgrader's own ``HTMLExporter`` set up as ``FormgradeExtension`` sets
it up, with the course's ``nbgrader_config.py``) renders the submission. Headless Chromium, with
every network request blocked, opens both pages: the student's words are there, and no script of
theirs ran.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from grading_helpers import cell_by_id, copy_course, course, solved_notebook, write_submission
from test_browser import CHROMIUM, CHROMIUM_ARGS

AID = "ex01_convolution_1d"
MARK = "STUDENT-NOTE-7731"
HOSTILE_MARKDOWN = (f"{MARK} <script>window.__pwned = 'markdown script'</script>"
                    "<img src=x onerror=\"window.__pwned = 'markdown onerror'\">"
                    "[click](javascript:window.__pwned='markdown link')")
HOSTILE_OUTPUT = '''
from IPython.display import HTML, Javascript, display
display(HTML("<script>window.__pwned = 'output script'</script><img src=x onerror=\\"window.__pwned = 'output onerror'\\">"))
display(Javascript("window.__pwned = 'javascript output'"))
display({"image/svg+xml": "<svg xmlns='http://www.w3.org/2000/svg' onload=\\"window.__pwned = 'svg'\\"></svg>"}, raw=True)
'''


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = copy_course(tmp_path_factory.mktemp("inert"), [AID])
    course("release", AID, root=root)
    nb = solved_notebook(root, AID)
    cell_by_id(nb, "convolve1d").source += "\n" + HOSTILE_OUTPUT
    nb.cells.insert(1, nbformat.v4.new_markdown_cell(HOSTILE_MARKDOWN))
    write_submission(root / "submitted", "mallory", AID, nb)
    course("autograde", AID, "--submitted", str(root / "submitted"), "--quiet", root=root)
    course("feedback", AID, root=root)
    feedback = next((root / "feedback" / "mallory" / AID).glob("*.html"))
    return {"feedback": feedback, "formgrader": _formgrader_page(root, tmp_path_factory.mktemp("fg"))}


def _formgrader_page(root: Path, out: Path) -> Path:
    """The submission page exactly as nbgrader's formgrader renders it (its exporter, its extra
    configuration, the course's configuration file)."""
    from nbconvert.exporters import HTMLExporter
    from nbgrader.server_extensions.formgrader import handlers
    from traitlets.config import Config

    from course.grading.batch import load_config

    cfg = load_config(root)
    extra = Config()
    extra.HTMLExporter.template_name = "formgrade"
    extra.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    cfg.merge(extra)
    resources = {"assignment_id": AID, "notebook_id": AID, "submission_id": "x", "index": 0, "total": 1,
                 "base_url": "", "student": "mallory", "last_name": "M", "first_name": "M",
                 "notebook_path": f"autograded/mallory/{AID}/{AID}.ipynb"}
    html, _ = HTMLExporter(config=cfg).from_filename(str(root / "autograded" / "mallory" / AID / f"{AID}.ipynb"),
                                                     resources=resources)
    page = out / "submission.html"
    page.write_text(html, encoding="utf-8")
    return page


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: apt-get install chromium", pytrace=False)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.mark.browser
@pytest.mark.parametrize("which", ["feedback", "formgrader"])
def test_no_student_script_runs_where_the_submission_is_shown(chromium, pages: dict[str, Path], which: str) -> None:
    page = chromium.new_page()
    blocked: list[str] = []
    page.route("**/*", lambda route: (blocked.append(route.request.url), route.abort())
               if not route.request.url.startswith("file://") else route.continue_())
    page.goto(pages[which].as_uri())
    page.wait_for_timeout(1500)
    for link in page.locator("a").all():  # a javascript: link must not survive either
        assert not (link.get_attribute("href") or "").lower().startswith("javascript:")
    assert MARK in page.inner_text("body"), f"the student's own words are missing from the {which} page"
    assert page.evaluate("window.__pwned") is None, f"a student script ran in the {which} page"
    page.close()
