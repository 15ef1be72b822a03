"""``RecordVerdicts``: decide every graded test cell in the grader's own process.

Inserted before nbgrader's ``SaveAutoGrades``: it re-creates each check's cases and reference
answers here, compares them with the outputs the kernel recorded, applies the no-shortcut scan
and the tampering scan of the student's code, and replaces the cell's outputs with the verdict
(an error output carrying the diagnosis means 0 points in nbgrader's ``determine_grade``; it is
shown in the feedback HTML).
"""

from __future__ import annotations

import json
from typing import Any

from nbformat.notebooknode import NotebookNode, from_dict
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool

from course.grading.preprocessors.cells import METADATA_KEY, is_test_cell, record_calls, student_sources
from course.grading.recorder import RECORD_MIMETYPE


class RecordVerdicts(NbGraderPreprocessor):
    """Decide each graded test cell from the recorded outputs (see the module docstring)."""

    check_shortcuts = Bool(True, help="Zero a check whose graded function reaches a library function that "
                                      "does the whole job (static scan of every cell)").tag(config=True)
    check_tampering = Bool(True, help="Zero every recorded test of a notebook that changes the grading "
                                      "machinery (static scan of the student's cells)").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: Any) -> Any:
        from course.grading.checks import get
        from course.grading.recorder import judge
        from course.grading.static import find_shortcuts, find_tampering

        execution = (resources or {}).get("course_execution") or nb.metadata.get(METADATA_KEY, {}).get("execution", {})
        stopped_at = execution.get("stopped_at")
        sources = student_sources(nb)
        tampering = find_tampering(sources) if self.check_tampering else []
        shortcut_cache: dict[tuple[str, frozenset[str]], list[str]] = {}
        cells: dict[str, Any] = {}  # grade_id -> verdict; "order" keeps the notebook's order
        shortcut_functions: dict[str, list[str]] = {}

        for index, cell in enumerate(nb.cells):
            if not is_test_cell(cell):
                continue
            grade_id = cell.metadata["nbgrader"].get("grade_id", f"cell-{index}")
            ids = record_calls(cell.source)
            verdict: tuple[str, str] | None = None  # (ename, message) when failed
            passed_text = ""
            if stopped_at is not None and index >= stopped_at:
                what = "timed out" if execution.get("status") == "timeout" else "stopped"
                verdict = ("NotRun", f"no points: this test did not run in an uninterrupted run of the notebook "
                                     f"({execution.get('reason') or what})")
            elif not ids:
                cells[grade_id] = {"passed": None, "message": "plain test cell"}
                continue  # a plain assert-style test cell: nbgrader decides as usual
            elif tampering:
                where = "; ".join(str(f) for f in tampering[:3])
                verdict = ("Tampering", "no points: the notebook changes the grading machinery or the libraries "
                                        f"the tests rely on ({where})")
            else:
                for check_id in ids:
                    try:
                        check = get(check_id)
                    except KeyError as exc:
                        verdict = ("GraderError", f"unknown check {check_id!r} ({exc}); tell your instructor")
                        break
                    if self.check_shortcuts and check.forbidden:
                        key = (check.function, check.forbidden)
                        if key not in shortcut_cache:
                            shortcut_cache[key] = find_shortcuts(sources, check.function, check.forbidden)
                        if shortcut_cache[key]:
                            names = ", ".join(shortcut_cache[key])
                            shortcut_functions[check.function] = shortcut_cache[key]
                            verdict = ("Shortcut", f"no points for {check.function}: it calls {names}, a library "
                                                   "function that does the whole job. Write it yourself from loops "
                                                   "or building blocks (np.fft, np.einsum, sliding_window_view).")
                            break
                    records = _records_for(cell, check_id)
                    if not records:
                        verdict = ("NotRun", f"{check.function}: the test recorded no output"
                                             f"{_first_error(cell)}")
                        break
                    failures = []
                    for payload in records:
                        ok, message, n_ok = judge(check, payload.get("outputs"))
                        if not ok:
                            failures.append(f"{message} ({n_ok} of {len(check.cases())} cases correct)")
                    if failures:
                        verdict = ("WrongAnswer", failures[0])
                        break
                if verdict is None:
                    passed_text = f"correct: {', '.join(ids)}"
            if verdict is None:
                cell.outputs = [from_dict({"output_type": "stream", "name": "stdout", "text": passed_text + "\n"})]
                cells[grade_id] = {"passed": True, "message": passed_text}
            else:
                ename, message = verdict
                cell.outputs = [from_dict({"output_type": "error", "ename": ename, "evalue": message,
                                           "traceback": [f"{ename}: {message}"]})]
                cells[grade_id] = {"passed": False, "kind": ename, "message": message}

        meta = nb.metadata.setdefault(METADATA_KEY, {})
        meta["execution"] = dict(execution)
        meta["cells"] = cells
        meta["order"] = list(cells)
        meta["tampering"] = [str(f) for f in tampering]
        meta["shortcuts"] = shortcut_functions
        return nb, resources


def _records_for(cell: NotebookNode, check_id: str) -> list[dict[str, Any]]:
    found = []
    for output in cell.get("outputs", []):
        if output.get("output_type") not in ("display_data", "execute_result"):
            continue
        payload = output.get("data", {}).get(RECORD_MIMETYPE)
        if isinstance(payload, str):
            try:
                payload = json.loads(payload)
            except ValueError:
                continue
        if isinstance(payload, dict) and payload.get("check") == check_id:
            found.append(payload)
    return found


def _first_error(cell: NotebookNode) -> str:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return f" (the cell failed with {output.get('ename')}: {str(output.get('evalue'))[:200]})"
    return " (did the cell run?)"
