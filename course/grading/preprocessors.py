"""nbgrader preprocessors of the course (they run in the grader's process).

- :class:`GuardedExecute` replaces nbgrader's ``Execute``: the kernel runs in the sandbox
  (``course.grading.sandbox``), the whole notebook has one time budget, and the first cell that
  times out or kills its kernel STOPS the run; which cell and why is recorded (in ``resources``
  and in the notebook metadata) so that :class:`RecordVerdicts` zeroes every graded cell from
  there on. Output is capped while it arrives (a gigabyte of printing never reaches memory).
- :class:`RecordVerdicts` (inserted before ``SaveAutoGrades``) decides every graded test cell
  that calls ``record(...)``: it re-creates the check's cases and reference answers here,
  compares them with the outputs recorded by the kernel, applies the no-shortcut scan and the
  tampering scan of the student's code, and replaces the cell's outputs with the verdict (an
  error output carrying the diagnosis means 0 points in nbgrader's ``determine_grade``; it is
  shown in the feedback HTML).
"""

from __future__ import annotations

import ast
import json
import time
from typing import Any

from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode, from_dict
from nbgrader import utils
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Bool, Integer

from course.grading.recorder import RECORD_MIMETYPE

METADATA_KEY = "course_grading"


def record_calls(source: str) -> list[str]:
    """Check ids used in ``record("id", fn)`` calls of a test cell's source, in order."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    ids = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            first = node.args[0]
            if name == "record" and isinstance(first, ast.Constant) and isinstance(first.value, str):
                ids.append((node.lineno, node.col_offset, first.value))
    return [i for _, _, i in sorted(ids)]


def is_test_cell(cell: NotebookNode) -> bool:
    return cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)


def student_sources(nb: NotebookNode) -> list[str]:
    """Sources of the code the student wrote: solution cells and cells without nbgrader metadata
    (instructor cells are restored by ``OverwriteCells`` and are not the student's)."""
    sources = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        if not meta or meta.get("solution", False) or not (meta.get("grade") or meta.get("locked")):
            sources.append(cell.source)
    return sources


class GuardedExecute(Execute):
    """nbgrader's ``Execute`` with a per-notebook time budget, a stop-at-first-timeout-or-crash
    policy, an output cap and the sandboxed kernel."""

    notebook_timeout = Integer(120, help="Seconds for the whole notebook (cells share it)").tag(config=True)
    max_output_bytes = Integer(1_000_000, help="Output kept per notebook (records excluded)").tag(config=True)
    max_record_bytes = Integer(16_000_000, help="Largest record output accepted").tag(config=True)
    use_sandbox = Bool(True, help="Run the kernel under bubblewrap with resource limits").tag(config=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.interrupt_on_timeout = False
        self.shutdown_kernel = "immediate"
        if self.use_sandbox:
            from course.grading.sandbox import SandboxKernelManager

            self.kernel_manager_class = SandboxKernelManager

    async def async_start_new_kernel(self, **kwargs: Any) -> None:
        # the kernel's own stdout/stderr (os.write(1, ...), ipykernel's banners) go nowhere
        import subprocess

        kwargs.setdefault("stdout", subprocess.DEVNULL)
        kwargs.setdefault("stderr", subprocess.DEVNULL)
        kwargs.setdefault("stdin", subprocess.DEVNULL)
        await super().async_start_new_kernel(**kwargs)

    start_new_kernel = run_sync(async_start_new_kernel)

    # --- the run ---------------------------------------------------------------------------
    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None) -> Any:
        self._state: dict[str, Any] = {
            "status": "ok", "stopped_at": None, "stopped_grade_id": None, "reason": "",
            "output_bytes": 0, "output_truncated": False, "seconds": 0.0,
        }
        self._deadline: float | None = None
        self._cell_timeout = self.timeout
        self._kept_cells: dict[int, NotebookNode] = {}
        start = time.monotonic()
        try:
            nb, resources = super().preprocess(nb, resources, km)
        finally:
            self.timeout = self._cell_timeout
            self._state["seconds"] = round(time.monotonic() - start, 3)
            if resources is not None:
                resources["course_execution"] = dict(self._state)
            nb.metadata.setdefault(METADATA_KEY, {})["execution"] = dict(self._state)
        return nb, resources

    def _stop(self, index: int, cell: NotebookNode, status: str, reason: str) -> None:
        if self._state["stopped_at"] is None:
            self._state.update(status=status, stopped_at=index, reason=reason,
                               stopped_grade_id=cell.metadata.get("nbgrader", {}).get("grade_id"))

    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int) -> Any:
        if self._state["stopped_at"] is not None:
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
            return cell, resources
        if cell.cell_type != "code" or not cell.source.strip():
            return cell, resources
        now = time.monotonic()
        if self._deadline is None:
            self._deadline = now + max(1, int(self.notebook_timeout))
        remaining = self._deadline - now
        if remaining <= 0:
            self._stop(index, cell, "timeout",
                       f"the notebook used up its {self.notebook_timeout} s before cell {index + 1} could run")
            cell.outputs = []
            return cell, resources
        limit = int(max(1, min(self._cell_timeout or remaining, remaining) + 0.999))
        self.timeout = limit
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        label = f"cell {index + 1}" + (f" ({gid})" if gid else "")
        try:
            return super().preprocess_cell(cell, resources, index)
        except CellTimeoutError:
            if limit >= remaining - 1:  # the notebook's budget ran out (deterministic wording)
                why = f"{label} was still running when the notebook's {self.notebook_timeout} s ran out"
            else:
                why = f"{label} ran longer than the {self._cell_timeout} s allowed for one cell"
            self._stop(index, cell, "timeout", why + " (an endless loop or wait?)")
        except DeadKernelError:
            self._stop(index, cell, "crashed", f"the Python kernel died while running {label} (too much memory, or the code ended the process)")
        except Exception as exc:  # iopub timeouts, broken channels: the kernel is unusable
            self._stop(index, cell, "crashed", f"running {label} failed: {type(exc).__name__}: {str(exc)[:200]}")
        cell.outputs = [from_dict({"output_type": "error", "ename": self._state["status"].capitalize(),
                                   "evalue": self._state["reason"], "traceback": [self._state["reason"]]})]
        return cell, resources

    # --- output cap ------------------------------------------------------------------------
    def output(self, outs: list, msg: dict, display_id: str | None, cell_index: int) -> Any:
        content = msg.get("content", {})
        data = content.get("data") if isinstance(content, dict) else None
        if isinstance(data, dict) and RECORD_MIMETYPE in data:
            try:
                size = len(json.dumps(data[RECORD_MIMETYPE]))
            except Exception:
                size = self.max_record_bytes + 1
            if size > self.max_record_bytes:
                return None
            return super().output(outs, msg, display_id, cell_index)
        size = _message_size(content)
        self._state["output_bytes"] += size
        if self._state["output_bytes"] > self.max_output_bytes:
            if not self._state["output_truncated"]:
                self._state["output_truncated"] = True
                note = from_dict({"output_type": "stream", "name": "stdout",
                                  "text": f"\n... output truncated by the grader (more than {self.max_output_bytes} bytes) ...\n"})
                outs.append(note)
            return None
        return super().output(outs, msg, display_id, cell_index)


def _message_size(content: Any) -> int:
    if not isinstance(content, dict):
        return 0
    size = len(str(content.get("text", "")))
    data = content.get("data")
    if isinstance(data, dict):
        size += sum(len(v) if isinstance(v, str) else len(str(v)) for v in data.values())
    size += sum(len(str(t)) for t in content.get("traceback", []) or [])
    return size


class RecordVerdicts(NbGraderPreprocessor):
    """Decide each graded test cell from the recorded outputs (see the module docstring)."""

    check_shortcuts = Bool(True).tag(config=True)
    check_tampering = Bool(True).tag(config=True)

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
