"""nbgrader's formgrader list pages say which figure counts (issue 18, point 3).

nbgrader 0.9.6's Manage Submissions, Manual Grading and Manage Students pages add up the test
scores before the course's late penalty and show missing work as "graded 0 / 10" with timestamp
None. The course's server extension (course/term/formgrader.py, enabled in the venv's
etc/jupyter like nbgrader's own) adds a "Course figures" panel to those pages.

One real Jupyter server (nbgrader's formgrader and the course's extension, as the venv's Jupyter
configuration enables them) on 127.0.0.1 over a graded class of three on ex01 (due date, the
course's late policy: 10 % per started day): alice on time, bob 34 h late (10 - 20 % = 8), erin
with no notebook (missing). One headless Chromium opens the pages after nbgrader's tables have
loaded. Bob's roster name carries markup, which must show as text.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from deploy_helpers import ARTIFACTS, make_course_root, start_jupyter, stop_tree, venv_env, wait_for_port
from grading_helpers import course, read_csv, solved_notebook, write_submission

pytestmark = pytest.mark.browser

AID = "ex01_convolution_1d"
COURSE_ID = "convolutional-models"
DUE = "2026-12-01 17:00:00 UTC"
ON_TIME = "2026-12-01 12:00:00.000000 UTC"
LATE = "2026-12-03 03:00:00.000000 UTC"  # 34 h late: 2 started days, 20 % off
BOB = "Bob <i>O'Neil</i>"
SHOTS = ARTIFACTS / "formgrader"


class Server:
    def __init__(self, url: str, token: str, root: Path, log: Path) -> None:
        self.url, self.token, self.root, self.log = url, token, root, log

    def link(self, path: str) -> str:
        return f"{self.url}/formgrader/{path}"


def grade_class(root: Path) -> None:
    """ex01 for alice (on time), bob (34 h late) and erin (no notebook), with a roster."""
    from course.gradebook.lateness import parse_when

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", COURSE_ID) as gb:
        gb.update_or_create_assignment(AID, duedate=parse_when(DUE))
    roster = root / "roster.csv"
    roster.write_text("Student ID,First Name,Last Name,Email\nalice,Alice,Test,a@example.edu\n"
                      "bob,Bob,\"<i>O'Neil</i>\",b@example.edu\nerin,Erin,Test,e@example.edu\n")
    course("students", "import", str(roster), root=root)
    sub = root / "submitted"
    solved = solved_notebook(root, AID)
    for sid, when in (("alice", ON_TIME), ("bob", LATE)):
        write_submission(sub, sid, AID, solved)
        (sub / sid / AID / "timestamp.txt").write_text(when)
    (sub / "erin" / AID).mkdir(parents=True)
    (sub / "erin" / AID / "notes.txt").write_text("sorry\n")
    course("autograde", AID, "--submitted", str(sub), "--jobs", "3", "--quiet", root=root)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``jupyter server`` in a graded course folder, with the extensions the venv's Jupyter
    configuration enables (nbgrader's and the course's); only the user's config and runtime
    folders are private. The server starts while the class is graded (its pages read the
    gradebook when they are opened)."""
    base = tmp_path_factory.mktemp("formgrader")
    root = make_course_root(base / "course", AID)  # the committed release: no `course release` needed
    env = venv_env(JUPYTER_CONFIG_DIR=str(base / "config"), JUPYTER_RUNTIME_DIR=str(base / "runtime"),
                   JUPYTER_DATA_DIR=str(base / "data"))
    env.pop("COURSE_GRADEBOOK_URL", None)
    log = base / "server.log"
    proc, port, token = start_jupyter("server", root, env, log)
    try:
        grade_class(root)
        wait_for_port(port, 60, proc, "jupyter server", log)
        yield Server(f"http://127.0.0.1:{port}", token, root, log)
    finally:
        stop_tree(proc)
        SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(log, SHOTS / "server.log")


@pytest.fixture(scope="module")
def page(server: Server) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    from test_browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(30_000)
            # log in once: nbgrader's pages set the login cookie for their own path only, so its
            # tables' API calls would be sent to the login page
            page.goto(f"{server.url}/api/status?token={server.token}")
            yield page
        finally:
            browser.close()


def open_list(page, server: Server, path: str) -> str:
    """Open a formgrader list page, wait until nbgrader's table has its rows, and return the
    panel's text (the panel is rendered by the server, nbgrader's rows by its JavaScript)."""
    page.goto(server.link(path))
    page.wait_for_function("() => { const t = document.querySelector('#main-table');"
                           " return t && t.rows.length && !/Loading, please wait/.test(t.innerText); }")
    return page.inner_text("#course-figures") if page.locator("#course-figures").count() else ""


def nbgrader_scores(page) -> dict[str, str]:
    """Manage Submissions' own Score column, by student id."""
    ids = page.locator("#main-table td.student-id").all_inner_texts()
    scores = page.locator("#main-table td.score").all_inner_texts()
    return dict(zip(ids, scores))


def panel_row(page, student: str) -> dict[str, str]:
    row = page.locator(f"#course-figures tr.course-figure[data-student='{student}']")
    if not row.count():
        return {}
    return {"who": row.locator("td").first.inner_text(), "shown": row.locator(".course-shown").inner_text(),
            "counts": row.locator(".course-counts").inner_text(), "why": row.locator(".course-why").inner_text()}


def test_the_extension_is_enabled_where_nbgrader_is(server: Server) -> None:
    log = server.log.read_text()
    assert "course.term.formgrader | extension was successfully loaded" in log, (
        "the course's formgrader extension is not enabled in this venv: `make venv` installs "
        "course/term/jupyter_server_config.d/course.term.formgrader.json into "
        f".venv/etc/jupyter/jupyter_server_config.d\n{log[-3000:]}")
    assert "nbgrader.server_extensions.formgrader | extension was successfully loaded" in log


def test_manage_submissions_names_the_figure_that_counts(page, server: Server) -> None:
    """Issue 18 #3: bob showed 10 / 10 (the CSV: 8) and erin "graded 0 / 10" with timestamp None,
    with no word that the course's figure differs."""
    text = open_list(page, server, f"manage_submissions/{AID}")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "manage_submissions.png"), full_page=True)
    csv = read_csv(server.root / f"grades_{AID}.csv")
    shown = nbgrader_scores(page)
    assert shown["bob"] == "10 / 10" and csv["bob"]["score"] == "8"  # the disagreement the panel explains
    assert "Course figures — the figure that counts" in text, text
    assert "The course's figure is the one that counts" in text and f"grades_{AID}.csv" in text
    bob = panel_row(page, "bob")
    assert bob["counts"] == f"{csv['bob']['score']} / 10" and bob["shown"] == shown["bob"], bob
    assert bob["who"] == f"{BOB} (bob)" and page.locator("#course-figures i").count() == 0  # markup shown as text
    assert "late by 1 day 10 hours: 2 points off" in bob["why"], bob
    assert "10% of the score per started day late" in text  # the policy it applies
    erin = panel_row(page, "erin")
    assert csv["erin"]["status"] == "missing" and erin["counts"] == "0 / 10", erin
    assert "no notebook handed in (status missing)" in erin["why"] and "timestamp None" in erin["why"], erin
    assert csv["alice"]["status"] == "ok" and shown["alice"] == "10 / 10" and panel_row(page, "alice") == {}


def test_manage_students_gives_the_course_total(page, server: Server) -> None:
    open_list(page, server, "manage_students")
    overall = dict(zip(page.locator("#main-table td.id").all_inner_texts(),
                       page.locator("#main-table td.score").all_inner_texts()))
    bob = panel_row(page, "bob")
    assert overall["bob"] == "10 / 10" and bob["shown"] == "10 / 10" and bob["counts"] == "8 / 10", (overall, bob)
    assert f"{AID}: 8 / 10, late by" in bob["why"]
    assert panel_row(page, "erin") and not panel_row(page, "alice")
    open_list(page, server, "manage_students/bob")
    row = page.locator("#course-figures tr.course-figure")
    assert row.count() == 1 and row.locator("td").first.inner_text() == AID
    assert row.locator(".course-counts").inner_text() == "8 / 10"
    assert "Every score on this page is the course's figure." in open_list(page, server, "manage_students/alice")
    open_list(page, server, f"manage_students/erin/{AID}")
    assert "no notebook handed in" in panel_row(page, "erin")["why"]


def test_manual_grading_keeps_names_hidden_until_asked(page, server: Server) -> None:
    text = open_list(page, server, f"gradebook/{AID}/{AID}")
    assert "2 submissions on this page have a course note" in text and "bob" not in text, text
    page.click("#course-figures summary")
    assert panel_row(page, "bob")["counts"] == "8 / 10"
    assert "2 submissions on this page" in open_list(page, server, f"gradebook/{AID}")  # the notebooks of ex01


def test_an_unreadable_status_file_leaves_nbgrader_s_page_with_a_warning(page, server: Server) -> None:
    status = server.root / "gradebook.status.json"
    kept = status.read_bytes()
    status.write_text("{ not json")
    try:
        text = open_list(page, server, f"manage_submissions/{AID}")
    finally:
        status.write_bytes(kept)
    assert "The course's figures could not be read here" in text and "gradebook.status.json" in text, text
    assert nbgrader_scores(page)["bob"] == "10 / 10"  # nbgrader's own table still loads


# --- without a server: the loader, the order of loading, the words --------------------------
def _nbgrader_env() -> object:
    """The jinja environment nbgrader's formgrader makes (FormgradeExtension.init_tornado_settings)."""
    from jinja2 import Environment, FileSystemLoader
    from nbgrader.server_extensions.formgrader import handlers

    return Environment(loader=FileSystemLoader([handlers.template_path]))


def test_the_panel_is_installed_whichever_extension_loads_first(tmp_path: Path) -> None:
    import logging
    from types import SimpleNamespace

    from course.term import formgrader

    webapp = SimpleNamespace(settings={})
    assert not formgrader.install(webapp)  # loaded before nbgrader's formgrader: wait for the start hook
    env = _nbgrader_env()
    coursedir = SimpleNamespace(root=str(tmp_path), db_url=f"sqlite:///{tmp_path / 'gradebook.db'}",
                                course_id=COURSE_ID)
    webapp.settings.update(nbgrader_jinja2_env=env, nbgrader_formgrader=SimpleNamespace(
        coursedir=coursedir, log=logging.getLogger("test")))
    assert formgrader.install(webapp) and formgrader.install(webapp)
    assert len(env.loader.loaders) == 3  # installed once
    html = env.get_template("manage_submissions.tpl").render(assignment_id=AID, base_url="", course_dir="x")
    assert "Instructions (click to expand)" in html and "Loading, please wait" in html  # nbgrader's page
    assert "Course figures" in html and f"No gradebook at {tmp_path / 'gradebook.db'} yet" in html
    assert not (tmp_path / "gradebook.db").exists()  # the panel never creates a gradebook
    # a page of nbgrader's the course does not extend is nbgrader's own
    assert "Course figures" not in env.get_template("manage_assignments.tpl").render(base_url="")


def test_a_failure_to_read_gives_one_line_not_an_error_page(tmp_path: Path) -> None:
    import logging
    from types import SimpleNamespace

    from course.term import formgrader

    class Broken:
        @property
        def root(self) -> str:
            raise OSError("<b>disk</b> gone")

    env = _nbgrader_env()
    webapp = SimpleNamespace(settings={"nbgrader_jinja2_env": env, "nbgrader_formgrader": SimpleNamespace(
        coursedir=Broken(), log=logging.getLogger("test"))})
    formgrader.install(webapp)
    html = env.get_template("manage_students.tpl").render(base_url="")
    assert "could not be read here (OSError: &lt;b&gt;disk&lt;/b&gt; gone)" in html and "<b>disk" not in html
    assert "Loading, please wait" in html


def test_held_and_settled_rows_say_what_a_person_does_or_did() -> None:
    from course.grading.results import Decision, Lapse, LapsedDecision, RunRecord, Status
    from course.term.figures import status_clause

    review = status_clause(RunRecord(Status.REVIEW), AID, "frank")
    assert review.startswith("status review: a person must settle it") and f"course settle {AID} frank" in review
    decision = Decision(by="Dr Lee", at="2026-12-04T10:00:00+00:00", action="override", why="looked",
                        was=Status.TAMPERED, score=2.0)
    settled = status_clause(RunRecord(Status.SETTLED, decision=decision), AID, "frank")
    assert settled.startswith("tampered settled by Dr Lee on 2026-12-04") and settled.endswith(": looked")
    assert status_clause(RunRecord(Status.OK), AID, "alice") == ""
    # a regrade of a changed notebook: held again, and the panel says why the decision lapsed
    lapsed = status_clause(RunRecord(Status.TAMPERED, lapsed=LapsedDecision(decision, Lapse.CHANGED)), AID, "frank")
    assert lapsed.startswith("status tampered: a person must settle it")
    assert "an earlier decision by Dr Lee on 2026-12-04 (score set to 2) was for a different submission" in lapsed
