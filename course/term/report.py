"""``course report ID``: the class misconception report, from the gradebook and the verdicts.

Sources: the class rows (:mod:`course.gradebook.grades`: the same scores and statuses as
``grades_<ID>.csv``) and, for every student with autograded notebooks, the grader's verdicts in
``metadata.course_grading.cells[grade_id] = {passed, kind, message[, check, mistake]}``.

Which catalogued mistake a failed test shows: the verdict's ``mistake`` field (the
``Misconception.name``; with ``check``, the check id) when the grader wrote one; otherwise the
registered misconception of the cell's checks whose message appears in the verdict's message
(the longest such message wins). Misconceptions of one function sharing a message are one row.
Students are counted once per row, however many test cells show the same mistake. Failed tests
that match no catalogued mistake are counted by kind ("other failures"); a student whose
notebook was missing or unreadable (graded as the untouched release) is counted there as "no
readable notebook", not as having attempted and failed, and is left out of every pass rate and
mistake share (those are over the students who handed in a readable notebook).

Hand-graded answers (ex03's written question) have their own section, from the gradebook: how
many were graded, their mean, and who still waits, over the same students as the pass rates. Late work has its own section too: who was
late, by how long, and the points the late policy took. Mistake names are shown in words
(``bias_per_input_map`` -> "bias per input map").
"""

from __future__ import annotations

import csv
import io
import json
import math
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from course.gradebook.grades import is_hand_graded_answer, late_words, left_as_released  # late words made once (report_html uses them too)
from course.grading.results import GRADED_AS_RELEASE, Status

REPORT_COLUMNS = ["section", "item", "function", "count", "of", "percent", "students", "detail"]
FAILURE_LABELS = {
    "NoNotebook": "no readable notebook (missing or invalid: graded as the release)",
    "NotImplemented": "not attempted (raises NotImplementedError)",
    "WrongAnswer": "wrong answer not in the catalogue",
    "Shortcut": "calls a library function that does the whole job",
    "NotRun": "test did not run (timeout, crash, no output)",
    "Tampering": "changes the grading machinery",
    "GraderError": "grader error (tell the course team)",
}
NOT_IMPLEMENTED = "is not implemented yet"


@dataclass
class TestStat:
    grade_id: str
    points: float
    functions: list[str]
    checks: list[str]
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def graded(self) -> int:
        return len(self.passed) + len(self.failed)


@dataclass
class Row:
    """One catalogued mistake (or one kind of other failure) and the students who showed it."""

    section: str  # "mistake" or "failure"
    item: str
    function: str
    detail: str
    students: set[str] = field(default_factory=set)
    tests: set[str] = field(default_factory=set)


@dataclass
class HandGraded:
    """One answer graded by a person (a written question), from the gradebook."""

    grade_id: str
    points: float
    scores: dict[str, float] = field(default_factory=dict)  # student -> points given
    waiting: list[str] = field(default_factory=list)  # students whose answer waits for a person
    blank: list[str] = field(default_factory=list)  # students who left it as released (nbgrader's 0, in scores)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.scores.values()) if self.scores else 0.0


@dataclass
class ClassReport:
    assignment: str
    rows: list[dict[str, str]]  # the class CSV rows (scores, statuses)
    tests: list[TestStat]
    mistakes: list[Row]  # every catalogued mistake of the assignment's checks, most frequent first
    failures: list[Row]  # other failed verdicts, by kind
    policy: str = ""
    hand: list[HandGraded] = field(default_factory=list)

    @property
    def students(self) -> list[str]:
        return [r["student_id"] for r in self.rows]

    @property
    def submitters(self) -> list[str]:
        """Students who handed in a readable notebook (pass rates, mistake shares and hand-graded
        answers are over them)."""
        return [r["student_id"] for r in self.rows if handed_in(r)]

    def late(self) -> list[dict[str, str]]:
        """The class rows of late submissions, latest first."""
        rows = [r for r in self.rows if float(r.get("late_seconds") or 0) > 0]
        return sorted(rows, key=lambda r: (-float(r["late_seconds"]), r["student_id"]))

    @property
    def max_score(self) -> float:
        return max((float(r["max_score"]) for r in self.rows), default=0.0)

    def scores(self) -> list[float]:
        return [float(r["score"]) for r in self.rows]

    def statuses(self) -> Counter[str]:
        return Counter(r["status"] for r in self.rows)

    def histogram(self) -> list[tuple[str, int]]:
        """(label, count) per bin of width ``max(1, ceil(max/20))``; the last bin holds full marks."""
        top = self.max_score
        width = max(1, math.ceil(top / 20)) if top else 1
        nbins = int(top // width) + 1 if top else 1
        counts = [0] * nbins
        for s in self.scores():
            counts[min(nbins - 1, max(0, int(s // width)))] += 1
        label = (lambda i: f"{i * width:g}") if width == 1 else (lambda i: f"{i * width:g}-{(i + 1) * width:g}")
        return [(label(i), c) for i, c in enumerate(counts)]

    def summary(self) -> dict[str, Any]:
        scores = self.scores()
        return {"students": len(scores), "mean": statistics.fmean(scores) if scores else 0.0,
                "median": statistics.median(scores) if scores else 0.0, "max_score": self.max_score}


def _meta(path: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """(the grader's metadata, grade_id -> test cell source) of an autograded notebook."""
    try:
        nb = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}, {}
    sources = {}
    for cell in nb.get("cells", []):
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        if meta.get("grade") and not meta.get("solution") and cell.get("cell_type") == "code":
            src = cell.get("source", "")
            sources[str(meta.get("grade_id"))] = "".join(src) if isinstance(src, list) else str(src)
    from course.grading.preprocessors.cells import METADATA_KEY

    grading = (nb.get("metadata") or {}).get(METADATA_KEY) or {}
    return (grading if isinstance(grading, dict) else {}), sources


def _points(path: Path) -> dict[str, float]:
    try:
        nb = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    out = {}
    for cell in nb.get("cells", []):
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        if meta.get("grade") and not meta.get("solution"):
            out[str(meta.get("grade_id"))] = float(meta.get("points") or 0)
    return out


class Catalogue:
    """The registered checks of one assignment and their misconceptions."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], Row] = {}  # (function, message) -> row
        self.by_name: dict[tuple[str, str], tuple[str, str]] = {}  # (check id, name) -> row key

    def add_check(self, check_id: str) -> Any:
        from course.grading.checks import get

        try:
            check = get(check_id)
        except KeyError:
            return None
        for m in check.misconceptions:
            key = (check.function, m.message)
            words = mistake_words(m.name)
            row = self.rows.setdefault(key, Row("mistake", words, check.function, m.message))
            if words not in row.item.split(" / "):
                row.item = f"{row.item} / {words}"
            self.by_name[(check_id, m.name)] = key
        return check

    def match(self, verdict: dict[str, Any], checks: list[str]) -> Row | None:
        """The catalogued row a failed verdict shows (see the module docstring), or None."""
        name, check_id = verdict.get("mistake"), verdict.get("check")
        if name:
            for cid in ([check_id] if check_id else []) + checks:
                if (cid, name) in self.by_name:
                    return self.rows[self.by_name[(cid, name)]]
        message = str(verdict.get("message") or "")
        keys = {self.by_name[k] for k in self.by_name if k[0] in checks}
        hits = [k for k in keys if k[1] and k[1] in message]
        return self.rows[max(hits, key=lambda k: len(k[1]))] if hits else None


def handed_in(row: dict[str, str]) -> bool:
    """True when a class row's student handed in a readable notebook (not graded as the untouched
    release: :data:`course.grading.results.GRADED_AS_RELEASE`)."""
    return Status.parse(row["status"]) not in GRADED_AS_RELEASE


def mistake_words(name: str) -> str:
    """A catalogued mistake's name in words: ``bias_per_input_map`` -> ``bias per input map``."""
    return " ".join(name.replace("_", " ").split())


def _failure(failures: dict[str, Row], verdict: dict[str, Any], function: str, status: str) -> Row:
    kind = str(verdict.get("kind") or "WrongAnswer")
    if Status.parse(status) in GRADED_AS_RELEASE:
        kind = "NoNotebook"  # the release's stubs failed, not the student's code
    elif kind == "WrongAnswer" and NOT_IMPLEMENTED in str(verdict.get("message") or ""):
        kind = "NotImplemented"
    label = FAILURE_LABELS.get(kind, kind)
    return failures.setdefault(f"{kind}:{function}", Row("failure", label, function, kind))


def hand_graded(gb: Any, assignment_id: str, rows: list[dict[str, str]]) -> list[HandGraded]:
    """The answers a person grades (solution cells that are grade cells), over the students of the
    class ``rows`` who handed in a readable notebook (:func:`handed_in`, as the pass rates): a
    missing student's release answer is no answer graded."""
    students = {r["student_id"] for r in rows if handed_in(r)}
    out: dict[str, HandGraded] = {}
    assignment = gb.find_assignment(assignment_id)
    for sub in assignment.submissions:
        if sub.student.id not in students:
            continue
        blanks = left_as_released(sub)
        for nb in sub.notebooks:
            for grade in nb.grades:
                if not is_hand_graded_answer(grade):
                    continue
                item = out.setdefault(grade.name, HandGraded(grade.name, float(grade.max_score)))
                if grade.needs_manual_grade:
                    item.waiting.append(sub.student.id)
                else:  # a person's grade, or nbgrader's 0 for an answer left as released
                    item.scores[sub.student.id] = float(grade.score or 0)
                if grade in blanks:
                    item.blank.append(sub.student.id)
    return [out[k] for k in sorted(out)]


def build_report(root: str | Path, assignment_id: str, rows: list[dict[str, str]], policy: str = "",
                 hand: list[HandGraded] | None = None) -> ClassReport:
    """The report of ``assignment_id`` for the class ``rows`` (see the module docstring)."""
    from course.grading.preprocessors.cells import record_calls

    catalogue, tests = Catalogue(), {}  # tests: grade_id -> TestStat
    failures: dict[str, Row] = {}
    for r in rows:
        sid = r["student_id"]
        no_notebook = not handed_in(r)
        for path in sorted((Path(root) / "autograded" / sid / assignment_id).glob("*.ipynb")):
            grading, sources = _meta(path)
            points = _points(path)
            cells = grading.get("cells") or {}
            order = [k for k in grading.get("order", []) if k in cells] or sorted(cells)
            for gid in order:
                verdict = cells[gid]
                if not isinstance(verdict, dict) or verdict.get("passed") not in (True, False):
                    continue
                checks = record_calls(sources.get(gid, ""))
                stat = tests.get(gid)
                if stat is None:
                    found = [c for c in (catalogue.add_check(cid) for cid in checks) if c is not None]
                    functions = list(dict.fromkeys(c.function for c in found))
                    stat = tests[gid] = TestStat(gid, points.get(gid, 0.0), functions, checks)
                if not no_notebook:  # pass rates are over the students who handed in a notebook
                    (stat.passed if verdict["passed"] else stat.failed).append(sid)
                if not verdict["passed"]:
                    wrong = verdict.get("kind", "WrongAnswer") == "WrongAnswer" and not no_notebook
                    row = catalogue.match(verdict, checks) if wrong else None
                    row = row or _failure(failures, verdict, stat.functions[0] if stat.functions else "", r["status"])
                    row.students.add(sid)
                    row.tests.add(gid)
    mistakes = sorted(catalogue.rows.values(), key=lambda m: (-len(m.students), m.function, m.item))
    others = sorted(failures.values(), key=lambda m: (-len(m.students), m.function, m.item))
    return ClassReport(assignment_id, rows, list(tests.values()), mistakes, others, policy, list(hand or []))


def _pct(count: int, of: int) -> str:
    return f"{100.0 * count / of:.1f}" if of else "0.0"


def report_rows(report: ClassReport) -> list[list[str]]:
    """The report as CSV rows (:data:`REPORT_COLUMNS`); the HTML shows the same figures."""
    n, k = len(report.rows), len(report.submitters)
    out = []
    for t in report.tests:
        out.append(["test", t.grade_id, ", ".join(t.functions), str(len(t.passed)), str(t.graded),
                    _pct(len(t.passed), t.graded), ";".join(sorted(t.failed)), " ".join(t.checks)])
    for h in report.hand:
        given = len(h.scores)
        out.append(["hand", h.grade_id, "", str(given), str(given + len(h.waiting)), _pct(given, given + len(h.waiting)),
                    ";".join(sorted(h.waiting)), f"mean {h.mean:.2f} of {h.points:g} points; waiting: {len(h.waiting)}"
                    + (f"; left as released: {len(h.blank)} ({';'.join(sorted(h.blank))})" if h.blank else "")])
    for m in report.mistakes:
        out.append([m.section, m.item, m.function, str(len(m.students)), str(k), _pct(len(m.students), k),
                    ";".join(sorted(m.students)), m.detail])
    for m in report.failures:
        of = n if m.detail == "NoNotebook" else k
        out.append([m.section, m.item, m.function, str(len(m.students)), str(of), _pct(len(m.students), of),
                    ";".join(sorted(m.students)), m.detail])
    late = report.late()
    for r in late:
        out.append(["late", r["student_id"], "", "1", str(n), "", r["student_id"],
                    late_words(float(r["late_seconds"]), float(r["penalty"]))])
    for status, count in sorted(report.statuses().items()):
        out.append(["status", status, "", str(count), str(n), _pct(count, n), "", ""])
    for label, count in report.histogram():
        out.append(["score", label, "", str(count), str(n), _pct(count, n), "", ""])
    return out


def report_csv(report: ClassReport) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(REPORT_COLUMNS)
    writer.writerows(report_rows(report))
    return buf.getvalue()
