"""``RecordVerdicts``: decide every graded test cell in the grader's own process.

Inserted before nbgrader's ``SaveAutoGrades``. ``GuardedExecute`` sent each graded call its
cases under a nonce (``resources["course_guard"]``); the kernel answered with one record of the
outputs per call. A record is only what the student's own code returned, and is judged as such:
the grader takes nothing from it but the outputs, and compares them, here, with its own
reference on the cases it made. The whole-job functions were absent from the kernel
(``course/grading/guard.py``), so nothing in a record needs a signature.

- every record must name a call the grader made, sit in that call's cell and be the only one
  for it; anything else (a record published by the student's code, replayed, duplicated or
  misplaced) is tampering with the grading machinery: ``tampered``, every recorded test earns 0;
- a graded call that left no record without an error to explain it goes to ``review``: 0 until
  a person looks;
- a graded function that reaches a whole-job library function in the code (the static scan,
  through every cell's names) earns 0 for that check, with advice;
- a notebook that imports a package the grading kernel only has a stand-in for (plotting) gets a
  note (``metadata.course_grading.notes``, data: ``{"kind": "stand_in", "package", "text"}``).

Each test cell's outputs are replaced by the verdict (an error output carrying the diagnosis
means 0 points in nbgrader's ``determine_grade``; it is shown in the feedback HTML).
"""

from __future__ import annotations

import json
from typing import Any

from nbformat.notebooknode import NotebookNode, from_dict
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool

from course.grading.preprocessors.cells import METADATA_KEY, is_test_cell, record_calls, scan_sources, student_sources
from course.grading.recorder import RECORD_MIMETYPE

SHORTCUT_ADVICE = ("Write it yourself from loops or building blocks (np.fft, np.einsum, sliding_window_view).")


class RecordVerdicts(NbGraderPreprocessor):
    """Decide each graded test cell from the guard's signed records (see the module docstring)."""

    check_shortcuts = Bool(True, help="Zero a check whose graded function reaches a library function that "
                                      "does the whole job (static scan of every cell, and the guard's "
                                      "report of what ran during the call)").tag(config=True)
    check_tampering = Bool(True, help="Zero every recorded test of a notebook that changes the grading "
                                      "machinery (static scan of the student's cells)").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: Any) -> Any:
        from course.grading.static import find_tampering

        execution = (resources or {}).get("course_execution") or nb.metadata.get(METADATA_KEY, {}).get("execution", {})
        guard = (resources or {}).get("course_guard") or {}
        sent = list(guard.get("calls", []))
        records, forged = _checked_records(nb, sent)
        tampering = [str(f) for f in find_tampering(student_sources(nb))] if self.check_tampering else []
        tampering += forged
        self._scan_sources = scan_sources(nb)
        self._shortcut_cache: dict[tuple[str, frozenset[str]], list[str]] = {}
        cells: dict[str, Any] = {}
        review: list[str] = []
        shortcuts: dict[str, list[str]] = {}
        stopped_at = execution.get("stopped_at")
        for index, cell in enumerate(nb.cells):
            if not is_test_cell(cell):
                _drop_records(cell)
                continue
            grade_id = cell.metadata["nbgrader"].get("grade_id", f"cell-{index}")
            ids = record_calls(cell.source)
            if not ids and (stopped_at is None or index < stopped_at):
                cells[grade_id] = {"passed": None, "message": "plain test cell"}
                continue  # a plain assert-style test cell: nbgrader decides as usual
            if stopped_at is not None and index >= stopped_at:
                what = "timed out" if execution.get("status") == "timeout" else "stopped"
                verdict = ("NotRun", "no points: this test did not run in an uninterrupted run of the notebook "
                                     f"({execution.get('reason') or what})")
            elif tampering:
                verdict = ("Tampering", "no points: the notebook changes the grading machinery or forges its "
                                        f"records ({'; '.join(tampering[:3])})")
            else:
                calls = [c for c in sent if c.cell_index == index]
                verdict = self._decide(cell, ids, calls, records, review, shortcuts, nb.cells)
            _set_verdict(cell, cells, grade_id, ids, verdict)

        meta = nb.metadata.setdefault(METADATA_KEY, {})
        meta["execution"] = dict(execution)
        meta["cells"] = cells
        meta["order"] = list(cells)
        meta["tampering"] = tampering
        meta["review"] = review
        meta["shortcuts"] = shortcuts
        meta["notes"] = stand_in_notes(nb, execution.get("stand_ins") or {})
        return nb, resources

    # --- one test cell -------------------------------------------------------------------------
    def _decide(self, cell: NotebookNode, ids: list[str], calls: list[Any], records: dict[str, dict[str, Any]],
                review: list[str], shortcuts: dict[str, list[str]], cells: Any = ()) -> tuple[str, str] | None:
        """``None`` when every graded call of the cell passed, else ``(kind, message)``."""
        from course.grading.checks import get
        from course.grading.recorder import judge

        if [c.check_id for c in calls] != ids:
            return ("GraderError", "the grader could not send this test's cases; tell your instructor")
        for call in calls:
            check = get(call.check_id)
            names = self._static_shortcuts(check)
            if names:  # the code reaches a whole-job function: settled whatever the run did
                shortcuts[check.function] = names
                advice = f" {SHORTCUT_ADVICE}" if check.forbidden else ""
                return ("Shortcut", f"no points for {check.function}: it calls {', '.join(names)}, a library "
                                    f"function that does the whole job.{advice}")
            record = records.get(call.nonce)
            if record is None:
                error = _first_error(cell)
                if error:  # a NameError for the function: why its cell did not define it (a SyntaxError...)
                    from course.grading.diagnosis import explain_not_run

                    return ("NotRun", f"{check.function}: the test did not run ({explain_not_run(error, cells) or error})")
                review.append(f"the test of {check.function} left no record and no error: the grader cannot tell why")
                return ("Review", f"{check.function}: the test left no record; a person will look at it")
            try:
                outputs = json.loads(record["outputs"])
            except ValueError:
                outputs = None
            ok, message, n_ok = judge(check, outputs, call.cases)
            if not ok:
                return ("WrongAnswer", f"{message} ({n_ok} of {len(call.cases)} cases correct)")
        return None

    def _static_shortcuts(self, check: Any) -> list[str]:
        from course.grading.static import find_shortcuts

        if not (self.check_shortcuts and check.forbidden):
            return []
        key = (check.function, check.forbidden)
        if key not in self._shortcut_cache:
            self._shortcut_cache[key] = find_shortcuts(self._scan_sources, check.function, check.forbidden)
        return self._shortcut_cache[key]


def _checked_records(nb: NotebookNode, sent: list[Any]) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """The records of calls the grader made, each in its cell and alone (nonce -> record), and what
    is wrong with the others."""
    by_nonce = {c.nonce: c for c in sent}
    good: dict[str, dict[str, Any]] = {}
    forged: list[str] = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            payload = _payload(output)
            if payload is None:
                continue
            problem = _problem(payload, by_nonce, index, good)
            if problem:
                forged.append(f"cell {index + 1}: {problem}")
            else:
                good[payload["nonce"]] = payload
    return good, forged


def _problem(payload: Any, by_nonce: dict[str, Any], index: int, good: dict[str, Any]) -> str | None:
    fields = {"check": str, "nonce": str, "outputs": str}
    if not isinstance(payload, dict) or any(not isinstance(payload.get(k), t) for k, t in fields.items()):
        return "a malformed grading record"
    call = by_nonce.get(payload["nonce"])
    if call is None:
        return "a grading record the grader did not ask for"
    if payload["check"] != call.check_id or call.cell_index != index:
        return "a grading record outside the test it belongs to"
    if payload["nonce"] in good:
        return "a second grading record for the same test"
    return None


def stand_in_notes(nb: NotebookNode, stand_ins: dict[str, str]) -> list[dict[str, str]]:
    """One note per package the notebook imports that the grading kernel had only a stand-in for."""
    from course.grading.preprocessors.cells import imported_modules

    used = imported_modules([c.source for c in nb.cells if c.cell_type == "code"])
    notes = []
    for package, kind in sorted(stand_ins.items()):
        if any(name == package or name.startswith(package + ".") for name in used):
            text = (f"{package} draws nothing while grading: figures are not redrawn" if kind == "noop" else
                    f"{package} is not available while grading: using it raised an error")
            notes.append({"kind": "stand_in", "package": package, "text": text})
    return notes


def _payload(output: Any) -> Any:
    if output.get("output_type") not in ("display_data", "execute_result", "update_display_data"):
        return None
    data = output.get("data", {})
    if not isinstance(data, dict) or RECORD_MIMETYPE not in data:
        return None
    payload = data[RECORD_MIMETYPE]
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except ValueError:
            return {"malformed": True}
    return payload


def _drop_records(cell: NotebookNode) -> None:
    if cell.cell_type == "code" and cell.get("outputs"):
        cell.outputs = [o for o in cell.outputs if _payload(o) is None]


def _set_verdict(cell: NotebookNode, cells: dict[str, Any], grade_id: str, ids: list[str],
                 verdict: tuple[str, str] | None) -> None:
    if verdict is None:
        text = f"correct: {', '.join(ids)}"
        cell.outputs = [from_dict({"output_type": "stream", "name": "stdout", "text": text + "\n"})]
        cells[grade_id] = {"passed": True, "message": text}
        return
    ename, message = verdict
    cell.outputs = [from_dict({"output_type": "error", "ename": ename, "evalue": message,
                               "traceback": [f"{ename}: {message}"]})]
    cells[grade_id] = {"passed": False, "kind": ename, "message": message}


def _first_error(cell: NotebookNode) -> str | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return f"the cell failed with {output.get('ename')}: {str(output.get('evalue'))[:200]}"
    return None
