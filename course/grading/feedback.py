"""Feedback a student can read: what ``course feedback`` (nbgrader's ``GenerateFeedback``) shows.

Policy, in the order a student reads the page (template: ``templates/course_feedback/index.html.j2``; not
``feedback/``, a folder name the repository's .gitignore keeps for generated reports):

- **A summary at the top**: the score, every graded cell by name (its grade_id made readable),
  its points and its one-line reason, from the grader's verdicts in the autograded notebook
  (``metadata.course_grading.cells``) and the gradebook's scores.
- **What happened to the submission**: a notebook that was missing, unreadable or submitted
  under another name is explained (``metadata.course_grading.submission_notes``: the batch's
  submission notes, written as data beside the verdicts); lateness and the late penalty from the
  gradebook; a run that stopped early (timeout, crash).
- **Finished grades only**: ``course feedback`` refuses while a submission still needs hand
  grading (:func:`pending_submissions`); with ``--allow-pending`` such cells say "pending".
- **No hidden-test internals**: ``### BEGIN HIDDEN TESTS`` sections are cut from the test
  cells and internal check ids (``ex01.convolve1d.full.hidden``) never reach the page.
- **Maths without a network**: TeX in markdown is turned into MathML here, on the grader's
  machine (``course/grading/mathml.py``), so the page needs no MathJax and no CDN. Browsers render
  MathML natively; the HTML is one self-contained file (nbgrader's ``release_feedback`` only
  copies the ``.html``).
- **Readable at any width**: messages and outputs wrap (CSS in the template).

:class:`FeedbackPolicy` is the nbgrader preprocessor that prepares all of this; it runs after
nbgrader's ``GetGrades`` (``c.GenerateFeedback.preprocessors`` in ``nbgrader_config.py``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from course.gradebook.grades import duration, points_off
from course.grading.mathml import typeset_html, typeset_latex
from course.grading.batch.grader_view import is_grader_only
from course.grading.preprocessors.cells import METADATA_KEY

TEMPLATES = Path(__file__).resolve().parent / "templates"
"""Folder holding the ``course_feedback`` nbconvert template (``nbgrader_config.py``:
``c.GenerateFeedback.HTMLExporter.extra_template_basedirs`` and ``.template_name``)."""

NOTES_KEY = "submission_notes"
"""``metadata.course_grading.submission_notes``: list of plain-words notes on the submission
(missing, unreadable or renamed notebook), written by the autograde batch
(:func:`course.grading.results.notes_for_student`)."""

HIDDEN_TESTS_RE = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS[ \t]*$.*?^[ \t]*### END HIDDEN TESTS[ \t]*$\n?", re.M | re.S)
HIDDEN_ID_RE = re.compile(r"""(['"]?)\b[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.hidden\b\1""")
CHECK_ID_RE = re.compile(r"""\bex\d+\.[A-Za-z0-9_]+(?:\.[A-Za-z0-9_-]+)*""")
HIDDEN_NOTE = "# (hidden tests run here too; they are not shown)\n"


# --- words -------------------------------------------------------------------------------
def strip_hidden_tests(source: str) -> str:
    """``source`` with every ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` section
    replaced by a one-line note."""
    return HIDDEN_TESTS_RE.sub(HIDDEN_NOTE, source)


def scrub(text: str) -> str:
    """``text`` without internal check ids: ``ex01.convolve1d.full.hidden`` -> "a hidden test",
    ``ex01.convolve1d.full`` -> "a test"."""
    return CHECK_ID_RE.sub("a test", HIDDEN_ID_RE.sub("a hidden test", str(text)))


def readable(grade_id: str) -> str:
    """``test-convolve1d-full`` -> ``convolve1d full``; ``answer-dense`` -> ``answer dense``."""
    words = re.sub(r"^(test|tests)[-_]+", "", grade_id)
    words = re.sub(r"[-_]+", " ", words).strip()
    return words or grade_id


def fmt_points(x: float | None) -> str:
    if x is None:
        return "?"
    return f"{round(float(x), 2):g}"




# --- the gradebook: what is finished ---------------------------------------------------------
def pending_submissions(db_url: str, course_id: str, assignment: str, student: str | None = None) -> list[tuple[str, list[str]]]:
    """``[(student, ["notebook: cell", ...]), ...]`` for every submission of ``assignment`` (or
    only ``student``'s) that still needs hand grading."""
    from nbgrader.api import Gradebook, MissingEntry

    out: list[tuple[str, list[str]]] = []
    with Gradebook(db_url, course_id) as gb:
        try:
            submissions = gb.assignment_submissions(assignment)
        except MissingEntry:
            return []
        for sub in sorted(submissions, key=lambda s: s.student.id):
            if student is not None and sub.student.id != student:
                continue
            if not sub.needs_manual_grade:
                continue
            cells = [f"{nb.name}: {g.name}" for nb in sorted(sub.notebooks, key=lambda n: n.name)
                     for g in sorted(nb.grades, key=lambda g: g.name) if g.needs_manual_grade]
            out.append((sub.student.id, cells))
    return out


def _grades(db_url: str, notebook: str, assignment: str, student: str) -> dict[str, Any]:
    from nbgrader.api import Gradebook, MissingEntry

    info: dict[str, Any] = {"grades": {}, "seconds_late": 0.0, "duedate": None, "timestamp": None, "penalty": 0.0}
    with Gradebook(db_url) as gb:
        try:
            sub = gb.find_submission(assignment, student)
            nb = gb.find_submission_notebook(notebook, assignment, student)
        except MissingEntry:
            return info
        info["seconds_late"] = float(sub.total_seconds_late or 0)
        info["duedate"] = sub.duedate
        info["timestamp"] = sub.timestamp
        info["penalty"] = float(nb.late_submission_penalty or 0)
        for g in nb.grades:
            info["grades"][g.name] = {"score": None if g.score is None else float(g.score),
                                      "max": float(g.max_score or 0), "pending": bool(g.needs_manual_grade),
                                      "manual": g.manual_score is not None}
    return info


# --- the preprocessor ----------------------------------------------------------------------
def _error_line(cell: NotebookNode) -> str | None:
    from course.grading.validate import one_line

    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            ename, evalue = output.get("ename", "Error"), one_line(output.get("evalue", ""), 600)
            return f"{ename}: {evalue}" if evalue else str(ename)
    return None


class FeedbackPolicy(NbGraderPreprocessor):
    """Prepare an autograded notebook for the student's feedback page (see the module docstring).

    Writes ``resources["course_feedback"]`` (the summary the template shows at the top) and
    ``cell.metadata.course_feedback`` for every graded cell, cuts hidden tests and internal ids.
    """

    def preprocess(self, nb: NotebookNode, resources: Any) -> Any:
        from nbgrader import utils

        from course.grading.preprocessors import is_test_cell

        info = resources.get("nbgrader", {})
        student, assignment, notebook = info.get("student"), info.get("assignment"), info.get("notebook")
        gb = _grades(info["db_url"], notebook, assignment, student) if info.get("db_url") else {"grades": {}}
        meta = nb.metadata.get(METADATA_KEY, {}) or {}
        verdicts = meta.get("cells", {}) or {}
        tests: list[dict[str, Any]] = []
        nb.cells = [c for c in nb.cells if not is_grader_only(c)]  # rubrics and notes for graders only
        for index, cell in enumerate(nb.cells):
            nbg = cell.metadata.get("nbgrader", {}) or {}
            gid = nbg.get("grade_id")
            if cell.cell_type == "code":
                cell.source = strip_hidden_tests(cell.source)
            if not gid or not (nbg.get("grade") or nbg.get("solution") or nbg.get("task")):
                continue
            anchor = f"cell-{re.sub(r'[^A-Za-z0-9_-]', '-', gid)}"
            test = is_test_cell(cell)
            graded = bool(nbg.get("grade") or nbg.get("task"))
            if test:
                role = "test"
            elif cell.cell_type == "markdown":
                role = "written" if graded else "task"
            else:
                role = "answer"
            fb: dict[str, Any] = {"role": role, "grade_id": gid, "title": readable(gid), "anchor": anchor,
                                  "graded": graded}
            if graded:
                grade = gb["grades"].get(gid, {})
                verdict = verdicts.get(gid) if isinstance(verdicts.get(gid), dict) else {}
                points = grade.get("max", float(nbg.get("points", 0) or 0))
                score = grade.get("score")
                if score is None and nbg.get("score") is not None:  # nbgrader's GetGrades
                    score = float(nbg["score"])
                if score is None and test and isinstance(verdict.get("passed"), bool):
                    score = points if verdict["passed"] else 0.0  # the grader's verdict
                pending = grade.get("pending", False)
                fb.update(points=points, score=score, pending=pending)
                if pending:
                    status, message = "pending", ("waits for your instructor to grade it by hand" if not test
                                                  else "waits for your instructor to look at it")
                elif score is not None and points > 0 and score >= points:
                    status, message = "passed", "passed" if test else "full marks"
                else:
                    status = "partial" if score else "failed"
                    if test:
                        message = verdict.get("message") if verdict.get("passed") is False else None
                        message = message or _error_line(cell) or "the test failed"
                    else:
                        message = "graded by your instructor" if grade.get("manual") else ""
                    if test and verdict.get("passed") is True and grade.get("manual"):
                        message = "your instructor changed the score of this test"
                fb.update(status=status, message=scrub(message),
                          points_text=("pending" if pending else f"{fmt_points(score or 0)} / {fmt_points(points)}"),
                          points_label=(f"pending, out of {fmt_points(points)} points" if pending else
                                        f"{fmt_points(score or 0)} of {fmt_points(points)} points"))
                tests.append(fb)
            if test:
                cell.outputs = []  # the verdict box replaces the recorded outputs
            if utils.is_solution(cell) and nbg.get("comment"):
                fb["comment"] = str(nbg.get("comment"))
            cell.metadata["course_feedback"] = fb  # stored as a copy: fb is complete by now

        notes = meta.get(NOTES_KEY)
        notes = [scrub(str(n)) for n in notes if str(n).strip()] if isinstance(notes, list) else []

        execution = meta.get("execution", {}) or {}
        stopped = None
        if execution.get("status") in ("timeout", "crashed") and execution.get("reason"):
            stopped = (f"Your notebook did not run to the end: {execution['reason']}. Tests from there on "
                       "earn no points.")

        late = None
        if gb.get("seconds_late"):
            due = gb.get("duedate")
            late = {"seconds": gb["seconds_late"], "text": duration(gb["seconds_late"]),
                    "due": due.strftime("%Y-%m-%d %H:%M") if due else None,
                    "penalty": gb.get("penalty", 0.0), "penalty_words": points_off(gb.get("penalty", 0.0))}

        graded_tests = tests
        pending_points = sum(t["points"] for t in graded_tests if t.get("pending"))
        score = info.get("score")
        max_score = info.get("max_score")
        if score is None:
            score = sum(t.get("score") or 0 for t in graded_tests) - (late or {}).get("penalty", 0.0)
        if max_score is None:
            max_score = sum(t["points"] for t in graded_tests)
        resources["course_feedback"] = {
            "notebook": notebook, "assignment": assignment, "student": student,
            "score": score, "max_score": max_score, "score_text": fmt_points(score), "max_text": fmt_points(max_score),
            "pending_points": pending_points, "pending_text": fmt_points(pending_points),
            "tests": graded_tests,
            "passed": sum(1 for t in graded_tests if t.get("status") == "passed"),
            "notes": notes, "late": late, "stopped": scrub(stopped) if stopped else None,
            "typeset": typeset_html, "typeset_latex": typeset_latex,
        }
        return nb, resources

