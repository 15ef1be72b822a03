"""The course's figures on nbgrader's formgrader list pages: a Jupyter server extension.

nbgrader 0.9.6's list pages (Manage Submissions, Manual Grading, Manage Students) add up the
test scores in the browser from its API: before the course's late penalty (which the course
keeps in nbgrader's own ``SubmittedNotebook.late_submission_penalty``, a field those pages never
read) and with missing work shown as "graded 0" with timestamp None. This extension keeps
nbgrader's handlers, templates and JavaScript and adds one plain panel to those pages, "Course
figures — the figure that counts": for each student whose course figure differs from nbgrader's
total (or whose row is missing work, waiting for a person, or settled by one), the course's
figure and why, with the statement that the course's figure (``grades_<ID>.csv``, ``course
student S``, the feedback) is the one that counts. The rows come from :mod:`.figures`, over the
gradebook and the status file the ``course`` commands use (:mod:`course.classconfig`).

How: nbgrader renders its pages with the jinja ``Environment`` in
``webapp.settings["nbgrader_jinja2_env"]``. :func:`install` gives it a loader that looks in
``formgrader_templates/`` first; each of those templates extends nbgrader's original through the
``nbgrader/`` prefix and adds the panel to its ``messages`` block (``{{ super() }}`` first).
jupyter_server loads extensions in alphabetical order (``course...`` before ``nbgrader...``), so
the loader is installed when this extension loads if nbgrader's formgrader already has, else
when the server starts (every extension loaded by then). If the gradebook or the status file
cannot be read, the page shows nbgrader's view with a one-line warning, never an error page.

Enabled by ``etc/jupyter/jupyter_server_config.d/course.term.formgrader.json`` (installed
beside nbgrader's own ``nbgrader.json``: by pip for a regular install, by ``make venv`` for the
editable one); ``jupyter server extension list`` shows it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXTENSION = "course.term.formgrader"
TEMPLATES = Path(__file__).with_name("formgrader_templates")
NBGRADER_PREFIX = "nbgrader"
"""Templates name nbgrader's originals as ``nbgrader/<name>.tpl``."""
ENV_KEY = "nbgrader_jinja2_env"
GLOBAL_NAME = "course_figures"
"""The templates' function: ``course_figures(assignment_id=...)``, ``(student_id=...)`` or ``()``."""


@dataclass
class Panel:
    """What the panel shows on one page."""

    figures: list[Any] = field(default_factory=list)  # figures.Figure rows (assignment or student pages)
    totals: list[Any] = field(default_factory=list)  # figures.StudentTotal rows (the class page)
    policy: str = ""  # the late policy in words
    warnings: list[str] = field(default_factory=list)
    error: str = ""  # the figures could not be read: one line, nbgrader's view stays


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": EXTENSION}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    if not install(serverapp.web_app):
        serverapp.log.debug("%s: nbgrader's formgrader is not loaded yet; the panel is added at start", EXTENSION)


async def _start_jupyter_server_extension(serverapp: Any) -> None:
    if not install(serverapp.web_app):
        serverapp.log.warning("%s: nbgrader's formgrader (nbgrader.server_extensions.formgrader) is not loaded, "
                              "so its pages get no course figures", EXTENSION)


def install(webapp: Any) -> bool:
    """Put the course's templates in front of nbgrader's (once); False while nbgrader's
    formgrader has not made its environment yet."""
    env = webapp.settings.get(ENV_KEY)
    if env is None:
        return False
    if GLOBAL_NAME not in env.globals:
        env.loader = course_loader(env.loader)
        env.globals[GLOBAL_NAME] = CourseFigures(webapp.settings)
    return True


def course_loader(nbgrader_loader: Any) -> Any:
    """The course's templates first; nbgrader's under ``nbgrader/`` and as themselves."""
    from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader

    return ChoiceLoader([FileSystemLoader(str(TEMPLATES)), PrefixLoader({NBGRADER_PREFIX: nbgrader_loader}),
                         nbgrader_loader])


class CourseFigures:
    """The templates' ``course_figures(...)``: the panel of a page, read when the page renders."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.settings = settings

    def __call__(self, assignment_id: str | None = None, student_id: str | None = None) -> Panel:
        formgrader = self.settings["nbgrader_formgrader"]
        try:
            return read_panel(formgrader.coursedir, assignment_id, student_id)
        except Exception as exc:  # the page must render: nbgrader's view with a one-line warning
            formgrader.log.warning("%s: the course's figures could not be read", EXTENSION, exc_info=True)
            return Panel(error=f"{type(exc).__name__}: {exc}".splitlines()[0][:500])


def sqlite_file_missing(db_url: str) -> Path | None:
    """The path of a SQLite gradebook that does not exist yet (opening it would create it)."""
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    path = Path(url.database)
    return None if path.exists() else path


def read_panel(coursedir: Any, assignment_id: str | None, student_id: str | None) -> Panel:
    """The panel's rows from the course's gradebook and status file (see the module docstring)."""
    from nbgrader.api import Gradebook, MissingEntry

    from course.classconfig import gradebook_url, nbgrader_config, normalise_url
    from course.gradebook.lateness import describe_policy
    from course.gradebook.records import StatusRecords
    from course.term.figures import assignment_figures, class_totals, student_figures

    root = os.path.abspath(coursedir.root)
    db_url = gradebook_url(root)
    panel = Panel(policy=describe_policy(nbgrader_config(root)))
    if normalise_url(coursedir.db_url) != db_url:
        panel.warnings.append(f"This page's tables read the gradebook {_shown(coursedir.db_url)}; the course's "
                              f"commands and the figures here read {_shown(db_url)} (COURSE_GRADEBOOK_URL or the "
                              "course's nbgrader_config.py): make them the same gradebook.")
    missing = sqlite_file_missing(db_url)
    if missing is not None:
        panel.warnings.append(f"No gradebook at {missing} yet: nothing has been graded.")
        return panel
    records = StatusRecords.for_gradebook(db_url, root)
    with Gradebook(db_url, coursedir.course_id) as gb:
        try:
            if student_id is not None:  # one student (and one of their assignments)
                panel.figures = [f for f in student_figures(gb, records, student_id)
                                 if assignment_id is None or f.assignment_id == assignment_id]
            elif assignment_id is not None:
                panel.figures = assignment_figures(gb, records, assignment_id)
            else:
                panel.totals = class_totals(gb, records)
        except MissingEntry:
            pass  # an assignment or student nbgrader lists that the gradebook does not hold yet
    return panel


def _shown(db_url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(db_url).render_as_string(hide_password=True)
